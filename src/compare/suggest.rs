//! Which policy option would reconcile a column's mismatches, proved on exactly those rows: every differing
//! value pair goes through [`Explainer::observe`] (its cause, and each option that could apply to the column
//! tried on it); a suggestion names an option only with the number of pairs it makes equal.
//!
//! Options are tried on the canonical values, which is what re-canonicalizing under the option would give:
//! string rules are idempotent and commute (`--trim` on text already lowercased is lowercase trimmed),
//! `--timestamp-precision` truncates the instants already at the coarser unit, a float tolerance compares
//! the floats as `Tolerance::equal` does, a decimal tolerance the unscaled decimals exactly (`rounding`), and a
//! zone reads the naive side's wall time (its canonical instant
//! in the zone it was read in, UTC by default) as `--source-tz`/`--target-tz` would.
//!
//! Time zones are found, not guessed, in two passes over the mismatches. The first counts each column's
//! shifts; a zone is a candidate when its offset, at an instant where the most frequent shift was seen,
//! is that shift (so a few dozen of chrono-tz's ~600 names remain). The second tries every candidate on
//! every shifted pair (pairs with equal values counted once), in bounded memory. The zone named is, among
//! those resolving the most pairs: a canonical zone before a link ([`super::zones`]); then a zone that stands
//! for its region ([`super::zones::PRINCIPAL`], CLDR's choice: America/New_York among the Eastern zones); then
//! the zone whose
//! offsets, on the first of every month from 1970 to the data's last instant, agree most often with the
//! most common offset of all the zones tied with it (the one that best stands for the group: America/New_York
//! rather than America/Detroit, which kept no daylight saving time in 1970–72); then by name. The others
//! tied are its `alternatives`. A naive wall time in a repeated hour (clocks set back) names two instants and
//! the options take the first, so pairs whose later instant a zone's offsets explain are `unresolvable`.

use std::collections::{BTreeMap, HashMap};

use arrow::datatypes::DataType;
use chrono::{Offset, TimeZone};
use serde::{Deserialize, Serialize};

use super::causes::{explain, Cause, Explained, View};
use super::rounding::Decimals;
use crate::digest::encode::{decode, Decoded};
use crate::error::Result;
use crate::normalize::policy::{StringRules, Tolerance};
use crate::normalize::Canon;
use crate::plan::Plan;
use crate::side::{Side, Sides};
use crate::spec::Precision;
use crate::vocabulary::vocabulary;

vocabulary! {
    /// What kind of change a suggestion makes (one per policy option, and `--map`).
    pub enum SuggestionKind ("suggestion") {
        Trim = "trim",
        IgnoreCase = "ignore_case",
        UnicodeNfc = "unicode_nfc",
        EmptyAsNull = "empty_as_null",
        TimestampPrecision = "timestamp_precision",
        FloatAbsTol = "float_abs_tol",
        DecimalAbsTol = "decimal_abs_tol",
        SourceTz = "source_tz",
        TargetTz = "target_tz",
        Map = "map",
    }
}

impl SuggestionKind {
    /// The command-line flag, to which a value may follow.
    pub fn flag(self) -> String {
        format!("--{}", self.name().replace('_', "-"))
    }

    fn with_strings(self, mut rules: StringRules) -> StringRules {
        match self {
            SuggestionKind::Trim => rules.trim = true,
            SuggestionKind::IgnoreCase => rules.ignore_case = true,
            SuggestionKind::UnicodeNfc => rules.unicode_nfc = true,
            SuggestionKind::EmptyAsNull => rules.empty_as_null = true,
            _ => {}
        }
        rules
    }
}

