//! ⑤ The report: one serializable [`Report`], rendered as a terminal table or as JSON, plus the verdict.
//!
//! The JSON format (`report_version` 1) is CONTRACT.md's; fields are only ever added. Key values keep their
//! JSON type where one fits (integers, finite floats, booleans, strings); other values, and every value in
//! `columns`, are the canonical value's Arrow text rendering — the value exactly as compared. NULL is `null`.

pub mod audit;
pub mod config_entry;
pub mod diff_out;
pub mod documents;
pub mod drift;
pub mod html;
pub mod integrity;
pub mod junit;
pub mod markdown;
mod marks;
pub mod profile;
pub mod redact;
pub mod repair;
pub mod signature;
pub mod table;
pub mod verdict;
pub mod verify;

use std::path::Path;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Map, Value};

use crate::compare::{Cause, Duplicate, Findings, Suggestion};
use crate::digest::encode::ENCODING_VERSION;
use crate::error::{Error, Result};
use crate::plan::{Plan, SchemaDiff};
use crate::side::{Side, Sides};
use crate::source::Ordinal;
use crate::spec::{Budget, ByCategory, Category, KeySource, PerCategory};
use verdict::Verdict;

pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub report_version: u32,
    /// `diff`: one table pair (an audit's report holds one per table).
    pub kind: String,
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
    /// `--redact`: every value in `examples` is a keyed hash (see [`redact`]); so is every key value when
    /// keyless, where the key is the whole row.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
    pub schema: SchemaDiff,
    pub policy: Policy,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<SampleReport>,
    /// Runs over time: scope, history, rechecks (see [`drift`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<drift::DriftReport>,
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

impl Stats {
    pub fn new(findings: &Findings, seconds: StageSeconds, memory_limit: u64, threads: usize) -> Stats {
        let side = |side: Side| SideStats {
            rows: findings.scans[side].rows,
            key_rows: 0,
            bytes: findings.scans[side].bytes,
            spilled_bytes: findings.scans[side].spilled,
        };
        Stats {
            source: side(Side::Source),
            target: side(Side::Target),
            seconds,
            peak_memory_bytes: peak_memory(),
            memory_limit_bytes: memory_limit,
            threads,
        }
    }
}

/// Peak resident memory from /proc/self/status; `None` where there is no such file.
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
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
    pub status: Option<drift::FindingStatus>,
    /// The row that shows the finding (its side and ordinal in the read that found it), by which history
    /// tells which finding an example is.
    #[serde(skip)]
    pub anchor: Option<(Side, Ordinal)>,
}

