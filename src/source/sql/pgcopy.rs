//! PostgreSQL sources read `COPY (SELECT ...) TO STDOUT (FORMAT binary)`, the fastest and most exact way out
//! of the server; this module decodes that byte stream straight into Arrow batches, in chunks split anywhere.
//!
//! The stream is an 11-byte signature (`PGCOPY\n\xff\r\n\0`), 32-bit flags, a 32-bit header-extension length
//! and that many bytes; then one tuple per row (a 16-bit field count, then per field a 32-bit length, -1 for
//! NULL, and the value in the type's binary "send" format, all big-endian); then a trailer, a field count of
//! -1. Values are never converted through text, so nothing is rounded or reformatted on the way.
//!
//! | PostgreSQL type (`typname`)                  | Arrow type                              | Notes |
//! |----------------------------------------------|-----------------------------------------|-------|
//! | `int2`, `int4`, `int8`                       | `Int16`, `Int32`, `Int64`               | |
//! | `oid`                                        | `UInt32`                                | |
//! | `float4`, `float8`                           | `Float32`, `Float64`                    | `-0`, `NaN` and `±Infinity` kept bit for bit |
//! | `bool`                                       | `Boolean`                               | |
//! | `numeric(p,s)`, `1 <= p <= 38`, `s <= p`     | `Decimal128(p,s)`                       | base-10000 digits decoded exactly; `NaN`/`±Infinity` are errors |
//! | `numeric` (no typmod), `numeric(p,s)`, `p > 38` | `Utf8`                               | plain decimal text: no exponent, no trailing fraction zeros (`1.80` → `"1.8"`, `0` → `"0"`); `"NaN"`, `"Infinity"`, `"-Infinity"` |
//! | `text`, `varchar`, `name`, `citext`          | `Utf8`                                  | |
//! | `bpchar` (`char(n)`)                         | `Utf8`                                  | blank-padded to `n` as PostgreSQL stores and sends it: `'ab'::char(5)` is `"ab   "` |
//! | `json`                                       | `Utf8`                                  | the text as stored (key order and spacing kept) |
//! | `jsonb`                                      | `Utf8`                                  | PostgreSQL's normalised text (keys sorted by length then bytes); the leading version byte 1 is stripped |
//! | `uuid`                                       | `Utf8`                                  | lowercase hyphenated, `8-4-4-4-12` |
//! | enums (caller passes `pg_type` `"enum"`)     | `Utf8`                                  | the label |
//! | `bytea`                                      | `Binary`                                | |
//! | `date`                                       | `Date32`                                | days since 1970-01-01 (PostgreSQL counts from 2000-01-01: +10957); `±infinity` is an error |
//! | `timestamp`                                  | `Timestamp(Microsecond, None)`          | PostgreSQL counts from 2000-01-01: +946684800 s; `±infinity` is an error |
//! | `timestamptz`                                | `Timestamp(Microsecond, Some("+00:00"))`| the UTC instant, whatever the session time zone; `±infinity` is an error |
//! | `time`                                       | `Time64(Microsecond)`                   | `24:00:00`, which PostgreSQL accepts, is kept as 86 400 000 000 µs |
//! | anything else (arrays such as `_int4`, `timetz`, `interval`, ranges, …) | —            | [`arrow_type`] returns `None` |
//!
//! The numeric typmod is `((p << 16) | (s & 0x7ff)) + 4`: since PostgreSQL 15 the scale is an 11-bit signed
//! number and may be negative (`numeric(5,-2)` rounds to hundreds; it becomes `Decimal128(5,-2)`) or larger
//! than the precision (`numeric(2,5)`, which Arrow cannot represent, so it becomes `Utf8`).
//!
//! Every decoding error is an [`ArrowError::ParseError`] naming the column and the 1-based row; a corrupt
//! stream (bad signature, wrong field count, impossible length, missing trailer) is an error, never a panic.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float32Builder, Float64Builder,
    Int16Builder, Int32Builder, Int64Builder, RecordBatch, RecordBatchOptions, StringBuilder, Time64MicrosecondBuilder,
    TimestampMicrosecondBuilder, UInt32Builder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;

/// How one result column is decoded: its PostgreSQL type and the Arrow type it becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct PgColumn {
    pub name: String,
    /// `typname` from `pg_type`, e.g. `"int4"`, `"numeric"`, `"timestamptz"`, `"bpchar"`; `"enum"` for enums.
    pub pg_type: String,
    /// What [`arrow_type`] returned for the column.
    pub data_type: DataType,
}

/// The timezone of `timestamptz` columns: values are UTC instants.
const UTC: &str = "+00:00";
const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";
/// Signature, flags, header-extension length.
const HEADER_LEN: usize = 19;
/// Flag bits 0-15 mark critical format changes a reader must refuse; bit 16 says each row carries an OID.
const CRITICAL_FLAGS: u32 = 0x0001_ffff;
/// PostgreSQL never sends a field longer than 1 GB; anything longer is corruption, not a value to wait for.
const MAX_FIELD_LEN: i32 = 1 << 30;
/// Days from 1970-01-01 to PostgreSQL's epoch 2000-01-01.
const PG_EPOCH_DAYS: i32 = 10_957;
/// Microseconds from 1970-01-01 to 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
const MICROS_PER_DAY: i64 = 86_400_000_000;
const NUMERIC_POS: u16 = 0x0000;
const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_NINF: u16 = 0xF000;

