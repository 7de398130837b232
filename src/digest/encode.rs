//! The canonical encoding of one value, the only bytes recon ever hashes or compares.
//!
//! A value is `tag (1 byte) | length (u32, little-endian) | payload`; a NULL is the single byte `NULL`.
//! The tag names the canonical type, the length makes every encoding self-delimiting, so no two different
//! values — and no value and NULL — share an encoding: there are no sentinel strings and no separators.
//! Payloads: integers, dates and instants little-endian; decimals their scale byte and unscaled integer;
//! floats their IEEE bits after `-0.0` → `0.0` and every NaN → one NaN; strings their UTF-8 bytes.

use arrow::array::{Array, ArrayAccessor, AsArray};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Decimal256Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, Time32MillisecondType, Time32SecondType, Time64MicrosecondType, Time64NanosecondType, TimeUnit,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type,
    UInt32Type, UInt8Type,
};
use arrow::error::ArrowError;

pub const NULL: u8 = 0x00;
const BOOL: u8 = 0x01;
const INT: u8 = 0x02;
const DECIMAL: u8 = 0x03;
const FLOAT: u8 = 0x04;
const TEXT: u8 = 0x05;
const BINARY: u8 = 0x06;
const DATE: u8 = 0x07;
const TIMESTAMP: u8 = 0x08;
const TIME: u8 = 0x09;

/// Version of the encoding and of the hashing over it, recorded in reports: fingerprints are comparable
/// only within one version. 2: one xxh3-128 per row over the concatenated encodings.
pub const ENCODING_VERSION: u32 = 2;

/// Calls `f(row, encoding)` for every row of a canonical array, NULLs included. One match per column,
/// then a loop specialised to the column's type: no dynamic dispatch per value.
pub fn for_each_encoding(array: &dyn Array, mut f: impl FnMut(usize, &[u8])) -> Result<(), ArrowError> {
    let f = &mut f;
    match array.data_type() {
        DataType::Boolean => visit(array.as_boolean(), BOOL, |v, b| b.push(v as u8), f),
        DataType::Int64 => visit(array.as_primitive::<Int64Type>(), INT, |v, b| b.extend(v.to_le_bytes()), f),
        // Narrower integers widen to i64: an integer's encoding never depends on its width.
        DataType::Int8 => visit(array.as_primitive::<Int8Type>(), INT, |v, b| b.extend((v as i64).to_le_bytes()), f),
        DataType::Int16 => visit(array.as_primitive::<Int16Type>(), INT, |v, b| b.extend((v as i64).to_le_bytes()), f),
        DataType::Int32 => visit(array.as_primitive::<Int32Type>(), INT, |v, b| b.extend((v as i64).to_le_bytes()), f),
        DataType::UInt8 => visit(array.as_primitive::<UInt8Type>(), INT, |v, b| b.extend((v as i64).to_le_bytes()), f),
        DataType::UInt16 => {
            visit(array.as_primitive::<UInt16Type>(), INT, |v, b| b.extend((v as i64).to_le_bytes()), f)
        }
        DataType::UInt32 => {
            visit(array.as_primitive::<UInt32Type>(), INT, |v, b| b.extend((v as i64).to_le_bytes()), f)
        }
        DataType::Decimal128(_, scale) => {
            let scale = *scale as u8;
            visit(array.as_primitive::<Decimal128Type>(), DECIMAL, |v, b| decimal(scale, &v.to_le_bytes(), b), f)
        }
        DataType::Decimal256(_, scale) => {
            let scale = *scale as u8;
            visit(array.as_primitive::<Decimal256Type>(), DECIMAL, |v, b| decimal(scale, &v.to_le_bytes(), b), f)
        }
        DataType::Float32 => {
            visit(array.as_primitive::<Float32Type>(), FLOAT, |v, b| b.extend(canonical_f32(v).to_le_bytes()), f)
        }
        DataType::Float64 => {
            visit(array.as_primitive::<Float64Type>(), FLOAT, |v, b| b.extend(canonical_f64(v).to_le_bytes()), f)
        }
        DataType::Utf8 => visit(array.as_string::<i32>(), TEXT, |v, b| b.extend_from_slice(v.as_bytes()), f),
        DataType::LargeUtf8 => visit(array.as_string::<i64>(), TEXT, |v, b| b.extend_from_slice(v.as_bytes()), f),
        DataType::Utf8View => visit(array.as_string_view(), TEXT, |v, b| b.extend_from_slice(v.as_bytes()), f),
        DataType::Binary => visit(array.as_binary::<i32>(), BINARY, |v, b| b.extend_from_slice(v), f),
        DataType::LargeBinary => visit(array.as_binary::<i64>(), BINARY, |v, b| b.extend_from_slice(v), f),
        DataType::BinaryView => visit(array.as_binary_view(), BINARY, |v, b| b.extend_from_slice(v), f),
        DataType::Date32 => visit(array.as_primitive::<Date32Type>(), DATE, |v, b| b.extend(v.to_le_bytes()), f),
        DataType::Timestamp(unit, _) => {
            let u = unit_byte(*unit);
            let put = move |v: i64, b: &mut Vec<u8>| {
                b.push(u);
                b.extend(v.to_le_bytes())
            };
            match unit {
                TimeUnit::Second => visit(array.as_primitive::<TimestampSecondType>(), TIMESTAMP, put, f),
                TimeUnit::Millisecond => visit(array.as_primitive::<TimestampMillisecondType>(), TIMESTAMP, put, f),
                TimeUnit::Microsecond => visit(array.as_primitive::<TimestampMicrosecondType>(), TIMESTAMP, put, f),
                TimeUnit::Nanosecond => visit(array.as_primitive::<TimestampNanosecondType>(), TIMESTAMP, put, f),
            }
        }
        DataType::Time32(unit) => {
            let u = unit_byte(*unit);
            let put = move |v: i32, b: &mut Vec<u8>| {
                b.push(u);
                b.extend((v as i64).to_le_bytes())
            };
            match unit {
                TimeUnit::Second => visit(array.as_primitive::<Time32SecondType>(), TIME, put, f),
                _ => visit(array.as_primitive::<Time32MillisecondType>(), TIME, put, f),
            }
        }
        DataType::Time64(unit) => {
            let u = unit_byte(*unit);
            let put = move |v: i64, b: &mut Vec<u8>| {
                b.push(u);
                b.extend(v.to_le_bytes())
            };
            match unit {
                TimeUnit::Nanosecond => visit(array.as_primitive::<Time64NanosecondType>(), TIME, put, f),
                _ => visit(array.as_primitive::<Time64MicrosecondType>(), TIME, put, f),
            }
        }
        other => return Err(ArrowError::NotYetImplemented(format!("no canonical encoding for {other}"))),
    }
    Ok(())
}

