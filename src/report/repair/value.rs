//! A raw Arrow value as a repair script writes it, before any dialect quotes it: the exact text of a number, a
//! date or a time, the instant of a timestamp, the bytes of a string or a binary. Dialects (`postgres.rs`,
//! `mysql.rs`, `sqlite.rs`) turn it into a literal of the target column's type.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{
    DataType, Date32Type, Float32Type, Float64Type, Time32MillisecondType, Time32SecondType, Time64MicrosecondType,
    Time64NanosecondType, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::error::{Error, Result};

/// One value, as a script writes it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value<'a> {
    Null,
    Bool(bool),
    /// An integer or a decimal, as exact text (`-12`, `1234.50`).
    Number(String),
    Float(f64),
    /// A 32-bit float, kept apart so that its shortest text is a 32-bit one (`1.1`, not `1.100000023841858`).
    Float32(f32),
    Text(&'a str),
    Bytes(&'a [u8]),
    Date(NaiveDate),
    /// A timestamp's instant (UTC when the column has a zone; else the wall-clock time, which recon compares
    /// as UTC), and the fraction digits its unit holds.
    Timestamp(NaiveDateTime, usize),
    Time(NaiveTime, usize),
}

/// A column whose values a script writes, with the few array types Arrow spells several ways made one.
pub(super) struct Column {
    array: ArrayRef,
}

impl Column {
    pub(super) fn new(array: &ArrayRef) -> Result<Column> {
        let to = match array.data_type() {
            DataType::Dictionary(_, value) => Some(value.as_ref().clone()),
            DataType::LargeUtf8 | DataType::Utf8View => Some(DataType::Utf8),
            DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => Some(DataType::Binary),
            DataType::Float16 => Some(DataType::Float32),
            DataType::Decimal32(p, s) | DataType::Decimal64(p, s) => Some(DataType::Decimal128(*p, *s)),
            DataType::Date64 => Some(DataType::Date32),
            _ => None,
        };
        let array = match to {
            Some(to) => {
                let cast = arrow::compute::cast(array, &to).map_err(|e| Error::arrow("--repair-sql", e))?;
                return Column::new(&cast);
            }
            None => array.clone(),
        };
        Ok(Column { array })
    }

    /// The value at `row`.
    pub(super) fn value(&self, row: usize) -> Result<Value<'_>> {
        let array = self.array.as_ref();
        if array.is_null(row) {
            return Ok(Value::Null);
        }
        let unsupported = || Error::internal(format!("--repair-sql: no literal for {}", array.data_type()));
        Ok(match array.data_type() {
            DataType::Null => Value::Null,
            DataType::Boolean => Value::Bool(array.as_boolean().value(row)),
            t if t.is_integer() || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) => {
                let formatter = ArrayFormatter::try_new(array, &FormatOptions::default())
                    .map_err(|e| Error::arrow("--repair-sql", e))?;
                Value::Number(formatter.value(row).to_string())
            }
            DataType::Float32 => Value::Float32(array.as_primitive::<Float32Type>().value(row)),
            DataType::Float64 => Value::Float(array.as_primitive::<Float64Type>().value(row)),
            DataType::Utf8 => Value::Text(array.as_string::<i32>().value(row)),
            DataType::Binary => Value::Bytes(array.as_binary::<i32>().value(row)),
            DataType::Date32 => {
                let days = array.as_primitive::<Date32Type>().value(row);
                Value::Date(Date32Type::to_naive_date_opt(days).ok_or_else(unsupported)?)
            }
            DataType::Timestamp(unit, _) => {
                let ticks = match unit {
                    TimeUnit::Second => array.as_primitive::<TimestampSecondType>().value(row),
                    TimeUnit::Millisecond => array.as_primitive::<TimestampMillisecondType>().value(row),
                    TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().value(row),
                    TimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().value(row),
                };
                let (per_second, digits) = per_second(unit);
                let seconds = ticks.div_euclid(per_second);
                let nanos = (ticks.rem_euclid(per_second) * (1_000_000_000 / per_second)) as u32;
                let at = chrono::DateTime::from_timestamp(seconds, nanos).ok_or_else(unsupported)?;
                Value::Timestamp(at.naive_utc(), digits)
            }
            DataType::Time32(TimeUnit::Second) => {
                let seconds = array.as_primitive::<Time32SecondType>().value(row);
                Value::Time(time(i64::from(seconds) * 1_000_000_000).ok_or_else(unsupported)?, 0)
            }
            DataType::Time32(_) => {
                let ms = array.as_primitive::<Time32MillisecondType>().value(row);
                Value::Time(time(i64::from(ms) * 1_000_000).ok_or_else(unsupported)?, 3)
            }
            DataType::Time64(TimeUnit::Microsecond) => {
                let us = array.as_primitive::<Time64MicrosecondType>().value(row);
                Value::Time(time(us * 1_000).ok_or_else(unsupported)?, 6)
            }
            DataType::Time64(_) => {
                let ns = array.as_primitive::<Time64NanosecondType>().value(row);
                Value::Time(time(ns).ok_or_else(unsupported)?, 9)
            }
            _ => return Err(unsupported()),
        })
    }
}

