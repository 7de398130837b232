//! ⑤ The report: one serializable [`Report`], rendered as a terminal table or as JSON, plus the verdict.
//!
//! The JSON format (`report_version` 1) is CONTRACT.md's; fields are only ever added. Key values keep their
//! JSON type where one fits (integers, finite floats, booleans, strings); other values, and every value in
//! `columns`, are the canonical value's Arrow text rendering — the value exactly as compared. NULL is `null`.

pub mod diff_out;
pub mod table;
pub mod verdict;

use std::io::Write;
use std::path::Path;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::cli::plan::{AuditPlan, SchemaDiff};
use crate::compare::Findings;
use crate::digest::encode::ENCODING_VERSION;
use crate::error::{Error, Result};
use crate::source::Ordinal;
use verdict::Verdict;

pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub report_version: u32,
    pub tool: Tool,
    pub source: SideReport,
    pub target: SideReport,
    pub key: Vec<String>,
    pub compared_columns: Vec<String>,
    pub summary: Summary,
    pub column_mismatches: Map<String, Value>,
    pub examples: Examples,
    pub schema: SchemaDiff,
    pub policy: Policy,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<SampleReport>,
    pub stats: Stats,
    pub verdict: Verdict,
}

/// When sampling: how many rows each side contributed, and each category's observed rate with the upper
/// bound of its true rate at `confidence` (one-sided Clopper-Pearson). Source-side categories are rates of
/// the sampled source rows, target-side ones of the sampled target rows.
#[derive(Debug, Clone, Serialize)]
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
    pub rates: Map<String, Value>,
}

