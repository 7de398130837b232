//! The terminal rendering of a [`Report`]: counts against budgets, per-column mismatch counts with their
//! causes, suggested options, examples with the cause of each difference, schema differences and the
//! verdict. Built from the same `Report` as the JSON, so the two never disagree.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, Table};
use serde_json::Value;

use super::audit::AuditReport;
use super::{ColumnValues, Report};
use crate::compare::causes::shift_text;
use crate::compare::suggest::Suggestion;
use crate::compare::Cause;
use crate::spec::{Category, KeySource};

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let side = |label: &str, s: &super::SideReport| {
        format!("{label}: {} ({}, {} rows, fingerprint {})\n", s.location, s.kind, s.rows, s.fingerprint)
    };
    out += &side("source", &report.source);
    out += &side("target", &report.target);
    out += &match report.key_source {
        _ if report.keyless => "key: none, whole rows compared as multisets\n\n".to_string(),
        KeySource::Option | KeySource::Config => format!("key: {}\n\n", report.key.join(", ")),
        found => format!("key: {} ({})\n\n", report.key.join(", "), key_source(found)),
    };

    let s = &report.summary;
    let mut summary = table(&["category", "count", "allowed"]);
    let allowed = |check: &str| {
        report
            .verdict
            .violations
            .iter()
            .find(|v| v.check == check)
            .map_or(String::new(), |v| format!("{} ✗", v.allowed))
    };
    summary.add_row(vec![Cell::new("matched"), Cell::new(s.matched), Cell::new("")]);
    for (category, count) in s.counts.iter() {
        summary.add_row(vec![Cell::new(category.name()), Cell::new(count), Cell::new(allowed(category.name()))]);
    }
    out += &format!("{summary}\n");

    let differing: Vec<(&String, &Value)> =
        report.column_mismatches.iter().flatten().filter(|(_, n)| n.as_u64() != Some(0)).collect();
    if !differing.is_empty() {
        let mut columns = table(&["column", "mismatched keys", "causes"]);
        for (name, n) in differing {
            columns.add_row(vec![Cell::new(name), Cell::new(n), Cell::new(causes(report, name))]);
        }
        out += &format!("\n{columns}\n");
    }
    out += &suggestions(report);

    let examples = examples_table(report);
    if examples.row_count() > 0 {
        out += &format!("\nexamples\n{examples}\n");
    }

    let schema = &report.schema;
    if !schema.only_in_source.is_empty() {
        out += &format!("\ncolumns only in source: {}\n", schema.only_in_source.join(", "));
    }
    if !schema.only_in_target.is_empty() {
        out += &format!("\ncolumns only in target: {}\n", schema.only_in_target.join(", "));
    }
    for t in &schema.type_differences {
        let lossy = if t.lossy { " (lossy: compared at the coarser precision)" } else { "" };
        out += &format!("type of {}: {} in source, {} in target{lossy}\n", t.column, t.source_type, t.target_type);
    }

    if let Some(drift) = &report.drift {
        out += &super::drift::summary_line(drift);
    }
    out += &verdict_line(&report.verdict);
    out
}

/// Where a discovered key came from, in words.
pub(crate) fn key_source(source: KeySource) -> &'static str {
    match source {
        KeySource::SourcePrimaryKey => "the source's primary key",
        KeySource::TargetPrimaryKey => "the target's primary key",
        KeySource::UniqueIndex => "a unique index over NOT NULL columns",
        KeySource::Option | KeySource::Config | KeySource::Keyless => "as given",
    }
}

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(header.to_vec());
    table
}

/// A column's causes as `whitespace 12, other 3` (time shifts with their offsets: `time_shift 5 (-05:00 3,
/// -04:00 2)`).
pub(crate) fn causes(report: &Report, column: &str) -> String {
    let Some(counts) = report.mismatch_causes.as_ref().and_then(|c| c.get(column)) else { return String::new() };
    let shifts = report.time_shifts.get(column).unwrap_or_default();
    let shown: Vec<String> = counts
        .iter()
        .map(|(cause, n)| match cause {
            Cause::TimeShift if !shifts.is_empty() => {
                let each: Vec<String> =
                    shifts.iter().take(4).map(|(s, n)| format!("{} {n}", shift_text(s.0))).collect();
                let more = if shifts.len() > 4 { ", …" } else { "" };
                format!("{} {n} ({}{more})", cause.name(), each.join(", "))
            }
            _ => format!("{} {n}", cause.name()),
        })
        .collect();
    shown.join(", ")
}

