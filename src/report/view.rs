//! One view of a run that every document takes — an audit, or a diff seen as a one-table audit — and what the
//! writers ask of it: which tables need attention first, the checks a table broke, its counts, the verdict in
//! words, the columns that differ most.

use chrono::{DateTime, Utc};

use super::audit::{AuditBudgets, AuditReport, AuditStats, Collection, TableEntry};
use super::model::{Report, ReportKind, SideReport};
use super::verdict::Violation;
use super::words::{count_text, plural};
use crate::finding::{Category, Check, TableStatus};
use crate::spec::Budget;

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

/// A diff report seen as an audit of one table, so one writer serves both commands. Its `kind` stays `diff`;
/// its verdict is the diff's (violations named by the table).
pub fn single(report: &Report) -> AuditReport {
    let name = diff_name(report);
    let entry = TableEntry::compared(&name, &report.source.location, &report.target.location, report);
    let collection = |side: &SideReport| Collection { location: side.location.clone(), kind: side.kind.clone() };
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
    audit.kind = report.kind;
    audit
}

/// What a diff's one "table" is called: its two locations (already masked).
fn diff_name(report: &Report) -> String {
    format!("{} → {}", report.source.location, report.target.location)
}

/// Whether the view is a diff's (one table, its sides and fingerprints shown once, in the header).
pub(crate) fn is_diff(audit: &AuditReport) -> bool {
    audit.kind == ReportKind::Diff
}

/// Whether the reports' example values are hashes (`--redact`).
pub(crate) fn redacted(audit: &AuditReport) -> bool {
    audit.tables.iter().filter_map(|t| t.report.as_ref()).any(|r| r.redacted)
}

/// The checks a table broke: its report's violations, or for a table on one side only the audit's budget on
/// such tables when it is exceeded.
pub(crate) fn violations<'a>(entry: &'a TableEntry, audit: &'a AuditReport) -> Vec<&'a Violation> {
    let audit_check = match entry.status {
        TableStatus::MissingInTarget => Check::MissingTables,
        TableStatus::ExtraInTarget => Check::ExtraTables,
        _ => {
            let profiled = entry.profile.iter().map(|p| &p.verdict);
            return entry.report.iter().map(|r| &r.verdict).chain(profiled).flat_map(|v| &v.violations).collect();
        }
    };
    audit.verdict.violations.iter().filter(|v| v.table.is_none() && v.check == audit_check).collect()
}

/// The audit's own violation of `check` (`schema_checks`, `missing_tables`, `extra_tables`), if any.
pub(crate) fn audit_violation(audit: &AuditReport, check: Check) -> Option<&Violation> {
    audit.verdict.violations.iter().find(|v| v.table.is_none() && v.check == check)
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::audit::SchemaCheck;
    use serde_json::Value;

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
            check: crate::finding::SchemaCheckKind::SequenceBehind,
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
        let checks = |v: &[Violation]| v.iter().map(|v| (v.check, v.actual, v.allowed)).collect::<Vec<_>>();
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
