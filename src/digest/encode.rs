//! The canonical encoding of one value, the only bytes recon ever hashes or compares.
//!
//! A value is `tag (1 byte) | payload` for fixed-width types, whose tag fixes the payload's width, and
//! `tag | length (LEB128 varint) | bytes` for strings and binaries; a NULL is the single byte `NULL`. The tag
//! names the canonical type and every encoding is self-delimiting, so no two different values — and no
//! value and NULL — share an encoding, and a row's concatenated encodings split into values one way only:
//! there are no sentinel strings and no separators.
//! Payloads: integers, dates and instants little-endian; decimals their scale byte and unscaled integer;
//! floats their IEEE bits after `-0.0` → `0.0` and every NaN → one NaN; strings their UTF-8 bytes.
//!
//! Nested values are `tag | count (LEB128 varint) | the encodings of their parts`: a list its elements in
//! order, a struct its fields in the canonical order (`normalize::Canon::Struct`), a map its entries — key
//! then value — sorted by their bytes, so that entry order never matters. The parts are self-delimiting, so
//! the count fixes where a nested value ends: a NULL list (`00`), an empty list (`0c 00`) and a list holding
//! one NULL (`0c 01 00`) differ, and no element boundary can move (`[[1],[]]` against `[[],[1]]`).

use arrow::array::{Array, ArrayAccessor, AsArray, GenericByteViewArray, PrimitiveArray};
use arrow::array::{ByteView, MAX_INLINE_VIEW_LEN};
use arrow::datatypes::ByteViewType;
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Date32Type, Decimal128Type, Decimal256Type, Decimal32Type, Decimal64Type,
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, Time32MillisecondType, Time32SecondType,
    Time64MicrosecondType, Time64NanosecondType, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt8Type,
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
const DECIMAL256: u8 = 0x0a;
const FLOAT32: u8 = 0x0b;
const LIST: u8 = 0x0c;
const STRUCT: u8 = 0x0d;
const MAP: u8 = 0x0e;

/// Version of the encoding and of the hashing over it, recorded in reports: fingerprints are comparable
/// only within one version. 2: one xxh3-128 per row over the concatenated encodings. 3: no length after
/// fixed-width tags, varint lengths for strings. 4: the same bytes, new canonical forms for some column
/// pairs (CHAR(n) without trailing blanks, text parsed against a typed column, timestamps at the coarser
/// declared precision, MySQL FLOAT read exactly), so such columns hash differently than under 3.
pub const ENCODING_VERSION: u32 = 4;

