//! An audit's settings, decided once: the collections, the config file's `[defaults]` and `[[table]]` entries,
//! the command line's options between them, which tables, how many at once, the audit's own budgets and where
//! its outputs go. The command line only hands over what was typed.

use std::path::PathBuf;

use super::config::Config;
use crate::error::{Error, Result};
use crate::location::Location;
use crate::report::audit::AuditBudgets;
use crate::side::Sides;
use crate::source::DbOptions;
use crate::spec::options::AuditOptions;
use crate::spec::{Budget, Layers, Options, Origin, Origins, SessionSpec, Timeouts};

/// Everything an audit needs, resolved from the command line and the config file.
#[derive(Debug, Clone)]
pub struct AuditSpec {
    /// The two collections: a database schema or a directory of tables (may hold passwords).
    pub sides: Sides<Location>,
    /// The config file's `[defaults]` (lowest layer after the built-in defaults) and its `[[table]]` entries.
    pub config: Option<Config>,
    /// The command line's options: above `[defaults]`, below a `[[table]]` entry.
    pub command_line: Options,
    /// Only tables matching one of these globs (none: every table).
    pub tables: Vec<String>,
    pub skip_tables: Vec<String>,
    pub jobs: usize,
    pub budgets: AuditBudgets,
    pub state: Option<PathBuf>,
    /// Each table's differing records go to `DIR/<table>/`.
    pub diff_out: Option<PathBuf>,
    /// `--repair-sql`: every table's findings are read back for one script.
    pub repair_sql: Option<PathBuf>,
    /// Waits for the catalogs' connections.
    pub db: DbOptions,
    /// Which layer gave each audit option (`--state`, or `state` in the config's `[defaults]`), to name it in
    /// errors as the user gave it.
    pub settings: Origins,
}

impl AuditSpec {
    /// The session and the audit that `locations` (a config file, or SOURCE and TARGET), the command line's
    /// options and its audit options describe; `outputs` says where each table's differing records and repair
    /// statements go. The one place an audit's settings are decided, the command line's and the config
    /// file's merged.
    pub fn resolve(
        locations: &[String],
        command_line: &Options,
        audit: &AuditOptions,
        outputs: Outputs,
    ) -> Result<(SessionSpec, AuditSpec)> {
        let (config, sides) = match locations {
            [source, target] => (None, Sides::new(source.clone(), target.clone())),
            [file] if names_collection(file) => {
                return Err(Error::setting(
                    "recon audit",
                    format!(
                        "{file} is one collection: an audit compares two (SOURCE TARGET), or a config file names them"
                    ),
                ))
            }
            [file] => {
                let config = Config::read(std::path::Path::new(file))?;
                let side = |url: &Option<String>, name: &str| {
                    url.clone().ok_or_else(|| Error::setting(file.as_str(), format!("no [{name}] url = \"…\" section")))
                };
                let sides = Sides::new(side(&config.source, "source")?, side(&config.target, "target")?);
                (Some(config), sides)
            }
            _ => return Err(Error::setting("recon audit", "give a config file, or SOURCE and TARGET")),
        };
        let sides = sides.map(|text| Location::parse(&text)).transpose()?;
        let mut settings = Origins::default();
        let merged = match &config {
            Some(config) => {
                let places = config.defaults_places.clone();
                let origin = Origin::Config { file: config.path.clone(), section: "[defaults]".into(), places };
                settings.record(&config.audit, &origin)?;
                crate::spec::overlay(&config.audit, audit)?
            }
            None => audit.clone(),
        };
        settings.record(audit, &Origin::CommandLine)?;
        let count = |n: Option<u64>| Budget::Count(n.unwrap_or(0));
        let mut spec = AuditSpec {
            sides,
            config,
            command_line: command_line.clone(),
            tables: merged.tables.unwrap_or_default(),
            skip_tables: merged.skip_tables.unwrap_or_default(),
            jobs: merged.jobs.unwrap_or(1),
            budgets: AuditBudgets {
                missing_tables: count(merged.max_missing_tables),
                extra_tables: count(merged.max_extra_tables),
                schema_checks: count(merged.max_schema_checks),
            },
            state: merged.state,
            diff_out: outputs.diff_out,
            repair_sql: outputs.repair_sql,
            db: DbOptions::default(),
            settings,
        };
        if spec.jobs == 0 {
            return Err(Error::setting(spec.settings.setting("jobs"), "must be 1 or more"));
        }
        let layers = spec.base_layers()?;
        let options = layers.options()?;
        let session = SessionSpec::resolve(&options, &layers)?;
        let timeouts = Timeouts::of(&options.resources);
        spec.db.connect_timeout = timeouts.connect;
        spec.db.statement_timeout = timeouts.statement;
        Ok((session, spec))
    }

    /// The layers every table starts from: `[defaults]`, then the command line.
    pub fn base_layers(&self) -> Result<Layers> {
        let mut layers = Layers::default();
        if let Some(config) = &self.config {
            let places = config.defaults_places.clone();
            let origin = Origin::Config { file: config.path.clone(), section: "[defaults]".into(), places };
            layers.push(&config.defaults, origin)?;
        }
        layers.push(&self.command_line, Origin::CommandLine)?;
        // What names one table's rows or runs cannot hold for every table (`recon audit --help` hides them).
        let one_table = [
            ("keys", "a key list holds one table's keys: give it in that table's [[table]] entry"),
            ("source_query", "a query stands for one table: compare it with recon diff"),
            ("target_query", "a query stands for one table: compare it with recon diff"),
            ("name", "names a diff's runs in --history: an audit keeps each table's runs under its own name"),
        ];
        match one_table.into_iter().find(|(field, _)| layers.is_set(field)) {
            Some((field, why)) => Err(Error::setting(layers.setting(field), why)),
            None => Ok(layers),
        }
    }
}

/// Where an audit writes what each table found beyond the report.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    /// `--diff-out DIR`.
    pub diff_out: Option<PathBuf>,
    /// `--repair-sql FILE`.
    pub repair_sql: Option<PathBuf>,
}

/// Whether an audit's one argument names a collection (a directory, or anything with a URL's scheme, however
/// misspelled) rather than a config file.
fn names_collection(argument: &str) -> bool {
    let path = std::path::Path::new(argument);
    let scheme = argument.split_once(':').map(|(scheme, _)| scheme).filter(|s| s.len() > 1);
    let url = scheme.is_some_and(|s| s.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)));
    path.is_dir() || (url && !path.is_file())
}