/// An option that reconciles some of a column's mismatches, with how many it was proved to resolve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Ready to paste: `--target-tz America/New_York`, `--trim`, `--map phone=phone_number`.
    pub option: String,
    pub kind: SuggestionKind,
    /// The column (as the source names it) whose mismatches it resolves.
    pub column: String,
    /// Mismatched rows whose value in `column` the option makes equal (for `--map`: checked rows that agree).
    pub resolves: u64,
    /// Other values of the option that resolve exactly as many (time zones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    /// Rows the option explains but cannot resolve (a zone: wall times in a repeated hour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unresolvable: Option<u64>,
    /// `--map`: how many rows were checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// In an audit, the `[[table]]` entry that applies it to this table alone (an option on an audit's command
    /// line applies to every table): filled by `report::config_entry`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
}

impl Suggestion {
    pub(crate) fn new(kind: SuggestionKind, value: Option<String>, column: &str, resolves: u64) -> Suggestion {
        let option = match value {
            Some(value) => format!("{} {value}", kind.flag()),
            None => kind.flag(),
        };
        Suggestion {
            option,
            kind,
            column: column.to_string(),
            resolves,
            alternatives: Vec::new(),
            unresolvable: None,
            checked: None,
            note: None,
            config: None,
        }
    }
}

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

/// Absolute tolerances tried: 10^e for e in MIN_EXPONENT..=MAX_EXPONENT.
const MIN_EXPONENT: i32 = -20;
const MAX_EXPONENT: i32 = 6;
const TOLERANCES: usize = (MAX_EXPONENT - MIN_EXPONENT + 1) as usize;
/// Distinct (wall time, instant) pairs held before the zone candidates are tried on them: 24 bytes each.
const ZONE_PAIRS: usize = 1 << 20;

/// Learns the causes and tries the options, pair by pair; [`Explainer::finish`] makes the suggestions.
pub(crate) struct Explainer {
    columns: Vec<Column>,
}

struct Column {
    name: String,
    canon: Canon,
    /// The fraction digits each side's type declares, where it does (decimals; integers 0).
    scales: Sides<Option<i8>>,
    causes: [u64; Cause::ALL.len()],
    shifts: BTreeMap<i32, Shift>,
    /// Text columns: the string rules on now, and each one not on with the rules it would make and the pairs
    /// they resolve.
    current: StringRules,
    strings: Vec<(SuggestionKind, StringRules, u64)>,
    /// Under no tolerance yet, float columns: the largest difference of a `rounding` pair, and the pairs each
    /// absolute tolerance 10^e resolves (index e − MIN_EXPONENT).
    floats: Option<(Option<f64>, [u64; TOLERANCES])>,
    /// Decimal columns: their rounding, decided over every pair, and the decimal tolerance tried.
    decimals: Option<Decimals>,
    /// Timestamp columns: each coarser precision (name, ticks per step) and the pairs it resolves.
    precisions: Vec<(&'static str, i64, u64)>,
    /// Sides whose timestamps are naive (zone-less) and so can take a zone: the zone they are read in now.
    naive: Sides<Option<Option<chrono_tz::Tz>>>,
    zones: Sides<Option<ZoneTrial>>,
}

/// How often one shift was seen, and one pair where it was (both sides' instants, in seconds).
#[derive(Debug, Clone, Copy)]
struct Shift {
    count: u64,
    at: Sides<i64>,
}

/// The second pass's trial of candidate zones for one naive side of a column.
struct ZoneTrial {
    current: Option<chrono_tz::Tz>,
    candidates: Vec<chrono_tz::Tz>,
    resolved: Vec<u64>,
    explained: Vec<u64>,
    /// (wall time of the naive side, instant of the other side), as ticks, and how many pairs.
    pending: HashMap<(i64, i64), u64>,
    per_second: i64,
    last_instant: i64,
}

impl Explainer {
    pub(crate) fn new(plan: &Plan) -> Explainer {
        let columns = plan.columns.iter().map(|pair| Column::new(plan, pair)).collect();
        Explainer { columns }
    }