/// The Arrow type for a PostgreSQL column, or None when recon cannot read it. `typmod` is
/// `pg_attribute.atttypmod` (numeric precision and scale are encoded in it; -1 = unconstrained).
pub fn arrow_type(pg_type: &str, typmod: i32) -> Option<DataType> {
    Some(match pg_type {
        "int2" => DataType::Int16,
        "int4" => DataType::Int32,
        "int8" => DataType::Int64,
        "oid" => DataType::UInt32,
        "float4" => DataType::Float32,
        "float8" => DataType::Float64,
        "bool" => DataType::Boolean,
        "numeric" => numeric_type(typmod),
        "text" | "varchar" | "name" | "citext" | "bpchar" | "json" | "jsonb" | "uuid" | "enum" => DataType::Utf8,
        "bytea" => DataType::Binary,
        "date" => DataType::Date32,
        "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "timestamptz" => DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
        "time" => DataType::Time64(TimeUnit::Microsecond),
        _ => return None,
    })
}

/// `Decimal128(p,s)` for `numeric(p,s)` when Arrow can hold it, else `Utf8`.
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
        _ => DataType::Utf8,
    }
}

/// A column's builder, chosen by its PostgreSQL type.
enum Decode {
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
    NumericText(StringBuilder),
    /// Types whose binary form is their UTF-8 text: text, varchar, name, citext, bpchar, json, enums.
    Text(StringBuilder),
    Jsonb(StringBuilder),
    Uuid(StringBuilder),
    Bytea(BinaryBuilder),
    Date(Date32Builder),
    /// timestamp and timestamptz: the builder carries the timezone.
    Timestamp(TimestampMicrosecondBuilder),
    Time(Time64MicrosecondBuilder),
}

impl Decode {
    fn new(pg_type: &str, data_type: &DataType, capacity: usize) -> Result<Decode, String> {
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
                builder: Decimal128Builder::with_capacity(capacity)
                    .with_precision_and_scale(*precision, *scale)
                    .map_err(|e| e.to_string())?,
                precision: *precision,
                scale: *scale,
            },
            ("numeric", T::Utf8) => Decode::NumericText(utf8()),
            ("text" | "varchar" | "name" | "citext" | "bpchar" | "json" | "enum", T::Utf8) => Decode::Text(utf8()),
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
            _ => return Err(format!("cannot decode PostgreSQL type {pg_type} as {data_type}")),
        })
    }

    fn append_null(&mut self) {
        match self {
            Decode::Int16(b) => b.append_null(),
            Decode::Int32(b) => b.append_null(),
            Decode::Int64(b) => b.append_null(),
            Decode::Oid(b) => b.append_null(),
            Decode::Float32(b) => b.append_null(),
            Decode::Float64(b) => b.append_null(),
            Decode::Bool(b) => b.append_null(),
            Decode::Decimal { builder, .. } => builder.append_null(),
            Decode::NumericText(b) | Decode::Text(b) | Decode::Jsonb(b) | Decode::Uuid(b) => b.append_null(),
            Decode::Bytea(b) => b.append_null(),
            Decode::Date(b) => b.append_null(),
            Decode::Timestamp(b) => b.append_null(),
            Decode::Time(b) => b.append_null(),
        }
    }

    /// Appends one non-NULL value given in its binary send format; the error says what is wrong with it.
    fn append(&mut self, v: &[u8]) -> Result<(), String> {
        match self {
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
            Decode::NumericText(b) => {
                Numeric::parse(v)?.write_text(b).map_err(|_| "cannot write numeric text".to_string())?;
                b.append_value("");
            }
            Decode::Text(b) => b.append_value(utf8(v)?),
            Decode::Jsonb(b) => match v.split_first() {
                Some((1, text)) => b.append_value(utf8(text)?),
                Some((version, _)) => return Err(format!("unsupported jsonb binary version {version}")),
                None => return Err("empty jsonb value".into()),
            },
            Decode::Uuid(b) => b.append_value(uuid_text(&fixed(v)?, &mut [0; 36])?),
            Decode::Bytea(b) => b.append_value(v),
            Decode::Date(b) => {
                let days = i32::from_be_bytes(fixed(v)?);
                if days == i32::MAX || days == i32::MIN {
                    return Err(format!("{}infinity date cannot be represented in Date32", sign(days)));
                }
                b.append_value(days.checked_add(PG_EPOCH_DAYS).ok_or("date out of Date32 range")?)
            }
            Decode::Timestamp(b) => {
                let micros = i64::from_be_bytes(fixed(v)?);
                if micros == i64::MAX || micros == i64::MIN {
                    return Err(format!("{}infinity timestamp cannot be represented in Arrow", sign(micros)));
                }
                b.append_value(micros.checked_add(PG_EPOCH_MICROS).ok_or("timestamp out of Arrow range")?)
            }
            Decode::Time(b) => {
                let micros = i64::from_be_bytes(fixed(v)?);
                if !(0..=MICROS_PER_DAY).contains(&micros) {
                    return Err(format!("time of {micros} µs is outside 00:00:00..=24:00:00"));
                }
                b.append_value(micros)
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Decode::Int16(b) => Arc::new(b.finish()),
            Decode::Int32(b) => Arc::new(b.finish()),
            Decode::Int64(b) => Arc::new(b.finish()),
            Decode::Oid(b) => Arc::new(b.finish()),
            Decode::Float32(b) => Arc::new(b.finish()),
            Decode::Float64(b) => Arc::new(b.finish()),
            Decode::Bool(b) => Arc::new(b.finish()),
            Decode::Decimal { builder, .. } => Arc::new(builder.finish()),
            Decode::NumericText(b) | Decode::Text(b) | Decode::Jsonb(b) | Decode::Uuid(b) => Arc::new(b.finish()),
            Decode::Bytea(b) => Arc::new(b.finish()),
            Decode::Date(b) => Arc::new(b.finish()),
            Decode::Timestamp(b) => Arc::new(b.finish()),
            Decode::Time(b) => Arc::new(b.finish()),
        }
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
fn fixed<const N: usize>(v: &[u8]) -> Result<[u8; N], String> {
    v.try_into().map_err(|_| format!("expected {N} bytes, got {}", v.len()))
}

fn utf8(v: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(v).map_err(|e| format!("invalid UTF-8: {e}"))
}

fn uuid_text<'a>(bytes: &[u8; 16], out: &'a mut [u8; 36]) -> Result<&'a str, String> {
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
    std::str::from_utf8(out).map_err(|e| e.to_string())
}