/// Calls `f(row, length)` with the length of every row's encoding, as [`for_each_encoding`] would make it.
pub fn for_each_length(array: &dyn Array, mut f: impl FnMut(usize, usize)) -> Result<(), ArrowError> {
    let fixed = |payload: usize| 5 + payload;
    let width = match array.data_type() {
        DataType::Boolean => fixed(1),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => fixed(8),
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 => fixed(8),
        DataType::Decimal128(..) => fixed(17),
        DataType::Decimal256(..) => fixed(33),
        DataType::Float32 | DataType::Date32 => fixed(4),
        DataType::Float64 => fixed(8),
        DataType::Timestamp(..) | DataType::Time32(_) | DataType::Time64(_) => fixed(9),
        DataType::Utf8 => return lengths(array.as_string::<i32>(), |v| v.len(), f),
        DataType::LargeUtf8 => return lengths(array.as_string::<i64>(), |v| v.len(), f),
        DataType::Utf8View => return lengths(array.as_string_view(), |v| v.len(), f),
        DataType::Binary => return lengths(array.as_binary::<i32>(), |v| v.len(), f),
        DataType::LargeBinary => return lengths(array.as_binary::<i64>(), |v| v.len(), f),
        DataType::BinaryView => return lengths(array.as_binary_view(), |v| v.len(), f),
        other => return Err(ArrowError::NotYetImplemented(format!("no canonical encoding for {other}"))),
    };
    for row in 0..array.len() {
        f(row, if array.is_null(row) { 1 } else { width });
    }
    Ok(())
}

fn lengths<A: ArrayAccessor>(
    array: A,
    len: impl Fn(A::Item) -> usize,
    mut f: impl FnMut(usize, usize),
) -> Result<(), ArrowError> {
    for row in 0..array.len() {
        f(row, if array.is_null(row) { 1 } else { 5 + len(array.value(row)) });
    }
    Ok(())
}

