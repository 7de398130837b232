//! ② One equivalence policy. Each compared column pair gets one canonical Arrow type, both sides are cast to
//! it, and the digest encodes only canonical arrays: so the fingerprint tier and the row tier see the same
//! values by construction.
//!
//! Rules (the policy, written down once):
//! - integers of any width are equal by value; exact numbers (integers, decimals) compare at the larger scale,
//!   so `1.80` = `1.8` and `2` = `2.00`;
//! - a float against an exact number is compared at the exact side's scale: the float's shortest decimal form
//!   rounded half away from zero (how PostgreSQL and MySQL cast), so float `0.1` = decimal(10,2) `0.10`;
//! - `-0.0` = `0.0` and every NaN is one NaN (applied in the encoding, see `digest::encode`);
//! - f32 against f64 compares at f32 precision;
//! - timestamps are UTC instants (zone-less ones are taken as UTC) at the coarser side's unit, truncated
//!   toward the past; where a database declares fewer fraction digits than the unit holds (`datetime(3)`,
//!   `timestamp(0)`), at the coarser declared precision, cut the way the server holding that side cuts
//!   ([`Cut`]); a timestamp against a date compares its UTC day;
//! - a text column against a typed one is parsed value by value into the typed side's form (`parse.rs`);
//!   text that does not parse is a value of its own (`unparseable: …`), never equal to a typed value or NULL;
//! - a text column against a binary one compares the text's UTF-8 bytes;
//! - strings compare as UTF-8 bytes, binaries as bytes; network addresses, MAC addresses and intervals a
//!   database declares compare by their canonical text, whatever way each side writes them;
//! - a column a source cannot read stops the comparison only when it is compared, naming its type and a
//!   workaround.
//!
//! Comparisons at a coarser precision than one side holds are flagged `lossy` in the report's schema section.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int64Array, StringArray};
use arrow::compute::{cast_with_options, CastOptions};
use arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int64Type, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use arrow::error::ArrowError;

use crate::error::{Error, Result};
use crate::vocabulary::vocabulary;
use policy::{SidePolicy, Tolerances, Within};

mod declared;
mod nested;
pub(crate) mod parse;
pub mod policy;

pub use declared::{fixed_char, resolve_fields, DECLARED_TYPE, FRACTION_CUT, FRACTION_DIGITS, READ_AS, UNREADABLE};
pub use parse::{interval_text, unparseable, Cut, UNPARSEABLE};

/// The canonical form both sides of a column are cast to before encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Canon {
    Bool,
    /// Int64: integers that fit on both sides.
    Int,
    Decimal {
        precision: u8,
        scale: i8,
    },
    Decimal256 {
        precision: u8,
        scale: i8,
    },
    Float32,
    Float64,
    /// A float against an exact number: both as decimal text with exactly `scale` fraction digits.
    NumberText {
        scale: i8,
    },
    Text,
    Binary,
    /// Date32: days since 1970-01-01.
    Date,
    /// UTC instants in this unit.
    Timestamp(TimeUnit),
    Time(TimeUnit),
    /// JSON text with keys sorted and no whitespace: key order and formatting never differ.
    Json,
    /// Lowercase hyphenated UUID text (text that is not a UUID is kept as it is).
    Uuid,
    /// Decimal text without exponent or trailing fraction zeros, for decimals of unknown scale.
    DecimalText,
    /// UTC instants in microseconds cut to `digits` fraction digits as `cut` says: the coarser declared
    /// precision of two database timestamp columns.
    TimestampDigits {
        digits: u8,
        cut: Cut,
    },
    /// Network addresses (PostgreSQL `inet`/`cidr`, MariaDB `INET4`/`INET6`) as canonical text.
    Inet,
    /// MAC addresses (`macaddr`, `macaddr8`) as lowercase colon-separated hex.
    Mac,
    /// Intervals as months, days and seconds (`P14M3DT14706.5S`).
    Interval,
    /// A text column against a typed one: both as the typed side's canonical form (the inner one) in text,
    /// the text side parsed into it.
    Parsed(Box<Canon>),
    /// Text or bytes (the inner form) without trailing blanks, on both sides: one side is a fixed-length
    /// `CHAR(n)`, whose padding is no data, whatever the other side kept of it ([`Rule::CharPadding`]).
    Unpadded(Box<Canon>),
    /// A list (or PostgreSQL array) of elements in this form, in order (`nested.rs`).
    List(Box<Canon>),
    /// A struct (or PostgreSQL composite): its fields by name, in the source's order, each in its form.
    Struct(Vec<(String, Canon)>),
    /// A map: keys and values in these forms, its entries a set (order-independent).
    Map(Box<Canon>, Box<Canon>),
}