/// Powers of ten that fit in an i128: 10^0 ..= 10^38.
const POW10: [i128; 39] = {
    let mut table = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// A numeric in its binary send format: `value = ± Σ digit[i] · 10000^(weight - i)`.
struct Numeric<'a> {
    weight: i32,
    negative: bool,
    special: Option<&'static str>,
    /// Base-10000 digits, each a big-endian u16, leading and trailing zero digits removed.
    digits: &'a [u8],
}

impl<'a> Numeric<'a> {
    /// Header: ndigits, weight, sign, dscale (16 bits each), then ndigits digits. dscale (the number of
    /// fraction digits to display) is ignored: the digits alone define the value.
    fn parse(v: &'a [u8]) -> Result<Numeric<'a>, String> {
        let (header, digits) = v.split_first_chunk::<8>().ok_or("numeric shorter than its 8-byte header")?;
        let [n0, n1, w0, w1, s0, s1, _, _] = *header;
        let ndigits = i16::from_be_bytes([n0, n1]);
        let mut weight = i32::from(i16::from_be_bytes([w0, w1]));
        if ndigits < 0 || digits.len() != 2 * ndigits.unsigned_abs() as usize {
            return Err(format!("numeric declares {ndigits} digits but carries {} bytes", digits.len()));
        }
        let (negative, special) = match u16::from_be_bytes([s0, s1]) {
            NUMERIC_POS => (false, None),
            NUMERIC_NEG => (true, None),
            NUMERIC_NAN => (false, Some("NaN")),
            NUMERIC_PINF => (false, Some("Infinity")),
            NUMERIC_NINF => (true, Some("-Infinity")),
            other => return Err(format!("invalid numeric sign word {other:#06x}")),
        };
        let mut digits = digits;
        if digits.chunks_exact(2).any(|d| be_u16(d) > 9999) {
            return Err("numeric digit above 9999".into());
        }
        // PostgreSQL strips zero digits at both ends before sending; do it again rather than rely on it.
        while let Some(([0, 0], rest)) = digits.split_first_chunk::<2>() {
            digits = rest;
            weight -= 1;
        }
        while let Some((rest, [0, 0])) = digits.split_last_chunk::<2>() {
            digits = rest;
        }
        Ok(Numeric { weight, negative, special, digits })
    }

    /// Each digit with its base-10000 exponent.
    fn digits(&self) -> impl Iterator<Item = (i32, u16)> + '_ {
        self.digits.chunks_exact(2).zip(0..).map(move |(d, i)| (self.weight - i, be_u16(d)))
    }

    /// The unscaled value at `scale`, checked against `precision`.
    fn to_i128(&self, precision: u8, scale: i8) -> Result<i128, String> {
        if let Some(special) = self.special {
            return Err(format!("{special} cannot be represented in Decimal128({precision}, {scale})"));
        }
        let out_of_range = || format!("value out of range for Decimal128({precision}, {scale})");
        let mut unscaled: i128 = 0;
        for (exponent, digit) in self.digits() {
            // This digit contributes digit · 10^(4·exponent + scale) to the unscaled value.
            let power = 4 * exponent + i32::from(scale);
            let term = if power >= 0 {
                let factor = usize::try_from(power).ok().and_then(|p| POW10.get(p)).ok_or_else(out_of_range)?;
                i128::from(digit).checked_mul(*factor).ok_or_else(out_of_range)?
            } else {
                let divisor = usize::try_from(-power).ok().and_then(|p| POW10.get(p)).copied().unwrap_or(i128::MAX);
                if i128::from(digit) % divisor != 0 {
                    return Err(format!("value has more fraction digits than scale {scale}"));
                }
                i128::from(digit) / divisor
            };
            unscaled = unscaled.checked_add(term).ok_or_else(out_of_range)?;
        }
        if POW10.get(usize::from(precision)).is_some_and(|limit| unscaled >= *limit) {
            return Err(out_of_range());
        }
        Ok(if self.negative { -unscaled } else { unscaled })
    }

    /// Plain decimal text: no exponent, no trailing fraction zeros, `0` for zero.
    fn write_text(&self, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        if let Some(special) = self.special {
            return out.write_str(special);
        }
        let count = (self.digits.len() / 2) as i32;
        if count == 0 {
            return out.write_char('0');
        }
        let digit = |i: i32| -> u16 {
            usize::try_from(i).ok().and_then(|i| self.digits.get(2 * i..2 * i + 2)).map_or(0, be_u16)
        };
        if self.negative {
            out.write_char('-')?;
        }
        // Integer part: digit indexes 0..=weight (past the last digit they are zero groups).
        if self.weight < 0 {
            out.write_char('0')?;
        } else {
            write!(out, "{}", digit(0))?;
            for i in 1..=self.weight {
                write!(out, "{:04}", digit(i))?;
            }
        }
        // Fraction part: indexes weight+1 .. count (negative indexes are zero groups after the point).
        if count - 1 > self.weight {
            out.write_char('.')?;
            for i in self.weight + 1..count - 1 {
                write!(out, "{:04}", digit(i))?;
            }
            // The last digit is non-zero: print it without its trailing zeros.
            let (mut last, mut width) = (digit(count - 1), 4);
            while last != 0 && last % 10 == 0 {
                last /= 10;
                width -= 1;
            }
            write!(out, "{last:0width$}")?;
        }
        Ok(())
    }
}

