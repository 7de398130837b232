//! One JSON value checked against its column's type and written as arrow-json's decoder reads that type: an
//! Extended JSON wrapper becomes its plain value (`{"$numberDecimal": "12.5"}` in a `decimal(12,2)` column:
//! `"12.50"`; a `$date` in a timestamp column: its ticks), so that the decoder never meets a value it could
//! misread, and a value that does not fit is reported here, at its line and path, before Arrow sees it.

use arrow::compute::kernels::cast_utils::string_to_datetime;
use arrow::datatypes::{DataType, Fields, TimeUnit};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Number, Value};

use super::decimal;
use super::extended::{self, Wrapped};
use super::schema::type_name;

/// A value that does not fit its column: where inside the row (`amount`, `address.city`, `tags[3]`) and why.
#[derive(Debug, PartialEq)]
pub(super) struct Misfit {
    pub path: String,
    pub message: String,
}

/// How strictly values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rules {
    /// The schema was inferred from a sample: a key it does not have, or a value of another type, is an
    /// error (the sample did not show the file's whole shape).
    Inferred,
    /// The schema was given: keys it does not declare are left out, and a `text` column reads any value as
    /// its text.
    Given,
}

/// `value` as the decoder reads it for `data_type`; `path` names it in errors.
pub(super) fn value(value: Value, data_type: &DataType, rules: Rules, path: &str) -> Result<Value, Misfit> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let misfit = |value: &Value| Misfit {
        path: path.to_string(),
        message: format!("{} does not fit {}", shown(value), type_name(data_type)),
    };
    let wrapped = match &value {
        Value::Object(object) => extended::unwrap(object).map_err(|message| Misfit { path: path.into(), message })?,
        _ => None,
    };
    let converted = match (data_type, wrapped) {
        (DataType::Utf8, Some(Wrapped::Oid(text) | Wrapped::Uuid(text))) => Some(Value::String(text)),
        (DataType::Utf8, Some(wrapped)) if rules == Rules::Given => Some(Value::String(wrapped.text())),
        (DataType::Utf8, None) => match &value {
            Value::String(_) => return Ok(value),
            Value::Object(_) | Value::Array(_) | Value::Number(_) | Value::Bool(_) if rules == Rules::Given => {
                return Ok(Value::String(value.to_string()));
            }
            _ => None,
        },
        (DataType::Boolean, None) => value.is_boolean().then(|| value.clone()),
        (DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 | DataType::UInt64, wrapped) => {
            integer(&value, wrapped, data_type)
        }
        (DataType::Float32 | DataType::Float64, wrapped) => float(&value, wrapped),
        (DataType::Decimal128(precision, scale), wrapped) => {
            let text = match (&value, wrapped) {
                (_, Some(Wrapped::Decimal(text))) => Some(text),
                (_, Some(Wrapped::Long(n))) => Some(n.to_string()),
                (_, Some(Wrapped::Int(n))) => Some(n.to_string()),
                (Value::Number(n), None) => Some(n.to_string()),
                (Value::String(text), None) => Some(text.clone()),
                _ => None,
            };
            text.and_then(|t| decimal::fit(&t, *precision, *scale)).map(Value::String)
        }
        (DataType::Date32, None) => value.as_str().and_then(date_days).map(Value::from),
        (DataType::Date32, Some(Wrapped::Date(ms))) => (ms % 86_400_000 == 0).then(|| Value::from(ms / 86_400_000)),
        (DataType::Timestamp(unit, _), Some(Wrapped::Date(ms))) => ticks(ms, 1_000, *unit).map(Value::from),
        (DataType::Timestamp(unit, _), None) => {
            let instant = value.as_str().and_then(|text| string_to_datetime(&Utc, text).ok());
            instant.and_then(|instant| instant_ticks(instant, *unit)).map(Value::from)
        }
        (DataType::Binary, Some(Wrapped::Binary(bytes))) => Some(Value::String(hex(&bytes))),
        (DataType::List(item), None) => {
            let Value::Array(items) = value else { return Err(misfit(&value)) };
            let items = items
                .into_iter()
                .enumerate()
                .map(|(i, item_value)| self::value(item_value, item.data_type(), rules, &format!("{path}[{i}]")));
            return Ok(Value::Array(items.collect::<Result<_, _>>()?));
        }
        (DataType::Struct(fields), None) => {
            let Value::Object(object) = value else { return Err(misfit(&value)) };
            let check_keys = rules == Rules::Inferred;
            return object_fields(object, fields, rules, check_keys, &format!("{path}.")).map(Value::Object);
        }
        _ => None,
    };
    converted.ok_or_else(|| misfit(&value))
}

