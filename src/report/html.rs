//! `--html FILE`: the sign-off document — one self-contained file (inline CSS and SVG, no script, nothing
//! fetched) that reads on screen and printed on A4: when, which tool, which sides (masked) under which policy
//! with both sides' fingerprints; the verdict; every table's status and counts, and with a drift option how
//! its findings stand against earlier runs; per table a bar chart of mismatches per column cut by cause, why
//! values differ and the options that reconcile them, examples side by side with the differing characters
//! marked and their cause, schema differences and checks.
//!
//! The page is a minijinja template (`templates/report.html`) with auto-escaping on, fed the plain view
//! built here: every value reaches the page escaped, and nothing is marked safe.

use std::io::Write;
use std::path::Path;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use serde_json::Value;

use super::audit::{AuditReport, TableEntry};
use super::marks::{cells, Cell};
use super::view::{self, Counts, Rendering};
use super::words::{self, COUNT_HEADS};
use super::{write_atomically, Report, SideReport};
use crate::error::{Error, Result};
use crate::finding::Cause;
use crate::finding::{Category, Check, KeySource};

const TEMPLATE: &str = include_str!("templates/report.html");
const STYLE: &str = include_str!("templates/report.css");

/// Violations listed in the verdict's box; an audit of many failing tables counts the rest.
const VERDICT_VIOLATIONS: usize = 20;
/// Bars in a table's chart; the rest are counted under it.
const CHART_BARS: usize = 30;
/// Characters of a column name beside its bar (the whole name is the bar's tooltip).
const CHART_LABEL_CHARS: usize = 28;
pub fn write(path: &Path, audit: &AuditReport, rendering: &Rendering) -> Result<()> {
    let html = render(audit, rendering)?;
    write_atomically(path, |file| file.write_all(html.as_bytes()))
}

pub fn render(audit: &AuditReport, rendering: &Rendering) -> Result<String> {
    let template_error = |e: minijinja::Error| Error::internal(format!("HTML report template: {e:#}"));
    let mut env = Environment::new();
    // Strict: a name the template misspells is an error here, not a blank in someone's sign-off.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
    env.add_filter("n", words::thousands);
    env.add_template("report.css", STYLE).map_err(template_error)?;
    env.add_template("report.html", TEMPLATE).map_err(template_error)?;
    let page = Page::of(audit, rendering);
    env.get_template("report.html").and_then(|t| t.render(minijinja::value::Serde(&page))).map_err(template_error)
}