impl Example {
    fn key(key: Value) -> Example {
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

    fn at(self, side: Side, ordinal: Ordinal) -> Example {
        Example { anchor: Some((side, ordinal)), ..self }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A differing column of a mismatch: both values as compared (canonical text), NULL as `null`; why they
/// differ, and for a `time_shift` by how much (target minus source).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnValues {
    pub column: String,
    pub values: Sides<Value>,
    pub cause: Option<Cause>,
    pub shift: Option<Shift>,
}

/// A mismatch's columns as `{"column": {"source": …, "target": …, "cause": …, "shift": …}}`, in comparison
/// order (`shift` only for a `time_shift`).
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
        }
        let columns = Map::<String, Value>::deserialize(deserializer)?;
        columns
            .into_iter()
            .map(|(column, pair)| {
                let pair: Pair = serde_json::from_value(pair).map_err(serde::de::Error::custom)?;
                Ok(ColumnValues {
                    column,
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
        serializer.serialize_str(&crate::compare::causes::shift_text(self.0))
    }
}

impl<'de> Deserialize<'de> for Shift {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Shift, D::Error> {
        let text = String::deserialize(deserializer)?;
        crate::compare::causes::parse_shift(&text)
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
    fn nonzero(columns: Vec<(String, Vec<(K, u64)>)>) -> PerColumn<K> {
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

pub fn build(plan: &Plan, findings: &Findings) -> Result<Report> {
    let categories: &[Category] = if plan.keyless { &Category::KEYLESS } else { &Category::ALL };
    let summary = Summary {
        source_rows: findings.fingerprints.source.rows,
        target_rows: findings.fingerprints.target.rows,
        matched: findings.matched,
        counts: findings.counts.only(categories),
    };
    let column_mismatches = (!plan.keyless).then(|| {
        plan.columns.iter().zip(&findings.column_mismatches).map(|(c, n)| (c.name.clone(), json!(n))).collect()
    });
    let explained = &findings.explanations;
    let mismatch_causes = (!plan.keyless).then(|| {
        PerColumn::nonzero(
            plan.columns
                .iter()
                .zip(&explained.causes)
                .map(|(c, counts)| {
                    let counts = Cause::ALL.into_iter().map(|cause| (cause, counts[cause.index()]));
                    (c.name.clone(), counts.filter(|(_, n)| *n > 0).collect())
                })
                .collect(),
        )
    });
    let time_shifts = PerColumn::nonzero(
        plan.columns
            .iter()
            .zip(&explained.shifts)
            .map(|(c, shifts)| (c.name.clone(), shifts.iter().map(|(s, n)| (Shift(*s), *n)).collect()))
            .collect(),
    );
    let suggestions = (!plan.keyless).then(|| explained.suggestions.clone());
    let sample = plan.sample.as_ref().map(|sample| sample_report(&summary, sample));
    let verdict = verdict::verdict(&summary, &plan.budgets, sample.as_ref());
    let side = |side: Side| {
        let (dataset, fingerprint) = (&plan.datasets[side], findings.fingerprints[side]);
        SideReport {
            location: dataset.location.clone(),
            kind: dataset.format.kind().to_string(),
            rows: fingerprint.rows,
            fingerprint: fingerprint.hex(),
        }
    };
    let names = |pairs: &[crate::plan::ColumnPair]| pairs.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let (key, compared_columns) =
        if plan.keyless { (Vec::new(), names(&plan.key)) } else { (names(&plan.key), names(&plan.columns)) };
    Ok(Report {
        report_version: REPORT_VERSION,
        kind: "diff".into(),
        tool: Tool::recon(),
        source: side(Side::Source),
        target: side(Side::Target),
        key,
        key_source: plan.key_source,
        keyless: plan.keyless,
        compared_columns,
        summary,
        column_mismatches,
        mismatch_causes,
        time_shifts,
        suggestions,
        examples: examples(plan, findings)?.only(categories),
        redacted: false,
        schema: plan.schema.clone(),
        policy: Policy {
            encoding_version: ENCODING_VERSION,
            options: plan.policy.clone(),
            column_rules: plan
                .key
                .iter()
                .chain(&plan.columns)
                .filter_map(|c| Some(ColumnRule { column: c.name.clone(), rule: c.resolution.canon.rule()? }))
                .collect(),
        },
        sample,
        drift: None,
        stats: Stats::default(),
        profile: None,
        budgets: plan.budgets.set(categories),
        verdict,
    })
}

pub(crate) fn sample_report(summary: &Summary, sample: &crate::sample::Sample) -> SampleReport {
    use crate::sample::Rate;
    let rates = summary.counts.map(|c, count| Rate::new(*count, summary.rows(c.side()), sample.confidence));
    SampleReport {
        requested_rate: sample.rate,
        rows_sampled_source: summary.source_rows,
        rows_sampled_target: summary.target_rows,
        seed: sample.seed,
        confidence: sample.confidence,
        pushed_down: sample.pushed_down.iter().any(|(_, p)| *p),
        pushed_down_note: sample.note.clone(),
        rates,
    }
}

/// The first examples of each category, from the rows the engine read back.
fn examples(plan: &Plan, findings: &Findings) -> Result<PerCategory<Vec<Example>>> {
    let n = plan.keep.examples;
    let key_names: Vec<String> = plan.key.iter().map(|k| k.name.clone()).collect();
    let key = |side: Side, ordinal: Ordinal| -> Result<Value> {
        let fetched = &findings.fetched[side];
        let row = fetched.row(ordinal).ok_or_else(|| Error::internal("an example row was not read back"))?;
        Ok(Value::Object(key_json(&key_names, &fetched.rows.keys, row)))
    };
    let mut examples: PerCategory<Vec<Example>> = PerCategory::default();
    // Keyless, a row's "key" is the whole row, shown with how often each side holds it.
    let counted = |example: Example, side: Side, k: &crate::compare::OneSided| match (plan.keyless, side) {
        (false, _) => example,
        (true, Side::Source) => Example { source_count: Some(k.count), target_count: Some(k.other_count), ..example },
        (true, Side::Target) => Example { source_count: Some(k.other_count), target_count: Some(k.count), ..example },
    };
    for (category, side, list) in [
        (Category::MissingInTarget, Side::Source, &findings.missing),
        (Category::ExtraInTarget, Side::Target, &findings.extra),
    ] {
        for k in list.iter().take(n) {
            examples[category].push(counted(Example::key(key(side, k.ordinal)?), side, k).at(side, k.ordinal));
        }
    }
    for m in findings.mismatched.iter().take(n) {
        let fetched = &findings.fetched;
        let rows = Sides::new(fetched.source.row(m.source_ordinal), fetched.target.row(m.target_ordinal));
        let (Some(s), Some(t)) = (rows.source, rows.target) else {
            return Err(Error::internal("a mismatched row was not read back"));
        };
        let mut example = Example::key(key(Side::Source, m.source_ordinal)?).at(Side::Source, m.source_ordinal);
        for (&c, explained) in m.columns.iter().zip(&m.causes) {
            let values = Sides::new(
                value_text(&fetched.source.rows.values[c], s)?,
                value_text(&fetched.target.rows.values[c], t)?,
            );
            example.columns.push(ColumnValues {
                column: plan.columns[c].name.clone(),
                values,
                cause: Some(explained.cause),
                shift: explained.shift.map(Shift),
            });
        }
        examples[Category::Mismatched].push(example);
    }
    let duplicate = |d: &Duplicate| -> Result<Example> {
        let key = match d.shown_row() {
            Some((side, ordinal)) => key(side, ordinal)?,
            None => Value::Null,
        };
        let counts =
            Example { source_count: Some(d.source_count), target_count: Some(d.target_count), ..Example::key(key) };
        Ok(Example { anchor: d.shown_row(), ..counts })
    };
    for (category, side) in
        [(Category::DuplicateKeysSource, Side::Source), (Category::DuplicateKeysTarget, Side::Target)]
    {
        for d in findings.duplicates.iter().filter(|d| d.count(side) > 1).take(n) {
            examples[category].push(duplicate(d)?);
        }
    }
    for (category, side) in [(Category::NullKeysSource, Side::Source), (Category::NullKeysTarget, Side::Target)] {
        for o in findings.null_keys[side].iter().take(n) {
            examples[category].push(Example::key(key(side, *o)?));
        }
    }
    Ok(examples)
}

/// A row's key as a JSON object, key columns in key order.
pub fn key_json(names: &[String], keys: &[ArrayRef], row: usize) -> Map<String, Value> {
    names.iter().zip(keys).map(|(name, array)| (name.clone(), json_value(array, row))).collect()
}

fn json_value(array: &ArrayRef, row: usize) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    match array.data_type() {
        DataType::Int64 => json!(array.as_primitive::<Int64Type>().value(row)),
        // Narrow integers stay in their own width through the pipeline (see normalize::Canon::Int).
        t if t.is_integer() => match arrow::compute::cast(&array.slice(row, 1), &DataType::Int64) {
            Ok(wide) if wide.is_valid(0) => json!(wide.as_primitive::<Int64Type>().value(0)),
            _ => value_text(array, row).unwrap_or(Value::Null),
        },
        DataType::Boolean => json!(array.as_boolean().value(row)),
        DataType::Float64 => {
            let v = array.as_primitive::<Float64Type>().value(row);
            serde_json::Number::from_f64(v).map_or_else(|| json!(v.to_string()), Value::Number)
        }
        _ => value_text(array, row).unwrap_or(Value::Null),
    }
}

/// A canonical value as text, exactly as compared; NULL as JSON null.
pub fn value_text(array: &ArrayRef, row: usize) -> Result<Value> {
    if array.is_null(row) {
        return Ok(Value::Null);
    }
    let formatter =
        ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default()).map_err(|e| Error::arrow("report", e))?;
    Ok(Value::String(formatter.value(row).to_string()))
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
        match self.verdict.violations.iter().find(|v| v.check == category.name()) {
            Some(v) => Some(Allowed { text: v.allowed.to_string(), over: true }),
            None => self.budgets.get(category).map(|b| Allowed { text: b.to_string(), over: false }),
        }
    }

    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::internal(format!("report: {e}")))
    }

    /// Adds the profile made beside the comparison, and its check to the verdict.
    pub fn add_profile(&mut self, profile: crate::profile::Profile) {
        if let Some(violation) = profile::violation(&profile) {
            let mut violations = std::mem::take(&mut self.verdict.violations);
            violations.push(violation);
            self.verdict = Verdict::of(violations);
        }
        self.profile = Some(profile);
    }
}

/// Writes a file through a temporary sibling renamed into place, so readers see all of it or none of it.
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>) -> Result<()> {
    let dir = directory_of(path);
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(path, without_temp_name(e)))?;
    write(temp.as_file_mut()).and_then(|_| temp.as_file().sync_all()).map_err(|e| Error::io(path, e))?;
    temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// The directory a file goes in (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Checks, before any row is read, that [`write_atomically`] can write the file `path` that `setting` names:
