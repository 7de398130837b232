//! A profile report for people and CI: `--html` (both sides' statistics side by side, differing ones marked),
//! `--markdown` (the verdict and the differing statistics, under the comment limit) and `--junit` (a testcase
//! per column, failing when one of its statistics differs, one for the rows and one for the groups).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use quick_junit::{NonSuccessKind, Property, Report as Junit, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;
use serde_json::Value;

use super::{differing, differing_text, ProfileReport};
use crate::error::{Error, Result};
use crate::profile::{ColumnProfile, Pair, Stat};
use crate::report::documents::Documents;
use crate::report::view::Rendering;
use crate::report::words::{plural, thousands};
use crate::report::write_atomically;

const TEMPLATE: &str = include_str!("../templates/profile.html");
const STYLE: &str = include_str!("../templates/report.css");
/// Differing statistics, and differing groups, the Markdown summary lists.
const MARKDOWN_ROWS: usize = 100;

/// Writes every document asked for, each whole or not at all: where each went, and whether it was written.
pub fn write(report: &ProfileReport, documents: &Documents, rendering: &Rendering) -> Vec<(PathBuf, Result<()>)> {
    type Render = fn(&ProfileReport, &Rendering) -> Result<String>;
    let writers: [(&Option<PathBuf>, Render); 3] =
        [(&documents.html, html), (&documents.junit, junit), (&documents.markdown, markdown)];
    writers
        .into_iter()
        .filter_map(|(path, render)| path.as_ref().map(|path| (path, render)))
        .map(|(path, render)| {
            let written =
                render(report, rendering).and_then(|text| write_atomically(path, |f| f.write_all(text.as_bytes())));
            (path.clone(), written)
        })
        .collect()
}

/// One statistic of a column as documents show it.
#[derive(Serialize)]
struct Shown {
    name: &'static str,
    source: String,
    target: String,
    differs: bool,
}

