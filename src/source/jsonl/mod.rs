//! JSON Lines files (`.jsonl`, `.ndjson`, compressed or not): one JSON object a line, as MongoDB, Elasticsearch,
//! BigQuery and many APIs export them, MongoDB's Extended JSON wrappers read as their types. Columns are
//! inferred from a bounded sample or given with `--json-schema`; a line that does not parse or does not fit is
//! an error at its line number, never skipped. A line feed always ends a line (JSON escapes it inside
//! strings), so a large file is read in byte ranges split at line feeds by several threads at once, and rows are
//! read again from the few kilobytes around them, as CSV is.

mod convert;
mod decimal;
mod extended;
mod infer;
pub mod schema;

use std::io::{BufRead, Read};
use std::sync::{Arc, Mutex};

use arrow::array::RecordBatch;
use arrow::datatypes::{Schema, SchemaRef};
use arrow::json::reader::Decoder;
use bytes::{Buf, Bytes};
use rayon::prelude::*;
use serde_json::Value;

use self::convert::{Misfit, Rules};
use self::infer::Kind;
use super::compression::{self, Codec};
use super::parquet::BATCH_ROWS;
use super::ranged::RangedFiles;
use super::{ordinal, BatchIter, Ordinal};
use crate::error::{Error, Result};
use crate::storage::{Storage, StoreFile};

/// Without `--json-schema`, columns are inferred from each file's first lines, up to this many…
pub const INFER_LINES: u64 = 100_000;
/// …or this many bytes, whichever ends first: a later value that does not fit stops the read with its line.
pub const INFER_BYTES: u64 = 64 << 20;

/// A line longer than this is refused: a whole document on one line (a JSON array) is not JSON Lines, and reading
/// it would hold it in memory. MongoDB's documents are at most 16 MiB of BSON.
const MAX_LINE: u64 = 128 << 20;

/// A file is read in parts of about this size, one scan unit each.
const PART_BYTES: u64 = 16 << 20;

/// Where lines start is marked about this often (or often enough for a million marks in a file), so that a row
/// is read again from its mark on.
const MARK_BYTES: u64 = 64 << 10;

/// Bytes read past a range's end to find the line that crosses it; doubled while the line goes on.
const LOOK_PAST: u64 = 64 << 10;

/// How JSON Lines files are read: the columns, when given (`--json-schema`).
#[derive(Debug, Clone, Default)]
pub struct JsonOptions {
    pub schema: Option<SchemaRef>,
}

pub struct JsonlFiles {
    storage: Storage,
    files: Vec<StoreFile>,
    /// How each file is compressed: a compressed file is one part, decompressed as it streams.
    codecs: Vec<Option<Codec>>,
    schema: SchemaRef,
    rules: Rules,
    /// Lines of each file the columns were inferred from, when they were.
    sampled: u64,
    part_bytes: u64,
    mark_bytes: u64,
    /// Each file's part boundaries 1..=parts (the last is the file's end), found as parts are read.
    boundaries: Vec<Vec<Mutex<Option<Arc<Boundary>>>>>,
}

/// A line start in a file: its byte, the lines before it and the rows among them (lines holding an object;
/// blank lines are no rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    at: u64,
    lines: u64,
    rows: u64,
}

const START: Place = Place { at: 0, lines: 0, rows: 0 };

/// Where part k of a file starts: the first line start at or after byte k × part_bytes, found by following
/// lines from part k-1's start, each by whichever thread needs it first, with the line starts marked on the way.
#[derive(Debug)]
struct Boundary {
    place: Place,
    marks: Vec<Place>,
}

/// A run of whole lines: from `start` to byte `end` (`u64::MAX`: the end of the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Part {
    start: Place,
    end: u64,
}

const WHOLE: Part = Part { start: START, end: u64::MAX };

/// How files are split and sampled: [`PART_BYTES`], [`MARK_BYTES`] and [`INFER_LINES`], smaller in tests.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    part_bytes: u64,
    mark_bytes: u64,
    sample: u64,
}

impl JsonlFiles {
    pub fn open(storage: Storage, files: Vec<StoreFile>, options: &JsonOptions) -> Result<Arc<Self>> {
        Self::open_sized(
            storage,
            files,
            options,
            Sizes { part_bytes: PART_BYTES, mark_bytes: MARK_BYTES, sample: INFER_LINES },
        )
    }

