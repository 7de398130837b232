//! One PostgreSQL value in its binary send format appended to the Arrow builder of its column: the per-type
//! half of the COPY reader (the framing half is `copy.rs`). Values are never converted through text, so
//! nothing is rounded or reformatted on the way.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Decimal256Builder, Float32Builder,
    Float64Builder, Int16Builder, Int32Builder, Int64Builder, ListArray, NullBufferBuilder, StringBuilder, StructArray,
    Time64MicrosecondBuilder, TimestampMicrosecondBuilder, UInt32Builder,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, FieldRef, Fields, TimeUnit};
use arrow::error::ArrowError;

use super::numeric::Numeric;
use super::types::Shape;
use crate::normalize::interval_text;

/// Days from 1970-01-01 to PostgreSQL's epoch 2000-01-01.
const PG_EPOCH_DAYS: i32 = 10_957;
/// Microseconds from 1970-01-01 to 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
const MICROS_PER_DAY: i64 = 86_400_000_000;

fn invalid(message: impl Into<String>) -> ArrowError {
    ArrowError::ParseError(message.into())
}

/// A column's builder, chosen by its PostgreSQL type.
pub(crate) enum Decode {
    Int16(Int16Builder),
    Int32(Int32Builder),
    Int64(Int64Builder),
    Oid(UInt32Builder),
    Float32(Float32Builder),
    Float64(Float64Builder),
    Bool(BooleanBuilder),
    Decimal {
        builder: Decimal128Builder,
        precision: u8,
        scale: i8,
    },
    Decimal256 {
        builder: Decimal256Builder,
        precision: u8,
        scale: i8,
    },
    NumericText(StringBuilder),
    /// Types whose binary form is their UTF-8 text: text, varchar, name, citext, json, xml, enums.
    Text(StringBuilder),
    /// `char(n)`: its text without the trailing blanks, which are not significant.
    Bpchar(StringBuilder),
    /// `interval`: 8 bytes of microseconds, 4 of days, 4 of months; written as `normalize::interval_text`.
    Interval(StringBuilder),
    /// `inet`, `cidr`: family, prefix bits, is-cidr flag, address length, address; written as PostgreSQL does.
    Inet(StringBuilder),
    /// `macaddr`, `macaddr8`: 6 or 8 bytes.
    Mac(StringBuilder),
    /// `bit(n)`, `varbit`: a 4-byte bit count, then the bits, first bit highest.
    Bits(StringBuilder),
    /// `timetz`: 8 bytes of microseconds of local time, 4 of the zone in seconds west of UTC.
    TimeTz(Time64MicrosecondBuilder),
    Jsonb(StringBuilder),
    Uuid(StringBuilder),
    Bytea(BinaryBuilder),
    Date(Date32Builder),
    /// timestamp and timestamptz: the builder carries the timezone.
    Timestamp(TimestampMicrosecondBuilder),
    Time(Time64MicrosecondBuilder),
    /// Arrays of any dimension as nested lists (`array_send`).
    Array(Box<ArrayDecode>),
    /// Composite values as structs (`record_send`).
    Composite(Box<CompositeDecode>),
}

/// An array column: `ndim`, a has-nulls flag, the element type's oid, then per dimension its length and
/// lower bound, then every element (a length, -1 for NULL, and its bytes) in row-major order.
pub(crate) struct ArrayDecode {
    /// The list field of each dimension, outermost first.
    fields: Vec<FieldRef>,
    /// Per dimension, the offsets of its lists into the next dimension (the elements for the last).
    offsets: Vec<Vec<i32>>,
    nulls: NullBufferBuilder,
    element: Decode,
}

/// A composite column: the number of fields, then per field its type's oid, a length (-1 for NULL) and bytes.
pub(crate) struct CompositeDecode {
    fields: Fields,
    decoders: Vec<Decode>,
    nulls: NullBufferBuilder,
}

