//! Decimal numbers as JSON writes them (`12.50`, `-3`, `1.5E+3`, a `$numberDecimal`'s text), fitted to a
//! column's precision and scale exactly: a digit that would be rounded away makes the value not fit.

/// A decimal number's sign, digits (integer and fraction together) and scale: the value is digits × 10^-scale.
struct Parsed {
    negative: bool,
    digits: String,
    scale: i32,
}

/// Exponents beyond this are not what an export writes; refusing them keeps the digit strings short.
const MAX_EXPONENT: i32 = 100;

fn parse(text: &str) -> Option<Parsed> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(e) => (&rest[..e], rest[e + 1..].parse::<i32>().ok()?),
        None => (rest, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    if exponent.abs() > MAX_EXPONENT {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    Some(Parsed { negative, digits, scale: fraction.len() as i32 - exponent })
}

/// The digits after the point `text` is written with (`12.50`: 2); `None` if it is not a decimal number.
pub(super) fn scale(text: &str) -> Option<i32> {
    parse(text).map(|p| p.scale)
}

/// `text` written at `scale` with at most `precision` digits, as Arrow parses a decimal (`1.5E+3` at scale 2:
/// `1500.00`); `None` if it is not a number or does not fit without rounding.
pub(super) fn fit(text: &str, precision: u8, scale: i8) -> Option<String> {
    let Parsed { negative, mut digits, scale: written, .. } = parse(text)?;
    let scale = i32::from(scale.max(0));
    if written > scale {
        let cut = (written - scale) as usize;
        let keep = digits.len().saturating_sub(cut);
        if digits[keep..].bytes().any(|b| b != b'0') {
            return None;
        }
        digits.truncate(keep);
    } else {
        digits.extend(std::iter::repeat_n('0', (scale - written) as usize));
    }
    let digits = digits.trim_start_matches('0');
    if digits.len() > usize::from(precision) {
        return None;
    }
    let padded = format!("{digits:0>width$}", width = scale as usize + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale as usize);
    let sign = if negative && digits.bytes().any(|b| b != b'0') { "-" } else { "" };
    Some(match fraction.is_empty() {
        true => format!("{sign}{whole}"),
        false => format!("{sign}{whole}.{fraction}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_fit_their_scale_exactly_or_not_at_all() {
        assert_eq!(fit("12.5", 12, 2).as_deref(), Some("12.50"));
        assert_eq!(fit("12.500", 12, 2).as_deref(), Some("12.50"));
        assert_eq!(fit("-0.05", 12, 2).as_deref(), Some("-0.05"));
        assert_eq!(fit("1.5E+3", 12, 2).as_deref(), Some("1500.00"));
        assert_eq!(fit("1e-7", 38, 7).as_deref(), Some("0.0000001"));
        assert_eq!(fit("7", 38, 0).as_deref(), Some("7"));
        assert_eq!(fit("-0.00", 12, 2).as_deref(), Some("0.00"));
        assert_eq!(fit("12.505", 12, 2), None, "a digit would be rounded away");
        assert_eq!(fit("123456", 5, 0), None, "too many digits");
        for not_a_number in ["", ".", "1.2.3", "NaN", "Infinity", "1e999", "12a"] {
            assert_eq!(fit(not_a_number, 38, 2), None, "{not_a_number}");
        }
        assert_eq!(scale("12.50"), Some(2));
        assert_eq!(scale("1.5E+3"), Some(-2));
    }
}
