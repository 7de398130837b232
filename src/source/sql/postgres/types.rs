//! Which PostgreSQL types recon reads, and the Arrow type each becomes: the one table the catalog query, the
//! COPY decoder and the README agree on.
//!
//! | PostgreSQL type (`typname`)                  | Arrow type                              | Notes |
//! |----------------------------------------------|-----------------------------------------|-------|
//! | `int2`, `int4`, `int8`                       | `Int16`, `Int32`, `Int64`               | |
//! | `oid`                                        | `UInt32`                                | |
//! | `float4`, `float8`                           | `Float32`, `Float64`                    | `-0`, `NaN` and `±Infinity` kept bit for bit |
//! | `bool`                                       | `Boolean`                               | |
//! | `numeric(p,s)`, `1 <= p <= 38`, `s <= p`     | `Decimal128(p,s)`                       | base-10000 digits decoded exactly; `NaN`/`±Infinity` are errors |
//! | `numeric(p,s)`, `38 < p <= 76`               | `Decimal256(p,s)`                       | likewise |
//! | `numeric` (no typmod), `numeric(p,s)`, `p > 76` | `Utf8`                               | plain decimal text: no exponent, no trailing fraction zeros (`1.80` → `"1.8"`, `0` → `"0"`); `"NaN"`, `"Infinity"`, `"-Infinity"` |
//! | `money`                                      | `Utf8`                                  | selected as `col::numeric` (exact, in the server's `lc_monetary` fraction digits), then as `numeric` |
//! | `text`, `varchar`, `name`, `citext`, `xml`   | `Utf8`                                  | |
//! | `bpchar` (`char(n)`)                         | `Utf8`                                  | trailing blanks removed, as PostgreSQL's own cast to `text` does: they are not significant in `char(n)` |
//! | `json`                                       | `Utf8`                                  | the text as stored (key order and spacing kept) |
//! | `jsonb`                                      | `Utf8`                                  | PostgreSQL's normalised text (keys sorted by length then bytes); the leading version byte 1 is stripped |
//! | `uuid`                                       | `Utf8`                                  | lowercase hyphenated, `8-4-4-4-12` |
//! | enums (caller passes `pg_type` `"enum"`)     | `Utf8`                                  | the label |
//! | `bytea`                                      | `Binary`                                | |
//! | `date`                                       | `Date32`                                | days since 1970-01-01 (PostgreSQL counts from 2000-01-01: +10957); `±infinity` is an error |
//! | `timestamp`                                  | `Timestamp(Microsecond, None)`          | PostgreSQL counts from 2000-01-01: +946684800 s; `±infinity` is an error |
//! | `timestamptz`                                | `Timestamp(Microsecond, Some("+00:00"))`| the UTC instant, whatever the session time zone; `±infinity` is an error |
//! | `time`                                       | `Time64(Microsecond)`                   | `24:00:00`, which PostgreSQL accepts, is kept as 86 400 000 000 µs |
//! | `timetz`                                     | `Time64(Microsecond)`                   | the UTC time of day (`12:00+02` is `10:00`), as timestamps compare as UTC instants |
//! | `interval`                                   | `Utf8`                                  | months, days and seconds apart: `P14M3DT14706.5S` (see `normalize::interval_text`) |
//! | `inet`, `cidr`                               | `Utf8`                                  | PostgreSQL's text form (`10.0.0.1`, `10.0.0.0/8`) |
//! | `macaddr`, `macaddr8`                        | `Utf8`                                  | lowercase, colon-separated |
//! | `bit(n)`, `varbit`                           | `Utf8`                                  | the bits as `0`/`1` text |
//! | arrays of a readable type, any dimension     | `List` of the element's type, one `List` per dimension | `int4[][]` is `List(List(Int32))`; the dimensions are those the column declares (`attndims`, at least 1) |
//! | composite types of readable types            | `Struct`, fields by name in declared order | |
//! | anything else (ranges, geometric types, arrays of those, …) | `Null`                 | [`arrow_type`] returns `None`: the column is kept, unreadable, and refused only if compared |
//!
//! Arrays and composites are described by a [`Shape`], which the catalog resolves (`postgres_type_tree.sql`)
//! and which travels as the column's `pg_type`, written as JSON. The elements of an array and the fields of a
//! composite carry their own type name as field metadata ([`DECLARED_TYPE`]), so a `jsonb` or `uuid` inside
//! compares as it would alone.
//!
//! The numeric typmod is `((p << 16) | (s & 0x7ff)) + 4`: since PostgreSQL 15 the scale is an 11-bit signed
//! number and may be negative (`numeric(5,-2)` rounds to hundreds; it becomes `Decimal128(5,-2)`) or larger
//! than the precision (`numeric(2,5)`, which Arrow cannot represent, so it becomes `Utf8`).

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, TimeUnit};
use serde::{Deserialize, Serialize};

