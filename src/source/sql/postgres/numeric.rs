//! PostgreSQL `numeric` values in their binary send format, turned into exact Arrow decimals or plain decimal
//! text without ever passing through a float: the one type whose decoding is arithmetic rather than copying.
//!
//! The send format (`numeric_send` in PostgreSQL's `src/backend/utils/adt/numeric.c`) is four 16-bit words —
//! the number of base-10000 digits, the weight of the first digit, the sign word and the display scale — then
//! the digits, each a big-endian u16 below 10000: `value = ± Σ digit[i] · 10000^(weight - i)`.

use arrow::datatypes::i256;
use arrow::error::ArrowError;

pub(crate) const NUMERIC_POS: u16 = 0x0000;
pub(crate) const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_NINF: u16 = 0xF000;

/// Powers of ten that fit in an i128: 10^0 ..= 10^38.
const POW10: [i128; 39] = {
    let mut table = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

fn invalid(message: impl Into<String>) -> ArrowError {
    ArrowError::ParseError(message.into())
}

/// A big-endian u16 from a 2-byte slice (as `chunks_exact(2)` yields).
pub(crate) fn be_u16(d: &[u8]) -> u16 {
    d.iter().fold(0, |acc, b| acc << 8 | u16::from(*b))
}

/// A numeric in its binary send format.
pub(crate) struct Numeric<'a> {
    weight: i32,
    negative: bool,
    special: Option<&'static str>,
    /// Base-10000 digits, each a big-endian u16, leading and trailing zero digits removed.
    digits: &'a [u8],
}

impl<'a> Numeric<'a> {
    /// Header: ndigits, weight, sign, dscale (16 bits each), then ndigits digits. dscale (the number of
    /// fraction digits to display) is ignored: the digits alone define the value.
    pub(crate) fn parse(v: &'a [u8]) -> Result<Numeric<'a>, ArrowError> {
        let (header, digits) =
            v.split_first_chunk::<8>().ok_or_else(|| invalid("numeric shorter than its 8-byte header"))?;
        let [n0, n1, w0, w1, s0, s1, _, _] = *header;
        let ndigits = i16::from_be_bytes([n0, n1]);
        let mut weight = i32::from(i16::from_be_bytes([w0, w1]));
        if ndigits < 0 || digits.len() != 2 * ndigits.unsigned_abs() as usize {
            return Err(invalid(format!("numeric declares {ndigits} digits but carries {} bytes", digits.len())));
        }
        let (negative, special) = match u16::from_be_bytes([s0, s1]) {
            NUMERIC_POS => (false, None),
            NUMERIC_NEG => (true, None),
            NUMERIC_NAN => (false, Some("NaN")),
            NUMERIC_PINF => (false, Some("Infinity")),
            NUMERIC_NINF => (true, Some("-Infinity")),
            other => return Err(invalid(format!("invalid numeric sign word {other:#06x}"))),
        };
        let mut digits = digits;
        if digits.chunks_exact(2).any(|d| be_u16(d) > 9999) {
            return Err(invalid("numeric digit above 9999"));
        }
        // PostgreSQL strips zero digits at both ends before sending; do it again rather than rely on it.
        while let Some(([0, 0], rest)) = digits.split_first_chunk::<2>() {
            digits = rest;
            weight -= 1;
        }
        while let Some((rest, [0, 0])) = digits.split_last_chunk::<2>() {
            digits = rest;
        }
        Ok(Numeric { weight, negative, special, digits })
    }

    /// Each digit with its base-10000 exponent.
    fn digits(&self) -> impl Iterator<Item = (i32, u16)> + '_ {
        self.digits.chunks_exact(2).zip(0..).map(move |(d, i)| (self.weight - i, be_u16(d)))
    }

