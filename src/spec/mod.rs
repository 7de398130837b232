//! What to compare and how, as plain data: the options of every layer (built-in defaults, a config file's
//! `[defaults]`, the command line, a config's `[[table]]` entry) merged by that precedence, then validated
//! into one [`TableSpec`] per table. Nothing here reads data; `plan` resolves a spec against opened sources.

pub mod budget;
pub mod decimal;
pub mod drift;
pub mod options;
pub mod profile;
mod written;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use arrow::datatypes::TimeUnit;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use budget::{percentage, Budget, Budgets};
pub use decimal::Decimal;
pub use drift::{DriftSpec, Scope, SpecChange};
pub use options::Options;

use crate::error::{Error, Result};
use crate::finding::KeySource;
use crate::location::Location;
use crate::side::{Side, Sides};
use crate::vocabulary::vocabulary;

/// Where a setting's value came from, so an error names the place to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    CommandLine,
    /// A config file's section: `[defaults]` or `[[table]] orders`, and where each of its keys' values is.
    Config {
        file: PathBuf,
        section: String,
        places: Places,
    },
}

/// The line and column (1-based) of each key's value in a config file's section.
pub type Places = BTreeMap<String, (usize, usize)>;

/// Which layer gave each setting, so that an error raised once the options are resolved names the setting as
/// the user wrote it: `--key`, or `audit.toml:14:7: key in [[table]] orders`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins(BTreeMap<String, Origin>);

impl Origins {
    /// Records `origin` for every field `options` sets.
    pub fn record(&mut self, options: &impl Serialize, origin: &Origin) -> Result<()> {
        for (field, _) in set_fields(options)? {
            self.0.insert(field, origin.clone());
        }
        Ok(())
    }

    /// How to name a setting in an error: its flag, or its key and the config section that set it.
    pub fn setting(&self, field: &str) -> String {
        match self.0.get(field) {
            Some(Origin::Config { file, section, places }) => match places.get(field) {
                Some((line, column)) => format!("{}:{line}:{column}: {field} in {section}", file.display()),
                None => format!("{field} in {} {section}", file.display()),
            },
            _ => format!("--{}", field.replace('_', "-")),
        }
    }

    /// The setting `field` with `value`, written where the user gave `beside`: `--key id` on the command line,
    /// `key = ["id"]` in a config file (`toml`: the value as TOML writes it).
    pub fn written(&self, beside: &str, field: &str, value: &str, toml: &str) -> String {
        match self.0.get(beside) {
            Some(Origin::Config { .. }) => format!("{field} = {toml}"),
            _ => format!("--{} {value}", field.replace('_', "-")),
        }
    }

    fn get(&self, field: &str) -> Option<&Origin> {
        self.0.get(field)
    }
}

/// The fields `options` sets (those not null), by name.
fn set_fields(options: &impl Serialize) -> Result<Map<String, Value>> {
    let Value::Object(fields) = serde_json::to_value(options).map_err(|e| Error::internal(e.to_string()))? else {
        return Err(Error::internal("options must serialize as an object"));
    };
    Ok(fields.into_iter().filter(|(_, v)| !v.is_null()).collect())
}

/// The options of several layers merged, later layers winning field by field, with where each came from.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    merged: Map<String, Value>,
    origins: Origins,
}

impl Layers {
    /// Lays `options` over what is there: every field it sets replaces the value below.
    pub fn push(&mut self, options: &Options, origin: Origin) -> Result<()> {
        self.origins.record(options, &origin)?;
        self.merged.extend(set_fields(options)?);
        Ok(())
    }

    /// The merged options.
    pub fn options(&self) -> Result<Options> {
        serde_json::from_value(Value::Object(self.merged.clone())).map_err(|e| Error::internal(e.to_string()))
    }

    /// Whether some layer set the field.
    pub fn is_set(&self, field: &str) -> bool {
        self.merged.contains_key(field)
    }

    /// How to name a setting in an error (see [`Origins::setting`]).
    pub fn setting(&self, field: &str) -> String {
        self.origins.setting(field)
    }

