//! Runs over time: the history file (`--history FILE`), a SQLite database recon creates and owns, keeping each
//! run of each table and each finding from the run that first saw it to the run that resolved it.
//!
//! Several processes may share one file (audits of different tables, `recon history` reading it): it is in WAL
//! mode, so readers never wait for the writer, and every write is one `BEGIN IMMEDIATE` transaction — whole or
//! not at all — retried by SQLite's busy handler while another process writes. Runs of one table never overlap:
//! a run takes the table's lock (a row naming its process) first, and a second run of the table stops with an
//! error (exit 2) while the first one's process is alive.
//!
//! The schema is in `queries/history_v1_*.sql`, one statement per file; `PRAGMA user_version` says which
//! version a file holds, so later versions can migrate older files.

pub mod html;
pub mod identity;
pub(crate) mod keys;
pub mod lifecycle;
pub mod listing;
mod lock;
pub mod past;
pub mod trend;

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, Row, SqliteConnection};

use crate::error::{Error, Result};
use crate::finding::{Category, Closing, StatusCounts};
use crate::report::verdict::Verdict;
use crate::side::Sides;
use crate::spec::Scope;
use identity::Identity;

/// The migrations, in order: migration `i` takes a file from version `i` to `i + 1`, in one transaction.
const MIGRATIONS: &[&[&str]] = &[&[
    include_str!("../../queries/history_v1_runs.sql"),
    include_str!("../../queries/history_v1_runs_by_table.sql"),
    include_str!("../../queries/history_v1_findings.sql"),
    include_str!("../../queries/history_v1_findings_open.sql"),
    include_str!("../../queries/history_v1_baselines.sql"),
    include_str!("../../queries/history_v1_locks.sql"),
    include_str!("../../queries/history_v1_version.sql"),
]];
const VERSION: &str = include_str!("../../queries/history_version.sql");
const LATEST_RUN: &str = include_str!("../../queries/history_latest_run.sql");
const LAST_COMPLETE_RUN: &str = include_str!("../../queries/history_last_complete_run.sql");
const OPEN_FINDINGS: &str = include_str!("../../queries/history_open_findings.sql");
const BASELINE: &str = include_str!("../../queries/history_baseline.sql");
const INSERT_RUN: &str = include_str!("../../queries/history_insert_run.sql");
const INSERT_FINDING: &str = include_str!("../../queries/history_insert_finding.sql");
const SEEN_FINDING: &str = include_str!("../../queries/history_seen_finding.sql");
const CLOSE_FINDING: &str = include_str!("../../queries/history_close_finding.sql");
const ACCEPT: &str = include_str!("../../queries/history_accept.sql");
const ACCEPT_BASELINE: &str = include_str!("../../queries/history_accept_baseline.sql");
const TABLES: &str = include_str!("../../queries/history_tables.sql");
const RUNS: &str = include_str!("../../queries/history_runs.sql");
const OPEN_COUNTS: &str = include_str!("../../queries/history_open_counts.sql");
const OPEN_LIST: &str = include_str!("../../queries/history_open_list.sql");
const PRUNE_RUNS: &str = include_str!("../../queries/history_prune_runs.sql");
const PRUNE_FINDINGS: &str = include_str!("../../queries/history_prune_findings.sql");

/// How long a write waits for another process's write to the same file to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// An open history file.
pub struct History {
    conn: SqliteConnection,
    runtime: tokio::runtime::Handle,
    path: PathBuf,
}

/// The latest run of a table, as a new run needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestRun {
    pub id: i64,
    pub started: String,
    pub identity: Identity,
    /// The key's columns and canonical Arrow types (JSON), to rebuild stored keys.
    pub key_columns: String,
}

/// A finding still open.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenFinding {
    pub id: i64,
    pub category: Category,
    pub key_hash: u128,
    /// Canonical key values as a JSON array of text (see `keys.rs`).
    pub key: String,
    pub first_seen: i64,
    pub first_seen_at: String,
    pub accepted: bool,
}

