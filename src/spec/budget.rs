//! The report's categories and the budgets that bound them: one closed vocabulary that the verdict, the
//! JSON, the terminal table and every later writer share.

use std::ops::{Index, IndexMut};

use serde::{Deserialize, Serialize, Serializer};

use crate::side::Side;

/// What a key can be found to be, as the report counts it (CONTRACT.md, "Classification").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    MissingInTarget,
    ExtraInTarget,
    Mismatched,
    DuplicateKeysSource,
    DuplicateKeysTarget,
    NullKeysSource,
    NullKeysTarget,
}

impl Category {
    /// Every category, in the order reports list them.
    pub const ALL: [Category; 7] = [
        Category::MissingInTarget,
        Category::ExtraInTarget,
        Category::Mismatched,
        Category::DuplicateKeysSource,
        Category::DuplicateKeysTarget,
        Category::NullKeysSource,
        Category::NullKeysTarget,
    ];

    /// The categories of a keyless comparison (rows with their multiplicity, CONTRACT.md "Keys").
    pub const KEYLESS: [Category; 2] = [Category::MissingInTarget, Category::ExtraInTarget];

    pub fn name(self) -> &'static str {
        match self {
            Category::MissingInTarget => "missing_in_target",
            Category::ExtraInTarget => "extra_in_target",
            Category::Mismatched => "mismatched",
            Category::DuplicateKeysSource => "duplicate_keys_source",
            Category::DuplicateKeysTarget => "duplicate_keys_target",
            Category::NullKeysSource => "null_keys_source",
            Category::NullKeysTarget => "null_keys_target",
        }
    }

    /// The side whose rows a finding of this category is: a sample's rate of it is a share of that side's
    /// sampled rows.
    pub fn side(self) -> Side {
        match self {
            Category::ExtraInTarget | Category::DuplicateKeysTarget | Category::NullKeysTarget => Side::Target,
            _ => Side::Source,
        }
    }

    /// The budget that bounds this category: its own, or else what an unset budget allows.
    pub fn budget(self, budgets: &Budgets) -> Budget {
        self.own_budget(budgets).unwrap_or(budgets.unset)
    }

    /// The budget set for this category, if one was.
    fn own_budget(self, budgets: &Budgets) -> Option<Budget> {
        match self {
            Category::MissingInTarget => budgets.missing_in_target,
            Category::ExtraInTarget => budgets.extra_in_target,
            Category::Mismatched => budgets.mismatched,
            Category::DuplicateKeysSource | Category::DuplicateKeysTarget => budgets.duplicates,
            Category::NullKeysSource | Category::NullKeysTarget => budgets.null_keys,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One value per category, serialized as an object in [`Category::ALL`] order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PerCategory<T>([T; 7]);

impl<T> PerCategory<T> {
    pub fn from_fn(f: impl FnMut(Category) -> T) -> PerCategory<T> {
        PerCategory(Category::ALL.map(f))
    }

    pub fn iter(&self) -> impl Iterator<Item = (Category, &T)> {
        Category::ALL.into_iter().zip(&self.0)
    }
}

impl<T> Index<Category> for PerCategory<T> {
    type Output = T;

    fn index(&self, category: Category) -> &T {
        &self.0[category.index()]
    }
}

impl<T> IndexMut<Category> for PerCategory<T> {
    fn index_mut(&mut self, category: Category) -> &mut T {
        &mut self.0[category.index()]
    }
}

impl<T> PerCategory<T> {
    /// The values of `categories` only, in their order: what a report shows of a comparison whose
    /// categories are those (a keyless one has two).
    pub fn only(self, categories: &[Category]) -> ByCategory<T> {
        let mut values = self.0.map(Some);
        let entries = categories.iter().filter_map(|&c| values[c.index()].take().map(|v| (c, v))).collect();
        ByCategory(entries)
    }
}

/// Values for some categories, in report order; serialized as an object keyed by category name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByCategory<T>(Vec<(Category, T)>);

impl<T> ByCategory<T> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, category: Category) -> Option<&T> {
        self.0.iter().find(|(c, _)| *c == category).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (Category, &T)> {
        self.0.iter().map(|(c, v)| (*c, v))
    }

    pub fn map<U>(&self, mut f: impl FnMut(Category, &T) -> U) -> ByCategory<U> {
        ByCategory(self.0.iter().map(|(c, v)| (*c, f(*c, v))).collect())
    }
}

impl<T> Default for ByCategory<T> {
    fn default() -> Self {
        ByCategory(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ByCategory<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A map in report order; keys that are not categories (a summary's row counts) are left out.
        let entries = std::collections::BTreeMap::<String, serde_json::Value>::deserialize(deserializer)?;
        let mut values = Vec::new();
        for category in Category::ALL {
            if let Some(value) = entries.get(category.name()) {
                values.push((category, T::deserialize(value.clone()).map_err(serde::de::Error::custom)?));
            }
        }
        Ok(ByCategory(values))
    }
}

impl<T: Serialize> Serialize for ByCategory<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter().map(|(c, v)| (c.name(), v)))
    }
}

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
        if let Some(number) = text.strip_suffix('%') {
            let percent: f64 = number.trim().parse().map_err(|_| format!("{text:?} is not a percentage like 0.1%"))?;
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
        let text = super::options::text::deserialize(deserializer)?.unwrap_or_default();
        Budget::parse(&text).map_err(serde::de::Error::custom)
    }
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
    /// The budgets set for `categories`, in their order (both duplicate categories under the one budget
    /// that bounds them): what a report shows as allowed where nothing is over.
    pub fn set(&self, categories: &[Category]) -> ByCategory<Budget> {
        ByCategory(categories.iter().filter_map(|&c| c.own_budget(self).map(|b| (c, b))).collect())
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
    }

    #[test]
    fn a_share_rounds_down() {
        assert_eq!(Budget::Percent(0.1).allowed(6_001_215), 6001);
        assert_eq!(Budget::Percent(0.1).allowed(999), 0);
    }

    #[test]
    fn categories_serialize_in_report_order() {
        let counts = PerCategory::from_fn(|c| c as u64);
        let json = serde_json::to_string(&counts.only(&Category::ALL)).unwrap();
        assert!(json.starts_with(r#"{"missing_in_target":0,"extra_in_target":1,"mismatched":2"#), "{json}");
        let keyless = serde_json::to_string(&counts.only(&Category::KEYLESS)).unwrap();
        assert_eq!(keyless, r#"{"missing_in_target":0,"extra_in_target":1}"#);
        assert_eq!(Category::DuplicateKeysTarget.side(), Side::Target);
    }
}
