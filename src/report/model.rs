//! The report's model: one serializable [`Report`] per table pair, its sections and their JSON form
//! (`report_version` 1, DESIGN.md "The report"; fields are only ever added). Key values keep their JSON type
//! where one fits (integers, finite floats, booleans, strings); other values, and every value in `columns`,
//! are the canonical value's Arrow text rendering — the value exactly as compared. NULL is `null`.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Map, Value};

use super::drift::DriftReport;
use super::verdict::Verdict;
use crate::error::{Error, Result};
use crate::explain::Suggestion;
use crate::finding::{ByCategory, Category, Cause, Check, FindingStatus, KeySource};
use crate::plan::SchemaDiff;
use crate::side::{Side, Sides};
use crate::source::Ordinal;
use crate::spec::Budget;
use crate::vocabulary::vocabulary;

pub const REPORT_VERSION: u32 = 1;

vocabulary! {
    /// What a report is of: one table pair, or a whole migration.
    pub enum ReportKind ("report kind") {
        Diff = "diff",
        Audit = "audit",
        /// Both sides' column profiles, compared (`recon profile`, `--profile-only`).
        Profile = "profile",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub report_version: u32,
    /// `diff`: one table pair (an audit's report holds one per table).
    pub kind: ReportKind,
    pub tool: Tool,
    pub source: SideReport,
    pub target: SideReport,
    /// Empty when keyless.
    pub key: Vec<String>,
    pub key_source: KeySource,
    /// Whole rows compared as multisets: only `missing_in_target` and `extra_in_target` are counted, with
    /// each row's multiplicity.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keyless: bool,
    pub compared_columns: Vec<String>,
    pub summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_mismatches: Option<Map<String, Value>>,
    /// Per column with mismatches, how many of its differing pairs each cause explains (every mismatched row,
    /// not only the examples). Absent when keyless.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mismatch_causes: Option<PerColumn<Cause>>,
    /// Per column with `time_shift` pairs, how many pairs each shift (target minus source, as `-05:00`) has.
    #[serde(default, skip_serializing_if = "PerColumn::is_empty")]
    pub time_shifts: PerColumn<Shift>,
    /// Options proved to reconcile mismatches, the most resolving first. Absent when keyless.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<Vec<Suggestion>>,
    pub examples: ByCategory<Vec<Example>>,
    /// `--redact`: every value in `examples` is a keyed hash (see [`super::redact`]); so is every key value when
    /// keyless, where the key is the whole row.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
    pub schema: SchemaDiff,
    pub policy: Policy,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<SampleReport>,
    /// `--pushdown`: where the fingerprints were computed, and what crossed the network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushdown: Option<PushdownReport>,
    /// `--cluster`: the engine that fingerprinted the sides, when it was not this process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<EngineReport>,
    /// Runs over time: scope, history, rechecks (see [`super::drift`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<DriftReport>,
    pub stats: Stats,
    /// `--profile`: both sides' column profiles, compared (a differing profile is a `profile` violation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<crate::profile::Profile>,
    /// The budgets set on this table's categories, as given (a count, or a share of the source rows such as
    /// `"0.1%"`); a category absent here allows none (or, beside `--max-new`, is left to that budget).
    #[serde(default, skip_serializing_if = "ByCategory::is_empty")]
    pub budgets: ByCategory<Budget>,
    pub verdict: Verdict,
}

/// When sampling: how many rows each side contributed, and each category's observed rate with the upper
/// bound of its true rate at `confidence` (one-sided Clopper-Pearson). A category's rate is a share of the
/// sampled rows of its side ([`Category::side`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SampleReport {
    pub requested_rate: f64,
    pub rows_sampled_source: u64,
    pub rows_sampled_target: u64,
    pub seed: u64,
    pub confidence: f64,
    /// Whether a database selected the sampled rows itself on at least one side (so less was read); the note
    /// says how keys were drawn, side by side.
    pub pushed_down: bool,
    pub pushed_down_note: String,
    pub rates: ByCategory<crate::sample::Rate>,
}