struct Column {
    name: String,
    decode: Decode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Rows,
    /// The trailer was read; nothing may follow.
    Done,
}

/// What the bytes at the start of the unconsumed data hold.
enum Next {
    /// Not enough bytes yet: at least this many are needed.
    Incomplete(usize),
    /// A complete row of this many bytes.
    Row(usize),
    Trailer,
}

/// Decodes one binary COPY stream into batches of `batch_rows` rows.
pub struct CopyDecoder {
    schema: SchemaRef,
    columns: Vec<Column>,
    batch_rows: usize,
    rows_in_batch: usize,
    /// Rows decoded so far, batches already returned included.
    rows: u64,
    state: State,
    /// Bytes received but not yet decoded: a partial header or row.
    pending: Vec<u8>,
    /// `pending` must hold at least this many bytes before decoding can progress.
    need: usize,
    /// Set when `new` was given a column it cannot decode, or after any error: every later call fails.
    failed: Option<String>,
}

fn parse_error(message: String) -> ArrowError {
    ArrowError::ParseError(message)
}

/// A big-endian u16 from a 2-byte slice (as `chunks_exact(2)` yields).
fn be_u16(d: &[u8]) -> u16 {
    d.iter().fold(0, |acc, b| acc << 8 | u16::from(*b))
}

fn read_i16(data: &[u8], at: usize) -> Option<i16> {
    data.get(at..at.checked_add(2)?).and_then(|b| b.try_into().ok()).map(i16::from_be_bytes)
}

fn read_i32(data: &[u8], at: usize) -> Option<i32> {
    data.get(at..at.checked_add(4)?).and_then(|b| b.try_into().ok()).map(i32::from_be_bytes)
}

impl CopyDecoder {
    pub fn new(columns: Vec<PgColumn>, batch_rows: usize) -> CopyDecoder {
        let batch_rows = batch_rows.max(1);
        let capacity = batch_rows.min(64 * 1024);
        let schema = Arc::new(Schema::new(
            columns.iter().map(|c| Field::new(&c.name, c.data_type.clone(), true)).collect::<Vec<_>>(),
        ));
        let mut failed = None;
        let mut decoders = Vec::with_capacity(columns.len());
        for c in columns {
            // A placeholder keeps the columns aligned; `failed` stops any decoding.
            let decode = Decode::new(&c.pg_type, &c.data_type, capacity).unwrap_or_else(|message| {
                failed.get_or_insert(format!("column \"{}\": {message}", c.name));
                Decode::Bool(BooleanBuilder::new())
            });
            decoders.push(Column { name: c.name, decode });
        }
        CopyDecoder {
            schema,
            columns: decoders,
            batch_rows,
            rows_in_batch: 0,
            rows: 0,
            state: State::Header,
            pending: Vec::new(),
            need: 0,
            failed,
        }
    }

