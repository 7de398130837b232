//! `--junit FILE`: the verdict as JUnit XML, the format every CI server renders — one testsuite `recon`, one
//! testcase per table: `failure` listing the checks over budget, then why values differ and the options
//! suggested to reconcile them; `error` with the message when the table could not be compared; `skipped`
//! when skipped. A table on one side only fails when the audit's budget on such tables is exceeded and passes
//! otherwise; an audit's schema checks are one more testcase, failing when over their budget. Each testcase
//! takes the time its table's comparison took.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report as Junit, TestCase, TestCaseStatus, TestSuite};

use super::audit::{AuditReport, TableEntry};
use super::view::{self, Counts, Rendering};
use super::words::{self, COUNT_HEADS};
use super::write_atomically;
use crate::error::{Error, Result};
use crate::finding::Check;
use crate::finding::TableStatus;

/// The testcase that holds an audit's schema checks (its classname tells it from a table of that name).
pub const SCHEMA_CHECKS: &str = "schema checks";

pub fn write(path: &Path, audit: &AuditReport, rendering: &Rendering) -> Result<()> {
    let xml = render(audit, rendering)?;
    write_atomically(path, |file| file.write_all(xml.as_bytes()))
}

pub fn render(audit: &AuditReport, rendering: &Rendering) -> Result<String> {
    let mut suite = TestSuite::new("recon");
    suite.set_timestamp(rendering.started.fixed_offset()).set_time(seconds(audit.stats.seconds));
    suite.add_properties([
        Property::new("source", audit.source.location.as_str()),
        Property::new("target", audit.target.location.as_str()),
        Property::new("recon_version", audit.tool.version.as_str()),
        Property::new("exit_code", audit.verdict.exit_code.to_string()),
    ]);
    suite.add_test_cases(audit.tables.iter().map(|t| table_case(t, audit)));
    if !view::is_diff(audit) {
        suite.add_test_case(schema_case(audit));
    }
    let mut junit = Junit::new("recon");
    junit.set_timestamp(rendering.started.fixed_offset()).set_time(seconds(audit.stats.seconds));
    junit.add_test_suite(suite);
    junit.to_string().map_err(|e| Error::internal(format!("JUnit report: {e}")))
}

fn table_case(entry: &TableEntry, audit: &AuditReport) -> TestCase {
    let broken = view::violations(entry, audit);
    let mut status = match entry.status {
        TableStatus::Error => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(entry.error.as_deref().unwrap_or("the table could not be compared")).set_type("error");
            status
        }
        TableStatus::Skipped => TestCaseStatus::skipped(),
        _ if broken.is_empty() => TestCaseStatus::success(),
        _ => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let checks: Vec<String> = broken.iter().map(|v| words::violation_text(v)).collect();
            let n = broken.len() as u64;
            status
                .set_message(format!("{n} {} over budget: {}", words::plural(n, "check", "checks"), checks.join("; ")))
                .set_type("over_budget")
                .set_description(checks.join("\n") + &explanation(entry));
            status
        }
    };
    if entry.status == TableStatus::Skipped {
        status.set_message("skipped");
    }
    let mut case = TestCase::new(entry.name.as_str(), status);
    case.set_classname("recon.tables");
    let counts = Counts::of(entry);
    if let Some(s) = counts.seconds {
        case.set_time(seconds(s));
    }
    let mut out = format!("status: {}\n", words::status_text(entry.status));
    if entry.report.is_some() {
        for (head, cell) in COUNT_HEADS.iter().zip(counts.cells()) {
            out += &format!("{head}: {cell}\n");
        }
    }
    case.set_system_out(out);
    case
}

/// Why a failing table's values differ and the options that reconcile them, as lines after its checks.
fn explanation(entry: &TableEntry) -> String {
    let Some(report) = &entry.report else { return String::new() };
    let mut out = String::new();
    for (column, _) in report.column_mismatches.iter().flatten() {
        let causes = words::causes(report, column);
        if !causes.is_empty() {
            out += &format!("\n{column} differs by: {causes}");
        }
    }
    for s in report.suggestions.iter().flatten() {
        out += &format!("\nsuggested: {} ({})", super::config_entry::shown(s), words::effect(s));
    }
    out
}

fn schema_case(audit: &AuditReport) -> TestCase {
    let listed: Vec<String> = audit
        .schema_checks
        .iter()
        .map(|c| {
            let accepted = if c.accepted { " (accepted)" } else { "" };
            format!("{}: {}{accepted}: {}", c.table, c.check, c.detail)
        })
        .collect();
    let status = match view::audit_violation(audit, Check::SchemaChecks) {
        Some(v) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(words::violation_text(v)).set_type("over_budget").set_description(listed.join("\n"));
            status
        }
        None => TestCaseStatus::success(),
    };
    let mut case = TestCase::new(SCHEMA_CHECKS, status);
    case.set_classname("recon.schema");
    if !listed.is_empty() {
        case.set_system_out(listed.join("\n"));
    }
    case
}

/// A duration from a report's seconds (negative or not a number: zero).
fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::view::tests::mixed_audit;

    #[test]
    fn an_audit_has_a_testcase_per_table_and_one_for_schema_checks() {
        let xml = render(&mixed_audit(), &Rendering::new(chrono::DateTime::UNIX_EPOCH)).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
        let counts: Vec<_> = ["tests", "failures", "errors", "skipped"].iter().map(|a| suite.attribute(*a)).collect();
        assert_eq!(counts, [Some("6"), Some("3"), Some("1"), Some("1")], "{xml}");
        let cases: Vec<(&str, Option<&str>, Option<&str>)> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|case| {
                let outcome = case.children().find(|n| ["failure", "error", "skipped"].contains(&n.tag_name().name()));
                (
                    case.attribute("name").unwrap(),
                    outcome.map(|n| n.tag_name().name()),
                    outcome.and_then(|n| n.attribute("message")),
                )
            })
            .collect();
        assert_eq!(
            cases,
            [
                ("audit_log", Some("skipped"), Some("skipped")),
                ("events", Some("error"), Some("events: relation does not exist")),
                ("legacy_flags", Some("failure"), Some("1 check over budget: missing_tables 1 > 0 allowed")),
                ("new_table", None, None),
                ("orders", Some("failure"), cases[4].2),
                (SCHEMA_CHECKS, Some("failure"), Some("schema_checks 1 > 0 allowed")),
            ]
        );
        assert!(cases[4].2.unwrap().starts_with("6 checks over budget: missing_in_target 2 > 0 allowed;"));
        let schema = suite.children().rfind(|n| n.has_tag_name("testcase")).unwrap();
        let failure = schema.children().find(|n| n.has_tag_name("failure")).unwrap();
        assert_eq!(failure.text(), Some("orders: sequence_behind: orders_id_seq 990 < max(order_id) 1000"));
    }
}
