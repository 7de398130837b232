//! The command line as typed (clap definitions), turned into specs: the engine's options come from
//! [`crate::spec::Options`], whose groups clap shows under their own headings; what is only the command
//! line's — where the report goes, how logs look — stays here.

#[cfg(feature = "cluster")]
pub mod cluster;
pub mod help;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::audit::spec::{AuditSpec, Outputs};
use crate::error::{Error, Result};
use crate::location::Location;
use crate::progress::LogFormat;
use crate::side::Sides;
use crate::spec::options::AuditOptions;
use crate::spec::profile::ProfileSpec;
use crate::spec::{Layers, Options, Origin, Repair, SessionSpec, TableSpec};
use crate::terminal::ColorChoice;

/// recon proves a data migration moved every row.
#[derive(Debug, Parser)]
// propagate_version: each command's man page names recon's version.
#[command(name = "recon", version, propagate_version = true, about, long_about = None, after_help = help::RECON)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run: the size of the larger variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Reconcile TARGET against SOURCE by key: missing, extra, duplicate and mismatched records.
    #[command(after_help = help::DIFF)]
    Diff(DiffArgs),
    /// Audit every table of two databases, schemas or directories (or those a config file names): one
    /// verdict for the whole migration.
    #[command(after_help = help::AUDIT)]
    Audit(AuditArgs),
    /// Profile both sides' columns (count, nulls, distinct, min, max, sum, mean text length) where the data is,
    /// and compare the profiles: the quick look before the full proof.
    #[command(after_help = help::PROFILE)]
    Profile(DiffArgs),
    /// Print how many keys a sample needs to prove a defect rate below a budget.
    SampleSize(SampleSizeArgs),
    /// Show the runs kept in a --history file: each table's trend and open findings.
    #[command(after_help = help::HISTORY)]
    History(HistoryArgs),
    /// Check that a JSON report and the files it names are as recon wrote them (and who signed it).
    #[command(after_help = help::VERIFY)]
    Verify(VerifyArgs),
    /// Run a Ballista scheduler for `recon diff --cluster` (feature `cluster`): executors join it, clients send
    /// it their comparisons' plans.
    #[cfg(feature = "cluster")]
    Scheduler(cluster::SchedulerArgs),
    /// Run a Ballista executor that joins a `recon scheduler` and runs its plans' tasks (feature `cluster`). It
    /// reads the files and object stores the plans name itself, with the credentials in its own environment.
    #[cfg(feature = "cluster")]
    Executor(cluster::ExecutorArgs),
    /// Print the completion script for a shell on stdout (e.g. `recon completions bash >
    /// ~/.local/share/bash-completion/completions/recon`).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: help::Shell,
    },
    /// Print the man page recon(1) on stdout, or write it and a page per command into DIR.
    Man {
        /// Write recon.1, recon-diff.1, recon-audit.1, … into DIR instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `recon history FILE`, `recon history accept FILE`, `recon history prune FILE --keep N`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub action: Option<HistoryAction>,
    /// The history file (--history of diff and audit).
    #[arg(required = true, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Only this table: its name, or a diff's --name; a diff kept without one goes by its source's or
    /// target's table or file name when that is unambiguous.
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,
    /// Runs shown per table, newest first [default: 10; with --html, every run].
    #[arg(long, value_name = "N")]
    pub last: Option<u64>,
    /// List the open findings themselves (table, category, key, first seen) instead of the runs.
    #[arg(long, conflicts_with = "last")]
    pub open: bool,
    /// What goes to stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Write each table's runs as a chart over time, its open findings and its last verdicts to a
    /// self-contained HTML file instead (no script, nothing fetched, prints on A4).
    #[arg(long, value_name = "OUT", conflicts_with_all = ["open", "format"])]
    pub html: Option<PathBuf>,
}

