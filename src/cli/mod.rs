//! The command line as typed (clap definitions). `plan` turns these raw values into one resolved
//! [`plan::AuditPlan`] before any row is read.

pub mod plan;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::progress::LogFormat;
use crate::report::verdict::Budget;

/// recon proves a data migration moved every row.
#[derive(Debug, Parser)]
#[command(name = "recon", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run: the size of the larger variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Reconcile TARGET against SOURCE by key: missing, extra, duplicate and mismatched records.
    Diff(DiffArgs),
    /// Print how many keys a sample needs to prove a defect rate below a budget.
    SampleSize(SampleSizeArgs),
}

#[derive(Debug, Args)]
pub struct SampleSizeArgs {
    /// The rate to prove: a percentage such as 0.1%.
    #[arg(long)]
    pub budget: String,
    /// Confidence of the proof.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The source: a Parquet/CSV/Arrow file, a directory of them, a quoted glob, or a database URL
    /// (postgres://, mysql://, sqlite://, with #[schema.]table or --source-query).
    #[arg(env = "RECON_SOURCE_URL", hide_env_values = true)]
    pub source: String,
    /// The target, in any of the same forms.
    #[arg(env = "RECON_TARGET_URL", hide_env_values = true)]
    pub target: String,
    /// A read-only SELECT giving the source's rows, for a database URL without #table.
    #[arg(long, value_name = "SQL")]
    pub source_query: Option<String>,
    /// A read-only SELECT giving the target's rows, for a database URL without #table.
    #[arg(long, value_name = "SQL")]
    pub target_query: Option<String>,
    /// Seconds to wait for a database connection.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub connect_timeout: u64,
    /// Seconds a database statement may run (0: no limit).
    #[arg(long, default_value_t = 0, value_name = "SECONDS")]
    pub statement_timeout: u64,

    /// Key columns, comma-separated (composite keys allowed).
    #[arg(long, value_delimiter = ',', required = true)]
    pub key: Vec<String>,
    /// Compare only these non-key columns (default: every column both sides share).
    #[arg(long, value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Leave these columns out of the comparison.
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// A column named differently in the target: SRC=TGT (repeatable).
    #[arg(long = "map", value_name = "SRC=TGT")]
    pub map: Vec<String>,

    /// What goes to stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Also write the JSON report to FILE (written whole, then renamed into place).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write every differing record as Parquet files in DIR.
    #[arg(long, value_name = "DIR")]
    pub diff_out: Option<PathBuf>,
    /// Examples per category in the report.
    #[arg(long, default_value_t = 20)]
    pub max_examples: usize,

    /// Budget for keys missing in the target: a count (10) or a share of the source rows (0.1%).
    #[arg(long, default_value = "0", value_parser = Budget::parse)]
    pub max_missing: Budget,
    /// Budget for keys only in the target.
    #[arg(long, default_value = "0", value_parser = Budget::parse)]
    pub max_extra: Budget,
    /// Budget for keys whose values differ.
    #[arg(long, default_value = "0", value_parser = Budget::parse)]
    pub max_mismatched: Budget,
    /// Budget for duplicated keys, checked on each side.
    #[arg(long, default_value = "0", value_parser = Budget::parse)]
    pub max_duplicates: Budget,
    /// Budget for rows whose key has a NULL part, checked on each side.
    #[arg(long, default_value = "0", value_parser = Budget::parse)]
    pub max_null_keys: Budget,

    /// Floats within this absolute difference are equal.
    #[arg(long, value_name = "X")]
    pub float_abs_tol: Option<f64>,
    /// Floats within this relative difference (of the larger magnitude) are equal.
    #[arg(long, value_name = "X")]
    pub float_rel_tol: Option<f64>,
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
    #[arg(long)]
    pub trim: bool,
    /// Compare strings case-insensitively.
    #[arg(long)]
    pub ignore_case: bool,
    /// Compare strings after Unicode NFC normalization.
    #[arg(long)]
    pub unicode_nfc: bool,
    /// An empty string equals NULL.
    #[arg(long)]
    pub empty_as_null: bool,

    /// Compare only a deterministic sample of keys, the same on both sides: a share (1%) or a count (50000,
    /// for a Parquet or database source, whose row count is known). PostgreSQL and MySQL select the sample themselves
    /// when the key is integers or text.
    #[arg(long, value_name = "SHARE|COUNT")]
    pub sample: Option<String>,
    /// Which sample.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Confidence of the upper bound reported for each rate when sampling.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,

    /// CSV field delimiter.
    #[arg(long, default_value = ",", value_parser = single_byte)]
    pub csv_delimiter: u8,
    /// CSV quote character.
    #[arg(long, default_value = "\"", value_parser = single_byte)]
    pub csv_quote: u8,
    /// A CSV field equal to this is NULL (default: an empty field is NULL).
    #[arg(long, value_name = "TOKEN")]
    pub csv_null: Option<String>,
    /// A CSV column's type instead of the inferred one: COL=TYPE (repeatable). Types: bool, int32, int64,
    /// uint64, float32, float64, decimal(P,S), text, date, timestamp, timestamptz.
    #[arg(long, value_name = "COL=TYPE")]
    pub csv_type: Vec<String>,

    /// Memory to stay within, e.g. 2GB or 512MB (default: half the machine's memory). Row digests beyond
    /// their share are spilled to disk, differing rows are classified a group at a time, and when more rows
    /// differ than fit to be read back, an extra pass over both sides counts which columns differ.
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// Where spilled digests go (default: the system's temporary directory).
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress messages on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Form of the log lines on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

fn single_byte(value: &str) -> Result<u8, String> {
    let value = if value == "\\t" { "\t" } else { value };
    match value.as_bytes() {
        [byte] => Ok(*byte),
        _ => Err(format!("expected one ASCII character, got {value:?}")),
    }
}
