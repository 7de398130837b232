//! `--float-abs-tol` tried on a float column's differing pairs, under no float tolerance yet: every power of ten
//! from 1e-20 to 1e6, and the one suggested is the smallest at least the largest `rounding` difference.

use super::suggestion::{Suggestion, SuggestionKind};
use super::trial::{Pair, Trial};
use crate::digest::encode::Decoded;
use crate::finding::Cause;
use crate::normalize::policy::Tolerance;
use crate::normalize::Canon;
use crate::spec::Policy;

/// Absolute tolerances tried: 10^e for e in MIN_EXPONENT..=MAX_EXPONENT.
const MIN_EXPONENT: i32 = -20;
const MAX_EXPONENT: i32 = 6;
const TOLERANCES: usize = (MAX_EXPONENT - MIN_EXPONENT + 1) as usize;

/// The largest difference of a `rounding` pair, and the pairs each absolute tolerance 10^e resolves (index
/// e − MIN_EXPONENT).
pub(crate) struct Floats {
    largest: Option<f64>,
    resolved: [u64; TOLERANCES],
}

impl Floats {
    /// For a column compared as `canon` under `policy`: float columns under no float tolerance.
    pub(crate) fn new(canon: &Canon, policy: &Policy) -> Option<Floats> {
        let tolerant = policy.float_abs_tol.is_some() || policy.float_rel_tol.is_some();
        (matches!(canon, Canon::Float32 | Canon::Float64) && !tolerant)
            .then_some(Floats { largest: None, resolved: [0; TOLERANCES] })
    }
}

impl Trial for Floats {
    fn observe(&mut self, pair: &Pair) {
        let float = |d: Decoded| match d {
            Decoded::Float(v) => Some(v),
            Decoded::Float32(v) => Some(v.into()),
            _ => None,
        };
        let (Some(x), Some(y)) = (float(pair.values.source), float(pair.values.target)) else { return };
        for (i, resolved) in self.resolved.iter_mut().enumerate() {
            let tolerance = Tolerance { abs: Some(power_of_ten(MIN_EXPONENT + i as i32)), rel: None };
            if tolerance.equal(x, y) {
                *resolved += 1;
            }
        }
        if pair.explained.cause == Cause::Rounding {
            let diff = (x - y).abs();
            self.largest = Some(self.largest.map_or(diff, |l: f64| l.max(diff)));
        }
    }

    /// The smallest power of ten at least the largest rounding difference: every `rounding` pair within it.
    fn propose(&mut self, column: &str, out: &mut Vec<Suggestion>) {
        let Some(largest) = self.largest else { return };
        let exponent = (MIN_EXPONENT..=MAX_EXPONENT).find(|e| power_of_ten(*e) >= largest);
        if let Some(e) = exponent.filter(|e| self.resolved[(e - MIN_EXPONENT) as usize] > 0) {
            let tolerance = if e >= -6 { format!("{}", power_of_ten(e)) } else { format!("1e{e}") };
            let resolves = self.resolved[(e - MIN_EXPONENT) as usize];
            out.push(Suggestion::new(SuggestionKind::FloatAbsTol, Some(tolerance), column, resolves));
        }
    }
}

/// 10^e as the command line reads `1e{e}`: the tolerance tried is the one suggested, to the last bit.
fn power_of_ten(e: i32) -> f64 {
    format!("1e{e}").parse().unwrap_or(f64::NAN)
}