/// The suggestions as options to paste, each with what it was proved to resolve.
fn suggestions(report: &Report) -> String {
    let Some(suggestions) = report.suggestions.as_ref().filter(|s| !s.is_empty()) else { return String::new() };
    let mut out =
        "\nsuggestions (each tried on the mismatched rows; add it to the command to reconcile them):\n".to_string();
    for s in suggestions {
        out += &format!("  {}    {}\n", s.option, effect(s));
        if let Some(alternatives) = alternatives(s) {
            out += &format!("      as well: {alternatives}\n");
        }
        if let Some(note) = &s.note {
            out += &format!("      {note}\n");
        }
    }
    out
}

/// What a suggestion was proved to do, in words.
pub(crate) fn effect(s: &Suggestion) -> String {
    let rows = |n: u64| super::documents::plural(n, "row", "rows");
    match s.checked {
        Some(checked) => format!("equal on {} of {checked} {} checked", s.resolves, rows(checked)),
        None => format!("resolves {} mismatched {} of {}", s.resolves, rows(s.resolves), s.column),
    }
}

/// The option's other values that resolve as many rows (the first eight, the rest counted).
pub(crate) fn alternatives(s: &Suggestion) -> Option<String> {
    if s.alternatives.is_empty() {
        return None;
    }
    let shown: Vec<&str> = s.alternatives.iter().take(8).map(String::as_str).collect();
    let more = s.alternatives.len() - shown.len();
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    Some(format!("{}{more}", shown.join(", ")))
}

/// Why one example's column differs: `whitespace`, `time_shift -05:00`; empty when no cause was found.
pub(crate) fn example_cause(c: &ColumnValues) -> String {
    match (c.cause, c.shift) {
        (Some(cause), Some(shift)) => format!("{} {}", cause.name(), shift_text(shift.0)),
        (Some(cause), None) => cause.name().to_string(),
        _ => String::new(),
    }
}

fn examples_table(report: &Report) -> Table {
    let mut table = table(&["category", "key", "column", "source", "target", "cause"]);
    for example in report.examples.get(Category::Mismatched).into_iter().flatten() {
        let key = text(&example.key);
        for c in &example.columns {
            let row = [Category::Mismatched.name().to_string(), key.clone(), c.column.clone()];
            let values = [text(&c.values.source), text(&c.values.target), example_cause(c)];
            table.add_row(row.into_iter().chain(values).collect::<Vec<_>>());
        }
    }
    for (category, examples) in report.examples.iter().filter(|(c, _)| *c != Category::Mismatched) {
        for example in examples {
            let counts = match (example.source_count, example.target_count) {
                (Some(s), Some(t)) => (rows(s), rows(t)),
                _ => (String::new(), String::new()),
            };
            let row = [category.name().to_string(), text(&example.key), String::new(), counts.0, counts.1];
            table.add_row(row.into_iter().chain([String::new()]).collect::<Vec<_>>());
        }
    }
    table
}

