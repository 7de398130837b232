//! The reports for people and CI (`--html`, `--junit`, `--markdown`; CONTRACT.md "Reports for people and CI"):
//! one view of a run that every writer takes — an audit, or a diff seen as a one-table audit — where each
//! document goes, and what the writers share (a table's counts, its violations, the verdict in words).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::audit::{AuditBudgets, AuditReport, AuditStats, Collection, TableEntry, TableStatus};
use super::verdict::Violation;
use super::{html, junit, markdown, Report};
use crate::error::Result;
use crate::spec::{Budget, Category};

/// A pull-request comment's limit (GitHub refuses longer ones): the Markdown summary stays under it.
pub const MARKDOWN_LIMIT: usize = 64 * 1024;

/// What the writers need beyond the report itself.
#[derive(Debug, Clone)]
pub struct Rendering {
    /// When the run began; the documents say it in UTC.
    pub started: DateTime<Utc>,
    /// The Markdown summary's size stays below this many bytes (default [`MARKDOWN_LIMIT`]).
    pub markdown_limit: usize,
    /// The JSON report's digest and signer, when `--output` writes one (the HTML shows them).
    pub integrity: Option<super::integrity::Shown>,
}

impl Rendering {
    pub fn new(started: DateTime<Utc>) -> Rendering {
        Rendering { started, markdown_limit: MARKDOWN_LIMIT, integrity: None }
    }
}

/// Where each document goes; `None` writes none.
#[derive(Debug, Clone, Default)]
pub struct Documents {
    pub html: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
}

/// Writes every document asked for, each whole or not at all, whatever became of the others: where each went,
/// and whether it was written (an error names its path).
pub fn write(audit: &AuditReport, documents: &Documents, rendering: &Rendering) -> Vec<(PathBuf, Result<()>)> {
    documents.asked().map(|(_, path, write)| (path.clone(), write(path, audit, rendering))).collect()
}

/// A document's writer.
type Writer = fn(&Path, &AuditReport, &Rendering) -> Result<()>;

impl Documents {
    /// Each document asked for, with the option that asks for it: what is checked before a run.
    pub fn paths(&self) -> impl Iterator<Item = (&'static str, &PathBuf)> {
        self.asked().map(|(flag, path, _)| (flag, path))
    }

    /// Each document asked for: its option, where it goes, and its writer.
    fn asked(&self) -> impl Iterator<Item = (&'static str, &PathBuf, Writer)> {
        let writers: [(&'static str, &Option<PathBuf>, Writer); 3] = [
            ("--html", &self.html, html::write),
            ("--junit", &self.junit, junit::write),
            ("--markdown", &self.markdown, markdown::write),
        ];
        writers.into_iter().filter_map(|(flag, path, write)| path.as_ref().map(|path| (flag, path, write)))
    }
}

/// A diff report seen as an audit of one table, so one writer serves both commands. Its `kind` stays `diff`;
/// its verdict is the diff's (violations named by the table).
pub fn single(report: &Report) -> AuditReport {
    let name = diff_name(report);
    let entry = TableEntry::compared(&name, &report.source.location, &report.target.location, report);
    let collection = |side: &super::SideReport| Collection { location: side.location.clone(), kind: side.kind.clone() };
    // A diff has no tables on one side only and no schema checks: nothing for these budgets to bound.
    let none = AuditBudgets {
        missing_tables: Budget::Count(0),
        extra_tables: Budget::Count(0),
        schema_checks: Budget::Count(0),
    };
    let stats = AuditStats {
        seconds: report.stats.seconds.total,
        jobs: 1,
        resumed: 0,
        peak_memory_bytes: report.stats.peak_memory_bytes,
    };
    let sides = [collection(&report.source), collection(&report.target)];
    let mut audit = AuditReport::new(sides, vec![entry], Vec::new(), &none, stats);
    audit.kind = report.kind.clone();
    audit
}

/// What a diff's one "table" is called: its two locations (already masked).
fn diff_name(report: &Report) -> String {
    format!("{} → {}", report.source.location, report.target.location)
}

/// Whether the view is a diff's (one table, its sides and fingerprints shown once, in the header).
pub(crate) fn is_diff(audit: &AuditReport) -> bool {
    audit.kind == "diff"
}

/// Whether the reports' example values are hashes (`--redact`).
pub(crate) fn redacted(audit: &AuditReport) -> bool {
    audit.tables.iter().filter_map(|t| t.report.as_ref()).any(|r| r.redacted)
}

/// The checks a table broke: its report's violations, or for a table on one side only the audit's budget on
/// such tables when it is exceeded.
pub(crate) fn violations<'a>(entry: &'a TableEntry, audit: &'a AuditReport) -> Vec<&'a Violation> {
    let audit_check = match entry.status {
        TableStatus::MissingInTarget => "missing_tables",
        TableStatus::ExtraInTarget => "extra_tables",
        _ => {
            let profiled = entry.profile.iter().map(|p| &p.verdict);
            return entry.report.iter().map(|r| &r.verdict).chain(profiled).flat_map(|v| &v.violations).collect();
        }
    };
    audit.verdict.violations.iter().filter(|v| v.table.is_none() && v.check == audit_check).collect()
}

/// The audit's own violation of `check` (`schema_checks`, `missing_tables`, `extra_tables`), if any.
pub(crate) fn audit_violation<'a>(audit: &'a AuditReport, check: &str) -> Option<&'a Violation> {
    audit.verdict.violations.iter().find(|v| v.table.is_none() && v.check == check)
}