/// A column's statistics in profile order, as text (`~` before an estimated distinct count).
fn statistics(column: &ColumnProfile) -> Vec<Shown> {
    let text = |v: &Value| match v {
        Value::Null => "NULL".to_string(),
        Value::Number(n) if n.is_u64() => thousands(n.as_u64().unwrap_or_default()),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut shown = Vec::new();
    let mut push = |stat: Stat, source: String, target: String| {
        shown.push(Shown { name: stat.name(), source, target, differs: column.differs.contains(&stat) });
    };
    push(Stat::Count, thousands(column.count.source), thousands(column.count.target));
    push(Stat::Nulls, thousands(column.nulls.source), thousands(column.nulls.target));
    if let Some(d) = &column.distinct {
        let mark = if d.estimated.is_some() { "~" } else { "" };
        let count = |n: Option<u64>| n.map_or("none".into(), |n| format!("{mark}{}", thousands(n)));
        push(Stat::Distinct, count(d.source), count(d.target));
    }
    for (stat, pair) in [(Stat::Min, &column.min), (Stat::Max, &column.max), (Stat::Sum, &column.sum)] {
        if let Some(Pair { source, target }) = pair {
            push(stat, text(source), text(target));
        }
    }
    if let Some(m) = &column.mean_length {
        let differs = column.differs.contains(&Stat::MeanLength);
        let mean = |m: Option<f64>| match (m, differs) {
            (None, _) => "NULL".into(),
            (Some(m), true) => m.to_string(),
            (Some(m), false) => format!("{m:.4}"),
        };
        push(Stat::MeanLength, mean(m.source), mean(m.target));
    }
    shown
}

/// The verdict in two words, then why.
fn verdict_words(report: &ProfileReport) -> (&'static str, String) {
    match report.verdict.pass {
        true => ("PROFILES MATCH", "every statistic is equal under the policy".into()),
        false => {
            let n = report.profile.differs;
            ("PROFILES DIFFER", format!("{} {}", thousands(n), plural(n, "statistic differs", "statistics differ")))
        }
    }
}

fn rows_text(rows: &Pair<u64>) -> String {
    format!("{} rows in the source, {} in the target", thousands(rows.source), thousands(rows.target))
}

#[derive(Serialize)]
struct Page {
    started: String,
    tool_version: String,
    integrity: Option<crate::report::integrity::Shown>,
    sides: Vec<SideView>,
    verdict: VerdictView,
    rows: String,
    tolerance: String,
    policy: Vec<Setting>,
    columns: Vec<ColumnView>,
    group_by: Option<String>,
    groups: Vec<GroupView>,
    differing_groups: usize,
}

#[derive(Serialize)]
struct SideView {
    label: &'static str,
    location: String,
    kind: String,
    rows: u64,
}

#[derive(Serialize)]
struct VerdictView {
    pass: bool,
    words: &'static str,
    why: String,
    exit_code: i32,
}

#[derive(Serialize)]
struct Setting {
    name: String,
    value: String,
}

#[derive(Serialize)]
struct ColumnView {
    name: String,
    stats: Vec<Shown>,
}

#[derive(Serialize)]
struct GroupView {
    group: String,
    source_rows: u64,
    target_rows: u64,
    differs: String,
}

fn group_name(group: &Value) -> String {
    match group {
        Value::Null => "NULL".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The policy options given (those not at their default), by name.
fn policy(report: &ProfileReport) -> Vec<Setting> {
    let Ok(Value::Object(options)) = serde_json::to_value(&report.policy) else { return Vec::new() };
    options
        .into_iter()
        .filter(|(_, v)| !(v.is_null() || *v == Value::Bool(false)))
        .map(|(name, value)| Setting { name, value: group_name(&value) })
        .collect()
}

fn html(report: &ProfileReport, rendering: &Rendering) -> Result<String> {
    let template_error = |e: minijinja::Error| Error::internal(format!("HTML profile template: {e:#}"));
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
    env.add_filter("n", thousands);
    env.add_template("report.css", STYLE).map_err(template_error)?;
    env.add_template("profile.html", TEMPLATE).map_err(template_error)?;
    let (words, why) = verdict_words(report);
    let profile = &report.profile;
    let side = |label, s: &super::ProfiledSide| SideView {
        label,
        location: s.location.clone(),
        kind: s.kind.clone(),
        rows: s.rows,
    };
    let groups: Vec<GroupView> = profile
        .groups
        .iter()
        .map(|g| GroupView {
            group: group_name(&g.group),
            source_rows: g.rows.source,
            target_rows: g.rows.target,
            differs: differing(&g.columns).join(", ") + if g.rows.source != g.rows.target { " (rows)" } else { "" },
        })
        .collect();
    let page = Page {
        started: rendering.started.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        tool_version: report.tool.version.clone(),
        integrity: rendering.integrity.clone(),
        sides: vec![side("Source", &report.source), side("Target", &report.target)],
        verdict: VerdictView { pass: report.verdict.pass, words, why, exit_code: report.verdict.exit_code },
        rows: rows_text(&profile.rows),
        tolerance: profile.tolerance.clone(),
        policy: policy(report),
        columns: profile
            .columns
            .0
            .iter()
            .map(|(name, c)| ColumnView { name: name.clone(), stats: statistics(c) })
            .collect(),
        group_by: profile.group_by.clone(),
        differing_groups: profile.groups.iter().filter(|g| g.differs > 0).count(),
        groups,
    };
    env.get_template("profile.html").and_then(|t| t.render(minijinja::value::Serde(&page))).map_err(template_error)
}

fn markdown(report: &ProfileReport, rendering: &Rendering) -> Result<String> {
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    let (words, why) = verdict_words(report);
    let mark = if report.verdict.pass { "✅" } else { "❌" };
    let profile = &report.profile;
    let mut out = format!("## {mark} {words}: {why}\n\n");
    out += &format!(
        "recon profile · {} · source `{}` ({}) · target `{}` ({}) · {}\n\n",
        rendering.started.format("%Y-%m-%d %H:%M UTC"),
        cell(&report.source.location),
        report.source.kind,
        cell(&report.target.location),
        report.target.kind,
        rows_text(&profile.rows)
    );
    let stats: Vec<(String, Shown)> = profile
        .columns
        .0
        .iter()
        .flat_map(|(name, c)| statistics(c).into_iter().filter(|s| s.differs).map(move |s| (name.clone(), s)))
        .collect();
    if stats.is_empty() {
        out += &format!(
            "Every statistic of the {} profiled columns is equal under the policy.\n",
            profile.columns.0.len()
        );
    } else {
        out += "| column | statistic | source | target |\n|---|---|---|---|\n";
        for (name, s) in stats.iter().take(MARKDOWN_ROWS) {
            out += &format!("| {} | {} | {} | {} |\n", cell(name), s.name, cell(&s.source), cell(&s.target));
        }
        if stats.len() > MARKDOWN_ROWS {
            out +=
                &format!("\n{} more differing statistics in the JSON and HTML reports.\n", stats.len() - MARKDOWN_ROWS);
        }
    }
    if let Some(group_by) = &profile.group_by {
        let groups: Vec<_> = profile.groups.iter().filter(|g| g.differs > 0).collect();
        out += &format!("\n### Groups by {group_by}: {} of {} differ\n\n", groups.len(), profile.groups.len());
        if !groups.is_empty() {
            out += "| group | source rows | target rows | differing statistics |\n|---|---:|---:|---|\n";
            for g in groups.iter().take(MARKDOWN_ROWS) {
                let stats = differing_text(&differing(&g.columns));
                let (s, t) = (thousands(g.rows.source), thousands(g.rows.target));
                out += &format!("| {} | {s} | {t} | {} |\n", cell(&group_name(&g.group)), cell(&stats));
            }
        }
    }
    // A comment's limit: cut at a line, and say so.
    if out.len() > rendering.markdown_limit {
        let cut = out[..rendering.markdown_limit.saturating_sub(200)].rfind('\n').unwrap_or(0);
        out.truncate(cut);
        out += "\n\nThe summary stops here to stay under the comment limit: the JSON and HTML reports hold it all.\n";
    }
    Ok(out)
}

fn junit(report: &ProfileReport, rendering: &Rendering) -> Result<String> {
    let profile = &report.profile;
    let seconds = Duration::try_from_secs_f64(report.stats.seconds).unwrap_or_default();
    let mut suite = TestSuite::new("recon");
    suite.set_timestamp(rendering.started.fixed_offset()).set_time(seconds);
    suite.add_properties([
        Property::new("source", report.source.location.as_str()),
        Property::new("target", report.target.location.as_str()),
        Property::new("recon_version", report.tool.version.as_str()),
        Property::new("exit_code", report.verdict.exit_code.to_string()),
    ]);
    let case = |name: &str, failures: Vec<String>, out: String| {
        let status = match failures.is_empty() {
            true => TestCaseStatus::success(),
            false => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let n = failures.len() as u64;
                status
                    .set_message(format!(
                        "{n} {}: {}",
                        plural(n, "statistic differs", "statistics differ"),
                        differing_text(&failures)
                    ))
                    .set_type("profile")
                    .set_description(failures.join("\n"));
                status
            }
        };
        let mut case = TestCase::new(name, status);
        case.set_classname("recon.profile");
        case.set_system_out(out);
        case
    };
    let rows = &profile.rows;
    let rows_differ = rows.source != rows.target;
    suite.add_test_case(case(
        "rows",
        if rows_differ { vec![format!("rows: {} ≠ {}", rows.source, rows.target)] } else { Vec::new() },
        rows_text(rows),
    ));
    for (name, column) in &profile.columns.0 {
        let stats = statistics(column);
        let failures =
            stats.iter().filter(|s| s.differs).map(|s| format!("{}: {} ≠ {}", s.name, s.source, s.target)).collect();
        let out = stats.iter().map(|s| format!("{}: {} / {}\n", s.name, s.source, s.target)).collect();
        suite.add_test_case(case(name, failures, out));
    }
    if let Some(group_by) = &profile.group_by {
        let failures = profile
            .groups
            .iter()
            .filter(|g| g.differs > 0)
            .map(|g| {
                format!(
                    "{}: {} rows ≠ {}; {}",
                    group_name(&g.group),
                    g.rows.source,
                    g.rows.target,
                    differing_text(&differing(&g.columns))
                )
            })
            .collect();
        suite.add_test_case(case(
            &format!("groups by {group_by}"),
            failures,
            format!("{} groups", profile.groups.len()),
        ));
    }
    let mut junit = Junit::new("recon");
    junit.set_timestamp(rendering.started.fixed_offset()).set_time(seconds);
    junit.add_test_suite(suite);
    junit.to_string().map_err(|e| Error::internal(format!("JUnit report: {e}")))
}