    /// Where each setting came from.
    pub fn origins(&self) -> &Origins {
        &self.origins
    }
}

/// `above` laid over `below`, field by field: what `above` sets wins.
pub fn overlay<T: Serialize + serde::de::DeserializeOwned>(below: &T, above: &T) -> Result<T> {
    let fields = |value: &T| match serde_json::to_value(value) {
        Ok(Value::Object(fields)) => Ok(fields),
        _ => Err(Error::internal("options must serialize as an object")),
    };
    let mut merged = fields(below)?;
    merged.extend(fields(above)?.into_iter().filter(|(_, v)| !v.is_null()));
    serde_json::from_value(Value::Object(merged)).map_err(|e| Error::internal(e.to_string()))
}

/// One table comparison, fully decided: which rows, which columns, which policy, which budgets.
#[derive(Debug, Clone)]
pub struct TableSpec {
    pub sides: Sides<SideSpec>,
    pub key: KeySpec,
    /// Compared columns as the source names them; empty means every column both sides share.
    pub columns: Vec<String>,
    pub exclude: Vec<String>,
    /// Source column → target column, for columns named differently.
    pub map: Vec<(String, String)>,
    pub policy: Policy,
    pub budgets: Budgets,
    pub sample: Option<SampleSpec>,
    pub csv: CsvSpec,
    /// `--json-schema`: the file declaring JSON Lines sides' columns; read when the sides open.
    pub json_schema: Option<PathBuf>,
    pub connect_timeout: Duration,
    /// Zero means no limit.
    pub statement_timeout: Duration,
    /// `--db-connections`: connections reading one database side's table; `None`: recon's default.
    pub db_connections: Option<usize>,
    /// `--pushdown`: `None` when not given (then no bytes are counted either).
    pub pushdown: Option<Pushdown>,
    /// `--strategy`: one pass keeping every row's digest, or two reading differing buckets again.
    pub strategy: Strategy,
    /// Tables an audit compares at once (`--jobs`; 1 for a diff): they share each server's connection slots.
    pub jobs: usize,
    /// `--retries`: how many times the table is read again after a lost connection.
    pub retries: u32,
    /// Which findings the engine keeps for writers to show.
    pub keep: Keep,
    /// A condition (SQL) both sides' rows must meet: a config file's `where`.
    pub filter: Option<String>,
    /// History, rechecks, windows and key lists: how this run relates to others of the same table.
    pub drift: DriftSpec,
    /// A column profile beside the diff, or instead of it.
    pub profile: Option<profile::ProfileSpec>,
    /// Which layer gave each setting: errors raised once the spec is resolved (a key column that is not there,
    /// a `--csv-type` for no column) name it as the user gave it.
    pub origins: Origins,
    /// `--cluster`: the Ballista scheduler (df://HOST:PORT) the fingerprints run on.
    pub cluster: Option<String>,
    /// The merged options this spec was resolved from: a cluster's executors resolve the same spec from them.
    pub options: Options,
}

/// How the key is decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySpec {
    /// Columns the user named (as the source names them), on the command line or in a config file.
    Given { columns: Vec<String>, source: KeySource },
    /// Found from the tables' own keys; with `require`, finding none is an error instead of keyless.
    Discover { require: bool },
    /// Whole rows compared as multisets.
    Keyless,
}

/// One side: a location (it may hold a password, so it is only ever shown masked) and, for a database URL
/// without `#table`, the query giving its rows.
#[derive(Debug, Clone)]
pub struct SideSpec {
    pub location: Location,
    pub query: Option<String>,
    /// A PostgreSQL snapshot exported by an audit's catalog: the side's tables are read as of one point in time.
    pub snapshot: Option<String>,
    /// The side's object-store settings (`--source-storage-option KEY=VALUE`); values may be secrets.
    pub storage: Vec<(String, String)>,
}

/// How many findings of each category the engine keeps with their rows: the first `examples` by source
/// position, or every one (for `--diff-out` and `--repair-sql`); whether it keeps every finding's key without
/// its row (for history and rechecks); and whether it reads back what a repair script needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    pub examples: usize,
    pub all: bool,
    pub keys: bool,
    pub repair: Repair,
}