/// Ticks per second of a time unit, and the fraction digits it holds.
fn per_second(unit: &TimeUnit) -> (i64, usize) {
    match unit {
        TimeUnit::Second => (1, 0),
        TimeUnit::Millisecond => (1_000, 3),
        TimeUnit::Microsecond => (1_000_000, 6),
        TimeUnit::Nanosecond => (1_000_000_000, 9),
    }
}

/// A time of day `nanos` after midnight; PostgreSQL's `24:00:00` has none.
fn time(nanos: i64) -> Option<NaiveTime> {
    let seconds = u32::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
    NaiveTime::from_num_seconds_from_midnight_opt(seconds, (nanos.rem_euclid(1_000_000_000)) as u32)
}

/// A float's shortest text that reads back as the same float (`0.1`, `1e300`, `-0.0`); finite only.
pub(super) fn float_text(value: &Value) -> Option<String> {
    match value {
        Value::Float(f) if f.is_finite() => Some(format!("{f:?}")),
        Value::Float32(f) if f.is_finite() => Some(format!("{f:?}")),
        _ => None,
    }
}

/// Whether a float value is not a number, and the sign of an infinite one.
pub(super) fn special(value: &Value) -> Option<&'static str> {
    let f = match value {
        Value::Float(f) => *f,
        Value::Float32(f) => f64::from(*f),
        _ => return None,
    };
    match f {
        f if f.is_nan() => Some("NaN"),
        f if f == f64::INFINITY => Some("Infinity"),
        f if f == f64::NEG_INFINITY => Some("-Infinity"),
        _ => None,
    }
}

/// A date as ISO 8601 text (`2024-02-29`); a year before 1 as PostgreSQL writes it when `bc` is given.
pub(super) fn date_text(date: NaiveDate, bc: bool) -> String {
    match date.year() {
        year if year < 1 && bc => format!("{:04}-{:02}-{:02} BC", 1 - year, date.month(), date.day()),
        _ => date.format("%Y-%m-%d").to_string(),
    }
}

/// A timestamp as `YYYY-MM-DD HH:MM:SS` with its unit's fraction digits.
pub(super) fn timestamp_text(at: NaiveDateTime, digits: usize, bc: bool) -> String {
    let date = date_text(at.date(), false);
    let time = time_text(at.time(), digits);
    match date_text(at.date(), bc).strip_suffix(" BC") {
        Some(bc_date) => format!("{bc_date} {time} BC"),
        None => format!("{date} {time}"),
    }
}

/// A time of day as `HH:MM:SS` with `digits` fraction digits (none for 0).
pub(super) fn time_text(at: NaiveTime, digits: usize) -> String {
    let whole = at.format("%H:%M:%S").to_string();
    if digits == 0 {
        return whole;
    }
    let nanos = format!("{:09}", at.nanosecond() % 1_000_000_000);
    format!("{whole}.{}", &nanos[..digits])
}

/// The lowercase hexadecimal digits of `bytes`.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether text holds a character a literal should not carry as it is: a control character other than tab and
/// line feed (a carriage return would not survive every tool's line endings; NUL ends a C string).
pub(super) fn has_control(text: &str) -> bool {
    text.chars().any(|c| (c.is_control() && c != '\t' && c != '\n') || c == '\u{7f}')
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Float32Array, Float64Array, TimestampMicrosecondArray};

    use super::*;

    #[test]
    fn floats_keep_their_shortest_exact_text() {
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![0.1 + 0.2, 1e300, -0.0, 2.0, 5e-324]));
        let column = Column::new(&floats).unwrap();
        let texts: Vec<String> = (0..5).map(|r| float_text(&column.value(r).unwrap()).unwrap()).collect();
        assert_eq!(texts, ["0.30000000000000004", "1e300", "-0.0", "2.0", "5e-324"]);
        let single: ArrayRef = Arc::new(Float32Array::from(vec![1.1f32]));
        assert_eq!(float_text(&Column::new(&single).unwrap().value(0).unwrap()).unwrap(), "1.1");
    }

    #[test]
    fn timestamps_are_instants_with_their_units_digits() {
        let ts: ArrayRef =
            Arc::new(TimestampMicrosecondArray::from(vec![-1, 1_709_251_199_999_999]).with_timezone("+00:00"));
        let column = Column::new(&ts).unwrap();
        let text = |row| match column.value(row).unwrap() {
            Value::Timestamp(at, digits) => timestamp_text(at, digits, true),
            other => panic!("{other:?}"),
        };
        assert_eq!(text(0), "1969-12-31 23:59:59.999999");
        assert_eq!(text(1), "2024-02-29 23:59:59.999999");
        let ancient = NaiveDate::from_ymd_opt(-43, 3, 15).unwrap();
        assert_eq!(date_text(ancient, true), "0044-03-15 BC");
        assert_eq!(timestamp_text(ancient.and_hms_opt(12, 0, 0).unwrap(), 0, true), "0044-03-15 12:00:00 BC");
    }
}