/// `path` is no directory and its directory takes a new file. Nothing is left behind.
pub fn check_file(setting: &str, path: &Path) -> Result<()> {
    let refuse = |message: String| Error::setting(setting, format!("{}: {message}", path.display()));
    if path.is_dir() {
        return Err(refuse("is a directory: name a file".into()));
    }
    takes_files(directory_of(path)).map_err(refuse)
}

/// Checks, before any row is read, that the directory `dir` that `setting` names can be made (if it is not
/// there) and written: it, or else its nearest existing ancestor, is a directory that takes a new file. Nothing
/// is made or left behind.
pub fn check_directory(setting: &str, dir: &Path) -> Result<()> {
    let refuse = |message: String| Error::setting(setting, format!("{}: {message}", dir.display()));
    let existing = dir.ancestors().find(|a| a.as_os_str().is_empty() || a.exists()).unwrap_or(dir);
    takes_files(if existing.as_os_str().is_empty() { Path::new(".") } else { existing }).map_err(refuse)
}

/// Whether a new file can be made in `dir`: tried with a temporary file, removed at once.
fn takes_files(dir: &Path) -> std::result::Result<(), String> {
    if !dir.exists() {
        return Err(format!("there is no directory {}", dir.display()));
    }
    if !dir.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    tempfile::NamedTempFile::new_in(dir)
        .map(drop)
        .map_err(|e| format!("cannot write in {}: {}", dir.display(), without_temp_name(e)))
}

/// tempfile's errors name its random temporary file (`… at path "/dir/.tmpAbC123"`, tempfile 3's `PathError`,
/// whose cause it does not expose); the message should name only the file asked for.
fn without_temp_name(e: std::io::Error) -> std::io::Error {
    match e.to_string().rsplit_once(" at path ") {
        Some((cause, _)) => std::io::Error::new(e.kind(), cause.to_string()),
        None => e,
    }
}