/// Writes the encodings of rows `start..start + cursor.len()` of a canonical array into `bytes`, row
/// `start + i` at `cursor[i]`, advancing the cursor. One match per column, then a loop specialised to the
/// column's type; fixed-width encodings are written as fixed-size copies. Rows are addressed by offset, not
/// by slicing the array, so that small slices of rows cost no `slice` of every column.
pub fn encode_into(array: &dyn Array, start: usize, bytes: &mut [u8], cursor: &mut [usize]) -> Result<(), ArrowError> {
    let mut out = Out { bytes, cursor, start };
    let widen = |v: i64| v.to_le_bytes();
    match array.data_type() {
        DataType::Boolean => {
            let array = array.as_boolean();
            for row in 0..out.cursor.len() {
                let at = out.start + row;
                match array.is_valid(at) {
                    true => out.fixed(row, [BOOL], [array.value(at) as u8]),
                    false => out.null(row),
                }
            }
        }
        // Integers of every width are encoded as i64: an integer's encoding never depends on its width.
        DataType::Int64 => out.primitive(array.as_primitive::<Int64Type>(), INT, widen),
        DataType::Int8 => out.primitive(array.as_primitive::<Int8Type>(), INT, |v| widen(v as i64)),
        DataType::Int16 => out.primitive(array.as_primitive::<Int16Type>(), INT, |v| widen(v as i64)),
        DataType::Int32 => out.primitive(array.as_primitive::<Int32Type>(), INT, |v| widen(v as i64)),
        DataType::UInt8 => out.primitive(array.as_primitive::<UInt8Type>(), INT, |v| widen(v as i64)),
        DataType::UInt16 => out.primitive(array.as_primitive::<UInt16Type>(), INT, |v| widen(v as i64)),
        DataType::UInt32 => out.primitive(array.as_primitive::<UInt32Type>(), INT, |v| widen(v as i64)),
        // A decimal's encoding never depends on its width either: 32- and 64-bit ones are written as 128-bit.
        DataType::Decimal128(_, scale) => {
            out.led(array.as_primitive::<Decimal128Type>(), [DECIMAL, *scale as u8], |v| v.to_le_bytes())
        }
        DataType::Decimal64(_, scale) => {
            out.led(array.as_primitive::<Decimal64Type>(), [DECIMAL, *scale as u8], |v| (v as i128).to_le_bytes())
        }
        DataType::Decimal32(_, scale) => {
            out.led(array.as_primitive::<Decimal32Type>(), [DECIMAL, *scale as u8], |v| (v as i128).to_le_bytes())
        }
        DataType::Decimal256(_, scale) => {
            out.led(array.as_primitive::<Decimal256Type>(), [DECIMAL256, *scale as u8], |v| v.to_le_bytes())
        }
        DataType::Float32 => {
            out.primitive(array.as_primitive::<Float32Type>(), FLOAT32, |v| canonical_f32(v).to_le_bytes())
        }
        DataType::Float64 => {
            out.primitive(array.as_primitive::<Float64Type>(), FLOAT, |v| canonical_f64(v).to_le_bytes())
        }
        DataType::Utf8 => out.bytes(array.as_string::<i32>(), TEXT),
        DataType::LargeUtf8 => out.bytes(array.as_string::<i64>(), TEXT),
        DataType::Utf8View => out.views(array.as_string_view(), TEXT),
        DataType::Binary => out.bytes(array.as_binary::<i32>(), BINARY),
        DataType::LargeBinary => out.bytes(array.as_binary::<i64>(), BINARY),
        DataType::BinaryView => out.views(array.as_binary_view(), BINARY),
        DataType::Date32 => out.primitive(array.as_primitive::<Date32Type>(), DATE, |v| v.to_le_bytes()),
        DataType::Timestamp(unit, _) => {
            let lead = [TIMESTAMP, unit_byte(*unit)];
            let put = |v: i64| v.to_le_bytes();
            match unit {
                TimeUnit::Second => out.led(array.as_primitive::<TimestampSecondType>(), lead, put),
                TimeUnit::Millisecond => out.led(array.as_primitive::<TimestampMillisecondType>(), lead, put),
                TimeUnit::Microsecond => out.led(array.as_primitive::<TimestampMicrosecondType>(), lead, put),
                TimeUnit::Nanosecond => out.led(array.as_primitive::<TimestampNanosecondType>(), lead, put),
            }
        }
        DataType::Time32(unit) => {
            let lead = [TIME, unit_byte(*unit)];
            let put = |v: i32| (v as i64).to_le_bytes();
            match unit {
                TimeUnit::Second => out.led(array.as_primitive::<Time32SecondType>(), lead, put),
                _ => out.led(array.as_primitive::<Time32MillisecondType>(), lead, put),
            }
        }
        DataType::Time64(unit) => {
            let lead = [TIME, unit_byte(*unit)];
            let put = |v: i64| v.to_le_bytes();
            match unit {
                TimeUnit::Nanosecond => out.led(array.as_primitive::<Time64NanosecondType>(), lead, put),
                _ => out.led(array.as_primitive::<Time64MicrosecondType>(), lead, put),
            }
        }
        DataType::Null | DataType::List(_) | DataType::LargeList(_) | DataType::Struct(_) | DataType::Map(..) => {
            for (row, value) in nested_rows(array, start, out.cursor.len())?.iter().enumerate() {
                let at = &mut out.cursor[row];
                out.bytes[*at..*at + value.len()].copy_from_slice(value);
                *at += value.len();
            }
        }
        other => return Err(ArrowError::NotYetImplemented(format!("no canonical encoding for {other}"))),
    }
    Ok(())
}

/// The encodings of rows `start..start + rows` of a nested array (or of an array of NULLs), one by one: the
/// parts of every row are encoded once as a column, then assembled per row.
fn nested_rows(array: &dyn Array, start: usize, rows: usize) -> Result<Vec<Vec<u8>>, ArrowError> {
    let valid = |row: usize| array.is_valid(start + row);
    let mut out = Vec::with_capacity(rows);
    match array.data_type() {
        DataType::List(_) => list_rows(array.as_list::<i32>(), start, rows, &mut out)?,
        DataType::LargeList(_) => list_rows(array.as_list::<i64>(), start, rows, &mut out)?,
        DataType::Struct(_) => {
            let array = array.as_struct();
            let fields: Vec<Vec<Vec<u8>>> =
                array.columns().iter().map(|c| encodings(c.slice(start, rows).as_ref())).collect::<Result<_, _>>()?;
            for row in 0..rows {
                out.push(match valid(row) {
                    false => vec![NULL],
                    true => {
                        let mut value = head(STRUCT, fields.len());
                        fields.iter().for_each(|f| value.extend_from_slice(&f[row]));
                        value
                    }
                });
            }
        }
        DataType::Map(..) => {
            let map = array.as_map();
            let offsets = map.value_offsets();
            let (first, last) = (offsets[start] as usize, offsets[start + rows] as usize);
            let keys = encodings(map.keys().slice(first, last - first).as_ref())?;
            let values = encodings(map.values().slice(first, last - first).as_ref())?;
            for row in 0..rows {
                if !valid(row) {
                    out.push(vec![NULL]);
                    continue;
                }
                let range = offsets[start + row] as usize - first..offsets[start + row + 1] as usize - first;
                let mut pairs: Vec<Vec<u8>> = range.clone().map(|e| [&keys[e][..], &values[e][..]].concat()).collect();
                pairs.sort_unstable();
                let mut value = head(MAP, range.len());
                pairs.iter().for_each(|p| value.extend_from_slice(p));
                out.push(value);
            }
        }
        _ => out.resize(rows, vec![NULL]),
    }
    Ok(out)
}

