//! MongoDB Extended JSON, as `mongoexport` writes it (v2 canonical and relaxed, and the legacy `$date` and
//! `$binary` forms of older tools): the one-key objects that carry a BSON type through JSON, recognised so that
//! a document export is read as its types, not as objects named `$oid` or `$numberDecimal`. Any other object,
//! `$`-keys and all, is an ordinary nested value.

use base64::Engine;
use chrono::DateTime;
use serde_json::{Map, Value};

/// A typed wrapper's value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Wrapped {
    /// `{"$oid": "…"}`: 24 hexadecimal digits, read as text.
    Oid(String),
    /// `{"$date": …}`: milliseconds since 1970-01-01T00:00:00Z.
    Date(i64),
    /// `{"$numberDecimal": "…"}`: the decimal's text, as written.
    Decimal(String),
    /// `{"$numberLong": "…"}`.
    Long(i64),
    /// `{"$numberInt": "…"}`.
    Int(i32),
    /// `{"$numberDouble": "…"}`, `NaN` and `±Infinity` among them.
    Double(f64),
    /// `{"$binary": …}` of any subtype but a UUID's.
    Binary(Vec<u8>),
    /// `{"$uuid": "…"}`, or `$binary` of subtype 3 or 4: lower-case, in 8-4-4-4-12 form.
    Uuid(String),
}

/// The wrapper `object` is: `Ok(None)` for an ordinary object, an error naming the wrapper whose content is
/// not what its type needs.
pub(super) fn unwrap(object: &Map<String, Value>) -> Result<Option<Wrapped>, String> {
    let mut keys = object.iter();
    let Some((key, value)) = keys.next() else { return Ok(None) };
    if !key.starts_with('$') {
        return Ok(None);
    }
    let legacy_type = match (keys.next(), object.len()) {
        (None, _) => None,
        (Some((k, Value::String(subtype))), 2) if key == "$binary" && k == "$type" => Some(subtype.as_str()),
        _ => return Ok(None),
    };
    let text = value.as_str();
    let wrapped = match (key.as_str(), text) {
        ("$oid", Some(hex)) if hex.len() == 24 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Wrapped::Oid(hex.to_string())
        }
        ("$date", _) => Wrapped::Date(date(value).ok_or_else(|| bad(key, value))?),
        ("$numberDecimal", Some(text)) => Wrapped::Decimal(text.to_string()),
        ("$numberLong", Some(text)) => Wrapped::Long(text.parse().map_err(|_| bad(key, value))?),
        ("$numberInt", Some(text)) => Wrapped::Int(text.parse().map_err(|_| bad(key, value))?),
        ("$numberDouble", Some(text)) => Wrapped::Double(double(text).ok_or_else(|| bad(key, value))?),
        ("$binary", _) => binary(value, legacy_type).ok_or_else(|| bad(key, value))?,
        ("$uuid", Some(text)) => Wrapped::Uuid(uuid_text(text).ok_or_else(|| bad(key, value))?),
        ("$oid" | "$numberDecimal" | "$numberLong" | "$numberInt" | "$numberDouble" | "$uuid", _) => {
            return Err(bad(key, value))
        }
        _ => return Ok(None),
    };
    Ok(Some(wrapped))
}

fn bad(key: &str, value: &Value) -> String {
    format!("{{\"{key}\": {value}}} is not a valid Extended JSON {key}")
}

/// A `$date`'s milliseconds: an ISO-8601 instant (relaxed form; `+0000` offsets as older tools wrote them), a
/// `{"$numberLong": "…"}` (canonical form) or a number (legacy form).
fn date(value: &Value) -> Option<i64> {
    match value {
        Value::String(text) => {
            let parsed = DateTime::parse_from_rfc3339(text)
                .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
                .ok()?;
            Some(parsed.timestamp_millis())
        }
        Value::Number(number) => number.as_i64(),
        Value::Object(object) if object.len() == 1 => object.get("$numberLong")?.as_str()?.parse().ok(),
        _ => None,
    }
}

/// A `$numberDouble`'s text: a number, `NaN`, `Infinity` or `-Infinity`.
fn double(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => text.parse().ok().filter(|f: &f64| f.is_finite()),
    }
}

/// `{"$binary": {"base64": "…", "subType": "04"}}` (v2) or `{"$binary": "…", "$type": "04"}` (legacy).
fn binary(value: &Value, legacy_type: Option<&str>) -> Option<Wrapped> {
    let (encoded, subtype) = match (value, legacy_type) {
        (Value::String(encoded), Some(subtype)) => (encoded.as_str(), subtype),
        (Value::Object(object), None) if object.len() == 2 => {
            (object.get("base64")?.as_str()?, object.get("subType")?.as_str()?)
        }
        _ => return None,
    };
    let subtype = u8::from_str_radix(subtype, 16).ok()?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    match subtype {
        3 | 4 => Some(Wrapped::Uuid(uuid_of(&bytes)?)),
        _ => Some(Wrapped::Binary(bytes)),
    }
}

