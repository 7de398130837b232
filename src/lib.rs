//! recon proves a data migration moved every row.
//!
//! A comparison is described by a [`spec::TableSpec`] (plain data: sides, key, columns, policy, budgets,
//! sampling), run in a [`session::Session`] (one runtime, one thread pool, one memory limit, shared by every
//! table), and returns an [`Outcome`]: the [`report::Report`] and the findings behind it. The pipeline, one
//! module per stage, each importing only the stages above it in this list:
//!
//! 0. [`spec`] (options by layer → specs), [`side`], [`sample`], [`error`], [`progress`]: shared vocabulary;
//!    [`session`]: the process's resources;
//! 1. [`normalize`] casts every key and compared column to one canonical form per column pair — the
//!    equivalence policy;
//! 2. [`source`] reads each side (Parquet, CSV, Arrow IPC, PostgreSQL, MySQL/MariaDB, SQLite) as streams of
//!    Arrow batches, split into units that threads read independently;
//! 3. [`digest`] encodes each canonical value (type tag, payload; strings length-prefixed) into its row's
//!    slot, hashes each row once with xxh3-128, and keeps 40 bytes per row; both sides in one parallel pass;
//! 4. [`plan`] resolves a spec against the opened sources: columns matched, canonical forms chosen, the
//!    sample pushed down;
//! 5. [`compare`] fingerprints key-hash buckets (row count + 128-bit wrapping sum of row hashes), sends the
//!    buckets that differ to DataFusion (anti-joins, duplicate counts, row-hash mismatches), and reads back
//!    the few rows it must show to tell which columns differ;
//! 6. [`report`] builds one [`report::Report`] with its verdict against per-category budgets, and holds the
//!    writers that render it (terminal table, JSON, `--diff-out` Parquet).
//!
//! Where new things go: a new output format is a writer in `report/`; a new source is a reader in `source/`
//! behind [`source::Dataset`]; a new comparison tier is a step in `compare/` between the fingerprints and
//! the row tier. The command line (`cli/`) only turns arguments into specs; `main.rs` maps outcomes to exit
//! codes.

pub mod cli;
pub mod compare;
pub mod digest;
pub mod error;
pub mod normalize;
pub mod plan;
pub mod progress;
pub mod report;
pub mod sample;
pub mod session;
pub mod side;
pub mod source;
pub mod spec;

use std::path::Path;
use std::time::Instant;

use error::Result;
use plan::Plan;
use report::Report;
use session::Session;
use side::{Side, Sides};
use source::{Dataset, Format};
use spec::TableSpec;

/// What one comparison found: the report, and the findings and plan writers such as `--diff-out` need.
pub struct Outcome {
    pub report: Report,
    plan: Plan,
    findings: compare::Findings,
}

impl Outcome {
    /// Writes every differing record as Parquet files in `dir` (the spec must keep every finding).
    pub fn write_diff_out(&self, dir: &Path) -> Result<()> {
        report::diff_out::write(dir, &self.plan, &self.findings)
    }
}

/// Compares one table pair: every stage from reading to the verdict. Writes nothing.
pub fn diff(spec: &TableSpec, session: &Session) -> Result<Outcome> {
    let started = Instant::now();
    let options = plan::open_options(spec)?;
    // Both sides at once: opening reads footers, catalogs, or a CSV file's record ends.
    let open = |side: Side| Dataset::open(&spec.sides[side].location, &options[side], session.runtime());
    let datasets = session.run(|| Sides::join(open));
    let plan = Plan::resolve(spec, datasets.transpose()?, session.table_memory(1), session.spill_dir.clone())?;
    session.run(|| run(plan, session, started))
}

fn run(plan: Plan, session: &Session, started: Instant) -> Result<Outcome> {
    for (_, dataset) in plan.datasets.iter().filter(|(_, d)| d.format == Format::Csv) {
        let types: Vec<String> =
            dataset.schema.fields().iter().map(|f| format!("{} {}", f.name(), f.data_type())).collect();
        tracing::info!("column types of {}: {}", dataset.location, types.join(", "));
    }
    let columns = Sides::from_fn(|side| plan.side_columns(side));
    let totals = Sides::from_fn(|side| plan.datasets[side].row_count());
    let progress = session.progress.table("", totals);
    let sides = Sides::from_fn(|side: Side| (&plan.datasets[side], &columns[side]));
    let digests =
        digest::scan(sides, plan.sample.as_ref(), plan.memory.digests_per_side, &plan.spill_dir, &progress.counters)?;
    drop(progress);
    let scanned = started.elapsed();
    tracing::info!("read and hashed both sides in {scanned:.2?}");
    let findings = compare::compare(&plan, columns.as_ref(), digests, session.threads(), session.runtime())?;
    let compared = started.elapsed();
    tracing::info!("classified in {:.2?}", compared - scanned);
    let mut report = report::build(&plan, &findings)?;
    let scans = &findings.scans;
    let seconds = report::StageSeconds {
        read: (scans.source.read + scans.target.read).as_secs_f64(),
        hash: (scans.source.hash + scans.target.hash).as_secs_f64(),
        compare: (compared - scanned).as_secs_f64(),
        compare_steps: findings.timings,
        report: (started.elapsed() - compared).as_secs_f64(),
        total: started.elapsed().as_secs_f64(),
    };
    report.stats = report::Stats::new(&findings, seconds, session.memory_limit, session.threads());
    Ok(Outcome { report, plan, findings })
}

/// How many keys a sample needs to prove a defect rate below `budget` (a share, 0 < budget < 1) at
/// `confidence`.
pub fn sample_size(budget: f64, confidence: f64) -> u64 {
    sample::size_for(budget, confidence)
}