/// An object's values for `fields` (each named `prefix` + its name in errors), a key the object lacks as NULL;
/// with `check_keys`, a key `fields` lack is an error (a row's keys are checked against every column, not
/// only the ones read).
pub(super) fn object_fields(
    mut object: Map<String, Value>,
    fields: &Fields,
    rules: Rules,
    check_keys: bool,
    prefix: &str,
) -> Result<Map<String, Value>, Misfit> {
    if check_keys {
        if let Some(key) = object.keys().find(|key| fields.find(key).is_none()) {
            return Err(Misfit { path: format!("{prefix}{key}"), message: "is a key the sample did not show".into() });
        }
    }
    let mut out = Map::with_capacity(fields.len());
    for field in fields {
        let taken = object.remove(field.name()).unwrap_or(Value::Null);
        let converted = value(taken, field.data_type(), rules, &format!("{prefix}{}", field.name()))?;
        out.insert(field.name().clone(), converted);
    }
    Ok(out)
}

/// An integer (or an integral float, as a relaxed export may write `3.0`) in the column's range.
fn integer(value: &Value, wrapped: Option<Wrapped>, data_type: &DataType) -> Option<Value> {
    let n: i128 = match (value, wrapped) {
        (_, Some(Wrapped::Long(n))) => n.into(),
        (_, Some(Wrapped::Int(n))) => n.into(),
        (Value::Number(n), None) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.into(),
            (_, Some(u), _) => u.into(),
            (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => f as i128,
            _ => return None,
        },
        _ => return None,
    };
    let (min, max): (i128, i128) = match data_type {
        DataType::Int8 => (i8::MIN.into(), i8::MAX.into()),
        DataType::Int16 => (i16::MIN.into(), i16::MAX.into()),
        DataType::Int32 => (i32::MIN.into(), i32::MAX.into()),
        DataType::Int64 => (i64::MIN.into(), i64::MAX.into()),
        _ => (0, u64::MAX.into()),
    };
    if n < min || n > max {
        return None;
    }
    Some(match i64::try_from(n) {
        Ok(i) => Value::from(i),
        Err(_) => Value::from(n as u64),
    })
}

/// A number; `NaN` and the infinities (only a `$numberDouble` writes them) as the text the decoder parses.
fn float(value: &Value, wrapped: Option<Wrapped>) -> Option<Value> {
    let f = match (value, wrapped) {
        (Value::Number(_), None) => return Some(value.clone()),
        (_, Some(Wrapped::Double(f))) => f,
        (_, Some(Wrapped::Long(n))) => n as f64,
        (_, Some(Wrapped::Int(n))) => n.into(),
        (_, Some(Wrapped::Decimal(text))) => text.parse().ok()?,
        _ => return None,
    };
    Some(match Number::from_f64(f) {
        Some(number) => Value::Number(number),
        None if f.is_nan() => Value::String("NaN".into()),
        None if f > 0.0 => Value::String("inf".into()),
        None => Value::String("-inf".into()),
    })
}

fn date_days(text: &str) -> Option<i64> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days())
}

/// `count` units of `per_second` a second, in `unit`; `None` if it is not a whole number of them or overflows.
fn ticks(count: i64, per_second: i64, unit: TimeUnit) -> Option<i64> {
    let target = crate::normalize::ticks_per_second(unit);
    match target >= per_second {
        true => count.checked_mul(target / per_second),
        false => (count % (per_second / target) == 0).then(|| count / (per_second / target)),
    }
}

