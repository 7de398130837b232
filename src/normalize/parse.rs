//! Values compared by what they mean rather than how they are written: text parsed into a typed column's
//! canonical form (a text column holding timestamps against a `timestamptz`, say), and the text forms of
//! types databases declare but Arrow has no type for (network addresses, MAC addresses, intervals).
//!
//! Both sides of such a pair become one canonical text per value: the typed side's value rendered, the text
//! side's value parsed and rendered the same way. Text that does not parse becomes `unparseable: <text>`,
//! a value no rendering ever starts with — so it differs from every typed value, and from NULL.

use std::net::IpAddr;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::datatypes::{DataType, Float32Type, Float64Type, Int64Type, TimeUnit};
use arrow::error::ArrowError;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

use super::policy::SidePolicy;
use super::{ticks_per_second, trim_decimal, Canon};
use crate::vocabulary::vocabulary;

/// What a text that does not parse as the other side's type is prefixed with.
pub const UNPARSEABLE: &str = "unparseable: ";

/// The original text of a canonical value that did not parse, if it is one.
pub fn unparseable(canonical: &str) -> Option<&str> {
    canonical.strip_prefix(UNPARSEABLE)
}

pub(super) fn mark(text: &str) -> String {
    format!("{UNPARSEABLE}{text}")
}

vocabulary! {
    /// How a server cuts a timestamp to the fraction digits its column declares.
    pub enum Cut ("fraction cut") {
        /// Toward the past (MariaDB by default; MySQL with `TIME_TRUNCATE_FRACTIONAL`).
        Truncate = "truncate",
        /// Half up, toward the future (MySQL 8 by default; MariaDB with `TIME_ROUND_FRACTIONAL`).
        Round = "round",
        /// Half away from 2000-01-01, PostgreSQL's epoch (`AdjustTimestampForTypmod` rounds the microseconds
        /// since 2000 by magnitude).
        RoundFrom2000 = "round_from_2000",
    }
}

/// Microseconds from 1970-01-01 to 2000-01-01.
const MICROS_TO_2000: i64 = 946_684_800_000_000;

/// Microseconds since 1970 cut to `digits` fraction digits (6 or more: unchanged).
pub(crate) fn cut_micros(micros: i64, digits: u8, cut: Cut) -> i64 {
    let Some(step) = 6u32.checked_sub(u32::from(digits)).map(|d| 10i64.pow(d)).filter(|s| *s > 1) else {
        return micros;
    };
    let half = step / 2;
    match cut {
        Cut::Truncate => micros.div_euclid(step) * step,
        Cut::Round => micros.saturating_add(half).div_euclid(step) * step,
        Cut::RoundFrom2000 => {
            let since = micros.saturating_sub(MICROS_TO_2000);
            let magnitude = (since.unsigned_abs().saturating_add(half as u64) / step as u64 * step as u64) as i64;
            MICROS_TO_2000.saturating_add(if since < 0 { -magnitude } else { magnitude })
        }
    }
}

/// A plain decimal number without exponent, leading or trailing zeros (`-0012.500` → `-12.5`, `1e3` →
/// `1000`), or `NaN` / `Infinity` / `-Infinity`; `None` for text that is not a number.
pub(super) fn decimal(text: &str) -> Option<String> {
    let text = text.trim();
    match text.to_ascii_lowercase().as_str() {
        "nan" => return Some("NaN".into()),
        "infinity" | "+infinity" | "inf" | "+inf" => return Some("Infinity".into()),
        "-infinity" | "-inf" => return Some("-Infinity".into()),
        _ => {}
    }
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], unsigned[at + 1..].parse::<i32>().ok()?),
        None => (unsigned, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty()) || !all_digits(int_part) || !all_digits(frac_part) {
        return None;
    }
    // Move the point by the exponent; a number of more than 10,000 digits is not one a column holds.
    let digits = format!("{int_part}{frac_part}");
    let point = i64::try_from(int_part.len()).ok()? + i64::from(exponent);
    if !(-10_000..=10_000).contains(&point) {
        return None;
    }
    let (whole, fraction) = if point <= 0 {
        (String::from("0"), format!("{}{digits}", "0".repeat(point.unsigned_abs() as usize)))
    } else if point as usize >= digits.len() {
        (format!("{digits}{}", "0".repeat(point as usize - digits.len())), String::new())
    } else {
        (digits[..point as usize].to_string(), digits[point as usize..].to_string())
    };
    let plain = format!("{}{whole}.{fraction}", if negative { "-" } else { "" });
    let plain = trim_decimal(&plain);
    let (sign, rest) = plain.strip_prefix('-').map_or(("", plain.as_str()), |r| ("-", r));
    let rest = rest.trim_start_matches('0');
    let rest = if rest.is_empty() || rest.starts_with('.') { format!("0{rest}") } else { rest.to_string() };
    Some(if rest == "0" { rest } else { format!("{sign}{rest}") })
}