    /// The unscaled value at `scale`, checked against `precision` (at most 38 digits).
    pub(crate) fn to_i128(&self, precision: u8, scale: i8) -> Result<i128, ArrowError> {
        if let Some(special) = self.special {
            return Err(invalid(format!("{special} cannot be represented in Decimal128({precision}, {scale})")));
        }
        let out_of_range = || invalid(format!("value out of range for Decimal128({precision}, {scale})"));
        let mut unscaled: i128 = 0;
        for (exponent, digit) in self.digits() {
            // This digit contributes digit · 10^(4·exponent + scale) to the unscaled value.
            let power = 4 * exponent + i32::from(scale);
            let term = if power >= 0 {
                let factor = usize::try_from(power).ok().and_then(|p| POW10.get(p)).ok_or_else(out_of_range)?;
                i128::from(digit).checked_mul(*factor).ok_or_else(out_of_range)?
            } else {
                let divisor = usize::try_from(-power).ok().and_then(|p| POW10.get(p)).copied().unwrap_or(i128::MAX);
                if i128::from(digit) % divisor != 0 {
                    return Err(invalid(format!("value has more fraction digits than scale {scale}")));
                }
                i128::from(digit) / divisor
            };
            unscaled = unscaled.checked_add(term).ok_or_else(out_of_range)?;
        }
        if POW10.get(usize::from(precision)).is_some_and(|limit| unscaled >= *limit) {
            return Err(out_of_range());
        }
        Ok(if self.negative { -unscaled } else { unscaled })
    }

    /// The unscaled value at `scale` as a 256-bit integer, checked against `precision` (at most 76 digits).
    pub(crate) fn to_i256(&self, precision: u8, scale: i8) -> Result<i256, ArrowError> {
        if let Some(special) = self.special {
            return Err(invalid(format!("{special} cannot be represented in Decimal256({precision}, {scale})")));
        }
        let out_of_range = || invalid(format!("value out of range for Decimal256({precision}, {scale})"));
        let ten = i256::from_i128(10);
        let mut unscaled = i256::ZERO;
        for (exponent, digit) in self.digits() {
            let power = 4 * exponent + i32::from(scale);
            let term = if power >= 0 {
                let power = u32::try_from(power).map_err(|_| out_of_range())?;
                let factor = ten.checked_pow(power).ok_or_else(out_of_range)?;
                i256::from_i128(i128::from(digit)).checked_mul(factor).ok_or_else(out_of_range)?
            } else {
                let divisor = usize::try_from(-power).ok().and_then(|p| POW10.get(p)).copied().unwrap_or(i128::MAX);
                if i128::from(digit) % divisor != 0 {
                    return Err(invalid(format!("value has more fraction digits than scale {scale}")));
                }
                i256::from_i128(i128::from(digit) / divisor)
            };
            unscaled = unscaled.checked_add(term).ok_or_else(out_of_range)?;
        }
        let limit = ten.checked_pow(u32::from(precision));
        if limit.is_some_and(|limit| unscaled >= limit) {
            return Err(out_of_range());
        }
        Ok(if self.negative { unscaled.wrapping_neg() } else { unscaled })
    }

