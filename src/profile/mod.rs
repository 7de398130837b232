//! Column profiles: the quick look before the full proof. Per compared column and side — count, NULLs, distinct
//! values, min, max, sum (exact for integers and decimals) and mean text length — computed where the data is
//! (one aggregate statement per table inside a database, in its snapshot; DataFusion over files, one pass),
//! then compared under the equivalence policy: extremes as canonical values (timestamps as instants, decimals
//! by value), float sums within `--profile-tolerance`, estimated distinct counts within it plus three times
//! their error. Grouped by a column, or a date's month or day, a difference is located without a diff.
//!
//! A profile proves no row equal; it catches a lost column, a shifted decimal or a truncated load in the time
//! a database takes to scan a table once.

mod files;
mod judge;
mod side;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::normalize::Canon;
use crate::plan::{ColumnPair, Plan};
use crate::session::Session;
use crate::side::{Side, Sides};
use crate::source::aggregates::{Aggregates, ColumnAggregates, Grouping, Sum};
use crate::spec::profile::ProfileSpec;
use side::{Counted, GroupStats};

/// A statistic of a profile, as reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stat {
    Rows,
    Count,
    Nulls,
    Distinct,
    Min,
    Max,
    Sum,
    MeanLength,
}

impl Stat {
    pub fn name(self) -> &'static str {
        match self {
            Stat::Rows => "rows",
            Stat::Count => "count",
            Stat::Nulls => "nulls",
            Stat::Distinct => "distinct",
            Stat::Min => "min",
            Stat::Max => "max",
            Stat::Sum => "sum",
            Stat::MeanLength => "mean_length",
        }
    }
}

/// One statistic on both sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair<T> {
    pub source: T,
    pub target: T,
}

impl<T> Pair<T> {
    fn of(sides: Sides<T>) -> Pair<T> {
        Pair { source: sides.source, target: sides.target }
    }
}

/// A column profile, the report's `profile` block (DESIGN.md, "Profiles"): the table's rows, each profiled
/// column's statistics, and with `--profile-group-by` each group's; `differs` counts every differing statistic,
/// of the whole table and of each group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub rows: Pair<u64>,
    pub columns: Named<ColumnProfile>,
    pub differs: u64,
    /// How far float sums may differ (`--profile-tolerance`), as given.
    pub tolerance: String,
    /// `COL`, `COL:month` or `COL:day`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupProfile>,
}

/// One column's statistics; those that do not apply to its type are absent. Extremes are canonical values as
/// compared (text), exact sums decimal text, float sums numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub count: Pair<u64>,
    pub nulls: Pair<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct: Option<Distinct>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Pair<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Pair<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum: Option<Pair<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_length: Option<Pair<Option<f64>>>,
    /// The statistics that differ.
    pub differs: Vec<Stat>,
}

/// Distinct values on both sides; when either is estimated, how (`exact`, `hyperloglog`, `pg_stats`) and the
/// larger relative standard error, or `compared: false` when an estimate states none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distinct {
    pub source: Option<u64>,
    pub target: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated: Option<Pair<String>>,
    #[serde(default = "compared", skip_serializing_if = "is_compared")]
    pub compared: bool,
}

fn compared() -> bool {
    true
}

fn is_compared(compared: &bool) -> bool {
    *compared
}

/// One group's statistics: the group (a month, a day or a value, as text; NULL for rows without one), its rows
/// on each side, its columns, and how many of its statistics differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupProfile {
    pub group: Value,
    pub rows: Pair<u64>,
    pub columns: Named<ColumnProfile>,
    pub differs: u64,
}

/// Values by column name, in profile order, serialized as a JSON object.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Named<T>(pub Vec<(String, T)>);

impl<T> Named<T> {
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, value)| (name, value)))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Named<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Named<T>, D::Error> {
        let map = serde_json::Map::<String, Value>::deserialize(deserializer)?;
        let entries =
            map.into_iter().map(|(name, value)| Ok((name, T::deserialize(value).map_err(serde::de::Error::custom)?)));
        Ok(Named(entries.collect::<std::result::Result<_, D::Error>>()?))
    }
}