fn list_rows<O: arrow::array::OffsetSizeTrait>(
    array: &arrow::array::GenericListArray<O>,
    start: usize,
    rows: usize,
    out: &mut Vec<Vec<u8>>,
) -> Result<(), ArrowError> {
    let offsets = array.value_offsets();
    let (first, last) = (offsets[start].as_usize(), offsets[start + rows].as_usize());
    let elements = encodings(array.values().slice(first, last - first).as_ref())?;
    for row in start..start + rows {
        if array.is_null(row) {
            out.push(vec![NULL]);
            continue;
        }
        let range = offsets[row].as_usize() - first..offsets[row + 1].as_usize() - first;
        let mut value = head(LIST, range.len());
        elements[range].iter().for_each(|e| value.extend_from_slice(e));
        out.push(value);
    }
    Ok(())
}

/// A nested value's tag and its count of parts as a LEB128 varint.
fn head(tag: u8, count: usize) -> Vec<u8> {
    let mut value = vec![tag];
    let mut n = count;
    while n >= 0x80 {
        value.push((n as u8) | 0x80);
        n >>= 7;
    }
    value.push(n as u8);
    value
}

/// Where encodings go: one slot per row, filled from its cursor on; row `i` is the array's row `start + i`.
struct Out<'a> {
    bytes: &'a mut [u8],
    cursor: &'a mut [usize],
    start: usize,
}

impl Out<'_> {
    fn null(&mut self, row: usize) {
        put_null(self.bytes, &mut self.cursor[row]);
    }

    fn fixed<const L: usize, const N: usize>(&mut self, row: usize, lead: [u8; L], payload: [u8; N]) {
        put_fixed(self.bytes, &mut self.cursor[row], lead, payload);
    }

    fn primitive<T: ArrowPrimitiveType, const N: usize>(
        &mut self,
        array: &PrimitiveArray<T>,
        tag: u8,
        payload: impl Fn(T::Native) -> [u8; N],
    ) {
        self.led(array, [tag], payload)
    }

    /// Every value of a primitive array, with a loop free of NULL checks when it has no NULLs.
    fn led<T: ArrowPrimitiveType, const L: usize, const N: usize>(
        &mut self,
        array: &PrimitiveArray<T>,
        lead: [u8; L],
        payload: impl Fn(T::Native) -> [u8; N],
    ) {
        let values = &array.values()[self.start..self.start + self.cursor.len()];
        match array.nulls().filter(|n| n.null_count() > 0) {
            None => {
                for (at, value) in self.cursor.iter_mut().zip(values) {
                    put_fixed(self.bytes, at, lead, payload(*value));
                }
            }
            Some(nulls) => {
                for (row, value) in values.iter().enumerate() {
                    match nulls.is_valid(self.start + row) {
                        true => self.fixed(row, lead, payload(*value)),
                        false => self.null(row),
                    }
                }
            }
        }
    }

    fn bytes<A: ArrayAccessor>(&mut self, array: A, tag: u8)
    where
        A::Item: AsRef<[u8]>,
    {
        for row in 0..self.cursor.len() {
            let at = self.start + row;
            match array.is_null(at) {
                true => self.null(row),
                false => put_string(self.bytes, &mut self.cursor[row], tag, array.value(at).as_ref()),
            }
        }
    }

    /// A view array read through its views: a short value lies in the view itself, a long one in a buffer.
    fn views<T: ByteViewType + ?Sized>(&mut self, array: &GenericByteViewArray<T>, tag: u8) {
        let buffers = array.data_buffers();
        let nulls = array.nulls().filter(|n| n.null_count() > 0);
        let views = &array.views()[self.start..self.start + self.cursor.len()];
        for (row, (at, view)) in self.cursor.iter_mut().zip(views).enumerate() {
            if nulls.is_some_and(|n| n.is_null(self.start + row)) {
                put_null(self.bytes, at);
                continue;
            }
            let len = *view as u32 as usize;
            if len <= MAX_INLINE_VIEW_LEN as usize {
                let inline = view.to_le_bytes();
                put_string(self.bytes, at, tag, &inline[4..4 + len]);
            } else {
                let view = ByteView::from(*view);
                let start = view.offset as usize;
                put_string(self.bytes, at, tag, &buffers[view.buffer_index as usize][start..start + len]);
            }
        }
    }
}

fn put_null(bytes: &mut [u8], at: &mut usize) {
    bytes[*at] = NULL;
    *at += 1;
}

/// `lead` bytes (a tag, and for some types a scale or unit) then a fixed-width payload, at `*at`.
#[inline]
fn put_fixed<const L: usize, const N: usize>(bytes: &mut [u8], at: &mut usize, lead: [u8; L], payload: [u8; N]) {
    let slot = &mut bytes[*at..*at + L + N];
    slot[..L].copy_from_slice(&lead);
    slot[L..].copy_from_slice(&payload);
    *at += L + N;
}

