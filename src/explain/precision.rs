//! `--timestamp-precision` tried on a timestamp column's differing pairs: each unit coarser than the one
//! compared, and the one suggested is the finest that resolves as many pairs as the coarsest.

use super::causes::View;
use super::suggestion::{Suggestion, SuggestionKind};
use super::trial::{Pair, Trial};
use crate::spec::{Policy, Precision};

/// Each precision coarser than the column's (as written, ticks per step) and the pairs it resolves.
pub(crate) struct Precisions(Vec<(&'static str, i64, u64)>);

impl Precisions {
    /// For a timestamp column read at `per_second` ticks a second (`None`: no timestamps) under `policy`.
    pub(crate) fn new(per_second: Option<i64>, policy: &Policy) -> Option<Precisions> {
        let per_second = per_second?;
        let finest = match policy.timestamp_precision.map(Precision::unit) {
            Some(unit) => crate::normalize::ticks_per_second(unit),
            None => per_second,
        };
        let coarser: Vec<_> = [("us", 1_000_000), ("ms", 1_000), ("s", 1)]
            .into_iter()
            .filter(|(_, unit)| *unit < finest)
            .map(|(name, unit)| (name, per_second / unit, 0))
            .collect();
        (!coarser.is_empty()).then_some(Precisions(coarser))
    }
}

impl Trial for Precisions {
    fn observe(&mut self, pair: &Pair) {
        let (View::Instant { ticks: x, .. }, View::Instant { ticks: y, .. }) = (&pair.views.source, &pair.views.target)
        else {
            return;
        };
        for (_, step, resolved) in &mut self.0 {
            if x.div_euclid(*step) == y.div_euclid(*step) {
                *resolved += 1;
            }
        }
    }

    /// The finest precision that resolves as many pairs as the coarsest: no more loosening than needed.
    fn propose(&mut self, column: &str, out: &mut Vec<Suggestion>) {
        let most = self.0.iter().map(|(_, _, r)| *r).max().unwrap_or(0);
        if let Some((unit, _, resolved)) = self.0.iter().find(|(_, _, r)| *r == most && most > 0) {
            out.push(Suggestion::new(SuggestionKind::TimestampPrecision, Some(unit.to_string()), column, *resolved));
        }
    }
}
