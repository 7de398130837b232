//! recon proves a data migration moved every row.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`source`] reads each side (Parquet, CSV, Arrow IPC) as streams of Arrow batches, split into units
//!    that threads read independently;
//! 2. [`normalize`] casts every key and compared column to one canonical form per column pair — the
//!    equivalence policy;
//! 3. [`digest`] encodes each canonical value (type tag, payload; strings length-prefixed) into its row's
//!    slot, hashes each row once with xxh3-128, and keeps 40 bytes per row; both sides are read in one parallel pass;
//! 4. [`compare`] fingerprints key-hash buckets (row count + 128-bit wrapping sum of row hashes), sends the
//!    buckets that differ to DataFusion (anti-joins, duplicate counts, row-hash mismatches), and reads back
//!    the few rows it must show to tell which columns differ;
//! 5. [`report`] builds one [`report::Report`]: a terminal table or versioned JSON, and a verdict against
//!    per-category budgets (exit 0 reconciled, 1 over budget, 2 error).

pub mod cli;
pub mod compare;
pub mod digest;
pub mod error;
pub mod normalize;
pub mod progress;
pub mod report;
pub mod side;
pub mod source;

use std::io::Write;
use std::time::Instant;

use cli::plan::AuditPlan;
use cli::{DiffArgs, OutputFormat};
use error::{Error, Result};
use report::Report;

/// Runs a whole audit: every stage from reading to the verdict. Writes nothing.
pub fn audit(plan: &AuditPlan) -> Result<(Report, compare::Findings)> {
    let threads = rayon::current_num_threads();
    for dataset in [&plan.source, &plan.target] {
        if dataset.format == source::Format::Csv {
            let types: Vec<String> =
                dataset.schema.fields().iter().map(|f| format!("{} {}", f.name(), f.data_type())).collect();
            plan.log.info(&format!("column types of {}: {}", dataset.location, types.join(", ")));
        }
    }
    let started = Instant::now();
    let (source_columns, target_columns) = (plan.side_columns(0), plan.side_columns(1));
    // Row digests may take half the memory limit, a quarter a side; readers, the row tier and DataFusion the rest.
    let budget = plan.memory_limit / 4;
    let sides = [(&plan.source, &source_columns), (&plan.target, &target_columns)];
    let counters = std::sync::Arc::new(progress::Counters::default());
    let meter = progress::Meter::start(&plan.log, counters.clone(), [plan.source.row_count(), plan.target.row_count()]);
    let digests = digest::scan(sides, plan.sample.as_ref(), budget, &plan.spill_dir, &counters)?;
    drop(meter);
    let scanned = started.elapsed();
    plan.log.info(&format!("read and hashed both sides in {scanned:.2?}"));
    let findings = compare::compare(plan, [&source_columns, &target_columns], digests, threads)?;
    let compared = started.elapsed();
    plan.log.info(&format!("classified in {:.2?}", compared - scanned));
    let mut report = report::build(plan, &findings)?;
    let seconds = report::StageSeconds {
        read: (findings.scans[0].read + findings.scans[1].read).as_secs_f64(),
        hash: (findings.scans[0].hash + findings.scans[1].hash).as_secs_f64(),
        compare: (compared - scanned).as_secs_f64(),
        compare_steps: findings.timings,
        report: (started.elapsed() - compared).as_secs_f64(),
        total: started.elapsed().as_secs_f64(),
    };
    report.stats = report::Stats::new(&findings, seconds, plan.memory_limit, threads);
    Ok((report, findings))
}

/// `recon sample-size`: prints the keys a sample needs to prove a rate below the budget.
pub fn sample_size(args: cli::SampleSizeArgs) -> Result<i32> {
    let percent = args.budget.trim().strip_suffix('%').and_then(|p| p.trim().parse::<f64>().ok());
    let budget = match percent {
        Some(p) if p > 0.0 && p < 100.0 => p / 100.0,
        _ => return Err(Error::setting("--budget", format!("{:?} is not a percentage like 0.1%", args.budget))),
    };
    if !(args.confidence > 0.0 && args.confidence < 1.0) {
        return Err(Error::setting("--confidence", "must lie strictly between 0 and 1"));
    }
    let n = compare::sample::size_for(budget, args.confidence);
    println!("{n}");
    eprintln!(
        "recon: a sample of {n} keys with no difference found proves a rate below {} at {}% confidence",
        args.budget.trim(),
        args.confidence * 100.0
    );
    Ok(0)
}

/// `recon diff`: resolves the plan, audits, writes the report where asked, and returns the exit code.
pub fn diff(args: DiffArgs) -> Result<i32> {
    if let Some(threads) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global()
            .map_err(|e| Error::setting("--threads", e.to_string()))?;
    }
    let plan = AuditPlan::resolve(args)?;
    let (report, findings) = audit(&plan)?;
    if let Some(dir) = &plan.diff_out {
        report::diff_out::write(dir, &plan, &findings)?;
    }
    if let Some(path) = &plan.output {
        report.write_json(path)?;
    }
    let text = match plan.format {
        OutputFormat::Json => report.to_json()? + "\n",
        OutputFormat::Table => report::table::render(&report),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(Error::io("stdout", e)),
        _ => {}
    }
    Ok(report.verdict.exit_code)
}
