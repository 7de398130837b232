//! The columns of JSON Lines files without a `--json-schema`: every value of a bounded sample typed, and the
//! types of one key joined across lines — integers widen to floats, absent keys and nulls take the type the
//! other lines give, objects merge their keys — so that what a later line holds either fits or stops the read
//! with its line number. Types that do not join (text and a number, a list and an object) stop it here.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use serde_json::{Map, Value};

use super::decimal;
use super::extended::{self, Wrapped};

/// What one key's values have been so far.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    /// Only nulls (or only absent): read as text.
    Null,
    Bool,
    Int32,
    Int64,
    UInt64,
    Float,
    /// `$numberDecimal`s (and integers beside them), with the most fractional digits seen.
    Decimal(i8),
    Text,
    /// `$date`s: instants, in milliseconds.
    Instant,
    Binary,
    List(Box<Kind>),
    Struct(Vec<(String, Kind)>),
}

/// The widest decimal Arrow holds in 128 bits: an inferred decimal column is `decimal(38,S)`, S the most
/// fractional digits in the sample, so any integer part fits.
const DECIMAL_DIGITS: u8 = 38;

impl Kind {
    /// The kind of one value; an error for an Extended JSON wrapper whose content is malformed.
    pub(super) fn of(value: &Value) -> Result<Kind, String> {
        Ok(match value {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(n) if n.is_i64() => Kind::Int64,
            Value::Number(n) if n.is_u64() => Kind::UInt64,
            Value::Number(_) => Kind::Float,
            Value::String(_) => Kind::Text,
            Value::Array(items) => {
                let mut item = Kind::Null;
                for value in items {
                    item = merge(item, Kind::of(value)?, "[]")?;
                }
                Kind::List(Box::new(item))
            }
            Value::Object(object) => match extended::unwrap(object)? {
                Some(wrapped) => Kind::wrapped(&wrapped)?,
                None => Kind::object(object)?,
            },
        })
    }

    /// The kind of an object's keys, in their order.
    pub(super) fn object(object: &Map<String, Value>) -> Result<Kind, String> {
        let fields = object.iter().map(|(k, v)| Ok((k.clone(), Kind::of(v).map_err(|e| format!("{k}: {e}"))?)));
        Ok(Kind::Struct(fields.collect::<Result<_, String>>()?))
    }

    fn wrapped(wrapped: &Wrapped) -> Result<Kind, String> {
        Ok(match wrapped {
            Wrapped::Oid(_) | Wrapped::Uuid(_) => Kind::Text,
            Wrapped::Date(_) => Kind::Instant,
            Wrapped::Decimal(text) => {
                let scale = decimal::scale(text).ok_or_else(|| format!("{text:?} is not a decimal number"))?;
                Kind::Decimal(scale.max(0).try_into().map_err(|_| format!("{text:?} has too many digits"))?)
            }
            Wrapped::Long(_) => Kind::Int64,
            Wrapped::Int(_) => Kind::Int32,
            Wrapped::Double(_) => Kind::Float,
            Wrapped::Binary(_) => Kind::Binary,
        })
    }

    /// Both kinds' values in one type, if there is one (lists and objects: see [`merge`]).
    fn join(self, other: Kind) -> Option<Kind> {
        use Kind::*;
        Some(match (self, other) {
            (Null, kind) | (kind, Null) => kind,
            (a, b) if a == b => a,
            (Int32, Int64) | (Int64, Int32) => Int64,
            (Int32 | Int64, UInt64) | (UInt64, Int32 | Int64) => Decimal(0),
            (Int32 | Int64 | UInt64, Float) | (Float, Int32 | Int64 | UInt64) => Float,
            (Int32 | Int64 | UInt64, Decimal(s)) | (Decimal(s), Int32 | Int64 | UInt64) => Decimal(s),
            (Decimal(a), Decimal(b)) => Decimal(a.max(b)),
            _ => return None,
        })
    }

    /// What a message calls values of this kind.
    pub(super) fn name(&self) -> String {
        super::schema::type_name(&self.data_type())
    }