/// Everything the template shows, as plain text and numbers.
#[derive(Serialize)]
struct Page {
    started: String,
    tool_version: String,
    /// The JSON report's digest and the fingerprint of the key that signs it.
    integrity: Option<super::integrity::Shown>,
    diff: bool,
    redacted: bool,
    sides: Vec<SideView>,
    verdict: VerdictView,
    /// The policy every compared table shared; empty when tables differ (each section then shows its own).
    policy: Vec<Setting>,
    summary: Vec<Setting>,
    heads: [&'static str; 8],
    overview: Vec<Row>,
    /// Tables run with a drift option: how their findings relate to earlier runs.
    drift: Vec<DriftRow>,
    schema_checks: Vec<SchemaCheckRow>,
    schema_checks_over: Option<String>,
    sections: Vec<Section>,
}

#[derive(Serialize)]
struct SideView {
    label: &'static str,
    location: String,
    kind: String,
    /// A diff's: its rows and fingerprint (an audit shows them per table).
    rows: Option<u64>,
    fingerprint: Option<String>,
}

#[derive(Serialize)]
struct VerdictView {
    pass: bool,
    words: &'static str,
    why: String,
    exit_code: i32,
    violations: Vec<String>,
    /// Violations beyond those listed.
    more: usize,
}

#[derive(Serialize)]
struct Setting {
    name: String,
    value: String,
    /// Set away from its default (shown apart, so a loosened rule stands out).
    changed: bool,
}

#[derive(Serialize)]
struct Row {
    name: String,
    anchor: Option<String>,
    status: String,
    tone: &'static str,
    cells: [String; 8],
    seconds: String,
}

#[derive(Serialize)]
struct DriftRow {
    name: String,
    scope: &'static str,
    previous_run: String,
    /// `new`, `persisting`, `resolved` (with history), `transient`, `unstable` (`–` where not counted).
    counts: [String; 5],
    notes: String,
}

#[derive(Serialize)]
struct SchemaCheckRow {
    table: String,
    check: &'static str,
    detail: String,
    /// Accepted by the config file: shown, not counted.
    accepted: bool,
}

#[derive(Serialize)]
struct Section {
    anchor: String,
    name: String,
    status: String,
    tone: &'static str,
    error: Option<String>,
    violations: Vec<String>,
    /// An audit's table: both sides with rows and fingerprints (a diff's are in the header).
    sides: Vec<SideView>,
    key: String,
    columns: String,
    settings: Vec<Setting>,
    counts: Vec<CountRow>,
    chart: Option<Chart>,
    /// Differing columns with why their values differ.
    causes: Vec<CauseRow>,
    suggestions: Vec<SuggestionView>,
    /// In an audit, the `[[table]]` entry applying the suggestions to this table alone.
    paste: Option<Paste>,
    mismatches: Vec<Mismatch>,
    keys: Vec<KeyExample>,
    /// Whether a key example carries row counts (keyless rows, duplicates): else no count columns are shown.
    keys_counted: bool,
    only_in_source: String,
    only_in_target: String,
    type_differences: Vec<super::super::plan::TypeDifference>,
    schema_checks: Vec<SchemaCheckRow>,
}

#[derive(Serialize)]
struct CountRow {
    category: &'static str,
    count: u64,
    allowed: String,
    over: bool,
}

/// A horizontal bar chart, laid out here so the template only draws it.
#[derive(Serialize)]
struct Chart {
    width: u32,
    height: u32,
    label_width: u32,
    bars: Vec<Bar>,
    /// Differing columns beyond the bars drawn.
    more: usize,
    /// Compared columns without a difference.
    clean: usize,
    /// The causes the bars show.
    legend: Vec<LegendEntry>,
}

#[derive(Serialize)]
struct Bar {
    label: String,
    title: String,
    count: u64,
    y: u32,
    text_y: u32,
    /// The bar cut by cause, left to right in the causes' order; one uncoloured part when none is known.
    parts: Vec<BarPart>,
    count_x: u32,
}

#[derive(Serialize)]
struct BarPart {
    x: u32,
    width: u32,
    /// A cause's colour, or `None` for the plain bar.
    colour: Option<&'static str>,
    title: String,
}

/// A cause drawn in a chart, with its colour.
#[derive(Serialize)]
struct LegendEntry {
    cause: &'static str,
    colour: &'static str,
}

/// One colour per cause, in [`Cause::ALL`]'s order (`other` in the bars' red), told apart in print as well.
const CAUSE_COLOURS: [&str; Cause::ALL.len()] = [
    "#8250df", "#1b7c83", "#0969da", "#1a7f37", "#bf8700", "#cf222e", "#6e7781", "#fb8f44", "#2da44e", "#54aeff",
    "#a40e26", "#e5534b",
];

#[derive(Serialize)]
struct CauseRow {
    column: String,
    mismatched: u64,
    causes: String,
}

/// An audit table's suggestions as its config entry, and what to do with it.
#[derive(Serialize)]
struct Paste {
    entry: String,
    note: &'static str,
}

#[derive(Serialize)]
struct SuggestionView {
    option: String,
    effect: String,
    alternatives: Option<String>,
    note: Option<String>,
}

#[derive(Serialize)]
struct Mismatch {
    key: String,
    column: String,
    source: Cell,
    target: Cell,
    cause: String,
}

#[derive(Serialize)]
struct KeyExample {
    category: &'static str,
    key: String,
    source_count: String,
    target_count: String,
}

impl Page {
    fn of(audit: &AuditReport, rendering: &Rendering) -> Page {
        let diff = view::is_diff(audit);
        let single = audit.tables.first().and_then(|t| t.report.as_ref()).filter(|_| diff);
        let sides = match single {
            Some(report) => side_views(report),
            None => vec![
                SideView {
                    label: "Source",
                    location: audit.source.location.clone(),
                    kind: audit.source.kind.clone(),
                    rows: None,
                    fingerprint: None,
                },
                SideView {
                    label: "Target",
                    location: audit.target.location.clone(),
                    kind: audit.target.kind.clone(),
                    rows: None,
                    fingerprint: None,
                },
            ],
        };
        let (words, why) = view::verdict_words(audit);
        let all = &audit.verdict.violations;
        let violations = all
            .iter()
            .take(VERDICT_VIOLATIONS)
            .map(|v| match &v.table {
                Some(table) if !diff => format!("{table}: {}", words::violation_text(v)),
                _ => words::violation_text(v),
            })
            .collect();
        let shared = shared_policy(audit);
        let s = &audit.summary;
        let summary = if diff {
            Vec::new()
        } else {
            [
                ("tables", s.tables),
                ("passed", s.passed),
                ("failed", s.failed),
                ("in error", s.errors),
                ("skipped", s.skipped),
            ]
            .into_iter()
            .chain([("missing in target", s.missing_tables), ("extra in target", s.extra_tables)])
            .map(|(name, n)| Setting { name: name.into(), value: words::thousands(n), changed: false })
            .collect()
        };
        let sections: Vec<Section> = audit
            .tables
            .iter()
            .enumerate()
            .filter(|(_, t)| t.report.is_some() || t.error.is_some())
            .map(|(i, t)| Section::of(i, t, audit, shared.is_none()))
            .collect();
        let overview = audit
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let counts = Counts::of(t);
                Row {
                    name: t.name.clone(),
                    anchor: (t.report.is_some() || t.error.is_some()).then(|| anchor(i)),
                    status: words::status_text(t.status),
                    tone: view::status_tone(t, audit),
                    cells: counts.cells(),
                    seconds: counts.seconds.map_or(String::new(), |s| format!("{s:.2} s")),
                }
            })
            .collect();
        Page {
            started: rendering.started.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            tool_version: audit.tool.version.clone(),
            integrity: rendering.integrity.clone(),
            diff,
            redacted: view::redacted(audit),
            sides,
            verdict: VerdictView {
                pass: audit.verdict.pass,
                words,
                why,
                exit_code: audit.verdict.exit_code,
                violations,
                more: all.len().saturating_sub(VERDICT_VIOLATIONS),
            },
            policy: shared.map(settings).unwrap_or_default(),
            summary,
            heads: COUNT_HEADS,
            overview,
            drift: audit.tables.iter().filter_map(drift_row).collect(),
            schema_checks: audit.schema_checks.iter().map(check).collect(),
            schema_checks_over: view::audit_violation(audit, Check::SchemaChecks).map(words::violation_text),
            sections,
        }
    }
}

