//! The engine's entry: one table comparison, from a [`TableSpec`] and a [`Session`] to an [`Outcome`] —
//! open both sides, plan, read and hash, compare, build the report. `recon diff` runs it once; `recon audit`
//! once per table.

#[cfg(feature = "cluster")]
pub mod cluster;
mod drift;
mod pushdown;
mod recheck;
mod retry;
mod strategy;
mod window;

use std::path::Path;
use std::time::Instant;

use crate::compare::repair::{self, Repairable};
use crate::error::{Error, Result};
use crate::explain::Explainer;
use crate::plan::{Names, Plan};
use crate::progress::Total;
use crate::report::profile::ProfileReport;
use crate::report::{self, Report};
use crate::session::{Memory, Session};
use crate::side::{Side, Sides};
use crate::source::catalog::TableKeys;
use crate::source::dialect::delimiter_advice;
use crate::source::{Columns, Connections, Dataset, Format};
use crate::spec::profile::ProfileSpec;
use crate::spec::{Repair, TableSpec};
use crate::{compare, digest, plan};
pub use retry::retried;

/// What one comparison found: the report, and the findings and the names of their columns that writers such
/// as `--diff-out` need; with `--repair-sql`, the rows a repair script writes (read back before the datasets
/// closed), or why it writes none. It holds no dataset: connections and snapshots close when the comparison
/// ends.
pub struct Outcome {
    pub report: Report,
    names: Names,
    findings: compare::Findings,
    pub repair: Option<Repairable>,
}

impl Outcome {
    /// Writes every differing record as Parquet files in `dir` (the spec must keep every finding).
    pub fn write_diff_out(&self, dir: &Path) -> Result<()> {
        report::diff_out::write(dir, &self.names, &self.findings)
    }
}

/// Compares one table pair: every stage from reading to the verdict, read again after a lost connection as
/// `--retries` allows. Writes nothing.
pub fn diff(spec: &TableSpec, session: &Session) -> Result<Outcome> {
    let (outcome, retries) = retried(spec, &Table::single(session), |spec, table| compare_table(spec, session, table));
    let mut outcome = outcome?;
    outcome.report.stats.retries = retries;
    Ok(outcome)
}

/// What the caller knows of a table beyond its spec: its name, its share of memory, and what its catalog
/// already read (keys, columns, row estimates: not asked for again).
#[derive(Clone)]
pub struct Table {
    /// An audit's name for the table (history keeps its runs under it); empty for a diff.
    pub name: String,
    /// What progress and log lines call the table: `[3/10] orders` in an audit, nothing in a diff.
    pub label: String,
    pub memory: Memory,
    pub keys: Option<Sides<TableKeys>>,
    /// Connections each side hands from table to table (an audit's).
    pub connections: Sides<Option<Connections>>,
    /// Each side's columns as its catalog read them (an audit's database sides).
    pub columns: Sides<Option<Columns>>,
    /// Each side's rows as its catalog estimated them (an audit's database sides), for progress lines.
    pub estimates: Sides<Option<u64>>,
}

impl Table {
    /// The one table of a `recon diff` or `recon profile`: all the memory, nothing known beforehand.
    fn single(session: &Session) -> Table {
        Table {
            name: String::new(),
            label: String::new(),
            memory: session.table_memory(1),
            keys: None,
            connections: Sides::default(),
            columns: Sides::default(),
            estimates: Sides::default(),
        }
    }
}

/// Compares one table of many.
pub fn compare_table(spec: &TableSpec, session: &Session, table: &Table) -> Result<Outcome> {
    let started = Instant::now();
    // With `--pushdown`, each database side is reached through a forwarder counting what its server sends; the
    // table then opens its own connections (in an audit's snapshot): kept ones would bypass the count.
    let (spec, wires) = pushdown::through_wires(spec, session)?;
    let own;
    let table = match spec.pushdown {
        Some(_) => {
            own = Table { connections: Sides::default(), ..table.clone() };
            &own
        }
        None => table,
    };
    let spec = spec.as_ref();
    let plan = plan_table(spec, session, table)?;
    if let (Repair::Required, Some(why)) = (spec.keep.repair, repair::refusal(&plan)) {
        return Err(Error::setting("--repair-sql", why));
    }
    // With `--profile`, the profile first: a database computes it in the snapshot the diff then reads.
    let profiled = match &spec.profile {
        Some(profile) => Some(session.run(|| crate::profile::profile(&plan, profile, session))?),
        None => None,
    };
    let mut outcome = match (spec.drift.active(), spec.pushdown) {
        // Fingerprints computed on a Ballista cluster (see cluster/).
        _ if spec.cluster.is_some() => session.run(|| on_cluster(spec, plan, session, &table.label, started))?,
        (true, Some(crate::spec::Pushdown::Required)) => {
            let why = "history, rechecks, windows and key lists read rows by key: leave out --pushdown required";
            return Err(Error::setting("--pushdown", why));
        }
        // History, rechecks, windows, key lists: several passes over this table (see drift.rs).
        (true, _) => session.run(|| drift::compare(spec, session, table, plan, started))?,
        // Fingerprints computed in the databases (see pushdown.rs).
        (false, Some(mode)) => session.run(|| pushdown::compare(plan, session, &table.label, started, mode))?,
        (false, None) => session.run(|| run(plan, session, &table.label, started))?,
    };
    pushdown::count(&mut outcome.report, &wires);
    if let Some(profiled) = profiled {
        outcome.report.add_profile(profiled);
    }
    Ok(outcome)
}