impl Decode {
    pub(crate) fn new(pg_type: &str, data_type: &DataType, capacity: usize) -> Result<Decode, ArrowError> {
        if let Some(shape) = Shape::parse(pg_type) {
            return Decode::shaped(&shape, data_type, capacity);
        }
        use DataType as T;
        let utf8 = || StringBuilder::with_capacity(capacity, capacity * 8);
        Ok(match (pg_type, data_type) {
            ("int2", T::Int16) => Decode::Int16(Int16Builder::with_capacity(capacity)),
            ("int4", T::Int32) => Decode::Int32(Int32Builder::with_capacity(capacity)),
            ("int8", T::Int64) => Decode::Int64(Int64Builder::with_capacity(capacity)),
            ("oid", T::UInt32) => Decode::Oid(UInt32Builder::with_capacity(capacity)),
            ("float4", T::Float32) => Decode::Float32(Float32Builder::with_capacity(capacity)),
            ("float8", T::Float64) => Decode::Float64(Float64Builder::with_capacity(capacity)),
            ("bool", T::Boolean) => Decode::Bool(BooleanBuilder::with_capacity(capacity)),
            ("numeric", T::Decimal128(precision, scale)) => Decode::Decimal {
                builder: Decimal128Builder::with_capacity(capacity).with_precision_and_scale(*precision, *scale)?,
                precision: *precision,
                scale: *scale,
            },
            ("numeric", T::Decimal256(precision, scale)) => Decode::Decimal256 {
                builder: Decimal256Builder::with_capacity(capacity).with_precision_and_scale(*precision, *scale)?,
                precision: *precision,
                scale: *scale,
            },
            ("numeric", T::Utf8) => Decode::NumericText(utf8()),
            ("text" | "varchar" | "name" | "citext" | "json" | "xml" | "enum", T::Utf8) => Decode::Text(utf8()),
            ("bpchar", T::Utf8) => Decode::Bpchar(utf8()),
            ("interval", T::Utf8) => Decode::Interval(utf8()),
            ("inet" | "cidr", T::Utf8) => Decode::Inet(utf8()),
            ("macaddr" | "macaddr8", T::Utf8) => Decode::Mac(utf8()),
            ("bit" | "varbit", T::Utf8) => Decode::Bits(utf8()),
            ("timetz", T::Time64(TimeUnit::Microsecond)) => {
                Decode::TimeTz(Time64MicrosecondBuilder::with_capacity(capacity))
            }
            ("jsonb", T::Utf8) => Decode::Jsonb(utf8()),
            ("uuid", T::Utf8) => Decode::Uuid(StringBuilder::with_capacity(capacity, capacity * 36)),
            ("bytea", T::Binary) => Decode::Bytea(BinaryBuilder::with_capacity(capacity, capacity * 8)),
            ("date", T::Date32) => Decode::Date(Date32Builder::with_capacity(capacity)),
            ("timestamp", T::Timestamp(TimeUnit::Microsecond, None))
            | ("timestamptz", T::Timestamp(TimeUnit::Microsecond, Some(_))) => {
                let tz = match data_type {
                    T::Timestamp(_, tz) => tz.clone(),
                    _ => None,
                };
                Decode::Timestamp(TimestampMicrosecondBuilder::with_capacity(capacity).with_timezone_opt(tz))
            }
            ("time", T::Time64(TimeUnit::Microsecond)) => {
                Decode::Time(Time64MicrosecondBuilder::with_capacity(capacity))
            }
            _ => return Err(invalid(format!("cannot decode PostgreSQL type {pg_type} as {data_type}"))),
        })
    }

    /// The decoder of an array or composite column (or of a scalar inside one).
    fn shaped(shape: &Shape, data_type: &DataType, capacity: usize) -> Result<Decode, ArrowError> {
        let mismatch = || invalid(format!("cannot decode PostgreSQL type {shape:?} as {data_type}"));
        match shape {
            Shape::Scalar { name, .. } => Decode::new(name, data_type, capacity),
            Shape::Array { element, dims } => {
                let mut fields = Vec::with_capacity(*dims);
                let mut inner = data_type;
                for _ in 0..*dims {
                    let DataType::List(field) = inner else { return Err(mismatch()) };
                    fields.push(field.clone());
                    inner = field.data_type();
                }
                let element = Decode::shaped(element, inner, capacity)?;
                let offsets = vec![vec![0]; *dims];
                Ok(Decode::Array(Box::new(ArrayDecode {
                    fields,
                    offsets,
                    nulls: NullBufferBuilder::new(capacity),
                    element,
                })))
            }
            Shape::Composite { fields: shapes } => {
                let DataType::Struct(fields) = data_type else { return Err(mismatch()) };
                if fields.len() != shapes.len() {
                    return Err(mismatch());
                }
                let decoders = shapes
                    .iter()
                    .zip(fields)
                    .map(|((_, shape), field)| Decode::shaped(shape, field.data_type(), capacity))
                    .collect::<Result<_, _>>()?;
                let nulls = NullBufferBuilder::new(capacity);
                Ok(Decode::Composite(Box::new(CompositeDecode { fields: fields.clone(), decoders, nulls })))
            }
        }
    }

    pub(crate) fn append_null(&mut self) {
        match self {
            Decode::Array(a) => {
                for level in &mut a.offsets[..1] {
                    level.push(level.last().copied().unwrap_or(0));
                }
                a.nulls.append_null();
            }
            Decode::Composite(c) => {
                c.decoders.iter_mut().for_each(Decode::append_null);
                c.nulls.append_null();
            }
            Decode::Int16(b) => b.append_null(),
            Decode::Int32(b) => b.append_null(),
            Decode::Int64(b) => b.append_null(),
            Decode::Oid(b) => b.append_null(),
            Decode::Float32(b) => b.append_null(),
            Decode::Float64(b) => b.append_null(),
            Decode::Bool(b) => b.append_null(),
            Decode::Decimal { builder, .. } => builder.append_null(),
            Decode::Decimal256 { builder, .. } => builder.append_null(),
            Decode::NumericText(b) | Decode::Text(b) | Decode::Jsonb(b) | Decode::Uuid(b) => b.append_null(),
            Decode::Bpchar(b) | Decode::Interval(b) | Decode::Inet(b) | Decode::Mac(b) | Decode::Bits(b) => {
                b.append_null()
            }
            Decode::Bytea(b) => b.append_null(),
            Decode::Date(b) => b.append_null(),
            Decode::Timestamp(b) => b.append_null(),
            Decode::Time(b) | Decode::TimeTz(b) => b.append_null(),
        }
    }