/// `recon verify REPORT.json [--public-key FILE]`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The JSON report (--output of diff or audit); the files it names are found relative to its directory.
    #[arg(value_name = "REPORT.json")]
    pub report: PathBuf,
    /// Also check that the report was signed with the private key of this Ed25519 public key (PEM, as
    /// `openssl pkey -in key.pem -pubout` writes it).
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum HistoryAction {
    /// Make the open findings the baseline for --max-new: a known backlog stops failing every run.
    Accept {
        /// The history file (--history of diff and audit).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Only this table (default: every table).
        #[arg(long, value_name = "NAME")]
        table: Option<String>,
    },
    /// Keep each table's latest N runs (open findings always stay).
    Prune {
        /// The history file (--history of diff and audit).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Runs to keep per table.
        #[arg(long, value_name = "N")]
        keep: u64,
    },
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

impl SampleSizeArgs {
    /// The budget as a share and the confidence, both checked.
    pub fn resolve(&self) -> Result<(f64, f64)> {
        let budget = match crate::spec::percentage(&self.budget).flatten() {
            Some(p) if p > 0.0 && p < 100.0 => p / 100.0,
            _ => return Err(Error::setting("--budget", format!("{:?} is not a percentage like 0.1%", self.budget))),
        };
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(Error::setting("--confidence", "must lie strictly between 0 and 1"));
        }
        Ok((budget, self.confidence))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The source: a Parquet/CSV/Arrow file, a directory of them, a quoted glob, or a database URL
    /// (postgres://, mysql://, sqlite://, with #[schema.]table or --source-query). Without it, RECON_SOURCE_URL
    /// (then a lone location is the TARGET).
    #[arg(value_name = "SOURCE")]
    pub source: Option<String>,
    /// The target, in any of the same forms. Without it, RECON_TARGET_URL (then a lone location is the
    /// SOURCE).
    #[arg(value_name = "TARGET")]
    pub target: Option<String>,
    #[command(flatten)]
    pub options: Options,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

/// Options that name one table's rows or runs are hidden here: `AuditSpec::base_layers` refuses them outside
/// a `[[table]]` entry.
#[derive(Debug, Args)]
#[command(
    mut_arg("keys", |a| a.hide(true)),
    mut_arg("source_query", |a| a.hide(true)),
    mut_arg("target_query", |a| a.hide(true)),
    mut_arg("name", |a| a.hide(true))
)]
pub struct AuditArgs {
    /// A config file (CONFIG.toml), or SOURCE and TARGET: databases or schemas (postgres://…/db#schema,
    /// mysql://…/db, sqlite://file.db) or directories whose data files and subdirectories are tables.
    #[arg(num_args = 1..=2, required = true, value_name = "CONFIG.toml | SOURCE TARGET")]
    pub locations: Vec<String>,
    #[command(flatten)]
    pub options: Options,
    #[command(flatten)]
    pub audit: AuditOptions,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

impl AuditArgs {
    /// The session and the audit this command line (and its config file) describes.
    pub fn specs(&self) -> Result<(SessionSpec, AuditSpec)> {
        self.output.check_repair()?;
        let outputs = Outputs { diff_out: self.output.diff_out.clone(), repair_sql: self.output.repair_sql.clone() };
        let (session, spec) = AuditSpec::resolve(&self.locations, &self.options, &self.audit, outputs)?;
        if spec.base_layers()?.options()?.profile.profile_only == Some(true) {
            self.output.check_profile()?;
        }
        Ok((session, spec))
    }
}

/// Where the report goes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// What goes to stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Also write the JSON report to FILE (written whole, then renamed into place).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write every differing record as Parquet files in DIR.
    #[arg(long, value_name = "DIR")]
    pub diff_out: Option<PathBuf>,
    /// Write (never run) the SQL that would make the target equal the source for the findings to FILE: in the
    /// target's dialect, in one transaction, for a person to review and apply.
    #[arg(long, value_name = "FILE")]
    pub repair_sql: Option<PathBuf>,
    /// Also write a self-contained HTML sign-off report to FILE (no script, nothing fetched, prints on A4).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Also write JUnit XML to FILE: one testcase per table, failing when over budget.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write a Markdown summary to FILE, under 64 KiB (a pull-request comment's limit).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Show every value in examples, in every output, as a short keyed hash (random key per run); keys,
    /// counts and column names stay.
    #[arg(long)]
    pub redact: bool,
    /// Sign the --output report with this Ed25519 private key (PEM PKCS#8, as `openssl genpkey -algorithm
    /// ed25519` writes it): its digest and those of every other file written.
    #[arg(long, value_name = "FILE", requires = "output")]
    pub sign_key: Option<PathBuf>,
    /// Colour on stdout and stderr: `auto` only where it is a terminal and NO_COLOR is not set.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

impl OutputArgs {
    /// Refuses the outputs a profile cannot fill: differing rows are what a diff finds.
    fn check_profile(&self) -> Result<()> {
        let written = [("--diff-out", self.diff_out.is_some()), ("--repair-sql", self.repair_sql.is_some())];
        match written.into_iter().find(|(_, given)| *given) {
            Some((flag, _)) => {
                Err(Error::setting(flag, "writes differing rows, which a profile does not find: run recon diff"))
            }
            None => Ok(()),
        }
    }

    /// Refuses what cannot go with `--repair-sql`: `--redact` hides every value, and a script is made of values.
    fn check_repair(&self) -> Result<()> {
        match (&self.repair_sql, self.redact) {
            (Some(_), true) => Err(Error::setting(
                "--repair-sql",
                "--redact hides every value from every output, and a repair script is made of values: give one or \
                 the other",
            )),
            _ => Ok(()),
        }
    }
}

/// What goes to stderr.
#[derive(Debug, Args)]
#[command(next_help_heading = "Logs")]
pub struct LogArgs {
    /// Nothing on stderr but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Form of the log lines on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl DiffArgs {
    /// The session and the one table this command line describes.
    pub fn specs(&self) -> Result<(SessionSpec, TableSpec)> {
        self.specs_of(&self.options)
    }