vocabulary! {
    /// A rule recon applies to a column pair on its own, from what the sides declare; the report's policy
    /// lists the columns it applied to (`column_rules`).
    pub enum Rule ("column rule") {
        /// Trailing blanks are insignificant on both sides: either side is fixed-length `CHAR(n)`.
        CharPadding = "char_padding",
    }
}

impl Canon {
    /// The rule this form applies of its own, if any.
    pub fn rule(&self) -> Option<Rule> {
        matches!(self, Canon::Unpadded(_)).then_some(Rule::CharPadding)
    }

    /// The form without a rule around it: what the values are compared as.
    pub fn base(&self) -> &Canon {
        match self {
            Canon::Unpadded(inner) => inner,
            other => other,
        }
    }
}

/// What a value is, whatever its width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Family {
    Null,
    Bool,
    /// Decimal digits of the integer part a type can hold, whether it fits an i64, and its scale.
    Exact {
        digits: u8,
        scale: i8,
        fits_i64: bool,
        wide: bool,
    },
    Float {
        bits: u8,
    },
    Text,
    Binary,
    Date,
    Timestamp(TimeUnit),
    Time(TimeUnit),
    Other,
}

pub(super) fn family(data_type: &DataType) -> Family {
    use DataType::*;
    let exact = |digits, fits_i64| Family::Exact { digits, scale: 0, fits_i64, wide: false };
    match data_type {
        Null => Family::Null,
        Boolean => Family::Bool,
        Int8 => exact(3, true),
        Int16 => exact(5, true),
        Int32 => exact(10, true),
        Int64 => exact(19, true),
        UInt8 => exact(3, true),
        UInt16 => exact(5, true),
        UInt32 => exact(10, true),
        UInt64 => exact(20, false),
        Decimal32(p, s) | Decimal64(p, s) | Decimal128(p, s) => {
            Family::Exact { digits: p.saturating_sub((*s).max(0) as u8), scale: *s, fits_i64: false, wide: false }
        }
        Decimal256(p, s) => {
            Family::Exact { digits: p.saturating_sub((*s).max(0) as u8), scale: *s, fits_i64: false, wide: true }
        }
        Float16 | Float32 => Family::Float { bits: 32 },
        Float64 => Family::Float { bits: 64 },
        Utf8 | LargeUtf8 | Utf8View => Family::Text,
        Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => Family::Binary,
        Date32 | Date64 => Family::Date,
        Timestamp(unit, _) => Family::Timestamp(*unit),
        Time32(unit) | Time64(unit) => Family::Time(*unit),
        Dictionary(_, value) => family(value),
        _ => Family::Other,
    }
}

/// How a column pair is compared: the canonical form and whether it loses precision on either side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub canon: Canon,
    pub lossy: bool,
}