    /// Appends one non-NULL value given in its binary send format; the error says what is wrong with it (the
    /// caller adds the column and row).
    pub(crate) fn append(&mut self, v: &[u8]) -> Result<(), ArrowError> {
        match self {
            Decode::Array(a) => a.append(v)?,
            Decode::Composite(c) => c.append(v)?,
            Decode::Int16(b) => b.append_value(i16::from_be_bytes(fixed(v)?)),
            Decode::Int32(b) => b.append_value(i32::from_be_bytes(fixed(v)?)),
            Decode::Int64(b) => b.append_value(i64::from_be_bytes(fixed(v)?)),
            Decode::Oid(b) => b.append_value(u32::from_be_bytes(fixed(v)?)),
            Decode::Float32(b) => b.append_value(f32::from_be_bytes(fixed(v)?)),
            Decode::Float64(b) => b.append_value(f64::from_be_bytes(fixed(v)?)),
            Decode::Bool(b) => b.append_value(u8::from_be_bytes(fixed(v)?) != 0),
            Decode::Decimal { builder, precision, scale } => {
                builder.append_value(Numeric::parse(v)?.to_i128(*precision, *scale)?)
            }
            Decode::Decimal256 { builder, precision, scale } => {
                builder.append_value(Numeric::parse(v)?.to_i256(*precision, *scale)?)
            }
            Decode::NumericText(b) => {
                Numeric::parse(v)?.write_text(b).map_err(|_| invalid("cannot write numeric text"))?;
                b.append_value("");
            }
            Decode::Text(b) => b.append_value(utf8(v)?),
            Decode::Bpchar(b) => b.append_value(utf8(v)?.trim_end_matches(' ')),
            Decode::Interval(b) => {
                let (micros, rest) =
                    v.split_first_chunk::<8>().ok_or_else(|| invalid("interval shorter than 16 bytes"))?;
                let [d0, d1, d2, d3, m0, m1, m2, m3] = fixed::<8>(rest)?;
                let (days, months) = (i32::from_be_bytes([d0, d1, d2, d3]), i32::from_be_bytes([m0, m1, m2, m3]));
                b.append_value(interval_text(months, days, i64::from_be_bytes(*micros)))
            }
            Decode::Inet(b) => b.append_value(inet_text(v)?),
            Decode::Mac(b) => {
                if v.len() != 6 && v.len() != 8 {
                    return Err(invalid(format!("a MAC address of {} bytes", v.len())));
                }
                let pairs: Vec<String> = v.iter().map(|byte| format!("{byte:02x}")).collect();
                b.append_value(pairs.join(":"))
            }
            Decode::Bits(b) => {
                let (count, bits) = v.split_first_chunk::<4>().ok_or_else(|| invalid("bit string without length"))?;
                let count = usize::try_from(i32::from_be_bytes(*count)).map_err(|_| invalid("negative bit count"))?;
                if bits.len() != count.div_ceil(8) {
                    return Err(invalid(format!("{count} bits in {} bytes", bits.len())));
                }
                let text: String =
                    (0..count).map(|i| if bits[i / 8] & (0x80 >> (i % 8)) != 0 { '1' } else { '0' }).collect();
                b.append_value(text)
            }
            Decode::TimeTz(b) => {
                let (micros, zone) =
                    v.split_first_chunk::<8>().ok_or_else(|| invalid("timetz shorter than 12 bytes"))?;
                let (micros, zone) = (i64::from_be_bytes(*micros), i64::from(i32::from_be_bytes(fixed(zone)?)));
                // The zone counts seconds west of UTC: 12:00+02 is stored as 12:00 with zone -7200.
                b.append_value((micros + zone * 1_000_000).rem_euclid(MICROS_PER_DAY))
            }
            Decode::Jsonb(b) => match v.split_first() {
                Some((1, text)) => b.append_value(utf8(text)?),
                Some((version, _)) => return Err(invalid(format!("unsupported jsonb binary version {version}"))),
                None => return Err(invalid("empty jsonb value")),
            },
            Decode::Uuid(b) => b.append_value(uuid_text(&fixed(v)?, &mut [0; 36])?),
            Decode::Bytea(b) => b.append_value(v),
            Decode::Date(b) => {
                let days = i32::from_be_bytes(fixed(v)?);
                if days == i32::MAX || days == i32::MIN {
                    return Err(invalid(format!("{}infinity date cannot be represented in Date32", sign(days))));
                }
                b.append_value(days.checked_add(PG_EPOCH_DAYS).ok_or_else(|| invalid("date out of Date32 range"))?)
            }
            Decode::Timestamp(b) => {
                let micros = i64::from_be_bytes(fixed(v)?);
                if micros == i64::MAX || micros == i64::MIN {
                    return Err(invalid(format!("{}infinity timestamp cannot be represented in Arrow", sign(micros))));
                }
                let micros = micros.checked_add(PG_EPOCH_MICROS);
                b.append_value(micros.ok_or_else(|| invalid("timestamp out of Arrow range"))?)
            }
            Decode::Time(b) => {
                let micros = i64::from_be_bytes(fixed(v)?);
                if !(0..=MICROS_PER_DAY).contains(&micros) {
                    return Err(invalid(format!("time of {micros} µs is outside 00:00:00..=24:00:00")));
                }
                b.append_value(micros)
            }
        }
        Ok(())
    }