/// `mismatched 3 > 0 allowed`.
pub(crate) fn violation_text(v: &Violation) -> String {
    let bound = v.upper_bound.map_or(String::new(), |b| format!(" (upper bound of the rate {:.4}%)", b * 100.0));
    format!("{} {} > {} allowed{bound}", v.check, thousands(v.actual), thousands(v.allowed))
}

/// How a table ended, as a reader's word: `pass`, `fail`, `error`, `skipped`, `missing in target`, ….
pub(crate) fn status_text(status: TableStatus) -> String {
    status.name().replace('_', " ")
}

/// A style for the status: `ok`, `bad` (over budget), `warn` (not compared) or `muted`.
pub(crate) fn status_tone(entry: &TableEntry, audit: &AuditReport) -> &'static str {
    match entry.status {
        TableStatus::Pass => "ok",
        TableStatus::Fail => "bad",
        TableStatus::Error => "warn",
        TableStatus::Skipped => "muted",
        TableStatus::MissingInTarget | TableStatus::ExtraInTarget if violations(entry, audit).is_empty() => "muted",
        TableStatus::MissingInTarget | TableStatus::ExtraInTarget => "bad",
    }
}

/// Tables that need attention first (errors, then failures and tables on one side over their budget), then
/// the rest, each group by name.
pub(crate) fn failing_first(audit: &AuditReport) -> Vec<&TableEntry> {
    let rank = |t: &TableEntry| match t.status {
        TableStatus::Error => 0,
        _ if !violations(t, audit).is_empty() => 1,
        _ => 2,
    };
    let mut tables: Vec<&TableEntry> = audit.tables.iter().collect();
    tables.sort_by_key(|t| rank(t));
    tables
}

/// The verdict in two words, then why.
pub(crate) fn verdict_words(audit: &AuditReport) -> (&'static str, String) {
    let verdict = &audit.verdict;
    if verdict.pass {
        let why =
            if is_diff(audit) { "every category is within its budget" } else { "every table is within its budgets" };
        return ("RECONCILED", why.to_string());
    }
    let mut why = Vec::new();
    let errors = audit.summary.errors;
    if errors > 0 {
        why.push(format!("{errors} {} could not be compared", plural(errors, "table", "tables")));
    }
    let over = verdict.violations.len() as u64;
    if over > 0 {
        why.push(format!("{over} {} over budget", plural(over, "check", "checks")));
    }
    ("NOT RECONCILED", why.join("; "))
}

pub(crate) fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// One table's counts for the tables overview; `None` where the table was not compared or the category does
/// not apply (keyless tables have no mismatches, duplicate or NULL keys).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct Counts {
    pub source_rows: Option<u64>,
    pub target_rows: Option<u64>,
    pub matched: Option<u64>,
    pub missing: Option<u64>,
    pub extra: Option<u64>,
    pub mismatched: Option<u64>,
    pub duplicate_keys: Option<u64>,
    pub null_keys: Option<u64>,
    pub seconds: Option<f64>,
}

impl Counts {
    pub fn of(entry: &TableEntry) -> Counts {
        let Some(report) = &entry.report else { return Counts::default() };
        let s = &report.summary;
        let count = |c: Category| s.counts.get(c).copied();
        let sum = |a: Category, b: Category| Some(count(a)? + count(b)?);
        Counts {
            source_rows: Some(s.source_rows),
            target_rows: Some(s.target_rows),
            matched: Some(s.matched),
            missing: count(Category::MissingInTarget),
            extra: count(Category::ExtraInTarget),
            mismatched: count(Category::Mismatched),
            duplicate_keys: sum(Category::DuplicateKeysSource, Category::DuplicateKeysTarget),
            null_keys: sum(Category::NullKeysSource, Category::NullKeysTarget),
            seconds: Some(report.stats.seconds.total),
        }
    }

