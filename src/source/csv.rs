//! CSV files with a header row: delimiter, quote and NULL token as the user sets them, column types inferred
//! from the data (and printed) or given explicitly; a large file is read in parts by several threads at once,
//! and rows are read again from the few kilobytes around them.

use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::{Buf, Bytes};

use arrow::csv::reader::Format;
use arrow::csv::ReaderBuilder;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::compression::{self, Codec};
use super::parquet::BATCH_ROWS;
use super::ranged::RangedFiles;
use super::{ordinal, BatchIter, Ordinal};
use crate::error::{Error, Result};
use crate::storage::{Storage, StoreFile};

/// Rows read to infer column types before the real read; a later value that does not fit stops the audit
/// with its line number, and `--csv-type` settles the column.
const INFER_ROWS: usize = 100_000;

/// A file is read in parts of about this size, one scan unit each.
const PART_BYTES: u64 = 16 << 20;

/// Where records end is marked about this often (or often enough for a million marks in a file), so that a
/// row is read again from its mark on, not from the start of its part.
const MARK_BYTES: u64 = 64 << 10;

/// How CSV files are parsed; every field maps to a `--csv-*` option.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    pub delimiter: u8,
    pub quote: u8,
    /// A field equal to this is NULL. `None` keeps Arrow's default: an empty field is NULL.
    pub null: Option<String>,
    /// Columns whose type is given instead of inferred.
    pub types: Vec<(String, DataType)>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { delimiter: b',', quote: b'"', null: None, types: Vec::new() }
    }
}

impl CsvOptions {
    fn format(&self) -> Result<Format> {
        let mut format = Format::default().with_header(true).with_delimiter(self.delimiter).with_quote(self.quote);
        if let Some(token) = &self.null {
            let pattern = format!("^{}$", regex::escape(token));
            let regex = regex::Regex::new(&pattern).map_err(|e| Error::setting("--csv-null", e.to_string()))?;
            format = format.with_null_regex(regex);
        }
        Ok(format)
    }
}

/// The `--csv-type` names, as errors list them (`decimal(P,S)` aside, [`parse_type`] reads these and a few
/// aliases such as `int` and `string`).
pub const TYPES: [&str; 12] = [
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint64",
    "float32",
    "float64",
    "text",
    "date",
    "timestamp",
    "timestamptz",
];

/// Parses a `--csv-type` type name: the Arrow types a CSV field can be read as.
pub fn parse_type(name: &str) -> Option<DataType> {
    let name = name.trim().to_ascii_lowercase();
    if let Some(args) = name.strip_prefix("decimal(").and_then(|r| r.strip_suffix(')')) {
        let (precision, scale) = args.split_once(',')?;
        let (precision, scale) = (precision.trim().parse().ok()?, scale.trim().parse().ok()?);
        return Some(DataType::Decimal128(precision, scale));
    }
    Some(match name.as_str() {
        "bool" | "boolean" => DataType::Boolean,
        "int8" => DataType::Int8,
        "int16" => DataType::Int16,
        "int32" | "int" => DataType::Int32,
        "int64" | "bigint" => DataType::Int64,
        "uint64" => DataType::UInt64,
        "float32" | "float" => DataType::Float32,
        "float64" | "double" => DataType::Float64,
        "text" | "string" | "utf8" => DataType::Utf8,
        "date" => DataType::Date32,
        "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "timestamptz" => DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into())),
        _ => return None,
    })
}

pub struct CsvFiles {
    storage: Storage,
    files: Vec<StoreFile>,
    /// How each file is compressed: a compressed file is one range, decompressed as it streams.
    codecs: Vec<Option<Codec>>,
    schema: SchemaRef,
    format: Format,
    delimiter: u8,
    quote: u8,
    /// A file is read in byte ranges of about this size, one scan unit each.
    part_bytes: u64,
    /// Within a range, record starts are marked about this often (or often enough for a million marks in a
    /// file), so that a row is read again from its mark on, not from the start of its range.
    mark_bytes: u64,
    /// Each file's range boundaries 1..=ranges (the last is the file's end), found as ranges are read.
    boundaries: Vec<Vec<Mutex<Option<Arc<Boundary>>>>>,
    /// Each file's first parse error as a whole read meets it, found when a part fails (see `part_rows`).
    first_errors: Vec<Arc<OnceLock<Option<String>>>>,
}