    pub(crate) fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        Ok(match self {
            Decode::Array(a) => a.finish()?,
            Decode::Composite(c) => {
                let children = c.decoders.iter_mut().map(Decode::finish).collect::<Result<_, _>>()?;
                Arc::new(StructArray::try_new(c.fields.clone(), children, c.nulls.finish())?)
            }
            Decode::Int16(b) => Arc::new(b.finish()),
            Decode::Int32(b) => Arc::new(b.finish()),
            Decode::Int64(b) => Arc::new(b.finish()),
            Decode::Oid(b) => Arc::new(b.finish()),
            Decode::Float32(b) => Arc::new(b.finish()),
            Decode::Float64(b) => Arc::new(b.finish()),
            Decode::Bool(b) => Arc::new(b.finish()),
            Decode::Decimal { builder, .. } => Arc::new(builder.finish()),
            Decode::Decimal256 { builder, .. } => Arc::new(builder.finish()),
            Decode::NumericText(b) | Decode::Text(b) | Decode::Jsonb(b) | Decode::Uuid(b) => Arc::new(b.finish()),
            Decode::Bpchar(b) | Decode::Interval(b) | Decode::Inet(b) | Decode::Mac(b) | Decode::Bits(b) => {
                Arc::new(b.finish())
            }
            Decode::Bytea(b) => Arc::new(b.finish()),
            Decode::Date(b) => Arc::new(b.finish()),
            Decode::Timestamp(b) => Arc::new(b.finish()),
            Decode::Time(b) | Decode::TimeTz(b) => Arc::new(b.finish()),
        })
    }
}

/// A big-endian i32 at `at`, or an error naming what was cut short.
fn int_at(v: &[u8], at: usize, what: &str) -> Result<i32, ArrowError> {
    let bytes = v.get(at..at + 4).ok_or_else(|| invalid(format!("{what} cut short")))?;
    Ok(i32::from_be_bytes(fixed(bytes)?))
}

impl ArrayDecode {
    fn append(&mut self, v: &[u8]) -> Result<(), ArrowError> {
        let ndim = int_at(v, 0, "array header")?;
        let dims = self.offsets.len();
        if ndim == 0 {
            // An empty array has no dimensions: an empty list at the top.
            let top = &mut self.offsets[0];
            top.push(top.last().copied().unwrap_or(0));
            self.nulls.append_non_null();
            return Ok(());
        }
        if usize::try_from(ndim).ok() != Some(dims) {
            return Err(invalid(format!(
                "a {ndim}-dimensional array in a column whose type declares {dims} dimension(s); declare the \
                 column with as many [] as its arrays have dimensions"
            )));
        }
        let mut sizes = Vec::with_capacity(dims);
        for d in 0..dims {
            let size = int_at(v, 12 + 8 * d, "array dimensions")?;
            let lower = int_at(v, 16 + 8 * d, "array dimensions")?;
            if lower != 1 {
                return Err(invalid(format!(
                    "an array whose subscripts start at {lower} (not 1) in dimension {}: recon compares arrays as \
                     lists, whose positions start at 1, and will not pretend such an array equals one; leave the \
                     column out with --exclude, or select a slice of it (a slice starts at 1)",
                    d + 1
                )));
            }
            sizes.push(usize::try_from(size).map_err(|_| invalid("a negative array dimension"))?);
        }
        let mut at = 12 + 8 * dims;
        // Every element takes at least its 4-byte length: a count beyond that is a corrupt header.
        let total = sizes.iter().try_fold(1usize, |n, s| n.checked_mul(*s)).filter(|n| *n <= (v.len() - at) / 4);
        let total = total.ok_or_else(|| invalid("array dimensions larger than the value"))?;
        let mut lists = 1;
        for (level, size) in self.offsets.iter_mut().zip(&sizes) {
            let mut end = level.last().copied().unwrap_or(0);
            for _ in 0..lists {
                end = end.checked_add(*size as i32).ok_or_else(|| invalid("array too large for a batch"))?;
                level.push(end);
            }
            lists *= size;
        }
        for _ in 0..total {
            let len = int_at(v, at, "array element")?;
            at += 4;
            match usize::try_from(len) {
                Err(_) => self.element.append_null(),
                Ok(len) => {
                    let bytes = v.get(at..at + len).ok_or_else(|| invalid("array element cut short"))?;
                    self.element.append(bytes)?;
                    at += len;
                }
            }
        }
        if at != v.len() {
            return Err(invalid(format!("{} bytes after an array's last element", v.len() - at)));
        }
        self.nulls.append_non_null();
        Ok(())
    }