fn boolean(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "on" | "1" => Some(true),
        "false" | "f" | "no" | "n" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// A float's shortest text that reads back as it: `-0` as `0`, every NaN as `NaN`.
fn float_text<F: std::fmt::Debug + PartialEq + Default + Copy>(v: F, nan: bool) -> String {
    if nan {
        "NaN".into()
    } else if v == F::default() {
        "0".into()
    } else {
        format!("{v:?}")
    }
}

/// An ISO 8601 timestamp (`2004-01-15 05:02:03.147405+00:00`, `T` or a space, an optional fraction, an
/// optional `Z` or `±hh[:mm]` offset) or a date alone (midnight): the wall-clock time and its offset in
/// seconds east of UTC, if it has one.
pub(crate) fn timestamp(text: &str) -> Option<(NaiveDateTime, Option<i32>)> {
    let text = text.trim();
    let (body, offset) = split_offset(text);
    let body = body.trim_end();
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(body, format) {
            return Some((naive, offset));
        }
    }
    let date = NaiveDate::parse_from_str(body, "%Y-%m-%d").ok()?;
    Some((date.and_time(NaiveTime::MIN), offset))
}

/// Splits a trailing `Z`, `+hh`, `+hhmm` or `+hh:mm` offset off a timestamp's text.
fn split_offset(text: &str) -> (&str, Option<i32>) {
    if let Some(body) = text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        return (body, Some(0));
    }
    // The offset's sign sits after the time (a date's hyphens come before it).
    let Some(time_at) = text.find([' ', 'T']) else { return (text, None) };
    let Some(sign_at) = text[time_at..].rfind(['+', '-']).map(|i| time_at + i) else { return (text, None) };
    let zone = &text[sign_at + 1..];
    let digits: String = zone.chars().filter(|c| *c != ':').collect();
    let (hours, minutes) = match digits.len() {
        2 => (digits.parse::<i32>().ok(), Some(0)),
        4 => (digits[..2].parse::<i32>().ok(), digits[2..].parse::<i32>().ok()),
        _ => (None, None),
    };
    match (hours, minutes, zone.bytes().all(|b| b.is_ascii_digit() || b == b':')) {
        (Some(h), Some(m), true) if h <= 23 && m <= 59 => {
            let seconds = h * 3600 + m * 60;
            (&text[..sign_at], Some(if text.as_bytes()[sign_at] == b'-' { -seconds } else { seconds }))
        }
        _ => (text, None),
    }
}

/// A parsed timestamp as microseconds since 1970 (UTC): with its offset, or in `zone` (UTC when none); a
/// wall-clock time that never occurs in the zone has no instant.
fn instant(naive: NaiveDateTime, offset: Option<i32>, zone: Option<chrono_tz::Tz>) -> Option<i64> {
    let utc = match (offset, zone) {
        (Some(offset), _) => naive - chrono::Duration::seconds(i64::from(offset)),
        (None, Some(zone)) => zone.from_local_datetime(&naive).earliest()?.naive_utc(),
        (None, None) => naive,
    };
    Some(utc.and_utc().timestamp_micros())
}

/// Instants rendered as RFC 3339 UTC text with the unit's fraction digits: `2024-02-29T23:59:59.999999Z`.
fn instant_text(ticks: i64, unit: TimeUnit) -> Option<String> {
    let per_second = ticks_per_second(unit);
    let (seconds, sub) = (ticks.div_euclid(per_second), ticks.rem_euclid(per_second));
    let at = chrono::DateTime::from_timestamp(seconds, 0)?.naive_utc();
    let digits = per_second.ilog10() as usize;
    let fraction = if digits == 0 { String::new() } else { format!(".{sub:0digits$}") };
    Some(format!("{}{fraction}Z", at.format("%Y-%m-%dT%H:%M:%S")))
}

