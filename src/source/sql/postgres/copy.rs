//! PostgreSQL sources read `COPY (SELECT ...) TO STDOUT (FORMAT binary)`, the fastest and most exact way out
//! of the server; this module splits that byte stream, arriving in chunks cut anywhere, into rows and fields
//! and hands each field to its column's decoder (`decode.rs`), building Arrow batches.
//!
//! The stream is an 11-byte signature (`PGCOPY\n\xff\r\n\0`), 32-bit flags, a 32-bit header-extension length
//! and that many bytes; then one tuple per row (a 16-bit field count, then per field a 32-bit length, -1 for
//! NULL, and the value in the type's binary "send" format, all big-endian); then a trailer, a field count of
//! -1 (PostgreSQL documentation, COPY, "Binary Format").
//!
//! Every decoding error is an [`ArrowError::ParseError`] naming the column and the 1-based row; a corrupt
//! stream (bad signature, wrong field count, impossible length, missing trailer) is an error, never a panic.

use std::sync::Arc;

use arrow::array::{BooleanBuilder, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{Field, Schema, SchemaRef};
use arrow::error::ArrowError;

use super::decode::Decode;
use super::types::PgColumn;

pub(crate) const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";
/// Signature, flags, header-extension length.
const HEADER_LEN: usize = 19;
/// Flag bits 0-15 mark critical format changes a reader must refuse; bit 16 says each row carries an OID.
const CRITICAL_FLAGS: u32 = 0x0001_ffff;
/// PostgreSQL never sends a field longer than 1 GB; anything longer is corruption, not a value to wait for.
const MAX_FIELD_LEN: i32 = 1 << 30;

/// The message of a decoder's error, without Arrow's "Parser error: " prefix.
fn message(e: ArrowError) -> String {
    match e {
        ArrowError::ParseError(message) => message,
        other => other.to_string(),
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
pub(crate) struct CopyDecoder {
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

fn read_i16(data: &[u8], at: usize) -> Option<i16> {
    data.get(at..at.checked_add(2)?).and_then(|b| b.try_into().ok()).map(i16::from_be_bytes)
}

fn read_i32(data: &[u8], at: usize) -> Option<i32> {
    data.get(at..at.checked_add(4)?).and_then(|b| b.try_into().ok()).map(i32::from_be_bytes)
}

impl CopyDecoder {
    pub(crate) fn new(columns: Vec<PgColumn>, batch_rows: usize) -> CopyDecoder {
        let batch_rows = batch_rows.max(1);
        let capacity = batch_rows.min(64 * 1024);
        let schema = Arc::new(Schema::new(
            columns.iter().map(|c| Field::new(&c.name, c.data_type.clone(), true)).collect::<Vec<_>>(),
        ));
        let mut failed = None;
        let mut decoders = Vec::with_capacity(columns.len());
        for c in columns {
            // A placeholder keeps the columns aligned; `failed` stops any decoding.
            let decode = Decode::new(&c.pg_type, &c.data_type, capacity).unwrap_or_else(|e| {
                failed.get_or_insert(format!("column \"{}\": {}", c.name, message(e)));
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

    /// Feeds the next chunk (chunks split anywhere, even inside the header or a field); returns every batch
    /// of `batch_rows` rows completed.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<Vec<RecordBatch>, ArrowError> {
        self.check()?;
        let mut batches = Vec::new();
        let result = self.push_inner(chunk, &mut batches);
        self.fail_on(result)?;
        Ok(batches)
    }

    /// After the last chunk: the final partial batch (None when empty). Errors if the stream ended mid-row
    /// or without the trailer (-1 field count).
    pub(crate) fn finish(mut self) -> Result<Option<RecordBatch>, ArrowError> {
        self.check()?;
        match self.state {
            State::Done => {}
            State::Header => {
                // Chunks are decoded once the header's 19 bytes are in: a short stream is judged here, as a
                // whole, so that its error does not depend on where it was cut.
                let _complete = header_len(&self.pending)?;
                return Err(parse_error(format!(
                    "PostgreSQL binary COPY: stream ended inside the header ({} bytes)",
                    self.pending.len()
                )));
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
                // No count: how many bytes follow depends on how the stream was cut into chunks.
                State::Done => return Err(parse_error("PostgreSQL binary COPY: data after the trailer".to_string())),
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
                .map_err(|e| parse_error(format!("column \"{}\" row {row}: {}", column.name, message(e))))?;
        }
        self.rows += 1;
        self.rows_in_batch += 1;
        Ok(())
    }

    fn flush(&mut self) -> Result<RecordBatch, ArrowError> {
        let arrays = self.columns.iter_mut().map(|c| c.decode.finish()).collect::<Result<_, _>>()?;
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
    use arrow::array::AsArray;
    use arrow::compute::concat_batches;
    use arrow::datatypes::{DataType, Int32Type};

    use super::super::fixtures::*;
    use super::*;

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
}

#[cfg(test)]
mod property {
    use proptest::prelude::*;

    use super::super::fixtures::{decode, fixtures};

    /// A fixture's bytes with some bytes overwritten, cut short or not, or bytes of its own.
    fn damaged() -> impl Strategy<Value = (usize, Vec<u8>)> {
        let count = fixtures().len();
        (
            0..count,
            prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
            any::<prop::sample::Index>(),
            0u8..4,
        )
            .prop_flat_map(move |(fixture, edits, cut, how)| {
                let (_, bytes, _) = fixtures()[fixture];
                let mut bytes = bytes.to_vec();
                for (at, byte) in &edits {
                    let i = at.index(bytes.len());
                    bytes[i] = *byte;
                }
                match how {
                    0 => Just((fixture, bytes)).boxed(),
                    1 => {
                        bytes.truncate(cut.index(bytes.len() + 1));
                        Just((fixture, bytes)).boxed()
                    }
                    // A header, then anything.
                    2 => prop::collection::vec(any::<u8>(), 0..200)
                        .prop_map(move |tail| (fixture, [&bytes[..19], &tail[..]].concat()))
                        .boxed(),
                    _ => prop::collection::vec(any::<u8>(), 0..200).prop_map(move |any| (fixture, any)).boxed(),
                }
            })
    }

    proptest! {
        // Failing cases are kept in proptest-regressions/source/sql/postgres/copy.txt and run first.
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// A COPY stream damaged anywhere, fed in any chunks: batches or an error, never a panic; and the same
        /// outcome however it is chunked.
        #[test]
        fn a_damaged_copy_stream_decodes_or_fails_without_panic(
            (fixture, bytes) in damaged(),
            chunk in 1usize..64,
            batch_rows in 1usize..8,
        ) {
            let (_, _, columns) = fixtures().swap_remove(fixture);
            let whole = decode(&bytes, columns.clone(), batch_rows, bytes.len().max(1));
            let chunked = decode(&bytes, columns, batch_rows, chunk);
            prop_assert_eq!(whole.map_err(|e| e.to_string()), chunked.map_err(|e| e.to_string()));
        }
    }
}
