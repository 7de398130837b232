//! The equivalence policy's options: each loosens one thing on purpose, and the report records them all.
//! Applied in `canonicalize` (strings, time zones, timestamp precision) and, for tolerances on floats and
//! decimals, by hashing a bucketed value and confirming in the row tier ([`Within`]).

use arrow::datatypes::{i256, TimeUnit};

use super::Canon;
use crate::spec::Decimal;

/// What one side's canonicalization needs of the policy.
#[derive(Debug, Clone, Default)]
pub struct SidePolicy {
    pub zone: Option<chrono_tz::Tz>,
    pub precision: Option<TimeUnit>,
    pub strings: StringRules,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StringRules {
    pub trim: bool,
    pub ignore_case: bool,
    pub unicode_nfc: bool,
    pub empty_as_null: bool,
}

impl StringRules {
    pub fn any(&self) -> bool {
        self.trim || self.ignore_case || self.unicode_nfc || self.empty_as_null
    }

    /// A string as compared: `None` when it counts as NULL.
    pub fn apply(&self, value: &str) -> Option<String> {
        use unicode_normalization::UnicodeNormalization;
        let value = if self.trim { value.trim() } else { value };
        if self.empty_as_null && value.is_empty() {
            return None;
        }
        let value: String = if self.unicode_nfc { value.nfc().collect() } else { value.to_string() };
        Some(if self.ignore_case { value.to_lowercase() } else { value })
    }
}

/// Float tolerance: two floats are equal when |a − b| ≤ abs, or ≤ rel · max(|a|, |b|).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    pub abs: Option<f64>,
    pub rel: Option<f64>,
}

impl Tolerance {
    pub fn equal(&self, a: f64, b: f64) -> bool {
        if a == b || (a.is_nan() && b.is_nan()) {
            return true;
        }
        let diff = (a - b).abs();
        self.abs.is_some_and(|t| diff <= t) || self.rel.is_some_and(|t| diff <= t * a.abs().max(b.abs()))
    }

    /// The bucket a value is hashed as. Two values in one bucket are always within tolerance, so values
    /// outside it never share a bucket and always reach the row tier; values within it may straddle two
    /// buckets, and the row tier then finds them equal.
    pub fn bucket(&self, v: f64) -> i128 {
        // Non-finite values, and values whose bucket number would not fit, are their own buckets: outside
        // the range of bucket numbers, so they never meet a finite bucket.
        let own = |v: f64| (1i128 << 100) + v.to_bits() as i128;
        if !v.is_finite() {
            return own(if v.is_nan() { f64::NAN } else { v });
        }
        let step = match (self.abs, self.rel) {
            // Width equal to the tolerance: same bucket ⇒ |a − b| < abs.
            (Some(abs), _) if abs > 0.0 => (v / abs).floor(),
            // Geometric buckets of ratio 1 + rel: same bucket ⇒ ratio < 1 + rel ⇒ within rel of the larger.
            // Positive, negative and zero values fall in disjoint residues mod 3.
            (_, Some(rel)) if rel > 0.0 => {
                if v == 0.0 {
                    return 0;
                }
                let step = (v.abs().ln() / rel.ln_1p()).floor();
                return if step.abs() > 1e15 {
                    own(v)
                } else if v > 0.0 {
                    3 * step as i128 + 1
                } else {
                    3 * step as i128 + 2
                };
            }
            _ => return own(v),
        };
        if step.abs() > 1e30 {
            own(v)
        } else {
            step as i128
        }
    }
}

/// The policy's tolerances, each applied to the columns it fits.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tolerances {
    pub float: Option<Tolerance>,
    pub decimal: Option<Decimal>,
}

impl Tolerances {
    /// The tolerance of a column compared as `canon`: floats under a float tolerance, decimals under a
    /// decimal one (at the column's scale; none when it is finer than the column's last digit).
    pub fn of(&self, canon: &Canon) -> Option<Within> {
        match canon {
            Canon::Float32 | Canon::Float64 => self.float.map(Within::Float),
            Canon::Decimal { scale, .. } | Canon::Decimal256 { scale, .. } => {
                let units = DecimalTolerance::at_scale(self.decimal?, *scale);
                (units.units > i256::ZERO).then_some(Within::Decimal(units))
            }
            _ => None,
        }
    }
}

/// How far apart two values of one column may be and still be equal. The digest hashes each value's bucket
/// ([`Within`]'s `bucket`s) instead of the value, so values outside the tolerance never share a hash; values
/// within it that straddle two buckets reach the row tier, which confirms them equal. Both tiers decide alike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Within {
    Float(Tolerance),
    Decimal(DecimalTolerance),
}

/// A decimal tolerance in units of a column's last digit: two unscaled values at the column's scale are equal
/// when they differ by at most `units`. Exact integer arithmetic: as the values differ by whole units,
/// |a − b| ≤ X ⇔ |A − B| ≤ ⌊X · 10^scale⌋.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecimalTolerance {
    pub units: i256,
}