/// `--cluster`: the fingerprints ran as DataFusion plans on a Ballista cluster (`kind` is `ballista`), whose
/// scheduler is `scheduler` and which had `executors` executors when the comparison was planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineReport {
    pub kind: String,
    pub scheduler: String,
    pub executors: u64,
}

/// `--pushdown` (DESIGN.md, "Fingerprints in the databases"): the buckets the databases fingerprinted, how many
/// differed (their rows were read and compared by recon), and the wire bytes each side's server sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushdownReport {
    /// `auto` or `required` (`off` counts bytes only).
    pub mode: String,
    /// The fingerprints' encoding (`md5-canonical-text-v1`); absent when the table was read in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Buckets of the first round (later rounds split only the differing ones).
    pub buckets: u64,
    /// First-round buckets whose fingerprints differed.
    pub differing_buckets: u64,
    /// Rounds of fingerprints before the rows of the buckets left were read.
    pub rounds: u32,
    /// Rows whose buckets matched, never read.
    pub rows_not_read: u64,
    /// Columns that forced a read in full (their types have no canonical text both sides write alike).
    pub columns_read_in_full: Vec<String>,
    /// Why the table was read in full, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_in_full: Option<String>,
    /// Bytes each side's server sent, on the wire (`None` for a side not reached over TCP).
    pub bytes_received: crate::side::Sides<Option<u64>>,
}

/// What the comparison cost. `read` and `hash` are summed over the threads doing them (they overlap in time);
/// `compare`, `report` and `total` are wall-clock seconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stats {
    pub source: SideStats,
    pub target: SideStats,
    pub seconds: StageSeconds,
    /// Peak resident memory of the process (VmHWM), when the system reports it.
    pub peak_memory_bytes: Option<u64>,
    pub memory_limit_bytes: u64,
    pub threads: usize,
    /// `--retries`: how many times the table was read again after a lost connection, in a fresh snapshot.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retries: u32,
    /// `--pushdown` given: the wire bytes both database sides' servers sent (see [`PushdownReport`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_received: Option<u64>,
    /// How the rows were read (`--strategy`); absent where no rows were compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<StrategyReport>,
}

/// How a table's rows were read: one pass keeping every row's digest, or a pass of bucket fingerprints and a
/// second reading only the rows of buckets that differ.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StrategyReport {
    /// `one-pass` or `two-pass`.
    pub name: String,
    /// Why: the option given, or what `auto` weighed.
    pub why: String,
    /// Passes over the rows: 2, or 1 for a two-pass run whose first pass found every bucket equal.
    pub passes: u32,
    /// Bytes written to the spill directory: row digests, and a two-pass run's source key hashes.
    pub spill_bytes: u64,
    /// Rows read by the second pass, per side (0 in one pass).
    pub rows_read_again: Sides<u64>,
    /// A two-pass run's first-pass buckets, and how many of them the second pass read again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buckets: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buckets_read_again: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SideStats {
    /// Rows read: every row, or under a sample pushed down, the sampled ones.
    pub rows: u64,
    /// Rows read as keys alone (a window's changed keys, `--since-last-run`'s keys-only pass).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub key_rows: u64,
    pub bytes: u64,
    pub spilled_bytes: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StageSeconds {
    pub read: f64,
    pub hash: f64,
    pub compare: f64,
    /// The compare stage's steps.
    pub compare_steps: crate::compare::CompareSeconds,
    pub report: f64,
    pub total: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn recon() -> Tool {
        Tool { name: "recon".into(), version: env!("CARGO_PKG_VERSION").into() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SideReport {
    pub location: String,
    pub kind: String,
    pub rows: u64,
    /// Hex of the 128-bit wrapping sum of the side's row hashes (see `digest`).
    pub fingerprint: String,
    /// The version of a Delta Lake table that was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_version: Option<u64>,
    /// A database table's full read: the connections that read it (`--db-connections`)…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<usize>,
    /// How consistent the read was where it was not one snapshot of one connection: `shared` (several
    /// PostgreSQL connections on one exported snapshot), `per_connection` (several MySQL/MariaDB connections, a
    /// snapshot each), `none` (an ODBC source read in no snapshot — SQL Server without SNAPSHOT allowed, Db2, Snowflake,
    /// a MyISAM table —: rows changing during the read may be seen or not). Absent for one snapshot and for files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    /// Why fewer connections read than were asked for (or than the default), if so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections_note: Option<String>,
}

/// The counts of one read; with rechecks, of the first read settled by them (`engine/recheck.rs`: transient
/// keys leave their category, for `matched` when the first read held them on the source; unstable ones leave it
/// for `drift.unstable`), so that they still account for the first read's source rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    pub source_rows: u64,
    pub target_rows: u64,
    pub matched: u64,
    #[serde(flatten)]
    pub counts: ByCategory<u64>,
}

impl Summary {
    /// The rows of a side: what percentage budgets and sample rates are shares of.
    pub fn rows(&self, side: Side) -> u64 {
        match side {
            Side::Source => self.source_rows,
            Side::Target => self.target_rows,
        }
    }
}

/// One finding as the report shows it: its key (key values keep their JSON type where one fits), and for a
/// mismatch the differing columns' values, for a duplicate both sides' counts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Example {
    pub key: Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "columns_as_object")]
    pub columns: Vec<ColumnValues>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_count: Option<u64>,
    /// With history: when the finding was first seen (RFC 3339), and whether it is `new` or `persisting`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<FindingStatus>,
    /// The row that shows the finding (its side and ordinal in the read that found it), by which history
    /// tells which finding an example is.
    #[serde(skip)]
    pub anchor: Option<(Side, Ordinal)>,
}