/// A finding this run saw, as it is recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub category: Category,
    pub key_hash: u128,
    pub key: String,
    /// A mismatch's differing columns (JSON array), when compared.
    pub columns: Option<String>,
    /// The open finding it is, if it was open before this run.
    pub open: Option<i64>,
}

/// A run as it is recorded, with its findings.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub table: String,
    /// RFC 3339 UTC.
    pub started: String,
    pub scope: Scope,
    pub identity: Identity,
    pub key_columns: String,
    /// Masked.
    pub locations: Sides<String>,
    /// Each side's clock at the start (RFC 3339).
    pub clocks: Option<Sides<String>>,
    /// Every row changed before these instants was compared; `None` unless the run covered every key.
    pub complete: Option<Sides<String>>,
    pub rechecks: u32,
    pub summary: serde_json::Value,
    pub verdict: Verdict,
    /// The run's findings against history and rechecks.
    pub counts: StatusCounts,
    /// Open findings closed because the key changed.
    pub superseded: u64,
}

impl History {
    /// Opens the history file at `path`, creating it (and its schema) when `create` and it does not exist.
    pub fn open(path: &Path, create: bool, runtime: &tokio::runtime::Handle) -> Result<History> {
        if !create && !path.exists() {
            return Err(Error::input(path.display().to_string(), "no such history file"));
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            // WAL: readers do not wait for the writer, and several processes can share the file
            // (https://sqlite.org/wal.html); NORMAL is durable in WAL mode except for the last commits on a
            // power loss, never corrupt.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT);
        let mut history = History {
            conn: runtime
                .block_on(SqliteConnection::connect_with(&options))
                .map_err(|e| db_error(path, "cannot open", &e))?,
            runtime: runtime.clone(),
            path: path.to_path_buf(),
        };
        history.migrate()?;
        Ok(history)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the file: the last connection to close checkpoints the write-ahead log into the file and
    /// removes it, so the file alone holds every run (recon exits without running destructors).
    pub fn close(self) -> Result<()> {
        let path = self.path;
        self.runtime.block_on(self.conn.close()).map_err(|e| db_error(&path, "cannot close", &e))
    }

    /// Brings the schema to the newest version, each migration in its own transaction.
    fn migrate(&mut self) -> Result<()> {
        let path = self.path.clone();
        self.runtime.block_on(async {
            loop {
                let mut tx =
                    self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(|e| db_error(&path, "cannot write", &e))?;
                let version: i64 = sqlx::query_scalar(VERSION)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| db_error(&path, "cannot read", &e))?;
                let Some(steps) = usize::try_from(version).ok().and_then(|v| MIGRATIONS.get(v)) else {
                    if version as usize > MIGRATIONS.len() {
                        return Err(Error::input(
                            path.display().to_string(),
                            format!(
                                "history schema version {version} is newer than this recon knows ({}): upgrade recon",
                                MIGRATIONS.len()
                            ),
                        ));
                    }
                    return Ok(());
                };
                for step in *steps {
                    sqlx::query(step)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| db_error(&path, "cannot create its schema", &e))?;
                }
                tx.commit().await.map_err(|e| db_error(&path, "cannot write", &e))?;
            }
        })
    }

    /// Takes the lock of `table`: an error (exit 2) while another live process holds it.
    pub fn lock(&mut self, table: &str) -> Result<()> {
        let me = lock::Process::current();
        let path = self.path.clone();
        self.runtime.block_on(async {
            let mut tx =
                self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(|e| db_error(&path, "cannot write", &e))?;
            if let Some(holder) = lock::holder(&mut tx, table).await.map_err(|e| db_error(&path, "cannot read", &e))? {
                if holder.process != me && holder.process.alive() {
                    return Err(Error::input(
                        path.display().to_string(),
                        format!(
                            "{table} is being compared by another run ({}, since {}); runs of one table never overlap",
                            holder.process, holder.since
                        ),
                    ));
                }
            }
            lock::take(&mut tx, table, &me).await.map_err(|e| db_error(&path, "cannot write", &e))?;
            tx.commit().await.map_err(|e| db_error(&path, "cannot write", &e))
        })
    }