    /// Plain decimal text: no exponent, no trailing fraction zeros, `0` for zero.
    pub(crate) fn write_text(&self, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        if let Some(special) = self.special {
            return out.write_str(special);
        }
        let count = (self.digits.len() / 2) as i32;
        if count == 0 {
            return out.write_char('0');
        }
        let digit = |i: i32| -> u16 {
            usize::try_from(i).ok().and_then(|i| self.digits.get(2 * i..2 * i + 2)).map_or(0, be_u16)
        };
        if self.negative {
            out.write_char('-')?;
        }
        // Integer part: digit indexes 0..=weight (past the last digit they are zero groups).
        if self.weight < 0 {
            out.write_char('0')?;
        } else {
            write!(out, "{}", digit(0))?;
            for i in 1..=self.weight {
                write!(out, "{:04}", digit(i))?;
            }
        }
        // Fraction part: indexes weight+1 .. count (negative indexes are zero groups after the point).
        if count - 1 > self.weight {
            out.write_char('.')?;
            for i in self.weight + 1..count - 1 {
                write!(out, "{:04}", digit(i))?;
            }
            // The last digit is non-zero: print it without its trailing zeros.
            let (mut last, mut width) = (digit(count - 1), 4);
            while last != 0 && last % 10 == 0 {
                last /= 10;
                width -= 1;
            }
            write!(out, "{last:0width$}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A numeric in binary send format.
    pub(crate) fn numeric_bytes(weight: i16, sign: u16, digits: &[u16]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend((digits.len() as i16).to_be_bytes());
        v.extend(weight.to_be_bytes());
        v.extend(sign.to_be_bytes());
        v.extend(0u16.to_be_bytes());
        for d in digits {
            v.extend(d.to_be_bytes());
        }
        v
    }

    fn numeric_text(bytes: &[u8]) -> Option<String> {
        let mut text = String::new();
        Numeric::parse(bytes).ok()?.write_text(&mut text).ok()?;
        Some(text)
    }

    #[test]
    fn numeric_edge_cases() {
        // Unstripped zero digits, which PostgreSQL itself never sends, still print canonically.
        assert_eq!(numeric_text(&numeric_bytes(1, NUMERIC_NEG, &[0, 0])).as_deref(), Some("0"));
        assert_eq!(numeric_text(&numeric_bytes(1, NUMERIC_POS, &[0, 12, 3400, 0])).as_deref(), Some("12.34"));
        assert_eq!(numeric_text(&numeric_bytes(-1, NUMERIC_POS, &[5000])).as_deref(), Some("0.5"));
        assert_eq!(numeric_text(&numeric_bytes(3, NUMERIC_POS, &[7])).as_deref(), Some("7000000000000"));
        assert!(numeric_text(&numeric_bytes(0, NUMERIC_POS, &[10000])).is_none());
        assert!(numeric_text(&numeric_bytes(0, 0x1234, &[1])).is_none());
        assert!(numeric_text(&numeric_bytes(0, NUMERIC_POS, &[1])[..9]).is_none());
        assert!(numeric_text(&[0, 1]).is_none());
        let nan = Numeric::parse(&[0, 0, 0, 0, 0xC0, 0, 0, 0]).expect("parses");
        assert!(nan.to_i128(10, 2).is_err_and(|e| e.to_string().contains("NaN")));
        let tiny = numeric_bytes(-5, NUMERIC_POS, &[1]);
        assert_eq!(Numeric::parse(&tiny).and_then(|n| n.to_i128(38, 20)).ok(), Some(1));
        assert_eq!(Numeric::parse(&tiny).and_then(|n| n.to_i128(38, 38)).ok(), Some(10i128.pow(18)));
        let huge = numeric_bytes(20, NUMERIC_POS, &[1]);
        assert!(Numeric::parse(&huge).and_then(|n| n.to_i128(38, 0)).is_err());
    }

    #[test]
    fn wide_numerics_fill_256_bits_exactly() {
        // -(10^75 - 1) at scale 10: 65 integer nines (9, then 16 groups of 9999) and ten fraction nines
        // (9999, 9999, 9900).
        let mut digits = vec![9999u16; 20];
        digits[0] = 9;
        digits[19] = 9900;
        let max76 = numeric_bytes(16, NUMERIC_NEG, &digits);
        let value = Numeric::parse(&max76).and_then(|n| n.to_i256(76, 10)).expect("fits");
        let expected = i256::from_i128(10).checked_pow(75).expect("fits").wrapping_sub(i256::ONE);
        assert_eq!(value, expected.wrapping_neg());
        assert!(Numeric::parse(&max76).and_then(|n| n.to_i256(74, 10)).is_err());
        let small = numeric_bytes(0, NUMERIC_POS, &[12, 3400]);
        assert_eq!(Numeric::parse(&small).and_then(|n| n.to_i256(40, 2)).ok(), Some(i256::from_i128(1234)));
        assert!(Numeric::parse(&small).and_then(|n| n.to_i256(40, 1)).is_err(), "0.34 needs two places");
    }
}