/// Where range k of a file starts: at its first record that starts at or after byte k × part_bytes. Finding
/// it means following records from the start of range k-1, which is found the same way: boundaries are found
/// in order, each once, by whichever thread needs it first. A thread reading range k finds the boundary after
/// it from the bytes it reads (and a little past their end), so a file is scanned once, in parallel, and
/// never before its ranges are read.
#[derive(Debug)]
enum Boundary {
    /// At byte `at`, after `records` records (the header among them). `marks` are the record starts found
    /// while following the range before it, each with the records before it.
    At { at: u64, records: u64, marks: Vec<(u64, u64)> },
    /// The range before holds irregular quoting (see [`LineEnds`]): its records cannot be followed without
    /// parsing, so it reads on to the end of the file, and every later range is empty.
    Irregular,
}

/// A run of whole records of a file: bytes `start..end` (`u64::MAX`: to the end of the file) and the index
/// among the file's rows of its first row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Part {
    start: u64,
    end: u64,
    first_row: u64,
}

/// A whole file, as one part.
const WHOLE: Part = Part { start: 0, end: u64::MAX, first_row: 0 };

/// Bytes read past a range's end to find the record that crosses it; doubled while the record goes on.
const LOOK_PAST: u64 = 64 << 10;

impl CsvFiles {
    pub fn open(storage: Storage, files: Vec<StoreFile>, options: &CsvOptions) -> Result<Arc<Self>> {
        Self::open_sized(storage, files, options, PART_BYTES, MARK_BYTES)
    }

    fn open_sized(
        storage: Storage,
        files: Vec<StoreFile>,
        options: &CsvOptions,
        part_bytes: u64,
        mark_bytes: u64,
    ) -> Result<Arc<Self>> {
        let format = options.format()?;
        let codecs = files.iter().map(|file| compression::codec(&storage, file)).collect::<Result<Vec<_>>>()?;
        let schema = infer(&storage, &files[0], codecs[0], &format, options)?;
        for (file, codec) in files.iter().zip(&codecs).skip(1) {
            let other = infer(&storage, file, *codec, &format, options)?;
            let names = |s: &Schema| s.fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>();
            if names(&other) != names(&schema) {
                return Err(Error::input(&file.name, format!("its header differs from that of {}", files[0].name)));
            }
        }
        let parts = |f: &StoreFile, codec: &Option<Codec>| if codec.is_some() { 1 } else { ranges(f.size, part_bytes) };
        let boundaries = files
            .iter()
            .zip(&codecs)
            .map(|(f, codec)| (0..parts(f, codec)).map(|_| Mutex::default()).collect())
            .collect();
        let first_errors = files.iter().map(|_| Arc::default()).collect();
        Ok(Arc::new(CsvFiles {
            storage,
            files,
            codecs,
            schema,
            format,
            delimiter: options.delimiter,
            quote: options.quote,
            part_bytes,
            mark_bytes,
            boundaries,
            first_errors,
        }))
    }

    /// Where range `k` of a file starts, and the records before it; `None` when an earlier range reads on
    /// through it (irregular quoting).
    fn start(&self, file: usize, k: usize) -> Result<Option<(u64, u64)>> {
        let mut start = (0, 0);
        for m in 1..=k {
            match &*self.boundary(file, m, start, &mut None)? {
                Boundary::At { at, records, .. } => start = (*at, *records),
                Boundary::Irregular => return Ok(None),
            }
        }
        Ok(Some(start))
    }

    /// Boundary `m` (1 and up) of a file, found from boundary `m - 1` at `from` if no thread has found it yet;
    /// `read` then holds the bytes read from `from` on (at least to the boundary).
    fn boundary(&self, file: usize, m: usize, from: (u64, u64), read: &mut Option<Bytes>) -> Result<Arc<Boundary>> {
        let mut found = lock(&self.boundaries[file][m - 1]);
        if let Some(boundary) = &*found {
            return Ok(boundary.clone());
        }
        let (size, last) = (self.files[file].size, m == self.boundaries[file].len());
        let target = if last { size } else { m as u64 * self.part_bytes };
        let (boundary, bytes) = self.follow(file, from, target, last)?;
        *read = Some(bytes);
        Ok(found.insert(Arc::new(boundary)).clone())
    }