/// Tag, LEB128 length and bytes at `*at`, written into a slot cut once (one bounds check, not one per byte).
#[inline]
fn put_string(bytes: &mut [u8], at: &mut usize, tag: u8, value: &[u8]) {
    let head = 1 + varint_len(value.len());
    let slot = &mut bytes[*at..*at + head + value.len()];
    slot[0] = tag;
    let mut len = value.len();
    for byte in &mut slot[1..head - 1] {
        *byte = (len as u8) | 0x80;
        len >>= 7;
    }
    slot[head - 1] = len as u8;
    match value.len() {
        0..=32 => copy_short(&mut slot[head..], value),
        _ => slot[head..].copy_from_slice(value),
    }
    *at += head + value.len();
}

/// Copies a value of at most 32 bytes as two fixed-size moves that overlap in the middle: most strings in a
/// table are this short, and a call into `memcpy` for each cost more than the copy itself.
#[inline]
fn copy_short(to: &mut [u8], from: &[u8]) {
    let n = from.len();
    if n >= 16 {
        to[..16].copy_from_slice(&from[..16]);
        to[n - 16..n].copy_from_slice(&from[n - 16..]);
    } else if n >= 8 {
        to[..8].copy_from_slice(&from[..8]);
        to[n - 8..n].copy_from_slice(&from[n - 8..]);
    } else if n >= 4 {
        to[..4].copy_from_slice(&from[..4]);
        to[n - 4..n].copy_from_slice(&from[n - 4..]);
    } else {
        to[..n].iter_mut().zip(from).for_each(|(t, f)| *t = *f);
    }
}

/// Adds the length of the encoding of row `start + i`, as [`encode_into`] writes it, to `lengths[i]`.
pub fn add_lengths(array: &dyn Array, start: usize, lengths: &mut [usize]) -> Result<(), ArrowError> {
    let width = match array.data_type() {
        DataType::Boolean => 2,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => 9,
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 => 9,
        DataType::Decimal32(..) | DataType::Decimal64(..) | DataType::Decimal128(..) => 18,
        DataType::Decimal256(..) => 34,
        DataType::Float32 | DataType::Date32 => 5,
        DataType::Float64 => 9,
        DataType::Timestamp(..) | DataType::Time32(_) | DataType::Time64(_) => 10,
        DataType::Utf8 => return add_byte_lengths(array.as_string::<i32>(), start, lengths),
        DataType::LargeUtf8 => return add_byte_lengths(array.as_string::<i64>(), start, lengths),
        DataType::Utf8View => return add_view_lengths(array.as_string_view(), start, lengths),
        DataType::Binary => return add_byte_lengths(array.as_binary::<i32>(), start, lengths),
        DataType::LargeBinary => return add_byte_lengths(array.as_binary::<i64>(), start, lengths),
        DataType::BinaryView => return add_view_lengths(array.as_binary_view(), start, lengths),
        DataType::Null | DataType::List(_) | DataType::LargeList(_) | DataType::Struct(_) | DataType::Map(..) => {
            return add_nested_lengths(array, start, lengths);
        }
        other => return Err(ArrowError::NotYetImplemented(format!("no canonical encoding for {other}"))),
    };
    match array.logical_nulls().filter(|n| n.null_count() > 0) {
        None => lengths.iter_mut().for_each(|l| *l += width),
        Some(nulls) => {
            let valid = (start..).map(|row| nulls.is_valid(row));
            lengths.iter_mut().zip(valid).for_each(|(l, valid)| *l += if valid { width } else { 1 })
        }
    }
    Ok(())
}

/// The lengths of nested encodings from their parts' lengths, without writing them: a head (tag and count)
/// and the parts, or 1 for a NULL.
fn add_nested_lengths(array: &dyn Array, start: usize, lengths: &mut [usize]) -> Result<(), ArrowError> {
    let rows = lengths.len();
    match array.data_type() {
        DataType::List(_) | DataType::LargeList(_) | DataType::Map(..) => {
            let (values, offsets): (Vec<&dyn Array>, Vec<usize>) = match array.data_type() {
                DataType::List(_) => {
                    let list = array.as_list::<i32>();
                    (vec![list.values().as_ref()], window(list.value_offsets(), start, rows))
                }
                DataType::LargeList(_) => {
                    let list = array.as_list::<i64>();
                    (vec![list.values().as_ref()], window(list.value_offsets(), start, rows))
                }
                _ => {
                    let map = array.as_map();
                    let parts = vec![map.keys().as_ref(), map.values().as_ref()];
                    (parts, window(map.value_offsets(), start, rows))
                }
            };
            let (first, last) = (offsets[0], offsets[rows]);
            // Per entry, its parts' lengths side by side (a map's key then value).
            let mut parts = vec![0; (last - first) * values.len()];
            for (i, part) in values.iter().enumerate() {
                let mut own = vec![0; last - first];
                add_lengths(*part, first, &mut own)?;
                own.iter().enumerate().for_each(|(e, len)| parts[e * values.len() + i] = *len);
            }
            let counts: Vec<usize> = offsets.windows(2).map(|w| w[1] - w[0]).collect();
            add_heads_and_parts(array, start, lengths, &counts, values.len(), &parts);
        }
        DataType::Struct(_) => {
            let array = array.as_struct();
            let width = array.num_columns();
            let mut parts = vec![0; rows * width];
            for (i, column) in array.columns().iter().enumerate() {
                let mut own = vec![0; rows];
                add_lengths(column.as_ref(), start, &mut own)?;
                own.iter().enumerate().for_each(|(r, len)| parts[r * width + i] = *len);
            }
            add_heads_and_parts(array, start, lengths, &vec![width; rows], 1, &parts);
        }
        _ => lengths.iter_mut().for_each(|l| *l += 1),
    }
    Ok(())
}

