//! The options as one layer states them — the command line, a config file's `[defaults]` or one of its
//! `[[table]]` entries — every field optional, grouped as `recon diff --help` shows them. The same groups parse
//! from clap and deserialize from TOML, so a setting has one name and one meaning wherever it is written.

use std::path::PathBuf;

use clap::Args;
use serde::{Deserialize, Serialize};

use super::budget::Budget;
use super::written::{byte, names, pairs, single_byte, text};

/// Every comparison option, as typed in one layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
pub struct Options {
    #[command(flatten)]
    #[serde(flatten)]
    pub table: TableOptions,
    #[command(flatten)]
    #[serde(flatten)]
    pub budgets: BudgetOptions,
    #[command(flatten)]
    #[serde(flatten)]
    pub policy: PolicyOptions,
    #[command(flatten)]
    #[serde(flatten)]
    pub sampling: SampleOptions,
    #[command(flatten)]
    #[serde(flatten)]
    pub csv: CsvOptions,
    #[command(flatten)]
    #[serde(flatten)]
    pub json: JsonOptions,
    #[command(flatten)]
    #[serde(flatten)]
    pub resources: ResourceOptions,
    #[command(flatten)]
    #[serde(flatten)]
    pub drift: DriftOptions,
    #[command(flatten)]
    #[serde(flatten)]
    pub profile: super::profile::ProfileOptions,
}

/// What is compared: key, columns, and the rows each side gives.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[command(next_help_heading = "Key and columns")]
pub struct TableOptions {
    /// Key columns, comma-separated (composite keys allowed). Without it the key is found: the source's
    /// primary key, the target's, or the unique index over NOT NULL columns with the fewest columns.
    #[arg(long, value_delimiter = ',', value_name = "COL")]
    #[serde(default, deserialize_with = "names::deserialize")]
    pub key: Option<Vec<String>>,
    /// Compare whole rows as multisets, without a key.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", hide_possible_values = true)]
    pub keyless: Option<bool>,
    /// A table without a key given or found is an error instead of compared keyless.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", hide_possible_values = true)]
    pub require_key: Option<bool>,
    /// Compare only these non-key columns (default: every column both sides share).
    #[arg(long, value_delimiter = ',', value_name = "COL")]
    #[serde(default, deserialize_with = "names::deserialize")]
    pub columns: Option<Vec<String>>,
    /// Leave these columns out of the comparison: they are neither read nor type-checked.
    #[arg(long, value_delimiter = ',', value_name = "COL")]
    #[serde(default, deserialize_with = "names::deserialize")]
    pub exclude: Option<Vec<String>>,
    /// A column named differently in the target: SRC=TGT (repeatable).
    #[arg(long = "map", value_name = "SRC=TGT")]
    #[serde(default, deserialize_with = "pairs::deserialize")]
    pub map: Option<Vec<String>>,
    /// A read-only SELECT giving the source's rows, for a database URL without #table.
    #[arg(long, value_name = "SQL")]
    pub source_query: Option<String>,
    /// A read-only SELECT giving the target's rows, for a database URL without #table.
    #[arg(long, value_name = "SQL")]
    pub target_query: Option<String>,
    /// An object-store setting for the source (repeatable): endpoint, region, allow_http, access_key_id,
    /// secret_access_key (S3); service_account, base_url (GCS); account_name, access_key, sas_token (Azure);
    /// timeout, connect_timeout, max_retries, retry_timeout… Otherwise the provider's standard environment
    /// variables (AWS_*, GOOGLE_*, AZURE_*) and the AWS CLI's static-key profiles apply.
    #[arg(long = "source-storage-option", value_name = "KEY=VALUE")]
    #[serde(default, deserialize_with = "pairs::deserialize")]
    pub source_storage_option: Option<Vec<String>>,
    /// An object-store setting for the target (repeatable), as --source-storage-option.
    #[arg(long = "target-storage-option", value_name = "KEY=VALUE")]
    #[serde(default, deserialize_with = "pairs::deserialize")]
    pub target_storage_option: Option<Vec<String>>,
    /// Examples per category in the report [default: 20].
    #[arg(long, value_name = "N")]
    pub max_examples: Option<usize>,
}