fn instant_ticks(instant: DateTime<Utc>, unit: TimeUnit) -> Option<i64> {
    match unit {
        TimeUnit::Second => Some(instant.timestamp()),
        TimeUnit::Millisecond => Some(instant.timestamp_millis()),
        TimeUnit::Microsecond => Some(instant.timestamp_micros()),
        TimeUnit::Nanosecond => instant.timestamp_nanos_opt(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A value as an error shows it: its JSON, cut short.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow::datatypes::Field;

    fn read(json: &str, data_type: &DataType, rules: Rules) -> Result<Value, Misfit> {
        value(serde_json::from_str(json).expect("JSON"), data_type, rules, "c")
    }

    fn ok(json: &str, data_type: &DataType) -> Value {
        read(json, data_type, Rules::Inferred).expect(json)
    }

    #[test]
    fn wrappers_become_the_plain_values_of_their_columns_types() {
        let ms = DataType::Timestamp(TimeUnit::Millisecond, Some("+00:00".into()));
        let micros = DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into()));
        assert_eq!(ok(r#"{"$date": "2024-03-01T12:30:00.250Z"}"#, &ms), Value::from(1_709_296_200_250i64));
        assert_eq!(ok(r#"{"$date": 1709296200250}"#, &micros), Value::from(1_709_296_200_250_000i64));
        assert_eq!(ok(r#""2024-03-01T12:30:00.250Z""#, &ms), Value::from(1_709_296_200_250i64));
        assert_eq!(ok(r#"{"$numberDecimal": "12.5"}"#, &DataType::Decimal128(12, 2)), Value::from("12.50"));
        assert_eq!(ok("12.5", &DataType::Decimal128(12, 2)), Value::from("12.50"));
        assert_eq!(
            ok(r#"{"$numberLong": "9007199254740993"}"#, &DataType::Int64),
            Value::from(9_007_199_254_740_993i64)
        );
        assert_eq!(ok("3.0", &DataType::Int32), Value::from(3));
        assert_eq!(ok(r#"{"$numberDouble": "NaN"}"#, &DataType::Float64), Value::from("NaN"));
        assert_eq!(
            ok(r#"{"$oid": "5f1d7a3b9c1e4a2b3c4d5e6f"}"#, &DataType::Utf8),
            Value::from("5f1d7a3b9c1e4a2b3c4d5e6f")
        );
        assert_eq!(ok(r#"{"$binary": {"base64": "AAEC", "subType": "00"}}"#, &DataType::Binary), Value::from("000102"));
        assert_eq!(ok(r#""2024-03-01""#, &DataType::Date32), Value::from(19_783));
    }

    #[test]
    fn a_value_that_does_not_fit_is_named_at_its_path() {
        let tags = DataType::List(Arc::new(Field::new("item", DataType::Int64, true)));
        let error = read("[1, 2, \"three\"]", &tags, Rules::Inferred).unwrap_err();
        assert_eq!(error, Misfit { path: "c[2]".into(), message: "\"three\" does not fit int64".into() });
        let address = DataType::Struct(vec![Field::new("city", DataType::Utf8, true)].into());
        let error = read(r#"{"city": "Oslo", "zip": "0150"}"#, &address, Rules::Inferred).unwrap_err();
        assert_eq!(error, Misfit { path: "c.zip".into(), message: "is a key the sample did not show".into() });
        let given =
            read(r#"{"city": "Oslo", "zip": "0150"}"#, &address, Rules::Given).expect("undeclared keys left out");
        assert_eq!(given, serde_json::json!({"city": "Oslo"}));
        assert!(read("12.505", &DataType::Decimal128(12, 2), Rules::Given).is_err(), "rounding is not fitting");
        assert!(read("300", &DataType::Int8, Rules::Given).is_err());
        assert!(read("1", &DataType::Utf8, Rules::Inferred).is_err());
        assert_eq!(read("1", &DataType::Utf8, Rules::Given), Ok(Value::from("1")));
        assert_eq!(read(r#"{"a": [1]}"#, &DataType::Utf8, Rules::Given), Ok(Value::from(r#"{"a":[1]}"#)));
    }
}
