//! `recon audit`: a whole migration signed off in one run. Both sides' catalogs are read once, tables are
//! matched by name (ignoring case, or paired by the config file), each pair is compared by the engine with
//! its own layered options, `--jobs` tables at a time in one session, and everything ends in one
//! [`AuditReport`] with one verdict.

mod checks;
pub mod config;
mod matching;
pub mod spec;
mod state;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::engine::{compare_table, profile_table, retried, Table};
use crate::error::{Error, Result};
use crate::finding::TableStatus;
use crate::report::audit::{AuditReport, AuditStats, Collection, SchemaCheck, TableEntry};
use crate::report::repair::TableRepair;
use crate::session::Session;
use crate::side::{Side, Sides};
use crate::source::catalog::{Catalog, CatalogTable, CollectionKind};
use crate::source::Connections;
use crate::spec::{Layers, Origin, Repair, TableSpec};
use matching::Pair;
pub use spec::AuditSpec;

/// An audit's report, the `--diff-out` files it could not write (each table's comparison stands, the caller
/// says what was lost and exits 2), and with `--repair-sql` what each compared table's script part holds.
pub struct Audited {
    pub report: AuditReport,
    pub unwritten: Vec<Error>,
    pub repairs: Vec<TableRepair>,
}

/// Runs the audit: every table attempted, the report whole.
pub fn run(spec: &AuditSpec, session: &Session) -> Result<Audited> {
    let started = Instant::now();
    if spec.repair_sql.is_some() {
        refuse_repair(spec)?;
    }
    let base = spec.base_layers()?;
    let storage = crate::spec::storage_options(&base.options()?, &base)?;
    let open = |side: Side| Catalog::open(&spec.sides[side], &spec.db, &storage[side], session.runtime());
    let catalogs = session.run(|| Sides::join(open)).transpose()?;
    for (side, catalog) in catalogs.iter() {
        tracing::info!("{} {}: {} tables", side.name(), catalog.location, catalog.tables.len());
    }
    let pairs = matching::pair(spec, &catalogs)?;
    let mut work = Vec::new();
    let mut entries = Vec::new();
    for pair in pairs {
        match pair {
            Pair::Compare(compare) => work.push(Job::new(spec, &catalogs, &base, *compare)?),
            Pair::Uncompared { name, status } => entries.push(TableEntry::uncompared(&name, status, None)),
        }
    }
    let state = state::State::open(spec.state.as_deref())?;
    let resumed = AtomicU64::new(0);
    let (mut ready, mut pending) = (Vec::new(), Vec::new());
    for job in work {
        match state.finished(&job.name, &job.settings) {
            Some(entry) => {
                resumed.fetch_add(1, Ordering::Relaxed);
                ready.push((entry, job));
            }
            None => pending.push(job),
        }
    }
    // Largest tables first: the last to finish is then a small one, and the jobs end together.
    pending.sort_by_key(|job| std::cmp::Reverse(job.size));
    let (unwritten, repairs) = (Mutex::new(Vec::new()), Mutex::new(Vec::new()));
    let finished = run_jobs(spec, session, &state, pending, &unwritten, &repairs)?;
    let mut checks = Vec::new();
    for (entry, job) in ready.into_iter().chain(finished) {
        checks.extend(checks::of(&job, &entry));
        entries.push(entry);
    }
    let sides = Side::BOTH.map(|side| Collection {
        location: catalogs[side].location.clone(),
        kind: catalogs[side].kind.name().to_string(),
    });
    let stats = AuditStats {
        seconds: started.elapsed().as_secs_f64(),
        jobs: spec.jobs,
        resumed: resumed.into_inner(),
        peak_memory_bytes: crate::report::peak_memory(),
    };
    checks.sort_by_key(|c: &SchemaCheck| (c.table.to_lowercase(), c.check.name()));
    let report = AuditReport::new(sides, entries, checks, &spec.budgets, stats);
    let unwritten = unwritten.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(Audited { report, unwritten, repairs: repairs.into_inner().unwrap_or_else(|e| e.into_inner()) })
}

