//! `recon history FILE --html OUT`: the runs kept in a history file as a page people look at — per table, the
//! findings of every run as a chart over time (new, persisting, resolved, transient, unstable) with each run's
//! verdict beneath it, the last verdicts, and the findings still open. One self-contained file like the
//! sign-off report (inline CSS and SVG, no script, nothing fetched; prints on A4), auto-escaped by minijinja.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use serde_json::Value;

use super::listing::{OpenLine, OpenList};
use super::trend::{RunLine, TableTrend, Trend};
use crate::error::{Error, Result};
use crate::finding::FindingStatus;
use crate::report::words::thousands;
use crate::report::write_atomically;

const TEMPLATE: &str = include_str!("templates/history.html");
/// The sign-off report's style, shared so that both documents look and print alike.
const STYLE: &str = include_str!("../report/templates/report.css");

/// `--last` for a page of every run.
pub const EVERY_RUN: u64 = i64::MAX as u64;
/// Runs in a table's "last verdicts".
const LAST_VERDICTS: usize = 10;
/// Open findings listed per table; `recon history FILE --open` lists them all.
const OPEN_SHOWN: usize = 50;

/// The chart's series, stacked from the axis up (what a run saw), then below it (what went away).
const SERIES: [(FindingStatus, &str); 5] = [
    (FindingStatus::Persisting, "#bf8700"),
    (FindingStatus::New, "#cf222e"),
    (FindingStatus::Unstable, "#8250df"),
    (FindingStatus::Transient, "#8c959f"),
    (FindingStatus::Resolved, "#1a7f37"),
];
const PASS: &str = "#2da44e";
const FAIL: &str = "#cf222e";

/// The chart's frame, in pixels.
const WIDTH: f64 = 1000.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 8.0;
const PLOT: f64 = 150.0;
const STRIP: f64 = 8.0;

pub fn write(path: &Path, trend: &Trend, open: &OpenList, written: DateTime<Utc>) -> Result<()> {
    let html = render(trend, open, written)?;
    write_atomically(path, |file| file.write_all(html.as_bytes()))
}

pub fn render(trend: &Trend, open: &OpenList, written: DateTime<Utc>) -> Result<String> {
    let template_error = |e: minijinja::Error| Error::internal(format!("history HTML template: {e:#}"));
    let mut env = Environment::new();
    // Strict: a name the template misspells is an error here, not a blank on the page.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
    env.add_filter("n", thousands);
    env.add_template("report.css", STYLE).map_err(template_error)?;
    env.add_template("history.html", TEMPLATE).map_err(template_error)?;
    let page = Page::of(trend, open, written);
    env.get_template("history.html").and_then(|t| t.render(minijinja::value::Serde(&page))).map_err(template_error)
}

/// Everything the template shows, laid out.
#[derive(Serialize)]
struct Page {
    history: String,
    written: String,
    runs: usize,
    legend: Vec<LegendEntry>,
    pass: &'static str,
    fail: &'static str,
    tables: Vec<TableView>,
}

#[derive(Serialize)]
struct LegendEntry {
    name: &'static str,
    colour: &'static str,
}

#[derive(Serialize)]
struct TableView {
    anchor: String,
    name: String,
    runs: usize,
    /// The newest run's start and verdict.
    latest: Option<RunRow>,
    open: u64,
    /// `mismatched 3, missing_in_target 1`.
    open_by_category: String,
    /// When the baseline was accepted, and how many open findings it holds.
    baseline: Option<String>,
    chart: Option<Chart>,
    verdicts: Vec<RunRow>,
    findings: Vec<OpenRow>,
    /// Open findings beyond those listed.
    more: usize,
}

#[derive(Serialize)]
struct RunRow {
    id: i64,
    started: String,
    scope: String,
    rows: u64,
    /// The run's findings by category: `2 missing_in_target, 3 mismatched`, or `none`.
    findings: String,
    /// new, persisting, resolved, transient, unstable.
    counts: [u64; 5],
    pass: bool,
    verdict: String,
}

#[derive(Serialize)]
struct OpenRow {
    category: String,
    key: String,
    columns: String,
    first_seen: String,
    last_seen: String,
    accepted: bool,
}