fn visit<A: ArrayAccessor>(array: A, tag: u8, write: impl Fn(A::Item, &mut Vec<u8>), f: &mut impl FnMut(usize, &[u8])) {
    let mut buf = Vec::with_capacity(64);
    let nullable = array.null_count() > 0;
    for row in 0..array.len() {
        buf.clear();
        if nullable && array.is_null(row) {
            buf.push(NULL);
        } else {
            buf.push(tag);
            buf.extend([0; 4]);
            write(array.value(row), &mut buf);
            let len = (buf.len() - 5) as u32;
            buf[1..5].copy_from_slice(&len.to_le_bytes());
        }
        f(row, &buf);
    }
}

fn decimal(scale: u8, unscaled: &[u8], buf: &mut Vec<u8>) {
    buf.push(scale);
    buf.extend_from_slice(unscaled);
}

fn unit_byte(unit: TimeUnit) -> u8 {
    match unit {
        TimeUnit::Second => 0,
        TimeUnit::Millisecond => 3,
        TimeUnit::Microsecond => 6,
        TimeUnit::Nanosecond => 9,
    }
}

pub fn canonical_f64(v: f64) -> u64 {
    if v.is_nan() {
        f64::NAN.to_bits()
    } else if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

pub fn canonical_f32(v: f32) -> u32 {
    if v.is_nan() {
        f32::NAN.to_bits()
    } else if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

/// Every row's encoding, for the few rows the row tier compares value by value.
pub fn encodings(array: &dyn Array) -> Result<Vec<Vec<u8>>, ArrowError> {
    let mut out = Vec::with_capacity(array.len());
    for_each_encoding(array, |_, enc| out.push(enc.to_vec()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, Int64Array, StringArray};

    #[test]
    fn null_empty_string_and_the_text_null_all_differ() {
        let text = StringArray::from(vec![None, Some(""), Some("NULL"), Some("<null>")]);
        let enc = encodings(&text).unwrap();
        assert_eq!(enc[0], vec![NULL]);
        assert_eq!(enc[1], vec![TEXT, 0, 0, 0, 0]);
        for i in 0..enc.len() {
            for j in i + 1..enc.len() {
                assert_ne!(enc[i], enc[j], "rows {i} and {j}");
            }
        }
    }

    #[test]
    fn negative_zero_and_all_nans_are_one_value() {
        let floats = Float64Array::from(vec![0.0, -0.0, f64::NAN, -f64::NAN, f64::from_bits(0x7ff8_0000_0000_0001)]);
        let enc = encodings(&floats).unwrap();
        assert_eq!(enc[0], enc[1]);
        assert_eq!(enc[2], enc[3]);
        assert_eq!(enc[2], enc[4]);
        assert_ne!(enc[0], enc[2]);
    }

    #[test]
    fn integers_encode_alike_whatever_their_width() {
        use arrow::array::{Int32Array, UInt16Array};
        let wide = encodings(&Int64Array::from(vec![-5, 7])).unwrap();
        assert_eq!(encodings(&Int32Array::from(vec![-5, 7])).unwrap(), wide);
        assert_eq!(encodings(&UInt16Array::from(vec![7])).unwrap()[0], wide[1]);
    }

    #[test]
    fn lengths_are_those_of_the_encodings() {
        use arrow::array::{BooleanArray, Date32Array, Decimal128Array};
        let arrays: Vec<arrow::array::ArrayRef> = vec![
            std::sync::Arc::new(StringArray::from(vec![Some("héllo"), None, Some("")])),
            std::sync::Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])),
            std::sync::Arc::new(Float64Array::from(vec![1.0, 2.0, f64::NAN])),
            std::sync::Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)])),
            std::sync::Arc::new(Date32Array::from(vec![1, 2, 3])),
            std::sync::Arc::new(Decimal128Array::from(vec![1, 2, 3]).with_precision_and_scale(10, 2).unwrap()),
        ];
        for array in arrays {
            let mut lengths = Vec::new();
            for_each_length(array.as_ref(), |_, len| lengths.push(len)).unwrap();
            let encoded: Vec<usize> = encodings(array.as_ref()).unwrap().iter().map(Vec::len).collect();
            assert_eq!(lengths, encoded, "{}", array.data_type());
        }
    }

    #[test]
    fn an_integer_and_a_string_of_the_same_bytes_differ_by_tag() {
        let ints = encodings(&Int64Array::from(vec![0x41])).unwrap();
        let text = encodings(&StringArray::from(vec!["A\0\0\0\0\0\0\0"])).unwrap();
        assert_ne!(ints[0], text[0]);
    }
}