/// Refuses `--repair-sql` before anything is read when no table of the audit could be repaired exactly: a
/// target of files, or an option every table takes (the command line's, `[defaults]`) that samples or counts
/// different values as equal. A `[[table]]` entry's own options leave only that table out of the script.
fn refuse_repair(spec: &AuditSpec) -> Result<()> {
    if spec.sides.target.database().is_none() {
        return Err(Error::setting(
            "--repair-sql",
            format!(
                "{} is a directory of files: a script writes to database tables (--diff-out DIR writes every \
                 differing record as Parquet)",
                spec.sides.target.masked()
            ),
        ));
    }
    let layers = spec.base_layers()?;
    let options = layers.options()?;
    if options.sampling.sample.is_some() {
        return Err(Error::setting(
            "--repair-sql",
            "--sample compares some keys only: a script would leave the others unchecked",
        ));
    }
    let table = TableSpec::resolve(spec.sides.clone(), &options, &layers)?;
    match crate::compare::repair::equating_option(&table.policy) {
        Some(option) => Err(Error::setting(
            "--repair-sql",
            format!("{option} counts different values as equal: the target would keep values the source does not hold"),
        )),
        None => Ok(()),
    }
}

/// One table pair to compare: its spec, and what the catalogs say of both tables.
pub(crate) struct Job {
    name: String,
    spec: TableSpec,
    tables: Sides<CatalogTable>,
    /// What the table's report is valid for: a hash of its spec (passwords masked) and of recon's version.
    settings: String,
    size: u64,
    /// Each side's rows as its catalog estimated them: a database's; a directory's size is its files' bytes.
    estimates: Sides<Option<u64>>,
    /// Whether the target declares constraints at all: files hold none, so none can be lost.
    target_constrains: bool,
    /// The schema checks its `[[table]]` entry accepts.
    accept: Vec<config::Acceptance>,
}

impl Job {
    fn new(spec: &AuditSpec, catalogs: &Sides<Catalog>, base: &Layers, pair: matching::Compare) -> Result<Job> {
        let mut layers = base.clone();
        if let (Some(entry), Some(config)) = (&pair.entry, &spec.config) {
            let (file, section, places) =
                (config.path.clone(), format!("[[table]] {}", pair.name), entry.places.clone());
            layers.push(&entry.options, Origin::Config { file, section, places })?;
        }
        let options = layers.options()?;
        let locations = Sides::new(pair.tables.source.location.clone(), pair.tables.target.location.clone());
        let mut table = TableSpec::resolve(locations, &options, &layers)
            .map_err(|e| Error::setting(format!("table {}", pair.name), e.to_string()))?;
        for side in Side::BOTH {
            table.sides[side].snapshot = catalogs[side].snapshot().map(str::to_string);
        }
        table.jobs = spec.jobs;
        table.filter = pair.entry.as_ref().and_then(|e| e.filter.clone());
        table.keep.all = spec.diff_out.is_some() || spec.repair_sql.is_some();
        if spec.repair_sql.is_some() {
            table.keep.repair = Repair::WherePossible;
        }
        let settings = state::settings_hash(&table);
        let size = pair.tables.source.size.max(pair.tables.target.size);
        let estimates =
            Sides::from_fn(|side| (catalogs[side].kind != CollectionKind::Directory).then_some(pair.tables[side].size));
        let target_constrains = catalogs.target.kind != CollectionKind::Directory;
        let accept = pair.entry.map(|e| e.accept).unwrap_or_default();
        Ok(Job {
            name: pair.name,
            spec: table,
            tables: pair.tables,
            settings,
            size,
            estimates,
            target_constrains,
            accept,
        })
    }
}