    /// Follows records from `from` (a record start, and the records before it) to the first record start at or
    /// after `target`, or with `to_end` to the end of the file, counting records and marking their starts.
    /// Returns the boundary and the bytes read from `from`.
    fn follow(&self, file: usize, (at, records): (u64, u64), target: u64, to_end: bool) -> Result<(Boundary, Bytes)> {
        let (storage, file) = (&self.storage, &self.files[file]);
        if at >= target && !to_end {
            return Ok((Boundary::At { at, records, marks: Vec::new() }, Bytes::new()));
        }
        let mark_bytes = self.mark_bytes.max(file.size >> 20);
        let quote = self.quote;
        let mut lines =
            LineEnds { delimiter: self.delimiter, quote, in_quotes: false, prev: b'\n', line_start: at, records };
        let (mut marks, mut next_mark, mut found) = (Vec::new(), at + mark_bytes, None);
        let (mut bytes, mut scanned, mut past) = (Bytes::new(), 0usize, LOOK_PAST);
        loop {
            let fetched = at + bytes.len() as u64;
            let more = storage.read(file, fetched..target.max(fetched) + past)?;
            // Rarely more than one read: a record crossing the range's end runs past the first look.
            bytes = if bytes.is_empty() { more } else { [bytes, more].concat().into() };
            let last = at + bytes.len() as u64 >= file.size;
            // A quote or carriage return is judged by the byte after it: hold it back for the next read.
            let hold = !last && bytes.last().is_some_and(|&b| b == quote || b == b'\r');
            let upto = bytes.len() - usize::from(hold);
            let followed = lines.scan(&bytes[scanned..upto], at + scanned as u64, &mut |end, records| {
                // Empty lines before the header: the parser skips them, so a range or mark starting after them
                // would start at the header, which only the range at byte 0 reads as one.
                if records == 0 {
                    return true;
                }
                if end >= target && !to_end {
                    found = Some((end, records));
                    return false;
                }
                if end >= next_mark && end < file.size {
                    marks.push((end, records));
                    next_mark = end + mark_bytes;
                }
                true
            });
            if followed.is_err() {
                return Ok((Boundary::Irregular, bytes));
            }
            if let Some((end, records)) = found {
                return Ok((Boundary::At { at: end, records, marks }, bytes));
            }
            if last {
                if lines.in_quotes {
                    return Ok((Boundary::Irregular, bytes));
                }
                // A last record without a line feed.
                let records = lines.records + u64::from(file.size > lines.line_start);
                return Ok((Boundary::At { at: file.size, records, marks }, bytes));
            }
            scanned = upto;
            past *= 2;
        }
    }

    /// The rows of one part (from `read`, its bytes, when given). A part after the first reports a parse error
    /// as a read of the whole file would (once per file, shared by its parts), so that the line it names
    /// counts from the top of the file.
    fn part_rows(&self, file: usize, part: Part, projection: &[usize], read: Option<Bytes>) -> Result<BatchIter> {
        let (storage, file_at, codec) = (self.storage.clone(), self.files[file].clone(), self.codecs[file]);
        let (schema, format) = (self.schema.clone(), self.format.clone());
        let batches = read_part(&storage, (&file_at, codec), &schema, &format, part, projection, read)?;
        if part.start == 0 {
            return Ok(batches);
        }
        let (first_error, projection) = (self.first_errors[file].clone(), projection.to_vec());
        Ok(Box::new(batches.map(move |batch| {
            batch.map_err(|error| {
                let first = first_error.get_or_init(|| {
                    let file = (&file_at, codec);
                    let mut all = read_part(&storage, file, &schema, &format, WHOLE, &projection, None).ok()?;
                    match all.find_map(Result::err)? {
                        Error::Arrow { source, .. } => Some(source.to_string()),
                        other => Some(other.to_string()),
                    }
                });
                match first {
                    Some(message) => Error::input(&file_at.name, message.clone()),
                    None => error,
                }
            })
        })))
    }
}

impl RangedFiles for CsvFiles {
    type Part = Part;

    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn files(&self) -> &[StoreFile] {
        &self.files
    }

    fn ranges(&self, file: usize) -> usize {
        self.boundaries[file].len()
    }

    fn open_range(&self, file: usize, k: usize, projection: &[usize]) -> Result<(Ordinal, BatchIter)> {
        if self.codecs[file].is_some() {
            return Ok((ordinal(file, 0), self.part_rows(file, WHOLE, projection, None)?));
        }
        let Some((start, records)) = self.start(file, k)? else {
            return Ok((ordinal(file, 0), Box::new(std::iter::empty())));
        };
        let mut read = None;
        let end = match k + 1 == self.boundaries[file].len() {
            true => self.files[file].size,
            false => match &*self.boundary(file, k + 1, (start, records), &mut read)? {
                Boundary::At { at, .. } => *at,
                Boundary::Irregular => u64::MAX,
            },
        };
        let part = Part { start, end, first_row: records.saturating_sub(1) };
        let read = read.filter(|bytes| end != u64::MAX && bytes.len() as u64 >= end - start);
        let batches =
            self.part_rows(file, part, projection, read.map(|bytes| bytes.slice(..(end - start) as usize)))?;
        Ok((ordinal(file, part.first_row), batches))
    }