/// What is profiled of one column pair.
pub(crate) struct Profiled<'a> {
    pub pair: &'a ColumnPair,
    pub text: bool,
    pub extremes: bool,
    /// Sums are computed (each side exactly where its type is exact).
    pub sum: bool,
    pub distinct: bool,
    pub unpadded: bool,
    pub empty_as_null: bool,
}

impl<'a> Profiled<'a> {
    /// What a column compared as `pair.resolution.canon` gets: string rules other than `--empty-as-null`
    /// change text in ways no database applies alike, so such text gets counts and NULLs only.
    fn of(pair: &'a ColumnPair, plan: &Plan) -> Profiled<'a> {
        let strings = &plan.policy;
        let rules = strings.trim || strings.ignore_case || strings.unicode_nfc;
        let canon = &pair.resolution.canon;
        let unpadded = canon.rule().is_some();
        let (text, extremes, sum, distinct) = match canon.base() {
            Canon::Text => (!rules, !rules, false, !rules),
            Canon::Bool | Canon::Date | Canon::Time(_) | Canon::Timestamp(_) | Canon::TimestampDigits { .. } => {
                (false, true, false, true)
            }
            Canon::Int
            | Canon::Decimal { .. }
            | Canon::Decimal256 { .. }
            | Canon::DecimalText
            | Canon::Float32
            | Canon::Float64
            | Canon::NumberText { .. } => (false, true, true, true),
            // Trailing blanks of bytes are no blanks to a database's distinct.
            Canon::Binary => (false, false, false, !unpadded),
            // json has no equality in PostgreSQL; the others' order differs between engines.
            Canon::Json => (false, false, false, false),
            // Nested values have no order, sum or distinct count that every engine computes alike.
            Canon::List(_) | Canon::Struct(_) | Canon::Map(..) => (false, false, false, false),
            _ => (false, false, false, true),
        };
        let empty_as_null = strings.empty_as_null && matches!(canon.base(), Canon::Text);
        Profiled { pair, text, extremes, sum, distinct, unpadded: unpadded && text, empty_as_null }
    }

    /// The aggregates one side computes of this column; `exact_distinct`: distinct values counted exactly.
    fn aggregates(&self, side: Side, data_type: &arrow::datatypes::DataType, exact_distinct: bool) -> ColumnAggregates {
        let float = matches!(
            data_type,
            arrow::datatypes::DataType::Float16
                | arrow::datatypes::DataType::Float32
                | arrow::datatypes::DataType::Float64
        );
        ColumnAggregates {
            index: self.pair.on(side).1,
            text: self.text,
            distinct: self.distinct && exact_distinct,
            extremes: self.extremes,
            sum: self.sum.then_some(if float { Sum::Float } else { Sum::Exact }),
            unpadded: self.unpadded,
            empty_as_null: self.empty_as_null,
        }
    }
}

/// Profiles every column `plan` compares (its key too), on both sides, and compares the profiles.
pub fn profile(plan: &Plan, spec: &ProfileSpec, session: &Session) -> Result<Profile> {
    let mut pairs: Vec<&ColumnPair> = plan.key.iter().chain(&plan.columns).collect();
    pairs.sort_by_key(|p| p.source_index);
    let profiled: Vec<Profiled> = pairs.iter().map(|p| Profiled::of(p, plan)).collect();
    let group = match &spec.group_by {
        Some(group_by) => {
            let found = pairs
                .iter()
                .find(|p| p.name == group_by.column)
                .or_else(|| pairs.iter().find(|p| p.name.eq_ignore_ascii_case(&group_by.column)));
            let pair = found.ok_or_else(|| {
                let names: Vec<&str> = pairs.iter().map(|p| p.name.as_str()).collect();
                let hint = crate::spelling::did_you_mean(&group_by.column, names.iter().copied());
                Error::setting(
                    "--profile-group-by",
                    format!(
                        "column {} is not among the profiled columns ({}){hint}",
                        group_by.column,
                        names.join(", ")
                    ),
                )
            })?;
            Some((*pair, group_by.unit))
        }
        None => None,
    };
    let rows = Sides::from_fn(|side| {
        let dataset = &plan.datasets[side];
        dataset.row_count().or_else(|| dataset.estimate_rows())
    });
    // Both sides decide alike, so that two exact counts are compared exactly.
    let exact_distinct = rows.iter().all(|(_, rows)| rows.is_none_or(|r| r <= spec.distinct_limit));
    let computed = Sides::join(|side| {
        let dataset = &plan.datasets[side];
        let aggregates = Aggregates {
            columns: profiled
                .iter()
                .map(|p| p.aggregates(side, dataset.schema.field(p.pair.on(side).1).data_type(), exact_distinct))
                .collect(),
            group: None,
        };
        let whole = compute(plan, side, &aggregates, &profiled, exact_distinct, session)?;
        let groups = match group {
            Some((pair, unit)) => {
                let grouped = Aggregates { group: Some(Grouping { index: pair.on(side).1, unit }), ..aggregates };
                Some(compute(plan, side, &grouped, &profiled, true, session)?)
            }
            None => None,
        };
        Ok::<_, Error>((whole, groups))
    });
    let (source, target) = (computed.source?, computed.target?);
    let judge = judge::Judge { plan, profiled: &profiled, tolerance: spec.tolerance };
    let whole = Sides::new(single(source.0)?, single(target.0)?);
    let (rows, columns, differs) = judge.group(whole.as_ref().map(Some));
    let groups = match (source.1, target.1, group) {
        (Some(s), Some(t), Some((pair, unit))) => judge.groups(Sides::new(s, t), pair, unit.is_some())?,
        _ => Vec::new(),
    };
    let group_differs: u64 = groups.iter().map(|g| g.differs).sum();
    Ok(Profile {
        rows: Pair::of(rows),
        columns,
        differs: differs + group_differs,
        tolerance: spec.tolerance_text.clone(),
        group_by: spec.group_by.as_ref().map(|g| g.text()),
        groups,
    })
}

/// The one group of a whole table's answer.
fn single(groups: Vec<GroupStats>) -> Result<GroupStats> {
    groups.into_iter().next().ok_or_else(|| Error::internal("a profile's aggregate answered no row"))
}

/// One side's statistics: a database computes them itself; files are aggregated by DataFusion. Distinct
/// values not counted exactly are estimated: by HyperLogLog over files, from PostgreSQL's planner statistics,
/// and not at all on MySQL/MariaDB and SQLite (which keep no estimate per column).
fn compute(
    plan: &Plan,
    side: Side,
    aggregates: &Aggregates,
    profiled: &[Profiled],
    exact_distinct: bool,
    session: &Session,
) -> Result<Vec<GroupStats>> {
    let dataset = &plan.datasets[side];
    let wanted = |p: &Profiled| p.distinct && !exact_distinct && aggregates.group.is_none();
    if let Some(batches) = dataset.aggregate(aggregates)? {
        let indices: Vec<usize> = profiled.iter().map(|p| p.pair.on(side).1).collect();
        let estimated =
            if profiled.iter().any(wanted) { dataset.distinct_estimates(&indices)? } else { vec![None; indices.len()] };
        let how: Vec<Option<Counted>> = profiled
            .iter()
            .zip(&estimated)
            .map(|(p, e)| (wanted(p) && e.is_some()).then_some(Counted::PgStats))
            .collect();
        return side::read(&batches, aggregates, &how, &estimated, &dataset.location);
    }
    let estimates: Vec<Option<files::Estimate>> = profiled
        .iter()
        .map(|p| {
            wanted(p).then(|| files::Estimate {
                canon: p.pair.resolution.canon.clone(),
                policy: plan.side_policy(side).clone(),
            })
        })
        .collect();
    let how: Vec<Option<Counted>> = estimates.iter().map(|e| e.as_ref().map(|_| Counted::HyperLogLog)).collect();
    let batches = files::aggregate(dataset, aggregates, &estimates, session, plan.memory.datafusion)?;
    side::read(&batches, aggregates, &how, &[], &dataset.location)
}