impl Example {
    pub(super) fn key(key: Value) -> Example {
        Example {
            key,
            columns: Vec::new(),
            source_count: None,
            target_count: None,
            first_seen: None,
            status: None,
            anchor: None,
        }
    }

    pub(super) fn at(self, side: Side, ordinal: Ordinal) -> Example {
        Example { anchor: Some((side, ordinal)), ..self }
    }
}

pub(crate) fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
}

/// A differing column of a mismatch: both values as compared (canonical text), NULL as `null`; why they
/// differ, and for a `time_shift` by how much (target minus source).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnValues {
    pub column: String,
    /// Where nested values differ, from the column: `tags[3]`, `address.city`, `attrs{"color"}`.
    pub path: Option<String>,
    pub values: Sides<Value>,
    pub cause: Option<Cause>,
    pub shift: Option<Shift>,
}

/// A mismatch's columns as `{"column": {"source": …, "target": …, "cause": …, "shift": …, "path": …}}`, in
/// comparison order (`shift` only for a `time_shift`, `path` only for nested values).
mod columns_as_object {
    use super::*;
    use serde::Deserializer;

    pub fn serialize<S: Serializer>(columns: &[ColumnValues], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(columns.iter().map(|c| {
            let mut pair = json!({"source": c.values.source, "target": c.values.target});
            if let Some(cause) = c.cause {
                pair["cause"] = json!(cause);
            }
            if let Some(shift) = c.shift {
                pair["shift"] = json!(shift);
            }
            if let Some(path) = &c.path {
                pair["path"] = json!(path);
            }
            (&c.column, pair)
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<ColumnValues>, D::Error> {
        #[derive(Deserialize)]
        struct Pair {
            source: Value,
            target: Value,
            #[serde(default)]
            cause: Option<Cause>,
            #[serde(default)]
            shift: Option<Shift>,
            #[serde(default)]
            path: Option<String>,
        }
        let columns = Map::<String, Value>::deserialize(deserializer)?;
        columns
            .into_iter()
            .map(|(column, pair)| {
                let pair: Pair = serde_json::from_value(pair).map_err(serde::de::Error::custom)?;
                Ok(ColumnValues {
                    column,
                    path: pair.path,
                    values: Sides::new(pair.source, pair.target),
                    cause: pair.cause,
                    shift: pair.shift,
                })
            })
            .collect()
    }
}

/// A time shift in seconds (target minus source), written as a UTC offset: `-05:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shift(pub i32);

impl Serialize for Shift {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&crate::explain::causes::shift_text(self.0))
    }
}

impl<'de> Deserialize<'de> for Shift {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Shift, D::Error> {
        let text = String::deserialize(deserializer)?;
        crate::explain::causes::parse_shift(&text)
            .map(Shift)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is no shift like -05:00")))
    }
}

/// Counts per column (in comparison order) and per kind (a [`Cause`], a [`Shift`]), only those not zero:
/// serialized as `{"column": {"kind": count}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct PerColumn<K>(pub Vec<(String, Vec<(K, u64)>)>);

impl<K> Default for PerColumn<K> {
    fn default() -> Self {
        PerColumn(Vec::new())
    }
}

impl<K> PerColumn<K> {
    /// The columns that have a count.
    pub(super) fn nonzero(columns: Vec<(String, Vec<(K, u64)>)>) -> PerColumn<K> {
        PerColumn(columns.into_iter().filter(|(_, counts)| !counts.is_empty()).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The counts of one column.
    pub fn get(&self, column: &str) -> Option<&[(K, u64)]> {
        self.0.iter().find(|(c, _)| c == column).map(|(_, counts)| counts.as_slice())
    }
}

impl<K: Serialize> Serialize for PerColumn<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Counts<'a, K>(&'a [(K, u64)]);
        impl<K: Serialize> Serialize for Counts<'_, K> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (kind, count) in self.0 {
                    map.serialize_entry(kind, count)?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (column, counts) in &self.0 {
            map.serialize_entry(column, &Counts(counts))?;
        }
        map.end()
    }
}

impl<'de, K: Deserialize<'de>> Deserialize<'de> for PerColumn<K> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<PerColumn<K>, D::Error> {
        let columns = Map::<String, Value>::deserialize(deserializer)?;
        let mut out = Vec::new();
        for (column, counts) in columns {
            let counts = Map::<String, Value>::deserialize(counts).map_err(serde::de::Error::custom)?;
            let mut entries = Vec::new();
            for (kind, count) in counts {
                let kind = K::deserialize(Value::String(kind)).map_err(serde::de::Error::custom)?;
                entries.push((kind, count.as_u64().ok_or_else(|| serde::de::Error::custom("a count is no integer"))?));
            }
            out.push((column, entries));
        }
        Ok(PerColumn(out))
    }
}