    /// The cause of one differing pair of column `c` (canonical encodings of both sides), counted, with each
    /// option tried on it.
    pub(crate) fn observe(&mut self, c: usize, source: &[u8], target: &[u8]) -> Explained {
        let column = &mut self.columns[c];
        let (a, b) = (decoded(source), decoded(target));
        let (va, vb) = (View::of(&column.canon, a), View::of(&column.canon, b));
        let explained = explain(&va, &vb, column.scales);
        column.causes[explained.cause.index()] += 1;
        column.try_options(a, b, &va, &vb, explained);
        explained
    }

    /// Whether a second pass over the mismatches must try time zones.
    pub(crate) fn wants_zones(&mut self) -> bool {
        let mut any = false;
        for column in &mut self.columns {
            column.choose_zone_candidates();
            any |= column.zones.iter().any(|(_, z)| z.is_some());
        }
        any
    }

    /// Whether column `c` takes part in the zone pass.
    pub(crate) fn zone_column(&self, c: usize) -> bool {
        self.columns[c].zones.iter().any(|(_, z)| z.is_some())
    }

    /// The second pass: one differing pair of column `c` again, tried against the candidate zones.
    pub(crate) fn observe_zone(&mut self, c: usize, source: &[u8], target: &[u8]) {
        let column = &mut self.columns[c];
        let (a, b) = (decoded(source), decoded(target));
        let (View::Instant { ticks: s, per_second }, View::Instant { ticks: t, .. }) =
            (View::of(&column.canon, a), View::of(&column.canon, b))
        else {
            return;
        };
        let (vs, vt) = (View::Instant { ticks: s, per_second }, View::Instant { ticks: t, per_second });
        if explain(&vs, &vt, Sides::default()).cause != Cause::TimeShift {
            return;
        }
        for side in Side::BOTH {
            let Some(trial) = column.zones[side].as_mut() else { continue };
            let (naive, other) = match side {
                Side::Source => (s, t),
                Side::Target => (t, s),
            };
            let Some(wall) = wall_ticks(naive, per_second, trial.current) else { continue };
            *trial.pending.entry((wall, other)).or_default() += 1;
            trial.per_second = per_second;
            trial.last_instant = trial.last_instant.max(other.div_euclid(per_second));
            if trial.pending.len() >= ZONE_PAIRS {
                trial.try_pending();
            }
        }
    }

    /// After the last pair: decides each decimal column's rounding, which [`Explainer::settled`] then applies
    /// to a pair. Deciding again decides alike.
    pub(crate) fn settle(&mut self) {
        for column in &mut self.columns {
            if let Some(decimals) = &mut column.decimals {
                decimals.settle();
            }
        }
    }

    /// A pair's cause once its column's rounding is decided ([`Explainer::settle`]): `other` may be `rounding`.
    pub(crate) fn settled(&self, c: usize, source: &[u8], target: &[u8], explained: Explained) -> Explained {
        let column = &self.columns[c];
        let (Cause::Other, Some(decimals)) = (explained.cause, &column.decimals) else { return explained };
        let (a, b) = (View::of(&column.canon, decoded(source)), View::of(&column.canon, decoded(target)));
        if decimals.rounds(&a, &b) {
            Explained { cause: Cause::Rounding, shift: None }
        } else {
            explained
        }
    }

    pub(crate) fn finish(mut self) -> Explanations {
        let mut suggestions = Vec::new();
        for column in &mut self.columns {
            if let Some(decimals) = &mut column.decimals {
                let rounded = decimals.settle();
                column.causes[Cause::Other.index()] -= rounded;
                column.causes[Cause::Rounding.index()] += rounded;
            }
            column.suggest(&mut suggestions);
        }
        Explanations {
            causes: self.columns.iter().map(|c| c.causes).collect(),
            shifts: self
                .columns
                .iter()
                .map(|c| c.shifts.iter().map(|(shift, s)| (*shift, s.count)).collect())
                .collect(),
            suggestions,
        }
    }
}

fn decoded(bytes: &[u8]) -> Decoded<'_> {
    decode(bytes).map_or(Decoded::Null, |(value, _)| value)
}

