//! The findings' words, shared by every stage that counts, judges, keeps or shows them: the report's
//! categories ([`Category`], with [`PerCategory`] and [`ByCategory`] holding a value per category), why two
//! values differ ([`Cause`], [`Explained`]), where a key came from ([`KeySource`]), what a verdict checks
//! ([`Check`]), where a finding stands over time ([`FindingStatus`], [`Closing`], counted by
//! [`StatusCounts`]), what became of an audit's table ([`TableStatus`]), and the schema checks of a sign-off
//! ([`SchemaCheckKind`]).

use std::ops::{Index, IndexMut};

use serde::{Deserialize, Serialize, Serializer};

use crate::side::Side;
use crate::vocabulary::vocabulary;

vocabulary! {
    /// What a key can be found to be, as the report counts it (DESIGN.md, "Classification").
    pub enum Category ("category") {
        MissingInTarget = "missing_in_target",
        ExtraInTarget = "extra_in_target",
        Mismatched = "mismatched",
        DuplicateKeysSource = "duplicate_keys_source",
        DuplicateKeysTarget = "duplicate_keys_target",
        NullKeysSource = "null_keys_source",
        NullKeysTarget = "null_keys_target",
    }
}

impl Category {
    /// The categories of a keyless comparison (rows with their multiplicity, DESIGN.md "Keys").
    pub const KEYLESS: [Category; 2] = [Category::MissingInTarget, Category::ExtraInTarget];

    /// The side whose rows a finding of this category is: a sample's rate of it is a share of that side's
    /// sampled rows.
    pub fn side(self) -> Side {
        match self {
            Category::ExtraInTarget | Category::DuplicateKeysTarget | Category::NullKeysTarget => Side::Target,
            _ => Side::Source,
        }
    }
}

/// One value per category, in [`Category::ALL`] order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PerCategory<T>([T; 7]);

impl<T> PerCategory<T> {
    pub fn from_fn(f: impl FnMut(Category) -> T) -> PerCategory<T> {
        PerCategory(Category::ALL.map(f))
    }

    pub fn iter(&self) -> impl Iterator<Item = (Category, &T)> {
        Category::ALL.into_iter().zip(&self.0)
    }

    /// The values of `categories` only, in their order: what a report shows of a comparison whose
    /// categories are those (a keyless one has two).
    pub fn only(self, categories: &[Category]) -> ByCategory<T> {
        let mut values = self.0.map(Some);
        let entries = categories.iter().filter_map(|&c| values[c.index()].take().map(|v| (c, v))).collect();
        ByCategory(entries)
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

/// Values for some categories, in report order; serialized as an object keyed by category name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByCategory<T>(Vec<(Category, T)>);

impl<T> ByCategory<T> {
    /// The values given, kept in report order.
    pub fn new(mut entries: Vec<(Category, T)>) -> ByCategory<T> {
        entries.sort_by_key(|(c, _)| *c);
        ByCategory(entries)
    }

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

vocabulary! {
    /// Why a differing value pair differs (DESIGN.md, "Explanations"), in the order a pair is tested against
    /// them: the first that explains it wins.
    pub enum Cause ("cause") {
        NullVsEmpty = "null_vs_empty",
        NullVsDefault = "null_vs_default",
        Whitespace = "whitespace",
        Case = "case",
        UnicodeNormalization = "unicode_normalization",
        Encoding = "encoding",
        Truncation = "truncation",
        Rounding = "rounding",
        TimeShift = "time_shift",
        TimestampPrecision = "timestamp_precision",
        Unparseable = "unparseable",
        Other = "other",
    }
}

/// A differing pair's cause, and for a `time_shift` the shift (target minus source) in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explained {
    pub cause: Cause,
    pub shift: Option<i32>,
}

impl Explained {
    pub fn of(cause: Cause) -> Explained {
        Explained { cause, shift: None }
    }
}

vocabulary! {
    /// Where a comparison's key came from, as the report's `key_source` says.
    pub enum KeySource ("key source") {
        Option = "option",
        Config = "config",
        SourcePrimaryKey = "source_primary_key",
        TargetPrimaryKey = "target_primary_key",
        UniqueIndex = "unique_index",
        Keyless = "keyless",
    }
}

vocabulary! {
    /// What a verdict weighs against a budget: each category of a table, and over time the findings new to
    /// history and the keys still moving after every recheck; in an audit, the tables on one side only and
    /// the schema checks.
    pub enum Check ("check") {
        MissingInTarget = "missing_in_target",
        ExtraInTarget = "extra_in_target",
        Mismatched = "mismatched",
        DuplicateKeysSource = "duplicate_keys_source",
        DuplicateKeysTarget = "duplicate_keys_target",
        NullKeysSource = "null_keys_source",
        NullKeysTarget = "null_keys_target",
        /// `--max-new`: findings history has not seen before (or beyond the accepted baseline).
        New = "new",
        /// `--max-unstable`: keys whose rows changed on both sides between every pair of reads.
        Unstable = "unstable",
        /// `--max-missing-tables`.
        MissingTables = "missing_tables",
        /// `--max-extra-tables`.
        ExtraTables = "extra_tables",
        /// `--max-schema-checks`.
        SchemaChecks = "schema_checks",
        /// `--profile`, `recon profile`: statistics of the column profiles that differ (none allowed).
        Profile = "profile",
    }
}

impl From<Category> for Check {
    fn from(category: Category) -> Check {
        match category {
            Category::MissingInTarget => Check::MissingInTarget,
            Category::ExtraInTarget => Check::ExtraInTarget,
            Category::Mismatched => Check::Mismatched,
            Category::DuplicateKeysSource => Check::DuplicateKeysSource,
            Category::DuplicateKeysTarget => Check::DuplicateKeysTarget,
            Category::NullKeysSource => Check::NullKeysSource,
            Category::NullKeysTarget => Check::NullKeysTarget,
        }
    }
}

vocabulary! {
    /// Where a finding stands against earlier runs and rechecks: one closed vocabulary for reports and history.
    pub enum FindingStatus ("finding status") {
        /// First seen by this run.
        New = "new",
        /// Open since an earlier run, seen again.
        Persisting = "persisting",
        /// Open before, and this run, whose scope covers its key, no longer sees it.
        Resolved = "resolved",
        /// Seen by this run's first read, gone on a recheck: a row in flight.
        Transient = "transient",
        /// Still differing after every recheck, its rows changed on both sides between every pair of reads.
        Unstable = "unstable",
    }
}

vocabulary! {
    /// How an open finding ends in history.
    pub enum Closing ("closing") {
        /// A run covering its key no longer saw it.
        Resolved = "resolved",
        /// The table's key changed: the finding cannot be compared with what runs see now.
        Superseded = "superseded",
    }
}

/// Findings counted by status: `new`, `persisting` and `resolved` against history (absent without it),
/// `transient` and `unstable` from rechecks. A table's drift report holds its own, an audit's summary their
/// sum, history each run's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persisting: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<u64>,
    pub transient: u64,
    pub unstable: u64,
}

impl StatusCounts {
    /// Adds `other`'s counts: a history count is summed over the tables that have it.
    pub fn add(&mut self, other: &StatusCounts) {
        let sum = |total: Option<u64>, n: Option<u64>| match (total, n) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        self.new = sum(self.new, other.new);
        self.persisting = sum(self.persisting, other.persisting);
        self.resolved = sum(self.resolved, other.resolved);
        self.transient += other.transient;
        self.unstable += other.unstable;
    }

