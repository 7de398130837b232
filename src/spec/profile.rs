//! Column profiles as options and as a validated spec: whether a run profiles its columns (beside a diff, or
//! instead of one), how far float sums and estimated distinct counts may differ, when distinct counts are
//! exact, and what rows are grouped by.

use clap::Args;
use serde::{Deserialize, Serialize};

use super::Layers;
use crate::error::{Error, Result};

/// The relative difference float sums may show by default (`1e-7%`, a relative 10⁻⁹): their last bits depend on
/// the order values are added in, which differs between engines and threads (about n·2⁻⁵³ of the sum of
/// magnitudes at worst for n values, far below this for real data), while a lost or changed row moves a sum
/// by its value.
pub const DEFAULT_TOLERANCE: &str = "0.0000001%";

/// Distinct values are counted exactly on tables up to this many rows (a side's row count, or its catalog's
/// estimate), and estimated beyond: an exact count sorts or hashes every value of every column.
pub const DEFAULT_DISTINCT_LIMIT: u64 = 1_000_000;

/// The profile options, as one layer states them (see [`super::Options`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[command(next_help_heading = "Column profiles")]
pub struct ProfileOptions {
    /// Also profile every compared column on both sides (count, nulls, distinct, min, max, sum, mean text
    /// length), computed inside each database, and compare the profiles: a `profile` block and check.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", hide_possible_values = true)]
    pub profile: Option<bool>,
    /// Profile instead of comparing rows (what `recon profile` does): seconds where a diff takes hours.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", hide_possible_values = true)]
    pub profile_only: Option<bool>,
    /// How far float sums may differ, relative to the larger (and estimated distinct counts, beyond three
    /// times their estimate's error) [default: 0.0000001%].
    #[arg(long, value_name = "P%")]
    #[serde(default, deserialize_with = "super::written::text::deserialize")]
    pub profile_tolerance: Option<String>,
    /// Profile per group as well: per value of COL, or per month or day of a date or timestamp column
    /// (COL:month, COL:day), so a difference is located without a full diff.
    #[arg(long, value_name = "COL[:day|:month]")]
    pub profile_group_by: Option<String>,
    /// Count distinct values exactly on tables up to ROWS rows, estimate them beyond [default: 1000000].
    #[arg(long, value_name = "ROWS")]
    pub profile_distinct_limit: Option<u64>,
}

/// A date or timestamp column cut to its month or day, to group rows by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncation {
    Month,
    Day,
}

impl Truncation {
    pub fn name(self) -> &'static str {
        match self {
            Truncation::Month => "month",
            Truncation::Day => "day",
        }
    }

    /// The strftime pattern of a group's name: `2024-03`, `2024-03-01`.
    pub fn pattern(self) -> &'static str {
        match self {
            Truncation::Month => "%Y-%m",
            Truncation::Day => "%Y-%m-%d",
        }
    }
}

/// What rows are grouped by: a column as the source names it, whole or truncated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupBy {
    pub column: String,
    pub unit: Option<Truncation>,
}

impl GroupBy {
    /// As the option writes it: `time_hour:month`.
    pub fn text(&self) -> String {
        match self.unit {
            Some(unit) => format!("{}:{}", self.column, unit.name()),
            None => self.column.clone(),
        }
    }
}

/// A profile, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileSpec {
    /// The profile instead of a diff.
    pub only: bool,
    /// The tolerance as given (`0.0000001%`) and as a share.
    pub tolerance_text: String,
    pub tolerance: f64,
    pub group_by: Option<GroupBy>,
    pub distinct_limit: u64,
}

impl ProfileSpec {
    /// The profile the options ask for, if any; `forced` when the command itself is a profile.
    pub fn resolve(options: &ProfileOptions, layers: &Layers, forced: bool) -> Result<Option<ProfileSpec>> {
        let only = forced || options.profile_only.unwrap_or(false);
        if !(only || options.profile.unwrap_or(false)) {
            let given = ["profile_tolerance", "profile_group_by", "profile_distinct_limit"];
            if let Some(field) = given.into_iter().find(|f| layers.is_set(f)) {
                return Err(Error::setting(
                    layers.setting(field),
                    "applies to a profile: add --profile (beside the diff) or --profile-only, or run recon profile",
                ));
            }
            return Ok(None);
        }
        let tolerance_text = options.profile_tolerance.clone().unwrap_or_else(|| DEFAULT_TOLERANCE.to_string());
        let tolerance = match tolerance_text.trim().strip_suffix('%').map(|p| p.trim().parse::<f64>()) {
            Some(Ok(p)) if p.is_finite() && (0.0..100.0).contains(&p) => p / 100.0,
            _ => {
                return Err(Error::setting(
                    layers.setting("profile_tolerance"),
                    format!("{tolerance_text:?} is not a percentage like 0.01% (at least 0, below 100)"),
                ))
            }
        };
        let group_by = match options.profile_group_by.as_deref().map(str::trim) {
            None => None,
            Some(text) => Some(group_by(text).map_err(|m| Error::setting(layers.setting("profile_group_by"), m))?),
        };
        Ok(Some(ProfileSpec {
            only,
            tolerance_text,
            tolerance,
            group_by,
            distinct_limit: options.profile_distinct_limit.unwrap_or(DEFAULT_DISTINCT_LIMIT),
        }))
    }
}

/// `COL`, `COL:month` or `COL:day`; a column whose name holds `:` is named whole when no unit follows.
fn group_by(text: &str) -> std::result::Result<GroupBy, String> {
    let (column, unit) = match text.rsplit_once(':') {
        Some((column, "month")) => (column, Some(Truncation::Month)),
        Some((column, "day")) => (column, Some(Truncation::Day)),
        Some((_, unit)) if !unit.is_empty() && unit.chars().all(|c| c.is_ascii_alphabetic()) => {
            let hint = crate::spelling::did_you_mean(unit, ["month", "day"]);
            return Err(format!("{text:?}: a column is grouped whole, or by :month or :day, not :{unit}{hint}"));
        }
        _ => (text, None),
    };
    match column.trim() {
        "" => Err(format!("{text:?} names no column")),
        column => Ok(GroupBy { column: column.to_string(), unit }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_a_column_whole_or_cut_to_its_month_or_day() {
        let group = |text| group_by(text).map(|g| (g.column, g.unit));
        assert_eq!(group("region"), Ok(("region".into(), None)));
        assert_eq!(group("time_hour:month"), Ok(("time_hour".into(), Some(Truncation::Month))));
        assert_eq!(group("day:day"), Ok(("day".into(), Some(Truncation::Day))));
        assert_eq!(
            group("time_hour:mnoth"),
            Err(
                "\"time_hour:mnoth\": a column is grouped whole, or by :month or :day, not :mnoth; did you mean month?"
                    .into()
            )
        );
        assert_eq!(group(":month"), Err("\":month\" names no column".into()));
    }
}