fn time_text(ticks: i64, unit: TimeUnit) -> String {
    let per_second = ticks_per_second(unit);
    let (seconds, sub) = (ticks.div_euclid(per_second), ticks.rem_euclid(per_second));
    let digits = per_second.ilog10() as usize;
    let fraction = if digits == 0 { String::new() } else { format!(".{sub:0digits$}") };
    format!("{:02}:{:02}:{:02}{fraction}", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

/// Ticks of `unit` from microseconds, toward the past (the row tier's rule for coarser units).
fn micros_to(micros: i64, unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Nanosecond => micros.saturating_mul(1000),
        _ => micros.div_euclid(1_000_000 / ticks_per_second(unit)),
    }
}

/// A text column's values parsed as `canon` (the typed side's form) and rendered as [`render`] renders
/// that side.
pub(super) fn parse_text(array: &ArrayRef, canon: &Canon, policy: &SidePolicy) -> Result<ArrayRef, ArrowError> {
    let text = arrow::compute::cast(array, &DataType::Utf8)?;
    let parsed: StringArray = text
        .as_string::<i32>()
        .iter()
        .map(|v| v.map(|v| parse_one(v, canon, policy).unwrap_or_else(|| mark(v))))
        .collect();
    Ok(Arc::new(parsed))
}

fn parse_one(text: &str, canon: &Canon, policy: &SidePolicy) -> Option<String> {
    let coarser = |unit: TimeUnit| match policy.precision {
        Some(p) if ticks_per_second(p) < ticks_per_second(unit) => p,
        _ => unit,
    };
    match canon {
        Canon::Int | Canon::Decimal { .. } | Canon::Decimal256 { .. } | Canon::DecimalText => decimal(text),
        Canon::Float32 => text.trim().parse::<f32>().ok().map(|v| float_text(v, v.is_nan())),
        Canon::Float64 => text.trim().parse::<f64>().ok().map(|v| float_text(v, v.is_nan())),
        Canon::Bool => boolean(text).map(|b| b.to_string()),
        Canon::Date => {
            let (naive, offset) = timestamp(text)?;
            if offset.is_some() || naive.time() != NaiveTime::MIN {
                return None;
            }
            Some(naive.date().format("%Y-%m-%d").to_string())
        }
        Canon::Timestamp(unit) => {
            let (naive, offset) = timestamp(text)?;
            let unit = coarser(*unit);
            instant_text(micros_to(instant(naive, offset, policy.zone)?, unit), unit)
        }
        Canon::TimestampDigits { digits, cut } => {
            let (naive, offset) = timestamp(text)?;
            let micros = cut_micros(instant(naive, offset, policy.zone)?, *digits, *cut);
            let unit = coarser(TimeUnit::Microsecond);
            instant_text(micros_to(micros, unit), unit)
        }
        Canon::Time(unit) => {
            let text = text.trim();
            let time = NaiveTime::parse_from_str(text, "%H:%M:%S%.f")
                .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
                .ok()?;
            let micros = i64::from(chrono::Timelike::num_seconds_from_midnight(&time)) * 1_000_000
                + i64::from(chrono::Timelike::nanosecond(&time) / 1000);
            Some(time_text(micros_to(micros, *unit), *unit))
        }
        Canon::Inet => inet(text),
        Canon::Mac => mac(text),
        Canon::Interval => interval(text),
        _ => None,
    }
}

/// A typed side's canonical values (as `canonicalize` made them for `canon`) rendered as text, the form
/// [`parse_text`] parses the other side into.
pub(super) fn render(array: &ArrayRef, canon: &Canon) -> Result<ArrayRef, ArrowError> {
    let rendered: StringArray = match (canon, array.data_type()) {
        (Canon::Float32, _) => {
            let floats = arrow::compute::cast(array, &DataType::Float32)?;
            floats.as_primitive::<Float32Type>().iter().map(|v| v.map(|v| float_text(v, v.is_nan()))).collect()
        }
        (Canon::Float64, _) => {
            let floats = arrow::compute::cast(array, &DataType::Float64)?;
            floats.as_primitive::<Float64Type>().iter().map(|v| v.map(|v| float_text(v, v.is_nan()))).collect()
        }
        (_, DataType::Timestamp(unit, _)) => {
            let ticks = arrow::compute::cast(array, &DataType::Int64)?;
            let ticks = ticks.as_primitive::<Int64Type>();
            ticks.iter().map(|v| v.and_then(|v| instant_text(v, *unit))).collect()
        }
        (_, DataType::Time32(unit) | DataType::Time64(unit)) => {
            let ticks = arrow::compute::cast(array, &DataType::Int64)?;
            ticks.as_primitive::<Int64Type>().iter().map(|v| v.map(|v| time_text(v, *unit))).collect()
        }
        (Canon::Int | Canon::Decimal { .. } | Canon::Decimal256 { .. } | Canon::DecimalText, _) => {
            let text = arrow::compute::cast(array, &DataType::Utf8)?;
            text.as_string::<i32>().iter().map(|v| v.map(|v| decimal(v).unwrap_or_else(|| mark(v)))).collect()
        }
        _ => arrow::compute::cast(array, &DataType::Utf8)?.as_string::<i32>().clone(),
    };
    Ok(Arc::new(rendered))
}

/// An IP address as Rust writes it (RFC 5952 for IPv6), with `/bits` unless the prefix is the whole address;
/// an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, as MariaDB's INET6 stores IPv4) is its IPv4 address.
pub(super) fn inet(text: &str) -> Option<String> {
    let text = text.trim();
    let (address, bits) = match text.split_once('/') {
        Some((a, b)) => (a, Some(b.parse::<u8>().ok()?)),
        None => (text, None),
    };
    let (address, bits) = match address.parse::<IpAddr>().ok()? {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) if bits.is_none_or(|b| b >= 96) => (IpAddr::V4(v4), bits.map(|b| b - 96)),
            _ => (IpAddr::V6(v6), bits),
        },
        v4 => (v4, bits),
    };
    let full = if address.is_ipv4() { 32 } else { 128 };
    match bits {
        Some(b) if b > full => None,
        Some(b) if b < full => Some(format!("{address}/{b}")),
        _ => Some(address.to_string()),
    }
}