/// A JSON value as a person reads it: objects as `a=1, b=x`, strings unquoted, NULL as `NULL`.
pub(crate) fn text(value: &Value) -> String {
    match value {
        Value::Null => "NULL".into(),
        // Quoted when blanks would hide the difference: "" against NULL, "Ann " against "Ann".
        Value::String(s) if s.is_empty() || s.trim() != s => format!("{s:?}"),
        Value::String(s) => s.clone(),
        Value::Object(map) => map.iter().map(|(k, v)| format!("{k}={}", text(v))).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

pub(crate) fn rows(count: u64) -> String {
    match count {
        1 => "1 row".into(),
        _ => format!("{count} rows"),
    }
}

/// The terminal rendering of an audit: every table with its status and counts, the tables that could not be
/// compared and why, the schema checks, and the verdict.
pub fn render_audit(audit: &AuditReport) -> String {
    let mut out = String::new();
    for (label, side) in [("source", &audit.source), ("target", &audit.target)] {
        out += &format!("{label}: {} ({})\n", side.location, side.kind);
    }
    // Tables run over time count their unstable keys apart from the categories: then a column shows them.
    let over_time = audit.summary.drift.is_some();
    let mut header = vec![
        "table",
        "status",
        "source rows",
        "target rows",
        "matched",
        "missing",
        "extra",
        "mismatched",
        "duplicates",
    ];
    header.extend(over_time.then_some("unstable"));
    header.push("key");
    let mut tables = table(&header);
    for entry in &audit.tables {
        let mut row = vec![entry.name.clone(), entry.status.name().to_string()];
        match &entry.report {
            Some(report) => {
                let s = &report.summary;
                let count = |c: Category| s.counts.get(c).map_or(String::new(), u64::to_string);
                let duplicates =
                    match (s.counts.get(Category::DuplicateKeysSource), s.counts.get(Category::DuplicateKeysTarget)) {
                        (Some(a), Some(b)) => (a + b).to_string(),
                        _ => String::new(),
                    };
                let key = if report.keyless { "keyless".to_string() } else { report.key.join(", ") };
                row.extend([s.source_rows.to_string(), s.target_rows.to_string(), s.matched.to_string()]);
                row.extend([
                    count(Category::MissingInTarget),
                    count(Category::ExtraInTarget),
                    count(Category::Mismatched),
                ]);
                row.push(duplicates);
                if over_time {
                    row.push(report.drift.as_ref().map_or(String::new(), |d| d.findings.unstable.to_string()));
                }
                row.push(key);
            }
            None => row.extend(std::iter::repeat_n(String::new(), header.len() - 2)),
        }
        tables.add_row(row);
    }
    out += &format!("\n{tables}\n");
    for entry in audit.tables.iter().filter(|e| e.error.is_some()) {
        out += &format!("\nerror in {}: {}\n", entry.name, entry.error.as_deref().unwrap_or_default());
    }
    if !audit.schema_checks.is_empty() {
        let mut checks = table(&["table", "check", "detail"]);
        for c in &audit.schema_checks {
            let check = if c.accepted { format!("{} (accepted)", c.check) } else { c.check.clone() };
            checks.add_row(vec![c.table.clone(), check, c.detail.clone()]);
        }
        out += &format!("\nschema checks\n{checks}\n");
    }
    let s = &audit.summary;
    out += &format!(
        "\n{} tables: {} passed, {} failed, {} could not be compared, {} skipped, {} missing in target, {} extra in target\n",
        s.tables, s.passed, s.failed, s.errors, s.skipped, s.missing_tables, s.extra_tables
    );
    if let Some(d) = &s.drift {
        let mut parts = vec![format!("{} {} run over time", d.tables, if d.tables == 1 { "table" } else { "tables" })];
        parts.extend(d.findings.against_history());
        parts.push(d.findings.in_flight());
        out += &format!("over time: {}\n", parts.join("; "));
    }
    out += &verdict_line(&audit.verdict);
    out
}

fn verdict_line(verdict: &super::verdict::Verdict) -> String {
    if verdict.pass {
        return "\nRECONCILED: every category is within its budget\n".to_string();
    }
    let broken: Vec<String> = verdict
        .violations
        .iter()
        .map(|v| match &v.table {
            Some(table) => format!("{table}: {} {} > {}", v.check, v.actual, v.allowed),
            None => format!("{} {} > {}", v.check, v.actual, v.allowed),
        })
        .collect();
    let errors = if verdict.exit_code == 2 { "tables could not be compared" } else { "" };
    let joined = [errors.to_string(), broken.join("; ")].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>();
    format!("\nNOT RECONCILED: {}\n", joined.join("; "))
}
