//! Why two values of a mismatched row differ: the first cause, in the order of DESIGN.md ("Explanations"), that
//! explains the pair.
//!
//! Causes are decided on the canonical values (what the policy compared), read back from their encodings
//! (`digest::encode::decode`), so the row tier's read-back and the streaming column pass decide alike. What
//! survives canonicalization decides what can be seen: decimals compare at the larger scale (`1.80` against
//! `1.85`), timestamps as UTC instants at the coarser unit, text parsed against a typed column as the typed
//! side's rendering or `unparseable: …`.
//!
//! | cause | a pair is given it when |
//! |---|---|
//! | `null_vs_empty` | one side is NULL and the other an empty or blank string (or empty bytes) |
//! | `null_vs_default` | one side is NULL and the other its type's zero or a loader's default: `0`, `0.0`, `false`, `1970-01-01` (the epoch, midnight), MySQL's zero date `0000-00-00` as text |
//! | `whitespace` | the strings are equal once leading and trailing whitespace is trimmed |
//! | `case` | the strings are equal once lowercased (as `--ignore-case` does) |
//! | `unicode_normalization` | the strings are equal once both are NFC |
//! | `encoding` | one string is the other's UTF-8 bytes read as Latin-1 or Windows-1252 (mojibake) |
//! | `truncation` | one string (or byte string) is a non-empty proper prefix of the other |
//! | `rounding` | numbers: the one with fewer fraction digits is within one unit of its last digit of the other; for two decimal types of one scale, decided per column (`rounding.rs`) |
//! | `time_shift` | instants a whole number of minutes apart, less than a day; the shift is kept |
//! | `timestamp_precision` | instants (or times of day) less than one second, millisecond or microsecond apart, one of them a whole number of that unit |
//! | `unparseable` | one side is text that does not parse as the other side's type |
//! | `other` | none of the above |

use std::borrow::Cow;

use crate::digest::encode::Decoded;
use crate::finding::{Cause, Explained};
use crate::normalize::{unparseable, Canon};
use crate::side::Sides;

/// A shift in seconds as a UTC offset is written: `-05:00`, `+00:37`.
pub fn shift_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The seconds of a shift written by [`shift_text`].
pub fn parse_shift(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':')?;
    Some(sign * (hours.parse::<i32>().ok()? * 3600 + minutes.parse::<i32>().ok()? * 60))
}