use crate::normalize::DECLARED_TYPE;

/// The timezone of `timestamptz` columns: values are UTC instants.
pub(crate) const UTC: &str = "+00:00";

/// How one result column is decoded: its PostgreSQL type and the Arrow type it becomes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PgColumn {
    pub(crate) name: String,
    /// `typname` from `pg_type`, e.g. `"int4"`, `"numeric"`, `"timestamptz"`, `"bpchar"`; `"enum"` for enums.
    pub(crate) pg_type: String,
    /// What [`arrow_type`] returned for the column.
    pub(crate) data_type: DataType,
}

/// The Arrow type for a PostgreSQL column, or None when recon cannot read it. `typmod` is
/// `pg_attribute.atttypmod` (numeric precision and scale are encoded in it; -1 = unconstrained). `money`
/// is read through a cast (see [`selected_as`]) and typed as the `numeric` it becomes.
pub(crate) fn arrow_type(pg_type: &str, typmod: i32) -> Option<DataType> {
    if let Some(shape) = Shape::parse(pg_type) {
        return shape.arrow_type();
    }
    Some(match pg_type {
        "int2" => DataType::Int16,
        "int4" => DataType::Int32,
        "int8" => DataType::Int64,
        "oid" => DataType::UInt32,
        "float4" => DataType::Float32,
        "float8" => DataType::Float64,
        "bool" => DataType::Boolean,
        "numeric" => numeric_type(typmod),
        "text" | "varchar" | "name" | "citext" | "bpchar" | "json" | "jsonb" | "uuid" | "enum" | "xml" => {
            DataType::Utf8
        }
        "interval" | "inet" | "cidr" | "macaddr" | "macaddr8" | "bit" | "varbit" => DataType::Utf8,
        "bytea" => DataType::Binary,
        "date" => DataType::Date32,
        "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "timestamptz" => DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
        "time" | "timetz" => DataType::Time64(TimeUnit::Microsecond),
        _ => return None,
    })
}

/// A PostgreSQL type as recon decodes it: a scalar by its `typname` (`enum` for enums) and type modifier, an
/// array of any dimension, or a composite's fields in declared order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Shape {
    Scalar { name: String, typmod: i32 },
    Array { element: Box<Shape>, dims: usize },
    Composite { fields: Vec<(String, Shape)> },
}

/// One row of `postgres_type_tree.sql`: a type a nested type is made of.
#[derive(Debug, Clone)]
pub(crate) struct TypeRow {
    pub(crate) name: String,
    /// `array`, `composite`, `domain` or `scalar`.
    pub(crate) kind: String,
    /// An array's element type, a domain's base type.
    pub(crate) element: i64,
    /// A domain's type modifier (-1: none).
    pub(crate) typmod: i32,
    /// A composite's fields: name, type, type modifier, declared dimensions.
    pub(crate) fields: Vec<(String, i64, i32, i32)>,
}

