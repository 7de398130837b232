//! An exact decimal written in a setting (`--decimal-abs-tol 0.005`): its digits and scale as typed, never a
//! float, so a tolerance on decimals is the number the user wrote, to the last digit.

use serde::{Deserialize, Serialize};

/// A decimal 0 or more, as `digits` × 10^-`scale`, without trailing fraction zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// At most 38 digits: it fits an i128.
    pub digits: u128,
    /// At most 76: the widest scale a decimal column has.
    pub scale: u32,
}

/// The most fraction digits a decimal setting may have: a Decimal256's.
const MAX_SCALE: i64 = 76;

impl Decimal {
    /// Reads `0.01`, `5`, `1e-3` or `2.5E2`: a plain decimal, optionally with a power of ten. `None` for
    /// anything else, a negative number, more than 38 significant digits or more than 76 fraction digits.
    pub fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim();
        let (mantissa, exponent) = match text.split_once(['e', 'E']) {
            Some((m, e)) => (m, e.strip_prefix('+').unwrap_or(e).parse::<i64>().ok()?),
            None => (text, 0),
        };
        let (int_part, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int_part.is_empty() && frac.is_empty()) || !all_digits(int_part) || !all_digits(frac) {
            return None;
        }
        let frac = frac.trim_end_matches('0');
        let digits = format!("{int_part}{frac}");
        let digits = digits.trim_start_matches('0');
        let scale = (frac.len() as i64).checked_sub(exponent)?;
        if digits.is_empty() {
            return Some(Decimal { digits: 0, scale: 0 });
        }
        if scale < -38 {
            return None;
        }
        // A negative scale is trailing zeros of the integer.
        let (digits, scale) = if scale < 0 {
            (format!("{digits}{}", "0".repeat(scale.unsigned_abs() as usize)), 0)
        } else {
            (digits.to_string(), scale)
        };
        let stripped = digits.trim_end_matches('0');
        let scale = scale - (digits.len() - stripped.len()) as i64;
        let (digits, scale) = if scale < 0 { (digits.as_str(), 0) } else { (stripped, scale) };
        if digits.len() > 38 || scale > MAX_SCALE {
            return None;
        }
        Some(Decimal { digits: digits.parse().ok()?, scale: scale as u32 })
    }
}

/// Plain decimal text: `0.005`, `100`.
impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits = self.digits.to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int_part, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{int_part}.{frac}")
    }
}

/// As text in reports, so that no JSON reader turns it into a float.
impl Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(deserializer)?;
        Decimal::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("{text:?} is no decimal 0 or more")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_exactly_as_written() {
        let read = |text: &str| Decimal::parse(text).map(|d| (d.digits, d.scale, d.to_string()));
        assert_eq!(read("0.01"), Some((1, 2, "0.01".into())));
        assert_eq!(read("0.0100"), Some((1, 2, "0.01".into())));
        assert_eq!(read("5"), Some((5, 0, "5".into())));
        assert_eq!(read("1e-3"), Some((1, 3, "0.001".into())));
        assert_eq!(read("2.5E2"), Some((250, 0, "250".into())));
        assert_eq!(read("120"), Some((120, 0, "120".into())));
        assert_eq!(read(".5"), Some((5, 1, "0.5".into())));
        assert_eq!(read("0"), Some((0, 0, "0".into())));
        assert_eq!(
            read("0.1000000000000000000000000000001"),
            Some((1_000_000_000_000_000_000_000_000_000_001, 31, "0.1000000000000000000000000000001".into()))
        );
        for bad in [
            "",
            ".",
            "-0.01",
            "0,01",
            "1e",
            "abc",
            "1e-77",
            "1e39",
            "1e-9223372036854775808",
            "1e9223372036854775807",
            "NaN",
            "inf",
        ] {
            assert_eq!(Decimal::parse(bad), None, "{bad:?}");
        }
    }
}