/// Whether the engine reads back, in the snapshot it compared, the rows a repair script writes (`--repair-sql`),
/// and what a table it cannot repair exactly means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Repair {
    #[default]
    Off,
    /// `recon diff`: such a table stops the run before a row is read.
    Required,
    /// `recon audit`: such a table is compared all the same, and left out of the script with the reason.
    WherePossible,
}

impl Keep {
    /// How many of one category's findings are listed.
    pub fn listed(&self) -> usize {
        if self.all {
            usize::MAX
        } else {
            self.examples
        }
    }
}

/// A sample of keys: a share of them, or a count turned into a share of the source's rows once it is open.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleSpec {
    pub size: SampleSize,
    pub seed: u64,
    pub confidence: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SampleSize {
    /// A share of keys, 0 < share ≤ 1.
    Share(f64),
    Count(u64),
}

/// CSV dialect; column types stay text until a CSV source parses them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CsvSpec {
    pub delimiter: u8,
    pub quote: u8,
    pub null: Option<String>,
    pub types: Vec<(String, String)>,
}

/// The equivalence policy, as the report's `policy` section shows it: every option and its value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub float_abs_tol: Option<f64>,
    pub float_rel_tol: Option<f64>,
    /// Decimals within it are equal; absent when not given, so reports made without it read as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal_abs_tol: Option<Decimal>,
    /// Zone of zone-less timestamps on each side (default UTC).
    pub source_tz: Option<String>,
    pub target_tz: Option<String>,
    /// Timestamps are truncated to this before comparing.
    pub timestamp_precision: Option<Precision>,
    pub trim: bool,
    pub ignore_case: bool,
    pub unicode_nfc: bool,
    pub empty_as_null: bool,
}

impl Policy {
    /// The zone of one side's zone-less timestamps, when one was given.
    pub fn zone(&self, side: Side) -> Option<chrono_tz::Tz> {
        let name = match side {
            Side::Source => &self.source_tz,
            Side::Target => &self.target_tz,
        };
        // Validated when the spec was made.
        name.as_deref().and_then(|n| n.parse().ok())
    }
}

vocabulary! {
    /// Where fingerprints are computed (`--pushdown`).
    pub enum Pushdown ("pushdown mode") {
        /// In the databases where both sides can be; a table or column that cannot is read in full.
        Auto = "auto",
        /// In the databases, or exit 2 naming what cannot be.
        Required = "required",
        /// By recon, from every row read (the received bytes are still counted).
        Off = "off",
    }
}

/// `--pushdown MODE`, checked.
fn pushdown(options: &Options, layers: &Layers) -> Result<Option<Pushdown>> {
    let Some(text) = &options.resources.pushdown else { return Ok(None) };
    let mode = Pushdown::parse(text.trim()).ok_or_else(|| {
        let hint = crate::spelling::did_you_mean(text, Pushdown::ALL.map(Pushdown::name));
        Error::setting(layers.setting("pushdown"), format!("{text:?} is not auto, required or off{hint}"))
    })?;
    Ok(Some(mode))
}

vocabulary! {
    /// How a table's rows are read and digested (`--strategy`).
    pub enum Strategy ("strategy") {
        /// One pass while every row's digest fits in memory (or its spill fits where it goes), else two.
        Auto = "auto",
        /// Every row's digest kept, in memory and spilled beyond it.
        OnePass = "one-pass",
        /// Bucket fingerprints first, then the rows of differing buckets read again.
        TwoPass = "two-pass",
    }
}

/// `--strategy NAME`, checked; auto when not given.
fn strategy(options: &Options, layers: &Layers) -> Result<Strategy> {
    let Some(text) = &options.resources.strategy else { return Ok(Strategy::Auto) };
    Strategy::parse(text.trim()).ok_or_else(|| {
        let hint = crate::spelling::did_you_mean(text, Strategy::ALL.map(Strategy::name));
        Error::setting(layers.setting("strategy"), format!("{text:?} is not auto, one-pass or two-pass{hint}"))
    })
}