/// A table's runs over time, oldest on the left, laid out here so the template only draws it.
#[derive(Debug, Serialize)]
struct Chart {
    width: f64,
    height: f64,
    left: f64,
    right: f64,
    axis: f64,
    strip: f64,
    bars: Vec<Bar>,
    /// Counts at the top of the plot, at the axis, and (when runs resolved findings) at the bottom.
    ticks: Vec<Tick>,
    /// The first and the last run, under the plot.
    first: String,
    last: String,
    label_y: f64,
}

#[derive(Debug, Serialize)]
struct Bar {
    x: f64,
    width: f64,
    /// The slot's whole width, for the run's verdict beneath it.
    slot_x: f64,
    slot: f64,
    title: String,
    parts: Vec<Part>,
    verdict: &'static str,
}

#[derive(Debug, Serialize, PartialEq)]
struct Part {
    y: f64,
    height: f64,
    colour: &'static str,
}

#[derive(Debug, Serialize)]
struct Tick {
    y: f64,
    text: String,
}

impl Page {
    fn of(trend: &Trend, open: &OpenList, written: DateTime<Utc>) -> Page {
        let tables: Vec<TableView> = trend
            .tables
            .iter()
            .enumerate()
            .map(|(i, table)| {
                let lines: Vec<&OpenLine> = open.open_findings.iter().filter(|l| l.table == table.table).collect();
                TableView::of(i, table, &lines)
            })
            .collect();
        Page {
            history: trend.history.clone(),
            written: written.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            runs: tables.iter().map(|t| t.runs).sum(),
            legend: SERIES.iter().map(|(status, colour)| LegendEntry { name: status.name(), colour }).collect(),
            pass: PASS,
            fail: FAIL,
            tables,
        }
    }
}

impl TableView {
    fn of(index: usize, table: &TableTrend, open: &[&OpenLine]) -> TableView {
        let open_total: u64 = table.open_findings.values().filter_map(Value::as_u64).sum();
        let by_category: Vec<String> = table.open_findings.iter().map(|(c, n)| format!("{c} {n}")).collect();
        TableView {
            anchor: format!("table-{}", index + 1),
            name: table.table.clone(),
            runs: table.runs.len(),
            latest: table.runs.first().map(RunRow::of),
            open: open_total,
            open_by_category: by_category.join(", "),
            baseline: table
                .baseline
                .as_ref()
                .map(|b| format!("accepted {}, holding {} open findings", when(&b.accepted), thousands(b.findings))),
            chart: chart(&table.runs),
            verdicts: table.runs.iter().take(LAST_VERDICTS).map(RunRow::of).collect(),
            findings: open.iter().take(OPEN_SHOWN).map(|l| OpenRow::of(l)).collect(),
            more: open.len().saturating_sub(OPEN_SHOWN),
        }
    }
}

impl RunRow {
    fn of(run: &RunLine) -> RunRow {
        let count = |name: &str| run.summary.get(name).and_then(Value::as_u64).unwrap_or(0);
        let found: Vec<String> = crate::finding::Category::ALL
            .iter()
            .map(|c| (c.name(), count(c.name())))
            .filter(|(_, n)| *n > 0)
            .map(|(name, n)| format!("{} {name}", thousands(n)))
            .collect();
        RunRow {
            id: run.id,
            started: when(&run.started),
            scope: run.scope.clone(),
            rows: count("source_rows"),
            findings: if found.is_empty() { "none".to_string() } else { found.join(", ") },
            counts: run.counts.by_status().map(|(_, n)| n.unwrap_or(0)),
            pass: run.verdict.pass,
            verdict: verdict(run),
        }
    }
}

impl OpenRow {
    fn of(line: &OpenLine) -> OpenRow {
        let key: Vec<String> = line.key.iter().map(|(name, value)| format!("{name}={}", key_text(value))).collect();
        OpenRow {
            category: line.category.clone(),
            key: key.join(", "),
            columns: line.columns.as_deref().unwrap_or_default().join(", "),
            first_seen: when(&line.first_seen),
            last_seen: line.last_seen.as_deref().map(when).unwrap_or_default(),
            accepted: line.accepted,
        }
    }
}