    /// The lists built so far, innermost first; the top level carries the NULLs.
    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let mut values = self.element.finish()?;
        for (level, (field, offsets)) in self.fields.iter().zip(&mut self.offsets).enumerate().rev() {
            let offsets = OffsetBuffer::new(std::mem::replace(offsets, vec![0]).into());
            let nulls = if level == 0 { self.nulls.finish() } else { None };
            values = Arc::new(ListArray::try_new(field.clone(), offsets, values, nulls)?);
        }
        Ok(values)
    }
}

impl CompositeDecode {
    fn append(&mut self, v: &[u8]) -> Result<(), ArrowError> {
        let count = int_at(v, 0, "composite header")?;
        if usize::try_from(count).ok() != Some(self.decoders.len()) {
            return Err(invalid(format!("a composite of {count} fields for a type of {}", self.decoders.len())));
        }
        let mut at = 4;
        for decode in &mut self.decoders {
            let len = int_at(v, at + 4, "composite field")?;
            at += 8;
            match usize::try_from(len) {
                Err(_) => decode.append_null(),
                Ok(len) => {
                    decode.append(v.get(at..at + len).ok_or_else(|| invalid("composite field cut short"))?)?;
                    at += len;
                }
            }
        }
        self.nulls.append_non_null();
        Ok(())
    }
}

fn sign<T: PartialOrd + Default>(n: T) -> &'static str {
    if n < T::default() {
        "-"
    } else {
        ""
    }
}

/// A fixed-width value, or an error saying its width is wrong.
fn fixed<const N: usize>(v: &[u8]) -> Result<[u8; N], ArrowError> {
    v.try_into().map_err(|_| invalid(format!("expected {N} bytes, got {}", v.len())))
}

fn utf8(v: &[u8]) -> Result<&str, ArrowError> {
    std::str::from_utf8(v).map_err(|e| invalid(format!("invalid UTF-8: {e}")))
}

/// An `inet`/`cidr` value as PostgreSQL writes it: the address, and `/bits` for a `cidr` or an `inet`
/// whose prefix is not the whole address (`inet_send`: family 2 for IPv4, 3 for IPv6, prefix bits, is-cidr,
/// address length, address bytes).
fn inet_text(v: &[u8]) -> Result<String, ArrowError> {
    let ([family, bits, is_cidr, length], address) =
        v.split_first_chunk::<4>().map(|(h, a)| (*h, a)).ok_or_else(|| invalid("inet shorter than 4 bytes"))?;
    let (address, full): (std::net::IpAddr, u8) = match (family, length, address.len()) {
        (2, 4, 4) => (std::net::Ipv4Addr::from(fixed::<4>(address)?).into(), 32),
        (3, 16, 16) => (std::net::Ipv6Addr::from(fixed::<16>(address)?).into(), 128),
        _ => return Err(invalid(format!("inet of family {family} with {} address bytes", address.len()))),
    };
    Ok(if is_cidr != 0 || bits != full { format!("{address}/{bits}") } else { address.to_string() })
}