    /// The schema of every batch: the columns' names and Arrow types, all nullable.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Feeds the next chunk (chunks split anywhere, even inside the header or a field); returns every batch
    /// of `batch_rows` rows completed.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<RecordBatch>, ArrowError> {
        self.check()?;
        let mut batches = Vec::new();
        let result = self.push_inner(chunk, &mut batches);
        self.fail_on(result)?;
        Ok(batches)
    }

    /// After the last chunk: the final partial batch (None when empty). Errors if the stream ended mid-row
    /// or without the trailer (-1 field count).
    pub fn finish(mut self) -> Result<Option<RecordBatch>, ArrowError> {
        self.check()?;
        match self.state {
            State::Done => {}
            State::Header => {
                return Err(parse_error(format!(
                    "PostgreSQL binary COPY: stream ended inside the header ({} bytes)",
                    self.pending.len()
                )))
            }
            State::Rows if self.pending.is_empty() => {
                return Err(parse_error(format!(
                    "PostgreSQL binary COPY: stream ended after row {} without the trailer",
                    self.rows
                )))
            }
            State::Rows => {
                return Err(parse_error(format!(
                    "PostgreSQL binary COPY: stream ended in the middle of row {} ({} bytes of it received)",
                    self.rows + 1,
                    self.pending.len()
                )))
            }
        }
        if self.rows_in_batch == 0 {
            return Ok(None);
        }
        self.flush().map(Some)
    }

    fn check(&self) -> Result<(), ArrowError> {
        match &self.failed {
            Some(message) => Err(parse_error(message.clone())),
            None => Ok(()),
        }
    }

    fn fail_on<T>(&mut self, result: Result<T, ArrowError>) -> Result<T, ArrowError> {
        if let Err(e) = &result {
            self.failed = Some(format!("an earlier chunk failed: {e}"));
        }
        result
    }

    fn push_inner(&mut self, chunk: &[u8], batches: &mut Vec<RecordBatch>) -> Result<(), ArrowError> {
        if chunk.is_empty() {
            return Ok(());
        }
        if self.pending.is_empty() {
            // The common case: decode straight from the chunk and keep only its incomplete tail.
            let consumed = self.decode(chunk, batches)?;
            self.pending.extend_from_slice(chunk.get(consumed..).unwrap_or_default());
        } else {
            self.pending.extend_from_slice(chunk);
            if self.pending.len() < self.need {
                return Ok(());
            }
            let pending = std::mem::take(&mut self.pending);
            let result = self.decode(&pending, batches);
            self.pending = pending;
            let consumed = result?;
            self.pending.drain(..consumed.min(self.pending.len()));
        }
        Ok(())
    }

    /// Decodes everything complete in `data`; returns how many bytes were consumed and sets `need`.
    fn decode(&mut self, data: &[u8], batches: &mut Vec<RecordBatch>) -> Result<usize, ArrowError> {
        let mut pos = 0;
        loop {
            let rest = data.get(pos..).unwrap_or_default();
            match self.state {
                State::Header => match header_len(rest)? {
                    Ok(len) => {
                        pos += len;
                        self.state = State::Rows;
                    }
                    Err(need) => {
                        self.need = need;
                        return Ok(pos);
                    }
                },
                State::Rows => match self.next(rest)? {
                    Next::Incomplete(need) => {
                        self.need = need;
                        return Ok(pos);
                    }
                    Next::Trailer => {
                        pos += 2;
                        self.state = State::Done;
                    }
                    Next::Row(len) => {
                        self.decode_row(rest.get(..len).unwrap_or_default())?;
                        pos += len;
                        if self.rows_in_batch >= self.batch_rows {
                            batches.push(self.flush()?);
                        }
                    }
                },
                State::Done if rest.is_empty() => return Ok(pos),
                State::Done => {
                    return Err(parse_error(format!("PostgreSQL binary COPY: {} bytes after the trailer", rest.len())))
                }
            }
        }
    }

    /// Whether `rest` starts with a complete row, the trailer, or too few bytes to tell.
    fn next(&self, rest: &[u8]) -> Result<Next, ArrowError> {
        let row = self.rows + 1;
        let Some(count) = read_i16(rest, 0) else {
            return Ok(Next::Incomplete(2));
        };
        if count == -1 {
            return Ok(Next::Trailer);
        }
        if usize::try_from(count).ok() != Some(self.columns.len()) {
            return Err(parse_error(format!(
                "PostgreSQL binary COPY: row {row} has {count} fields, expected {}",
                self.columns.len()
            )));
        }
        let mut end = 2;
        for column in &self.columns {
            let Some(len) = read_i32(rest, end) else {
                return Ok(Next::Incomplete(end + 4));
            };
            end += 4;
            if len == -1 {
                continue;
            }
            if !(0..=MAX_FIELD_LEN).contains(&len) {
                return Err(parse_error(format!("column \"{}\" row {row}: invalid field length {len}", column.name)));
            }
            end += len.unsigned_abs() as usize;
            if end > rest.len() {
                return Ok(Next::Incomplete(end));
            }
        }
        Ok(Next::Row(end))
    }

    /// Appends one complete row, already checked by [`CopyDecoder::next`].
    fn decode_row(&mut self, row_bytes: &[u8]) -> Result<(), ArrowError> {
        let row = self.rows + 1;
        let mut pos = 2;
        for column in &mut self.columns {
            let truncated =
                || parse_error(format!("column \"{}\" row {row}: field past the end of the row", column.name));
            let len = read_i32(row_bytes, pos).ok_or_else(truncated)?;
            pos += 4;
            if len < 0 {
                column.decode.append_null();
                continue;
            }
            let end = pos + len.unsigned_abs() as usize;
            let value = row_bytes.get(pos..end).ok_or_else(truncated)?;
            pos = end;
            column
                .decode
                .append(value)
                .map_err(|message| parse_error(format!("column \"{}\" row {row}: {message}", column.name)))?;
        }
        self.rows += 1;
        self.rows_in_batch += 1;
        Ok(())
    }

    fn flush(&mut self) -> Result<RecordBatch, ArrowError> {
        let arrays = self.columns.iter_mut().map(|c| c.decode.finish()).collect();
        let options = RecordBatchOptions::new().with_row_count(Some(self.rows_in_batch));
        self.rows_in_batch = 0;
        RecordBatch::try_new_with_options(self.schema.clone(), arrays, &options)
    }
}

/// `Ok(length)` of the header once complete, `Err(bytes needed)` before; checks the signature and flags as
/// soon as they arrive.
fn header_len(rest: &[u8]) -> Result<Result<usize, usize>, ArrowError> {
    let signature = rest.get(..SIGNATURE.len()).unwrap_or(rest);
    if !SIGNATURE.starts_with(signature) {
        return Err(parse_error("PostgreSQL binary COPY: bad signature (not a binary COPY stream)".into()));
    }
    let (Some(flags), Some(extension)) = (read_i32(rest, 11), read_i32(rest, 15)) else {
        return Ok(Err(HEADER_LEN));
    };
    let flags = flags as u32;
    if flags & CRITICAL_FLAGS != 0 {
        return Err(parse_error(format!("PostgreSQL binary COPY: unsupported header flags {flags:#010x}")));
    }
    let extension = usize::try_from(extension)
        .ok()
        .filter(|e| *e <= MAX_FIELD_LEN as usize)
        .ok_or_else(|| parse_error(format!("PostgreSQL binary COPY: invalid header extension length {extension}")))?;
    let len = HEADER_LEN + extension;
    Ok(if rest.len() < len { Err(len) } else { Ok(len) })
}