/// Whether one string rule alone makes two different non-NULL strings equal: `StringRules::apply` with only
/// that rule, compared without building either result.
fn one_rule(kind: SuggestionKind, x: &str, y: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    match kind {
        SuggestionKind::Trim => x.trim() == y.trim(),
        SuggestionKind::IgnoreCase => x.chars().flat_map(char::to_lowercase).eq(y.chars().flat_map(char::to_lowercase)),
        SuggestionKind::UnicodeNfc => x.nfc().eq(y.nfc()),
        // Two different strings are never both empty.
        _ => false,
    }
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
    fn new(plan: &Plan, pair: &crate::plan::ColumnPair) -> Column {
        let policy = &plan.policy;
        let canon = pair.resolution.canon.clone();
        let current = StringRules {
            trim: policy.trim,
            ignore_case: policy.ignore_case,
            unicode_nfc: policy.unicode_nfc,
            empty_as_null: policy.empty_as_null,
        };
        let strings = match canon.base() {
            Canon::Text => [
                (SuggestionKind::Trim, policy.trim),
                (SuggestionKind::IgnoreCase, policy.ignore_case),
                (SuggestionKind::UnicodeNfc, policy.unicode_nfc),
                (SuggestionKind::EmptyAsNull, policy.empty_as_null),
            ]
            .into_iter()
            .filter(|(_, on)| !on)
            .map(|(kind, _)| (kind, kind.with_strings(current), 0))
            .collect(),
            _ => Vec::new(),
        };
        let tolerant = policy.float_abs_tol.is_some() || policy.float_rel_tol.is_some();
        let floats = (matches!(canon, Canon::Float32 | Canon::Float64) && !tolerant).then_some((None, [0; TOLERANCES]));
        let per_second = match &canon {
            Canon::Timestamp(unit) => Some(crate::normalize::ticks_per_second(*unit)),
            Canon::TimestampDigits { .. } => Some(1_000_000),
            Canon::Parsed(inner) if matches!(**inner, Canon::Timestamp(_) | Canon::TimestampDigits { .. }) => {
                Some(1_000_000)
            }
            _ => None,
        };
        let finest = match policy.timestamp_precision.map(Precision::unit) {
            Some(unit) => crate::normalize::ticks_per_second(unit),
            None => per_second.unwrap_or(0),
        };
        let precisions = [("us", 1_000_000), ("ms", 1_000), ("s", 1)]
            .into_iter()
            .filter(|(_, unit)| per_second.is_some() && *unit < finest)
            .map(|(name, unit)| (name, per_second.unwrap_or(1) / unit, 0))
            .collect();
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
            current,
            canon,
            causes: [0; Cause::ALL.len()],
            shifts: BTreeMap::new(),
            strings,
            floats,
            precisions,
            naive: Sides::from_fn(zone_side),
            zones: Sides::default(),
        }
    }

    fn try_options(&mut self, a: Decoded, b: Decoded, va: &View, vb: &View, explained: Explained) {
        if !self.strings.is_empty() {
            fn text<'v>(v: &View<'v>) -> Option<Option<&'v str>> {
                match v {
                    View::Text(s) => Some(Some(*s)),
                    View::Null => Some(None),
                    _ => None,
                }
            }
            if let (Some(x), Some(y)) = (text(va), text(vb)) {
                let plain = !self.current.any();
                for (kind, rules, resolved) in &mut self.strings {
                    let equal = match (x, y) {
                        // Values compared as stored: each option alone, without copying either string.
                        (Some(x), Some(y)) if plain => one_rule(*kind, x, y),
                        _ => x.and_then(|x| rules.apply(x)) == y.and_then(|y| rules.apply(y)),
                    };
                    if equal {
                        *resolved += 1;
                    }
                }
            }
        }
        if let Some((largest, resolved)) = &mut self.floats {
            let float = |d: Decoded| match d {
                Decoded::Float(v) => Some(v),
                Decoded::Float32(v) => Some(v.into()),
                _ => None,
            };
            if let (Some(x), Some(y)) = (float(a), float(b)) {
                for (i, resolved) in resolved.iter_mut().enumerate() {
                    let tolerance = Tolerance { abs: Some(power_of_ten(MIN_EXPONENT + i as i32)), rel: None };
                    if tolerance.equal(x, y) {
                        *resolved += 1;
                    }
                }
                if explained.cause == Cause::Rounding {
                    let diff = (x - y).abs();
                    *largest = Some(largest.map_or(diff, |l: f64| l.max(diff)));
                }
            }
        }
        if let Some(decimals) = &mut self.decimals {
            decimals.observe(a, b, va, vb, explained.cause);
        }
        if let (View::Instant { ticks: x, .. }, View::Instant { ticks: y, .. }) = (va, vb) {
            for (_, step, resolved) in &mut self.precisions {
                if x.div_euclid(*step) == y.div_euclid(*step) {
                    *resolved += 1;
                }
            }
        }
        if let (Some(shift), View::Instant { ticks: x, per_second }, View::Instant { ticks: y, .. }) =
            (explained.shift, va, vb)
        {
            let entry = self
                .shifts
                .entry(shift)
                .or_insert(Shift { count: 0, at: Sides::new(x.div_euclid(*per_second), y.div_euclid(*per_second)) });
            entry.count += 1;
        }
    }

    /// After the first pass: the zones worth trying on each naive side (none without shifts).
    fn choose_zone_candidates(&mut self) {
        let Some((_, seen)) = self.shifts.iter().max_by_key(|(shift, s)| (s.count, -shift.abs())) else {
            return;
        };
        for side in Side::BOTH {
            let Some(current) = self.naive[side] else { continue };
            // The naive side's wall time minus the other side's instant is the zone's offset at that instant.
            let (naive_at, at) = match side {
                Side::Target => (seen.at.target, seen.at.source),
                Side::Source => (seen.at.source, seen.at.target),
            };
            let Some(offset) = wall_ticks(naive_at, 1, current).and_then(|wall| i32::try_from(wall - at).ok()) else {
                continue;
            };
            let candidates: Vec<chrono_tz::Tz> = chrono_tz::TZ_VARIANTS
                .iter()
                .copied()
                .filter(|zone| Some(*zone) != current && offset_at(*zone, at) == Some(offset))
                .collect();
            if !candidates.is_empty() {
                let n = candidates.len();
                self.zones[side] = Some(ZoneTrial {
                    current,
                    candidates,
                    resolved: vec![0; n],
                    explained: vec![0; n],
                    pending: HashMap::new(),
                    per_second: 1,
                    last_instant: i64::MIN,
                });
            }
        }
    }

    fn suggest(&mut self, out: &mut Vec<Suggestion>) {
        let name = self.name.clone();
        for (kind, _, resolved) in &self.strings {
            if *resolved > 0 {
                out.push(Suggestion::new(*kind, None, &name, *resolved));
            }
        }
        // The smallest power of ten at least the largest rounding difference: every `rounding` pair within it.
        if let Some((Some(largest), resolved)) = &self.floats {
            let exponent = (MIN_EXPONENT..=MAX_EXPONENT).find(|e| power_of_ten(*e) >= *largest);
            if let Some(e) = exponent.filter(|e| resolved[(e - MIN_EXPONENT) as usize] > 0) {
                let tolerance = if e >= -6 { format!("{}", power_of_ten(e)) } else { format!("1e{e}") };
                let resolves = resolved[(e - MIN_EXPONENT) as usize];
                out.push(Suggestion::new(SuggestionKind::FloatAbsTol, Some(tolerance), &name, resolves));
            }
        }
        out.extend(self.decimals.as_ref().and_then(|d| d.suggestion(&name)));
        // The finest precision that resolves as many pairs as the coarsest: no more loosening than needed.
        let most = self.precisions.iter().map(|(_, _, r)| *r).max().unwrap_or(0);
        if let Some((unit, _, resolved)) = self.precisions.iter().find(|(_, _, r)| *r == most && most > 0) {
            out.push(Suggestion::new(SuggestionKind::TimestampPrecision, Some(unit.to_string()), &name, *resolved));
        }
        let mut best: Option<Suggestion> = None;
        for side in Side::BOTH {
            let Some(trial) = self.zones[side].as_mut() else { continue };
            trial.try_pending();
            if let Some(suggestion) = trial.suggestion(side, &name) {
                if best.as_ref().is_none_or(|b| suggestion.resolves > b.resolves) {
                    best = Some(suggestion);
                }
            }
        }
        out.extend(best);
    }
}

