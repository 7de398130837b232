//! ⑤ Explanations, the stage after comparison: why each differing value pair differs ([`causes`]), which
//! policy option would reconcile a column's mismatches, proved on exactly those pairs (each kind of option a
//! `Trial`: `strings.rs`, `floats.rs`, `decimals.rs`, `precision.rs`, `zones.rs`), and which column was
//! renamed on the way ([`renamed`]). The comparison hands every differing pair to the [`Explainer`] through
//! `compare::Observer`, in bounded memory; a suggestion names an option only with the number of pairs it makes
//! equal.

pub mod causes;
mod decimals;
mod floats;
pub mod nested;
mod precision;
pub mod renamed;
mod strings;
pub mod suggestion;
mod trial;
mod tzdata;
mod zones;

use std::collections::BTreeMap;

use arrow::datatypes::DataType;

use crate::compare::Observer;
use crate::digest::encode::{decode, Decoded};
use crate::error::Result;
use crate::finding::{Cause, Explained};
use crate::normalize::Canon;
use crate::plan::{ColumnPair, Plan};
use crate::side::{Side, Sides};
use causes::{explain, View};
use decimals::Decimals;
use floats::Floats;
use precision::Precisions;
use strings::Strings;
use trial::{Pair, Trial};
use zones::Zones;

pub use suggestion::{Suggestion, SuggestionKind};

/// What the explanations found over every mismatched row: per compared column, pairs per cause and the
/// time shifts; and the suggestions.
#[derive(Debug, Clone, Default)]
pub struct Explanations {
    /// Per compared column, differing pairs per cause (indexed by [`Cause::index`]).
    pub causes: Vec<[u64; Cause::ALL.len()]>,
    /// Per compared column, `time_shift` pairs per shift in seconds (target minus source).
    pub shifts: Vec<BTreeMap<i32, u64>>,
    pub suggestions: Vec<Suggestion>,
}

/// Learns the causes and tries the options, pair by pair; [`Explainer::finish`] makes the suggestions.
pub struct Explainer {
    columns: Vec<Column>,
}

/// What one compared column learns of its differing pairs.
struct Column {
    name: String,
    canon: Canon,
    /// The fraction digits each side's type declares, where it does (decimals; integers 0).
    scales: Sides<Option<i8>>,
    causes: [u64; Cause::ALL.len()],
    shifts: BTreeMap<i32, Shift>,
    /// The options that apply to the column, tried on every differing pair: string rules, a float tolerance,
    /// a coarser timestamp precision.
    trials: Vec<Box<dyn Trial>>,
    /// Decimal columns: a trial of decimal tolerances, and their rounding, decided over every pair.
    decimals: Option<Decimals>,
    /// Sides whose timestamps are naive (zone-less) and so can take a zone: the zone they are read in now.
    naive: Sides<Option<Option<chrono_tz::Tz>>>,
    /// After the first pass, on a column with shifts: the zones tried in the second.
    zones: Option<Zones>,
}

/// How often one shift was seen, and one pair where it was (both sides' instants, in seconds).
#[derive(Debug, Clone, Copy)]
struct Shift {
    count: u64,
    at: Sides<i64>,
}

impl Explainer {
    pub fn new(plan: &Plan) -> Explainer {
        let columns = plan.columns.iter().map(|pair| Column::new(plan, pair)).collect();
        Explainer { columns }
    }

    /// After the last pair: every column's counts per cause and shift, and the options each proved, the renamed
    /// columns' `--map` last (read from `plan`'s datasets).
    pub fn finish(mut self, plan: &Plan) -> Result<Explanations> {
        let mut suggestions = Vec::new();
        for column in &mut self.columns {
            if let Some(decimals) = &mut column.decimals {
                let rounded = decimals.settle();
                column.causes[Cause::Other.index()] -= rounded;
                column.causes[Cause::Rounding.index()] += rounded;
            }
            column.propose(&mut suggestions);
        }
        suggestions.extend(renamed::map_suggestions(plan)?);
        Ok(Explanations {
            causes: self.columns.iter().map(|c| c.causes).collect(),
            shifts: self
                .columns
                .iter()
                .map(|c| c.shifts.iter().map(|(shift, s)| (*shift, s.count)).collect())
                .collect(),
            suggestions,
        })
    }
}