/// The offsets of rows `start..start + rows` only: a call may cover a few rows of a long array.
fn window<O: arrow::array::OffsetSizeTrait>(offsets: &[O], start: usize, rows: usize) -> Vec<usize> {
    offsets[start..=start + rows].iter().map(|o| o.as_usize()).collect()
}

/// Adds to each row's length its head (tag and `counts[row]`) and its `counts[row] × per` parts' lengths,
/// taken in order from `parts`; a NULL row is 1 byte, its parts skipped.
fn add_heads_and_parts(
    array: &dyn Array,
    start: usize,
    lengths: &mut [usize],
    counts: &[usize],
    per: usize,
    parts: &[usize],
) {
    let mut at = 0;
    for (row, (l, count)) in lengths.iter_mut().zip(counts).enumerate() {
        let taken = count * per;
        *l += match array.is_null(start + row) {
            true => 1,
            false => 1 + varint_len(*count) + parts[at..at + taken].iter().sum::<usize>(),
        };
        at += taken;
    }
}

fn add_byte_lengths<A: ArrayAccessor>(array: A, start: usize, lengths: &mut [usize]) -> Result<(), ArrowError>
where
    A::Item: AsRef<[u8]>,
{
    for (row, l) in (start..).zip(lengths.iter_mut()) {
        *l += if array.is_null(row) {
            1
        } else {
            1 + varint_len(array.value(row).as_ref().len()) + array.value(row).as_ref().len()
        };
    }
    Ok(())
}

/// A view holds its value's length in its low 32 bits: no need to look at the value.
fn add_view_lengths<T: ByteViewType + ?Sized>(
    array: &GenericByteViewArray<T>,
    start: usize,
    lengths: &mut [usize],
) -> Result<(), ArrowError> {
    let nulls = array.nulls().filter(|n| n.null_count() > 0);
    let views = &array.views()[start..start + lengths.len()];
    for (row, (l, view)) in (start..).zip(lengths.iter_mut().zip(views)) {
        let len = *view as u32 as usize;
        *l += match nulls {
            Some(n) if n.is_null(row) => 1,
            _ => 1 + varint_len(len) + len,
        };
    }
    Ok(())
}

/// Bytes of `len` as a LEB128 varint.
fn varint_len(len: usize) -> usize {
    match len {
        0..0x80 => 1,
        _ => (usize::BITS - len.leading_zeros()).div_ceil(7) as usize,
    }
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
    let mut lengths = vec![0; array.len()];
    add_lengths(array, 0, &mut lengths)?;
    let mut cursor: Vec<usize> = lengths.iter().scan(0, |at, len| Some(std::mem::replace(at, *at + len))).collect();
    let starts = cursor.clone();
    let mut bytes = vec![0u8; lengths.iter().sum()];
    encode_into(array, 0, &mut bytes, &mut cursor)?;
    Ok(starts.iter().zip(&lengths).map(|(start, len)| bytes[*start..start + len].to_vec()).collect())
}

/// One canonical value read back from its encoding: the inverse of [`encode_into`], for the row tier's
/// explanations of why two values differ (the streaming column pass keeps values only as encodings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decoded<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Decimal {
        scale: i8,
        value: i128,
    },
    /// Little-endian 256-bit unscaled value.
    Decimal256 {
        scale: i8,
        value: [u8; 32],
    },
    Float(f64),
    Float32(f32),
    Text(&'a [u8]),
    Binary(&'a [u8]),
    Date(i32),
    /// Ticks since 1970 (UTC) in units of 10^-`digits` seconds.
    Timestamp {
        digits: u8,
        ticks: i64,
    },
    Time {
        digits: u8,
        ticks: i64,
    },
    /// A list's, struct's or map's parts (for a map, key and value by turns), encoded one after the other.
    Nested {
        kind: Nesting,
        count: usize,
        parts: &'a [u8],
    },
}

/// What kind of nested value an encoding holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    List,
    Struct,
    Map,
}

impl<'a> Decoded<'a> {
    /// A nested value's parts, each its own encoding (a map's entries as key, value, key, value, …).
    pub fn parts(&self) -> Vec<&'a [u8]> {
        let Decoded::Nested { kind, count, parts } = *self else { return Vec::new() };
        let n = if kind == Nesting::Map { 2 * count } else { count };
        let mut out = Vec::with_capacity(n);
        let mut rest = parts;
        for _ in 0..n {
            let Some((_, len)) = decode(rest) else { break };
            out.push(&rest[..len]);
            rest = &rest[len..];
        }
        out
    }
}