/// 10^e as the command line reads `1e{e}`: the tolerance tried is the one suggested, to the last bit.
fn power_of_ten(e: i32) -> f64 {
    format!("1e{e}").parse().unwrap_or(f64::NAN)
}

/// A naive side's wall time, as ticks since 1970 read as if UTC: its canonical instant in the zone it was
/// read in (UTC when none, where the instant is the wall time itself).
fn wall_ticks(ticks: i64, per_second: i64, zone: Option<chrono_tz::Tz>) -> Option<i64> {
    let Some(zone) = zone else { return Some(ticks) };
    let (seconds, sub) = (ticks.div_euclid(per_second), ticks.rem_euclid(per_second));
    let local = zone.timestamp_opt(seconds, 0).single()?.naive_local();
    Some(local.and_utc().timestamp() * per_second + sub)
}

/// A zone's offset from UTC in seconds at an instant (seconds since 1970).
fn offset_at(zone: chrono_tz::Tz, seconds: i64) -> Option<i32> {
    let at = chrono::DateTime::from_timestamp(seconds, 0)?.naive_utc();
    Some(zone.offset_from_utc_datetime(&at).fix().local_minus_utc())
}

impl ZoneTrial {
    /// Tries every candidate on the pending pairs and forgets them.
    fn try_pending(&mut self) {
        let per_second = self.per_second;
        for ((wall, other), count) in self.pending.drain() {
            let (wall_seconds, wall_sub) = (wall.div_euclid(per_second), wall.rem_euclid(per_second));
            let (other_seconds, other_sub) = (other.div_euclid(per_second), other.rem_euclid(per_second));
            if wall_sub != other_sub {
                continue;
            }
            let Some(wall_time) = chrono::DateTime::from_timestamp(wall_seconds, 0).map(|d| d.naive_utc()) else {
                continue;
            };
            for (i, zone) in self.candidates.iter().enumerate() {
                if offset_at(*zone, other_seconds).map(i64::from) != Some(wall_seconds - other_seconds) {
                    continue;
                }
                self.explained[i] += count;
                if zone.from_local_datetime(&wall_time).earliest().map(|t| t.timestamp()) == Some(other_seconds) {
                    self.resolved[i] += count;
                }
            }
        }
    }