/// A canonical value as the causes look at it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum View<'a> {
    Null,
    Text(&'a str),
    Bytes(&'a [u8]),
    /// A finite number as plain decimal text (`-12.5`, no exponent).
    Number(Cow<'a, str>),
    /// Ticks since 1970 (UTC), `per_second` to a second.
    Instant {
        ticks: i64,
        per_second: i64,
    },
    /// Ticks since midnight.
    Clock {
        ticks: i64,
        per_second: i64,
    },
    /// Text that did not parse as the other side's type: its original text.
    Unparseable(&'a str),
    /// `false`, the date 1970-01-01: a type's zero that no cause but `null_vs_default` looks into.
    Zero,
    /// Other booleans and dates, non-finite floats: no cause but `other` fits them.
    Opaque,
}

impl<'a> View<'a> {
    /// How the causes see a decoded canonical value of a column compared as `canon`.
    pub(crate) fn of(canon: &Canon, value: Decoded<'a>) -> View<'a> {
        match value {
            Decoded::Null => View::Null,
            Decoded::Text(bytes) | Decoded::Binary(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => View::text(canon, text),
                Err(_) => View::Bytes(bytes),
            },
            Decoded::Int(v) => View::Number(v.to_string().into()),
            Decoded::Decimal { scale, value } => View::Number(decimal_text(&value.to_string(), scale).into()),
            Decoded::Decimal256 { scale, value } => {
                let value = arrow::datatypes::i256::from_le_bytes(value);
                View::Number(decimal_text(&value.to_string(), scale).into())
            }
            Decoded::Float(v) if v.is_finite() => View::Number(v.to_string().into()),
            Decoded::Float32(v) if v.is_finite() => View::Number(v.to_string().into()),
            Decoded::Timestamp { digits, ticks } => View::Instant { ticks, per_second: 10i64.pow(digits.into()) },
            Decoded::Time { digits, ticks } => View::Clock { ticks, per_second: 10i64.pow(digits.into()) },
            Decoded::Bool(false) | Decoded::Date(0) => View::Zero,
            Decoded::Float(_) | Decoded::Float32(_) | Decoded::Bool(_) | Decoded::Date(_) => View::Opaque,
            // An empty list, struct or map is an empty value, as empty bytes are: NULL against it is
            // `null_vs_empty`. Other nested values reach the causes only where their shapes differ.
            Decoded::Nested { count: 0, .. } => View::Bytes(&[]),
            Decoded::Nested { .. } => View::Opaque,
        }
    }

    fn text(canon: &Canon, text: &'a str) -> View<'a> {
        let marks = matches!(canon, Canon::Parsed(_) | Canon::Inet | Canon::Mac | Canon::Interval | Canon::DecimalText);
        if let Some(original) = unparseable(text).filter(|_| marks) {
            return View::Unparseable(original);
        }
        match canon {
            Canon::Parsed(inner) => View::rendered(inner, text),
            Canon::NumberText { .. } | Canon::DecimalText => View::rendered(&Canon::DecimalText, text),
            _ => View::Text(text),
        }
    }

    /// A typed value rendered as text (the form a text column is parsed into), seen as that type.
    fn rendered(inner: &Canon, text: &'a str) -> View<'a> {
        match inner {
            Canon::Timestamp(_) | Canon::TimestampDigits { .. } => match crate::normalize::parse::timestamp(text) {
                Some((naive, offset)) => {
                    let utc = naive - chrono::Duration::seconds(offset.unwrap_or(0).into());
                    View::Instant { ticks: utc.and_utc().timestamp_micros(), per_second: 1_000_000 }
                }
                None => View::Text(text),
            },
            Canon::Int
            | Canon::Decimal { .. }
            | Canon::Decimal256 { .. }
            | Canon::DecimalText
            | Canon::Float32
            | Canon::Float64 => match plain_decimal(text) {
                true => View::Number(text.into()),
                false => View::Opaque,
            },
            Canon::Time(_) => match chrono::NaiveTime::parse_from_str(text, "%H:%M:%S%.f") {
                Ok(time) => {
                    use chrono::Timelike;
                    let micros =
                        i64::from(time.num_seconds_from_midnight()) * 1_000_000 + i64::from(time.nanosecond() / 1000);
                    View::Clock { ticks: micros, per_second: 1_000_000 }
                }
                Err(_) => View::Text(text),
            },
            Canon::Bool | Canon::Date if text == "false" || text == "1970-01-01" => View::Zero,
            Canon::Bool | Canon::Date => View::Opaque,
            _ => View::Text(text),
        }
    }

    /// Whether the value is its type's zero, or a default a loader writes for a missing value: `0` (any
    /// scale), `false`, the epoch (1970-01-01, as a date or an instant), midnight, MySQL's zero date as text.
    fn is_default(&self) -> bool {
        let zero_date = |s: &str| {
            let s = s.trim();
            s == "0000-00-00"
                || s.strip_prefix("0000-00-00 00:00:00").is_some_and(|rest| {
                    rest.is_empty() || rest.strip_prefix('.').is_some_and(|f| f.bytes().all(|b| b == b'0'))
                })
        };
        match self {
            View::Number(n) => n.bytes().all(|b| matches!(b, b'0' | b'.' | b'-')),
            View::Instant { ticks, .. } | View::Clock { ticks, .. } => *ticks == 0,
            View::Zero => true,
            View::Text(s) | View::Unparseable(s) => zero_date(s),
            View::Null | View::Bytes(_) | View::Opaque => false,
        }
    }
}

/// An unscaled integer's digits placed at `scale`: `-185`, 2 → `-1.85`.
fn decimal_text(digits: &str, scale: i8) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    if scale <= 0 {
        let zeros = "0".repeat(scale.unsigned_abs().into());
        return if digits == "0" { "0".into() } else { format!("{sign}{digits}{zeros}") };
    }
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int_part, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int_part}.{frac}")
}

fn plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let mut parts = unsigned.splitn(2, '.');
    let int_part = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("0");
    !int_part.is_empty() && int_part.bytes().all(|b| b.is_ascii_digit()) && frac.bytes().all(|b| b.is_ascii_digit())
}

/// The first cause that explains why `source` and `target` (two values of one column, as canonical views)
/// differ. The values are known to differ. `scales` are the fraction digits each side's type declares, where
/// it declares them (decimals, integers): see [`coarser_scale`].
pub(crate) fn explain(source: &View, target: &View, scales: Sides<Option<i8>>) -> Explained {
    use View::*;
    let blank = |s: &str| s.trim().is_empty();
    match (source, target) {
        (Null, Text(s) | Unparseable(s)) | (Text(s) | Unparseable(s), Null) if blank(s) => {
            Explained::of(Cause::NullVsEmpty)
        }
        (Null, Bytes(b)) | (Bytes(b), Null) if b.is_empty() => Explained::of(Cause::NullVsEmpty),
        (Null, value) | (value, Null) if value.is_default() => Explained::of(Cause::NullVsDefault),
        (Unparseable(_), _) | (_, Unparseable(_)) => Explained::of(Cause::Unparseable),
        (Text(a), Text(b)) => Explained::of(text_cause(a, b)),
        (Bytes(a), Bytes(b)) => Explained::of(if prefix(a, b) { Cause::Truncation } else { Cause::Other }),
        (Number(a), Number(b)) => {
            Explained::of(if coarser_scale(a, b, scales).is_some() { Cause::Rounding } else { Cause::Other })
        }
        (Instant { ticks: a, per_second }, Instant { ticks: b, per_second: other }) if per_second == other => {
            let diff = b.saturating_sub(*a);
            let minute = 60 * per_second;
            if diff % minute == 0 && diff.abs() < 1440 * minute {
                return Explained { cause: Cause::TimeShift, shift: Some((diff / per_second) as i32) };
            }
            Explained::of(if precision(*a, *b, *per_second) { Cause::TimestampPrecision } else { Cause::Other })
        }
        (Clock { ticks: a, per_second }, Clock { ticks: b, per_second: other }) if per_second == other => {
            Explained::of(if precision(*a, *b, *per_second) { Cause::TimestampPrecision } else { Cause::Other })
        }
        _ => Explained::of(Cause::Other),
    }
}

fn text_cause(a: &str, b: &str) -> Cause {
    use unicode_normalization::UnicodeNormalization;
    if a.trim() == b.trim() {
        Cause::Whitespace
    } else if a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase)) {
        Cause::Case
    } else if a.nfc().eq(b.nfc()) {
        Cause::UnicodeNormalization
    } else if mojibake_of(a).as_deref() == Some(b) || mojibake_of(b).as_deref() == Some(a) {
        Cause::Encoding
    } else if prefix(a.as_bytes(), b.as_bytes()) && a.is_char_boundary(a.len().min(b.len())) {
        Cause::Truncation
    } else {
        Cause::Other
    }
}

/// Whether the shorter of two byte strings is a non-empty proper prefix of the longer.
fn prefix(a: &[u8], b: &[u8]) -> bool {
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    !short.is_empty() && short.len() < long.len() && long.starts_with(short)
}

/// Windows-1252's characters for bytes 0x80–0x9F (Latin-1 has C1 controls there; `None`: unassigned, which
/// decoders pass through as the C1 control, so Latin-1's mapping covers them).
const CP1252_HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// The text whose UTF-8 bytes, read as Latin-1 or Windows-1252, give `text`: `Café` for `CafÃ©`. `None` when
/// `text` has a character neither encoding has, the bytes are no UTF-8, or nothing changes (ASCII).
pub(crate) fn mojibake_of(text: &str) -> Option<String> {
    if text.is_ascii() {
        return None;
    }
    let mut bytes = Vec::with_capacity(text.len());
    for c in text.chars() {
        let byte = match u32::from(c) {
            code @ 0..=0xff => code as u8,
            _ => 0x80 + CP1252_HIGH.iter().position(|&high| high == Some(c))? as u8,
        };
        bytes.push(byte);
    }
    String::from_utf8(bytes).ok().filter(|original| original != text)
}

/// A plain decimal's parts: sign, integer digits, fraction digits without trailing zeros.
#[derive(Clone, Copy)]
struct Digits<'a> {
    negative: bool,
    int_part: &'a str,
    frac: &'a str,
}

