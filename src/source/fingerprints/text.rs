//! The `md5-canonical-text-v1` encoding written by recon itself, for a side of files against a database under
//! `--pushdown`: each canonical value as exactly the text the servers' SQL writes for its [`Form`]
//! (`source/sql/pushdown.rs`), framed `S<bytes>:<text>` or `N`, and the key and row hashes over those texts
//! (`queries/pushdown_postgres.sql`). A file row and a database row hash alike exactly when their canonical
//! values are equal.

use std::fmt::Write as _;
use std::io::Write as _;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast_with_options;
use arrow::datatypes::{DataType, Date32Type, Float32Type, Float64Type, Int64Type, TimeUnit};
use arrow::error::ArrowError;
use md5::{Digest, Md5};

use super::Form;
use crate::normalize::{trim_decimal, STRICT};

/// One row's hashes: the key hash's first 64 bits (its first 16 hex digits name every bucket) and the row
/// hash's two 64-bit halves, as the servers sum them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowHashes {
    pub key: u64,
    pub hi: u64,
    pub lo: u64,
}

/// The hashes of rows whose key texts and compared-value texts are `keys` and `values`: the key hash is md5 of
/// the key text, the row hash md5 of the key hash's hex text followed by the value text.
pub fn row_hashes(key_text: &[u8], value_text: &[u8]) -> RowHashes {
    let key = Md5::digest(key_text);
    let mut hex = [0u8; 32];
    for (i, byte) in key.iter().enumerate() {
        hex[2 * i] = HEX[(byte >> 4) as usize];
        hex[2 * i + 1] = HEX[(byte & 15) as usize];
    }
    let row = Md5::new().chain_update(hex).chain_update(value_text).finalize();
    let half = |bytes: &[u8]| u64::from_be_bytes(bytes.try_into().unwrap_or_default());
    RowHashes { key: half(&key[..8]), hi: half(&row[..8]), lo: half(&row[8..]) }
}

const HEX: [u8; 16] = *b"0123456789abcdef";

/// Appends to each row's text the encoding of its value in `array` (a canonical array) as `form`:
/// `S<bytes>:<text>`, or `N` for NULL. `rows` holds one buffer per row of `array`.
pub fn append(array: &ArrayRef, form: Form, rows: &mut [Vec<u8>]) -> Result<(), ArrowError> {
    match form {
        Form::Integer => frame(rows, as_text(array)?.iter()),
        Form::Decimal => decimal(array, rows),
        Form::Boolean => boolean(array, rows),
        Form::Date => date(array, rows),
        Form::Instant => instant(array, rows),
        Form::Uuid | Form::Text | Form::Unpadded => frame(rows, as_text(array)?.iter()),
        Form::Float64Bits => float64_bits(array, rows),
        Form::Float32Bits => float32_bits(array, rows),
    }
}

/// Writes each value's text framed, NULL as `N`.
fn frame<T: std::fmt::Display>(
    rows: &mut [Vec<u8>],
    values: impl Iterator<Item = Option<T>>,
) -> Result<(), ArrowError> {
    let mut text = String::new();
    for (row, value) in rows.iter_mut().zip(values) {
        match value {
            None => row.push(b'N'),
            Some(value) => {
                text.clear();
                let _ = write!(text, "{value}");
                let _ = write!(row, "S{}:", text.len());
                row.extend_from_slice(text.as_bytes());
            }
        }
    }
    Ok(())
}

/// The array as UTF-8 text: integers in decimal, text as it is.
fn as_text(array: &ArrayRef) -> Result<arrow::array::StringArray, ArrowError> {
    let text = cast_with_options(array, &DataType::Utf8, &STRICT)?;
    Ok(text.as_string::<i32>().clone())
}

/// Decimal text without exponent or trailing fraction zeros (`1.80` → `1.8`, `0.00` → `0`): PostgreSQL's
/// `trim_scale`.
fn decimal(array: &ArrayRef, rows: &mut [Vec<u8>]) -> Result<(), ArrowError> {
    let text = as_text(array)?;
    frame(rows, text.iter().map(|v| v.map(trim_decimal)))
}

/// `1` or `0`.
fn boolean(array: &ArrayRef, rows: &mut [Vec<u8>]) -> Result<(), ArrowError> {
    let values = expect(array, &DataType::Boolean)?.as_boolean().clone();
    frame(rows, values.iter().map(|v| v.map(|v| if v { '1' } else { '0' })))
}

/// Days since 1970-01-01.
fn date(array: &ArrayRef, rows: &mut [Vec<u8>]) -> Result<(), ArrowError> {
    frame(rows, expect(array, &DataType::Date32)?.as_primitive::<Date32Type>().iter())
}