vocabulary! {
    /// The unit timestamps are truncated to before comparing (`--timestamp-precision`).
    pub enum Precision ("timestamp precision") {
        Second = "s",
        Millisecond = "ms",
        Microsecond = "us",
    }
}

impl Precision {
    pub fn unit(self) -> TimeUnit {
        match self {
            Precision::Second => TimeUnit::Second,
            Precision::Millisecond => TimeUnit::Millisecond,
            Precision::Microsecond => TimeUnit::Microsecond,
        }
    }
}

/// How long recon waits for a database connection when `--connect-timeout` is not given.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// What recon waits for database servers: a connection (at least a second), and each statement (zero: no
/// limit). One place for both, whether a table's spec or an audit's catalogs wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub statement: Duration,
}

impl Timeouts {
    pub fn of(resources: &options::ResourceOptions) -> Timeouts {
        let connect = resources.connect_timeout.map_or(CONNECT_TIMEOUT, |s| Duration::from_secs(s.max(1)));
        Timeouts { connect, statement: Duration::from_secs(resources.statement_timeout.unwrap_or(0)) }
    }
}

/// What the whole process may use, shared by every table it compares.
#[derive(Debug, Clone)]
pub struct SessionSpec {
    /// Bytes to stay within.
    pub memory_limit: u64,
    pub spill_dir: PathBuf,
    /// Worker threads; `None`: one per core (or `RAYON_NUM_THREADS`).
    pub threads: Option<usize>,
}

impl SessionSpec {
    pub fn resolve(options: &Options, layers: &Layers) -> Result<SessionSpec> {
        let resources = &options.resources;
        let memory_limit = match &resources.memory_limit {
            Some(text) => parse_size(text).ok_or_else(|| {
                Error::setting(layers.setting("memory_limit"), format!("{text:?} is not a size like 2GB or 512MB"))
            })?,
            None => default_memory_limit(),
        };
        if resources.db_connections == Some(0) {
            return Err(Error::setting(layers.setting("db_connections"), "must be 1 or more"));
        }
        if resources.threads == Some(0) {
            return Err(Error::setting(layers.setting("threads"), "must be 1 or more"));
        }
        Ok(SessionSpec {
            memory_limit,
            spill_dir: resources.spill_dir.clone().unwrap_or_else(std::env::temp_dir),
            threads: resources.threads,
        })
    }
}

impl TableSpec {
    /// Validates merged options into a spec for the table between `source` and `target`.
    pub fn resolve(sides: Sides<Location>, options: &Options, layers: &Layers) -> Result<TableSpec> {
        let table = &options.table;
        let trimmed = |list: &Option<Vec<String>>| -> Vec<String> {
            list.iter().flatten().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect()
        };
        let timeouts = Timeouts::of(&options.resources);
        let storage = storage_options(options, layers)?;
        let sides = Sides::new(
            SideSpec {
                location: sides.source,
                query: table.source_query.clone(),
                snapshot: None,
                storage: storage.source,
            },
            SideSpec {
                location: sides.target,
                query: table.target_query.clone(),
                snapshot: None,
                storage: storage.target,
            },
        );
        let spec = TableSpec {
            sides,
            key: key(options, layers)?,
            columns: trimmed(&table.columns),
            exclude: trimmed(&table.exclude),
            map: pairs(table.map.as_deref().unwrap_or_default(), &layers.setting("map"), "SRC=TGT")?,
            policy: policy(options, layers)?,
            budgets: budgets(options),
            sample: sample(options, layers)?,
            csv: csv(options, layers)?,
            json_schema: options.json.json_schema.clone(),
            connect_timeout: timeouts.connect,
            statement_timeout: timeouts.statement,
            db_connections: options.resources.db_connections,
            pushdown: pushdown(options, layers)?,
            strategy: strategy(options, layers)?,
            jobs: 1,
            retries: options.resources.retries.unwrap_or(0),
            keep: Keep { examples: table.max_examples.unwrap_or(20), all: false, keys: false, repair: Repair::Off },
            filter: None,
            drift: DriftSpec::resolve(options, layers)?,
            profile: profile::ProfileSpec::resolve(&options.profile, layers, false)?,
            origins: layers.origins.clone(),
            cluster: cluster(options, layers)?,
            options: options.clone(),
        };
        spec.check_profile(layers)?;
        Ok(spec)
    }

