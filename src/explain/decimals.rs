//! Rounded decimals: a column's rounding decided over all its differing pairs, and the `--decimal-abs-tol`
//! that would reconcile them.
//!
//! Two decimal types of one declared scale (`numeric(12,4)` on both sides) never round one pair on its own:
//! `20.00` against `20.01` is a change. Their column decides instead. When every pair's coarser value (the
//! one with fewer significant fraction digits) has at most k of them, k is below the declared scale, and at
//! least two pairs are one unit of the k-th digit apart or less (`71.2627` against `71.26`, an ETL step that
//! rounded to two places), those pairs are `rounding`; a lone pair, or a column where some coarser value holds
//! every declared digit, stays `other`.
//!
//! A decimal column under no `--decimal-abs-tol` counts its differing pairs by the power of ten their
//! difference reaches (exactly, on the unscaled values), so the tolerance suggested — the smallest power of
//! ten at least the largest `rounding` difference — comes with the exact number of pairs it makes equal.

use std::collections::BTreeMap;

use arrow::datatypes::i256;

use super::causes::{fraction_digits, rounds_at, View};
use super::suggestion::{Suggestion, SuggestionKind};
use super::trial::{Pair, Trial};
use crate::digest::encode::Decoded;
use crate::finding::Cause;
use crate::normalize::Canon;
use crate::side::Sides;

/// What one decimal column learns of its differing pairs.
pub(crate) struct Decimals {
    /// The scale both sides declare, when it is one and above 0: the column decides its rounding.
    declared: Option<usize>,
    /// The most significant fraction digits of a pair's coarser value.
    coarsest: usize,
    /// For each k below the declared scale: the pairs that round at k, and the largest difference exponent
    /// among them.
    fits: Vec<(u64, Option<i32>)>,
    /// The scale its rounding pairs were decided at, once [`Decimals::settle`] has decided.
    decided: Option<usize>,
    /// Under no decimal tolerance: differing pairs by the exponent of their difference (the least e with
    /// |a − b| ≤ 10^e), and the largest exponent of a `rounding` pair.
    trial: Option<(BTreeMap<i32, u64>, Option<i32>)>,
}

impl Decimals {
    /// For a column compared as `canon` whose sides declare `scales`; `tolerant` when a decimal tolerance is on.
    pub(crate) fn new(canon: &Canon, scales: Sides<Option<i8>>, tolerant: bool) -> Option<Decimals> {
        if !matches!(canon, Canon::Decimal { .. } | Canon::Decimal256 { .. }) {
            return None;
        }
        let declared = match (scales.source, scales.target) {
            (Some(x), Some(y)) if x == y && x > 0 => Some(x as usize),
            _ => None,
        };
        Some(Decimals {
            declared,
            coarsest: 0,
            fits: vec![(0, None); declared.unwrap_or(0)],
            decided: None,
            trial: (!tolerant).then(|| (BTreeMap::new(), None)),
        })
    }

    /// One differing pair: its values, how the causes see them, and the cause it was given on its own.
    fn observe_pair(&mut self, pair: &Pair) {
        let exponent = difference_exponent(pair.values.source, pair.values.target);
        if let (Some((by_exponent, widest)), Some(e)) = (&mut self.trial, exponent) {
            *by_exponent.entry(e).or_default() += 1;
            if pair.explained.cause == Cause::Rounding {
                *widest = (*widest).max(Some(e));
            }
        }
        let (Some(declared), View::Number(x), View::Number(y)) =
            (self.declared, &pair.views.source, &pair.views.target)
        else {
            return;
        };
        let coarse = fraction_digits(x).min(fraction_digits(y));
        self.coarsest = self.coarsest.max(coarse);
        for k in coarse..declared {
            if rounds_at(x, y, k) {
                let (count, widest) = &mut self.fits[k];
                *count += 1;
                *widest = (*widest).max(exponent);
            }
        }
    }

    /// After every pair: decides the column's rounding scale (again, alike, when called again). Returns how
    /// many pairs seen as `other` are `rounding`.
    pub(crate) fn settle(&mut self) -> u64 {
        let k = self.coarsest;
        let Some(&(count, widest)) = self.fits.get(k).filter(|(count, _)| *count >= 2) else { return 0 };
        self.decided = Some(k);
        if let Some((_, rounding)) = &mut self.trial {
            *rounding = (*rounding).max(widest);
        }
        count
    }

    /// Whether a pair seen as `other` is `rounding` at the scale its column decided.
    pub(crate) fn rounds(&self, va: &View, vb: &View) -> bool {
        match (self.decided, va, vb) {
            (Some(k), View::Number(x), View::Number(y)) => rounds_at(x, y, k),
            _ => false,
        }
    }
}