/// `--cluster`: the fingerprints as plans on the cluster, where recon was built with it.
#[cfg(feature = "cluster")]
fn on_cluster(spec: &TableSpec, plan: Plan, session: &Session, label: &str, started: Instant) -> Result<Outcome> {
    let url = spec.cluster.as_deref().unwrap_or_default();
    cluster::compare(spec, plan, session, (label, started), url)
}

#[cfg(not(feature = "cluster"))]
fn on_cluster(_spec: &TableSpec, _plan: Plan, _session: &Session, _label: &str, _started: Instant) -> Result<Outcome> {
    Err(Error::setting("--cluster", "this recon was built without clusters: build it with `--features cluster`"))
}

/// Profiles one table (of many) instead of comparing its rows: `recon profile`, `--profile-only`.
pub fn profile_table(
    spec: &TableSpec,
    profile: &ProfileSpec,
    session: &Session,
    table: &Table,
) -> Result<ProfileReport> {
    let started = Instant::now();
    let plan = plan_table(spec, session, table)?;
    log_csv_types(&plan, &line_prefix(&table.label));
    let profiled = session.run(|| crate::profile::profile(&plan, profile, session))?;
    tracing::info!("{}profiled both sides in {:.2?}", line_prefix(&table.label), started.elapsed());
    Ok(ProfileReport::new(&plan, profiled, started.elapsed().as_secs_f64()))
}

/// Profiles one table pair: `recon profile`, read again after a lost connection as `--retries` allows.
pub fn profile(spec: &TableSpec, profile: &ProfileSpec, session: &Session) -> Result<ProfileReport> {
    let single = Table::single(session);
    let (report, retries) = retried(spec, &single, |spec, table| profile_table(spec, profile, session, table));
    let mut report = report?;
    report.stats.retries = retries;
    Ok(report)
}

/// Opens both sides of a table and resolves the spec against them.
fn plan_table(spec: &TableSpec, session: &Session, table: &Table) -> Result<Plan> {
    let mut options = plan::open_options(spec)?;
    for side in Side::BOTH {
        options[side].db.connections = table.connections[side].clone();
        options[side].db.columns = table.columns[side].clone();
        options[side].db.estimate = table.estimates[side];
        options[side].db.read.threads = session.threads();
    }
    // Both sides at once: opening reads footers, catalogs, or a CSV file's record ends.
    let open = |side: Side| Dataset::open(&spec.sides[side].location, &options[side], session.runtime());
    let mut datasets = session.run(|| Sides::join(open)).transpose()?;
    if let Some(filter) = &spec.filter {
        for side in Side::BOTH {
            if !datasets[side].capabilities.filter {
                let location = &datasets[side].location;
                return Err(Error::setting("where", format!("{location} is not a database: a where filter needs SQL")));
            }
            datasets[side].restrict(filter.clone())?;
        }
    }
    let keys = match &table.keys {
        Some(keys) => keys.clone(),
        None => session.run(|| Sides::join(|side| datasets[side].keys())).transpose()?,
    };
    Plan::resolve(spec, datasets, keys, table.memory, session.spill_dir.clone())
}

fn run(plan: Plan, session: &Session, label: &str, started: Instant) -> Result<Outcome> {
    let (report, findings) = pass(&plan, session, label, started)?;
    finish(report, plan, findings)
}