    fn open_sized(storage: Storage, files: Vec<StoreFile>, options: &JsonOptions, sizes: Sizes) -> Result<Arc<Self>> {
        let Sizes { part_bytes, mark_bytes, sample } = sizes;
        let codecs = files.iter().map(|file| compression::codec(&storage, file)).collect::<Result<Vec<_>>>()?;
        let (schema, rules) = match &options.schema {
            Some(schema) => {
                files.par_iter().zip(&codecs).try_for_each(|(file, codec)| refuse_array(&storage, file, *codec))?;
                (schema.clone(), Rules::Given)
            }
            None => (infer(&storage, &files, &codecs, sample)?, Rules::Inferred),
        };
        let parts = |f: &StoreFile, codec: &Option<Codec>| match codec {
            Some(_) => 1,
            None => f.size.div_ceil(part_bytes).max(1) as usize,
        };
        let boundaries =
            files.iter().zip(&codecs).map(|(f, c)| (0..parts(f, c)).map(|_| Mutex::default()).collect()).collect();
        Ok(Arc::new(JsonlFiles {
            storage,
            files,
            codecs,
            schema,
            rules,
            sampled: sample,
            part_bytes,
            mark_bytes,
            boundaries,
        }))
    }

    /// Where part `k` of a file starts.
    fn start(&self, file: usize, k: usize) -> Result<Place> {
        let mut start = START;
        for m in 1..=k {
            start = self.boundary(file, m, start, &mut None)?.place;
        }
        Ok(start)
    }

    /// Boundary `m` (1 and up) of a file, found from boundary `m - 1` at `from` if no thread has found it yet;
    /// `read` then holds the bytes read from `from` on (at least to the boundary).
    fn boundary(&self, file: usize, m: usize, from: Place, read: &mut Option<Bytes>) -> Result<Arc<Boundary>> {
        let mut found = self.boundaries[file][m - 1].lock().unwrap_or_else(|e| e.into_inner());
        if let Some(boundary) = &*found {
            return Ok(boundary.clone());
        }
        let last = m == self.boundaries[file].len();
        let target = if last { u64::MAX } else { m as u64 * self.part_bytes };
        let (boundary, bytes) = self.follow(file, from, target)?;
        *read = Some(bytes);
        Ok(found.insert(Arc::new(boundary)).clone())
    }

    /// Follows lines from `from` to the first line start at or after `target` (or the end of the file),
    /// counting lines and rows and marking line starts. Returns the boundary and the bytes read from `from`.
    fn follow(&self, file: usize, from: Place, target: u64) -> Result<(Boundary, Bytes)> {
        let file = &self.files[file];
        if from.at >= target.min(file.size) {
            return Ok((Boundary { place: from, marks: Vec::new() }, Bytes::new()));
        }
        let mark_bytes = self.mark_bytes.max(file.size >> 20);
        let (mut place, mut marks, mut next_mark) = (from, Vec::new(), from.at + mark_bytes);
        let (mut bytes, mut line_start, mut past) = (Bytes::new(), 0usize, LOOK_PAST);
        loop {
            let fetched = from.at + bytes.len() as u64;
            let more = self.storage.read(file, fetched..target.min(file.size).max(fetched) + past)?;
            bytes = if bytes.is_empty() { more } else { [bytes, more].concat().into() };
            let at_end = from.at + bytes.len() as u64 >= file.size;
            let scanned = line_start;
            for end in memchr::memchr_iter(b'\n', &bytes[scanned..]).map(|i| scanned + i + 1) {
                place.lines += 1;
                place.rows += u64::from(!blank(&bytes[line_start..end]));
                place.at = from.at + end as u64;
                line_start = end;
                if place.at >= target {
                    return Ok((Boundary { place, marks }, bytes));
                }
                if place.at >= next_mark && place.at < file.size {
                    marks.push(place);
                    next_mark = place.at + mark_bytes;
                }
            }
            if at_end {
                // A last line without a line feed.
                if line_start < bytes.len() {
                    place.lines += 1;
                    place.rows += u64::from(!blank(&bytes[line_start..]));
                    place.at = file.size;
                }
                return Ok((Boundary { place, marks }, bytes));
            }
            if (bytes.len() - line_start) as u64 > MAX_LINE {
                return Err(too_long(&file.name, place.lines + 1));
            }
            past *= 2;
        }
    }

    /// The rows of one part (from `read`, its bytes, when given).
    fn part_rows(&self, file: usize, part: Part, projection: &[usize], read: Option<Bytes>) -> Result<BatchIter> {
        let store_file = &self.files[file];
        let input: Box<dyn BufRead + Send> = match (read, part.end) {
            (Some(bytes), _) => Box::new(bytes.reader()),
            (None, _) if self.codecs[file].is_some() => {
                compression::open(&self.storage, store_file, self.codecs[file])?
            }
            (None, u64::MAX) => {
                Box::new(std::io::BufReader::with_capacity(1 << 20, self.storage.reader(store_file, part.start.at)))
            }
            (None, end) => Box::new(self.storage.read(store_file, part.start.at..end)?.reader()),
        };
        let schema = Arc::new(self.schema.project(projection).map_err(|e| Error::arrow(&store_file.name, e))?);
        let decoder = arrow::json::ReaderBuilder::new(schema.clone())
            .with_batch_size(BATCH_ROWS)
            .build_decoder()
            .map_err(|e| Error::arrow(&store_file.name, e))?;
        Ok(Box::new(Rows {
            input,
            name: store_file.name.clone(),
            line: part.start.lines,
            schema,
            all: self.schema.clone(),
            rules: self.rules,
            sampled: self.sampled,
            decoder,
            buffer: Vec::new(),
            done: false,
        }))
    }
}

