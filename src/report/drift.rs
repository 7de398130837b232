//! The report's `drift` section (DESIGN.md, "Runs over time"): what this run's scope was, how its findings
//! relate to earlier runs kept in history (new, persisting, resolved), and what rechecks found to be rows in
//! flight (transient) or unstable: keys whose rows changed on both sides between every pair of reads and still
//! differ (a row whose one side stood still is a finding of its category).
//!
//! ```json
//! "drift": {"history": "orders", "run": 42, "previous_run": {"id": 41, "started": "2026-11-29T02:00:00Z"},
//!           "scope": "window", "rechecks": 2, "new": 3, "persisting": 12, "resolved": 5, "transient": 40,
//!           "unstable": 2}
//! ```
//!
//! `new`, `persisting` and `resolved` appear with `--history` only; the rest whenever a drift option is on.
//! With rechecks the report's counts are the first read's, settled: transient keys leave their category (for
//! `matched` when the first read held them on the source), unstable ones leave it for `unstable`; so the
//! summary still accounts for the first read's source rows. Examples show the last read's rows.

use serde::{Deserialize, Serialize};

use crate::finding::StatusCounts;
use crate::side::Sides;
use crate::spec::{Scope, SpecChange};

/// A run kept in history, as the report names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRef {
    pub id: i64,
    /// RFC 3339.
    pub started: String,
}

/// The keys a windowed run chose by change time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WindowReport {
    /// Keys whose row changed at or after these instants (each side's clock) were compared: `--max-age`,
    /// `--since-last-run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_since: Option<Sides<String>>,
    /// Keys read on each side because their row changed in that window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_keys: Option<Sides<u64>>,
    /// Keys whose row changed at or after these instants, on either side, were left out on both: `--min-age`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_out_since: Option<Sides<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_out_keys: Option<u64>,
    /// Findings still open in history, read again by key whatever their change time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_findings_read: Option<u64>,
    /// `--since-last-run`: keys the keys-only pass over both sides found on one side only or duplicated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_sided_keys: Option<u64>,
}

/// How this run relates to the others of its table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// The name the table's runs are kept under in history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<String>,
    /// This run's id in history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<i64>,
    /// The table's latest run before this one (`null` when this is its first).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub previous_run: Option<Option<RunRef>>,
    pub scope: Scope,
    /// Rechecks run (at most `--recheck`: they stop when nothing differs any more).
    pub rechecks: u32,
    #[serde(flatten)]
    pub findings: StatusCounts,
    /// `--keys`: how many keys the file listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys_listed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowReport>,
    /// Open findings this run's scope did not cover: neither seen nor resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_covered: Option<u64>,
    /// What changed in the spec since the previous run: `key` (the key or how its values are made canonical;
    /// earlier findings are closed as superseded), or `comparison` (columns, policy, filter: findings stay
    /// comparable, but one may resolve because of the new settings rather than a fix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_changed: Option<SpecChange>,
    /// Open findings closed because the key changed (`spec_changed: "key"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded: Option<u64>,
    /// When a baseline was accepted (`recon history accept`): `--max-new` counts the findings not in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    /// Keys still differing after the rechecks whose rows changed on both sides between every pair of reads
    /// (the first `--max-examples`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unstable_keys: Vec<serde_json::Value>,
    /// Rows the rechecks read again, per side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rechecked_rows: Option<Sides<u64>>,
    /// Wall-clock seconds of the rechecks' reads and comparisons, without the delays before them (the first
    /// read's are in `stats.seconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recheck_seconds: Option<f64>,
}

/// A field that is there, `null` included (`Some(None)`); an absent one is `None` by `#[serde(default)]`.
/// Without it a report read back (from `--state`) would lose `"previous_run": null`.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// RFC 3339: when the baseline was accepted.
    pub accepted: String,
    /// This run's findings that are not in the baseline: what `--max-new` counts.
    pub beyond: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_run_keeps_its_null_previous_run_when_read_back() {
        let first =
            r#"{"history":"t","run":1,"previous_run":null,"scope":"table","rechecks":0,"transient":0,"unstable":0}"#;
        let report: DriftReport = serde_json::from_str(first).unwrap();
        assert_eq!(report.previous_run, Some(None));
        assert_eq!(serde_json::to_string(&report).unwrap(), first);
        let without = r#"{"scope":"table","rechecks":0,"transient":0,"unstable":0}"#;
        let report: DriftReport = serde_json::from_str(without).unwrap();
        assert_eq!(report.previous_run, None);
        assert_eq!(serde_json::to_string(&report).unwrap(), without);
    }
}