/// `pass`, or `fail (exit 1)`.
fn verdict(run: &RunLine) -> String {
    if run.verdict.pass {
        "pass".to_string()
    } else {
        format!("fail (exit {})", run.verdict.exit_code)
    }
}

/// An RFC 3339 instant as the sign-off report writes one: `2026-12-06 02:00:00 UTC` (as kept when it is not
/// one).
fn when(text: &str) -> String {
    match DateTime::parse_from_rfc3339(text) {
        Ok(at) => at.to_utc().format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        Err(_) => text.to_string(),
    }
}

/// A key value as typed: text without JSON quotes, NULL as `NULL`.
fn key_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "NULL".to_string(),
        other => other.to_string(),
    }
}

/// The run's counts in [`SERIES`] order.
fn series(run: &RunLine) -> [u64; 5] {
    SERIES.map(|(status, _)| count(run, status))
}

/// How many of the run's findings have `status`.
fn count(run: &RunLine, status: FindingStatus) -> u64 {
    run.counts.by_status()[status.index()].1.unwrap_or(0)
}

/// The chart of `runs` (newest first, as history lists them); `None` without runs. Bars share one scale: what
/// a run saw stacks up from the axis, what it resolved hangs below it.
fn chart(runs: &[RunLine]) -> Option<Chart> {
    let oldest_first: Vec<&RunLine> = runs.iter().rev().collect();
    let (first, last) = (oldest_first.first()?, oldest_first.last()?);
    let up = |run: &RunLine| series(run)[..4].iter().map(|n| *n as f64).sum::<f64>();
    let down = |run: &RunLine| count(run, FindingStatus::Resolved) as f64;
    let max_up = oldest_first.iter().map(|r| up(r)).fold(0.0, f64::max);
    let max_down = oldest_first.iter().map(|r| down(r)).fold(0.0, f64::max);
    let scale = PLOT / (max_up + max_down).max(1.0);
    let axis = TOP + max_up * scale;
    let slot = (WIDTH - LEFT - RIGHT) / oldest_first.len() as f64;
    let width = (slot * 0.7).max(1.0);
    let bars = oldest_first
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let slot_x = LEFT + i as f64 * slot;
            let mut parts = Vec::new();
            let mut top = axis;
            for ((_, colour), n) in SERIES.iter().zip(series(run)).take(4) {
                let height = n as f64 * scale;
                if height > 0.0 {
                    top -= height;
                    parts.push(Part { y: round(top), height: round(height), colour });
                }
            }
            if count(run, FindingStatus::Resolved) > 0 {
                parts.push(Part { y: round(axis), height: round(down(run) * scale), colour: SERIES[4].1 });
            }
            Bar {
                x: round(slot_x + (slot - width) / 2.0),
                width: round(width),
                slot_x: round(slot_x),
                slot: round((slot - 1.0).max(1.0)),
                title: title(run),
                parts,
                verdict: if run.verdict.pass { PASS } else { FAIL },
            }
        })
        .collect();
    let mut ticks = vec![Tick { y: TOP, text: thousands(max_up as u64) }, Tick { y: round(axis), text: "0".into() }];
    if max_down > 0.0 {
        ticks.push(Tick { y: TOP + PLOT, text: thousands(max_down as u64) });
    }
    let strip = TOP + PLOT + 6.0;
    Some(Chart {
        width: WIDTH,
        height: strip + STRIP + 22.0,
        left: LEFT,
        right: WIDTH - RIGHT,
        axis: round(axis),
        strip,
        bars,
        ticks,
        first: format!("#{} {}", first.id, when(&first.started)),
        last: format!("#{} {}", last.id, when(&last.started)),
        label_y: strip + STRIP + 16.0,
    })
}

/// A run's tooltip: which run, its counts, its verdict.
fn title(run: &RunLine) -> String {
    let counted: Vec<String> =
        run.counts.by_status().iter().map(|(status, n)| format!("{} {status}", n.unwrap_or(0))).collect();
    format!("run #{}, {}: {}; {}", run.id, when(&run.started), counted.join(", "), verdict(run))
}