/// How many differences of each kind are tolerated: a count (10) or a share of the source rows (0.1%).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[command(next_help_heading = "Budgets (a count like 10 or a share of the source rows like 0.1%; default 0)")]
pub struct BudgetOptions {
    /// Keys missing in the target.
    #[arg(long, value_parser = Budget::parse, value_name = "N|P%")]
    pub max_missing: Option<Budget>,
    /// Keys only in the target.
    #[arg(long, value_parser = Budget::parse, value_name = "N|P%")]
    pub max_extra: Option<Budget>,
    /// Keys whose values differ.
    #[arg(long, value_parser = Budget::parse, value_name = "N|P%")]
    pub max_mismatched: Option<Budget>,
    /// Duplicated keys, checked on each side.
    #[arg(long, value_parser = Budget::parse, value_name = "N|P%")]
    pub max_duplicates: Option<Budget>,
    /// Rows whose key has a NULL part, checked on each side.
    #[arg(long, value_parser = Budget::parse, value_name = "N|P%")]
    pub max_null_keys: Option<Budget>,
}

/// The equivalence policy: each option loosens one thing on purpose (`--trim=false` turns one off again).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[command(next_help_heading = "Equivalence policy")]
pub struct PolicyOptions {
    /// Floats within this absolute difference are equal.
    #[arg(long, value_name = "X")]
    pub float_abs_tol: Option<f64>,
    /// Floats within this relative difference (of the larger magnitude) are equal.
    #[arg(long, value_name = "X")]
    pub float_rel_tol: Option<f64>,
    /// Decimals within this absolute difference are equal, in exact decimal arithmetic (e.g. 0.01).
    #[arg(long, value_name = "X")]
    #[serde(default, deserialize_with = "text::deserialize")]
    pub decimal_abs_tol: Option<String>,
    /// Zone of the source's zone-less timestamps (e.g. Europe/Paris; default UTC).
    #[arg(long, value_name = "ZONE")]
    pub source_tz: Option<String>,
    /// Zone of the target's zone-less timestamps.
    #[arg(long, value_name = "ZONE")]
    pub target_tz: Option<String>,
    /// Truncate timestamps to s, ms or us before comparing.
    #[arg(long, value_name = "s|ms|us")]
    pub timestamp_precision: Option<String>,
    /// Ignore leading and trailing whitespace in strings.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", hide_possible_values = true)]
    pub trim: Option<bool>,
    /// Compare strings case-insensitively.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", hide_possible_values = true)]
    pub ignore_case: Option<bool>,
    /// Compare strings after Unicode NFC normalization.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", hide_possible_values = true)]
    pub unicode_nfc: Option<bool>,
    /// An empty string equals NULL.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", hide_possible_values = true)]
    pub empty_as_null: Option<bool>,
}

/// Comparing a deterministic sample of keys instead of every key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[command(next_help_heading = "Sampling")]
pub struct SampleOptions {
    /// Compare only a deterministic sample of keys, the same on both sides: a share (1%) or a count (50000,
    /// for a source whose row count is known). PostgreSQL and MySQL select the sample themselves when the key
    /// is integers or text.
    #[arg(long, value_name = "SHARE|COUNT")]
    #[serde(default, deserialize_with = "text::deserialize")]
    pub sample: Option<String>,
    /// Which sample [default: 0].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Confidence of the upper bound reported for each rate when sampling [default: 0.95].
    #[arg(long, value_name = "P")]
    pub confidence: Option<f64>,
}