#[cfg(test)]
mod tests {
    //! The fixtures are real `COPY (SELECT ...) TO STDOUT (FORMAT binary)` output of PostgreSQL 15, written
    //! by `fixtures/pgcopy/generate.sh`, which holds the queries whose values are asserted here.

    use arrow::array::{Array, AsArray};
    use arrow::compute::concat_batches;
    use arrow::datatypes::{
        Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Time64MicrosecondType,
        TimestampMicrosecondType, UInt32Type,
    };

    use super::*;

    const INTEGERS: &[u8] = include_bytes!("../../../fixtures/pgcopy/integers.bin");
    const FLOATS: &[u8] = include_bytes!("../../../fixtures/pgcopy/floats.bin");
    const DECIMALS: &[u8] = include_bytes!("../../../fixtures/pgcopy/decimals.bin");
    const NUMERICS: &[u8] = include_bytes!("../../../fixtures/pgcopy/numerics.bin");
    const TEXTS: &[u8] = include_bytes!("../../../fixtures/pgcopy/texts.bin");
    const TIMES: &[u8] = include_bytes!("../../../fixtures/pgcopy/times.bin");
    const INFINITE_DATE: &[u8] = include_bytes!("../../../fixtures/pgcopy/infinite_date.bin");
    const INFINITE_TIMESTAMP: &[u8] = include_bytes!("../../../fixtures/pgcopy/infinite_timestamp.bin");
    const INFINITE_TIMESTAMPTZ: &[u8] = include_bytes!("../../../fixtures/pgcopy/infinite_timestamptz.bin");

    /// `pg_attribute.atttypmod` of `numeric(p,s)`.
    fn typmod(p: i32, s: i32) -> i32 {
        ((p << 16) | (s & 0x7ff)) + 4
    }

    fn col(name: &str, pg_type: &str, typmod: i32) -> PgColumn {
        let data_type = arrow_type(pg_type, typmod).expect("supported type");
        PgColumn { name: name.into(), pg_type: pg_type.into(), data_type }
    }

    fn integer_columns() -> Vec<PgColumn> {
        vec![col("i2", "int2", -1), col("i4", "int4", -1), col("i8", "int8", -1), col("o", "oid", -1)]
    }
    fn float_columns() -> Vec<PgColumn> {
        vec![col("f4", "float4", -1), col("f8", "float8", -1), col("b", "bool", -1)]
    }
    fn decimal_columns() -> Vec<PgColumn> {
        vec![
            col("d38", "numeric", typmod(38, 10)),
            col("d12", "numeric", typmod(12, 2)),
            col("d5neg", "numeric", typmod(5, -2)),
        ]
    }
    fn numeric_columns() -> Vec<PgColumn> {
        vec![col("x", "numeric", -1), col("wide", "numeric", typmod(50, 5))]
    }
    fn text_columns() -> Vec<PgColumn> {
        [
            ("t", "text"),
            ("vc", "varchar"),
            ("nm", "name"),
            ("ch", "bpchar"),
            ("ci", "citext"),
            ("js", "json"),
            ("jb", "jsonb"),
            ("mood", "enum"),
            ("u", "uuid"),
            ("by", "bytea"),
        ]
        .into_iter()
        .map(|(name, pg_type)| col(name, pg_type, -1))
        .collect()
    }
    fn time_columns() -> Vec<PgColumn> {
        vec![col("d", "date", -1), col("ts", "timestamp", -1), col("tstz", "timestamptz", -1), col("tm", "time", -1)]
    }

    /// The fixtures that decode without error, with their columns.
    fn fixtures() -> Vec<(&'static str, &'static [u8], Vec<PgColumn>)> {
        vec![
            ("integers", INTEGERS, integer_columns()),
            ("floats", FLOATS, float_columns()),
            ("decimals", DECIMALS, decimal_columns()),
            ("numerics", NUMERICS, numeric_columns()),
            ("texts", TEXTS, text_columns()),
            ("times", TIMES, time_columns()),
        ]
    }

    /// Every batch of `bytes` fed in `chunk`-byte pieces, the final partial batch included.
    fn decode(
        bytes: &[u8],
        columns: Vec<PgColumn>,
        batch_rows: usize,
        chunk: usize,
    ) -> Result<Vec<RecordBatch>, ArrowError> {
        let mut decoder = CopyDecoder::new(columns, batch_rows);
        let mut batches = Vec::new();
        for piece in bytes.chunks(chunk) {
            batches.extend(decoder.push(piece)?);
        }
        batches.extend(decoder.finish()?);
        Ok(batches)
    }

    /// All rows of `bytes` as one batch.
    fn decode_one(bytes: &[u8], columns: Vec<PgColumn>) -> RecordBatch {
        let mut batches = decode(bytes, columns, 1000, bytes.len()).expect("decodes");
        assert_eq!(batches.len(), 1);
        batches.remove(0)
    }

    fn decode_err(bytes: &[u8], columns: Vec<PgColumn>) -> String {
        match decode(bytes, columns, 1000, bytes.len().max(1)) {
            Ok(batches) => panic!("expected an error, decoded {batches:?}"),
            Err(ArrowError::ParseError(message)) => message,
            Err(other) => panic!("expected a ParseError, got {other:?}"),
        }
    }

    fn strings(batch: &RecordBatch, name: &str) -> Vec<Option<String>> {
        let array = batch.column_by_name(name).expect("column");
        assert_eq!(array.data_type(), &DataType::Utf8, "{name}");
        array.as_string::<i32>().iter().map(|v| v.map(str::to_string)).collect()
    }

