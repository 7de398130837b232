//! A profile in the terminal, in a profile report or beside a diff (`--profile`): per column its statistics, a
//! differing one as `source ≠ target`, then the groups that differ and by how many rows; the verdict last.

use comfy_table::Cell;
use serde_json::Value;

use super::{differing, differing_text, ProfileReport, ProfiledSide};
use crate::profile::{ColumnProfile, GroupProfile, Pair, Profile, Stat};
use crate::report::screen::Screen;
use crate::report::words::{plural, text, thousands};
use crate::terminal::Tone;

/// Differing groups the terminal lists (the JSON report holds every group).
const GROUP_ROWS: usize = 20;

/// A profile report in the terminal: both sides, the profile, and the verdict last.
pub fn render(report: &ProfileReport, screen: &Screen) -> String {
    let side = |label: &str, s: &ProfiledSide| format!("{label}: {} ({}, {} rows)\n", s.location, s.kind, s.rows);
    let mut out = side("source", &report.source) + &side("target", &report.target);
    out += &block(&report.profile, screen);
    out += &match report.verdict.pass {
        true => {
            format!("\n{}: every statistic is equal under the policy\n", screen.paint("PROFILES MATCH", Tone::Good))
        }
        false => {
            let n = report.profile.differs;
            let statistics = plural(n, "statistic differs", "statistics differ");
            format!("\n{}: {n} {statistics} (profile {n} > 0)\n", screen.paint("PROFILES DIFFER", Tone::Bad))
        }
    };
    out
}

/// The profile block: rows, the columns' statistics, and the groups that differ.
pub fn block(profile: &Profile, screen: &Screen) -> String {
    let mut out = format!("\nprofile of {} columns: {}\n", profile.columns.0.len(), rows_text(&profile.rows));
    let mut columns = screen.table(&["column", "count", "nulls", "distinct", "min", "max", "sum", "mean length"]);
    for (name, column) in &profile.columns.0 {
        columns.add_row(column_cells(name, column, screen));
    }
    out += &format!("{columns}\n");
    out += &format!(
        "(`a ≠ b`: source ≠ target; `~` an estimate; float sums within {}, as --profile-tolerance sets)\n",
        profile.tolerance
    );
    if let Some(group_by) = &profile.group_by {
        out += &groups(profile, group_by, screen);
    }
    out
}

/// `336,776 rows on both sides`, or each side's and the difference.
fn rows_text(rows: &Pair<u64>) -> String {
    match rows.target.cmp(&rows.source) {
        std::cmp::Ordering::Equal => format!("{} rows on both sides", thousands(rows.source)),
        order => {
            let (n, word) = match order {
                std::cmp::Ordering::Less => (rows.source - rows.target, "fewer"),
                _ => (rows.target - rows.source, "more"),
            };
            format!(
                "{} rows in the source, {} in the target ({} {word} in the target)",
                thousands(rows.source),
                thousands(rows.target),
                thousands(n)
            )
        }
    }
}

/// A column's row of statistics: each as its value when both sides agree, `source ≠ target` in red when not.
fn column_cells(name: &str, column: &ColumnProfile, screen: &Screen) -> Vec<Cell> {
    let differs = |stat: Stat| column.differs.contains(&stat);
    let count = |n: u64| Value::from(n);
    let pair = |stat: Stat, values: Option<Pair<Value>>, mark: &str| match values {
        None => Cell::new(""),
        Some(p) if differs(stat) => {
            screen.cell(format!("{mark}{} ≠ {mark}{}", shown(&p.source), shown(&p.target)), Tone::Bad)
        }
        Some(p) if p.source == p.target => Cell::new(format!("{mark}{}", shown(&p.source))),
        Some(p) => Cell::new(format!("{mark}{} / {mark}{}", shown(&p.source), shown(&p.target))),
    };
    let distinct = column.distinct.as_ref().map(|d| Pair {
        source: d.source.map_or(Value::Null, Value::from),
        target: d.target.map_or(Value::Null, Value::from),
    });
    let estimated = if column.distinct.as_ref().is_some_and(|d| d.estimated.is_some()) { "~" } else { "" };
    // Four decimals, or every digit where the means differ (a lost character in a million rows).
    let digits = |x: f64| match differs(Stat::MeanLength) {
        true => Value::String(x.to_string()),
        false => Value::String(format!("{x:.4}")),
    };
    let mean = column
        .mean_length
        .as_ref()
        .map(|m| Pair { source: m.source.map_or(Value::Null, digits), target: m.target.map_or(Value::Null, digits) });
    vec![
        Cell::new(name),
        pair(Stat::Count, Some(Pair { source: count(column.count.source), target: count(column.count.target) }), ""),
        pair(Stat::Nulls, Some(Pair { source: count(column.nulls.source), target: count(column.nulls.target) }), ""),
        pair(Stat::Distinct, distinct, estimated),
        pair(Stat::Min, column.min.clone(), ""),
        pair(Stat::Max, column.max.clone(), ""),
        pair(Stat::Sum, column.sum.clone(), ""),
        pair(Stat::MeanLength, mean, ""),
    ]
}

/// A statistic's value as the terminal shows it: counts with thousands separators, text as it is.
fn shown(value: &Value) -> String {
    match value {
        Value::Number(n) if n.is_u64() => thousands(n.as_u64().unwrap_or_default()),
        other => text(other),
    }
}

/// The groups that differ (the first [`GROUP_ROWS`]), each with its rows and differing statistics.
fn groups(profile: &Profile, group_by: &str, screen: &Screen) -> String {
    let differ: Vec<&GroupProfile> = profile.groups.iter().filter(|g| g.differs > 0).collect();
    let mut out = format!("\ngroups by {group_by}: {}, {} of which differ\n", profile.groups.len(), differ.len());
    if differ.is_empty() {
        return out;
    }
    let mut table = screen.table(&["group", "source rows", "target rows", "differing statistics"]);
    for group in differ.iter().take(GROUP_ROWS) {
        let stats = differing_text(&differing(&group.columns));
        let rows = if group.rows.source != group.rows.target {
            screen.cell(thousands(group.rows.target), Tone::Bad)
        } else {
            Cell::new(thousands(group.rows.target))
        };
        table.add_row(vec![
            Cell::new(text(&group.group)),
            Cell::new(thousands(group.rows.source)),
            rows,
            Cell::new(stats),
        ]);
    }
    out += &format!("{table}\n");
    for group in differ.iter().filter(|g| g.rows.source != g.rows.target).take(GROUP_ROWS) {
        out += &format!("{}: {}\n", text(&group.group), rows_change(&group.rows));
    }
    if differ.len() > GROUP_ROWS {
        out += &format!("({} more differing groups in the JSON report)\n", differ.len() - GROUP_ROWS);
    }
    out
}

/// How a group's rows changed: `2,512 fewer rows in the target`.
fn rows_change(rows: &Pair<u64>) -> String {
    let (n, word) = if rows.target < rows.source {
        (rows.source - rows.target, "fewer")
    } else {
        (rows.target - rows.source, "more")
    };
    format!("{} {word} {} in the target", thousands(n), plural(n, "row", "rows"))
}
