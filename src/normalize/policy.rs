//! The equivalence policy's options: each loosens one thing on purpose, and the report records them all.
//! Applied in `canonicalize` (strings, time zones, timestamp precision) and, for float tolerances, by hashing
//! a bucketed value and confirming in the row tier (`Tolerance`).

use arrow::datatypes::TimeUnit;

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

pub fn parse_unit(text: &str) -> Option<TimeUnit> {
    match text {
        "s" => Some(TimeUnit::Second),
        "ms" => Some(TimeUnit::Millisecond),
        "us" => Some(TimeUnit::Microsecond),
        _ => None,
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
    fn string_rules_apply_in_order() {
        let rules = StringRules { trim: true, ignore_case: true, unicode_nfc: true, empty_as_null: true };
        assert_eq!(rules.apply("  Ann "), Some("ann".into()));
        assert_eq!(rules.apply("   "), None);
        assert_eq!(rules.apply("Cafe\u{301}"), Some("caf\u{e9}".into()));
    }
}