    /// Releases the lock of `table` if this process holds it.
    pub fn unlock(&mut self, table: &str) -> Result<()> {
        let me = lock::Process::current();
        let path = self.path.clone();
        self.runtime
            .block_on(lock::release(&mut self.conn, table, &me))
            .map_err(|e| db_error(&path, "cannot write", &e))
    }

    /// The table's latest run, if any.
    pub fn latest_run(&mut self, table: &str) -> Result<Option<LatestRun>> {
        let row = self.runtime.block_on(sqlx::query(LATEST_RUN).bind(table).fetch_optional(&mut self.conn));
        let row = row.map_err(|e| db_error(&self.path, "cannot read", &e))?;
        row.map(|r| -> Result<LatestRun, sqlx::Error> {
            Ok(LatestRun {
                id: r.try_get(0)?,
                started: r.try_get(1)?,
                identity: Identity { key_form: r.try_get(2)?, spec_hash: r.try_get(3)? },
                key_columns: r.try_get(4)?,
            })
        })
        .transpose()
        .map_err(|e| db_error(&self.path, "cannot read", &e))
    }

    /// Where the table's latest complete run leaves off: the instants (each side's clock) before which every
    /// change was compared.
    pub fn complete_before(&mut self, table: &str) -> Result<Option<(i64, Sides<String>)>> {
        let row = self.runtime.block_on(sqlx::query(LAST_COMPLETE_RUN).bind(table).fetch_optional(&mut self.conn));
        let row = row.map_err(|e| db_error(&self.path, "cannot read", &e))?;
        row.map(|r| -> Result<_, sqlx::Error> { Ok((r.try_get(0)?, Sides::new(r.try_get(1)?, r.try_get(2)?))) })
            .transpose()
            .map_err(|e| db_error(&self.path, "cannot read", &e))
    }

    /// The table's open findings.
    pub fn open_findings(&mut self, table: &str) -> Result<Vec<OpenFinding>> {
        let rows = self.runtime.block_on(sqlx::query(OPEN_FINDINGS).bind(table).fetch_all(&mut self.conn));
        let rows = rows.map_err(|e| db_error(&self.path, "cannot read", &e))?;
        let mut open = Vec::with_capacity(rows.len());
        for r in rows {
            let read = || -> Result<OpenFinding, sqlx::Error> {
                let category: String = r.try_get(1)?;
                let hash: Vec<u8> = r.try_get(2)?;
                let accepted: Option<String> = r.try_get(6)?;
                let category = Category::parse(&category)
                    .ok_or_else(|| sqlx::Error::Decode(format!("unknown finding category {category:?}").into()))?;
                Ok(OpenFinding {
                    id: r.try_get(0)?,
                    category,
                    key_hash: hash
                        .try_into()
                        .map(u128::from_be_bytes)
                        .map_err(|_| sqlx::Error::Decode("a finding's key hash is not 16 bytes".into()))?,
                    key: r.try_get(3)?,
                    first_seen: r.try_get(4)?,
                    first_seen_at: r.try_get(5)?,
                    accepted: accepted.is_some(),
                })
            };
            open.push(read().map_err(|e| db_error(&self.path, "cannot read", &e))?);
        }
        Ok(open)
    }

    /// When the table's baseline was accepted, if it was.
    pub fn baseline(&mut self, table: &str) -> Result<Option<String>> {
        let accepted = self.runtime.block_on(sqlx::query_scalar(BASELINE).bind(table).fetch_optional(&mut self.conn));
        accepted.map_err(|e| db_error(&self.path, "cannot read", &e))
    }