/// Chooses the canonical form for a column whose source and target types are given.
pub fn resolve(column: &str, source: &DataType, target: &DataType) -> Result<Resolution> {
    use Family::*;
    if nested::is_nested(source) || nested::is_nested(target) {
        let field = |d: &DataType| arrow::datatypes::Field::new(column, d.clone(), true);
        return resolve_fields(column, &field(source), &field(target));
    }
    let (a, b) = (family(source), family(target));
    let exact = |canon| Ok(Resolution { canon, lossy: false });
    let lossy = |canon| Ok(Resolution { canon, lossy: true });
    match (a, b) {
        (Other, _) | (_, Other) => Err(Error::column(
            column,
            format!("recon cannot compare {source} with {target}; leave the column out with --exclude {column}"),
        )),
        (Null, Null) => exact(Canon::Text),
        (Null, _) => resolve(column, target, target),
        (_, Null) => resolve(column, source, source),
        (Bool, Bool) => exact(Canon::Bool),
        (Exact { fits_i64: true, scale: 0, .. }, Exact { fits_i64: true, scale: 0, .. }) => exact(Canon::Int),
        (Exact { digits: d1, scale: s1, wide: w1, .. }, Exact { digits: d2, scale: s2, wide: w2, .. }) => {
            let scale = s1.max(s2).max(0);
            let digits = d1.max(d2) as u16 + scale as u16;
            if w1 || w2 || digits > 38 {
                exact(Canon::Decimal256 { precision: 76, scale })
            } else {
                exact(Canon::Decimal { precision: 38, scale })
            }
        }
        (Float { bits: x }, Float { bits: y }) if x == 32 || y == 32 => {
            Ok(Resolution { canon: Canon::Float32, lossy: x != y })
        }
        (Float { .. }, Float { .. }) => exact(Canon::Float64),
        (Float { .. }, Exact { scale, .. }) | (Exact { scale, .. }, Float { .. }) => {
            lossy(Canon::NumberText { scale: scale.max(0) })
        }
        (Text, Text) => exact(Canon::Text),
        (Text, Binary) | (Binary, Text) => exact(Canon::Binary),
        (Text, _) => exact(Canon::Parsed(Box::new(resolve(column, target, target)?.canon))),
        (_, Text) => exact(Canon::Parsed(Box::new(resolve(column, source, source)?.canon))),
        (Binary, Binary) => exact(Canon::Binary),
        (Date, Date) => exact(Canon::Date),
        (Date, Timestamp(_)) | (Timestamp(_), Date) => lossy(Canon::Date),
        (Timestamp(x), Timestamp(y)) => Ok(Resolution { canon: Canon::Timestamp(coarser(x, y)), lossy: x != y }),
        (Time(x), Time(y)) => Ok(Resolution { canon: Canon::Time(coarser(x, y)), lossy: x != y }),
        _ => Err(Error::column(
            column,
            format!("recon cannot compare {source} with {target}; leave the column out with --exclude {column}"),
        )),
    }
}

pub(crate) fn ticks_per_second(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    }
}

fn coarser(a: TimeUnit, b: TimeUnit) -> TimeUnit {
    if ticks_per_second(a) <= ticks_per_second(b) {
        a
    } else {
        b
    }
}

/// Casting must fail loudly: a value that does not fit becomes an error, never a NULL.
pub(crate) const STRICT: CastOptions =
    CastOptions { safe: false, format_options: arrow::util::display::FormatOptions::new() };

