//! Statistical sampling: the same keys on both sides, chosen by a hash of the key so the two sides agree
//! without coordination, and one-sided Clopper-Pearson upper bounds on each category's rate.

use arrow::array::{Array, ArrayRef};
use arrow::error::ArrowError;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::side::Sides;

/// Which keys are compared: those whose seeded draw falls below the rate's threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The share of keys kept, 0 < rate ≤ 1.
    pub rate: f64,
    pub seed: u64,
    pub confidence: f64,
    pub selection: Selection,
    /// Per side: whether its database selected the sampled rows itself.
    pub pushed_down: Sides<bool>,
    /// How keys were drawn and where, for the report.
    pub note: String,
}

/// How a key's draw is computed. Both sides always use the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// xxh3 of the canonical key hash, seeded: fast, but only recon computes it.
    KeyHash,
    /// The first 32 bits of MD5 over the key's text, `seed|part|part` with NULL parts left out: PostgreSQL
    /// and MySQL compute the same draw, so a database side can be asked for the sampled rows only. Used
    /// for integer and text keys, whose text every engine writes alike.
    KeyText,
}

impl Sample {
    /// A sample drawn by recon's key hash, read in full on both sides until the plan pushes it down.
    pub fn new(rate: f64, seed: u64, confidence: f64) -> Sample {
        Sample {
            rate,
            seed,
            confidence,
            selection: Selection::KeyHash,
            pushed_down: Sides::default(),
            note: "keys are drawn by recon's xxh3 key hash: every row is read".into(),
        }
    }

    fn threshold(&self) -> u64 {
        if self.rate >= 1.0 {
            u64::MAX
        } else {
            (self.rate * u64::MAX as f64) as u64
        }
    }

    /// Whether the row with this key hash (or, for a NULL key, this row hash) is in the sample.
    pub fn keeps(&self, hash: u128) -> bool {
        xxh3_64_with_seed(&hash.to_le_bytes(), self.seed) <= self.threshold()
    }

    /// Under [`Selection::KeyText`]: a key is kept when the first 32 bits of its MD5, read big-endian, lie
    /// below this.
    pub fn text_threshold(&self) -> u64 {
        (self.rate.min(1.0) * 4_294_967_296.0) as u64
    }

    /// Under [`Selection::KeyText`]: which rows of a batch's canonical keys are kept. The text is what
    /// PostgreSQL's `concat_ws('|', …)` and MySQL's `CONCAT_WS` write: integers in decimal, text as its
    /// UTF-8 bytes, NULL parts left out.
    pub fn keeps_by_text(&self, keys: &[ArrayRef]) -> Result<Vec<bool>, ArrowError> {
        use std::io::Write;
        let options = FormatOptions::default();
        let formatters: Vec<ArrayFormatter> =
            keys.iter().map(|k| ArrayFormatter::try_new(k.as_ref(), &options)).collect::<Result<_, _>>()?;
        let rows = keys.first().map_or(0, |k| k.len());
        let mut text = Vec::with_capacity(64);
        (0..rows)
            .map(|row| {
                text.clear();
                write!(text, "{}", self.seed).map_err(|e| ArrowError::ExternalError(e.into()))?;
                for (key, formatter) in keys.iter().zip(&formatters) {
                    if key.is_valid(row) {
                        write!(text, "|{}", formatter.value(row)).map_err(|e| ArrowError::ExternalError(e.into()))?;
                    }
                }
                let digest = Md5::digest(&text);
                let draw = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
                Ok((draw as u64) < self.text_threshold())
            })
            .collect()
    }
}

/// A category's observed rate in the sample and the upper bound of its true rate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Rate {
    pub count: u64,
    pub rate: f64,
    pub upper_bound: f64,
}

impl Rate {
    pub fn new(count: u64, sampled: u64, confidence: f64) -> Rate {
        let rate = if sampled == 0 { 0.0 } else { count as f64 / sampled as f64 };
        Rate { count, rate, upper_bound: upper_bound(count, sampled, confidence) }
    }
}

/// The one-sided Clopper-Pearson upper bound: the largest rate p at which seeing `k` or fewer of `n` is
/// still at least 1 − confidence likely.
pub fn upper_bound(k: u64, n: u64, confidence: f64) -> f64 {
    if n == 0 || k >= n {
        return 1.0;
    }
    let alpha = 1.0 - confidence;
    let (mut low, mut high) = (k as f64 / n as f64, 1.0);
    for _ in 0..200 {
        let mid = (low + high) / 2.0;
        // P(X ≤ k) for X ~ Binomial(n, mid) equals 1 − I_mid(k + 1, n − k).
        if 1.0 - incomplete_beta(k as f64 + 1.0, (n - k) as f64, mid) > alpha {
            low = mid;
        } else {
            high = mid;
        }
    }
    high
}