    /// Records a run, the findings it saw and the open findings it closes, in one transaction; returns the run's
    /// id. Findings without an open one are inserted as first seen by this run.
    pub fn record(&mut self, run: &RunRecord, seen: &[Seen], closed: &[(i64, Closing)]) -> Result<i64> {
        let path = self.path.clone();
        let finished = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let json = |v: &serde_json::Value| v.to_string();
        let violations = serde_json::to_value(&run.verdict.violations).map_err(|e| Error::internal(e.to_string()))?;
        let side = |sides: &Option<Sides<String>>, pick: fn(&Sides<String>) -> &String| {
            sides.as_ref().map(|s| pick(s).clone())
        };
        self.runtime.block_on(async {
            let write = |e: sqlx::Error| db_error(&path, "cannot write", &e);
            let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(write)?;
            let c = &run.counts;
            let inserted = sqlx::query(INSERT_RUN)
                .bind(&run.table)
                .bind(&run.started)
                .bind(&finished)
                .bind(env!("CARGO_PKG_VERSION"))
                .bind(run.scope.name())
                .bind(&run.identity.spec_hash)
                .bind(&run.identity.key_form)
                .bind(&run.key_columns)
                .bind(&run.locations.source)
                .bind(&run.locations.target)
                .bind(side(&run.clocks, |s| &s.source))
                .bind(side(&run.clocks, |s| &s.target))
                .bind(side(&run.complete, |s| &s.source))
                .bind(side(&run.complete, |s| &s.target))
                .bind(i64::from(run.rechecks))
                .bind(json(&run.summary))
                .bind(run.verdict.pass)
                .bind(run.verdict.exit_code)
                .bind(json(&violations))
                .bind(c.new.unwrap_or(0) as i64)
                .bind(c.persisting.unwrap_or(0) as i64)
                .bind(c.resolved.unwrap_or(0) as i64)
                .bind(c.transient as i64)
                .bind(c.unstable as i64)
                .bind(run.superseded as i64)
                .execute(&mut *tx)
                .await
                .map_err(write)?;
            let id = inserted.last_insert_rowid();
            for (finding, closing) in closed {
                sqlx::query(CLOSE_FINDING)
                    .bind(finding)
                    .bind(id)
                    .bind(closing.name())
                    .execute(&mut *tx)
                    .await
                    .map_err(write)?;
            }
            for finding in seen {
                match finding.open {
                    Some(open) => {
                        sqlx::query(SEEN_FINDING).bind(open).bind(id).bind(&finding.columns).execute(&mut *tx).await
                    }
                    None => {
                        sqlx::query(INSERT_FINDING)
                            .bind(&run.table)
                            .bind(finding.category.name())
                            .bind(finding.key_hash.to_be_bytes().to_vec())
                            .bind(&finding.key)
                            .bind(&finding.columns)
                            .bind(id)
                            .bind(&run.started)
                            .execute(&mut *tx)
                            .await
                    }
                }
                .map_err(write)?;
            }
            tx.commit().await.map_err(write)?;
            Ok(id)
        })
    }

    /// Every table with a run, by name.
    pub fn tables(&mut self) -> Result<Vec<String>> {
        let tables = self.runtime.block_on(sqlx::query_scalar(TABLES).fetch_all(&mut self.conn));
        tables.map_err(|e| db_error(&self.path, "cannot read", &e))
    }

    /// The table `--table NAME` means: the one kept under NAME, else the one whose source or target table (or
    /// file) is called NAME, ignoring case — a diff kept without `--name` goes by `SOURCE -> TARGET by KEY`,
    /// whose masked URLs nobody wants to type. No match, or several, is an error listing the candidates.
    pub fn table_named(&mut self, name: &str) -> Result<String> {
        let known = self.tables()?;
        if known.iter().any(|k| k == name) {
            return Ok(name.to_string());
        }
        let matching: Vec<&String> =
            known.iter().filter(|k| short_names(k).iter().any(|s| s.eq_ignore_ascii_case(name))).collect();
        let listed = |names: &[&String]| names.iter().map(|n| n.as_str()).collect::<Vec<_>>().join("; ");
        match matching.as_slice() {
            [one] => Ok(one.to_string()),
            [] => {
                let all: Vec<&String> = known.iter().collect();
                let tables = if all.is_empty() { "none".to_string() } else { listed(&all) };
                Err(Error::setting(
                    "--table",
                    format!("{} has no runs of {name} (tables: {tables})", self.path.display()),
                ))
            }
            several => Err(Error::setting(
                "--table",
                format!("{name} matches {} tables, give one whole: {}", several.len(), listed(several)),
            )),
        }
    }