/// What the audit cost. `read` and `hash` are summed over the threads doing them (they overlap in time);
/// `compare`, `report` and `total` are wall-clock seconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub source: SideStats,
    pub target: SideStats,
    pub seconds: StageSeconds,
    /// Peak resident memory of the process (VmHWM), when the system reports it.
    pub peak_memory_bytes: Option<u64>,
    pub memory_limit_bytes: u64,
    pub threads: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SideStats {
    /// Rows read: every row, or under a sample pushed down, the sampled ones.
    pub rows: u64,
    pub bytes: u64,
    pub spilled_bytes: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
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
        let side = |i: usize| SideStats {
            rows: findings.scans[i].rows,
            bytes: findings.scans[i].bytes,
            spilled_bytes: findings.scans[i].spilled,
        };
        Stats {
            source: side(0),
            target: side(1),
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

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SideReport {
    pub location: String,
    pub kind: String,
    pub rows: u64,
    /// Hex of the 128-bit wrapping sum of the side's row hashes (see `digest`).
    pub fingerprint: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub source_rows: u64,
    pub target_rows: u64,
    pub matched: u64,
    pub missing_in_target: u64,
    pub extra_in_target: u64,
    pub mismatched: u64,
    pub duplicate_keys_source: u64,
    pub duplicate_keys_target: u64,
    pub null_keys_source: u64,
    pub null_keys_target: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Examples {
    pub missing_in_target: Vec<Value>,
    pub extra_in_target: Vec<Value>,
    pub mismatched: Vec<Value>,
    pub duplicate_keys_source: Vec<Value>,
    pub duplicate_keys_target: Vec<Value>,
    pub null_keys_source: Vec<Value>,
    pub null_keys_target: Vec<Value>,
}

/// The equivalence policy applied: every option and its value, and the encoding version of the fingerprints.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub encoding_version: u32,
    #[serde(flatten)]
    pub options: crate::normalize::policy::Policy,
}

pub fn build(plan: &AuditPlan, findings: &Findings) -> Result<Report> {
    let [source_fp, target_fp] = findings.fingerprints;
    let summary = Summary {
        source_rows: source_fp.rows,
        target_rows: target_fp.rows,
        matched: findings.matched,
        missing_in_target: findings.counts.missing,
        extra_in_target: findings.counts.extra,
        mismatched: findings.counts.mismatched,
        duplicate_keys_source: findings.counts.duplicate_keys_source,
        duplicate_keys_target: findings.counts.duplicate_keys_target,
        null_keys_source: findings.null_keys[0].len() as u64,
        null_keys_target: findings.null_keys[1].len() as u64,
    };
    let column_mismatches =
        plan.columns.iter().zip(&findings.column_mismatches).map(|(c, n)| (c.name.clone(), json!(n))).collect();
    let sample = plan.sample.as_ref().map(|sample| sample_report(&summary, sample));
    let bound = |check: &str| -> (f64, u64) {
        let report = sample.as_ref();
        let upper = report.and_then(|r| r.rates.get(check)).and_then(|r| r["upper_bound"].as_f64()).unwrap_or(1.0);
        let target_side = check.ends_with("_target") && check != "missing_in_target";
        (upper, if target_side { summary.target_rows } else { summary.source_rows })
    };
    let verdict = verdict::verdict(&summary, &plan.budgets, sample.as_ref().map(|_| &bound as verdict::Bounds));
    let side = |dataset: &crate::source::Dataset, fp: crate::digest::Fingerprint| SideReport {
        location: dataset.location.clone(),
        kind: dataset.format.kind().to_string(),
        rows: fp.rows,
        fingerprint: fp.hex(),
    };
    Ok(Report {
        report_version: REPORT_VERSION,
        tool: Tool { name: "recon".into(), version: env!("CARGO_PKG_VERSION").into() },
        source: side(&plan.source, source_fp),
        target: side(&plan.target, target_fp),
        key: plan.key.iter().map(|k| k.name.clone()).collect(),
        compared_columns: plan.columns.iter().map(|c| c.name.clone()).collect(),
        summary,
        column_mismatches,
        examples: examples(plan, findings)?,
        schema: plan.schema.clone(),
        policy: Policy { encoding_version: ENCODING_VERSION, options: plan.policy.clone() },
        sample,
        stats: Stats::default(),
        verdict,
    })
}

fn sample_report(summary: &Summary, sample: &crate::compare::sample::Sample) -> SampleReport {
    use crate::compare::sample::Rate;
    let (source, target) = (summary.source_rows, summary.target_rows);
    let categories = [
        ("missing_in_target", summary.missing_in_target, source),
        ("extra_in_target", summary.extra_in_target, target),
        ("mismatched", summary.mismatched, source),
        ("duplicate_keys_source", summary.duplicate_keys_source, source),
        ("duplicate_keys_target", summary.duplicate_keys_target, target),
        ("null_keys_source", summary.null_keys_source, source),
        ("null_keys_target", summary.null_keys_target, target),
    ];
    let rates = categories
        .into_iter()
        .map(|(name, count, sampled)| (name.to_string(), json!(Rate::new(count, sampled, sample.confidence))))
        .collect();
    SampleReport {
        requested_rate: sample.rate,
        rows_sampled_source: source,
        rows_sampled_target: target,
        seed: sample.seed,
        confidence: sample.confidence,
        pushed_down: sample.pushed_down.contains(&true),
        pushed_down_note: sample.note.clone(),
        rates,
    }
}

fn examples(plan: &AuditPlan, findings: &Findings) -> Result<Examples> {
    let n = plan.max_examples;
    let key_names: Vec<String> = plan.key.iter().map(|k| k.name.clone()).collect();
    let keys = |side: usize, ordinal: Ordinal| -> Result<Value> {
        let fetched = &findings.fetched[side];
        let row = fetched.row(ordinal).ok_or_else(|| Error::input("report", "an example row was not read back"))?;
        Ok(Value::Object(key_json(&key_names, &fetched.rows.keys, row)))
    };
    let with_key = |side: usize, ordinal: Ordinal| -> Result<Value> { Ok(json!({ "key": keys(side, ordinal)? })) };

    let mut examples = Examples::default();
    for k in findings.missing.iter().take(n) {
        examples.missing_in_target.push(with_key(0, k.ordinal)?);
    }
    for k in findings.extra.iter().take(n) {
        examples.extra_in_target.push(with_key(1, k.ordinal)?);
    }
    for m in findings.mismatched.iter().take(n) {
        let [source, target] = &findings.fetched;
        let (s, t) = (source.row(m.source_ordinal), target.row(m.target_ordinal));
        let (Some(s), Some(t)) = (s, t) else {
            return Err(Error::input("report", "a mismatched row was not read back"));
        };
        let mut columns = Map::new();
        for &c in &m.columns {
            let values = json!({
                "source": value_text(&source.rows.values[c], s)?,
                "target": value_text(&target.rows.values[c], t)?,
            });
            columns.insert(plan.columns[c].name.clone(), values);
        }
        examples.mismatched.push(json!({ "key": keys(0, m.source_ordinal)?, "columns": columns }));
    }
    let duplicate = |d: &crate::compare::Duplicate| -> Result<Value> {
        let key = match d.shown_row() {
            Some((side, ordinal)) => keys(side, ordinal)?,
            None => Value::Null,
        };
        Ok(json!({ "key": key, "source_count": d.source_count, "target_count": d.target_count }))
    };
    for d in findings.duplicates.iter().filter(|d| d.source_count > 1).take(n) {
        examples.duplicate_keys_source.push(duplicate(d)?);
    }
    for d in findings.duplicates.iter().filter(|d| d.target_count > 1).take(n) {
        examples.duplicate_keys_target.push(duplicate(d)?);
    }
    for o in findings.null_keys[0].iter().take(n) {
        examples.null_keys_source.push(with_key(0, *o)?);
    }
    for o in findings.null_keys[1].iter().take(n) {
        examples.null_keys_target.push(with_key(1, *o)?);
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

impl Report {
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::input("report", e.to_string()))
    }

    /// Writes the JSON report to `path` whole: into a temporary file beside it, then renamed into place.
    pub fn write_json(&self, path: &Path) -> Result<()> {
        let json = self.to_json()?;
        write_atomically(path, |file| file.write_all(json.as_bytes()).and_then(|_| file.write_all(b"\n")))
    }
}

/// Writes a file through a temporary sibling renamed into place, so readers see all of it or none of it.
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    write(temp.as_file_mut()).and_then(|_| temp.as_file().sync_all()).map_err(|e| Error::io(path, e))?;
    temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}