/// The outcome of a table's last pass. With `--repair-sql`, every finding's rows are read back first, while the
/// datasets still hold the snapshot that pass read; in an audit, a table that cannot be repaired keeps its
/// comparison and says why.
fn finish(report: Report, plan: Plan, findings: compare::Findings) -> Result<Outcome> {
    let repair = match plan.keep.repair {
        Repair::Off => None,
        mode => Some(match repair::refusal(&plan) {
            Some(why) => Repairable::Refused(why),
            None => match repair::read_back(&plan, &findings) {
                Ok(rows) => Repairable::Rows(Box::new(rows)),
                Err(error) if mode == Repair::WherePossible => Repairable::Refused(error.to_string()),
                Err(error) => return Err(error),
            },
        }),
    };
    // The plan's datasets close here, before the outcome leaves the engine.
    Ok(Outcome { report, names: plan.names(), findings, repair })
}

/// What a log line about a table starts with: in an audit, each line says which table it is about.
fn line_prefix(label: &str) -> String {
    if label.is_empty() {
        String::new()
    } else {
        format!("{label}: ")
    }
}

/// One pass over the rows `plan` reads: read and hash both sides, compare, build the report. `label` names
/// the table in progress and log lines.
fn pass(plan: &Plan, session: &Session, label: &str, started: Instant) -> Result<(Report, compare::Findings)> {
    pass_adjusted(plan, session, label, started, |_| {})
}

/// [`pass`], with what the comparison found adjusted before the report is built from it (`--pushdown`: the
/// rows of buckets proved equal in the databases, never read).
fn pass_adjusted(
    plan: &Plan,
    session: &Session,
    label: &str,
    started: Instant,
    adjust: impl FnOnce(&mut compare::Findings),
) -> Result<(Report, compare::Findings)> {
    let table = line_prefix(label);
    log_csv_types(plan, &table);
    let columns = Sides::from_fn(|side| plan.side_columns(side));
    // The rows each side holds, for progress lines and the strategy (a catalog's estimate costs a query).
    let totals = Sides::from_fn(|side| total(&plan.datasets[side]));
    let choice = strategy::choose(plan, &totals, strategy::free_bytes)?;
    tracing::info!("{table}{}: {}", choice.name(), choice.why);
    let sides = Sides::from_fn(|side: Side| (&plan.datasets[side], &columns[side]));
    let read = strategy::read(&strategy::Reading { plan, session, label, sides, totals }, &choice)?;
    let scanned = started.elapsed();
    tracing::info!("{table}read and hashed both sides in {scanned:.2?}");
    // Rows of buckets the first of two passes proved matched.
    let matched = read.matched;
    let counted = |findings: &mut compare::Findings| {
        findings.matched += matched;
        adjust(findings);
    };
    let (mut report, findings) = classified(plan, session, &table, started, scanned, read.digests, counted)?;
    report.stats.strategy = Some(read.report);
    Ok((report, findings))
}

/// Both sides' digests (`scanned` after `started`) compared, explained and reported; what the comparison found
/// adjusted before the report is built from it. `table` starts log lines.
fn classified(
    plan: &Plan,
    session: &Session,
    table: &str,
    started: Instant,
    scanned: std::time::Duration,
    digests: Sides<digest::SideDigest>,
    adjust: impl FnOnce(&mut compare::Findings),
) -> Result<(Report, compare::Findings)> {
    let columns = Sides::from_fn(|side| plan.side_columns(side));
    let mut explainer = Explainer::new(plan);
    let mut findings =
        compare::compare(plan, columns.as_ref(), digests, session.threads(), session.runtime(), &mut explainer)?;
    adjust(&mut findings);
    let explanations = explainer.finish(plan)?;
    let compared = started.elapsed();
    tracing::info!("{table}classified in {:.2?}", compared - scanned);
    let mut report = report::build(plan, &findings, &explanations)?;
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
    Ok((report, findings))
}

/// Says on stderr which type each column of a CSV or JSON Lines side was read as (inferred unless `--csv-type`
/// or `--json-schema` says).
fn log_csv_types(plan: &Plan, table: &str) {
    for (_, dataset) in plan.datasets.iter().filter(|(_, d)| matches!(d.format, Format::Csv | Format::Jsonl)) {
        let types: Vec<String> =
            dataset.schema.fields().iter().map(|f| format!("{} {}", f.name(), f.data_type())).collect();
        let advice = delimiter_advice(dataset).map_or(String::new(), |advice| format!(" ({advice})"));
        tracing::info!("{table}column types of {}: {}{advice}", dataset.location, types.join(", "));
    }
}

/// The rows a side holds, counted where the files tell it, else as its catalog estimates them.
fn total(dataset: &Dataset) -> Option<Total> {
    dataset.row_count().map(Total::Exact).or_else(|| dataset.estimate_rows().map(Total::Estimate))
}