impl Shape {
    /// The shape written as a column's `pg_type` (JSON); `None` for a scalar's plain `typname`.
    pub(crate) fn parse(pg_type: &str) -> Option<Shape> {
        pg_type.starts_with('{').then(|| serde_json::from_str(pg_type).ok()).flatten()
    }

    pub(crate) fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The shape of type `oid` with modifier `typmod` and `dims` declared dimensions, from the rows of its
    /// type tree; `None` when a type is missing from them (or nests too deep to be a real type).
    pub(crate) fn resolve(oid: i64, typmod: i32, dims: i32, types: &HashMap<i64, TypeRow>) -> Option<Shape> {
        Shape::build(oid, typmod, dims, types, 0)
    }

    fn build(oid: i64, typmod: i32, dims: i32, types: &HashMap<i64, TypeRow>, depth: usize) -> Option<Shape> {
        let row = types.get(&oid).filter(|_| depth < 32)?;
        Some(match row.kind.as_str() {
            "domain" => {
                let typmod = if row.typmod != -1 { row.typmod } else { typmod };
                return Shape::build(row.element, typmod, dims, types, depth + 1);
            }
            "array" => {
                let element = Shape::build(row.element, typmod, 0, types, depth + 1)?;
                Shape::Array { element: Box::new(element), dims: usize::try_from(dims).unwrap_or(1).max(1) }
            }
            "composite" => Shape::Composite {
                fields: row
                    .fields
                    .iter()
                    .map(|(name, oid, typmod, dims)| {
                        Some((name.clone(), Shape::build(*oid, *typmod, *dims, types, depth + 1)?))
                    })
                    .collect::<Option<_>>()?,
            },
            _ => Shape::Scalar { name: row.name.clone(), typmod },
        })
    }

    /// The Arrow type values of this shape are read as; `None` when a part is unreadable.
    pub(crate) fn arrow_type(&self) -> Option<DataType> {
        match self {
            Shape::Scalar { name, typmod } => arrow_type(name, *typmod),
            Shape::Array { element, dims } => {
                let mut data_type = element.arrow_type()?;
                let mut field = element.field("item", data_type.clone());
                for _ in 0..*dims {
                    data_type = DataType::List(Arc::new(field));
                    field = Field::new("item", data_type.clone(), true);
                }
                Some(data_type)
            }
            Shape::Composite { fields } => {
                let fields: Option<Vec<Field>> =
                    fields.iter().map(|(name, shape)| Some(shape.field(name, shape.arrow_type()?))).collect();
                Some(DataType::Struct(fields?.into()))
            }
        }
    }

    /// A field of this shape, a scalar's type name recorded as its declared type.
    fn field(&self, name: &str, data_type: DataType) -> Field {
        let field = Field::new(name, data_type, true);
        match self {
            Shape::Scalar { name, .. } => {
                field.with_metadata(HashMap::from([(DECLARED_TYPE.to_string(), name.clone())]))
            }
            _ => field,
        }
    }
}

/// `Decimal128(p,s)` or `Decimal256(p,s)` for `numeric(p,s)` when Arrow can hold it, else `Utf8`.
fn numeric_type(typmod: i32) -> DataType {
    // VARHDRSZ is 4; a typmod below it (normally -1) means no precision was declared.
    let Some(packed) = typmod.checked_sub(4).filter(|p| *p >= 0) else {
        return DataType::Utf8;
    };
    let precision = (packed >> 16) & 0xffff;
    // 11-bit two's complement scale (PostgreSQL 15+); identical to `packed & 0xffff` for scales 0..=1000.
    let scale = ((packed & 0x7ff) ^ 1024) - 1024;
    match (u8::try_from(precision), i8::try_from(scale)) {
        (Ok(p), Ok(s)) if (1..=38).contains(&p) && (s <= 0 || s.unsigned_abs() <= p) => DataType::Decimal128(p, s),
        (Ok(p), Ok(s)) if (39..=76).contains(&p) && (s <= 0 || s.unsigned_abs() <= p) => DataType::Decimal256(p, s),
        _ => DataType::Utf8,
    }
}