    /// The counts in overview order, as text (`–` where there is none).
    pub fn cells(&self) -> [String; 8] {
        let n = count_text;
        [
            n(self.source_rows),
            n(self.target_rows),
            n(self.matched),
            n(self.missing),
            n(self.extra),
            n(self.mismatched),
            n(self.duplicate_keys),
            n(self.null_keys),
        ]
    }
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
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The overview's column heads, in [`Counts::cells`] order.
pub(crate) const COUNT_HEADS: [&str; 8] =
    ["source rows", "target rows", "matched", "missing", "extra", "mismatched", "duplicate keys", "NULL keys"];

/// A column that differs, with the table and report it belongs to.
pub(crate) struct DifferingColumn<'a> {
    pub table: &'a str,
    pub report: &'a Report,
    pub column: &'a str,
    pub mismatched: u64,
}

/// Every table's differing columns, most differences first (ties by table, then column order).
pub(crate) fn differing_columns(audit: &AuditReport) -> Vec<DifferingColumn<'_>> {
    let mut columns: Vec<DifferingColumn> = audit
        .tables
        .iter()
        .filter_map(|t| t.report.as_ref().map(|r| (t.name.as_str(), r)))
        .flat_map(|(table, report)| {
            report.column_mismatches.iter().flatten().filter_map(move |(column, n)| match n.as_u64() {
                Some(mismatched) if mismatched > 0 => {
                    Some(DifferingColumn { table, report, column: column.as_str(), mismatched })
                }
                _ => None,
            })
        })
        .collect();
    columns.sort_by_key(|c| std::cmp::Reverse(c.mismatched));
    columns
}

/// A key or value as a person reads it (see `table::text`).
pub(crate) fn text(value: &Value) -> String {
    super::table::text(value)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::audit::SchemaCheck;

    /// The orders fixture's report, as `fixtures/orders/expected.json` holds it (stats left out there).
    pub(crate) fn orders_report() -> Report {
        let mut json: Value = serde_json::from_str(include_str!("../../fixtures/orders/expected.json")).unwrap();
        json["stats"] = serde_json::to_value(super::super::Stats::default()).unwrap();
        serde_json::from_value(json).unwrap()
    }

    /// An audit with a table of every status: `orders` over budget, `events` in error, `audit_log` skipped,
    /// `legacy_flags` on the source only (over the budget of 0), `new_table` on the target only (within 1),
    /// and one schema check over its budget of 0.
    pub(crate) fn mixed_audit() -> AuditReport {
        let collection = |location: &str| Collection { location: location.into(), kind: "postgres".into() };
        let tables = vec![
            TableEntry::compared("orders", "public.orders", "orders_v2", &orders_report()),
            TableEntry::uncompared("events", TableStatus::Error, Some("events: relation does not exist".into())),
            TableEntry::uncompared("audit_log", TableStatus::Skipped, None),
            TableEntry::uncompared("legacy_flags", TableStatus::MissingInTarget, None),
            TableEntry::uncompared("new_table", TableStatus::ExtraInTarget, None),
        ];
        let checks = vec![SchemaCheck {
            table: "orders".into(),
            check: "sequence_behind".into(),
            column: Some("order_id".into()),
            detail: "orders_id_seq 990 < max(order_id) 1000".into(),
            accepted: false,
        }];
        let budgets = AuditBudgets {
            missing_tables: Budget::Count(0),
            extra_tables: Budget::Count(1),
            schema_checks: Budget::Count(0),
        };
        let sides = [collection("postgres://app:***@db/shop#public"), collection("mysql://app:***@new/shop")];
        AuditReport::new(sides, tables, checks, &budgets, AuditStats { seconds: 2.5, ..AuditStats::default() })
    }

    #[test]
    fn a_diff_is_a_one_table_audit_with_its_own_verdict() {
        let report = orders_report();
        let audit = single(&report);
        assert!(is_diff(&audit));
        assert_eq!(audit.tables.len(), 1);
        assert_eq!(audit.tables[0].status, TableStatus::Fail);
        assert_eq!((audit.verdict.pass, audit.verdict.exit_code), (false, 1));
        let checks = |v: &[Violation]| v.iter().map(|v| (v.check.clone(), v.actual, v.allowed)).collect::<Vec<_>>();
        assert_eq!(checks(&audit.verdict.violations), checks(&report.verdict.violations));
        assert_eq!(audit.summary.matched, report.summary.matched);
    }

    #[test]
    fn tables_needing_attention_come_first() {
        let audit = mixed_audit();
        let order: Vec<&str> = failing_first(&audit).iter().map(|t| t.name.as_str()).collect();
        assert_eq!(order, ["events", "legacy_flags", "orders", "audit_log", "new_table"]);
        assert_eq!(verdict_words(&audit).1, "1 table could not be compared; 8 checks over budget");
    }
}
