//! The terminal rendering of a [`Report`] and of an audit: counts against budgets, per-column mismatch counts
//! with their causes, suggested options, examples with the cause of each difference, schema differences and
//! the verdict, always last. Tables fit the terminal's width and colour follows `--color`. Built from the same
//! `Report` as the JSON, so the two never disagree.

use comfy_table::{Cell, Table};
use serde_json::Value;

use super::audit::{AuditReport, TableEntry};
use super::drift::DriftReport;
pub use super::screen::Screen;
use super::view::{self, Counts};
use super::words::{
    self, against_history, alternatives, causes, effect, example_cause, example_column, in_flight, key_source, notes,
    plural, rows, text, COUNT_HEADS,
};
use super::Report;
use crate::finding::TableStatus;
use crate::finding::{Category, KeySource};
use crate::terminal::Tone;

/// How many examples of each category the terminal shows of a diff, and of each failing table of an audit:
/// enough to see what differs, few enough that the counts and the verdict stay on the screen. The JSON report
/// holds every example kept (`--max-examples`).
const DIFF_EXAMPLES: usize = 5;
const AUDIT_EXAMPLES: usize = 3;

/// A diff in the terminal: what was compared, then why it differs (examples, columns and their causes,
/// suggested options, schema differences), then the counts against their budgets, and the verdict last.
pub fn render(report: &Report, screen: &Screen) -> String {
    let mut out = String::new();
    let side = |label: &str, s: &super::SideReport| {
        let version = s.table_version.map(|v| format!(" version {v}")).unwrap_or_default();
        format!("{label}: {} ({}{version}, {} rows, fingerprint {})\n", s.location, s.kind, s.rows, s.fingerprint)
    };
    out += &side("source", &report.source);
    out += &side("target", &report.target);
    out += &match report.key_source {
        _ if report.keyless => "key: none, whole rows compared as multisets\n".to_string(),
        KeySource::Option | KeySource::Config => format!("key: {}\n", report.key.join(", ")),
        found => format!("key: {} ({})\n", report.key.join(", "), key_source(found)),
    };
    out += &details(report, screen, DIFF_EXAMPLES);

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

    if let Some(profile) = &report.profile {
        out += &super::profile::table::block(profile, screen);
    }

    let s = &report.summary;
    let mut summary = screen.table(&["category", "count", "allowed"]);
    summary.add_row(vec![Cell::new("matched"), Cell::new(s.matched), Cell::new("")]);
    for (category, count) in s.counts.iter() {
        let allowed = match report.allowed(category) {
            Some(a) if a.over => screen.cell(format!("{} ✗", a.text), Tone::Bad),
            Some(a) => Cell::new(a.text),
            None => Cell::new(""),
        };
        summary.add_row(vec![Cell::new(category.name()), Cell::new(count), allowed]);
    }
    out += &format!("\n{summary}\n");
    if let Some(drift) = &report.drift {
        out += &summary_line(drift);
    }
    out += &verdict_line(&report.verdict, screen);
    out
}

/// Why a table differs: a few examples of each category, the differing columns with their causes, and the
/// options that reconcile them. Empty when nothing differs.
fn details(report: &Report, screen: &Screen, examples: usize) -> String {
    let mut out = String::new();
    let (table, left_out) = examples_table(report, screen, examples);
    if table.row_count() > 0 {
        out += &format!("\nexamples\n{table}\n");
    }
    if left_out > 0 {
        out += &format!(
            "({left_out} more {} in the JSON report: --format json, --output FILE)\n",
            plural(left_out as u64, "example", "examples")
        );
    }
    let differing: Vec<(&String, &Value)> =
        report.column_mismatches.iter().flatten().filter(|(_, n)| n.as_u64() != Some(0)).collect();
    if !differing.is_empty() {
        let mut columns = screen.table(&["column", "mismatched keys", "causes"]);
        for (name, n) in differing {
            columns.add_row(vec![Cell::new(name), Cell::new(n), Cell::new(causes(report, name))]);
        }
        out += &format!("\n{columns}\n");
    }
    out + &suggestions(report)
}