/// A MAC address (EUI-48 or EUI-64) as lowercase hex pairs joined by colons, whatever separators it had.
pub(super) fn mac(text: &str) -> Option<String> {
    let hex: String = text.trim().chars().filter(|c| !matches!(c, ':' | '-' | '.')).collect();
    if !(hex.len() == 12 || hex.len() == 16) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    let pairs: Vec<&str> = (0..hex.len()).step_by(2).map(|i| &hex[i..i + 2]).collect();
    Some(pairs.join(":"))
}

/// An interval's canonical text: months, days and seconds apart, as PostgreSQL keeps them
/// (`1 mon` is not `30 days`): `P14M3DT14706.5S`.
pub fn interval_text(months: i32, days: i32, micros: i64) -> String {
    let seconds = format!(
        "{}{}.{:06}",
        if micros < 0 { "-" } else { "" },
        (micros / 1_000_000).abs(),
        (micros % 1_000_000).abs()
    );
    format!("P{months}M{days}DT{}S", trim_decimal(&seconds))
}

/// An interval written in ISO 8601 (`P1Y2M3DT4H5M6.5S`, `P2W`) or PostgreSQL's default style
/// (`1 year 2 mons 3 days 04:05:06.5`, `-1 days +02:00:00`, `@ 1 hour ago`), as [`interval_text`].
pub(super) fn interval(text: &str) -> Option<String> {
    let text = text.trim();
    let (months, days, micros) = match text.strip_prefix('P').or_else(|| text.strip_prefix("-P")) {
        Some(_) => iso_interval(text)?,
        None => postgres_interval(text)?,
    };
    Some(interval_text(months, days, micros))
}

/// Seconds (with a fraction) as microseconds.
fn seconds_micros(text: &str) -> Option<i64> {
    let plain = decimal(text)?;
    let (negative, plain) = plain.strip_prefix('-').map_or((false, plain.as_str()), |p| (true, p));
    let (whole, fraction) = plain.split_once('.').unwrap_or((plain, ""));
    let fraction: String = fraction.chars().chain(std::iter::repeat('0')).take(6).collect();
    let micros = whole.parse::<i64>().ok()?.checked_mul(1_000_000)?.checked_add(fraction.parse::<i64>().ok()?)?;
    Some(if negative { -micros } else { micros })
}

