//! The profile report (`recon profile`, `--profile-only`; DESIGN.md "Profiles"): which sides, the policy, the
//! `profile` block and a verdict whose one check is `profile` — and the profile as the terminal shows it, in a
//! profile report or beside a diff (`--profile`): per column its statistics, a differing one as `source ≠
//! target`, then the groups that differ and by how many rows.

pub mod documents;
pub mod table;

use serde::{Deserialize, Serialize};

use super::verdict::{profile_violation, Verdict};
use super::{ReportKind, Tool, REPORT_VERSION};
use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::profile::{ColumnProfile, Named, Profile};
use crate::side::Side;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileReport {
    pub report_version: u32,
    /// `profile`.
    pub kind: ReportKind,
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
    /// `--retries`: how many times the table was read again after a lost connection, in a fresh snapshot.
    #[serde(default, skip_serializing_if = "crate::report::model::is_zero")]
    pub retries: u32,
}

impl ProfileReport {
    pub fn new(plan: &Plan, profile: Profile, seconds: f64) -> ProfileReport {
        let side = |side: Side| {
            let dataset = &plan.datasets[side];
            let rows = if side == Side::Source { profile.rows.source } else { profile.rows.target };
            ProfiledSide { location: dataset.location.clone(), kind: dataset.format.kind().to_string(), rows }
        };
        let verdict = Verdict::of(profile_violation(&profile).into_iter().collect(), 0);
        ProfileReport {
            report_version: REPORT_VERSION,
            kind: ReportKind::Profile,
            tool: Tool::recon(),
            source: side(Side::Source),
            target: side(Side::Target),
            compared_columns: profile.columns.0.iter().map(|(name, _)| name.clone()).collect(),
            policy: plan.policy.clone(),
            profile,
            verdict,
            stats: ProfileStats { seconds, peak_memory_bytes: super::peak_memory(), retries: 0 },
        }
    }

    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::internal(format!("report: {e}")))
    }
}

/// The differing statistics of a group's columns, as `column.stat` names.
pub(crate) fn differing(columns: &Named<ColumnProfile>) -> Vec<String> {
    columns.0.iter().flat_map(|(name, c)| c.differs.iter().map(move |s| format!("{name}.{}", s.name()))).collect()
}

/// The first few of `stats`, the rest counted: `a.count, b.sum and 12 more`.
pub(crate) fn differing_text(stats: &[String]) -> String {
    let shown: Vec<&str> = stats.iter().take(6).map(String::as_str).collect();
    match stats.len() - shown.len() {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}