/// The equivalence policy applied: every option and its value, the encoding version of the fingerprints, and
/// the rules recon applied to some columns on its own (absent when none did).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Policy {
    pub encoding_version: u32,
    #[serde(flatten)]
    pub options: crate::spec::Policy,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub column_rules: Vec<ColumnRule>,
}

/// A rule recon applied to one column pair (named as the source names it) because of what a side declares:
/// `{"column": "code", "rule": "char_padding"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnRule {
    pub column: String,
    pub rule: crate::normalize::Rule,
}

/// What a category's "allowed" cell says: the count allowed when it is exceeded, else the budget set on it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Allowed {
    pub text: String,
    pub over: bool,
}

impl Report {
    /// What `category` is allowed, where a budget was set on it or it is over its budget; `None` for a
    /// category left at its default and within it.
    pub(crate) fn allowed(&self, category: Category) -> Option<Allowed> {
        match self.verdict.violations.iter().find(|v| v.check == Check::from(category)) {
            Some(v) => Some(Allowed { text: v.allowed.to_string(), over: true }),
            None => self.budgets.get(category).map(|b| Allowed { text: b.to_string(), over: false }),
        }
    }

    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::internal(format!("report: {e}")))
    }

    /// Adds the profile made beside the comparison, and its check to the verdict.
    pub fn add_profile(&mut self, profile: crate::profile::Profile) {
        if let Some(violation) = super::verdict::profile_violation(&profile) {
            let mut violations = std::mem::take(&mut self.verdict.violations);
            violations.push(violation);
            self.verdict = Verdict::of(violations, 0);
        }
        self.profile = Some(profile);
    }
}