impl RangedFiles for JsonlFiles {
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
        let start = self.start(file, k)?;
        let mut read = None;
        let end = self.boundary(file, k + 1, start, &mut read)?.place.at;
        let read =
            read.filter(|bytes| bytes.len() as u64 >= end - start.at).map(|b| b.slice(..(end - start.at) as usize));
        Ok((ordinal(file, start.rows), self.part_rows(file, Part { start, end }, projection, read)?))
    }

    /// Finds the boundaries no read has found yet.
    fn marks(&self, file: usize) -> Result<Vec<Part>> {
        if self.codecs[file].is_some() {
            return Ok(vec![WHOLE]);
        }
        let mut parts = Vec::new();
        let mut start = START;
        for m in 1..=self.boundaries[file].len() {
            let boundary = self.boundary(file, m, start, &mut None)?;
            let ends = boundary.marks.iter().chain([&boundary.place]);
            for end in ends {
                if start.at < end.at {
                    parts.push(Part { start, end: end.at });
                }
                start = *end;
            }
        }
        Ok(parts)
    }

    fn count(&self) -> Result<Option<u64>> {
        if self.codecs.iter().any(Option::is_some) {
            return Ok(None);
        }
        let mut rows = 0;
        for file in 0..self.files.len() {
            rows += self.start(file, self.boundaries[file].len())?.rows;
        }
        Ok(Some(rows))
    }

    fn first_row(part: &Part) -> u64 {
        part.start.rows
    }

    fn open_part(&self, file: usize, part: Part, projection: &[usize]) -> Result<BatchIter> {
        self.part_rows(file, part, projection, None)
    }
}

/// The rows of a part's lines, a batch at a time.
struct Rows {
    input: Box<dyn BufRead + Send>,
    name: String,
    /// Lines read so far in the file, so the next is line `line + 1`.
    line: u64,
    /// The columns read.
    schema: SchemaRef,
    /// Every column of the files.
    all: SchemaRef,
    rules: Rules,
    sampled: u64,
    decoder: Decoder,
    buffer: Vec<u8>,
    done: bool,
}

impl Rows {
    /// The next line's object, checked and written as the decoder reads it; `None` at the end.
    fn next_row(&mut self) -> Result<Option<Value>> {
        loop {
            if !read_line(&mut self.input, &mut self.buffer).map_err(|e| Error::io(&self.name, e))? {
                return Ok(None);
            }
            self.line += 1;
            if self.buffer.len() as u64 > MAX_LINE {
                return Err(too_long(&self.name, self.line));
            }
            let Some(object) = parse_line(&self.buffer, &self.name, self.line)? else { continue };
            if self.rules == Rules::Inferred {
                if let Some(key) = object.keys().find(|key| self.all.index_of(key).is_err()) {
                    return Err(
                        self.misfit(Misfit { path: key.clone(), message: "is a key the sample did not show".into() })
                    );
                }
            }
            let row = convert::object_fields(object, self.schema.fields(), self.rules, false, "");
            return row.map(|row| Some(Value::Object(row))).map_err(|misfit| self.misfit(misfit));
        }
    }

    fn misfit(&self, misfit: Misfit) -> Error {
        let advice = match self.rules {
            Rules::Inferred => format!(
                " (columns were inferred from the first {} lines: give them with --json-schema FILE)",
                self.sampled
            ),
            Rules::Given => String::new(),
        };
        Error::input(&self.name, format!("line {}: {} {}{advice}", self.line, misfit.path, misfit.message))
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let mut rows = Vec::with_capacity(BATCH_ROWS);
        while rows.len() < BATCH_ROWS {
            match self.next_row()? {
                Some(row) => rows.push(row),
                None => {
                    self.done = true;
                    break;
                }
            }
        }
        if rows.is_empty() {
            return Ok(None);
        }
        let arrow = |e| Error::arrow(format!("{} (the batch ending at line {})", self.name, self.line), e);
        self.decoder.serialize(&rows).map_err(arrow)?;
        self.decoder.flush().map_err(arrow)
    }
}

impl Iterator for Rows {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let batch = self.next_batch();
        if batch.is_err() {
            self.done = true;
        }
        batch.transpose()
    }
}