/// Casts one side's column to its canonical form under the side's policy.
pub fn canonicalize(array: &ArrayRef, canon: &Canon, policy: &SidePolicy) -> Result<ArrayRef, ArrowError> {
    let array = match array.data_type() {
        DataType::Dictionary(_, value) => cast_with_options(array, value, &STRICT)?,
        _ => array.clone(),
    };
    let to = |data_type: DataType| cast_with_options(&array, &data_type, &STRICT);
    match canon {
        Canon::Bool => to(DataType::Boolean),
        // Integers up to 64 bits are encoded as i64 whatever their width: no cast needed.
        Canon::Int => match array.data_type() {
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => Ok(array),
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 => Ok(array),
            _ => to(DataType::Int64),
        },
        // Precision and width do not enter the encoding, only the scale does.
        Canon::Decimal { precision, scale } => match array.data_type() {
            DataType::Decimal32(_, s) | DataType::Decimal64(_, s) | DataType::Decimal128(_, s) if s == scale => {
                Ok(array)
            }
            _ => to(DataType::Decimal128(*precision, *scale)),
        },
        Canon::Decimal256 { precision, scale } => to(DataType::Decimal256(*precision, *scale)),
        Canon::Float32 => to(DataType::Float32),
        Canon::Float64 => to(DataType::Float64),
        Canon::NumberText { scale } => number_text(&array, *scale),
        Canon::Text => {
            let text = match array.data_type() {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => array,
                _ => to(DataType::Utf8)?,
            };
            if policy.strings.any() {
                map_strings(&text, |v| policy.strings.apply(v))
            } else {
                Ok(text)
            }
        }
        Canon::Json => map_strings(&to(DataType::Utf8)?, |v| Some(canonical_json(v))),
        Canon::Uuid => map_strings(&to(DataType::Utf8)?, |v| Some(canonical_uuid(v))),
        Canon::Inet => map_strings(&to(DataType::Utf8)?, |v| Some(parse::inet(v).unwrap_or_else(|| parse::mark(v)))),
        Canon::Mac => map_strings(&to(DataType::Utf8)?, |v| Some(parse::mac(v).unwrap_or_else(|| parse::mark(v)))),
        Canon::Interval => {
            map_strings(&to(DataType::Utf8)?, |v| Some(parse::interval(v).unwrap_or_else(|| parse::mark(v))))
        }
        Canon::Parsed(inner) => match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => parse::parse_text(&array, inner, policy),
            _ => parse::render(&canonicalize(&array, inner, policy)?, inner),
        },
        Canon::DecimalText => decimal_text(&array),
        Canon::List(_) | Canon::Struct(_) | Canon::Map(..) => nested::canonical(&array, canon, policy),
        // Blanks go before the string rules: `--empty-as-null` sees a padded empty value as empty.
        Canon::Unpadded(inner) => canonicalize(&unpad(&array)?, inner, policy),
        Canon::Binary => match array.data_type() {
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView => Ok(array),
            _ => to(DataType::Binary),
        },
        Canon::Date => match array.data_type() {
            DataType::Timestamp(unit, _) => {
                let per_day = ticks_per_second(*unit) * 86_400;
                let days = instants(&array)?.unary::<_, arrow::datatypes::Date32Type>(|v| v.div_euclid(per_day) as i32);
                Ok(Arc::new(days))
            }
            DataType::Date64 => {
                let ms = cast_with_options(&array, &DataType::Int64, &STRICT)?;
                let days = ms
                    .as_primitive::<Int64Type>()
                    .unary::<_, arrow::datatypes::Date32Type>(|v| v.div_euclid(86_400_000) as i32);
                Ok(Arc::new(days))
            }
            _ => to(DataType::Date32),
        },
        Canon::Timestamp(unit) => {
            let unit = match policy.precision {
                Some(p) if ticks_per_second(p) < ticks_per_second(*unit) => p,
                _ => *unit,
            };
            let array = match (array.data_type(), policy.zone) {
                (DataType::Timestamp(_, None), Some(zone)) => in_zone(&array, zone)?,
                _ => array,
            };
            timestamps(&array, unit)
        }
        Canon::TimestampDigits { digits, cut } => {
            let array = match (array.data_type(), policy.zone) {
                (DataType::Timestamp(_, None), Some(zone)) => in_zone(&array, zone)?,
                _ => array,
            };
            let micros = timestamps(&array, TimeUnit::Microsecond)?;
            let cut: Int64Array = instants(&micros)?.unary(|v| parse::cut_micros(v, *digits, *cut));
            let cut: ArrayRef = Arc::new(cut.reinterpret_cast::<TimestampMicrosecondType>().with_timezone(UTC));
            match policy.precision {
                Some(p) if ticks_per_second(p) < ticks_per_second(TimeUnit::Microsecond) => timestamps(&cut, p),
                _ => Ok(cut),
            }
        }
        Canon::Time(unit) => match unit {
            TimeUnit::Second | TimeUnit::Millisecond => to(DataType::Time32(*unit)),
            _ => to(DataType::Time64(*unit)),
        },
    }
}

/// The raw i64 ticks of a timestamp array, whatever its unit and zone (Arrow stores UTC instants).
fn instants(array: &ArrayRef) -> Result<Int64Array, ArrowError> {
    let ticks = cast_with_options(array, &DataType::Int64, &STRICT)?;
    Ok(ticks.as_primitive::<Int64Type>().clone())
}