    /// Finds the boundaries no read has found yet.
    fn marks(&self, file: usize) -> Result<Vec<Part>> {
        if self.codecs[file].is_some() {
            return Ok(vec![WHOLE]);
        }
        let mut parts = Vec::new();
        let mut start = (0, 0);
        for m in 1..=self.boundaries[file].len() {
            let boundary = self.boundary(file, m, start, &mut None)?;
            let Boundary::At { at, records, marks } = &*boundary else {
                parts.push(Part { start: start.0, end: u64::MAX, first_row: start.1.saturating_sub(1) });
                break;
            };
            for (from, to) in std::iter::once(&start).chain(marks).zip(marks.iter().chain([&(*at, *records)])) {
                if from.0 < to.0 {
                    parts.push(Part { start: from.0, end: to.0, first_row: from.1.saturating_sub(1) });
                }
            }
            start = (*at, *records);
        }
        Ok(parts)
    }

    fn count(&self) -> Result<Option<u64>> {
        if self.codecs.iter().any(Option::is_some) {
            return Ok(None);
        }
        let mut rows = 0;
        for file in 0..self.files.len() {
            let last = self.boundaries[file].len();
            let Some((_, records)) = self.start(file, last)? else { return Ok(None) };
            rows += records.saturating_sub(1);
        }
        Ok(Some(rows))
    }

    fn first_row(part: &Part) -> u64 {
        part.first_row
    }

    fn open_part(&self, file: usize, part: Part, projection: &[usize]) -> Result<BatchIter> {
        self.part_rows(file, part, projection, None)
    }
}