fn digits(text: &str) -> Digits<'_> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int_part, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    Digits { negative, int_part: int_part.trim_start_matches('0'), frac: frac.trim_end_matches('0') }
}

impl Digits<'_> {
    /// The value times 10^`scale` (at least its fraction digits), if it fits an i128.
    fn scaled(&self, scale: usize) -> Option<i128> {
        let zeros = scale.checked_sub(self.frac.len())?;
        if self.int_part.len() + scale > 37 {
            return None;
        }
        let all = format!("{}{}{}", self.int_part, self.frac, "0".repeat(zeros));
        let value: i128 = if all.is_empty() { 0 } else { all.parse().ok()? };
        Some(if self.negative { -value } else { value })
    }
}

/// The coarser scale at which two different numbers are equal, when one is the other rounded: within one
/// unit of that scale's last digit, whichever way it was rounded (half up, half even, toward zero, floor or
/// ceiling). Where both sides' types declare a scale (decimals; integers have 0), that scale is the smaller
/// one, and equal declared scales never round one pair on its own (`20.00` against `20.01` in two
/// `decimal(10,2)` columns is a change, not a rounding: their column decides, see `rounding`). Otherwise
/// (floats, text) it is the fraction digits of the number written with fewer: `1.8` against `1.85` or
/// `1.849`, `2` against `2.5`, float `0.30000000000000004` against `0.3`.
pub(crate) fn coarser_scale(a: &str, b: &str, scales: Sides<Option<i8>>) -> Option<usize> {
    let scale = match (scales.source, scales.target) {
        (Some(x), Some(y)) if x == y => return None,
        (Some(x), Some(y)) => usize::try_from(x.min(y)).ok()?,
        _ => match fraction_digits(a).cmp(&fraction_digits(b)) {
            std::cmp::Ordering::Equal => return None,
            _ => fraction_digits(a).min(fraction_digits(b)),
        },
    };
    rounds_at(a, b, scale).then_some(scale)
}