    fn some(values: &[&str]) -> Vec<Option<String>> {
        values.iter().map(|v| Some(v.to_string())).collect()
    }

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
        ] {
            assert_eq!(arrow_type(pg_type, -1), Some(expected), "{pg_type}");
        }
        for unsupported in ["_int4", "timetz", "interval", "int4range", "xml", "money", "point", ""] {
            assert_eq!(arrow_type(unsupported, -1), None, "{unsupported}");
        }
        // Typmods as PostgreSQL 15 stores them (checked with pg_attribute).
        assert_eq!(arrow_type("numeric", 2490382), Some(T::Decimal128(38, 10)));
        assert_eq!(arrow_type("numeric", 329730), Some(T::Decimal128(5, -2)));
        assert_eq!(arrow_type("numeric", 131081), Some(T::Utf8), "numeric(2,5): scale > precision");
        assert_eq!(arrow_type("numeric", typmod(12, 2)), Some(T::Decimal128(12, 2)));
        assert_eq!(arrow_type("numeric", typmod(1, 0)), Some(T::Decimal128(1, 0)));
        assert_eq!(arrow_type("numeric", typmod(38, 38)), Some(T::Decimal128(38, 38)));
        assert_eq!(arrow_type("numeric", typmod(39, 0)), Some(T::Utf8));
        assert_eq!(arrow_type("numeric", typmod(1000, 500)), Some(T::Utf8));
        assert_eq!(arrow_type("numeric", 0), Some(T::Utf8));
        assert_eq!(arrow_type("numeric", i32::MIN), Some(T::Utf8));
    }

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
        let mut wide = some(&["1.8", "-12345678901234567890123456789012345678901234.56789", "0"]);
        wide.resize(13, None);
        assert_eq!(strings(&batch, "wide"), wide);
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

    /// A numeric in binary send format.
    fn numeric_bytes(weight: i16, sign: u16, digits: &[u16]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend((digits.len() as i16).to_be_bytes());
        v.extend(weight.to_be_bytes());
        v.extend(sign.to_be_bytes());
        v.extend(0u16.to_be_bytes());
        for d in digits {
            v.extend(d.to_be_bytes());
        }
        v
    }

    fn numeric_text(bytes: &[u8]) -> Result<String, String> {
        let mut text = String::new();
        Numeric::parse(bytes)?.write_text(&mut text).map_err(|e| e.to_string())?;
        Ok(text)
    }

    #[test]
    fn numeric_edge_cases() {
        // Unstripped zero digits, which PostgreSQL itself never sends, still print canonically.
        assert_eq!(numeric_text(&numeric_bytes(1, NUMERIC_NEG, &[0, 0])).as_deref(), Ok("0"));
        assert_eq!(numeric_text(&numeric_bytes(1, NUMERIC_POS, &[0, 12, 3400, 0])).as_deref(), Ok("12.34"));
        assert_eq!(numeric_text(&numeric_bytes(-1, NUMERIC_POS, &[5000])).as_deref(), Ok("0.5"));
        assert_eq!(numeric_text(&numeric_bytes(3, NUMERIC_POS, &[7])).as_deref(), Ok("7000000000000"));
        assert!(numeric_text(&numeric_bytes(0, NUMERIC_POS, &[10000])).is_err());
        assert!(numeric_text(&numeric_bytes(0, 0x1234, &[1])).is_err());
        assert!(numeric_text(&numeric_bytes(0, NUMERIC_POS, &[1])[..9]).is_err());
        assert!(numeric_text(&[0, 1]).is_err());
        let nan = Numeric::parse(&[0, 0, 0, 0, 0xC0, 0, 0, 0]).expect("parses");
        assert!(nan.to_i128(10, 2).is_err_and(|e| e.contains("NaN")));
        let tiny = numeric_bytes(-5, NUMERIC_POS, &[1]);
        assert_eq!(Numeric::parse(&tiny).and_then(|n| n.to_i128(38, 20)), Ok(1));
        assert_eq!(Numeric::parse(&tiny).and_then(|n| n.to_i128(38, 38)), Ok(10i128.pow(18)));
        let huge = numeric_bytes(20, NUMERIC_POS, &[1]);
        assert!(Numeric::parse(&huge).and_then(|n| n.to_i128(38, 0)).is_err());
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
        // char(5) arrives blank-padded; the second row's '' has no length (VALUES drops the typmod).
        assert_eq!(strings(&batch, "ch"), with_null(&["ab   ", ""]));
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

    #[test]
    fn any_chunking_and_batch_size_gives_the_same_rows() {
        for (name, bytes, columns) in fixtures() {
            let whole = decode_one(bytes, columns.clone());
            for chunk in [1, 2, 3, 5, 7, 19, 64, bytes.len()] {
                for batch_rows in [1, 2, 3, 1000] {
                    let batches = decode(bytes, columns.clone(), batch_rows, chunk).expect("decodes");
                    assert!(batches.iter().all(|b| b.num_rows() <= batch_rows && b.num_rows() > 0), "{name}");
                    assert_eq!(batches.len(), whole.num_rows().div_ceil(batch_rows), "{name}");
                    let joined = concat_batches(&whole.schema(), &batches).expect("concat");
                    assert_eq!(joined, whole, "{name}: chunk {chunk}, batch_rows {batch_rows}");
                }
            }
        }
    }

    #[test]
    fn push_returns_full_batches_and_finish_the_rest() {
        let mut decoder = CopyDecoder::new(integer_columns(), 3);
        let batches = decoder.push(INTEGERS).expect("decodes");
        assert_eq!(batches.iter().map(RecordBatch::num_rows).collect::<Vec<_>>(), [3]);
        assert_eq!(decoder.finish().expect("complete").map(|b| b.num_rows()), Some(1));

        let mut decoder = CopyDecoder::new(integer_columns(), 4);
        assert_eq!(decoder.push(INTEGERS).expect("decodes").len(), 1);
        assert!(decoder.finish().expect("complete").is_none());
    }

    #[test]
    fn every_truncation_is_an_error() {
        for (name, bytes, columns) in fixtures() {
            for cut in 0..bytes.len() {
                for chunk in [1, 7, bytes.len()] {
                    let result = decode(bytes.get(..cut).expect("prefix"), columns.clone(), 2, chunk);
                    assert!(result.is_err(), "{name}: {cut} of {} bytes decoded", bytes.len());
                }
            }
        }
    }

    #[test]
    fn corrupt_streams_are_errors() {
        let corrupt = |at: usize, value: &[u8]| {
            let mut bytes = INTEGERS.to_vec();
            bytes.splice(at..at + value.len(), value.iter().copied());
            bytes
        };
        let message = decode_err(&corrupt(0, b"X"), integer_columns());
        assert!(message.contains("signature"), "{message}");
        // Detected as soon as the first byte arrives.
        let mut decoder = CopyDecoder::new(integer_columns(), 10);
        assert!(decoder.push(b"PGCOPY\n\xfe").is_err());
        assert!(decoder.push(INTEGERS).is_err(), "a failed decoder stays failed");
        // Flag bit 16: rows carry OIDs, which PostgreSQL 12+ never sends.
        let message = decode_err(&corrupt(11, &[0, 1, 0, 0]), integer_columns());
        assert!(message.contains("flags"), "{message}");
        let message = decode_err(&corrupt(19, &[0, 5]), integer_columns());
        assert!(message.contains("row 1 has 5 fields, expected 4"), "{message}");
        let message = decode_err(&corrupt(21, &[0x7f, 0xff, 0xff, 0xff]), integer_columns());
        assert!(message.contains("column \"i2\" row 1: invalid field length"), "{message}");
        let message = decode_err(&corrupt(21, &[0xff, 0xff, 0xff, 0xfe]), integer_columns());
        assert!(message.contains("invalid field length -2"), "{message}");
        let message = decode_err(&corrupt(21, &[0, 0, 4, 0]), integer_columns());
        assert!(message.contains("middle of row 1"), "{message}");
        let mut trailing = INTEGERS.to_vec();
        trailing.push(0);
        let message = decode_err(&trailing, integer_columns());
        assert!(message.contains("after the trailer"), "{message}");
        let message = decode_err(b"", integer_columns());
        assert!(message.contains("header"), "{message}");
        // A field of the wrong width: int2 values read as int4.
        let mut columns = integer_columns();
        columns[0] = col("i2", "int4", -1);
        let message = decode_err(INTEGERS, columns);
        assert!(message.contains("column \"i2\" row 1: expected 4 bytes, got 2"), "{message}");
        // A column type the decoder cannot produce fails every call.
        let columns = vec![PgColumn { name: "n".into(), pg_type: "int4".into(), data_type: DataType::Utf8 }];
        let message = decode_err(INTEGERS, columns);
        assert!(message.contains("column \"n\"") && message.contains("cannot decode"), "{message}");
    }

    #[test]
    fn flipped_bytes_never_panic() {
        for (_, bytes, columns) in fixtures() {
            for at in 0..bytes.len() {
                for mask in [0x01, 0x80, 0xff] {
                    let mut bytes = bytes.to_vec();
                    bytes[at] ^= mask;
                    let _ = decode(&bytes, columns.clone(), 2, 3);
                }
            }
        }
    }

    #[test]
    fn header_extension_and_empty_results() {
        let mut bytes = SIGNATURE.to_vec();
        bytes.extend(0u32.to_be_bytes());
        bytes.extend(3u32.to_be_bytes());
        bytes.extend(b"ext");
        let empty = [bytes.clone(), vec![0xff, 0xff]].concat();
        for chunk in [1, empty.len()] {
            assert!(decode(&empty, vec![col("n", "int4", -1)], 10, chunk).expect("decodes").is_empty());
        }
        bytes.extend(1i16.to_be_bytes());
        bytes.extend(4i32.to_be_bytes());
        bytes.extend(7i32.to_be_bytes());
        bytes.extend((-1i16).to_be_bytes());
        let batch = decode_one(&bytes, vec![col("n", "int4", -1)]);
        assert_eq!(batch.column(0).as_primitive::<Int32Type>().values().to_vec(), [7]);
        // No columns at all (`SELECT FROM t`): rows are counted.
        let mut bytes = SIGNATURE.to_vec();
        bytes.extend([0; 8]);
        bytes.extend([0, 0, 0, 0, 0xff, 0xff]);
        let batch = decode_one(&bytes, vec![]);
        assert_eq!((batch.num_rows(), batch.num_columns()), (2, 0));
    }

    /// Random numerics from the live server (`cargo test --lib pgcopy -- --ignored`), checked against
    /// PostgreSQL's own text: `trim_scale(x)::text` for the text form, `(x * 10^10)::numeric(38,0)` for the
    /// `Decimal128(38,10)` form.
    #[test]
    fn random_numerics_match_postgres_text() {
        // Needs the server named by RECON_TEST_POSTGRES_URL (.ci/run sets it; under CI it must be there).
        let url = match std::env::var("RECON_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => url,
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("RECON_TEST_POSTGRES_URL must be set under CI")
            }
            _ => return eprintln!("RECON_TEST_POSTGRES_URL is not set: live numeric test not run"),
        };
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
}