/// Timestamps as UTC instants in `unit`, truncated toward the past when the column holds a finer unit.
fn timestamps(array: &ArrayRef, unit: TimeUnit) -> Result<ArrayRef, ArrowError> {
    let DataType::Timestamp(from, _) = array.data_type() else {
        return cast_with_options(array, &DataType::Timestamp(unit, Some(UTC.into())), &STRICT);
    };
    let factor = ticks_per_second(*from) / ticks_per_second(unit);
    let ticks = instants(array)?;
    let ticks = if factor == 1 { ticks } else { ticks.unary(|v: i64| v.div_euclid(factor)) };
    Ok(match unit {
        TimeUnit::Second => Arc::new(ticks.reinterpret_cast::<TimestampSecondType>().with_timezone(UTC)),
        TimeUnit::Millisecond => Arc::new(ticks.reinterpret_cast::<TimestampMillisecondType>().with_timezone(UTC)),
        TimeUnit::Microsecond => Arc::new(ticks.reinterpret_cast::<TimestampMicrosecondType>().with_timezone(UTC)),
        TimeUnit::Nanosecond => Arc::new(ticks.reinterpret_cast::<TimestampNanosecondType>().with_timezone(UTC)),
    })
}

const UTC: &str = "+00:00";

/// Exact numbers and floats rendered as decimal text with exactly `scale` fraction digits.
fn number_text(array: &ArrayRef, scale: i8) -> Result<ArrayRef, ArrowError> {
    let digits = scale as usize;
    let text: StringArray = match array.data_type() {
        DataType::Float16 | DataType::Float32 => {
            let floats = cast_with_options(array, &DataType::Float32, &STRICT)?;
            floats
                .as_primitive::<Float32Type>()
                .iter()
                .map(|v| v.map(|v| float_text(v.to_string(), v.is_nan(), v.is_infinite(), digits)))
                .collect()
        }
        DataType::Float64 => array
            .as_primitive::<Float64Type>()
            .iter()
            .map(|v| v.map(|v| float_text(v.to_string(), v.is_nan(), v.is_infinite(), digits)))
            .collect(),
        _ => {
            let precision = if scale > 38 { 76 } else { 38 };
            let decimal = if precision > 38 {
                cast_with_options(array, &DataType::Decimal256(precision, scale), &STRICT)?
            } else {
                cast_with_options(array, &DataType::Decimal128(precision, scale), &STRICT)?
            };
            let text = cast_with_options(&decimal, &DataType::Utf8, &STRICT)?;
            text.as_string::<i32>().clone()
        }
    };
    Ok(Arc::new(text))
}

/// A float's shortest decimal form (`shortest`, as Rust prints it), rounded half away from zero to `digits`
/// fraction digits. NaN and infinities keep their names so they never equal a number.
fn float_text(shortest: String, nan: bool, infinite: bool, digits: usize) -> String {
    if nan {
        return "NaN".into();
    }
    if infinite {
        return if shortest.starts_with('-') { "-Infinity".into() } else { "Infinity".into() };
    }
    if digits == usize::MAX {
        return shortest;
    }
    round_decimal(&shortest, digits)
}

/// Rounds a plain decimal string (`-12.345`) half away from zero to `digits` fraction digits.
pub fn round_decimal(text: &str, digits: usize) -> String {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut all: Vec<u8> =
        int_part.bytes().chain(frac_part.bytes().chain(std::iter::repeat(b'0')).take(digits)).collect();
    if frac_part.as_bytes().get(digits).is_some_and(|d| *d >= b'5') {
        let mut i = all.len();
        loop {
            if i == 0 {
                all.insert(0, b'1');
                break;
            }
            i -= 1;
            if all[i] == b'9' {
                all[i] = b'0';
            } else {
                all[i] += 1;
                break;
            }
        }
    }
    let split = all.len() - digits;
    let (int_digits, frac_digits) = all.split_at(split);
    let int_digits = std::str::from_utf8(int_digits).unwrap_or("0").trim_start_matches('0');
    let int_digits = if int_digits.is_empty() { "0" } else { int_digits };
    let frac_digits = std::str::from_utf8(frac_digits).unwrap_or("");
    let zero = int_digits == "0" && frac_digits.bytes().all(|d| d == b'0');
    let sign = if negative && !zero { "-" } else { "" };
    if digits == 0 {
        format!("{sign}{int_digits}")
    } else {
        format!("{sign}{int_digits}.{frac_digits}")
    }
}

/// Strings or bytes without their trailing blanks (0x20, SQL's padding); other arrays as they are.
fn unpad(array: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            map_strings(array, |v| Some(v.trim_end_matches(' ').to_string()))
        }
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => {
            let bytes = cast_with_options(array, &DataType::Binary, &STRICT)?;
            let unpadded: arrow::array::BinaryArray = bytes
                .as_binary::<i32>()
                .iter()
                .map(|v| v.map(|v| &v[..v.iter().rposition(|b| *b != b' ').map_or(0, |i| i + 1)]))
                .collect();
            Ok(Arc::new(unpadded))
        }
        _ => Ok(array.clone()),
    }
}