/// A UUID's 32 hexadecimal digits, dashed or not, as lower-case 8-4-4-4-12.
fn uuid_text(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|&c| c != '-').collect();
    if digits.len() != 32 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes: Vec<u8> =
        (0..16).map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16)).collect::<Result<_, _>>().ok()?;
    uuid_of(&bytes)
}

fn uuid_of(bytes: &[u8]) -> Option<String> {
    if bytes.len() != 16 {
        return None;
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Some(format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
}

impl Wrapped {
    /// The value as text, for a column declared `text`: an ObjectId's hex digits, a UUID's lower-case form, a
    /// number's digits, an instant in RFC 3339 (UTC, milliseconds), bytes in base64.
    pub(super) fn text(&self) -> String {
        match self {
            Wrapped::Oid(text) | Wrapped::Decimal(text) | Wrapped::Uuid(text) => text.clone(),
            Wrapped::Date(ms) => match DateTime::from_timestamp_millis(*ms) {
                Some(instant) => instant.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                None => ms.to_string(),
            },
            Wrapped::Long(n) => n.to_string(),
            Wrapped::Int(n) => n.to_string(),
            Wrapped::Double(f) => f.to_string(),
            Wrapped::Binary(bytes) => base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Option<Wrapped>, String> {
        let Value::Object(object) = serde_json::from_str(json).expect("JSON") else { panic!("{json}") };
        unwrap(&object)
    }

    #[test]
    fn every_wrapper_mongoexport_writes_is_read_as_its_type() {
        let ok = |json: &str| read(json).expect(json).expect(json);
        assert_eq!(ok(r#"{"$oid": "5f1d7a3b9c1e4a2b3c4d5e6f"}"#), Wrapped::Oid("5f1d7a3b9c1e4a2b3c4d5e6f".into()));
        for date in [
            r#"{"$date": "2024-03-01T12:30:00.250Z"}"#,
            r#"{"$date": "2024-03-01T13:30:00.250+0100"}"#,
            r#"{"$date": {"$numberLong": "1709296200250"}}"#,
            r#"{"$date": 1709296200250}"#,
        ] {
            assert_eq!(ok(date), Wrapped::Date(1_709_296_200_250), "{date}");
        }
        assert_eq!(ok(r#"{"$numberDecimal": "12.50"}"#), Wrapped::Decimal("12.50".into()));
        assert_eq!(ok(r#"{"$numberLong": "-9007199254740993"}"#), Wrapped::Long(-9_007_199_254_740_993));
        assert_eq!(ok(r#"{"$numberInt": "7"}"#), Wrapped::Int(7));
        assert!(matches!(ok(r#"{"$numberDouble": "NaN"}"#), Wrapped::Double(f) if f.is_nan()));
        assert_eq!(ok(r#"{"$numberDouble": "-Infinity"}"#), Wrapped::Double(f64::NEG_INFINITY));
        let uuid = "Wm5l0oS0TU6QhCV9OIeqHw==";
        let expected = Wrapped::Uuid("5a6e65d2-84b4-4d4e-9084-257d3887aa1f".into());
        assert_eq!(ok(&format!(r#"{{"$binary": {{"base64": "{uuid}", "subType": "04"}}}}"#)), expected);
        assert_eq!(ok(&format!(r#"{{"$binary": "{uuid}", "$type": "4"}}"#)), expected);
        assert_eq!(ok(r#"{"$uuid": "5A6E65D2-84B4-4D4E-9084-257D3887AA1F"}"#), expected);
        assert_eq!(ok(r#"{"$binary": {"base64": "AAEC", "subType": "00"}}"#), Wrapped::Binary(vec![0, 1, 2]));
    }

    #[test]
    fn other_objects_stay_objects_and_broken_wrappers_are_named() {
        for plain in [r#"{"$timestamp": {"t": 1, "i": 2}}"#, r#"{"city": "Oslo"}"#, r#"{"$oid": "x", "n": 1}"#, "{}"] {
            assert_eq!(read(plain), Ok(None), "{plain}");
        }
        let error = read(r#"{"$numberLong": "12x"}"#).unwrap_err();
        assert_eq!(error, r#"{"$numberLong": "12x"} is not a valid Extended JSON $numberLong"#);
        assert!(read(r#"{"$oid": "123"}"#).is_err());
        assert!(read(r#"{"$date": "yesterday"}"#).is_err());
    }
}
