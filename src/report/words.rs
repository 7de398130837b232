//! The wording every writer shares — counts as people read them, a status or a violation in words, a value,
//! a cause, what a suggestion does, the counts over time — below every writer, so that the terminal table, HTML,
//! JUnit and Markdown say each thing alike and none imports another.

use serde_json::Value;

use super::drift::DriftReport;
use super::model::{ColumnValues, Report};
use super::verdict::Violation;
use crate::explain::causes::shift_text;
use crate::explain::Suggestion;
use crate::finding::{Cause, KeySource, StatusCounts, TableStatus};

/// `mismatched 3 > 0 allowed`.
pub(crate) fn violation_text(v: &Violation) -> String {
    let bound = v.upper_bound.map_or(String::new(), |b| format!(" (upper bound of the rate {:.4}%)", b * 100.0));
    format!("{} {} > {} allowed{bound}", v.check, thousands(v.actual), thousands(v.allowed))
}

/// How a table ended, as a reader's word: `pass`, `fail`, `error`, `skipped`, `missing in target`, ….
pub(crate) fn status_text(status: TableStatus) -> String {
    status.name().replace('_', " ")
}

pub(crate) fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// The counts over time in the documents' column order (new, persisting, resolved, transient, unstable), as
/// text (`–` where not counted).
pub(crate) fn status_cells(counts: &StatusCounts) -> [String; 5] {
    counts.by_status().map(|(_, count)| count_text(count))
}

/// A count as text, `–` where there is none (a category that does not apply, a table not compared).
pub(crate) fn count_text(count: Option<u64>) -> String {
    count.map_or("–".to_string(), thousands)
}

/// A count as people read it in a document: `336,776`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The overview's column heads, in [`Counts::cells`] order.
pub(crate) const COUNT_HEADS: [&str; 8] =
    ["source rows", "target rows", "matched", "missing", "extra", "mismatched", "duplicate keys", "NULL keys"];

/// Where a discovered key came from, in words.
pub(crate) fn key_source(source: KeySource) -> &'static str {
    match source {
        KeySource::SourcePrimaryKey => "the source's primary key",
        KeySource::TargetPrimaryKey => "the target's primary key",
        KeySource::UniqueIndex => "a unique index over NOT NULL columns",
        KeySource::Option | KeySource::Config | KeySource::Keyless => "as given",
    }
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

/// What a suggestion was proved to do, in words.
pub(crate) fn effect(s: &Suggestion) -> String {
    let rows = |n: u64| plural(n, "row", "rows");
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

/// Which column of an example differs, and where inside a nested value: `tags[3]`, else `tags`.
pub(crate) fn example_column(c: &ColumnValues) -> String {
    c.path.clone().unwrap_or_else(|| c.column.clone())
}

/// Why one example's column differs: `whitespace`, `time_shift -05:00`; empty when no cause was found.
pub(crate) fn example_cause(c: &ColumnValues) -> String {
    match (c.cause, c.shift) {
        (Some(cause), Some(shift)) => format!("{} {}", cause.name(), shift_text(shift.0)),
        (Some(cause), None) => cause.name().to_string(),
        _ => String::new(),
    }
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

/// `3 new, 12 persisting, 5 resolved`, when the counts come from history.
pub fn against_history(counts: &StatusCounts) -> Option<String> {
    let (new, persisting, resolved) = (counts.new?, counts.persisting?, counts.resolved?);
    Some(format!("{new} new, {persisting} persisting, {resolved} resolved"))
}

/// `40 transient, 2 unstable`.
pub fn in_flight(counts: &StatusCounts) -> String {
    format!("{} transient, {} unstable", counts.transient, counts.unstable)
}

/// What else a reader of the counts over time must know: findings the run did not cover, a changed spec.
pub fn notes(drift: &DriftReport) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(not_covered) = drift.not_covered {
        notes.push(format!("{not_covered} open findings outside this run's scope"));
    }
    if let Some(changed) = &drift.spec_changed {
        notes.push(format!("spec changed since the previous run ({changed})"));
    }
    notes
}