/// A coordinate to a tenth of a pixel: enough for the eye, short in the file.
fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::StatusCounts;
    use crate::history::trend::RunVerdict;
    use serde_json::json;

    fn run(id: i64, [new, persisting, resolved, transient, unstable]: [u64; 5], pass: bool) -> RunLine {
        RunLine {
            id,
            started: format!("2026-12-{id:02}T02:00:00.000000Z"),
            finished: format!("2026-12-{id:02}T02:00:01.000000Z"),
            tool_version: "0.1.0".into(),
            scope: "table".into(),
            spec_hash: "h".into(),
            rechecks: 0,
            summary: json!({"source_rows": 1000, "mismatched": new + persisting, "missing_in_target": 0}),
            verdict: RunVerdict { pass, exit_code: if pass { 0 } else { 1 } },
            counts: StatusCounts {
                new: Some(new),
                persisting: Some(persisting),
                resolved: Some(resolved),
                transient,
                unstable,
            },
            superseded: 0,
        }
    }

    #[test]
    fn a_run_stacks_what_it_saw_above_the_axis_and_what_it_resolved_below_on_one_scale() {
        // Newest first, as history lists runs.
        let runs = [run(3, [0, 0, 0, 0, 0], true), run(2, [2, 4, 6, 1, 1], false), run(1, [8, 0, 0, 0, 0], false)];
        let chart = chart(&runs).unwrap();
        // The largest stack is 8 (run 2: 4 + 2 + 1 + 1; run 1: 8) above, 6 below: 150 px for 14.
        let scale = PLOT / 14.0;
        assert_eq!(chart.axis, round(TOP + 8.0 * scale));
        assert_eq!(chart.first, "#1 2026-12-01 02:00:00 UTC");
        assert_eq!(chart.last, "#3 2026-12-03 02:00:00 UTC");
        let heights = |bar: &Bar| bar.parts.iter().map(|p| (p.colour, p.height)).collect::<Vec<_>>();
        assert_eq!(heights(&chart.bars[0]), [("#cf222e", round(8.0 * scale))], "run 1: 8 new");
        let colours = SERIES.map(|(_, c)| c);
        let run_2: Vec<f64> = [4.0, 2.0, 1.0, 1.0, 6.0].iter().map(|n| round(n * scale)).collect();
        assert_eq!(heights(&chart.bars[1]), colours.into_iter().zip(run_2).collect::<Vec<_>>());
        let resolved = chart.bars[1].parts.last().unwrap();
        assert_eq!(resolved.y, chart.axis, "resolved hangs from the axis");
        assert!(chart.bars[2].parts.is_empty(), "a clean run draws no bar");
        let verdicts: Vec<&str> = chart.bars.iter().map(|b| b.verdict).collect();
        assert_eq!(verdicts, [FAIL, FAIL, PASS]);
        assert!(chart.bars[1]
            .title
            .contains("2 new, 4 persisting, 6 resolved, 1 transient, 1 unstable; fail (exit 1)"));
        let ticks: Vec<&str> = chart.ticks.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(ticks, ["8", "0", "6"]);
    }

    #[test]
    fn a_history_page_names_every_table_and_fetches_nothing() {
        let table = |name: &str, runs: Vec<RunLine>| TableTrend {
            table: name.to_string(),
            open_findings: json!({"mismatched": 2}).as_object().cloned().unwrap(),
            baseline: None,
            runs,
        };
        let trend = Trend {
            history: "nightly.db".into(),
            tables: vec![table("orders", vec![run(2, [1, 1, 0, 0, 0], false)]), table("<customers>", Vec::new())],
        };
        let line = OpenLine {
            table: "orders".into(),
            category: "mismatched".into(),
            key: json!({"order_id": 7}).as_object().cloned().unwrap(),
            columns: Some(vec!["amount".into()]),
            first_seen: "2026-12-01T02:00:00Z".into(),
            last_seen: Some("2026-12-02T02:00:00Z".into()),
            accepted: false,
        };
        let open = OpenList { history: "nightly.db".into(), open_findings: vec![line] };
        let html = render(&trend, &open, DateTime::UNIX_EPOCH).unwrap();
        for part in
            ["<h2>orders", "&lt;customers&gt;", "order_id=7", "<svg", "fail (exit 1)", "1970-01-01 00:00:00 UTC"]
        {
            assert!(html.contains(part), "{part} in\n{html}");
        }
        assert!(!html.contains("<script") && !html.contains("http"), "{html}");
    }
}
