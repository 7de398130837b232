//! Both sides' statistics compared under the equivalence policy: counts exactly; extremes as canonical values
//! (timestamps as instants, decimals by value, floats within `--float-abs-tol`/`--float-rel-tol`); exact sums by
//! value, a float sum (either side's) within the profile's tolerance; exact distinct counts exactly, estimates
//! within the tolerance plus three times their error; text lengths by their total characters.

use std::collections::BTreeMap;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use serde_json::{json, Value};

use super::side::{ColumnStats, Counted, GroupStats, SumValue};
use super::{ColumnProfile, Distinct, GroupProfile, Named, Pair, Profiled, Stat};
use crate::error::{Error, Result};
use crate::normalize::{canonicalize, trim_decimal, Canon};
use crate::plan::{ColumnPair, Plan};
use crate::side::{Side, Sides};

/// How many standard errors an estimated distinct count may be off before it differs.
const ESTIMATE_ERRORS: f64 = 3.0;

pub(crate) struct Judge<'a> {
    pub plan: &'a Plan,
    pub profiled: &'a [Profiled<'a>],
    pub tolerance: f64,
}

impl Judge<'_> {
    /// One group's profile (the whole table's), from each side's statistics of it (`None`: the side has no
    /// row in the group): the rows, every column, and how many statistics differ.
    pub fn group(&self, stats: Sides<Option<&GroupStats>>) -> (Sides<u64>, Named<ColumnProfile>, u64) {
        let rows = stats.map(|g| g.map_or(0, |g| g.rows));
        let mut differs = u64::from(rows.source != rows.target);
        let mut columns = Vec::with_capacity(self.profiled.len());
        for (i, profiled) in self.profiled.iter().enumerate() {
            let (source, target) = (stats.source.map(|g| &g.columns[i]), stats.target.map(|g| &g.columns[i]));
            let empty = |other: Option<&ColumnStats>| other.map(ColumnStats::empty_like).unwrap_or_default();
            let (source, target) = match (source, target) {
                (Some(s), Some(t)) => (s.clone(), t.clone()),
                (s, t) => (s.cloned().unwrap_or_else(|| empty(t)), t.cloned().unwrap_or_else(|| empty(s))),
            };
            let profile = self.column(profiled, rows, Sides::new(&source, &target));
            differs += profile.differs.len() as u64;
            columns.push((profiled.pair.name.clone(), profile));
        }
        (rows, Named(columns), differs)
    }

    /// Every group either side holds, by the group's canonical value (NULL last), each profiled.
    pub fn groups(
        &self,
        stats: Sides<Vec<GroupStats>>,
        pair: &ColumnPair,
        truncated: bool,
    ) -> Result<Vec<GroupProfile>> {
        let mut by_key: BTreeMap<(bool, String), Sides<Option<&GroupStats>>> = BTreeMap::new();
        for (side, groups) in stats.iter() {
            for group in groups {
                let key = match &group.key {
                    Some(key) if truncated => text(key, None)?,
                    Some(key) => text(key, Some((&pair.resolution.canon, self.plan, side)))?,
                    None => None,
                };
                let slot = by_key.entry((key.is_none(), key.clone().unwrap_or_default())).or_default();
                if slot[side].replace(group).is_some() {
                    return Err(Error::setting(
                        "--profile-group-by",
                        format!(
                            "values of {} on the {} that differ are equal under the policy ({}): group by a month \
                             or day, or by another column",
                            pair.name,
                            side.name(),
                            key.unwrap_or_default()
                        ),
                    ));
                }
            }
        }
        Ok(by_key
            .into_iter()
            .map(|((null, key), stats)| {
                let (rows, columns, differs) = self.group(stats);
                let group = if null { Value::Null } else { Value::String(key) };
                GroupProfile { group, rows: Pair::of(rows), columns, differs }
            })
            .collect())
    }

    fn column(&self, profiled: &Profiled, rows: Sides<u64>, stats: Sides<&ColumnStats>) -> ColumnProfile {
        let mut differs = Vec::new();
        let count = stats.map(|s| s.count);
        let nulls = Sides::from_fn(|side| rows[side].saturating_sub(count[side]));
        for (stat, values) in [(Stat::Count, count), (Stat::Nulls, nulls)] {
            if values.source != values.target {
                differs.push(stat);
            }
        }
        let distinct = stats.iter().any(|(_, s)| s.distinct.is_some()).then(|| self.distinct(stats, &mut differs));
        let (min, max) = match profiled.extremes {
            true => (
                Some(self.extreme(profiled, stats.map(|s| s.min.as_ref()), Stat::Min, &mut differs)),
                Some(self.extreme(profiled, stats.map(|s| s.max.as_ref()), Stat::Max, &mut differs)),
            ),
            false => (None, None),
        };
        let sum = profiled.sum.then(|| {
            let sums = stats.map(|s| s.sum.as_ref());
            let equal = match (sums.source, sums.target) {
                (Some(a), Some(b)) => sums_equal(a, b, self.tolerance),
                (a, b) => a.is_none() && b.is_none(),
            };
            if !equal {
                differs.push(Stat::Sum);
            }
            Pair::of(sums.map(|s| s.map_or(Value::Null, sum_json)))
        });
        let mean_length = profiled.text.then(|| {
            let lengths = stats.map(|s| s.length.unwrap_or(0));
            // Means compared exactly, as fractions: total characters over the values counted.
            let cross = |a: Side| u128::from(lengths[a]) * u128::from(count[a.other()]);
            let empty = |a: Side| count[a] == 0;
            if cross(Side::Source) != cross(Side::Target) || empty(Side::Source) != empty(Side::Target) {
                differs.push(Stat::MeanLength);
            }
            Pair::of(Sides::from_fn(|side| (count[side] > 0).then(|| lengths[side] as f64 / count[side] as f64)))
        });
        ColumnProfile { count: Pair::of(count), nulls: Pair::of(nulls), distinct, min, max, sum, mean_length, differs }
    }

    /// Distinct counts: exact ones equal, estimates within the tolerance plus three times the larger error; an
    /// estimate without a stated error (PostgreSQL's planner's) is shown, not compared.
    fn distinct(&self, stats: Sides<&ColumnStats>, differs: &mut Vec<Stat>) -> Distinct {
        let found = stats.map(|s| s.distinct);
        let methods = found.map(|f| f.map(|(_, how)| how));
        let estimated = methods.iter().any(|(_, m)| m.is_some_and(|m| m != Counted::Exact));
        let errors = methods.map(|m| m.and_then(Counted::error));
        let error = match (errors.source, errors.target) {
            (Some(a), Some(b)) if estimated => Some(a.max(b)),
            _ => None,
        };
        let compared = match (found.source, found.target) {
            (Some(_), Some(_)) => !estimated || error.is_some(),
            _ => false,
        };
        if let (true, Some((a, _)), Some((b, _))) = (compared, found.source, found.target) {
            let allowed = (self.tolerance + ESTIMATE_ERRORS * error.unwrap_or(0.0)) * a.max(b) as f64;
            if a.abs_diff(b) as f64 > allowed.floor() {
                differs.push(Stat::Distinct);
            }
        }
        let name = |m: Option<Counted>| m.map_or("none", Counted::name).to_string();
        Distinct {
            source: found.source.map(|(n, _)| n),
            target: found.target.map(|(n, _)| n),
            error,
            estimated: estimated.then(|| Pair { source: name(methods.source), target: name(methods.target) }),
            compared,
        }
    }

    /// An extreme on both sides, as canonical text; floats compare under the policy's float tolerances.
    fn extreme(
        &self,
        profiled: &Profiled,
        values: Sides<Option<&ArrayRef>>,
        stat: Stat,
        differs: &mut Vec<Stat>,
    ) -> Pair<Value> {
        let canon = &profiled.pair.resolution.canon;
        let canonical = Sides::from_fn(|side| {
            let value = values[side]?;
            let policy = self.plan.side_policy(side);
            // A value the policy cannot cast (text that does not parse) is shown as stored.
            Some(canonicalize(value, canon, policy).unwrap_or_else(|_| value.clone()))
        });
        let texts = canonical.as_ref().map(|c| c.as_ref().and_then(|c| text(c, None).ok().flatten()));
        let equal = match (&canonical.source, &canonical.target) {
            (Some(a), Some(b)) if matches!(canon.base(), Canon::Float32 | Canon::Float64) => self.floats_equal(a, b),
            _ => texts.source == texts.target,
        };
        if !equal {
            differs.push(stat);
        }
        Pair::of(texts.map(|t| t.map_or(Value::Null, Value::String)))
    }

    /// Two one-value float arrays equal under the policy: NaN is NaN, -0.0 is 0.0, and within the float
    /// tolerances when given.
    fn floats_equal(&self, a: &ArrayRef, b: &ArrayRef) -> bool {
        let value = |array: &ArrayRef| {
            let wide = cast(array, &DataType::Float64).ok()?;
            (!wide.is_null(0)).then(|| wide.as_primitive::<Float64Type>().value(0))
        };
        match (value(a), value(b)) {
            (Some(a), Some(b)) if a.is_nan() || b.is_nan() => a.is_nan() && b.is_nan(),
            (Some(a), Some(b)) => {
                let policy = &self.plan.policy;
                let within_abs = policy.float_abs_tol.is_some_and(|t| (a - b).abs() <= t);
                let within_rel = policy.float_rel_tol.is_some_and(|t| (a - b).abs() <= t * a.abs().max(b.abs()));
                a == b || within_abs || within_rel
            }
            (a, b) => a.is_none() && b.is_none(),
        }
    }
}