impl Trial for Decimals {
    fn observe(&mut self, pair: &Pair) {
        self.observe_pair(pair);
    }

    /// `--decimal-abs-tol` at the smallest power of ten at least the largest `rounding` difference (the
    /// column's rounding decided first), with the differing pairs it makes equal.
    fn propose(&mut self, column: &str, out: &mut Vec<Suggestion>) {
        self.settle();
        let Some((by_exponent, Some(widest))) = self.trial.as_ref() else { return };
        let resolves = by_exponent.range(..=widest).map(|(_, n)| n).sum();
        out.push(Suggestion::new(SuggestionKind::DecimalAbsTol, Some(power_of_ten(*widest)), column, resolves));
    }
}

/// The least e with |a − b| ≤ 10^e, for two different decimals of one scale.
fn difference_exponent(a: Decoded, b: Decoded) -> Option<i32> {
    let ((scale, x), (other, y)) = (a.decimal()?, b.decimal()?);
    if scale != other || x == y {
        return None;
    }
    // Two values of one column differ by less than 2 · 10^76: no overflow.
    let difference = x.wrapping_sub(y).wrapping_abs();
    let digits = match difference.wrapping_sub(i256::ONE).checked_ilog10() {
        Some(log) => log as i32 + 1,
        None => 0,
    };
    Some(digits - i32::from(scale))
}

/// 10^e as plain decimal text: `0.01`, `1`, `100`.
fn power_of_ten(e: i32) -> String {
    match usize::try_from(e) {
        Ok(zeros) => format!("1{}", "0".repeat(zeros)),
        Err(_) => format!("0.{}1", "0".repeat(e.unsigned_abs() as usize - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Explained;

    fn decimal(value: i128) -> Decoded<'static> {
        Decoded::Decimal { scale: 4, value }
    }

    fn column() -> Decimals {
        let canon = Canon::Decimal { precision: 38, scale: 4 };
        Decimals::new(&canon, Sides::new(Some(4), Some(4)), false).unwrap()
    }

    /// Observes pairs of `numeric(12,4)` values given as text, each seen as `other` on its own.
    fn observe(column: &mut Decimals, pairs: &[(&str, &str)]) {
        for (a, b) in pairs {
            let unscaled = |t: &str| (t.parse::<f64>().unwrap() * 10_000.0).round() as i128;
            let views = Sides::new(View::Number((*a).into()), View::Number((*b).into()));
            let values = Sides::new(decimal(unscaled(a)), decimal(unscaled(b)));
            column.observe(&Pair { values, views, explained: Explained::of(Cause::Other) });
        }
    }

    /// The decimal tolerance the column proposes, if any.
    fn proposed(column: &mut Decimals) -> Option<Suggestion> {
        let mut out = Vec::new();
        column.propose("price", &mut out);
        out.pop()
    }

    #[test]
    fn a_column_rounded_to_two_places_is_rounding_and_a_lone_pair_is_not() {
        let mut rounded = column();
        observe(&mut rounded, &[("71.2627", "71.2600"), ("3.0999", "3.1000"), ("5.5555", "5.5500")]);
        assert_eq!(rounded.settle(), 3);
        let suggestion = proposed(&mut rounded).unwrap();
        assert_eq!((suggestion.option.as_str(), suggestion.resolves), ("--decimal-abs-tol 0.01", 3));
        assert!(rounded.rounds(&View::Number("71.2627".into()), &View::Number("71.2600".into())));

        let mut lone = column();
        observe(&mut lone, &[("20.0000", "20.0100")]);
        assert_eq!(lone.settle(), 0, "one pair is a change");
        assert!(proposed(&mut lone).is_none());

        // A coarser value holding every declared digit: the column did not round.
        let mut changed = column();
        observe(&mut changed, &[("71.2627", "71.2600"), ("3.0999", "3.1000"), ("1.2345", "1.2346")]);
        assert_eq!(changed.settle(), 0);
    }

    #[test]
    fn differences_are_counted_by_the_power_of_ten_they_reach() {
        assert_eq!(difference_exponent(decimal(712_627), decimal(712_600)), Some(-2));
        assert_eq!(difference_exponent(decimal(0), decimal(100)), Some(-2), "exactly 0.01");
        assert_eq!(difference_exponent(decimal(0), decimal(101)), Some(-1));
        assert_eq!(difference_exponent(decimal(0), decimal(1)), Some(-4));
        assert_eq!(difference_exponent(decimal(-5), decimal(5)), Some(-3));
        assert_eq!(difference_exponent(decimal(5), decimal(5)), None);
        assert_eq!((power_of_ten(-2), power_of_ten(0), power_of_ten(2)), ("0.01".into(), "1".into(), "100".into()));
    }
}