/// What recon selects instead of a column whose binary form it does not decode, and the type it decodes
/// then: `money` as `numeric` (its binary form is an integer in units of `lc_monetary`'s fraction digits,
/// which the stream does not say).
pub(crate) fn selected_as(pg_type: &str, quoted: &str) -> Option<(String, &'static str)> {
    match pg_type {
        "money" => Some((format!("{quoted}::numeric"), "numeric")),
        _ => None,
    }
}

/// The fraction digits a `timestamp(p)` or `timestamptz(p)` column declares: its typmod, or 6.
pub(crate) fn fraction_digits(pg_type: &str, typmod: i32) -> Option<u8> {
    match pg_type {
        "timestamp" | "timestamptz" => Some(u8::try_from(typmod).ok().filter(|p| *p <= 6).unwrap_or(6)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::typmod;
    use super::*;

    #[test]
    fn type_mapping() {
        use DataType as T;
        let ts = |tz: Option<&str>| T::Timestamp(TimeUnit::Microsecond, tz.map(Into::into));
        for (pg_type, expected) in [
            ("int2", T::Int16),
            ("int4", T::Int32),
            ("int8", T::Int64),
            ("oid", T::UInt32),
            ("float4", T::Float32),
            ("float8", T::Float64),
            ("bool", T::Boolean),
            ("numeric", T::Utf8),
            ("text", T::Utf8),
            ("varchar", T::Utf8),
            ("name", T::Utf8),
            ("citext", T::Utf8),
            ("bpchar", T::Utf8),
            ("json", T::Utf8),
            ("jsonb", T::Utf8),
            ("uuid", T::Utf8),
            ("enum", T::Utf8),
            ("bytea", T::Binary),
            ("date", T::Date32),
            ("timestamp", ts(None)),
            ("timestamptz", ts(Some("+00:00"))),
            ("time", T::Time64(TimeUnit::Microsecond)),
            ("timetz", T::Time64(TimeUnit::Microsecond)),
            ("interval", T::Utf8),
            ("inet", T::Utf8),
            ("cidr", T::Utf8),
            ("macaddr", T::Utf8),
            ("macaddr8", T::Utf8),
            ("bit", T::Utf8),
            ("varbit", T::Utf8),
            ("xml", T::Utf8),
        ] {
            assert_eq!(arrow_type(pg_type, -1), Some(expected), "{pg_type}");
        }
        for unsupported in ["_int4", "int4range", "int4multirange", "money", "point", "tsvector", ""] {
            assert_eq!(arrow_type(unsupported, -1), None, "{unsupported}");
        }
        // Typmods as PostgreSQL 15 stores them (checked with pg_attribute).
        assert_eq!(arrow_type("numeric", 2490382), Some(T::Decimal128(38, 10)));
        assert_eq!(arrow_type("numeric", 329730), Some(T::Decimal128(5, -2)));
        assert_eq!(arrow_type("numeric", 131081), Some(T::Utf8), "numeric(2,5): scale > precision");
        assert_eq!(arrow_type("numeric", typmod(12, 2)), Some(T::Decimal128(12, 2)));
        assert_eq!(arrow_type("numeric", typmod(1, 0)), Some(T::Decimal128(1, 0)));
        assert_eq!(arrow_type("numeric", typmod(38, 38)), Some(T::Decimal128(38, 38)));
        assert_eq!(arrow_type("numeric", typmod(39, 0)), Some(T::Decimal256(39, 0)));
        assert_eq!(arrow_type("numeric", typmod(76, 10)), Some(T::Decimal256(76, 10)));
        assert_eq!(arrow_type("numeric", typmod(77, 10)), Some(T::Utf8));
        assert_eq!(arrow_type("numeric", typmod(1000, 500)), Some(T::Utf8));
        assert_eq!(arrow_type("numeric", 0), Some(T::Utf8));
        assert_eq!(arrow_type("numeric", i32::MIN), Some(T::Utf8));
    }
}