/// Microseconds since 1970-01-01 00:00:00 UTC.
fn instant(array: &ArrayRef, rows: &mut [Vec<u8>]) -> Result<(), ArrowError> {
    if !matches!(array.data_type(), DataType::Timestamp(TimeUnit::Microsecond, _)) {
        return Err(unexpected(array, "microsecond timestamps"));
    }
    let ticks = cast_with_options(array, &DataType::Int64, &STRICT)?;
    frame(rows, ticks.as_primitive::<Int64Type>().iter())
}

/// A double's IEEE 754 bits in hex, big-endian, after `-0.0` → `0.0` and every NaN → one NaN: PostgreSQL's
/// `encode(float8send(…), 'hex')`.
fn float64_bits(array: &ArrayRef, rows: &mut [Vec<u8>]) -> Result<(), ArrowError> {
    let values = cast_with_options(array, &DataType::Float64, &STRICT)?;
    let bits = |v: f64| match v {
        _ if v == 0.0 => 0,
        _ if v.is_nan() => f64::NAN.to_bits(),
        _ => v.to_bits(),
    };
    frame(rows, values.as_primitive::<Float64Type>().iter().map(|v| v.map(|v| format!("{:016x}", bits(v)))))
}

/// As [`float64_bits`], for a single-precision value (`float4send`).
fn float32_bits(array: &ArrayRef, rows: &mut [Vec<u8>]) -> Result<(), ArrowError> {
    let values = expect(array, &DataType::Float32)?;
    let bits = |v: f32| match v {
        _ if v == 0.0 => 0,
        _ if v.is_nan() => f32::NAN.to_bits(),
        _ => v.to_bits(),
    };
    frame(rows, values.as_primitive::<Float32Type>().iter().map(|v| v.map(|v| format!("{:08x}", bits(v)))))
}

/// `array` itself when it has `data_type`, which its canonical form promises.
fn expect<'a>(array: &'a ArrayRef, data_type: &DataType) -> Result<&'a ArrayRef, ArrowError> {
    match array.data_type() == data_type {
        true => Ok(array),
        false => Err(unexpected(array, &data_type.to_string())),
    }
}

fn unexpected(array: &ArrayRef, wanted: &str) -> ArrowError {
    ArrowError::CastError(format!("canonical text wants {wanted}, not {}", array.data_type()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{BooleanArray, Date32Array, Decimal128Array, Float64Array, StringArray};

    use super::*;

    fn texts(array: ArrayRef, form: Form) -> Vec<String> {
        let mut rows = vec![Vec::new(); array.len()];
        append(&array, form, &mut rows).expect("encodes");
        rows.into_iter().map(|r| String::from_utf8(r).expect("utf-8")).collect()
    }

    #[test]
    fn values_are_framed_and_written_as_the_servers_write_them() {
        let decimals = Decimal128Array::from(vec![Some(180), Some(0), Some(-5), None]).with_precision_and_scale(10, 2);
        let decimals: ArrayRef = Arc::new(decimals.expect("valid"));
        assert_eq!(texts(decimals, Form::Decimal), ["S3:1.8", "S1:0", "S5:-0.05", "N"]);
        let bools: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), Some(false), None]));
        assert_eq!(texts(bools, Form::Boolean), ["S1:1", "S1:0", "N"]);
        let dates: ArrayRef = Arc::new(Date32Array::from(vec![-1, 0, 19000]));
        assert_eq!(texts(dates, Form::Date), ["S2:-1", "S1:0", "S5:19000"]);
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![-0.0, 1.0, f64::NAN, -f64::NAN]));
        let bits = ["S16:0000000000000000", "S16:3ff0000000000000", "S16:7ff8000000000000", "S16:7ff8000000000000"];
        assert_eq!(texts(floats, Form::Float64Bits), bits);
        let text: ArrayRef = Arc::new(StringArray::from(vec![Some("é"), None]));
        assert_eq!(texts(text, Form::Text), ["S2:é", "N"]);
    }

    #[test]
    fn the_row_hash_covers_the_key_hash_text_then_the_values() {
        let hashes = row_hashes(b"S1:1", b"");
        let key = Md5::digest(b"S1:1");
        assert_eq!(hashes.key, u64::from_be_bytes(key[..8].try_into().expect("8 bytes")));
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        let row = Md5::digest(format!("{hex}S2:ab").as_bytes());
        let with_values = row_hashes(b"S1:1", b"S2:ab");
        assert_eq!(with_values.hi, u64::from_be_bytes(row[..8].try_into().expect("8 bytes")));
        assert_eq!(with_values.lo, u64::from_be_bytes(row[8..].try_into().expect("8 bytes")));
    }
}