impl Observer for Explainer {
    fn observe(&mut self, c: usize, source: &[u8], target: &[u8]) -> Explained {
        self.columns[c].observe(source, target)
    }

    fn cause(&self, c: usize, source: &[u8], target: &[u8]) -> Explained {
        let column = &self.columns[c];
        let leaf = column.leaf(source, target);
        let views = Sides::new(View::of(leaf.canon, decoded(leaf.source)), View::of(leaf.canon, decoded(leaf.target)));
        explain(&views.source, &views.target, column.scales)
    }

    /// Time zones: a column tries them when its first pass saw shifts and zones fit them.
    fn second_pass(&mut self) -> bool {
        let mut any = false;
        for column in &mut self.columns {
            column.zones = column.zone_candidates();
            any |= column.zones.is_some();
        }
        any
    }

    fn in_second_pass(&self, c: usize) -> bool {
        self.columns[c].zones.is_some()
    }

    fn observe_again(&mut self, c: usize, source: &[u8], target: &[u8]) {
        self.columns[c].observe_zone(source, target);
    }

    fn settle(&mut self) {
        for column in &mut self.columns {
            if let Some(decimals) = &mut column.decimals {
                decimals.settle();
            }
        }
    }

    fn settled(&self, c: usize, source: &[u8], target: &[u8], explained: Explained) -> Explained {
        let column = &self.columns[c];
        let (Cause::Other, Some(decimals)) = (explained.cause, &column.decimals) else { return explained };
        let leaf = column.leaf(source, target);
        let (a, b) = (View::of(leaf.canon, decoded(leaf.source)), View::of(leaf.canon, decoded(leaf.target)));
        if decimals.rounds(&a, &b) {
            Explained { cause: Cause::Rounding, shift: None }
        } else {
            explained
        }
    }
}

fn decoded(bytes: &[u8]) -> Decoded<'_> {
    decode(bytes).map_or(Decoded::Null, |(value, _)| value)
}

/// The fraction digits a type holds, for types that declare them.
fn declared_scale(data_type: &DataType) -> Option<i8> {
    match data_type {
        DataType::Decimal32(_, s)
        | DataType::Decimal64(_, s)
        | DataType::Decimal128(_, s)
        | DataType::Decimal256(_, s) => Some(*s),
        DataType::Dictionary(_, value) => declared_scale(value),
        t if t.is_integer() => Some(0),
        _ => None,
    }
}

/// Whether an Arrow type holds naive (zone-less) timestamps.
fn naive(data_type: &DataType) -> bool {
    match data_type {
        DataType::Timestamp(_, zone) => zone.is_none(),
        DataType::Dictionary(_, value) => naive(value),
        _ => false,
    }
}

impl Column {
    fn new(plan: &Plan, pair: &ColumnPair) -> Column {
        let policy = &plan.policy;
        let canon = pair.resolution.canon.clone();
        let per_second = match &canon {
            Canon::Timestamp(unit) => Some(crate::normalize::ticks_per_second(*unit)),
            Canon::TimestampDigits { .. } => Some(1_000_000),
            Canon::Parsed(inner) if matches!(**inner, Canon::Timestamp(_) | Canon::TimestampDigits { .. }) => {
                Some(1_000_000)
            }
            _ => None,
        };
        let mut trials: Vec<Box<dyn Trial>> = Vec::new();
        if let Some(strings) = Strings::new(&canon, policy) {
            trials.push(Box::new(strings));
        }
        if let Some(floats) = Floats::new(&canon, policy) {
            trials.push(Box::new(floats));
        }
        if let Some(precisions) = Precisions::new(per_second, policy) {
            trials.push(Box::new(precisions));
        }
        // A zone applies to a naive typed side; a text side's values may carry their own offsets, which
        // its canonical form no longer shows, so no zone is tried for it.
        let zone_side = |side: Side| {
            let data_type = match side {
                Side::Source => &pair.source_type,
                Side::Target => &pair.target_type,
            };
            (per_second.is_some() && naive(data_type)).then(|| policy.zone(side))
        };
        let scales = Sides::new(declared_scale(&pair.source_type), declared_scale(&pair.target_type));
        Column {
            name: pair.name.clone(),
            decimals: Decimals::new(&canon, scales, policy.decimal_abs_tol.is_some()),
            scales,
            canon,
            causes: [0; Cause::ALL.len()],
            shifts: BTreeMap::new(),
            trials,
            naive: Sides::from_fn(zone_side),
            zones: None,
        }
    }