/// How CSV files are read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[command(next_help_heading = "CSV")]
pub struct CsvOptions {
    /// CSV field delimiter [default: ,] (\t for a tab).
    #[arg(long, value_parser = single_byte, value_name = "C")]
    #[serde(default, with = "byte")]
    pub csv_delimiter: Option<u8>,
    /// CSV quote character [default: "].
    #[arg(long, value_parser = single_byte, value_name = "C")]
    #[serde(default, with = "byte")]
    pub csv_quote: Option<u8>,
    /// A CSV field equal to this is NULL (default: an empty field is NULL).
    #[arg(long, value_name = "TOKEN")]
    pub csv_null: Option<String>,
    /// A CSV column's type instead of the inferred one: COL=TYPE (repeatable). Types: bool, int32, int64,
    /// uint64, float32, float64, decimal(P,S), text, date, timestamp, timestamptz.
    #[arg(long, value_name = "COL=TYPE")]
    #[serde(default, deserialize_with = "pairs::deserialize")]
    pub csv_type: Option<Vec<String>>,
}

/// How JSON Lines files are read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[command(next_help_heading = "JSON Lines")]
pub struct JsonOptions {
    /// The columns of JSON Lines sides instead of inferring them: a file of `name: type` lines, in --csv-type's
    /// type names plus binary, list<TYPE> and struct<name: TYPE, …>.
    #[arg(long, value_name = "FILE")]
    pub json_schema: Option<PathBuf>,
}

/// What the run may use: memory, disk, threads and time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[command(next_help_heading = "Resources")]
pub struct ResourceOptions {
    /// Memory to stay within, e.g. 2GB or 512MB (default: half the machine's memory). Row digests beyond
    /// their share are spilled to disk, differing rows are classified a group at a time, and when more rows
    /// differ than fit to be read back, an extra pass over both sides counts which columns differ.
    #[arg(long, value_name = "SIZE")]
    #[serde(default, deserialize_with = "text::deserialize")]
    pub memory_limit: Option<String>,
    /// Where spilled digests go (default: the system's temporary directory).
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Seconds to wait for a database connection [default: 30].
    #[arg(long, value_name = "SECONDS")]
    pub connect_timeout: Option<u64>,
    /// Seconds a database statement may run (0: no limit) [default: 0].
    #[arg(long, value_name = "SECONDS")]
    pub statement_timeout: Option<u64>,
    /// Connections per database side reading one table, on one snapshot where the server shares one
    /// (PostgreSQL) [default: one per worker thread, at most 8, within half the server's free connection slots].
    #[arg(long, value_name = "N")]
    pub db_connections: Option<usize>,
    /// Compute bucket fingerprints inside the databases, then read only the rows of buckets that differ:
    /// auto (a table or column that cannot be pushed down is read in full, and the report says so), required
    /// (exit 2 naming what cannot be pushed down) or off [default: off; bare --pushdown: auto].
    #[arg(long, value_name = "MODE", num_args = 0..=1, default_missing_value = "auto")]
    pub pushdown: Option<String>,
    /// How rows are read: one-pass (every row's 40-byte digest kept, spilled beyond --memory-limit's share),
    /// two-pass (bucket fingerprints first, then only the rows of differing buckets read again: for tables whose
    /// digests fit neither in memory nor in --spill-dir) or auto (one pass when the digests fit in memory or the
    /// row count is unknown, else two) [default: auto].
    #[arg(long, value_name = "NAME")]
    pub strategy: Option<String>,
    /// Read a table again, up to N times, when its database connection drops or its server restarts: after 1,
    /// 2, 4… seconds, each time in a fresh snapshot (in an audit, after the audit's shared one; the report says
    /// so) [default: 0].
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Run the fingerprints of file and object-store sides as DataFusion plans on a Ballista cluster whose nodes
    /// run `recon scheduler` and `recon executor` (df://HOST:PORT, the scheduler's address; cargo feature
    /// `cluster`). The report is a local run's, plus its `engine`.
    #[arg(long, value_name = "df://HOST:PORT")]
    pub cluster: Option<String>,
}