    /// Refuses what a profile cannot go with: a sample (a profile's statistics describe every row, and a
    /// sample's would not add up to them) and, for a profile alone, the options of runs over time.
    pub fn check_profile(&self, layers: &Layers) -> Result<()> {
        let Some(profile) = &self.profile else { return Ok(()) };
        if self.sample.is_some() {
            return Err(Error::setting(
                layers.setting("sample"),
                "a profile describes every row (a sample's counts and sums are not the table's): leave out --sample",
            ));
        }
        if profile.only && self.drift.active() {
            return Err(Error::setting(
                "recon profile (--profile-only)",
                "history, rechecks, windows and key lists follow rows by key: they need a diff, not a profile alone",
            ));
        }
        Ok(())
    }
}

/// `--cluster`, checked for its form: `df://HOST:PORT`.
fn cluster(options: &Options, layers: &Layers) -> Result<Option<String>> {
    let Some(url) = &options.resources.cluster else { return Ok(None) };
    let address = url.strip_prefix("df://").unwrap_or_default();
    match address.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(Some(url.clone())),
        _ => Err(Error::setting(
            layers.setting("cluster"),
            format!("{url:?} is not a scheduler's address: give df://HOST:PORT (recon scheduler's --bind)"),
        )),
    }
}

fn key(options: &Options, layers: &Layers) -> Result<KeySpec> {
    let table = &options.table;
    let columns: Vec<String> =
        table.key.iter().flatten().map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect();
    let (keyless, require) = (table.keyless.unwrap_or(false), table.require_key.unwrap_or(false));
    match (columns.is_empty(), keyless) {
        (false, true) => {
            Err(Error::setting(layers.setting("keyless"), "a comparison has a key or is keyless, not both"))
        }
        (true, true) if require => {
            Err(Error::setting(layers.setting("require_key"), "a keyless comparison has no key to require"))
        }
        (true, true) => Ok(KeySpec::Keyless),
        (true, false) => Ok(KeySpec::Discover { require }),
        (false, false) => {
            let source = match layers.origins.get("key") {
                Some(Origin::Config { .. }) => KeySource::Config,
                _ => KeySource::Option,
            };
            Ok(KeySpec::Given { columns, source })
        }
    }
}

/// `a=b` settings as pairs.
fn pairs(items: &[String], setting: &str, form: &str) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|item| match item.split_once('=') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
                Ok((a.trim().to_string(), b.trim().to_string()))
            }
            _ => Err(Error::setting(setting, format!("expected {form}, got {item:?}"))),
        })
        .collect()
}

/// Each side's object-store settings, `KEY=VALUE` as given; the value of a credential's key (`…secret…`,
/// `…token…`, `…password…`, `…sas…`, a `…key…` that is no `…_id`) is remembered as a secret, masked wherever it
/// would be shown.
pub fn storage_options(options: &Options, layers: &Layers) -> Result<Sides<Vec<(String, String)>>> {
    let side = |items: &Option<Vec<String>>, field: &str| -> Result<Vec<(String, String)>> {
        let pairs = pairs(items.as_deref().unwrap_or_default(), &layers.setting(field), "KEY=VALUE")?;
        for (key, value) in &pairs {
            let key = key.to_ascii_lowercase();
            let credential = ["secret", "token", "password", "sas"].iter().any(|word| key.contains(word));
            if credential || (key.contains("key") && !key.ends_with("_id")) {
                crate::secrets::register(value);
            }
        }
        Ok(pairs)
    };
    Ok(Sides::new(
        side(&options.table.source_storage_option, "source_storage_option")?,
        side(&options.table.target_storage_option, "target_storage_option")?,
    ))
}