    /// Where a pair of the column's values differs: the first differing leaf of nested values, else the
    /// values themselves.
    fn leaf<'a>(&'a self, source: &'a [u8], target: &'a [u8]) -> nested::Leaf<'a> {
        nested::first_difference(&self.name, &self.canon, source, target)
    }

    /// The cause of one differing pair (canonical encodings of both sides), decided on its first differing
    /// leaf, counted with its shift, and each option tried on it.
    fn observe(&mut self, source: &[u8], target: &[u8]) -> Explained {
        let leaf = nested::first_difference(&self.name, &self.canon, source, target);
        let values = Sides::new(decoded(leaf.source), decoded(leaf.target));
        let views = Sides::new(View::of(leaf.canon, values.source), View::of(leaf.canon, values.target));
        let explained = explain(&views.source, &views.target, self.scales);
        self.causes[explained.cause.index()] += 1;
        let pair = Pair { values, views, explained };
        for trial in &mut self.trials {
            trial.observe(&pair);
        }
        if let Some(decimals) = &mut self.decimals {
            decimals.observe(&pair);
        }
        if let (Some(shift), View::Instant { ticks: x, per_second }, View::Instant { ticks: y, .. }) =
            (explained.shift, &pair.views.source, &pair.views.target)
        {
            let at = Sides::new(x.div_euclid(*per_second), y.div_euclid(*per_second));
            self.shifts.entry(shift).or_insert(Shift { count: 0, at }).count += 1;
        }
        explained
    }

    /// After the first pass: the zones worth trying on each naive side, from where the most frequent shift
    /// was seen (none without shifts).
    fn zone_candidates(&self) -> Option<Zones> {
        let (_, seen) = self.shifts.iter().max_by_key(|(shift, s)| (s.count, -shift.abs()))?;
        Zones::candidates(self.naive, seen.at)
    }

    /// The second pass: one differing pair again, for the zones (its instants at the source's resolution).
    fn observe_zone(&mut self, source: &[u8], target: &[u8]) {
        let Some(zones) = &mut self.zones else { return };
        let values = Sides::new(decoded(source), decoded(target));
        let (View::Instant { ticks: s, per_second }, View::Instant { ticks: t, .. }) =
            (View::of(&self.canon, values.source), View::of(&self.canon, values.target))
        else {
            return;
        };
        let views = Sides::new(View::Instant { ticks: s, per_second }, View::Instant { ticks: t, per_second });
        let explained = explain(&views.source, &views.target, Sides::default());
        zones.observe(&Pair { values, views, explained });
    }

    /// What every trial of the column proved.
    fn propose(&mut self, out: &mut Vec<Suggestion>) {
        let trials = self.trials.iter_mut().map(|t| t.as_mut() as &mut dyn Trial);
        let decimals = self.decimals.as_mut().map(|d| d as &mut dyn Trial);
        let zones = self.zones.as_mut().map(|z| z as &mut dyn Trial);
        for trial in trials.chain(decimals).chain(zones) {
            trial.propose(&self.name, out);
        }
    }
}