impl DecimalTolerance {
    /// `tolerance` counted in units of 10^-`scale`, rounded down; a count beyond i256 is i256's largest.
    pub fn at_scale(tolerance: Decimal, scale: i8) -> DecimalTolerance {
        let digits = i256::from_i128(tolerance.digits as i128);
        let shift = i64::from(scale) - i64::from(tolerance.scale);
        let power = |n: i64| i256::from_i128(10).checked_pow(n as u32);
        let units = if shift >= 0 {
            power(shift).and_then(|p| digits.checked_mul(p)).unwrap_or(i256::MAX)
        } else {
            power(-shift).and_then(|p| digits.checked_div(p)).unwrap_or(i256::ZERO)
        };
        DecimalTolerance { units }
    }

    pub fn equal(&self, a: i256, b: i256) -> bool {
        // Two values of one column differ by less than 2 · 10^76: no overflow.
        a.wrapping_sub(b).wrapping_abs() <= self.units
    }

    /// The bucket a value is hashed as: ⌊value / units⌋, so one bucket spans less than the tolerance.
    pub fn bucket(&self, v: i256) -> i256 {
        let (quotient, remainder) = (v.wrapping_div(self.units), v.wrapping_rem(self.units));
        if remainder < i256::ZERO {
            quotient.wrapping_sub(i256::ONE)
        } else {
            quotient
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_outside_tolerance_never_share_a_bucket() {
        let t = Tolerance { abs: Some(0.01), rel: None };
        for (a, b) in [(1.0, 1.02), (0.0, 0.0101), (-5.0, -5.011), (1e9, 1e9 + 0.02)] {
            assert!(!t.equal(a, b));
            assert_ne!(t.bucket(a), t.bucket(b), "{a} {b}");
        }
        assert!(t.equal(1.0, 1.005) && t.equal(0.999, 1.001));
        let r = Tolerance { abs: None, rel: Some(0.001) };
        for (a, b) in [(1000.0, 1002.0), (-3.0, -3.01), (1e-9, 1.1e-9), (1.0, -1.0)] {
            assert!(!r.equal(a, b));
            assert_ne!(r.bucket(a), r.bucket(b), "{a} {b}");
        }
        assert!(r.equal(1000.0, 1000.5));
        assert_ne!(r.bucket(0.0), r.bucket(-0.5));
        let huge = Tolerance { abs: Some(0.01), rel: None };
        assert_ne!(huge.bucket(1e300), huge.bucket(2e300));
    }

    #[test]
    fn decimals_within_the_tolerance_are_equal_and_others_never_share_a_bucket() {
        let cent = Decimal::parse("0.01").unwrap();
        let t = DecimalTolerance::at_scale(cent, 4);
        assert_eq!(t.units, i256::from_i128(100));
        let v = |x: i128| i256::from_i128(x);
        assert!(t.equal(v(712_627), v(712_600)) && t.equal(v(-5), v(95)) && !t.equal(v(0), v(101)));
        for (a, b) in [(0, 101), (-1, 100), (712_600, 712_701), (-201, -100)] {
            assert!(!t.equal(v(a), v(b)));
            assert_ne!(t.bucket(v(a)), t.bucket(v(b)), "{a} {b}");
        }
        assert_eq!((t.bucket(v(99)), t.bucket(v(-1)), t.bucket(v(-100))), (v(0), v(-1), v(-1)));
        // Finer than the column's last digit: no loosening at all; coarser than any value: one bucket.
        assert_eq!(DecimalTolerance::at_scale(Decimal::parse("0.005").unwrap(), 2).units, i256::ZERO);
        assert_eq!(DecimalTolerance::at_scale(Decimal::parse("0.015").unwrap(), 2).units, v(1));
        assert_eq!(DecimalTolerance::at_scale(Decimal::parse("1e37").unwrap(), 76).units, i256::MAX);
        let tolerances = Tolerances { float: None, decimal: Some(Decimal::parse("0.005").unwrap()) };
        assert_eq!(tolerances.of(&Canon::Decimal { precision: 38, scale: 2 }), None);
        assert!(tolerances.of(&Canon::Decimal256 { precision: 76, scale: 3 }).is_some());
        assert_eq!(tolerances.of(&Canon::Int), None);
    }

    #[test]
    fn string_rules_apply_in_order() {
        let rules = StringRules { trim: true, ignore_case: true, unicode_nfc: true, empty_as_null: true };
        assert_eq!(rules.apply("  Ann "), Some("ann".into()));
        assert_eq!(rules.apply("   "), None);
        assert_eq!(rules.apply("Cafe\u{301}"), Some("caf\u{e9}".into()));
    }
}