fn budgets(options: &Options) -> Budgets {
    let b = &options.budgets;
    // With a budget on what is new, a category without its own budget is left to it (DESIGN.md, "Exit codes and the verdict").
    let unset = if options.drift.max_new.is_some() { Budget::Count(u64::MAX) } else { Budget::Count(0) };
    Budgets {
        missing_in_target: b.max_missing,
        extra_in_target: b.max_extra,
        mismatched: b.max_mismatched,
        duplicates: b.max_duplicates,
        null_keys: b.max_null_keys,
        unset,
        new: options.drift.max_new,
        unstable: options.drift.max_unstable.unwrap_or(Budget::Count(0)),
    }
}

fn policy(options: &Options, layers: &Layers) -> Result<Policy> {
    let p = &options.policy;
    for (field, value) in [("float_abs_tol", p.float_abs_tol), ("float_rel_tol", p.float_rel_tol)] {
        if value.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
            return Err(Error::setting(layers.setting(field), "must be a finite number, 0 or more"));
        }
    }
    let decimal_abs_tol = match &p.decimal_abs_tol {
        Some(text) => Some(Decimal::parse(text).ok_or_else(|| {
            Error::setting(
                layers.setting("decimal_abs_tol"),
                format!("{text:?} is not a decimal 0 or more like 0.01 (at most 38 digits, 76 after the point)"),
            )
        })?),
        None => None,
    };
    for (field, zone) in [("source_tz", &p.source_tz), ("target_tz", &p.target_tz)] {
        if let Some(name) = zone {
            if name.parse::<chrono_tz::Tz>().is_err() {
                let zones = chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name());
                let hint = crate::spelling::did_you_mean(name, zones);
                return Err(Error::setting(layers.setting(field), format!("unknown time zone {name:?}{hint}")));
            }
        }
    }
    let timestamp_precision = match &p.timestamp_precision {
        Some(text) => Some(Precision::parse(text).ok_or_else(|| {
            let hint = crate::spelling::did_you_mean(text, Precision::ALL.map(Precision::name));
            Error::setting(layers.setting("timestamp_precision"), format!("{text:?} is not s, ms or us{hint}"))
        })?),
        None => None,
    };
    Ok(Policy {
        float_abs_tol: p.float_abs_tol,
        float_rel_tol: p.float_rel_tol,
        decimal_abs_tol,
        source_tz: p.source_tz.clone(),
        target_tz: p.target_tz.clone(),
        timestamp_precision,
        trim: p.trim.unwrap_or(false),
        ignore_case: p.ignore_case.unwrap_or(false),
        unicode_nfc: p.unicode_nfc.unwrap_or(false),
        empty_as_null: p.empty_as_null.unwrap_or(false),
    })
}

fn sample(options: &Options, layers: &Layers) -> Result<Option<SampleSpec>> {
    let s = &options.sampling;
    let confidence = s.confidence.unwrap_or(0.95);
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(Error::setting(layers.setting("confidence"), "must lie strictly between 0 and 1"));
    }
    let Some(text) = &s.sample else { return Ok(None) };
    let setting = layers.setting("sample");
    let size = match percentage(text) {
        Some(percent) => match percent {
            Some(p) if p > 0.0 && p <= 100.0 => SampleSize::Share(p / 100.0),
            _ => return Err(Error::setting(setting, format!("{text:?} must be a share in (0%, 100%]"))),
        },
        None => match text.trim().parse::<u64>() {
            Ok(n) if n > 0 => SampleSize::Count(n),
            _ => return Err(Error::setting(setting, format!("{text:?} is neither a share like 1% nor a count"))),
        },
    };
    Ok(Some(SampleSpec { size, seed: s.seed.unwrap_or(0), confidence }))
}

fn csv(options: &Options, layers: &Layers) -> Result<CsvSpec> {
    let c = &options.csv;
    Ok(CsvSpec {
        delimiter: c.csv_delimiter.unwrap_or(b','),
        quote: c.csv_quote.unwrap_or(b'"'),
        null: c.csv_null.clone(),
        types: pairs(c.csv_type.as_deref().unwrap_or_default(), &layers.setting("csv_type"), "COL=TYPE")?,
    })
}