/// Reads one line (its line feed included) into `buffer`, at most [`MAX_LINE`] bytes and one more; `false`
/// at the end of the input.
fn read_line(input: &mut Box<dyn BufRead + Send>, buffer: &mut Vec<u8>) -> std::io::Result<bool> {
    buffer.clear();
    Ok(input.take(MAX_LINE + 1).read_until(b'\n', buffer)? > 0)
}

/// A line's object; `None` for a blank line; an error naming the line for anything else.
fn parse_line(line: &[u8], name: &str, number: u64) -> Result<Option<serde_json::Map<String, Value>>> {
    let line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
    if blank(line) {
        return Ok(None);
    }
    // Without its line end, so that an error's column is on the line.
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(object)) => Ok(Some(object)),
        Ok(other) => {
            let kind = match other {
                Value::Array(_) => "an array",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "null",
            };
            Err(Error::input(
                name,
                format!("line {number} holds {kind}, not an object: a JSON Lines row is one object"),
            ))
        }
        Err(error) => {
            let text = error.to_string();
            let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(message, _)| message);
            let hint = match error.is_eof() && line.trim_ascii() == b"{" {
                true => " (a JSON document spread over several lines is not JSON Lines: one object a line)",
                false => "",
            };
            Err(Error::input(name, format!("line {number}, column {}: {message}{hint}", error.column())))
        }
    }
}

fn blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

fn too_long(name: &str, line: u64) -> Error {
    Error::input(
        name,
        format!("line {line} is longer than {} MiB: is this JSON Lines (one object a line)?", MAX_LINE >> 20),
    )
}

fn array(name: &str) -> Error {
    Error::input(
        name,
        "is a JSON array, not JSON Lines (one object a line): convert it with `jq -c '.[]' FILE > FILE.jsonl`",
    )
}

/// Refuses a file whose first non-blank byte opens an array, before its lines are followed.
fn refuse_array(storage: &Storage, file: &StoreFile, codec: Option<Codec>) -> Result<()> {
    let mut input = compression::open(storage, file, codec)?;
    let mut head = Vec::new();
    (&mut input).take(4096).read_to_end(&mut head).map_err(|e| Error::io(&file.name, e))?;
    let head = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&head);
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => Err(array(&file.name)),
        _ => Ok(()),
    }
}

/// The columns of `files`, from the first [`INFER_LINES`] lines (or [`INFER_BYTES`]) of each, files sampled in
/// parallel and their columns joined in file order.
fn infer(storage: &Storage, files: &[StoreFile], codecs: &[Option<Codec>], lines: u64) -> Result<SchemaRef> {
    let samples: Vec<Kind> = files
        .par_iter()
        .zip(codecs)
        .map(|(file, codec)| sample(storage, file, *codec, lines))
        .collect::<Result<_>>()?;
    let mut columns = Kind::Struct(Vec::new());
    for (file, kind) in files.iter().zip(samples) {
        columns = infer::merge(columns, kind, "").map_err(|message| {
            Error::input(&file.name, format!("{message} in earlier files: give the columns with --json-schema FILE"))
        })?;
    }
    let Kind::Struct(fields) = columns else { return Err(Error::internal("JSON Lines columns are not an object")) };
    if fields.is_empty() {
        let name = files.first().map_or("JSON Lines", |f| f.name.as_str());
        return Err(Error::input(name, "no rows to infer columns from: give them with --json-schema FILE"));
    }
    Ok(Arc::new(Schema::new(infer::fields_of(&fields))))
}

/// The columns the first `lines` rows of a file show.
fn sample(storage: &Storage, file: &StoreFile, codec: Option<Codec>, lines: u64) -> Result<Kind> {
    let mut input = compression::open(storage, file, codec)?;
    let (mut buffer, mut line, mut rows, mut bytes) = (Vec::new(), 0u64, 0u64, 0u64);
    let mut columns = Kind::Struct(Vec::new());
    while rows < lines && bytes < INFER_BYTES {
        if !read_line(&mut input, &mut buffer).map_err(|e| Error::io(&file.name, e))? {
            break;
        }
        line += 1;
        bytes += buffer.len() as u64;
        if buffer.len() as u64 > MAX_LINE {
            return Err(too_long(&file.name, line));
        }
        let text = buffer.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&buffer).trim_ascii_start();
        if rows == 0 && text.starts_with(b"[") {
            return Err(array(&file.name));
        }
        let Some(object) = parse_line(&buffer, &file.name, line)? else { continue };
        rows += 1;
        let at_line = |message| Error::input(&file.name, format!("line {line}: {message}"));
        let kind = Kind::object(&object).map_err(at_line)?;
        columns = infer::merge(columns, kind, "")
            .map_err(|message| at_line(format!("{message}: give the columns with --json-schema FILE")))?;
    }
    Ok(columns)
}

#[cfg(test)]
mod tests;
