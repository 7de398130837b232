//! The audit report (DESIGN.md, "Audits"): every table with its status and its own diff report, the tables
//! on one side only, the schema checks a sign-off needs, one summary adding up the compared tables, and one
//! verdict — exit 2 when a table could not be compared, else 1 when a budget is exceeded, else 0.

use serde::{Deserialize, Serialize};

use super::profile::ProfileReport;
use super::verdict::{judge, Tally, Verdict, Violation};
use super::{Report, ReportKind, Tool, REPORT_VERSION};
use crate::finding::{ByCategory, Category, Check, PerCategory, SchemaCheckKind, StatusCounts, TableStatus};
use crate::spec::Budget;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditReport {
    pub report_version: u32,
    /// `audit` (`diff` for a diff seen as a one-table audit by the writers).
    pub kind: ReportKind,
    pub tool: Tool,
    pub source: Collection,
    pub target: Collection,
    /// Every table, sorted by name.
    pub tables: Vec<TableEntry>,
    pub summary: AuditSummary,
    pub schema_checks: Vec<SchemaCheck>,
    pub verdict: Verdict,
    pub stats: AuditStats,
}

/// One side of an audit: a database schema or a directory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Collection {
    /// The location with any password masked.
    pub location: String,
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableEntry {
    /// The table's name as the source calls it (the target's when it is on the target only).
    pub name: String,
    pub status: TableStatus,
    /// Why the table could not be compared, passwords masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_table: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_table: Option<String>,
    /// The table's diff report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    /// With `--profile-only`, the table's profile report instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<ProfileReport>,
    /// `--retries`: how many times the table was read again after a lost connection, each time in a fresh
    /// snapshot — after the audit's shared snapshot, not in it.
    #[serde(default, skip_serializing_if = "super::model::is_zero")]
    pub retries: u32,
}

impl TableEntry {
    /// A compared table: its status follows its report's verdict.
    pub fn compared(name: &str, source_table: &str, target_table: &str, report: &Report) -> TableEntry {
        TableEntry {
            name: name.to_string(),
            status: if report.verdict.pass { TableStatus::Pass } else { TableStatus::Fail },
            error: None,
            source_table: Some(source_table.to_string()),
            target_table: Some(target_table.to_string()),
            report: Some(report.clone()),
            profile: None,
            retries: 0,
        }
    }

    /// A profiled table (`--profile-only`): its status follows its profile's verdict.
    pub fn profiled(name: &str, source_table: &str, target_table: &str, profile: ProfileReport) -> TableEntry {
        TableEntry {
            name: name.to_string(),
            status: if profile.verdict.pass { TableStatus::Pass } else { TableStatus::Fail },
            error: None,
            source_table: Some(source_table.to_string()),
            target_table: Some(target_table.to_string()),
            report: None,
            profile: Some(profile),
            retries: 0,
        }
    }

    /// A table that was not compared: skipped, on one side only, or failed with `error`.
    pub fn uncompared(name: &str, status: TableStatus, error: Option<String>) -> TableEntry {
        TableEntry {
            name: name.to_string(),
            status,
            error,
            source_table: None,
            target_table: None,
            report: None,
            profile: None,
            retries: 0,
        }
    }
}

/// A finding about the schema rather than the rows: what breaks after go-live though every row arrived.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SchemaCheck {
    pub table: String,
    pub check: SchemaCheckKind,
    /// The column it is about (a constraint's columns comma-separated), as the check names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub detail: String,
    /// Reviewed and accepted by the config file (`accept` in the table's `[[table]]` entry): shown, and not
    /// counted against `--max-schema-checks`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub accepted: bool,
}

/// The tables by status, and the compared tables' counts added up (keyless rows included in
/// `missing_in_target` and `extra_in_target`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditSummary {
    pub tables: u64,
    pub passed: u64,
    pub failed: u64,
    pub errors: u64,
    pub skipped: u64,
    pub missing_tables: u64,
    pub extra_tables: u64,
    pub source_rows: u64,
    pub target_rows: u64,
    pub matched: u64,
    #[serde(flatten)]
    pub counts: ByCategory<u64>,
    /// The tables run with a drift option, their findings over time summed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<DriftTotals>,
}