impl ColumnStats {
    /// The statistics of a group a side holds no row of, shaped like the other side's.
    fn empty_like(other: &ColumnStats) -> ColumnStats {
        let null = |array: &ArrayRef| arrow::array::new_null_array(array.data_type(), 1);
        ColumnStats {
            count: 0,
            distinct: other.distinct.map(|_| (0, Counted::Exact)),
            min: other.min.as_ref().map(null),
            max: other.max.as_ref().map(null),
            sum: None,
            length: other.length.map(|_| 0),
        }
    }
}

/// Two sums equal: exact ones by value, else as floats within `tolerance` of the larger.
fn sums_equal(a: &SumValue, b: &SumValue, tolerance: f64) -> bool {
    let float = |s: &SumValue| match s {
        SumValue::Exact(text) => text.parse::<f64>().unwrap_or(f64::NAN),
        SumValue::Float(x) => *x,
    };
    match (a, b) {
        (SumValue::Exact(a), SumValue::Exact(b)) => trim_decimal(a) == trim_decimal(b),
        _ => {
            let (a, b) = (float(a), float(b));
            if a.is_nan() || b.is_nan() || a.is_infinite() || b.is_infinite() {
                return a.is_nan() && b.is_nan() || a == b;
            }
            (a - b).abs() <= tolerance * a.abs().max(b.abs())
        }
    }
}

fn sum_json(sum: &SumValue) -> Value {
    match sum {
        SumValue::Exact(text) => Value::String(text.clone()),
        SumValue::Float(x) => serde_json::Number::from_f64(*x).map_or_else(|| json!(x.to_string()), Value::Number),
    }
}

/// A one-value array as text (`None` for NULL), canonical first when `canon` says so.
fn text(array: &ArrayRef, canon: Option<(&Canon, &Plan, Side)>) -> Result<Option<String>> {
    let array = match canon {
        Some((canon, plan, side)) => {
            canonicalize(array, canon, plan.side_policy(side)).map_err(|e| Error::arrow("profile", e))?
        }
        None => array.clone(),
    };
    if array.is_null(0) {
        return Ok(None);
    }
    let formatter =
        ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default()).map_err(|e| Error::arrow("profile", e))?;
    Ok(Some(formatter.value(0).to_string()))
}