/// Keys to sample so that seeing no defect proves a rate below `budget` at `confidence`: the smallest n
/// with (1 − budget)^n ≤ 1 − confidence.
pub fn size_for(budget: f64, confidence: f64) -> u64 {
    ((1.0 - confidence).ln() / (1.0 - budget).ln()).ceil() as u64
}

/// The regularized incomplete beta function I_x(a, b), by its continued fraction (Lentz's method).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - incomplete_beta(b, a, 1.0 - x);
    }
    let tiny = 1e-300;
    let (mut c, mut d) = (1.0, 1.0 - (a + b) * x / (a + 1.0));
    d = if d.abs() < tiny { tiny } else { d };
    d = 1.0 / d;
    let mut h = d;
    for m in 1..1000 {
        let m = m as f64;
        for numerator in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + numerator * d;
            d = if d.abs() < tiny { tiny } else { d };
            c = 1.0 + numerator / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    (ln_front.exp() * h / a).clamp(0.0, 1.0)
}

/// ln Γ(x) by the Lanczos approximation (g = 7, n = 9), accurate to about 15 digits for x > 0.
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let series = G[1..].iter().enumerate().fold(G[0], |acc, (i, g)| acc + g / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + series.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_defects_bound_the_rate_by_the_rule_of_three() {
        // With no defect in n draws the 95% upper bound is 1 − 0.05^(1/n) ≈ 3/n.
        let bound = upper_bound(0, 1000, 0.95);
        assert!((bound - (1.0 - 0.05f64.powf(1.0 / 1000.0))).abs() < 1e-9, "{bound}");
    }

    #[test]
    fn bounds_match_published_clopper_pearson_values() {
        // One-sided 95% upper bounds: 5 of 100 → 0.1024; 50 of 1000 → 0.0630 (exact binomial).
        assert!((upper_bound(5, 100, 0.95) - 0.1024).abs() < 5e-4, "{}", upper_bound(5, 100, 0.95));
        assert!((upper_bound(50, 1000, 0.95) - 0.0630).abs() < 5e-4, "{}", upper_bound(50, 1000, 0.95));
    }

    #[test]
    fn sample_size_proves_a_budget_with_no_defect_seen() {
        let n = size_for(0.001, 0.99);
        assert_eq!(n, 4603);
        assert!(upper_bound(0, n, 0.99) <= 0.001);
        assert!(upper_bound(0, n - 1, 0.99) > 0.001);
    }

    #[test]
    fn both_sides_keep_the_same_keys() {
        let sample = Sample::new(0.1, 7, 0.95);
        let kept = (0u128..100_000).filter(|k| sample.keeps(k.wrapping_mul(0x9e37_79b9_7f4a_7c15))).count();
        assert!((9_000..11_000).contains(&kept), "{kept}");
        let other_seed = Sample::new(0.1, 8, 0.95);
        let same = (0u128..1000).filter(|k| sample.keeps(*k) == other_seed.keeps(*k)).count();
        assert!(same < 1000);
    }

    #[test]
    fn key_text_draws_are_the_ones_postgres_and_mysql_compute() {
        use arrow::array::{Int64Array, StringArray};
        use std::sync::Arc;
        // The draw as PostgreSQL writes it: ('x' || substr(md5('7|42|ab'), 1, 8))::bit(32)::bigint.
        let ids: ArrayRef = Arc::new(Int64Array::from(vec![Some(42), None]));
        let names: ArrayRef = Arc::new(StringArray::from(vec![Some("ab"), Some("ab")]));
        let draw = |text: &str| u32::from_be_bytes(Md5::digest(text.as_bytes())[..4].try_into().unwrap()) as u64;
        for rate in [0.1, 0.5, 0.9] {
            let sample = Sample { selection: Selection::KeyText, ..Sample::new(rate, 7, 0.95) };
            let kept = sample.keeps_by_text(&[ids.clone(), names.clone()]).unwrap();
            let t = sample.text_threshold();
            assert_eq!(kept, vec![draw("7|42|ab") < t, draw("7|ab") < t], "NULL parts are left out");
        }
        let all = Sample { selection: Selection::KeyText, ..Sample::new(1.0, 0, 0.95) };
        assert!(all.keeps_by_text(&[ids]).unwrap().iter().all(|k| *k));
    }
}
