//! The profile report (`recon profile`, `--profile-only`; CONTRACT.md "Profiles"): which sides, the policy, the
//! `profile` block and a verdict whose one check is `profile` — and the profile as the terminal shows it, in a
//! profile report or beside a diff (`--profile`): per column its statistics, a differing one as `source ≠
//! target`, then the groups that differ and by how many rows.

pub mod documents;

use comfy_table::Cell;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::documents::thousands;
use super::redact::Redactor;
use super::table::{self, Screen};
use super::verdict::{Verdict, Violation};
use super::{Tool, REPORT_VERSION};
use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::profile::{ColumnProfile, GroupProfile, Pair, Profile, Stat};
use crate::side::Side;
use crate::terminal::Tone;

/// The check a differing profile breaks.
pub const CHECK: &str = "profile";
/// Differing groups the terminal lists (the JSON report holds every group).
const GROUP_ROWS: usize = 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileReport {
    pub report_version: u32,
    /// `profile`.
    pub kind: String,
    pub tool: Tool,
    pub source: ProfiledSide,
    pub target: ProfiledSide,
    /// The profiled columns, as the source names them.
    pub compared_columns: Vec<String>,
    pub policy: crate::spec::Policy,
    pub profile: Profile,
    pub verdict: Verdict,
    pub stats: ProfileStats,
}

/// One side of a profile: where (masked), what kind, and its rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfiledSide {
    pub location: String,
    pub kind: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProfileStats {
    pub seconds: f64,
    pub peak_memory_bytes: Option<u64>,
}

impl ProfileReport {
    pub fn new(plan: &Plan, profile: Profile, seconds: f64) -> ProfileReport {
        let side = |side: Side| {
            let dataset = &plan.datasets[side];
            let rows = if side == Side::Source { profile.rows.source } else { profile.rows.target };
            ProfiledSide { location: dataset.location.clone(), kind: dataset.format.kind().to_string(), rows }
        };
        let verdict = Verdict::of(violation(&profile).into_iter().collect());
        ProfileReport {
            report_version: REPORT_VERSION,
            kind: "profile".into(),
            tool: Tool::recon(),
            source: side(Side::Source),
            target: side(Side::Target),
            compared_columns: profile.columns.0.iter().map(|(name, _)| name.clone()).collect(),
            policy: plan.policy.clone(),
            profile,
            verdict,
            stats: ProfileStats { seconds, peak_memory_bytes: super::peak_memory() },
        }
    }

    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::internal(format!("report: {e}")))
    }
}

/// `--redact`: the values a profile shows — extremes, and the groups of a column grouped whole — as keyed
/// hashes; counts, sums and lengths are no one's data.
pub fn redact(profile: &mut Profile, redactor: &Redactor) {
    let hash = |pair: &mut Option<Pair<Value>>| {
        if let Some(pair) = pair {
            (pair.source, pair.target) = (redactor.value(&pair.source), redactor.value(&pair.target));
        }
    };
    let columns = |columns: &mut crate::profile::Named<ColumnProfile>| {
        for (_, column) in &mut columns.0 {
            hash(&mut column.min);
            hash(&mut column.max);
        }
    };
    columns(&mut profile.columns);
    let whole = profile.group_by.as_deref().is_some_and(|g| !g.ends_with(":month") && !g.ends_with(":day"));
    for group in &mut profile.groups {
        columns(&mut group.columns);
        if whole {
            group.group = redactor.value(&group.group);
        }
    }
}

/// The `profile` check broken when any statistic differs.
pub fn violation(profile: &Profile) -> Option<Violation> {
    (profile.differs > 0).then(|| Violation {
        table: None,
        check: CHECK.into(),
        actual: profile.differs,
        allowed: 0,
        upper_bound: None,
    })
}

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
            let statistics = super::documents::plural(n, "statistic differs", "statistics differ");
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
        other => table::text(other),
    }
}

/// The groups that differ (the first [`GROUP_ROWS`]), each with its rows and differing statistics.
fn groups(profile: &Profile, group_by: &str, screen: &Screen) -> String {
    let differing: Vec<&GroupProfile> = profile.groups.iter().filter(|g| g.differs > 0).collect();
    let mut out = format!("\ngroups by {group_by}: {}, {} of which differ\n", profile.groups.len(), differing.len());
    if differing.is_empty() {
        return out;
    }
    let mut table = screen.table(&["group", "source rows", "target rows", "differing statistics"]);
    for group in differing.iter().take(GROUP_ROWS) {
        let stats = documents::differing_text(&documents::differing(&group.columns));
        let rows = if group.rows.source != group.rows.target {
            screen.cell(thousands(group.rows.target), Tone::Bad)
        } else {
            Cell::new(thousands(group.rows.target))
        };
        table.add_row(vec![
            Cell::new(table::text(&group.group)),
            Cell::new(thousands(group.rows.source)),
            rows,
            Cell::new(stats),
        ]);
    }
    out += &format!("{table}\n");
    for group in differing.iter().filter(|g| g.rows.source != g.rows.target).take(GROUP_ROWS) {
        out += &format!("{}: {}\n", table::text(&group.group), rows_change(&group.rows));
    }
    if differing.len() > GROUP_ROWS {
        out += &format!("({} more differing groups in the JSON report)\n", differing.len() - GROUP_ROWS);
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
    format!("{} {word} {} in the target", thousands(n), super::documents::plural(n, "row", "rows"))
}