/// A size such as `2GB`, `512MB`, `1.5GiB` or `1000000` (bytes); K, M, G and T count in powers of 1024.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim().to_ascii_uppercase();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale: u64 = match unit.trim().trim_end_matches('B').trim_end_matches('I') {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return None,
    };
    (number > 0.0).then_some((number * scale as f64) as u64)
}

/// Half the machine's memory, or 4 GiB where the system does not say.
fn default_memory_limit() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|info| {
        let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok()
    });
    total.map_or(4 << 30, |kib| kib * 1024 / 2)
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::CommandLine => write!(f, "the command line"),
            Origin::Config { file, section, .. } => write!(f, "{} {section}", file.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(parse_size("2GB"), Some(2 << 30));
        assert_eq!(parse_size("512mb"), Some(512 << 20));
        assert_eq!(parse_size("1.5GiB"), Some(3 << 29));
        assert_eq!(parse_size("1000"), Some(1000));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("0"), None);
    }

    #[test]
    fn a_later_layer_wins_field_by_field_and_errors_name_its_origin() {
        let mut defaults = Options::default();
        defaults.policy.trim = Some(true);
        defaults.policy.float_abs_tol = Some(-1.0);
        defaults.budgets.max_missing = Some(Budget::Count(5));
        let mut command_line = Options::default();
        command_line.policy.trim = Some(false);
        command_line.table.key = Some(vec!["id".into()]);
        let mut layers = Layers::default();
        let config = Origin::Config { file: "audit.toml".into(), section: "[defaults]".into(), places: Places::new() };
        layers.push(&defaults, config).unwrap();
        layers.push(&command_line, Origin::CommandLine).unwrap();
        let merged = layers.options().unwrap();
        assert_eq!(merged.policy.trim, Some(false));
        assert_eq!(merged.budgets.max_missing, Some(Budget::Count(5)));
        assert_eq!(layers.setting("trim"), "--trim");
        let sides = Sides::new("a.csv", "b.csv").map(|s| Location::parse(s).unwrap());
        let error = TableSpec::resolve(sides, &merged, &layers).unwrap_err().to_string();
        assert_eq!(error, "float_abs_tol in audit.toml [defaults]: must be a finite number, 0 or more");
    }

    /// A setting checked once the layers are merged is named where it was written: the flag, or the config
    /// file's line and column of its value, and a suggestion is written in the same form.
    #[test]
    fn a_setting_is_named_and_suggested_where_it_was_written() {
        let mut entry = Options::default();
        entry.policy.source_tz = Some("Europe/Pari".into());
        let places = Places::from([("source_tz".to_string(), (14, 13))]);
        let section = "[[table]] orders".to_string();
        let mut layers = Layers::default();
        layers.push(&entry, Origin::Config { file: "audit.toml".into(), section, places }).unwrap();
        let mut command_line = Options::default();
        command_line.policy.source_tz = Some("Europe/Paris".into());
        command_line.policy.timestamp_precision = Some("mss".into());
        let sides = Sides::new("a.csv", "b.csv").map(|s| Location::parse(s).unwrap());
        let error = TableSpec::resolve(sides.clone(), &layers.options().unwrap(), &layers).unwrap_err().to_string();
        assert_eq!(
            error,
            "audit.toml:14:13: source_tz in [[table]] orders: unknown time zone \"Europe/Pari\"; did you mean Europe/Paris?"
        );
        let origins = layers.origins();
        assert_eq!(origins.written("source_tz", "key", "id", "[\"id\"]"), "key = [\"id\"]");
        assert_eq!(origins.written("trim", "key", "id", "[\"id\"]"), "--key id");
        layers.push(&command_line, Origin::CommandLine).unwrap();
        let error = TableSpec::resolve(sides, &layers.options().unwrap(), &layers).unwrap_err().to_string();
        assert_eq!(error, "--timestamp-precision: \"mss\" is not s, ms or us; did you mean ms?");
    }
}
