//! Builds one table's [`Report`] from what the engine found under its plan: counts, the first examples of each
//! category read back as the report shows them, the explanations, and the verdict against the table's budgets.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use serde_json::{json, Map, Value};

use super::drift::DriftReport;
use super::model::{
    ColumnRule, ColumnValues, Example, PerColumn, Policy, Report, ReportKind, SampleReport, Shift, SideReport,
    SideStats, StageSeconds, Stats, Summary, Tool, REPORT_VERSION,
};
use super::verdict::{judge, Tally, Verdict};
use crate::compare::{Duplicate, Findings};
use crate::digest::encode::ENCODING_VERSION;
use crate::error::{Error, Result};
use crate::explain::Explanations;
use crate::finding::{Category, Cause, Check, PerCategory};
use crate::plan::Plan;
use crate::side::{Side, Sides};
use crate::source::Ordinal;
use crate::spec::Budgets;

pub fn build(plan: &Plan, findings: &Findings, explained: &Explanations) -> Result<Report> {
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
    let verdict = verdict(&summary, sample.as_ref(), None, &plan.budgets);
    let side = |side: Side| {
        let (dataset, fingerprint) = (&plan.datasets[side], findings.fingerprints[side]);
        let read = dataset.read_connections();
        SideReport {
            location: dataset.location.clone(),
            kind: dataset.format.kind().to_string(),
            rows: fingerprint.rows,
            fingerprint: fingerprint.hex(),
            table_version: dataset.table_version,
            connections: read.as_ref().map(|r| r.connections),
            snapshot: dataset.snapshot.or(read.as_ref().and_then(|r| r.snapshot)).map(str::to_string),
            connections_note: read.and_then(|r| r.note),
        }
    };
    let names = |pairs: &[crate::plan::ColumnPair]| pairs.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let (key, compared_columns) =
        if plan.keyless { (Vec::new(), names(&plan.key)) } else { (names(&plan.key), names(&plan.columns)) };
    Ok(Report {
        report_version: REPORT_VERSION,
        kind: ReportKind::Diff,
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
        pushdown: None,
        engine: None,
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
            let name = &plan.columns[c].name;
            example.columns.push(ColumnValues {
                column: name.clone(),
                path: nested_path(
                    name,
                    &plan.columns[c].resolution.canon,
                    Sides::new((&fetched.source.rows.values[c], s), (&fetched.target.rows.values[c], t)),
                )?,
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

/// Where two nested values of a column differ (`tags[3]`), from their canonical encodings; `None` for flat
/// columns and for nested values that differ as a whole (a NULL against a list).
fn nested_path(
    column: &str,
    canon: &crate::normalize::Canon,
    rows: Sides<(&ArrayRef, usize)>,
) -> Result<Option<String>> {
    use crate::normalize::Canon;
    if !matches!(canon.base(), Canon::List(_) | Canon::Struct(_) | Canon::Map(..)) {
        return Ok(None);
    }
    let encoded = |(array, row): (&ArrayRef, usize)| {
        crate::digest::encode::encodings(array.slice(row, 1).as_ref()).map_err(|e| Error::arrow("report", e))
    };
    let (a, b) = (encoded(rows.source)?, encoded(rows.target)?);
    let (Some(a), Some(b)) = (a.first(), b.first()) else { return Ok(None) };
    let leaf = crate::explain::nested::first_difference(column, canon, a, b);
    Ok((leaf.path != column).then_some(leaf.path))
}

/// A canonical value as text, exactly as compared; NULL as JSON null.
pub fn value_text(array: &ArrayRef, row: usize) -> Result<Value> {
    if array.is_null(row) {
        return Ok(Value::Null);
    }
    // NULLs inside a nested value are written NULL, as the whole value's are shown: `[NULL, 5]`.
    let options = FormatOptions::default().with_null("NULL");
    let formatter = ArrayFormatter::try_new(array.as_ref(), &options).map_err(|e| Error::arrow("report", e))?;
    Ok(Value::String(formatter.value(row).to_string()))
}

/// One table's verdict: each category of `summary` against its budget (a share budget is of the source rows, or
/// when sampling of the category's side's sampled rows, checked against the upper bound of its rate); with runs
/// over time (its `drift` section), the unstable keys and the findings new to history (beyond the baseline,
/// when one was accepted) against theirs.
pub fn verdict(
    summary: &Summary,
    sample: Option<&SampleReport>,
    drift: Option<&DriftReport>,
    budgets: &Budgets,
) -> Verdict {
    let whole = summary.source_rows;
    let mut tallies: Vec<Tally> = summary
        .counts
        .iter()
        .map(|(category, &actual)| Tally {
            check: Check::from(category),
            actual,
            budget: budgets.of(category),
            whole,
            sampled: sample
                .and_then(|s| s.rates.get(category))
                .map(|rate| (rate.upper_bound, summary.rows(category.side()))),
        })
        .collect();
    if let Some(drift) = drift {
        let unstable = drift.findings.unstable;
        tallies.push(Tally {
            check: Check::Unstable,
            actual: unstable,
            budget: budgets.unstable,
            whole,
            sampled: None,
        });
        if let (Some(budget), Some(new)) = (budgets.new, drift.findings.new) {
            let actual = drift.baseline.as_ref().map_or(new, |b| b.beyond);
            tallies.push(Tally { check: Check::New, actual, budget, whole, sampled: None });
        }
    }
    Verdict::of(judge(tallies), 0)
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
            retries: 0,
            bytes_received: None,
            strategy: None,
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