    /// The Arrow type the kind is read as.
    pub(super) fn data_type(&self) -> DataType {
        match self {
            Kind::Null | Kind::Text => DataType::Utf8,
            Kind::Bool => DataType::Boolean,
            Kind::Int32 => DataType::Int32,
            Kind::Int64 => DataType::Int64,
            Kind::UInt64 => DataType::UInt64,
            Kind::Float => DataType::Float64,
            Kind::Decimal(scale) => DataType::Decimal128(DECIMAL_DIGITS, *scale),
            Kind::Instant => DataType::Timestamp(TimeUnit::Millisecond, Some("+00:00".into())),
            Kind::Binary => DataType::Binary,
            Kind::List(item) => DataType::List(Arc::new(Field::new("item", item.data_type(), true))),
            Kind::Struct(fields) => DataType::Struct(fields_of(fields)),
        }
    }
}

/// Arrow fields for keys and their kinds, every one nullable (a key absent from a line is NULL).
pub(super) fn fields_of(fields: &[(String, Kind)]) -> Fields {
    fields.iter().map(|(name, kind)| Field::new(name, kind.data_type(), true)).collect()
}

/// `a` and `b` in one kind: lists by their elements, objects key by key; else the error naming the path (under
/// `path`) whose values have no type in common.
pub(super) fn merge(a: Kind, b: Kind, path: &str) -> Result<Kind, String> {
    match (a, b) {
        (Kind::List(a), Kind::List(b)) => Ok(Kind::List(Box::new(merge(*a, *b, &format!("{path}[]"))?))),
        (Kind::Struct(mut a), Kind::Struct(b)) => {
            for (name, kind) in b {
                let at = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                match a.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, known)) => *known = merge(std::mem::replace(known, Kind::Null), kind, &at)?,
                    None => a.push((name, kind)),
                }
            }
            Ok(Kind::Struct(a))
        }
        (a, b) => {
            let (a_name, b_name) = (a.name(), b.name());
            a.join(b).ok_or_else(|| format!("{path} holds {b_name} where earlier values hold {a_name}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(json: &str) -> Kind {
        Kind::of(&serde_json::from_str(json).expect("JSON")).expect(json)
    }

    #[test]
    fn kinds_join_as_the_values_of_one_key_across_lines() {
        let join = |a: &str, b: &str| merge(kind(a), kind(b), "c").ok();
        assert_eq!(join("1", "2.5"), Some(Kind::Float));
        assert_eq!(join("null", r#""a""#), Some(Kind::Text));
        assert_eq!(join(r#"{"$numberDecimal": "1.5"}"#, r#"{"$numberDecimal": "2.125"}"#), Some(Kind::Decimal(3)));
        assert_eq!(join(r#"{"$numberInt": "1"}"#, r#"{"$numberLong": "2"}"#), Some(Kind::Int64));
        assert_eq!(kind(r#"{"$oid": "5f1d7a3b9c1e4a2b3c4d5e6f"}"#), Kind::Text);
        assert_eq!(kind("[1, null, 2.5]"), Kind::List(Box::new(Kind::Float)));
        let merged = join(r#"{"a": 1, "b": null}"#, r#"{"b": "x", "c": [true]}"#).expect("joins");
        let expected = [("a", Kind::Int64), ("b", Kind::Text), ("c", Kind::List(Box::new(Kind::Bool)))];
        assert_eq!(merged, Kind::Struct(expected.map(|(n, k)| (n.to_string(), k)).to_vec()));
        assert_eq!(join(r#""a""#, "1"), None);
        assert_eq!(join("[1]", r#"{"a": 1}"#), None);
        let error = merge(kind(r#"{"a": {"b": [1]}}"#), kind(r#"{"a": {"b": ["x"]}}"#), "").unwrap_err();
        assert_eq!(error, "a.b[] holds text where earlier values hold int64");
        assert_eq!(
            kind(r#"{"$date": 0}"#).data_type(),
            DataType::Timestamp(TimeUnit::Millisecond, Some("+00:00".into()))
        );
    }
}