/// Applies `f` to every string; `None` from `f` makes the value NULL.
fn map_strings(array: &ArrayRef, f: impl Fn(&str) -> Option<String>) -> Result<ArrayRef, ArrowError> {
    let text = cast_with_options(array, &DataType::Utf8, &STRICT)?;
    let mapped: StringArray = text.as_string::<i32>().iter().map(|v| v.and_then(&f)).collect();
    Ok(Arc::new(mapped))
}

/// JSON with object keys sorted and no insignificant whitespace; text that is not JSON stays as it is.
fn canonical_json(text: &str) -> String {
    fn write(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (i, (key, value)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(key.clone()).to_string());
                    out.push(':');
                    write(value, out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => {
            let mut out = String::with_capacity(text.len());
            write(&value, &mut out);
            out
        }
        Err(_) => text.to_string(),
    }
}

/// A UUID in lowercase hyphenated form, whatever case, braces or hyphens it was written with.
fn canonical_uuid(text: &str) -> String {
    let hex: String = text.trim().trim_start_matches('{').trim_end_matches('}').chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return text.to_string();
    }
    let hex = hex.to_ascii_lowercase();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Numbers as plain decimal text without trailing fraction zeros: `1.80` → `1.8`, `2.0` → `2`.
fn decimal_text(array: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let text = match array.data_type() {
        DataType::Float16 | DataType::Float32 | DataType::Float64 => {
            let floats = cast_with_options(array, &DataType::Float64, &STRICT)?;
            let rendered: StringArray = floats
                .as_primitive::<Float64Type>()
                .iter()
                .map(|v| v.map(|v| float_text(v.to_string(), v.is_nan(), v.is_infinite(), usize::MAX)))
                .collect();
            Arc::new(rendered) as ArrayRef
        }
        _ => {
            let text = cast_with_options(array, &DataType::Utf8, &STRICT)?;
            return map_strings(&text, |v| Some(parse::decimal(v).unwrap_or_else(|| parse::mark(v))));
        }
    };
    map_strings(&text, |v| Some(trim_decimal(v)))
}

pub(crate) fn trim_decimal(text: &str) -> String {
    let text = text.trim();
    let Some((int_part, frac)) = text.split_once('.') else {
        return if text == "-0" { "0".into() } else { text.to_string() };
    };
    let frac = frac.trim_end_matches('0');
    let out = if frac.is_empty() { int_part.to_string() } else { format!("{int_part}.{frac}") };
    if out == "-0" {
        "0".into()
    } else {
        out
    }
}

/// Zone-less timestamps read as wall-clock times in `zone`, turned into UTC instants. A wall-clock time
/// that occurs twice (clocks set back) is taken at its first occurrence; one that never occurs (clocks set
/// forward) is an error naming it.
fn in_zone(array: &ArrayRef, zone: chrono_tz::Tz) -> Result<ArrayRef, ArrowError> {
    use chrono::TimeZone;
    let DataType::Timestamp(unit, None) = array.data_type() else { return Ok(array.clone()) };
    let per_second = ticks_per_second(*unit);
    let ticks = instants(array)?;
    let mut shifted = Vec::with_capacity(ticks.len());
    for v in ticks.iter() {
        shifted.push(match v {
            None => None,
            Some(v) => {
                let (secs, sub) = (v.div_euclid(per_second), v.rem_euclid(per_second));
                let wall = chrono::DateTime::from_timestamp(secs, 0)
                    .ok_or_else(|| ArrowError::ComputeError(format!("timestamp {v} out of range")))?
                    .naive_utc();
                let local = zone.from_local_datetime(&wall).earliest().ok_or_else(|| {
                    ArrowError::ComputeError(format!("{wall} does not exist in {zone} (clocks were set forward)"))
                })?;
                Some(local.timestamp() * per_second + sub)
            }
        });
    }
    let shifted = Int64Array::from(shifted);
    Ok(match unit {
        TimeUnit::Second => Arc::new(shifted.reinterpret_cast::<TimestampSecondType>()) as ArrayRef,
        TimeUnit::Millisecond => Arc::new(shifted.reinterpret_cast::<TimestampMillisecondType>()),
        TimeUnit::Microsecond => Arc::new(shifted.reinterpret_cast::<TimestampMicrosecondType>()),
        TimeUnit::Nanosecond => Arc::new(shifted.reinterpret_cast::<TimestampNanosecondType>()),
    })
}

/// One side's view of the comparison: which columns to read, and how to make each canonical.
#[derive(Debug, Clone)]
pub struct SideColumns {
    /// Schema indices to read, ascending: readers return projected columns in this order.
    pub projection: Vec<usize>,
    pub keys: Vec<CanonColumn>,
    pub values: Vec<CanonColumn>,
    pub policy: SidePolicy,
    /// Keyless: `keys` are every compared column, so a NULL in one is a value, not a NULL key.
    pub whole_rows: bool,
}

/// A column as this side names it, where it sits in a projected batch, and its canonical form.
#[derive(Debug, Clone)]
pub struct CanonColumn {
    pub name: String,
    pub position: usize,
    pub canon: Canon,
    /// Float and decimal columns compared within a tolerance are hashed by bucket (see [`Within`]).
    pub tolerance: Option<Within>,
}

/// A batch's key and compared columns in canonical form, in comparison order.
pub struct Canonical {
    pub keys: Vec<ArrayRef>,
    pub values: Vec<ArrayRef>,
}

impl SideColumns {
    /// `keys` and `values` are (name, schema index, canonical form) in comparison order.
    pub fn new(
        keys: Vec<(String, usize, Canon)>,
        values: Vec<(String, usize, Canon)>,
        policy: SidePolicy,
        tolerances: Tolerances,
    ) -> Self {
        let mut projection: Vec<usize> = keys.iter().chain(&values).map(|(_, index, _)| *index).collect();
        projection.sort_unstable();
        projection.dedup();
        let place = |columns: Vec<(String, usize, Canon)>, tolerances: Tolerances| -> Vec<CanonColumn> {
            columns
                .into_iter()
                .map(|(name, index, canon)| CanonColumn {
                    name,
                    position: projection.binary_search(&index).unwrap_or_default(),
                    tolerance: tolerances.of(&canon),
                    canon,
                })
                .collect()
        };
        let (keys, values) = (place(keys, Tolerances::default()), place(values, tolerances));
        SideColumns { projection, keys, values, policy, whole_rows: false }
    }

    /// Casts a projected batch's columns to their canonical forms; a failure names the column.
    pub fn canonical(&self, batch: &arrow::array::RecordBatch, location: &str) -> Result<Canonical> {
        let convert = |columns: &[CanonColumn]| -> Result<Vec<ArrayRef>> {
            columns
                .iter()
                .map(|c| {
                    canonicalize(batch.column(c.position), &c.canon, &self.policy)
                        .map_err(|e| Error::arrow(format!("{location}: column {}", c.name), e))
                })
                .collect()
        };
        Ok(Canonical { keys: convert(&self.keys)?, values: convert(&self.values)? })
    }

    /// The compared columns as the digest hashes them: floats and decimals under a tolerance become their
    /// buckets.
    pub fn hashable(&self, values: &[ArrayRef]) -> Result<Vec<ArrayRef>, ArrowError> {
        self.values
            .iter()
            .zip(values)
            .map(|(column, array)| match column.tolerance {
                None => Ok(array.clone()),
                Some(Within::Float(tolerance)) => {
                    let floats = cast_with_options(array, &DataType::Float64, &STRICT)?;
                    let buckets: arrow::array::Decimal128Array =
                        floats.as_primitive::<Float64Type>().iter().map(|v| v.map(|v| tolerance.bucket(v))).collect();
                    Ok(Arc::new(buckets.with_precision_and_scale(38, 0)?) as ArrayRef)
                }
                Some(Within::Decimal(tolerance)) => {
                    let scale = match array.data_type() {
                        DataType::Decimal32(_, s)
                        | DataType::Decimal64(_, s)
                        | DataType::Decimal128(_, s)
                        | DataType::Decimal256(_, s) => *s,
                        other => return Err(ArrowError::CastError(format!("a decimal tolerance on {other}"))),
                    };
                    let wide = cast_with_options(array, &DataType::Decimal256(76, scale), &STRICT)?;
                    let buckets: arrow::array::Decimal256Array = wide
                        .as_primitive::<arrow::datatypes::Decimal256Type>()
                        .iter()
                        .map(|v| v.map(|v| tolerance.bucket(v)))
                        .collect();
                    Ok(Arc::new(buckets.with_precision_and_scale(76, 0)?) as ArrayRef)
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_away_from_zero_at_the_exact_scale() {
        assert_eq!(round_decimal("0.1", 2), "0.10");
        assert_eq!(round_decimal("0.285", 2), "0.29");
        assert_eq!(round_decimal("-0.285", 2), "-0.29");
        assert_eq!(round_decimal("9.995", 2), "10.00");
        assert_eq!(round_decimal("2", 0), "2");
        assert_eq!(round_decimal("2.5", 0), "3");
        assert_eq!(round_decimal("-0.001", 2), "0.00");
        assert_eq!(round_decimal("0.30000000000000004", 2), "0.30");
    }

    #[test]
    fn integers_of_any_width_share_one_form() {
        let r = resolve("n", &DataType::Int32, &DataType::Int64).unwrap();
        assert_eq!(r, Resolution { canon: Canon::Int, lossy: false });
        let r = resolve("n", &DataType::UInt64, &DataType::Int64).unwrap();
        assert_eq!(r.canon, Canon::Decimal { precision: 38, scale: 0 });
    }

    #[test]
    fn decimals_compare_at_the_larger_scale() {
        let r = resolve("d", &DataType::Decimal128(10, 1), &DataType::Decimal128(12, 2)).unwrap();
        assert_eq!(r.canon, Canon::Decimal { precision: 38, scale: 2 });
    }

    #[test]
    fn a_float_against_a_decimal_is_lossy_text_at_its_scale() {
        let r = resolve("d", &DataType::Float64, &DataType::Decimal128(10, 2)).unwrap();
        assert_eq!(r, Resolution { canon: Canon::NumberText { scale: 2 }, lossy: true });
    }

    #[test]
    fn nested_types_compare_as_values_and_against_flat_ones_are_refused_with_the_column_named() {
        let list = DataType::new_list(DataType::Int32, true);
        assert_eq!(resolve("tags", &list, &list).unwrap().canon, Canon::List(Box::new(Canon::Int)));
        assert_eq!(resolve("tags", &DataType::Null, &list).unwrap().canon, Canon::List(Box::new(Canon::Int)));
        let err = resolve("tags", &list, &DataType::Int32).unwrap_err().to_string();
        assert!(err.contains("tags") && err.contains("--exclude tags"), "{err}");
    }

    #[test]
    fn text_against_typed_is_parsed_and_text_against_bytes_is_bytes() {
        let r = resolve("n", &DataType::Utf8, &DataType::Decimal128(10, 2)).unwrap();
        assert_eq!(r.canon, Canon::Parsed(Box::new(Canon::Decimal { precision: 38, scale: 2 })));
        let policy = SidePolicy::default();
        let text: ArrayRef = Arc::new(StringArray::from(vec![Some("1.8"), Some("1,8"), None, Some("")]));
        let numbers: ArrayRef = Arc::new(
            arrow::array::Decimal128Array::from(vec![Some(180), Some(180), None, Some(0)])
                .with_precision_and_scale(10, 2)
                .unwrap(),
        );
        let text = canonicalize(&text, &r.canon, &policy).unwrap();
        let numbers = canonicalize(&numbers, &r.canon, &policy).unwrap();
        let (text, numbers) = (text.as_string::<i32>(), numbers.as_string::<i32>());
        assert_eq!(text.value(0), numbers.value(0));
        assert_eq!(text.value(1), "unparseable: 1,8");
        assert!(text.is_null(2) && numbers.is_null(2));
        assert_eq!((text.value(3), numbers.value(3)), ("unparseable: ", "0"), "empty text is no number, nor NULL");
        assert_eq!(resolve("b", &DataType::Utf8, &DataType::Binary).unwrap().canon, Canon::Binary);
    }
}