fn iso_interval(text: &str) -> Option<(i32, i32, i64)> {
    let (negative, body) = text.strip_prefix('-').map_or((false, text), |b| (true, b));
    let body = body.strip_prefix('P')?;
    let (date, time) = body.split_once('T').unwrap_or((body, ""));
    let (mut months, mut days, mut micros) = (0i64, 0i64, 0i64);
    let mut fields = |part: &str, in_time: bool| -> Option<()> {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' || c == '-' || c == '+' {
                number.push(c);
                continue;
            }
            let value = std::mem::take(&mut number);
            match (in_time, c) {
                (false, 'Y') => months += value.parse::<i64>().ok()? * 12,
                (false, 'M') => months += value.parse::<i64>().ok()?,
                (false, 'W') => days += value.parse::<i64>().ok()? * 7,
                (false, 'D') => days += value.parse::<i64>().ok()?,
                (true, 'H') => micros += value.parse::<i64>().ok()? * 3_600_000_000,
                (true, 'M') => micros += value.parse::<i64>().ok()? * 60_000_000,
                (true, 'S') => micros += seconds_micros(&value)?,
                _ => return None,
            }
        }
        number.is_empty().then_some(())
    };
    fields(date, false)?;
    fields(time, true)?;
    let sign = if negative { -1 } else { 1 };
    Some((i32::try_from(sign * months).ok()?, i32::try_from(sign * days).ok()?, sign * micros))
}