/// The tables of an audit run with a drift option, and their findings over time summed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftTotals {
    pub tables: u64,
    #[serde(flatten)]
    pub findings: StatusCounts,
}

/// What the audit cost, wall-clock.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuditStats {
    pub seconds: f64,
    /// Tables compared at once.
    pub jobs: usize,
    /// Tables reported from `--state` without being read again.
    pub resumed: u64,
    pub peak_memory_bytes: Option<u64>,
}

/// Budgets on what only an audit finds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AuditBudgets {
    pub missing_tables: Budget,
    pub extra_tables: Budget,
    pub schema_checks: Budget,
}

impl AuditReport {
    /// The report of `tables` (sorted here by name) and `schema_checks`, with its summary and verdict.
    pub fn new(
        sides: [Collection; 2],
        mut tables: Vec<TableEntry>,
        schema_checks: Vec<SchemaCheck>,
        budgets: &AuditBudgets,
        stats: AuditStats,
    ) -> AuditReport {
        tables.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.name.cmp(&b.name)));
        let summary = summarize(&tables);
        let counted = schema_checks.iter().filter(|c| !c.accepted).count() as u64;
        let verdict = verdict(&tables, &summary, counted, budgets);
        let [source, target] = sides;
        AuditReport {
            report_version: REPORT_VERSION,
            kind: ReportKind::Audit,
            tool: Tool::recon(),
            source,
            target,
            tables,
            summary,
            schema_checks,
            verdict,
            stats,
        }
    }

    pub fn to_json(&self) -> crate::error::Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| crate::error::Error::internal(format!("report: {e}")))
    }
}

fn summarize(tables: &[TableEntry]) -> AuditSummary {
    let mut summary = AuditSummary { tables: tables.len() as u64, ..AuditSummary::default() };
    let mut counts: PerCategory<u64> = PerCategory::default();
    for table in tables {
        match table.status {
            TableStatus::Pass => summary.passed += 1,
            TableStatus::Fail => summary.failed += 1,
            TableStatus::Error => summary.errors += 1,
            TableStatus::Skipped => summary.skipped += 1,
            TableStatus::MissingInTarget => summary.missing_tables += 1,
            TableStatus::ExtraInTarget => summary.extra_tables += 1,
        }
        if let Some(report) = &table.report {
            let table = &report.summary;
            summary.source_rows += table.source_rows;
            summary.target_rows += table.target_rows;
            summary.matched += table.matched;
            for (category, n) in table.counts.iter() {
                counts[category] += n;
            }
            if let Some(drift) = &report.drift {
                let totals = summary.drift.get_or_insert_with(DriftTotals::default);
                totals.tables += 1;
                totals.findings.add(&drift.findings);
            }
        }
        if let Some(profile) = &table.profile {
            summary.source_rows += profile.source.rows;
            summary.target_rows += profile.target.rows;
        }
    }
    summary.counts = counts.only(&Category::ALL);
    summary
}

/// Each compared table's own violations (named by table), then the tables on one side only and the schema
/// checks not accepted against the audit's budgets (a share of the tables). Exit 2 when a table is `error`,
/// whatever the rest.
fn verdict(tables: &[TableEntry], summary: &AuditSummary, schema_checks: u64, budgets: &AuditBudgets) -> Verdict {
    let named = tables.iter().flat_map(|table| {
        let reported = table.report.iter().map(|r| &r.verdict).chain(table.profile.iter().map(|p| &p.verdict));
        let violations = reported.flat_map(|verdict| &verdict.violations);
        violations.map(|v| Violation { table: Some(table.name.clone()), ..v.clone() })
    });
    let whole = summary.tables;
    let tally = |check, actual, budget| Tally { check, actual, budget, whole, sampled: None };
    let audit = judge([
        tally(Check::MissingTables, summary.missing_tables, budgets.missing_tables),
        tally(Check::ExtraTables, summary.extra_tables, budgets.extra_tables),
        tally(Check::SchemaChecks, schema_checks, budgets.schema_checks),
    ]);
    Verdict::of(named.chain(audit).collect(), summary.errors)
}