    /// Each status with its count, in [`FindingStatus::ALL`] order (`None` where not counted).
    pub fn by_status(&self) -> [(FindingStatus, Option<u64>); 5] {
        FindingStatus::ALL.map(|status| {
            let count = match status {
                FindingStatus::New => self.new,
                FindingStatus::Persisting => self.persisting,
                FindingStatus::Resolved => self.resolved,
                FindingStatus::Transient => Some(self.transient),
                FindingStatus::Unstable => Some(self.unstable),
            };
            (status, count)
        })
    }
}

vocabulary! {
    /// What became of an audit's table.
    pub enum TableStatus ("table status") {
        Pass = "pass",
        Fail = "fail",
        Error = "error",
        Skipped = "skipped",
        MissingInTarget = "missing_in_target",
        ExtraInTarget = "extra_in_target",
    }
}

vocabulary! {
    /// The schema checks of a sign-off, by the names reports and config files give them: what breaks after
    /// go-live though every row arrived.
    pub enum SchemaCheckKind ("schema check") {
        /// A sequence whose next value is at or below its column's largest: the first insert fails.
        SequenceBehind = "sequence_behind",
        NotNullMissing = "not_null_missing",
        UniqueMissing = "unique_missing",
        ForeignKeyMissing = "foreign_key_missing",
        /// A column compared at a narrower type on one side.
        TypeNarrowed = "type_narrowed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_serialize_in_report_order() {
        let counts = PerCategory::from_fn(|c| c as u64);
        let json = serde_json::to_string(&counts.only(&Category::ALL)).unwrap();
        assert!(json.starts_with(r#"{"missing_in_target":0,"extra_in_target":1,"mismatched":2"#), "{json}");
        let keyless = serde_json::to_string(&counts.only(&Category::KEYLESS)).unwrap();
        assert_eq!(keyless, r#"{"missing_in_target":0,"extra_in_target":1}"#);
        assert_eq!(Category::DuplicateKeysTarget.side(), Side::Target);
    }

    #[test]
    fn a_category_is_checked_under_its_own_name() {
        for category in Category::ALL {
            assert_eq!(Check::from(category).name(), category.name());
        }
        assert_eq!(Check::parse("schema_checks"), Some(Check::SchemaChecks));
    }

    #[test]
    fn history_counts_are_summed_only_where_counted() {
        let mut total = StatusCounts { transient: 2, ..StatusCounts::default() };
        total.add(&StatusCounts { new: Some(3), persisting: Some(1), resolved: Some(0), transient: 1, unstable: 4 });
        total.add(&StatusCounts { new: Some(2), ..StatusCounts::default() });
        assert_eq!(
            total,
            StatusCounts { new: Some(5), persisting: Some(1), resolved: Some(0), transient: 3, unstable: 4 }
        );
        let json = serde_json::to_string(&StatusCounts { transient: 1, ..StatusCounts::default() }).unwrap();
        assert_eq!(json, r#"{"transient":1,"unstable":0}"#);
    }
}