/// Compares `jobs` tables at a time on plain threads (each runs its heavy work on the session's pool), every
/// table attempted whatever happens to the others; a table's `--diff-out` files that cannot be written go to
/// `unwritten`, its comparison stands.
fn run_jobs(
    spec: &AuditSpec,
    session: &Session,
    state: &state::State,
    pending: Vec<Job>,
    unwritten: &Mutex<Vec<Error>>,
    repairs: &Mutex<Vec<TableRepair>>,
) -> Result<Vec<(TableEntry, Job)>> {
    let total = pending.len();
    let done_bar = session.progress.tables(total as u64);
    // Numbered as they start: "[3/10] orders" in progress and log lines.
    let queue = Mutex::new(pending.into_iter().enumerate());
    let finished = Mutex::new(Vec::new());
    let memory = session.table_memory(spec.jobs);
    let connections = Sides::new(Some(Connections::default()), Some(Connections::default()));
    let worker = || -> Result<()> {
        loop {
            let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
            let Some((index, job)) = next else { return Ok(()) };
            let keys = Some(job.tables.as_ref().map(|t| t.keys.clone()));
            let columns = job.tables.as_ref().map(|t| t.columns.clone());
            let table = Table {
                name: job.name.clone(),
                label: format!("[{}/{total}] {}", index + 1, job.name),
                memory,
                keys,
                connections: connections.clone(),
                columns,
                estimates: job.estimates,
            };
            let started = Instant::now();
            let (entry, retries) = retried(&job.spec, &table, |table_spec, table| {
                attempt(spec, session, &job, table_spec, table, unwritten, repairs)
            });
            let entry = TableEntry { retries, ..entry.unwrap_or_else(|error| failed(&job.name, &error)) };
            state.keep(&job.name, &job.settings, &entry)?;
            tracing::info!("{}: {} in {:.2?}", table.label, entry.status.name(), started.elapsed());
            done_bar.inc(1);
            finished.lock().unwrap_or_else(|e| e.into_inner()).push((entry, job));
        }
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..spec.jobs.max(1)).map(|_| scope.spawn(worker)).collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().unwrap_or_else(|_| Err(Error::internal("an audit worker panicked"))))
    })?;
    done_bar.finish_and_clear();
    Ok(finished.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// One attempt at a table under `table_spec`: its comparison (or profile), with its repair part and
/// `--diff-out` files kept aside.
fn attempt(
    spec: &AuditSpec,
    session: &Session,
    job: &Job,
    table_spec: &TableSpec,
    table: &Table,
    unwritten: &Mutex<Vec<Error>>,
    repairs: &Mutex<Vec<TableRepair>>,
) -> Result<TableEntry> {
    let (source, target) = (&job.tables.source.name, &job.tables.target.name);
    if let Some(profile) = table_spec.profile.as_ref().filter(|p| p.only) {
        let profile = profile_table(table_spec, profile, session, table)?;
        return Ok(TableEntry::profiled(&job.name, source, target, profile));
    }
    let mut outcome = compare_table(table_spec, session, table)?;
    if let Some(repair) = outcome.repair.take() {
        let foreign_keys = &job.tables.target.constraints.foreign_keys;
        let references = foreign_keys.iter().map(|k| k.referenced_table.clone()).collect();
        let part = TableRepair { table: job.name.clone(), repair, references };
        repairs.lock().unwrap_or_else(|e| e.into_inner()).push(part);
    }
    let written = spec.diff_out.as_ref().map(|dir| outcome.write_diff_out(&dir.join(state::file_name(&job.name))));
    if let Some(Err(error)) = written {
        unwritten.lock().unwrap_or_else(|e| e.into_inner()).push(error);
    }
    let mut entry = TableEntry::compared(&job.name, source, target, &outcome.report);
    crate::report::config_entry::fill(&mut entry);
    Ok(entry)
}

/// A table that could not be compared (or profiled), with why.
fn failed(name: &str, error: &Error) -> TableEntry {
    let message = crate::secrets::mask(&error.to_string());
    tracing::error!("table {name}: {message}");
    TableEntry::uncompared(name, TableStatus::Error, Some(message))
}