/// How many ranges a file of `size` bytes is read in.
fn ranges(size: u64, part_bytes: u64) -> usize {
    size.div_ceil(part_bytes).max(1) as usize
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads the records of `part` of `file` (compressed as its codec says): from `read` (its bytes) when given,
/// else from its store, whole when it is a range, a window at a time when it runs to the end of the file.
fn read_part(
    storage: &Storage,
    (file, codec): (&StoreFile, Option<Codec>),
    schema: &SchemaRef,
    format: &Format,
    part: Part,
    projection: &[usize],
    read: Option<Bytes>,
) -> Result<BatchIter> {
    let name = file.name.clone();
    let builder = ReaderBuilder::new(schema.clone())
        .with_format(format.clone().with_header(part.start == 0))
        .with_projection(projection.to_vec())
        .with_batch_size(BATCH_ROWS);
    let input: Box<dyn BufRead + Send> = match (read, part.end) {
        (Some(bytes), _) => Box::new(bytes.reader()),
        (None, _) if codec.is_some() => compression::open(storage, file, codec)?,
        (None, u64::MAX) => Box::new(BufReader::with_capacity(1 << 20, storage.reader(file, part.start))),
        (None, end) => Box::new(storage.read(file, part.start..end)?.reader()),
    };
    let reader = builder.build_buffered(input).map_err(|e| Error::arrow(&name, e))?;
    Ok(Box::new(reader.map(move |batch| batch.map_err(|e| Error::arrow(&name, e)))))
}

/// Finds the line feeds that end records, without parsing, block by block: a record ends at a line feed
/// outside quotes. That holds when the quoting is regular: a quote opens a field or closes it before a
/// delimiter or line end, or is doubled inside it, and a carriage return precedes a line feed. Otherwise a
/// range is read on to the end of the file by one thread.
struct LineEnds {
    delimiter: u8,
    quote: u8,
    in_quotes: bool,
    /// The byte before the current block.
    prev: u8,
    /// Where the current line starts in the file.
    line_start: u64,
    /// Records ended so far: lines with something on them, as the CSV parser skips empty lines.
    records: u64,
}

/// The quoting is not regular: record ends cannot be found without parsing.
struct Irregular;

impl LineEnds {
    /// Scans `block`, which starts at byte `at` of the file, calling `on_line_end(offset after the line feed,
    /// records ended)` at every record end, until it returns `false`.
    fn scan(
        &mut self,
        block: &[u8],
        at: u64,
        on_line_end: &mut impl FnMut(u64, u64) -> bool,
    ) -> std::result::Result<(), Irregular> {
        let ends_field = |b: u8| b == self.delimiter || b == b'\n' || b == b'\r';
        let before = |i: usize| if i == 0 { self.prev } else { block[i - 1] };
        let mut i = 0;
        while i < block.len() {
            if self.in_quotes {
                let Some(q) = memchr::memchr(self.quote, &block[i..]).map(|j| i + j) else { break };
                match block.get(q + 1) {
                    Some(&b) if b == self.quote => i = q + 2,
                    Some(&b) if !ends_field(b) => return Err(Irregular),
                    _ => (self.in_quotes, i) = (false, q + 1),
                }
                continue;
            }
            let Some(p) = memchr::memchr3(self.quote, b'\n', b'\r', &block[i..]).map(|j| i + j) else { break };
            match block[p] {
                b'\r' if block.get(p + 1) != Some(&b'\n') => return Err(Irregular),
                b'\r' => {}
                b'\n' => {
                    let end = at + p as u64 + 1;
                    let empty = end - 1 == self.line_start || (end - 2 == self.line_start && before(p) == b'\r');
                    self.records += u64::from(!empty);
                    self.line_start = end;
                    if !on_line_end(end, self.records) {
                        return Ok(());
                    }
                }
                _ if !ends_field(before(p)) => return Err(Irregular),
                _ => self.in_quotes = true,
            }
            i = p + 1;
        }
        if let Some(&last) = block.last() {
            self.prev = last;
        }
        Ok(())
    }
}

/// Infers the column types of one file from its first rows, then applies the explicit `--csv-type`s (those of
/// columns it does not have are the plan's to refuse: it names the setting as it was given).
fn infer(
    storage: &Storage,
    file: &StoreFile,
    codec: Option<Codec>,
    format: &Format,
    options: &CsvOptions,
) -> Result<SchemaRef> {
    let location = file.name.clone();
    let mut reader = compression::open(storage, file, codec)?;
    let (inferred, _) = format.infer_schema(&mut reader, Some(INFER_ROWS)).map_err(|e| Error::arrow(&location, e))?;
    if inferred.fields().is_empty() || inferred.fields().iter().all(|f| f.name().is_empty()) {
        return Err(Error::input(location, "empty file: a CSV source needs a header row"));
    }
    let fields: Vec<Field> = inferred
        .fields()
        .iter()
        .map(|field| {
            let explicit = options.types.iter().find(|(name, _)| name == field.name());
            let data_type = match explicit {
                Some((_, t)) => t.clone(),
                // A column with no value in the sample stays text rather than Arrow's Null type.
                None if field.data_type() == &DataType::Null => DataType::Utf8,
                None => field.data_type().clone(),
            };
            Field::new(field.name(), data_type, true)
        })
        .collect();
    Ok(Arc::new(Schema::new(fields)))
}

#[cfg(test)]
mod tests {
    use super::super::reader::Reader;
    use super::super::Ordinal;
    use super::*;
    use arrow::array::{AsArray, RecordBatch};

    /// 600 records whose quoting stresses the marking: a delimiter, a line feed and a doubled quote inside quoted
    /// fields, CRLF line ends, empty lines (plain and CRLF) the parser skips, and a quoted field at a line start.
    fn tricky_csv() -> String {
        let mut text = String::from("id,note,n\r\n");
        for id in 0..600 {
            let note = match id % 5 {
                0 => "\"has, a comma\"".to_string(),
                1 => format!("\"two\nlines {id}\""),
                2 => "\"a \"\"quoted\"\" word\"".to_string(),
                3 => String::new(),
                _ => format!("plain {id}"),
            };
            text.push_str(&format!("{id},{note},{}\r\n", id * 7));
            if id % 97 == 0 {
                text.push_str("\r\n\n");
            }
        }
        text
    }

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::Builder::new().suffix(".csv").tempfile().expect("temp file");
        std::fs::write(file.path(), text).expect("write");
        file
    }

    /// Ranges of about 1 KiB marked every 16 bytes (about every record), or the whole file as one range.
    fn open(file: &tempfile::NamedTempFile, parted: bool, options: &CsvOptions) -> Arc<CsvFiles> {
        let (part_bytes, mark_bytes) = if parted { (1024, 16) } else { (u64::MAX / 2, u64::MAX / 2) };
        open_sized(file.path(), options, part_bytes, mark_bytes)
    }

    /// A file read through its store in ranges of `part_bytes`, marked every `mark_bytes`.
    pub(super) fn open_sized(
        path: &std::path::Path,
        options: &CsvOptions,
        part_bytes: u64,
        mark_bytes: u64,
    ) -> Arc<CsvFiles> {
        try_open_sized(path, options, part_bytes, mark_bytes).expect("open")
    }

    /// As [`open_sized`], for a file whose header may not parse.
    pub(super) fn try_open_sized(
        path: &std::path::Path,
        options: &CsvOptions,
        part_bytes: u64,
        mark_bytes: u64,
    ) -> Result<Arc<CsvFiles>> {
        let location = crate::location::Location::parse(path.to_str().expect("a UTF-8 path")).expect("a location");
        let crate::location::Kind::Files(files) = location.kind() else { panic!("{location:?}") };
        let storage = Storage::open(&location, files, &[]).expect("a store");
        let Ok(crate::storage::Place::File(file)) = storage.place(&files.path) else { panic!("{location:?}") };
        CsvFiles::open_sized(storage, vec![file], options, part_bytes, mark_bytes)
    }

    /// Every unit's batches, with the unit's first ordinal.
    fn read_units(files: &Arc<CsvFiles>) -> Result<Vec<(Ordinal, RecordBatch)>> {
        let mut read = Vec::new();
        for unit in files.scan_units(&[0, 1, 2])? {
            let (first, batches) = unit.open_at()?;
            let batches: Vec<RecordBatch> = batches.collect::<Result<_>>()?;
            let schema = files.schema().project(&[0, 1, 2]).expect("projection");
            let batch = arrow::compute::concat_batches(&Arc::new(schema), &batches).expect("concat");
            read.push((first, batch));
        }
        Ok(read)
    }

    fn ids(batch: &RecordBatch) -> Vec<i64> {
        batch.column(0).as_primitive::<arrow::datatypes::Int64Type>().values().to_vec()
    }

    /// Found by fuzzing: a range that began after the empty lines before the header began at the header, and
    /// read it as a row.
    #[test]
    fn empty_lines_before_the_header_are_no_range_of_their_own() {
        let file = write("\n\r\nid,n,t\n1,2,x\n3,4,y\n");
        for (part_bytes, mark_bytes) in [(1, 1), (2, 1), (u64::MAX / 2, u64::MAX / 2)] {
            let parts =
                read_units(&open_sized(file.path(), &CsvOptions::default(), part_bytes, mark_bytes)).expect("read");
            let rows: Vec<i64> = parts.iter().flat_map(|(_, batch)| ids(batch)).collect();
            assert_eq!(rows, [1, 3], "ranges of {part_bytes} bytes");
        }
    }

    #[test]
    fn a_file_read_in_parts_gives_the_rows_of_the_whole_file_at_their_ordinals() {
        let file = write(&tricky_csv());
        let whole = read_units(&open(&file, false, &CsvOptions::default())).expect("whole");
        assert_eq!(whole.len(), 1);
        let marked = open(&file, true, &CsvOptions::default());
        assert!(marked.marks(0).unwrap().len() > 400, "{} marks", marked.marks(0).unwrap().len());
        let parts = read_units(&marked).expect("parts");
        assert!(parts.len() > 10, "{} parts", parts.len());

        let mut next = 0u64;
        for (first, batch) in &parts {
            assert_eq!(*first, next, "each part starts at the row after the previous part's last");
            next += batch.num_rows() as u64;
        }
        assert_eq!(next, 600);
        let rows: Vec<RecordBatch> = parts.into_iter().map(|(_, b)| b).collect();
        let rows = arrow::compute::concat_batches(&rows[0].schema(), &rows).expect("concat");
        assert_eq!(rows, whole[0].1);
        assert_eq!(ids(&rows), (0..600).collect::<Vec<i64>>());
        assert_eq!(rows.column(1).as_string::<i32>().value(1), "two\nlines 1");
    }

    #[test]
    fn rows_read_again_by_index_come_from_their_marks() {
        let file = write(&tricky_csv());
        let marked = open(&file, true, &CsvOptions::default());
        let wanted = [0u64, 1, 96, 97, 98, 301, 302, 599];
        let batch = marked.fetch(0, &[0, 1, 2], &wanted).expect("fetch");
        assert_eq!(ids(&batch), wanted.iter().map(|&r| r as i64).collect::<Vec<_>>());
    }

    /// Records cannot be followed past irregular quoting: the range holding it reads on to the end of the file
    /// (every row still read once, in order), and the rows are not counted without a read.
    #[test]
    fn a_quote_inside_an_unquoted_field_reads_its_range_on_to_the_end() {
        let mut text = tricky_csv();
        text.push_str("600,a 5\" pipe,1\r\n");
        let file = write(&text);
        let files = open(&file, true, &CsvOptions::default());
        assert_eq!(files.marks(0).unwrap().last().map(|p| p.end), Some(u64::MAX));
        let rows: Vec<i64> = read_units(&files).expect("read").iter().flat_map(|(_, b)| ids(b)).collect();
        assert_eq!(rows, (0..601).collect::<Vec<i64>>());
        assert_eq!(files.count_rows().unwrap(), None);
    }

    #[test]
    fn a_bare_carriage_return_or_an_unclosed_quote_reads_its_range_on_to_the_end() {
        for tail in ["600,x,1\r601,y,2\r\n", "600,x,\"open\r\n"] {
            let file = write(&format!("{}{tail}", tricky_csv()));
            let files = open(&file, true, &CsvOptions::default());
            assert_eq!(files.marks(0).unwrap().last().map(|p| p.end), Some(u64::MAX), "{tail:?}");
            assert_eq!(files.count_rows().unwrap(), None, "{tail:?}");
        }
    }

    /// A range's first row is counted from the records before it, found as the ranges are read, whichever
    /// range a thread opens first; and every file's rows are counted when asked, by following its records.
    #[test]
    fn a_range_opened_first_finds_its_first_row() {
        let file = write(&tricky_csv());
        let files = open(&file, true, &CsvOptions::default());
        let mut units = files.scan_units(&[0, 1, 2]).unwrap();
        let (first, batches) = units.remove(5).open_at().unwrap();
        let batches: Vec<RecordBatch> = batches.collect::<Result<_>>().unwrap();
        assert_eq!(ids(&batches[0])[0], first as i64);
        assert_eq!(files.count_rows().unwrap(), Some(600));
    }

    #[test]
    fn a_bad_value_in_a_later_part_is_reported_at_its_line_in_the_file() {
        let mut text = tricky_csv();
        text.push_str("600,late,not a number\r\n");
        let file = write(&text);
        let options = CsvOptions { types: vec![("n".into(), DataType::Int64)], ..CsvOptions::default() };
        let whole = read_units(&open(&file, false, &options)).expect_err("whole read fails").to_string();
        let parted = read_units(&open(&file, true, &options)).expect_err("parted read fails").to_string();
        assert!(whole.contains("not a number"), "{whole}");
        assert_eq!(parted, whole);
    }
}

