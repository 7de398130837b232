//! `--source-tz` / `--target-tz` found, not guessed, in two passes over a timestamp column's mismatches. The
//! first counts the column's shifts; a zone is a candidate when its offset, at an instant where the most
//! frequent shift was seen, is that shift (so a few dozen of chrono-tz's ~600 names remain). The second tries
//! every candidate on every shifted pair (pairs with equal values counted once), in bounded memory. The zone
//! named is, among those resolving the most pairs: a canonical zone before a link ([`super::tzdata`]); then a
//! zone that stands for its region ([`super::tzdata::PRINCIPAL`], CLDR's choice: America/New_York among the
//! Eastern zones); then the zone whose offsets, on the first of every month from 1970 to the data's last
//! instant, agree most often with the most common offset of all the zones tied with it (the one that best
//! stands for the group: America/New_York rather than America/Detroit, which kept no daylight saving time in
//! 1970–72); then by name. The others tied are its `alternatives`. A naive wall time in a repeated hour
//! (clocks set back) names two instants and the options take the first, so pairs whose later instant a zone's
//! offsets explain are `unresolvable`.

use std::collections::{BTreeMap, HashMap};

use chrono::{Offset, TimeZone};

use super::causes::View;
use super::suggestion::{Suggestion, SuggestionKind};
use super::trial::{Pair, Trial};
use crate::finding::Cause;
use crate::side::{Side, Sides};

/// Distinct (wall time, instant) pairs held before the zone candidates are tried on them: 24 bytes each.
const ZONE_PAIRS: usize = 1 << 20;

/// The zones tried on each naive side of a column, in the second pass over its mismatches.
pub(crate) struct Zones(Sides<Option<ZoneTrial>>);

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

impl Zones {
    /// The zones worth trying on each naive side, from a pair where the column's most frequent shift was seen
    /// (`at`: both sides' instants, in seconds); `naive` says which sides are naive and the zone each is read in
    /// now. `None` when no zone fits.
    pub(crate) fn candidates(naive: Sides<Option<Option<chrono_tz::Tz>>>, at: Sides<i64>) -> Option<Zones> {
        let trial = |side: Side| {
            let current = naive[side]?;
            // The naive side's wall time minus the other side's instant is the zone's offset at that instant.
            let (naive_at, other_at) = (at[side], at[side.other()]);
            let offset = wall_ticks(naive_at, 1, current).and_then(|wall| i32::try_from(wall - other_at).ok())?;
            let candidates: Vec<chrono_tz::Tz> = chrono_tz::TZ_VARIANTS
                .iter()
                .copied()
                .filter(|zone| Some(*zone) != current && offset_at(*zone, other_at) == Some(offset))
                .collect();
            let n = candidates.len();
            (n > 0).then(|| ZoneTrial {
                current,
                candidates,
                resolved: vec![0; n],
                explained: vec![0; n],
                pending: HashMap::new(),
                per_second: 1,
                last_instant: i64::MIN,
            })
        };
        let zones = Sides::from_fn(trial);
        (zones.source.is_some() || zones.target.is_some()).then_some(Zones(zones))
    }
}

impl Trial for Zones {
    /// A shifted pair of instants: its naive side's wall time against the other side's instant.
    fn observe(&mut self, pair: &Pair) {
        let (View::Instant { ticks: s, per_second }, View::Instant { ticks: t, .. }) =
            (&pair.views.source, &pair.views.target)
        else {
            return;
        };
        if pair.explained.cause != Cause::TimeShift {
            return;
        }
        let (s, t, per_second) = (*s, *t, *per_second);
        for side in Side::BOTH {
            let Some(trial) = self.0[side].as_mut() else { continue };
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

    /// The zone of the side it resolves most pairs on (the source's on a tie).
    fn propose(&mut self, column: &str, out: &mut Vec<Suggestion>) {
        let mut best: Option<Suggestion> = None;
        for side in Side::BOTH {
            let Some(trial) = self.0[side].as_mut() else { continue };
            trial.try_pending();
            if let Some(suggestion) = trial.suggestion(side, column) {
                if best.as_ref().is_none_or(|b| suggestion.resolves > b.resolves) {
                    best = Some(suggestion);
                }
            }
        }
        out.extend(best);
    }
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
            (super::tzdata::is_link(name), !super::tzdata::is_principal(name), std::cmp::Reverse(agreement[i]), name)
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
    fn agreement_favours_the_zone_closest_to_the_group() {
        let names = ["America/Detroit", "America/New_York", "America/Toronto", "America/Indiana/Indianapolis"];
        let zones: Vec<chrono_tz::Tz> = names.iter().map(|n| n.parse().unwrap()).collect();
        let scores = agreement(&zones, 1_388_534_400);
        let best = (0..zones.len()).max_by_key(|&i| (scores[i], std::cmp::Reverse(names[i]))).unwrap();
        assert_eq!(names[best], "America/New_York", "{scores:?}");
    }
}