impl Decoded<'_> {
    /// A decimal's scale and unscaled value, whatever its width.
    pub fn decimal(&self) -> Option<(i8, arrow::datatypes::i256)> {
        match *self {
            Decoded::Decimal { scale, value } => Some((scale, arrow::datatypes::i256::from_i128(value))),
            Decoded::Decimal256 { scale, value } => Some((scale, arrow::datatypes::i256::from_le_bytes(value))),
            _ => None,
        }
    }
}

/// Reads the value encoded at the start of `bytes`: the value and the bytes its encoding took. `None` for
/// bytes that are no encoding.
pub fn decode(bytes: &[u8]) -> Option<(Decoded<'_>, usize)> {
    let fixed = |at: usize, n: usize| bytes.get(at..at + n);
    let i64_at = |at: usize| fixed(at, 8).map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8])));
    let tag = *bytes.first()?;
    Some(match tag {
        NULL => (Decoded::Null, 1),
        BOOL => (Decoded::Bool(*bytes.get(1)? != 0), 2),
        INT => (Decoded::Int(i64_at(1)?), 9),
        DECIMAL => {
            let value = i128::from_le_bytes(fixed(2, 16)?.try_into().ok()?);
            (Decoded::Decimal { scale: *bytes.get(1)? as i8, value }, 18)
        }
        DECIMAL256 => (Decoded::Decimal256 { scale: *bytes.get(1)? as i8, value: fixed(2, 32)?.try_into().ok()? }, 34),
        FLOAT => (Decoded::Float(f64::from_bits(i64_at(1)? as u64)), 9),
        FLOAT32 => (Decoded::Float32(f32::from_bits(u32::from_le_bytes(fixed(1, 4)?.try_into().ok()?))), 5),
        DATE => (Decoded::Date(i32::from_le_bytes(fixed(1, 4)?.try_into().ok()?)), 5),
        TIMESTAMP => (Decoded::Timestamp { digits: *bytes.get(1)?, ticks: i64_at(2)? }, 10),
        TIME => (Decoded::Time { digits: *bytes.get(1)?, ticks: i64_at(2)? }, 10),
        TEXT | BINARY => {
            let (len, at) = varint(bytes)?;
            let value = fixed(at, len)?;
            (if tag == TEXT { Decoded::Text(value) } else { Decoded::Binary(value) }, at + len)
        }
        LIST | STRUCT | MAP => {
            let (count, at) = varint(bytes)?;
            let kind = match tag {
                LIST => Nesting::List,
                STRUCT => Nesting::Struct,
                _ => Nesting::Map,
            };
            let n = if kind == Nesting::Map { count.checked_mul(2)? } else { count };
            let mut end = at;
            for _ in 0..n {
                end += decode(bytes.get(end..)?)?.1;
            }
            (Decoded::Nested { kind, count, parts: &bytes[at..end] }, end)
        }
        _ => return None,
    })
}