    /// Makes the open findings of `table` (of every table when `None`) the baseline that `--max-new` counts
    /// against; returns each table and how many of its findings the baseline holds now.
    pub fn accept(&mut self, table: Option<&str>) -> Result<Vec<(String, u64)>> {
        let tables = match table {
            Some(name) => vec![self.table_named(name)?],
            None => self.tables()?,
        };
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let path = self.path.clone();
        self.runtime.block_on(async {
            let write = |e: sqlx::Error| db_error(&path, "cannot write", &e);
            let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(write)?;
            let mut accepted = Vec::new();
            for table in tables {
                sqlx::query(ACCEPT).bind(&table).bind(&now).execute(&mut *tx).await.map_err(write)?;
                sqlx::query(ACCEPT_BASELINE).bind(&table).bind(&now).execute(&mut *tx).await.map_err(write)?;
                let counts = sqlx::query(OPEN_COUNTS).bind(&table).fetch_all(&mut *tx).await.map_err(write)?;
                let mut n = 0u64;
                for row in counts {
                    n += row.try_get::<i64, _>(2).map_err(write)?.max(0) as u64;
                }
                accepted.push((table, n));
            }
            tx.commit().await.map_err(write)?;
            Ok(accepted)
        })
    }

    /// Keeps each table's latest `keep` runs, and the findings still open or closed by a kept run; returns how
    /// many runs and findings were deleted.
    pub fn prune(&mut self, keep: u64) -> Result<(u64, u64)> {
        let path = self.path.clone();
        self.runtime.block_on(async {
            let write = |e: sqlx::Error| db_error(&path, "cannot write", &e);
            let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(write)?;
            let runs = sqlx::query(PRUNE_RUNS).bind(keep as i64).execute(&mut *tx).await.map_err(write)?;
            let findings = sqlx::query(PRUNE_FINDINGS).execute(&mut *tx).await.map_err(write)?;
            tx.commit().await.map_err(write)?;
            Ok((runs.rows_affected(), findings.rows_affected()))
        })
    }
}

/// The short names of a diff's default history name `SOURCE -> TARGET by KEY`: each side's table (`orders`,
/// and `public.orders` as written after `#`) or file or directory name (`legacy.parquet`, `legacy`).
fn short_names(name: &str) -> Vec<&str> {
    let Some((source, rest)) = name.split_once(" -> ") else { return Vec::new() };
    let target = rest.rsplit_once(" by ").map_or(rest, |(target, _)| target);
    let mut names = Vec::new();
    for location in [source, target] {
        let (whole, short) = match location.rsplit_once('#') {
            Some((_, table)) => (table, table.rsplit_once('.').map(|(_, table)| table)),
            None => {
                let file = location.trim_end_matches('/').rsplit('/').next().unwrap_or(location);
                (file, file.split_once('.').map(|(stem, _)| stem))
            }
        };
        names.push(whole);
        names.extend(short);
    }
    names
}

/// A SQLite error on the history file, naming it (SQLite's messages carry no credentials).
fn db_error(path: &Path, what: &str, error: &sqlx::Error) -> Error {
    let message = match error {
        sqlx::Error::Database(e) => e.message().to_string(),
        other => other.to_string(),
    };
    Error::input(path.display().to_string(), format!("history file {what}: {message}"))
}