    /// The specs `options` (this command line's, or those `recon profile` implies) describe.
    fn specs_of(&self, options: &Options) -> Result<(SessionSpec, TableSpec)> {
        let mut layers = Layers::default();
        layers.push(options, Origin::CommandLine)?;
        let options = layers.options()?;
        let session = SessionSpec::resolve(&options, &layers)?;
        let given = [self.source.clone(), self.target.clone()];
        let variables = Sides::new(SOURCE_VARIABLE, TARGET_VARIABLE).map(|name| std::env::var(name).ok());
        let sides = sides(given, variables)?.map(|text| Location::parse(&text)).transpose()?;
        let mut table = TableSpec::resolve(sides, &options, &layers)?;
        self.output.check_repair()?;
        table.keep.all = self.output.diff_out.is_some() || self.output.repair_sql.is_some();
        if self.output.repair_sql.is_some() {
            table.keep.repair = Repair::Required;
        }
        Ok((session, table))
    }
}

impl DiffArgs {
    /// The session, the table and its profile this command line describes, as `recon profile` runs them.
    pub fn profile_specs(&self) -> Result<(SessionSpec, TableSpec, ProfileSpec)> {
        self.output.check_profile()?;
        let mut options = self.options.clone();
        options.profile.profile_only = Some(true);
        let (session, table) = self.specs_of(&options)?;
        let profile = table.profile.clone().ok_or_else(|| Error::internal("a profile run resolved no profile"))?;
        Ok((session, table, profile))
    }
}

/// Where a diff's locations may come from instead of the command line, so passwords stay out of shell history.
const SOURCE_VARIABLE: &str = "RECON_SOURCE_URL";
const TARGET_VARIABLE: &str = "RECON_TARGET_URL";

/// A diff's two locations from its positional arguments (`given`, in order) and the environment's
/// `variables`: two arguments are SOURCE and TARGET; one is whichever side the environment leaves open (with
/// RECON_SOURCE_URL set, `recon diff --source-query '…' TARGET`); none takes both from the environment.
fn sides(given: [Option<String>; 2], variables: Sides<Option<String>>) -> Result<Sides<String>> {
    let variables = variables.map(|v| v.filter(|v| !v.trim().is_empty()));
    match (given, variables.source, variables.target) {
        ([Some(source), Some(target)], ..) => Ok(Sides::new(source, target)),
        ([Some(target), None], Some(source), None) => Ok(Sides::new(source, target)),
        ([Some(source), None], None, Some(target)) => Ok(Sides::new(source, target)),
        ([Some(_), None], Some(_), Some(_)) => Err(Error::setting(
            "recon diff",
            format!("one location given, but {SOURCE_VARIABLE} and {TARGET_VARIABLE} are both set: give both locations, or neither"),
        )),
        ([Some(_), None], None, None) => Err(Error::setting(
            "TARGET",
            format!("missing: recon diff SOURCE TARGET, or {SOURCE_VARIABLE}=… recon diff TARGET"),
        )),
        ([None, _], Some(source), Some(target)) => Ok(Sides::new(source, target)),
        ([None, _], source, _) => {
            let (missing, variable) =
                if source.is_none() { ("SOURCE", SOURCE_VARIABLE) } else { ("TARGET", TARGET_VARIABLE) };
            Err(Error::setting(missing, format!("missing: recon diff SOURCE TARGET, or set {variable}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn located(given: [Option<&str>; 2], source: Option<&str>, target: Option<&str>) -> Result<(String, String)> {
        let given = given.map(|g| g.map(str::to_string));
        let variables = Sides::new(source.map(str::to_string), target.map(str::to_string));
        sides(given, variables).map(|s| (s.source, s.target))
    }

    #[test]
    fn a_lone_location_is_the_side_the_environment_leaves_open() {
        let pair = |s: &str, t: &str| (s.to_string(), t.to_string());
        assert_eq!(located([Some("a"), Some("b")], Some("env"), Some("env")).unwrap(), pair("a", "b"));
        assert_eq!(located([Some("t.parquet"), None], Some("pg"), None).unwrap(), pair("pg", "t.parquet"));
        assert_eq!(located([Some("s.parquet"), None], None, Some("my")).unwrap(), pair("s.parquet", "my"));
        assert_eq!(located([Some("s.parquet"), None], Some(" "), Some("my")).unwrap(), pair("s.parquet", "my"));
        assert_eq!(located([None, None], Some("pg"), Some("my")).unwrap(), pair("pg", "my"));
        let error = |given, source, target| located(given, source, target).unwrap_err().to_string();
        assert_eq!(
            error([Some("x"), None], Some("pg"), Some("my")),
            "recon diff: one location given, but RECON_SOURCE_URL and RECON_TARGET_URL are both set: give both \
             locations, or neither"
        );
        assert_eq!(
            error([Some("x"), None], None, None),
            "TARGET: missing: recon diff SOURCE TARGET, or RECON_SOURCE_URL=… recon diff TARGET"
        );
        assert_eq!(
            error([None, None], None, Some("my")),
            "SOURCE: missing: recon diff SOURCE TARGET, or set RECON_SOURCE_URL"
        );
        assert_eq!(
            error([None, None], Some("pg"), None),
            "TARGET: missing: recon diff SOURCE TARGET, or set RECON_TARGET_URL"
        );
    }
}