fn uuid_text<'a>(bytes: &[u8; 16], out: &'a mut [u8; 36]) -> Result<&'a str, ArrowError> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut o = out.iter_mut();
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            if let Some(c) = o.next() {
                *c = b'-';
            }
        }
        for nibble in [byte >> 4, byte & 0xf] {
            if let (Some(c), Some(h)) = (o.next(), HEX.get(usize::from(nibble))) {
                *c = *h;
            }
        }
    }
    std::str::from_utf8(out).map_err(|e| invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    //! Decoding real `COPY ... (FORMAT binary)` output of PostgreSQL 15 (see `fixtures/pgcopy/generate.sh`
    //! for the queries whose values are asserted here).

    use arrow::array::{Array, AsArray, RecordBatch};
    use arrow::datatypes::{
        Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Time64MicrosecondType,
        TimestampMicrosecondType, UInt32Type,
    };

    use super::super::fixtures::*;
    use super::super::types::PgColumn;
    use super::*;

    #[test]
    fn integers() {
        let batch = decode_one(INTEGERS, integer_columns());
        assert_eq!(batch.num_rows(), 4);
        let i2: Vec<_> = batch.column(0).as_primitive::<Int16Type>().iter().collect();
        assert_eq!(i2, [Some(i16::MIN), Some(i16::MAX), None, Some(0)]);
        let i4: Vec<_> = batch.column(1).as_primitive::<Int32Type>().iter().collect();
        assert_eq!(i4, [Some(i32::MIN), Some(i32::MAX), None, Some(-1)]);
        let i8: Vec<_> = batch.column(2).as_primitive::<Int64Type>().iter().collect();
        assert_eq!(i8, [Some(i64::MIN), Some(i64::MAX), None, Some(42)]);
        let oid: Vec<_> = batch.column(3).as_primitive::<UInt32Type>().iter().collect();
        assert_eq!(oid, [Some(0), Some(u32::MAX), None, Some(1259)]);
        let schema = batch.schema();
        let names: Vec<_> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["i2", "i4", "i8", "o"]);
        assert!(schema.fields().iter().all(|f| f.is_nullable()));
    }

    #[test]
    fn floats_and_booleans() {
        let batch = decode_one(FLOATS, float_columns());
        // Debug formatting tells -0.0 from 0.0 and shows NaN.
        let f4: Vec<_> = batch.column(0).as_primitive::<Float32Type>().iter().map(|v| format!("{v:?}")).collect();
        assert_eq!(f4, ["Some(1.5)", "Some(-0.0)", "Some(NaN)", "Some(-inf)", "Some(3.4028235e38)", "None"]);
        let f8: Vec<_> = batch.column(1).as_primitive::<Float64Type>().iter().map(|v| format!("{v:?}")).collect();
        assert_eq!(
            f8,
            ["Some(-0.0)", "Some(NaN)", "Some(inf)", "Some(5e-324)", "Some(-1.7976931348623157e308)", "None"]
        );
        let f8 = batch.column(1).as_primitive::<Float64Type>();
        assert_eq!(f8.value(0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(f8.value(3), f64::from_bits(1));
        assert_eq!(f8.value(4), f64::MIN);
        assert_eq!(batch.column(0).as_primitive::<Float32Type>().value(4), f32::MAX);
        let b: Vec<_> = batch.column(2).as_boolean().iter().collect();
        assert_eq!(b, [Some(true), Some(false), None, Some(true), Some(false), None]);
    }

    #[test]
    fn constrained_numerics_are_exact_decimals() {
        let batch = decode_one(DECIMALS, decimal_columns());
        let max38 = 10i128.pow(38) - 1;
        let d38 = batch.column(0).as_primitive::<Decimal128Type>();
        assert_eq!(d38.data_type(), &DataType::Decimal128(38, 10));
        let d38: Vec<_> = d38.iter().collect();
        assert_eq!(d38, [Some(max38), Some(-max38), Some(12345678901234567890123456780123456789), Some(1), None]);
        let d12 = batch.column(1).as_primitive::<Decimal128Type>();
        assert_eq!(d12.data_type(), &DataType::Decimal128(12, 2));
        let d12: Vec<_> = d12.iter().collect();
        assert_eq!(d12, [Some(180), Some(-5), Some(0), Some(999_999_999_999), None]);
        // numeric(5,-2) rounds to hundreds: 12345 is stored as 12300, -99949 as -99900.
        let d5 = batch.column(2).as_primitive::<Decimal128Type>();
        assert_eq!(d5.data_type(), &DataType::Decimal128(5, -2));
        let d5: Vec<_> = d5.iter().collect();
        assert_eq!(d5, [Some(123), Some(-999), Some(0), None, Some(1)]);
    }

    #[test]
    fn unconstrained_numerics_are_plain_text() {
        let batch = decode_one(NUMERICS, numeric_columns());
        let mut x = some(&[
            "1.8",
            "0.00000000000000000001",
            "123456789012345678901234567890.5",
            "0",
            "0",
            "NaN",
            "Infinity",
            "-Infinity",
            "-0.001",
            "123",
            "100000000",
            "-10000.0001",
        ]);
        x.push(None);
        assert_eq!(strings(&batch, "x"), x);
        // numeric(50,5) is wider than Decimal128 but fits Decimal256, exactly.
        let wide = batch.column_by_name("wide").expect("column");
        assert_eq!(wide.data_type(), &DataType::Decimal256(50, 5));
        let wide = arrow::compute::cast(wide, &DataType::Utf8).expect("formats");
        let wide: Vec<Option<String>> = wide.as_string::<i32>().iter().map(|v| v.map(str::to_string)).collect();
        let mut expected = some(&["1.80000", "-12345678901234567890123456789012345678901234.56789", "0.00000"]);
        expected.resize(13, None);
        assert_eq!(wide, expected);
    }

    #[test]
    fn decimal_range_and_scale_errors_name_column_and_row() {
        let as_decimal = |precision, scale| {
            vec![
                PgColumn {
                    name: "x".into(),
                    pg_type: "numeric".into(),
                    data_type: DataType::Decimal128(precision, scale),
                },
                col("wide", "numeric", typmod(50, 5)),
            ]
        };
        // 1.8 has a fraction digit that scale 0 cannot hold.
        let message = decode_err(NUMERICS, as_decimal(38, 0));
        assert!(message.contains("column \"x\" row 1") && message.contains("fraction digits"), "{message}");
        // Row 3 has 30 integer digits; 30 + 20 > 38.
        let message = decode_err(NUMERICS, as_decimal(38, 20));
        assert!(message.contains("column \"x\" row 3") && message.contains("out of range"), "{message}");
        // Precision is checked too: 123456789012345678901234567890.5 needs 31 digits.
        let message = decode_err(NUMERICS, as_decimal(30, 1));
        assert!(message.contains("column \"x\" row 2"), "{message}");
    }

    #[test]
    fn texts_uuid_json_bytea() {
        let batch = decode_one(TEXTS, text_columns());
        let with_null = |values: &[&str]| {
            let mut v = some(values);
            v.push(None);
            v
        };
        assert_eq!(strings(&batch, "t"), with_null(&["héllo 🦀 wörld", ""]));
        assert_eq!(strings(&batch, "vc"), with_null(&["varchar", ""]));
        assert_eq!(strings(&batch, "nm"), with_null(&["pg_class", ""]));
        // char(5) arrives blank-padded and is read without the blanks, which char(n) does not count; the
        // second row's '' has no length (VALUES drops the typmod).
        assert_eq!(strings(&batch, "ch"), with_null(&["ab", ""]));
        assert_eq!(strings(&batch, "ci"), with_null(&["MiXeD", ""]));
        assert_eq!(strings(&batch, "js"), with_null(&[r#"{"b": 1,  "a": [1, 2]}"#, "[]"]));
        // jsonb is PostgreSQL's normalised text: keys reordered, version byte stripped.
        assert_eq!(strings(&batch, "jb"), with_null(&[r#"{"a": [1, 2], "b": 1}"#, r#""s""#]));
        assert_eq!(strings(&batch, "mood"), with_null(&["happy", "sad"]));
        assert_eq!(
            strings(&batch, "u"),
            with_null(&["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000"])
        );
        let by = batch.column_by_name("by").expect("column");
        assert_eq!(by.data_type(), &DataType::Binary);
        let by: Vec<_> = by.as_binary::<i32>().iter().collect();
        assert_eq!(by, [Some(&b"\x00\xff\x00\x00"[..]), Some(&b""[..]), None]);
    }

    #[test]
    fn dates_times_timestamps() {
        let batch = decode_one(TIMES, time_columns());
        let d: Vec<_> = batch.column(0).as_primitive::<Date32Type>().iter().collect();
        assert_eq!(d, [Some(-719_162), Some(2_932_896), Some(0), Some(10_957), None]);
        let ts = batch.column(1).as_primitive::<TimestampMicrosecondType>();
        assert_eq!(ts.data_type(), &DataType::Timestamp(TimeUnit::Microsecond, None));
        let ts: Vec<_> = ts.iter().collect();
        assert_eq!(
            ts,
            [Some(-1), Some(-62_135_596_800_000_000), Some(1_709_210_096_789_012), Some(253_402_300_799_999_999), None]
        );
        let tstz = batch.column(2).as_primitive::<TimestampMicrosecondType>();
        assert_eq!(tstz.data_type(), &DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into())));
        let tstz: Vec<_> = tstz.iter().collect();
        assert_eq!(
            tstz,
            [Some(1_717_236_000_000_001), Some(-315_619_200_000_000), Some(946_684_800_000_000), Some(0), None]
        );
        let tm: Vec<_> = batch.column(3).as_primitive::<Time64MicrosecondType>().iter().collect();
        assert_eq!(tm, [Some(0), Some(86_399_999_999), Some(86_400_000_000), Some(45_296_500_000), None]);
    }

    #[test]
    fn infinite_dates_and_timestamps_are_errors_naming_the_column() {
        let message = decode_err(INFINITE_DATE, vec![col("d", "date", -1)]);
        assert!(message.contains("column \"d\" row 2") && message.contains("infinity"), "{message}");
        let message = decode_err(INFINITE_TIMESTAMP, vec![col("ts", "timestamp", -1)]);
        assert!(message.contains("column \"ts\" row 1") && message.contains("-infinity"), "{message}");
        let message = decode_err(INFINITE_TIMESTAMPTZ, vec![col("tstz", "timestamptz", -1)]);
        assert!(message.contains("column \"tstz\" row 3") && message.contains("infinity"), "{message}");
    }

    /// Random numerics from the live server (`cargo test --lib postgres`), checked against
    /// PostgreSQL's own text: `trim_scale(x)::text` for the text form, `(x * 10^10)::numeric(38,0)` for the
    /// `Decimal128(38,10)` form.
    #[test]
    #[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
    fn random_numerics_match_postgres_text() {
        // Ignored without the server (build.rs); under CI=true it must be there.
        let url = std::env::var("RECON_TEST_POSTGRES_URL").expect("RECON_TEST_POSTGRES_URL must be set under CI=true");
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("random.bin");
        let query = "SELECT x, trim_scale(x)::text, y, (y * 10000000000)::numeric(38,0)::text FROM (
            SELECT round((random() - 0.5)::numeric * 10::numeric ^ (random() * 60 - 30)::int, (random() * 40)::int) x,
                   round(((random() - 0.5) * 10 ^ (random() * 56 - 28))::numeric, 10)::numeric(38,10) y
            FROM generate_series(1, 20000)) s";
        let status = std::process::Command::new("psql")
            .args([url.as_str(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c"])
            .arg(format!("\\copy ({query}) to '{}' with (format binary)", file.display()))
            .status()
            .expect("psql runs");
        assert!(status.success());
        let bytes = std::fs::read(&file).expect("read");
        let columns = vec![
            col("x", "numeric", -1),
            col("x_text", "text", -1),
            col("y", "numeric", typmod(38, 10)),
            col("y_text", "text", -1),
        ];
        let batches = decode(&bytes, columns, 4096, 8192).expect("decodes");
        assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 20_000);
        for batch in batches {
            assert_eq!(strings(&batch, "x"), strings(&batch, "x_text"));
            let y = batch.column(2).as_primitive::<Decimal128Type>();
            let y_text = batch.column(3).as_string::<i32>();
            for i in 0..batch.num_rows() {
                assert_eq!(y.value(i), y_text.value(i).parse::<i128>().expect("integer"), "row {i}");
            }
        }
    }

    /// Big-endian i32s, as `array_send` and `record_send` write headers and lengths.
    fn be(values: &[i32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_be_bytes()).collect()
    }

    /// A binary array value of int4 elements: `ndim`, has-nulls, element oid 23, (length, lower bound) per
    /// dimension, then the elements.
    fn int4_array(dims: &[(i32, i32)], elements: &[Option<i32>]) -> Vec<u8> {
        let mut v = be(&[dims.len() as i32, 1, 23]);
        dims.iter().for_each(|(len, lower)| v.extend(be(&[*len, *lower])));
        for e in elements {
            v.extend(match e {
                Some(x) => be(&[4, *x]),
                None => be(&[-1]),
            });
        }
        v
    }

    fn formatted(array: &ArrayRef) -> Vec<String> {
        let options = arrow::util::display::FormatOptions::default().with_null("NULL");
        let formatter = arrow::util::display::ArrayFormatter::try_new(array.as_ref(), &options).unwrap();
        (0..array.len()).map(|i| formatter.value(i).to_string()).collect()
    }

    fn int4s(dims: usize) -> (Shape, DataType) {
        let shape = Shape::Array { element: Box::new(Shape::Scalar { name: "int4".into(), typmod: -1 }), dims };
        let data_type = shape.arrow_type().unwrap();
        (shape, data_type)
    }

    #[test]
    fn arrays_of_any_dimension_become_nested_lists_and_empty_and_null_arrays_stay_apart() {
        let (shape, data_type) = int4s(2);
        let mut decode = Decode::new(&shape.text(), &data_type, 4).unwrap();
        decode.append(&int4_array(&[(2, 1), (2, 1)], &[Some(1), None, Some(3), Some(4)])).unwrap();
        decode.append(&be(&[0, 0, 23])).unwrap();
        decode.append_null();
        decode.append(&int4_array(&[(1, 1), (1, 1)], &[None])).unwrap();
        let array = decode.finish().unwrap();
        assert_eq!(array.data_type(), &data_type);
        assert_eq!(formatted(&array), ["[[1, NULL], [3, 4]]", "[]", "NULL", "[[NULL]]"]);
        assert!(array.is_null(2) && !array.is_null(1));
    }

    #[test]
    fn an_array_not_from_1_a_wrong_dimension_or_a_cut_value_is_an_error() {
        let (shape, data_type) = int4s(1);
        let decode = || Decode::new(&shape.text(), &data_type, 4).unwrap();
        let err = decode().append(&int4_array(&[(3, 0)], &[Some(1), Some(2), Some(3)])).unwrap_err();
        assert!(err.to_string().contains("subscripts start at 0"), "{err}");
        let err = decode().append(&int4_array(&[(1, 1), (1, 1)], &[Some(1)])).unwrap_err();
        assert!(err.to_string().contains("2-dimensional array"), "{err}");
        let whole = int4_array(&[(2, 1)], &[Some(1), Some(2)]);
        for cut in 0..whole.len() {
            assert!(decode().append(&whole[..cut]).is_err(), "cut at {cut}");
        }
        let err = decode().append(&int4_array(&[(i32::MAX, 1)], &[Some(1)])).unwrap_err();
        assert!(err.to_string().contains("larger than the value"), "{err}");
    }

    #[test]
    fn composites_become_structs_with_their_fields_by_name() {
        let scalar = |name: &str| Shape::Scalar { name: name.into(), typmod: -1 };
        let shape = Shape::Composite { fields: vec![("zip".into(), scalar("int4")), ("city".into(), scalar("text"))] };
        let data_type = shape.arrow_type().unwrap();
        let mut decode = Decode::new(&shape.text(), &data_type, 2).unwrap();
        let mut value = be(&[2, 23, 4, 123, 25, 4]);
        value.extend(b"Oslo");
        decode.append(&value).unwrap();
        decode.append(&be(&[2, 23, -1, 25, -1])).unwrap();
        decode.append_null();
        let array = decode.finish().unwrap();
        assert_eq!(formatted(&array), ["{zip: 123, city: Oslo}", "{zip: NULL, city: NULL}", "NULL"]);
        assert!(decode_err_of(&shape, &data_type, &be(&[3, 23, -1])).contains("3 fields"));
    }

    fn decode_err_of(shape: &Shape, data_type: &DataType, value: &[u8]) -> String {
        Decode::new(&shape.text(), data_type, 1).unwrap().append(value).unwrap_err().to_string()
    }
}