/// The LEB128 varint after a tag: its value and where the bytes after it start.
fn varint(bytes: &[u8]) -> Option<(usize, usize)> {
    let (mut len, mut shift, mut at) = (0usize, 0, 1);
    loop {
        let byte = *bytes.get(at)?;
        len |= ((byte & 0x7f) as usize).checked_shl(shift)?;
        at += 1;
        if byte & 0x80 == 0 {
            return Some((len, at));
        }
        shift += 7;
    }
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
        assert_eq!(enc[1], vec![TEXT, 0]);
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
    fn decimals_encode_alike_whatever_their_width() {
        use arrow::array::{Decimal128Array, Decimal32Array, Decimal64Array};
        let values = vec![Some(-12_345), None, Some(0), Some(999_999_999)];
        let wide = encodings(&Decimal128Array::from(values.clone()).with_precision_and_scale(9, 2).unwrap()).unwrap();
        let narrow = values.iter().map(|v| v.map(|v| v as i64)).collect::<Decimal64Array>();
        assert_eq!(encodings(&narrow.with_precision_and_scale(9, 2).unwrap()).unwrap(), wide);
        let narrowest = values.iter().map(|v| v.map(|v| v as i32)).collect::<Decimal32Array>();
        assert_eq!(encodings(&narrowest.with_precision_and_scale(9, 2).unwrap()).unwrap(), wide);
        let other_scale = Decimal64Array::from(vec![-12_345i64]).with_precision_and_scale(9, 3).unwrap();
        assert_ne!(encodings(&other_scale).unwrap()[0], wide[0]);
    }

    #[test]
    fn strings_of_every_short_length_are_copied_whole() {
        let values: Vec<String> = (0..=40u8).map(|n| (b'a'..b'a' + n).map(char::from).collect()).collect();
        let enc = encodings(&StringArray::from(values.clone())).unwrap();
        for (value, enc) in values.iter().zip(enc) {
            assert_eq!(enc, [&[TEXT, value.len() as u8][..], value.as_bytes()].concat(), "{value:?}");
        }
    }

    #[test]
    fn lengths_are_those_of_the_encodings() {
        use arrow::array::{BooleanArray, Date32Array, Decimal128Array};
        let arrays: Vec<arrow::array::ArrayRef> = vec![
            std::sync::Arc::new(StringArray::from(vec![Some("héllo"), None, Some("")])),
            std::sync::Arc::new(StringArray::from(vec!["x".repeat(127), "x".repeat(128), "x".repeat(20_000)])),
            std::sync::Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])),
            std::sync::Arc::new(Float64Array::from(vec![1.0, 2.0, f64::NAN])),
            std::sync::Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)])),
            std::sync::Arc::new(Date32Array::from(vec![1, 2, 3])),
            std::sync::Arc::new(Decimal128Array::from(vec![1, 2, 3]).with_precision_and_scale(10, 2).unwrap()),
            std::sync::Arc::new(
                Decimal128Array::from(vec![Some(1), None, Some(3)]).with_precision_and_scale(10, 2).unwrap(),
            ),
            std::sync::Arc::new(
                arrow::array::Decimal64Array::from(vec![Some(1), None, Some(3)])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
            std::sync::Arc::new(arrow::array::TimestampMicrosecondArray::from(vec![Some(1), None, Some(-3)])),
        ];
        for array in arrays {
            let mut lengths = vec![0; array.len()];
            add_lengths(array.as_ref(), 0, &mut lengths).unwrap();
            let encoded: Vec<usize> = encodings(array.as_ref()).unwrap().iter().map(Vec::len).collect();
            assert_eq!(lengths, encoded, "{}", array.data_type());
        }
    }

    #[test]
    fn a_view_encodes_like_a_plain_string_whether_inline_or_in_a_buffer() {
        use arrow::array::{BinaryArray, BinaryViewArray, StringViewArray};
        let values =
            [Some(""), Some("short"), Some("exactly12byt"), Some("thirteen byte"), None, Some(&"é".repeat(90))];
        let plain = encodings(&StringArray::from(values.to_vec())).unwrap();
        let views = StringViewArray::from(values.to_vec());
        assert_eq!(encodings(&views).unwrap(), plain);
        let mut lengths = vec![0; views.len()];
        add_lengths(&views, 0, &mut lengths).unwrap();
        assert_eq!(lengths, plain.iter().map(Vec::len).collect::<Vec<_>>());
        let bytes: Vec<Option<&[u8]>> = values.iter().map(|v| v.map(str::as_bytes)).collect();
        let binary = encodings(&BinaryArray::from(bytes.clone())).unwrap();
        assert_eq!(encodings(&BinaryViewArray::from(bytes)).unwrap(), binary);
    }

    #[test]
    fn string_lengths_are_varints() {
        let enc = encodings(&StringArray::from(vec!["x".repeat(127), "x".repeat(200)])).unwrap();
        assert_eq!(enc[0][..2], [TEXT, 127]);
        assert_eq!(enc[1][..3], [TEXT, 0xc8, 0x01]);
        assert_eq!(enc[1].len(), 3 + 200);
    }

    #[test]
    fn an_integer_and_a_string_of_the_same_bytes_differ_by_tag() {
        let ints = encodings(&Int64Array::from(vec![0x41])).unwrap();
        let text = encodings(&StringArray::from(vec!["A\0\0\0\0\0\0\0"])).unwrap();
        assert_ne!(ints[0], text[0]);
    }

    #[test]
    fn every_encoding_decodes_to_its_value() {
        use arrow::array::{BooleanArray, Decimal128Array, TimestampMillisecondArray};
        let arrays: Vec<arrow::array::ArrayRef> = vec![
            std::sync::Arc::new(StringArray::from(vec![Some("héllo"), None, Some(""), Some(&*"x".repeat(300))])),
            std::sync::Arc::new(Int64Array::from(vec![Some(-1), None, Some(i64::MAX), Some(0)])),
            std::sync::Arc::new(Float64Array::from(vec![1.5, -0.0, f64::INFINITY, 2.0])),
            std::sync::Arc::new(BooleanArray::from(vec![Some(true), None, Some(false), Some(true)])),
            std::sync::Arc::new(
                Decimal128Array::from(vec![Some(-185), None, Some(0), Some(7)])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
            std::sync::Arc::new(TimestampMillisecondArray::from(vec![Some(-1), None, Some(3), Some(4)])),
        ];
        let rows: Vec<Vec<u8>> =
            (0..4).map(|r| arrays.iter().flat_map(|a| encodings(a.as_ref()).unwrap()[r].clone()).collect()).collect();
        let mut decoded = Vec::new();
        let mut rest = rows[0].as_slice();
        while let Some((value, len)) = decode(rest) {
            decoded.push(value);
            rest = &rest[len..];
        }
        assert_eq!(
            decoded,
            [
                Decoded::Text("héllo".as_bytes()),
                Decoded::Int(-1),
                Decoded::Float(1.5),
                Decoded::Bool(true),
                Decoded::Decimal { scale: 2, value: -185 },
                Decoded::Timestamp { digits: 3, ticks: -1 }
            ]
        );
        assert_eq!(decode(&rows[1]).unwrap(), (Decoded::Null, 1));
        let (long, len) = decode(&rows[3]).unwrap();
        assert_eq!((long, len), (Decoded::Text("x".repeat(300).as_bytes()), 303));
        assert_eq!(decode(&[TEXT, 5, b'a']), None, "a cut encoding is no value");
    }

    /// Every list of at most two lists of at most two elements among NULL, 0 and 1, and the NULL and empty
    /// outer lists: all distinct values, so all distinct encodings, and each decodes back to its length.
    #[test]
    fn no_two_nested_values_share_an_encoding_across_nesting_boundaries() {
        use arrow::array::{Int64Builder, ListBuilder};
        let elements = [None, Some(0i64), Some(1)];
        let mut inner: Vec<Option<Vec<Option<i64>>>> = vec![None, Some(vec![])];
        for a in elements {
            inner.push(Some(vec![a]));
            for b in elements {
                inner.push(Some(vec![a, b]));
            }
        }
        let mut outer: Vec<Option<Vec<Option<Vec<Option<i64>>>>>> = vec![None, Some(vec![])];
        for x in &inner {
            outer.push(Some(vec![x.clone()]));
            for y in &inner {
                outer.push(Some(vec![x.clone(), y.clone()]));
            }
        }
        let mut builder = ListBuilder::new(ListBuilder::new(Int64Builder::new()));
        for value in &outer {
            match value {
                None => builder.append(false),
                Some(lists) => {
                    for list in lists {
                        match list {
                            None => builder.values().append(false),
                            Some(items) => {
                                items.iter().for_each(|v| builder.values().values().append_option(*v));
                                builder.values().append(true);
                            }
                        }
                    }
                    builder.append(true);
                }
            }
        }
        let array = builder.finish();
        let enc = encodings(&array).unwrap();
        let distinct: std::collections::HashSet<&Vec<u8>> = enc.iter().collect();
        assert_eq!((outer.len(), distinct.len()), (outer.len(), outer.len()));
        let mut lengths = vec![0; array.len()];
        add_lengths(&array, 0, &mut lengths).unwrap();
        assert_eq!(lengths, enc.iter().map(Vec::len).collect::<Vec<_>>());
        for e in &enc {
            assert_eq!(decode(e).map(|(_, len)| len), Some(e.len()));
        }
        let mut lengths = vec![0; 40];
        add_lengths(&array, 5, &mut lengths).unwrap();
        assert_eq!(lengths, enc[5..45].iter().map(Vec::len).collect::<Vec<_>>(), "rows from an offset");
        let mut cursor: Vec<usize> = lengths.iter().scan(0, |at, len| Some(std::mem::replace(at, *at + len))).collect();
        let mut bytes = vec![0; lengths.iter().sum()];
        encode_into(&array, 5, &mut bytes, &mut cursor).unwrap();
        assert_eq!(bytes, enc[5..45].concat(), "written from an offset");
        let sliced = array.slice(5, 40);
        assert_eq!(encodings(&sliced).unwrap(), enc[5..45].to_vec(), "a slice encodes its own rows");
    }

    #[test]
    fn a_null_list_an_empty_list_and_a_list_of_one_null_differ() {
        use arrow::array::{Int64Builder, ListBuilder};
        let mut builder = ListBuilder::new(Int64Builder::new());
        builder.append(false);
        builder.append(true);
        builder.values().append_null();
        builder.append(true);
        let enc = encodings(&builder.finish()).unwrap();
        assert_eq!(enc, [vec![NULL], vec![LIST, 0], vec![LIST, 1, NULL]]);
    }

    #[test]
    fn a_struct_of_nulls_is_no_null_struct_and_map_entries_are_a_set() {
        use arrow::array::{ArrayRef, Int64Array, Int64Builder, MapBuilder, StringBuilder, StructArray};
        use arrow::datatypes::{Field, Fields};
        let fields = Fields::from(vec![Field::new("a", DataType::Int64, true)]);
        let column: ArrayRef = std::sync::Arc::new(Int64Array::from(vec![None, None]));
        let nulls = arrow::buffer::NullBuffer::from(vec![true, false]);
        let structs = StructArray::new(fields, vec![column], Some(nulls));
        assert_eq!(encodings(&structs).unwrap(), [vec![STRUCT, 1, NULL], vec![NULL]]);
        let mut maps = MapBuilder::new(None, StringBuilder::new(), Int64Builder::new());
        for entries in [[("a", 1), ("b", 2)], [("b", 2), ("a", 1)], [("a", 2), ("b", 1)]] {
            for (k, v) in entries {
                maps.keys().append_value(k);
                maps.values().append_value(v);
            }
            maps.append(true).unwrap();
        }
        let maps = maps.finish();
        let enc = encodings(&maps).unwrap();
        for array in [&maps as &dyn Array, &structs] {
            let mut lengths = vec![0; array.len()];
            add_lengths(array, 0, &mut lengths).unwrap();
            assert_eq!(lengths, encodings(array).unwrap().iter().map(Vec::len).collect::<Vec<_>>());
        }
        assert_eq!(enc[0], enc[1], "entry order never matters");
        assert_ne!(enc[0], enc[2], "which value goes with which key does");
        let (value, _) = decode(&enc[0]).unwrap();
        assert_eq!(value.parts().len(), 4);
    }
}