/// The suggestions as options to paste, each with what it was proved to resolve; in an audit, as the
/// `[[table]]` entry that applies them to this table alone.
fn suggestions(report: &Report) -> String {
    let Some(suggestions) = report.suggestions.as_ref().filter(|s| !s.is_empty()) else { return String::new() };
    if let Some(entry) = super::config_entry::entry(suggestions) {
        let lines: String = entry.lines().map(|line| format!("  {line}\n")).collect();
        return format!("\nsuggestions (each tried on the mismatched rows; {}):\n{lines}", super::config_entry::PASTE);
    }
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

/// The first `limit` examples of each category as table rows (a mismatch a row per differing column), and
/// how many kept examples were left out.
fn examples_table(report: &Report, screen: &Screen, limit: usize) -> (Table, usize) {
    let mut table = screen.table(&["category", "key", "column", "source", "target", "cause"]);
    let mut left_out = 0;
    let mismatched = report.examples.get(Category::Mismatched).map_or(&[][..], Vec::as_slice);
    left_out += mismatched.len().saturating_sub(limit);
    for example in mismatched.iter().take(limit) {
        let key = text(&example.key);
        for c in &example.columns {
            let row = [words(Category::Mismatched), key.clone(), example_column(c)];
            let values = [text(&c.values.source), text(&c.values.target), example_cause(c)];
            table.add_row(row.into_iter().chain(values).collect::<Vec<_>>());
        }
    }
    for (category, examples) in report.examples.iter().filter(|(c, _)| *c != Category::Mismatched) {
        left_out += examples.len().saturating_sub(limit);
        for example in examples.iter().take(limit) {
            let counts = match (example.source_count, example.target_count) {
                (Some(s), Some(t)) => (rows(s), rows(t)),
                _ => (String::new(), String::new()),
            };
            let row = [words(category), text(&example.key), String::new(), counts.0, counts.1];
            table.add_row(row.into_iter().chain([String::new()]).collect::<Vec<_>>());
        }
    }
    (table, left_out)
}

/// A category as words (`missing in target`), which a narrow column wraps between.
fn words(category: Category) -> String {
    category.name().replace('_', " ")
}

/// The drift section in one line of the terminal report: scope, rechecks, and the counts over time.
fn summary_line(drift: &DriftReport) -> String {
    let mut parts = vec![format!("scope {}", drift.scope.name())];
    parts.extend(against_history(&drift.findings));
    if drift.rechecks > 0 {
        let rechecks =
            if drift.rechecks == 1 { "1 recheck".to_string() } else { format!("{} rechecks", drift.rechecks) };
        parts.push(format!("{rechecks}: {}", in_flight(&drift.findings)));
    }
    parts.extend(notes(drift));
    format!("\nover time: {}\n", parts.join("; "))
}

/// The terminal rendering of an audit: every table with its status and counts, then under each failing
/// table why it differs (as a diff shows it, with fewer examples), the tables that could not be compared and
/// why, the schema checks, and the verdict last.
pub fn render_audit(audit: &AuditReport, screen: &Screen) -> String {
    let mut out = String::new();
    for (label, side) in [("source", &audit.source), ("target", &audit.target)] {
        out += &format!("{label}: {} ({})\n", side.location, side.kind);
    }
    out += &format!("\n{}\n", overview(audit, screen));
    for entry in audit.tables.iter().filter(|e| e.status == TableStatus::Fail) {
        if let Some(profile) = &entry.profile {
            let broken: Vec<String> = profile.verdict.violations.iter().map(words::violation_text).collect();
            let name = screen.paint(&entry.name, Tone::Bad);
            out += &format!(
                "\n── {name}: {}{}",
                broken.join("; "),
                super::profile::table::block(&profile.profile, screen)
            );
        }
        let Some(report) = &entry.report else { continue };
        let broken: Vec<String> = report.verdict.violations.iter().map(words::violation_text).collect();
        let name = screen.paint(&entry.name, Tone::Bad);
        out += &format!("\n── {name}: {}\n{}", broken.join("; "), details(report, screen, AUDIT_EXAMPLES));
    }
    for entry in audit.tables.iter().filter(|e| e.error.is_some()) {
        out += &format!("\nerror in {}: {}\n", entry.name, entry.error.as_deref().unwrap_or_default());
    }
    for entry in audit.tables.iter().filter(|e| e.retries > 0) {
        let times = words::plural(entry.retries.into(), "time", "times");
        out += &format!(
            "\n{} was read again {} {times} after a lost connection, in a fresh snapshot (after the audit's shared one)\n",
            entry.name, entry.retries
        );
    }
    if !audit.schema_checks.is_empty() {
        let mut checks = screen.table(&["table", "check", "detail"]);
        for c in &audit.schema_checks {
            let check = if c.accepted { format!("{} (accepted)", c.check) } else { c.check.to_string() };
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
        parts.extend(words::against_history(&d.findings));
        parts.push(words::in_flight(&d.findings));
        out += &format!("over time: {}\n", parts.join("; "));
    }
    out += &verdict_line(&audit.verdict, screen);
    out
}

/// Every table with its status and counts, a column for each count; where that is wider than the screen, the
/// counts that are not zero in one cell, which wraps between them.
fn overview(audit: &AuditReport, screen: &Screen) -> Table {
    let wide = wide_overview(audit, screen);
    if screen.fits(&wide) {
        wide
    } else {
        narrow_overview(audit, screen)
    }
}

fn wide_overview(audit: &AuditReport, screen: &Screen) -> Table {
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
    let mut tables = screen.table(&header);
    for entry in &audit.tables {
        let mut row = vec![entry.name.clone(), String::new()];
        match &entry.report {
            Some(report) => {
                let s = &report.summary;
                let count = |c: Category| s.counts.get(c).map_or(String::new(), u64::to_string);
                let duplicates =
                    match (s.counts.get(Category::DuplicateKeysSource), s.counts.get(Category::DuplicateKeysTarget)) {
                        (Some(a), Some(b)) => (a + b).to_string(),
                        _ => String::new(),
                    };
                let key = key_text(report);
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
        let mut cells: Vec<Cell> = row.into_iter().map(Cell::new).collect();
        cells[1] = status_cell(entry, audit, screen);
        tables.add_row(cells);
    }
    tables
}

/// The overview for a narrow screen: `missing 1, mismatched 3` in one cell of differences.
fn narrow_overview(audit: &AuditReport, screen: &Screen) -> Table {
    let mut tables = screen.table(&["table", "status", "source\nrows", "target\nrows", "differences", "key"]);
    for entry in &audit.tables {
        let counts = Counts::of(entry);
        // Keys that never stood still through the rechecks are counted apart from the categories.
        let unstable = entry.report.as_ref().and_then(|r| r.drift.as_ref()).map(|d| d.findings.unstable);
        let found =
            [counts.missing, counts.extra, counts.mismatched, counts.duplicate_keys, counts.null_keys, unstable];
        let differing: Vec<String> = COUNT_HEADS[3..]
            .iter()
            .copied()
            .chain(["unstable"])
            .zip(found)
            .filter_map(|(head, n)| n.filter(|&n| n > 0).map(|n| format!("{head} {n}")))
            .collect();
        let differences = match &entry.report {
            Some(_) if differing.is_empty() => "none".to_string(),
            _ => differing.join(", "),
        };
        let key = entry.report.as_ref().map_or(String::new(), key_text);
        let rows = |n: Option<u64>| n.map_or(String::new(), |n| n.to_string());
        tables.add_row(vec![
            Cell::new(&entry.name),
            status_cell(entry, audit, screen),
            Cell::new(rows(counts.source_rows)),
            Cell::new(rows(counts.target_rows)),
            Cell::new(differences),
            Cell::new(key),
        ]);
    }
    tables
}

/// A table's key in the overview: its columns, or `keyless`.
fn key_text(report: &Report) -> String {
    if report.keyless {
        "keyless".to_string()
    } else {
        report.key.join(", ")
    }
}

/// A table's status in words (`missing in target`), coloured as the HTML report's tone says.
fn status_cell(entry: &TableEntry, audit: &AuditReport, screen: &Screen) -> Cell {
    let tone = match view::status_tone(entry, audit) {
        "ok" => Tone::Good,
        "bad" => Tone::Bad,
        "warn" => Tone::Warn,
        _ => Tone::Muted,
    };
    screen.cell(words::status_text(entry.status), tone)
}

fn verdict_line(verdict: &super::verdict::Verdict, screen: &Screen) -> String {
    if verdict.pass {
        return format!("\n{}: every category is within its budget\n", screen.paint("RECONCILED", Tone::Good));
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
    format!("\n{}: {}\n", screen.paint("NOT RECONCILED", Tone::Bad), joined.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::view::tests::mixed_audit;

    #[test]
    fn a_failing_table_of_an_audit_shows_its_examples_causes_and_suggestions_and_the_verdict_comes_last() {
        let text = render_audit(&mixed_audit(), &Screen::default());
        let section = &text[text.find("── orders: missing_in_target 2 > 0 allowed; ").expect(&text)..];
        for part in [
            "│ null keys target ",
            "│ note    ┆ 2               ┆ null_vs_empty 1, other 1 │",
            "--empty-as-null    resolves 1 mismatched row of note",
        ] {
            assert!(section.contains(part), "{part}: {text}");
        }
        // Only failing tables get a section: not one in error, skipped or on one side only.
        assert_eq!(text.matches("\n── ").count(), 1, "{text}");
        assert!(text.trim_end().lines().last().unwrap().starts_with("NOT RECONCILED: "), "{text}");
        assert!(!text.contains('\x1b'), "{text}");
    }

    #[test]
    fn a_narrow_overview_lists_the_counts_that_are_not_zero_unstable_keys_too() {
        let mut audit = mixed_audit();
        let report = audit.tables.iter_mut().find_map(|t| t.report.as_mut()).unwrap();
        let drift = serde_json::json!({"scope": "table", "rechecks": 2, "transient": 4, "unstable": 2});
        report.drift = Some(serde_json::from_value(drift).unwrap());
        let text = render_audit(&audit, &Screen { width: Some(80), color: false });
        let overview = &text[..text.find("── orders").expect(&text)];
        let differences: String = overview
            .lines()
            .skip_while(|l| !l.starts_with("│ orders "))
            .take_while(|l| !l.starts_with('└'))
            .filter_map(|l| l.split('┆').nth(4))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(differences, "missing 2, extra 2, mismatched 3, duplicate keys 2, NULL keys 1, unstable 2");
        assert!(overview.lines().all(|l| l.chars().count() <= 80), "{overview}");
    }
}