/// Runs over time (DESIGN.md, "Runs over time"): a history of runs and findings, rechecks of rows in flight,
/// windows by change time, key lists, and budgets on what changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[command(next_help_heading = "Runs over time")]
pub struct DriftOptions {
    /// Keep every run and its findings in this SQLite file (created when absent): findings are then marked
    /// new or persisting, and those a run no longer sees are resolved.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Read the differing keys again, up to N times, in fresh snapshots: a finding gone on a recheck is
    /// transient and not counted [default: 0].
    #[arg(long, value_name = "N")]
    pub recheck: Option<u32>,
    /// Wait before each recheck: 30s, 5m, 1h [default: 10s].
    #[arg(long, value_name = "DURATION")]
    #[serde(default, deserialize_with = "text::deserialize")]
    pub recheck_delay: Option<String>,
    /// The column holding each row's last-change time, on both sides (--map applies).
    #[arg(long, value_name = "COL")]
    pub updated_column: Option<String>,
    /// Leave out every key whose row, on either side, changed within DURATION before the run began (by the
    /// server's clock).
    #[arg(long, value_name = "DURATION")]
    #[serde(default, deserialize_with = "text::deserialize")]
    pub min_age: Option<String>,
    /// Compare only keys whose row, on either side, changed within DURATION before the run began, and every
    /// finding still open in --history.
    #[arg(long, value_name = "DURATION")]
    #[serde(default, deserialize_with = "text::deserialize")]
    pub max_age: Option<String>,
    /// Compare only keys changed since the previous complete run began (less --window-overlap), every finding
    /// still open, and the keys on one side only (a keys-only pass over both sides). Needs --history and
    /// --updated-column.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", hide_possible_values = true)]
    pub since_last_run: Option<bool>,
    /// How far before the previous run's start --since-last-run reaches back [default: 5m].
    #[arg(long, value_name = "DURATION")]
    #[serde(default, deserialize_with = "text::deserialize")]
    pub window_overlap: Option<String>,
    /// Compare only the keys listed in FILE (Parquet or CSV with the key columns, e.g. a --diff-out file),
    /// read by key on both sides.
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// Findings the previous run (or the accepted baseline) did not have: a count or a share of the rows
    /// compared. With it, category budgets that are not set are unlimited.
    #[arg(long, value_parser = Budget::parse, value_name = "N|P%")]
    pub max_new: Option<Budget>,
    /// Unstable keys: their rows changed on both sides between every pair of reads and still differ (a row
    /// whose one side stood still is a finding of its category) [default: 0].
    #[arg(long, value_parser = Budget::parse, value_name = "N|P%")]
    pub max_unstable: Option<Budget>,
    /// The name a diff's runs are kept under in --history [default: source, target and key].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// What only an audit of many tables has: which tables, how many at once, budgets on tables, resuming.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[command(next_help_heading = "Audit")]
pub struct AuditOptions {
    /// Only tables whose name matches one of these globs (case-insensitive), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "GLOB")]
    #[serde(default, deserialize_with = "names::deserialize")]
    pub tables: Option<Vec<String>>,
    /// Skip tables whose name matches one of these globs (case-insensitive), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "GLOB")]
    #[serde(default, deserialize_with = "names::deserialize")]
    pub skip_tables: Option<Vec<String>>,
    /// Tables compared at once [default: 1]; they share --memory-limit and the worker threads.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Tables present in the source only that are tolerated [default: 0].
    #[arg(long, value_name = "N")]
    pub max_missing_tables: Option<u64>,
    /// Tables present in the target only that are tolerated [default: 0].
    #[arg(long, value_name = "N")]
    pub max_extra_tables: Option<u64>,
    /// Schema findings tolerated (a lagging sequence, a constraint the target lost) [default: 0].
    #[arg(long, value_name = "N")]
    pub max_schema_checks: Option<u64>,
    /// Keep each finished table's report in DIR; a rerun skips tables finished under the same settings and
    /// retries those that ended in error.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
}