/// The significant fraction digits of a plain decimal: `71.2600` has 2.
pub(crate) fn fraction_digits(text: &str) -> usize {
    digits(text).frac.len()
}

/// Whether two different numbers are within one unit of the last digit at `scale` of each other: one is the
/// other rounded to `scale` fraction digits, whichever way.
pub(crate) fn rounds_at(a: &str, b: &str, scale: usize) -> bool {
    let (a, b) = (digits(a), digits(b));
    let finest = a.frac.len().max(b.frac.len()).max(scale);
    let Some(unit) = 10i128.checked_pow((finest - scale) as u32) else { return false };
    match (a.scaled(finest), b.scaled(finest)) {
        (Some(x), Some(y)) => x != y && (x - y).abs() < unit,
        _ => false,
    }
}

/// Whether two tick counts are less than one coarser unit (a second, millisecond or microsecond) apart with
/// one of them a whole number of that unit: truncated or rounded to it.
fn precision(a: i64, b: i64, per_second: i64) -> bool {
    [1, 1_000, 1_000_000].into_iter().filter(|unit| *unit < per_second).any(|unit| {
        let step = per_second / unit;
        (a.rem_euclid(step) == 0 || b.rem_euclid(step) == 0) && (a - b).abs() < step
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<'a>(a: Option<&'a str>, b: Option<&'a str>) -> Cause {
        let view = |v: Option<&'a str>| v.map_or(View::Null, View::Text);
        explain(&view(a), &view(b), Sides::default()).cause
    }

    #[test]
    fn names_round_trip_and_follow_the_contract_order() {
        let names: Vec<&str> = Cause::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names[0], "null_vs_empty");
        assert_eq!(names[1], "null_vs_default");
        assert_eq!(names[11], "other");
        for cause in Cause::ALL {
            assert_eq!(Cause::parse(cause.name()), Some(cause));
            assert_eq!(serde_json::to_value(cause).unwrap(), cause.name());
        }
    }

    #[test]
    fn string_causes_each_on_its_own_pair() {
        assert_eq!(text(None, Some("")), Cause::NullVsEmpty);
        assert_eq!(text(Some("  "), None), Cause::NullVsEmpty);
        assert_eq!(text(Some("Ann "), Some("Ann")), Cause::Whitespace);
        assert_eq!(text(Some("ANN"), Some("ann")), Cause::Case);
        assert_eq!(text(Some("Cafe\u{301}"), Some("Caf\u{e9}")), Cause::UnicodeNormalization);
        assert_eq!(text(Some("Café"), Some("CafÃ©")), Cause::Encoding);
        assert_eq!(text(Some("naïve – “quoted”"), Some("naÃ¯ve â€“ â€œquotedâ€\u{9d}")), Cause::Encoding);
        assert_eq!(text(Some("Springfield"), Some("Springf")), Cause::Truncation);
        assert_eq!(text(Some("abc"), Some("abd")), Cause::Other);
        assert_eq!(text(Some(" Ann"), Some("ann")), Cause::Other, "two causes at once are none of them");
        assert_eq!(text(Some(""), Some("x")), Cause::Other, "an empty string is no truncation");
    }

    #[test]
    fn null_against_a_types_zero_is_a_default_and_against_anything_else_other() {
        let number = |n: &'static str| View::Number(n.into());
        let explain = |a: &View, b: &View| explain(a, b, Sides::default()).cause;
        for zero in [
            number("0"),
            number("0.00"),
            number("-0"),
            View::Zero,
            View::Instant { ticks: 0, per_second: 1_000_000 },
            View::Clock { ticks: 0, per_second: 1 },
            View::Text("0000-00-00"),
            View::Unparseable("0000-00-00 00:00:00.000"),
        ] {
            assert_eq!(explain(&View::Null, &zero), Cause::NullVsDefault, "{zero:?}");
            assert_eq!(explain(&zero, &View::Null), Cause::NullVsDefault, "{zero:?}");
        }
        for other in [number("0.01"), number("1970"), View::Opaque, View::Text("0"), View::Unparseable("0000-00-01")] {
            assert_ne!(explain(&View::Null, &other), Cause::NullVsDefault, "{other:?}");
        }
        assert_eq!(explain(&View::Null, &View::Text("")), Cause::NullVsEmpty, "the empty string stays null_vs_empty");
        let dates = Canon::Parsed(Box::new(Canon::Date));
        assert_eq!(View::of(&dates, Decoded::Text(b"1970-01-01")), View::Zero);
        assert_eq!(View::of(&Canon::Bool, Decoded::Bool(false)), View::Zero);
        assert_eq!(View::of(&Canon::Bool, Decoded::Bool(true)), View::Opaque);
    }

    #[test]
    fn shifts_are_written_as_offsets() {
        assert_eq!(shift_text(-18000), "-05:00");
        assert_eq!(shift_text(37 * 60), "+00:37");
        assert_eq!(parse_shift("-05:30"), Some(-19800));
        assert_eq!(parse_shift(&shift_text(-14400)), Some(-14400));
    }

    #[test]
    fn mojibake_needs_a_real_round_trip() {
        assert_eq!(mojibake_of("CafÃ©").as_deref(), Some("Café"));
        assert_eq!(mojibake_of("plain"), None);
        assert_eq!(mojibake_of("Café"), None, "é alone is no UTF-8 lead byte sequence");
        assert_eq!(mojibake_of("日本"), None);
    }

    #[test]
    fn rounding_is_equality_at_the_coarser_scale() {
        let rounding = |a, b| coarser_scale(a, b, Sides::default()).is_some();
        assert!(rounding("1.8", "1.85"));
        assert!(rounding("1.9", "1.85"));
        assert!(rounding("1.8", "1.849"));
        assert!(rounding("2", "2.5"));
        assert!(rounding("0.30000000000000004", "0.3"));
        assert!(rounding("-1.2", "-1.25"));
        assert!(!rounding("1.8", "1.7"), "same scale");
        assert!(!rounding("1.8", "1.95"));
        assert!(!rounding("10", "13"));
        assert_eq!(coarser_scale("1.80", "1.849", Sides::default()), Some(1));
        let declared = |s, t| Sides::new(Some(s), Some(t));
        assert_eq!(coarser_scale("20.00", "20.01", declared(2, 2)), None, "a change, not a rounding");
        assert_eq!(coarser_scale("1.85", "1.8", declared(2, 1)), Some(1));
        assert_eq!(coarser_scale("17.00", "18.000", declared(2, 3)), None);
        assert_eq!(coarser_scale("17.001", "17", declared(3, 0)), Some(0));
    }

    #[test]
    fn instants_shifted_or_cut() {
        let at = |ticks| View::Instant { ticks, per_second: 1_000_000 };
        let hour = 3_600_000_000;
        let explain = |a: &View, b: &View| explain(a, b, Sides::default());
        assert_eq!(explain(&at(10 * hour), &at(5 * hour)), Explained { cause: Cause::TimeShift, shift: Some(-18000) });
        assert_eq!(explain(&at(0), &at(37 * 60_000_000)).shift, Some(37 * 60));
        assert_eq!(explain(&at(0), &at(24 * hour)).cause, Cause::Other, "a day is no shift");
        assert_eq!(explain(&at(1_500_000), &at(1_000_000)).cause, Cause::TimestampPrecision);
        assert_eq!(explain(&at(1_000_123), &at(1_000_000)).cause, Cause::TimestampPrecision);
        assert_eq!(explain(&at(1_000_123), &at(1_000_456)).cause, Cause::Other);
    }

    #[test]
    fn parsed_text_is_seen_as_its_type() {
        let canon = Canon::Parsed(Box::new(Canon::Decimal { precision: 38, scale: 2 }));
        let view = |s: &'static str| View::of(&canon, Decoded::Text(s.as_bytes()));
        let explain = |a: &View, b: &View| explain(a, b, Sides::default());
        assert_eq!(explain(&view("unparseable: 1,8"), &view("1.8")).cause, Cause::Unparseable);
        assert_eq!(explain(&view("unparseable: "), &View::Null).cause, Cause::NullVsEmpty);
        assert_eq!(explain(&view("1.85"), &view("1.8")).cause, Cause::Rounding);
        let stamps = Canon::Parsed(Box::new(Canon::Timestamp(arrow::datatypes::TimeUnit::Microsecond)));
        let stamp = |s: &'static str| View::of(&stamps, Decoded::Text(s.as_bytes()));
        let shifted = explain(&stamp("2013-01-01T10:00:00.000000Z"), &stamp("2013-01-01T05:00:00.000000Z"));
        assert_eq!(shifted, Explained { cause: Cause::TimeShift, shift: Some(-18000) });
        assert_eq!(
            View::of(&Canon::Decimal { precision: 38, scale: 2 }, Decoded::Decimal { scale: 2, value: -5 }),
            View::Number("-0.05".into())
        );
    }
}