    /// The zone named by the rule (see the module's documentation), with the others tied as alternatives.
    fn suggestion(&self, side: Side, column: &str) -> Option<Suggestion> {
        let most = *self.resolved.iter().max()?;
        if most == 0 {
            return None;
        }
        let tied: Vec<usize> = (0..self.candidates.len()).filter(|&i| self.resolved[i] == most).collect();
        let tied_zones: Vec<chrono_tz::Tz> = tied.iter().map(|&i| self.candidates[i]).collect();
        let agreement = agreement(&tied_zones, self.last_instant);
        let mut order: Vec<usize> = (0..tied.len()).collect();
        order.sort_by_key(|&i| {
            let name = tied_zones[i].name();
            (super::zones::is_link(name), !super::zones::is_principal(name), std::cmp::Reverse(agreement[i]), name)
        });
        let chosen = tied[order[0]];
        let kind = match side {
            Side::Source => SuggestionKind::SourceTz,
            Side::Target => SuggestionKind::TargetTz,
        };
        let mut suggestion = Suggestion::new(kind, Some(self.candidates[chosen].name().to_string()), column, most);
        suggestion.alternatives = order[1..].iter().map(|&i| tied_zones[i].name().to_string()).collect();
        let unresolvable = self.explained[chosen] - self.resolved[chosen];
        if unresolvable > 0 {
            suggestion.unresolvable = Some(unresolvable);
            suggestion.note = Some(format!(
                "{unresolvable} rows hold a wall time of a repeated hour (clocks set back): it names two instants \
                 and {} takes the earlier, so no zone resolves them",
                kind.flag()
            ));
        }
        Some(suggestion)
    }
}