impl Section {
    fn of(index: usize, entry: &TableEntry, audit: &AuditReport, own_policy: bool) -> Section {
        let diff = view::is_diff(audit);
        let report = entry.report.as_ref();
        let violations = view::violations(entry, audit);
        let counts = report
            .map(|r| {
                r.summary
                    .counts
                    .iter()
                    .map(|(category, &count)| {
                        let allowed = r.allowed(category);
                        CountRow {
                            category: category.name(),
                            count,
                            over: allowed.as_ref().is_some_and(|a| a.over),
                            allowed: allowed.map(|a| a.text).unwrap_or_default(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let key = report.map_or(String::new(), |r| match r.key_source {
            _ if r.keyless => "none: whole rows compared as multisets".to_string(),
            KeySource::Option | KeySource::Config => r.key.join(", "),
            found => format!("{} ({})", r.key.join(", "), words::key_source(found)),
        });
        let names = |list: &[String]| list.join(", ");
        let keys = report.map(key_examples).unwrap_or_default();
        Section {
            anchor: anchor(index),
            name: entry.name.clone(),
            status: words::status_text(entry.status),
            tone: view::status_tone(entry, audit),
            error: entry.error.clone(),
            violations: violations.iter().map(|v| words::violation_text(v)).collect(),
            sides: if diff { Vec::new() } else { report.map(side_views).unwrap_or_default() },
            key,
            columns: report.map_or(String::new(), |r| names(&r.compared_columns)),
            settings: report.filter(|_| own_policy).map(settings).unwrap_or_default(),
            counts,
            chart: report.and_then(chart),
            causes: report.map(cause_rows).unwrap_or_default(),
            suggestions: report.map(suggestion_views).unwrap_or_default(),
            paste: report
                .and_then(|r| super::config_entry::entry(r.suggestions.as_deref()?))
                .map(|entry| Paste { entry, note: super::config_entry::PASTE }),
            mismatches: report.map(mismatches).unwrap_or_default(),
            keys_counted: keys.iter().any(|k| !k.source_count.is_empty() || !k.target_count.is_empty()),
            keys,
            only_in_source: report.map_or(String::new(), |r| names(&r.schema.only_in_source)),
            only_in_target: report.map_or(String::new(), |r| names(&r.schema.only_in_target)),
            type_differences: report.map(|r| r.schema.type_differences.clone()).unwrap_or_default(),
            schema_checks: audit.schema_checks.iter().filter(|c| c.table == entry.name).map(check).collect(),
        }
    }
}

fn drift_row(entry: &TableEntry) -> Option<DriftRow> {
    let drift = entry.report.as_ref()?.drift.as_ref()?;
    let previous_run = match &drift.previous_run {
        Some(Some(run)) => match chrono::DateTime::parse_from_rfc3339(&run.started) {
            Ok(at) => format!("#{}, {}", run.id, at.to_utc().format("%Y-%m-%d %H:%M:%S UTC")),
            Err(_) => format!("#{}, {}", run.id, run.started),
        },
        Some(None) => "none: the first run kept".to_string(),
        None => String::new(),
    };
    Some(DriftRow {
        name: entry.name.clone(),
        scope: drift.scope.name(),
        previous_run,
        counts: words::status_cells(&drift.findings),
        notes: words::notes(drift).join("; "),
    })
}

fn anchor(index: usize) -> String {
    format!("table-{}", index + 1)
}

fn check(c: &super::audit::SchemaCheck) -> SchemaCheckRow {
    SchemaCheckRow { table: c.table.clone(), check: c.check.name(), detail: c.detail.clone(), accepted: c.accepted }
}

fn side_views(report: &Report) -> Vec<SideView> {
    let view = |label, side: &SideReport| SideView {
        label,
        location: side.location.clone(),
        kind: side.kind.clone(),
        rows: Some(side.rows),
        fingerprint: Some(side.fingerprint.clone()),
    };
    vec![view("Source", &report.source), view("Target", &report.target)]
}

/// The report every compared table shares a policy and sampling with, or `None` when they differ.
fn shared_policy(audit: &AuditReport) -> Option<&Report> {
    let mut reports = audit.tables.iter().filter_map(|t| t.report.as_ref());
    let first = reports.next()?;
    let same = |r: &Report| {
        serde_json::to_value(&r.policy).ok() == serde_json::to_value(&first.policy).ok()
            && serde_json::to_value(&r.sample).ok() == serde_json::to_value(&first.sample).ok()
    };
    reports.all(same).then_some(first)
}

/// The policy in force, each option by its flag, then sampling when there was one.
fn settings(report: &Report) -> Vec<Setting> {
    let policy = serde_json::to_value(&report.policy).unwrap_or(Value::Null);
    let mut settings: Vec<Setting> = policy
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| {
            let name = match key.as_str() {
                "encoding_version" => "fingerprint encoding version".to_string(),
                "column_rules" => "rules recon applied".to_string(),
                flag => format!("--{}", flag.replace('_', "-")),
            };
            // A rule recon applied loosens the comparison as an option does: it stands out too.
            let changed = key != "encoding_version" && !matches!(value, Value::Null | Value::Bool(false));
            let value = match value {
                Value::Null => "not set".to_string(),
                Value::Bool(true) => "on".to_string(),
                Value::Bool(false) => "off".to_string(),
                Value::String(s) => s.clone(),
                // `column_rules`: `code: char_padding, u: char_padding`.
                Value::Array(rules) => rules
                    .iter()
                    .map(|r| format!("{}: {}", r["column"].as_str().unwrap_or(""), r["rule"].as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            Setting { name, value, changed }
        })
        .collect();
    if let Some(sample) = &report.sample {
        settings.push(Setting {
            changed: true,
            name: "--sample".into(),
            value: format!(
                "{:.4}% of keys, seed {}, confidence {}; {}",
                sample.requested_rate * 100.0,
                sample.seed,
                sample.confidence,
                sample.pushed_down_note
            ),
        });
    }
    settings
}

fn chart(report: &Report) -> Option<Chart> {
    const ROW: u32 = 22;
    const BAR_AREA: u32 = 380;
    const COUNT_AREA: u32 = 70;
    let columns = report.column_mismatches.as_ref()?;
    let mut differing: Vec<(&String, u64)> =
        columns.iter().filter_map(|(c, n)| n.as_u64().filter(|n| *n > 0).map(|n| (c, n))).collect();
    if differing.is_empty() {
        return None;
    }
    differing.sort_by_key(|c| std::cmp::Reverse(c.1));
    let clean = columns.len() - differing.len();
    let more = differing.len().saturating_sub(CHART_BARS);
    differing.truncate(CHART_BARS);
    let max = differing[0].1;
    let longest = differing.iter().map(|(c, _)| c.chars().count().min(CHART_LABEL_CHARS + 1)).max().unwrap_or(0);
    // About 7.5 px a character at the chart's 12 px font.
    let label_width = (longest as u32 * 15 / 2 + 12).max(60);
    let mut drawn = [false; Cause::ALL.len()];
    let bars = differing
        .iter()
        .enumerate()
        .map(|(i, (column, count))| {
            let width = ((*count as f64 / max as f64) * BAR_AREA as f64).round().max(2.0) as u32;
            let label = match column.char_indices().nth(CHART_LABEL_CHARS) {
                Some((at, _)) => format!("{}…", &column[..at]),
                None => column.to_string(),
            };
            let causes = report.mismatch_causes.as_ref().and_then(|c| c.get(column)).unwrap_or_default();
            causes.iter().for_each(|(cause, _)| drawn[*cause as usize] = true);
            Bar {
                label,
                title: format!("{column}: {count} mismatched keys"),
                count: *count,
                y: i as u32 * ROW + 3,
                text_y: i as u32 * ROW + 16,
                parts: bar_parts(column, *count, width, label_width, causes),
                count_x: label_width + width + 6,
            }
        })
        .collect::<Vec<_>>();
    let legend = Cause::ALL
        .iter()
        .filter(|c| drawn[**c as usize])
        .map(|c| LegendEntry { cause: c.name(), colour: CAUSE_COLOURS[*c as usize] })
        .collect();
    let height = bars.len() as u32 * ROW + 4;
    Some(Chart { width: label_width + BAR_AREA + COUNT_AREA, height, label_width, bars, more, clean, legend })
}

/// A bar of `width` pixels cut in proportion to its causes' counts (the last part takes what rounding left).
fn bar_parts(column: &str, count: u64, width: u32, left: u32, causes: &[(Cause, u64)]) -> Vec<BarPart> {
    if causes.is_empty() {
        let title = format!("{column}: {count} mismatched keys");
        return vec![BarPart { x: left, width, colour: None, title }];
    }
    let total: u64 = causes.iter().map(|(_, n)| n).sum();
    let (mut x, mut before) = (left, 0u64);
    causes
        .iter()
        .map(|(cause, n)| {
            before += n;
            let end = left + (before as f64 / total as f64 * width as f64).round() as u32;
            let part = BarPart {
                x,
                width: end.saturating_sub(x),
                colour: Some(CAUSE_COLOURS[*cause as usize]),
                title: format!("{column}: {} {n}", cause.name()),
            };
            x = end;
            part
        })
        .collect()
}

fn mismatches(report: &Report) -> Vec<Mismatch> {
    let examples = report.examples.get(Category::Mismatched).into_iter().flatten();
    examples
        .flat_map(|example| {
            let key = words::text(&example.key);
            example.columns.iter().map(move |c| {
                let (source, target) = cells(&c.values.source, &c.values.target, !report.redacted);
                let cause = words::example_cause(c);
                Mismatch { key: key.clone(), column: words::example_column(c), source, target, cause }
            })
        })
        .collect()
}

/// The differing columns that have causes, in comparison order.
fn cause_rows(report: &Report) -> Vec<CauseRow> {
    report
        .column_mismatches
        .iter()
        .flatten()
        .filter_map(|(column, n)| {
            let mismatched = n.as_u64().filter(|&n| n > 0)?;
            let causes = words::causes(report, column);
            (!causes.is_empty()).then(|| CauseRow { column: column.clone(), mismatched, causes })
        })
        .collect()
}

fn suggestion_views(report: &Report) -> Vec<SuggestionView> {
    let suggestions = report.suggestions.iter().flatten();
    suggestions
        .map(|s| SuggestionView {
            option: super::config_entry::shown(s),
            effect: words::effect(s),
            alternatives: words::alternatives(s),
            note: s.note.clone(),
        })
        .collect()
}

fn key_examples(report: &Report) -> Vec<KeyExample> {
    let rows = |n: Option<u64>| n.map_or(String::new(), words::rows);
    report
        .examples
        .iter()
        .filter(|(c, _)| *c != Category::Mismatched)
        .flat_map(|(category, examples)| {
            examples.iter().map(move |e| KeyExample {
                category: category.name(),
                key: words::text(&e.key),
                source_count: rows(e.source_count),
                target_count: rows(e.target_count),
            })
        })
        .collect()
}

#[cfg(test)]
mod audit_tests {
    use super::*;
    use crate::report::view::tests::mixed_audit;

    #[test]
    fn an_audit_renders_every_table_and_its_schema_checks() {
        let html = render(&mixed_audit(), &Rendering::new(chrono::DateTime::UNIX_EPOCH)).unwrap();
        for part in [
            "1970-01-01 00:00:00 UTC",
            "NOT RECONCILED",
            "events: relation does not exist",
            "orders_id_seq 990 &lt; max(order_id) 1000",
            r##"<a href="#table-5">orders</a>"##,
            "legacy_flags",
            "sequence_behind",
            // Escaped, slashes too.
            "postgres:&#x2f;&#x2f;app:***@db&#x2f;shop#public",
        ] {
            assert!(html.contains(part), "{part} in\n{html}");
        }
        // Each compared table shows its own sides and fingerprints in an audit.
        assert_eq!(html.matches("Source fingerprint").count(), 1);
    }
}

#[cfg(test)]
mod many_tables_tests {
    use super::*;
    use crate::report::audit::{AuditBudgets, AuditStats, Collection};
    use crate::report::view::tests::orders_report;
    use crate::spec::Budget;

    /// Regression: a budget that was set and met left its "allowed" cell blank.
    #[test]
    fn a_budget_set_and_met_shows_what_it_allows() {
        let mut report = orders_report();
        report.verdict.violations.retain(|v| v.check != Check::MissingInTarget);
        report.budgets = serde_json::from_value(serde_json::json!({"missing_in_target": 5})).unwrap();
        let html = render(&view::single(&report), &Rendering::new(chrono::DateTime::UNIX_EPOCH)).unwrap();
        assert!(
            html.contains(r#"<td class="word">missing_in_target</td><td class="n">2</td><td class="n">5</td>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<td class="word">extra_in_target</td><td class="n over">2</td><td class="n">0 ✘</td>"#),
            "{html}"
        );
    }

    #[test]
    fn the_verdict_box_lists_twenty_violations_and_counts_the_rest() {
        let report = orders_report();
        let tables = (0..25).map(|i| TableEntry::compared(&format!("t{i:02}"), "s", "t", &report)).collect();
        let budget = Budget::Count(0);
        let budgets = AuditBudgets { missing_tables: budget, extra_tables: budget, schema_checks: budget };
        let side = || Collection { location: "dir/".into(), kind: "parquet".into() };
        let audit = AuditReport::new([side(), side()], tables, Vec::new(), &budgets, AuditStats::default());
        let html = render(&audit, &Rendering::new(chrono::DateTime::UNIX_EPOCH)).unwrap();
        assert_eq!(audit.verdict.violations.len(), 150);
        assert!(html.contains("<li>and 130 more: each table's section lists its own</li>"), "{html}");
        assert_eq!(html.matches("class=\"table-detail\"").count(), 25);
    }
}

#[cfg(test)]
mod chart_tests {
    use super::*;

    #[test]
    fn a_bar_is_cut_by_cause_in_proportion_and_ends_where_the_whole_bar_would() {
        let parts = bar_parts("at", 3, 100, 10, &[(Cause::Whitespace, 1), (Cause::TimeShift, 2)]);
        let spans: Vec<(u32, u32)> = parts.iter().map(|p| (p.x, p.width)).collect();
        assert_eq!(spans, vec![(10, 33), (43, 67)]);
        assert_eq!(parts[1].title, "at: time_shift 2");
        assert_ne!(parts[0].colour, parts[1].colour);
        let plain = bar_parts("at", 3, 100, 10, &[]);
        assert_eq!((plain.len(), plain[0].width, plain[0].colour), (1, 100, None));
    }
}