#[cfg(test)]
mod property {
    use super::super::reader::Reader;
    use super::*;
    use arrow::array::RecordBatch;
    use proptest::prelude::*;

    /// A field: plain text, or quoted text that may hold delimiters, quotes (doubled), line feeds and
    /// carriage returns; in an irregular file, sometimes a stray quote inside an unquoted field.
    fn field(irregular: bool) -> impl Strategy<Value = String> {
        let plain = "[a-z0-9 ]{0,6}";
        let quoted = prop::collection::vec(
            prop_oneof!["[a-z ]{1,3}", Just(",".into()), Just("\"\"".into()), Just("\n".into()), Just("\r\n".into())],
            0..4,
        )
        .prop_map(|parts| format!("\"{}\"", parts.concat()));
        let stray = "[a-z]{1,2}\"[a-z]{0,2}";
        prop_oneof![6 => plain.prop_map(String::from), 3 => quoted, u32::from(irregular) => stray.prop_map(String::from)]
    }

    /// Records of three fields, ended by LF or CRLF, with empty lines (LF or CRLF) between some, the last
    /// record ended or not; one file in four irregular.
    fn csv() -> impl Strategy<Value = String> {
        prop::bool::weighted(0.25)
            .prop_flat_map(|irregular| {
                let record = (field(irregular), field(irregular), field(irregular), prop::bool::ANY, 0usize..8);
                (prop::collection::vec(record, 1..120), prop::bool::ANY)
            })
            .prop_map(|(records, unterminated)| {
                let mut text = String::from("a,b,c\n");
                for (a, b, c, crlf, empty) in records {
                    text.push_str(&format!("{a},{b},{c}{}", if crlf { "\r\n" } else { "\n" }));
                    match empty {
                        0 => text.push('\n'),
                        1 => text.push_str("\r\n"),
                        _ => {}
                    }
                }
                if unterminated {
                    text.truncate(text.trim_end_matches(['\n', '\r']).len());
                }
                text
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        /// Wherever ranges and marks fall, the ranges hold the rows of a whole read, in order, at their
        /// ordinals, and the rows counted by following records are those rows (or are not counted, for
        /// irregular quoting); and a file that does not parse fails with the whole read's message.
        #[test]
        fn marks_never_change_what_is_read(text in csv(), mark_bytes in 1u64..64, part_bytes in 1u64..256) {
            let file = tempfile::Builder::new().suffix(".csv").tempfile().expect("temp file");
            std::fs::write(file.path(), &text).expect("write");
            let text_type = ["a", "b", "c"].map(|c| (c.to_string(), DataType::Utf8)).to_vec();
            let options = CsvOptions { types: text_type, ..CsvOptions::default() };
            let open = |part_bytes, mark_bytes| super::tests::open_sized(file.path(), &options, part_bytes, mark_bytes);
            let read = |files: Arc<CsvFiles>| -> Result<(Vec<u64>, Vec<RecordBatch>)> {
                let mut firsts = Vec::new();
                let mut batches = Vec::new();
                for unit in files.scan_units(&[0, 1, 2])? {
                    let (first, unit_batches) = unit.open_at()?;
                    let unit_batches: Vec<RecordBatch> = unit_batches.collect::<Result<_>>()?;
                    let rows: u64 = unit_batches.iter().map(|b| b.num_rows() as u64).sum();
                    // A range an earlier one read on through (irregular quoting) holds no rows, at no ordinal.
                    if rows > 0 {
                        firsts.extend([first, rows]);
                    }
                    batches.extend(unit_batches);
                }
                Ok((firsts, batches))
            };
            let whole = read(open(u64::MAX / 2, u64::MAX / 2));
            let parted = read(open(part_bytes, mark_bytes));
            match (whole, parted) {
                (Ok((_, whole)), Ok((firsts, parted))) => {
                    let rows = whole.iter().map(|b| b.num_rows() as u64).sum::<u64>();
                    let counted = open(part_bytes, mark_bytes).count_rows().expect("count");
                    prop_assert!(counted.is_none() || counted == Some(rows), "counted {:?}, read {}", counted, rows);
                    let concat = |b: &[RecordBatch]| b.first().map(|f| arrow::compute::concat_batches(&f.schema(), b).expect("concat"));
                    prop_assert_eq!(concat(&whole), concat(&parted));
                    let mut next = 0;
                    for pair in firsts.chunks(2) {
                        prop_assert_eq!(pair[0], next);
                        next += pair[1];
                    }
                }
                (Err(whole), Err(parted)) => prop_assert_eq!(whole.to_string(), parted.to_string()),
                (whole, parted) => prop_assert!(false, "whole {:?} but parted {:?}", whole.map(|_| ()), parted.map(|_| ())),
            }
        }
    }

    /// Bytes that look like CSV more often than not: delimiters, quotes and line ends among letters and
    /// digits, and now and then any byte at all (invalid UTF-8 among them).
    fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![4 => prop::sample::select(b"a1,;|\t\"'\n\r .-".to_vec()), 1 => any::<u8>()];
        prop::collection::vec(byte, 0..400)
    }

    /// Every row of every range, or the first error.
    fn read_all(files: Arc<CsvFiles>) -> Result<u64> {
        let projection: Vec<usize> = (0..files.schema().fields().len()).collect();
        let mut rows = 0;
        for unit in files.scan_units(&projection)? {
            for batch in unit.open_at()?.1 {
                rows += batch?.num_rows() as u64;
            }
        }
        Ok(rows)
    }

    proptest! {
        // Failing cases are kept in proptest-regressions/source/csv.txt and run first.
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Any bytes, with any delimiter and quote, read whole and in small ranges, with types inferred: rows,
        /// or an error that names the file; the same rows or the same error both ways; never a panic.
        #[test]
        fn any_bytes_give_rows_or_an_error_naming_the_file(
            bytes in any_bytes(),
            delimiter in prop::sample::select(b",;|\t".to_vec()),
            quote in prop::sample::select(b"\"'".to_vec()),
            part_bytes in 1u64..128,
        ) {
            let file = tempfile::Builder::new().suffix(".csv").tempfile().expect("temp file");
            std::fs::write(file.path(), &bytes).expect("write");
            let options = CsvOptions { delimiter, quote, ..CsvOptions::default() };
            let read = |part_bytes, mark_bytes| {
                super::tests::try_open_sized(file.path(), &options, part_bytes, mark_bytes).and_then(read_all)
            };
            let whole = read(u64::MAX / 2, u64::MAX / 2);
            let parted = read(part_bytes, 16);
            let name = file.path().file_name().expect("a name").to_str().expect("UTF-8");
            if let Err(e) = &whole {
                prop_assert!(e.to_string().contains(name), "{}", e);
            }
            prop_assert_eq!(whole.map_err(|e| e.to_string()), parted.map_err(|e| e.to_string()));
        }
    }
}