fn postgres_interval(text: &str) -> Option<(i32, i32, i64)> {
    let text = text.strip_prefix('@').unwrap_or(text).trim();
    let (text, ago) = text.strip_suffix("ago").map_or((text, false), |t| (t.trim_end(), true));
    let (mut months, mut days, mut micros) = (0i64, 0i64, 0i64);
    let mut tokens = text.split_whitespace().peekable();
    let mut any = false;
    while let Some(token) = tokens.next() {
        any = true;
        if token.contains(':') {
            let (negative, clock) = match token.as_bytes().first()? {
                b'-' => (true, &token[1..]),
                b'+' => (false, &token[1..]),
                _ => (false, token),
            };
            let parts: Vec<&str> = clock.split(':').collect();
            let (h, m, s) = match parts.as_slice() {
                [h, m] => (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?, 0),
                [h, m, s] => (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?, seconds_micros(s)?),
                _ => return None,
            };
            let value = h * 3_600_000_000 + m * 60_000_000 + s;
            micros += if negative { -value } else { value };
            continue;
        }
        let unit = tokens.next()?.to_ascii_lowercase();
        match unit.as_str() {
            "year" | "years" | "yr" | "yrs" | "y" => months += token.parse::<i64>().ok()? * 12,
            "mon" | "mons" | "month" | "months" => months += token.parse::<i64>().ok()?,
            "week" | "weeks" | "w" => days += token.parse::<i64>().ok()? * 7,
            "day" | "days" | "d" => days += token.parse::<i64>().ok()?,
            "hour" | "hours" | "hr" | "hrs" | "h" => micros += seconds_micros(token)? * 3600,
            "min" | "mins" | "minute" | "minutes" | "m" => micros += seconds_micros(token)? * 60,
            "sec" | "secs" | "second" | "seconds" | "s" => micros += seconds_micros(token)?,
            "millisecond" | "milliseconds" | "ms" => micros += seconds_micros(token)? / 1000,
            "microsecond" | "microseconds" | "us" => micros += decimal(token)?.parse::<i64>().ok()?,
            _ => return None,
        }
    }
    let sign = if ago { -1 } else { 1 };
    any.then_some(())?;
    Some((i32::try_from(sign * months).ok()?, i32::try_from(sign * days).ok()?, sign * micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_text_become_plain_decimals() {
        for (text, plain) in [
            ("1.80", Some("1.8")),
            (" -0012.500 ", Some("-12.5")),
            ("1e3", Some("1000")),
            ("1.5E-3", Some("0.0015")),
            ("-0.0", Some("0")),
            ("+7", Some("7")),
            (".5", Some("0.5")),
            ("NaN", Some("NaN")),
            ("-Infinity", Some("-Infinity")),
            ("1,5", None),
            ("12a", None),
            ("", None),
            ("-", None),
            (".", None),
            ("1e99999", None),
        ] {
            assert_eq!(decimal(text).as_deref(), plain, "{text:?}");
        }
    }

    #[test]
    fn timestamps_in_text_keep_their_offsets() {
        let (naive, offset) = timestamp("2004-01-15 05:02:03.147405+00:00").expect("parses");
        assert_eq!((naive.to_string(), offset), ("2004-01-15 05:02:03.147405".to_string(), Some(0)));
        assert_eq!(timestamp("2004-01-15T05:02:03-05:30").map(|t| t.1), Some(Some(-19_800)));
        assert_eq!(timestamp("2004-01-15T05:02:03Z").map(|t| t.1), Some(Some(0)));
        assert_eq!(timestamp("2004-01-15 05:02:03+0100").map(|t| t.1), Some(Some(3600)));
        assert_eq!(timestamp("2004-01-15 05:02").map(|t| t.1), Some(None));
        assert_eq!(timestamp("2004-01-15").map(|t| t.0.to_string()), Some("2004-01-15 00:00:00".into()));
        assert!(timestamp("2004-13-15").is_none() && timestamp("yesterday").is_none());
        let micros = |t: &str| timestamp(t).and_then(|(n, o)| instant(n, o, None));
        assert_eq!(micros("2004-01-15 05:02:03+01:00"), micros("2004-01-15 04:02:03Z"));
    }

    #[test]
    fn cuts_follow_each_server() {
        let at = |t: &str| timestamp(t).and_then(|(n, o)| instant(n, o, None)).expect("parses");
        let text = |micros: i64| instant_text(micros, TimeUnit::Microsecond).expect("in range");
        // MariaDB truncates, MySQL rounds half up, PostgreSQL rounds half away from 2000-01-01.
        let cases = [
            ("2024-05-01 10:00:00.1239", Cut::Truncate, 3, "2024-05-01T10:00:00.123000Z"),
            ("2024-05-01 10:00:00.1235", Cut::Round, 3, "2024-05-01T10:00:00.124000Z"),
            ("1969-12-31 23:59:59.5", Cut::Round, 0, "1970-01-01T00:00:00.000000Z"),
            ("1969-12-31 23:59:59.9", Cut::Truncate, 0, "1969-12-31T23:59:59.000000Z"),
            ("1999-12-31 23:59:59.0005", Cut::RoundFrom2000, 3, "1999-12-31T23:59:59.000000Z"),
            ("2000-01-01 00:00:00.0005", Cut::RoundFrom2000, 3, "2000-01-01T00:00:00.001000Z"),
            ("2024-05-01 10:00:00.123456", Cut::Round, 6, "2024-05-01T10:00:00.123456Z"),
        ];
        for (value, cut, digits, expected) in cases {
            assert_eq!(text(cut_micros(at(value), digits, cut)), expected, "{value} {cut:?} {digits}");
        }
    }

    #[test]
    fn addresses_and_intervals_have_one_form() {
        assert_eq!(inet("10.0.0.1/32").as_deref(), Some("10.0.0.1"));
        assert_eq!(inet("10.0.0.0/8").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(inet("::ffff:1.2.3.4").as_deref(), Some("1.2.3.4"));
        assert_eq!(inet("2001:0DB8:0000:0000:0000:0000:0000:0001/128").as_deref(), Some("2001:db8::1"));
        assert_eq!(inet("10.0.0.1/33"), None);
        assert_eq!(mac("08-00-2B-01-02-03").as_deref(), Some("08:00:2b:01:02:03"));
        assert_eq!(mac("0800.2b01.0203").as_deref(), Some("08:00:2b:01:02:03"));
        assert_eq!(mac("08:00:2b"), None);
        assert_eq!(interval_text(14, 3, 14_706_500_000), "P14M3DT14706.5S");
        assert_eq!(interval_text(0, -1, -1_500_000), "P0M-1DT-1.5S");
        assert_eq!(interval("1 year 2 mons 3 days 04:05:06.5").as_deref(), Some("P14M3DT14706.5S"));
        assert_eq!(interval("P1Y2M3DT4H5M6.5S").as_deref(), Some("P14M3DT14706.5S"));
        assert_eq!(interval("-1 days +02:00:00").as_deref(), Some("P0M-1DT7200S"));
        assert_eq!(interval("@ 1 hour ago").as_deref(), Some("P0M0DT-3600S"));
        assert_eq!(interval("P0M-1DT-1.5S").as_deref(), Some("P0M-1DT-1.5S"));
        assert_eq!(interval("soon"), None);
    }

    #[test]
    fn no_rendering_starts_like_an_unparseable_value() {
        let text: ArrayRef = Arc::new(StringArray::from(vec![Some("2024-01-01 00:00:00"), Some("junk"), None]));
        let parsed = parse_text(&text, &Canon::Timestamp(TimeUnit::Microsecond), &SidePolicy::default()).unwrap();
        let parsed: Vec<Option<&str>> = parsed.as_string::<i32>().iter().collect();
        assert_eq!(parsed, [Some("2024-01-01T00:00:00.000000Z"), Some("unparseable: junk"), None]);
        assert_eq!(unparseable("unparseable: junk"), Some("junk"));
    }
}
