//! The budgets that bound what a comparison finds: a count, or a share of the source rows written as a
//! percentage, per category and over time; the verdict weighs each finding's count against its budget.

use serde::{Deserialize, Serialize, Serializer};

use crate::finding::{ByCategory, Category};

/// How many differences of one kind are tolerated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    Count(u64),
    /// A percentage of the source rows.
    Percent(f64),
}

impl Budget {
    /// Parses `10` (a count) or `0.1%` (a share of the source rows); the error says why not, and the caller
    /// (clap, a config file) names the setting.
    pub fn parse(text: &str) -> Result<Budget, String> {
        let text = text.trim();
        if let Some(percent) = percentage(text) {
            let percent = percent.ok_or_else(|| format!("{text:?} is not a percentage like 0.1%"))?;
            if !(0.0..=100.0).contains(&percent) {
                return Err(format!("{text:?} must lie between 0% and 100%"));
            }
            return Ok(Budget::Percent(percent));
        }
        text.parse()
            .map(Budget::Count)
            .map_err(|_| format!("{text:?} is neither a count like 10 nor a share like 0.1%"))
    }

    /// The largest count this budget allows; a share rounds down, so a budget is never exceeded by rounding.
    pub fn allowed(&self, source_rows: u64) -> u64 {
        match self {
            Budget::Count(n) => *n,
            Budget::Percent(p) => ((*p / 100.0) * source_rows as f64).floor() as u64,
        }
    }
}

impl std::fmt::Display for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Budget::Count(n) => write!(f, "{n}"),
            Budget::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl Serialize for Budget {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Budget::Count(n) => serializer.serialize_u64(*n),
            Budget::Percent(_) => serializer.collect_str(self),
        }
    }
}

/// `max_missing = 10` or `max_mismatched = "0.01%"` in a config file; any other value is read as the command
/// line would read its text (`max_missing = true` is `"true" is neither a count like 10 nor …`).
impl<'de> Deserialize<'de> for Budget {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Budget, D::Error> {
        let text = super::written::text::deserialize(deserializer)?.unwrap_or_default();
        Budget::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A share written as a percentage, such as `0.1%`: `None` when `text` does not end in `%`, else its number
/// (`None` within when that is not a finite number). Each caller judges the range it takes.
pub fn percentage(text: &str) -> Option<Option<f64>> {
    let number = text.trim().strip_suffix('%')?;
    Some(number.trim().parse::<f64>().ok().filter(|p| p.is_finite()))
}

/// The budgets set per category, and what a category without one allows: by default nothing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budgets {
    pub missing_in_target: Option<Budget>,
    pub extra_in_target: Option<Budget>,
    pub mismatched: Option<Budget>,
    /// Checked against each side's duplicate keys.
    pub duplicates: Option<Budget>,
    /// Checked against each side's rows with a NULL key part.
    pub null_keys: Option<Budget>,
    /// A category's budget when none is set: 0, or unlimited beside a budget on what is new.
    pub unset: Budget,
    /// `--max-new`: findings history has not seen before (needs `--history`).
    pub new: Option<Budget>,
    /// `--max-unstable`: keys still moving after every recheck.
    pub unstable: Budget,
}

impl Budgets {
    /// The budget that bounds `category`: its own, or else what an unset budget allows.
    pub fn of(&self, category: Category) -> Budget {
        self.own(category).unwrap_or(self.unset)
    }

    /// The budget set for `category`, if one was.
    fn own(&self, category: Category) -> Option<Budget> {
        match category {
            Category::MissingInTarget => self.missing_in_target,
            Category::ExtraInTarget => self.extra_in_target,
            Category::Mismatched => self.mismatched,
            Category::DuplicateKeysSource | Category::DuplicateKeysTarget => self.duplicates,
            Category::NullKeysSource | Category::NullKeysTarget => self.null_keys,
        }
    }

    /// The budgets set for `categories`, in their order (both duplicate categories under the one budget
    /// that bounds them): what a report shows as allowed where nothing is over.
    pub fn set(&self, categories: &[Category]) -> ByCategory<Budget> {
        ByCategory::new(categories.iter().filter_map(|&c| self.own(c).map(|b| (c, b))).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_counts_and_shares() {
        assert_eq!(Budget::parse("10").unwrap(), Budget::Count(10));
        assert_eq!(Budget::parse("0.1%").unwrap(), Budget::Percent(0.1));
        assert!(Budget::parse("ten").is_err());
        assert!(Budget::parse("-1").is_err());
        assert!(Budget::parse("101%").is_err());
        assert!(Budget::parse("nan%").is_err());
    }

    #[test]
    fn a_share_rounds_down() {
        assert_eq!(Budget::Percent(0.1).allowed(6_001_215), 6001);
        assert_eq!(Budget::Percent(0.1).allowed(999), 0);
    }
}