/// For each zone, on how many firsts of the month from 1970 to `last` (seconds) its offset is the most common
/// offset among `zones` then.
fn agreement(zones: &[chrono_tz::Tz], last: i64) -> Vec<u64> {
    let mut scores = vec![0u64; zones.len()];
    let Some(end) = chrono::DateTime::from_timestamp(last, 0).map(|d| d.date_naive()) else { return scores };
    let mut month = chrono::NaiveDate::from_ymd_opt(1970, 1, 1);
    while let Some(first) = month.filter(|m| *m <= end) {
        let at = first.and_hms_opt(12, 0, 0).map_or(0, |t| t.and_utc().timestamp());
        let offsets: Vec<Option<i32>> = zones.iter().map(|z| offset_at(*z, at)).collect();
        let mut counts: BTreeMap<Option<i32>, u64> = BTreeMap::new();
        offsets.iter().for_each(|o| *counts.entry(*o).or_default() += 1);
        let common = counts.iter().max_by_key(|(_, n)| **n).map(|(o, _)| *o);
        offsets.iter().zip(&mut scores).filter(|(o, _)| Some(**o) == common).for_each(|(_, s)| *s += 1);
        month = first.checked_add_months(chrono::Months::new(1));
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_render_as_flags() {
        for kind in SuggestionKind::ALL {
            assert_eq!(SuggestionKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(SuggestionKind::TargetTz.flag(), "--target-tz");
        assert_eq!(SuggestionKind::FloatAbsTol.flag(), "--float-abs-tol");
    }

    #[test]
    fn one_rule_alone_agrees_with_the_policy_applying_it() {
        let pairs =
            [("Ann ", "Ann"), ("BOB", "bob"), ("Cafe\u{301}", "Caf\u{e9}"), ("ß", "SS"), (" a", "A"), ("x", "")];
        for kind in
            [SuggestionKind::Trim, SuggestionKind::IgnoreCase, SuggestionKind::UnicodeNfc, SuggestionKind::EmptyAsNull]
        {
            let rules = kind.with_strings(StringRules::default());
            for (x, y) in pairs {
                assert_eq!(one_rule(kind, x, y), rules.apply(x) == rules.apply(y), "{kind:?} {x:?} {y:?}");
            }
        }
    }

    #[test]
    fn agreement_favours_the_zone_closest_to_the_group() {
        let names = ["America/Detroit", "America/New_York", "America/Toronto", "America/Indiana/Indianapolis"];
        let zones: Vec<chrono_tz::Tz> = names.iter().map(|n| n.parse().unwrap()).collect();
        let scores = agreement(&zones, 1_388_534_400);
        let best = (0..zones.len()).max_by_key(|&i| (scores[i], std::cmp::Reverse(names[i]))).unwrap();
        assert_eq!(names[best], "America/New_York", "{scores:?}");
    }
}
