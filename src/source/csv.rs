//! CSV files with a header row: delimiter, quote and NULL token as the user sets them, column types inferred
//! from the data (and printed) or given explicitly; a large file is read in parts by several threads at once,
//! and rows are read again from the few kilobytes around them.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use arrow::array::RecordBatch;
use rayon::prelude::*;

use arrow::csv::reader::Format;
use arrow::csv::ReaderBuilder;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::parquet::BATCH_ROWS;
use super::{concat_picked, ordinal, pick_rows, BatchIter, ScanUnit};
use crate::error::{Error, Result};

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
    files: Vec<PathBuf>,
    schema: SchemaRef,
    format: Format,
    /// Each file's marks: the runs of records between two marks, in file order; the first holds the header.
    marks: Vec<Vec<Part>>,
    /// The rows of all files, counted while marking; `None` if a file's quoting is irregular.
    rows: Option<u64>,
    /// Each file's first parse error as a whole read meets it, found when a part fails (see `open_part`).
    first_errors: Vec<Arc<OnceLock<Option<String>>>>,
}

/// A run of whole records of a file: bytes `start..end` (the last run reads to the end of the file) and the
/// index among the file's rows of its first row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Part {
    start: u64,
    end: u64,
    first_row: u64,
}

impl CsvFiles {
    pub fn open(files: Vec<PathBuf>, options: &CsvOptions) -> Result<Self> {
        Self::open_marked(files, options, MARK_BYTES)
    }

    fn open_marked(files: Vec<PathBuf>, options: &CsvOptions, mark_bytes: u64) -> Result<Self> {
        let format = options.format()?;
        let schema = infer(&files[0], &format, options)?;
        for path in &files[1..] {
            let other = infer(path, &format, options)?;
            let names = |s: &Schema| s.fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>();
            if names(&other) != names(&schema) {
                return Err(Error::input(
                    path.display().to_string(),
                    format!("its header differs from that of {}", files[0].display()),
                ));
            }
        }
        let marked: Vec<(Vec<Part>, Option<u64>)> = files
            .par_iter()
            .map(|path| mark(path, mark_bytes, options.delimiter, options.quote))
            .collect::<Result<_>>()?;
        let rows = marked.iter().map(|(_, rows)| *rows).sum();
        let marks = marked.into_iter().map(|(marks, _)| marks).collect();
        let first_errors = files.iter().map(|_| Arc::default()).collect();
        Ok(CsvFiles { files, schema, format, marks, rows, first_errors })
    }

    pub fn row_count(&self) -> Option<u64> {
        self.rows
    }

    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    pub fn path(&self, file: usize) -> &Path {
        &self.files[file]
    }

    pub fn scan_units(self: &Arc<Self>, projection: &[usize]) -> Vec<ScanUnit> {
        self.scan_parts(projection, PART_BYTES)
    }

    /// One unit per run of marks spanning about `part_bytes`.
    fn scan_parts(self: &Arc<Self>, projection: &[usize], part_bytes: u64) -> Vec<ScanUnit> {
        let mut units = Vec::new();
        for (file, marks) in self.marks.iter().enumerate() {
            let mut parts: Vec<Part> = Vec::new();
            for &mark in marks {
                match parts.last_mut() {
                    Some(part) if mark.start - part.start < part_bytes => part.end = mark.end,
                    _ => parts.push(mark),
                }
            }
            for part in parts {
                let (files, projection) = (self.clone(), projection.to_vec());
                units.push(ScanUnit {
                    first: ordinal(file, part.first_row),
                    open: Box::new(move || files.open_part(file, part, &projection)),
                });
            }
        }
        units
    }

    /// Reads rows `rows` (ascending indices into the file) again: the records from each wanted row's mark to
    /// the next, in parallel.
    pub fn fetch(&self, file: usize, projection: &[usize], rows: &[u64]) -> Result<RecordBatch> {
        let marks = &self.marks[file];
        let mut wanted: Vec<(Part, Vec<u64>)> = Vec::new();
        for &row in rows {
            let part = marks[marks.partition_point(|p| p.first_row <= row).saturating_sub(1)];
            match wanted.last_mut() {
                Some((last, local)) if *last == part => local.push(row - part.first_row),
                _ => wanted.push((part, vec![row - part.first_row])),
            }
        }
        let path = &self.files[file];
        let picked: Vec<RecordBatch> = wanted
            .into_par_iter()
            .map(|(part, local)| pick_rows(self.open_part(file, part, projection)?, &local, path))
            .collect::<Result<_>>()?;
        concat_picked(&picked, &path.display().to_string())
    }

    /// The rows of one part. A part after the first reports a parse error as a read of the whole file would
    /// (once per file, shared by its parts), so that the line it names counts from the top of the file.
    fn open_part(&self, file: usize, part: Part, projection: &[usize]) -> Result<BatchIter> {
        let (path, schema, format) = (self.files[file].clone(), self.schema.clone(), self.format.clone());
        let batches = read_part(&path, &schema, &format, part, projection)?;
        if part.start == 0 {
            return Ok(batches);
        }
        let (first_error, projection) = (self.first_errors[file].clone(), projection.to_vec());
        Ok(Box::new(batches.map(move |batch| {
            batch.map_err(|error| {
                let whole = Part { start: 0, end: u64::MAX, first_row: 0 };
                let first = first_error.get_or_init(|| {
                    let mut all = read_part(&path, &schema, &format, whole, &projection).ok()?;
                    match all.find_map(Result::err)? {
                        Error::Arrow { source, .. } => Some(source.to_string()),
                        other => Some(other.to_string()),
                    }
                });
                match first {
                    Some(message) => Error::input(path.display().to_string(), message.clone()),
                    None => error,
                }
            })
        })))
    }
}

/// Reads the records of `part` of the file at `path`.
fn read_part(path: &Path, schema: &SchemaRef, format: &Format, part: Part, projection: &[usize]) -> Result<BatchIter> {
    let location = path.display().to_string();
    let mut handle = File::open(path).map_err(|e| Error::io(path, e))?;
    handle.seek(SeekFrom::Start(part.start)).map_err(|e| Error::io(path, e))?;
    let reader = ReaderBuilder::new(schema.clone())
        .with_format(format.clone().with_header(part.start == 0))
        .with_projection(projection.to_vec())
        .with_batch_size(BATCH_ROWS)
        .build(BufReader::with_capacity(1 << 20, handle.take(part.end - part.start)))
        .map_err(|e| Error::arrow(&location, e))?;
    Ok(Box::new(reader.map(move |batch| batch.map_err(|e| Error::arrow(&location, e)))))
}

/// Marks record ends about every `mark_bytes` of a file, without parsing: a record ends at a line feed
/// outside quotes. That holds when the quoting is regular: a quote opens a field or closes it before a
/// delimiter or line end, or is doubled inside it, and a carriage return precedes a line feed. Otherwise
/// the file is one run, read whole by one thread. Returns the marks and, for regular quoting, the rows.
fn mark(path: &Path, mark_bytes: u64, delimiter: u8, quote: u8) -> Result<(Vec<Part>, Option<u64>)> {
    let whole = (vec![Part { start: 0, end: u64::MAX, first_row: 0 }], None);
    let size = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
    let mark_bytes = mark_bytes.max(size >> 20);
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut lines = LineEnds { delimiter, quote, in_quotes: false, prev: b'\n', line_start: 0, records: 0 };
    let mut marks = whole.0.clone();
    let mut next_mark = mark_bytes;
    let mut on_line_end = |end: u64, records: u64| {
        if end >= next_mark && end < size {
            if let Some(last) = marks.last_mut() {
                last.end = end;
            }
            // The header is the file's first record.
            marks.push(Part { start: end, end: u64::MAX, first_row: records.saturating_sub(1) });
            next_mark = end + mark_bytes;
        }
    };
    let mut block = vec![0u8; 1 << 20];
    let (mut at, mut held) = (0u64, 0usize);
    loop {
        let read = file.read(&mut block[held..]).map_err(|e| Error::io(path, e))?;
        let filled = held + read;
        let last = read == 0;
        // A quote or carriage return is judged by the byte after it: hold it back for the next block.
        let keep =
            if !last && filled > 0 && (block[filled - 1] == quote || block[filled - 1] == b'\r') { 1 } else { 0 };
        if lines.scan(&block[..filled - keep], at, &mut on_line_end).is_err() {
            return Ok(whole);
        }
        if last {
            break;
        }
        at += (filled - keep) as u64;
        block.copy_within(filled - keep..filled, 0);
        held = keep;
    }
    if lines.in_quotes {
        return Ok(whole);
    }
    // A last record without a line feed; the header is the first record.
    let records = lines.records + u64::from(size > lines.line_start);
    Ok((marks, Some(records.saturating_sub(1))))
}

/// Finds the line feeds that end records in regularly quoted CSV (see [`mark`]), block by block.
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
    /// records ended)` at every record end.
    fn scan(
        &mut self,
        block: &[u8],
        at: u64,
        on_line_end: &mut impl FnMut(u64, u64),
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
                    on_line_end(end, self.records);
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
fn infer(path: &Path, format: &Format, options: &CsvOptions) -> Result<SchemaRef> {
    let location = path.display().to_string();
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let (inferred, _) = format.infer_schema(&mut file, Some(INFER_ROWS)).map_err(|e| Error::arrow(&location, e))?;
    file.rewind().map_err(|e| Error::io(path, e))?;
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
    use super::super::Ordinal;
    use super::*;
    use arrow::array::AsArray;

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

    /// Marks every 16 bytes (about every record), or only the start of the file.
    fn open(file: &tempfile::NamedTempFile, marked: bool, options: &CsvOptions) -> Arc<CsvFiles> {
        let mark_bytes = if marked { 16 } else { u64::MAX / 2 };
        Arc::new(CsvFiles::open_marked(vec![file.path().to_path_buf()], options, mark_bytes).expect("open"))
    }

    /// Every unit's batches, with the unit's first ordinal, for parts of about 1 KiB.
    fn read_units(files: &Arc<CsvFiles>) -> Result<Vec<(Ordinal, RecordBatch)>> {
        let mut read = Vec::new();
        for unit in files.scan_parts(&[0, 1, 2], 1024) {
            let first = unit.first;
            let batches: Vec<RecordBatch> = unit.open()?.collect::<Result<_>>()?;
            let schema = files.schema().project(&[0, 1, 2]).expect("projection");
            let batch = arrow::compute::concat_batches(&Arc::new(schema), &batches).expect("concat");
            read.push((first, batch));
        }
        Ok(read)
    }

    fn ids(batch: &RecordBatch) -> Vec<i64> {
        batch.column(0).as_primitive::<arrow::datatypes::Int64Type>().values().to_vec()
    }

    #[test]
    fn a_file_read_in_parts_gives_the_rows_of_the_whole_file_at_their_ordinals() {
        let file = write(&tricky_csv());
        let whole = read_units(&open(&file, false, &CsvOptions::default())).expect("whole");
        assert_eq!(whole.len(), 1);
        let marked = open(&file, true, &CsvOptions::default());
        assert!(marked.marks[0].len() > 400, "{} marks", marked.marks[0].len());
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

    #[test]
    fn a_quote_inside_an_unquoted_field_keeps_the_file_whole() {
        let mut text = tricky_csv();
        text.push_str("600,a 5\" pipe,1\r\n");
        let file = write(&text);
        let files = open(&file, true, &CsvOptions::default());
        assert_eq!(files.marks[0].len(), 1);
        assert_eq!(ids(&read_units(&files).expect("read")[0].1).len(), 601);
    }

    #[test]
    fn a_bare_carriage_return_or_an_unclosed_quote_keeps_the_file_whole() {
        for tail in ["600,x,1\r601,y,2\r\n", "600,x,\"open\r\n"] {
            let file = write(&format!("{}{tail}", tricky_csv()));
            assert_eq!(open(&file, true, &CsvOptions::default()).marks[0].len(), 1, "{tail:?}");
        }
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
    use super::*;
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

        /// Wherever marks fall, the parts hold the rows of a whole read, in order, at their ordinals, and the
        /// rows counted while marking are those rows; or the file is read whole; and a file that does not
        /// parse fails with the whole read's message.
        #[test]
        fn marks_never_change_what_is_read(text in csv(), mark_bytes in 1u64..64, part_bytes in 1u64..256) {
            let file = tempfile::Builder::new().suffix(".csv").tempfile().expect("temp file");
            std::fs::write(file.path(), &text).expect("write");
            let text_type = ["a", "b", "c"].map(|c| (c.to_string(), DataType::Utf8)).to_vec();
            let options = CsvOptions { types: text_type, ..CsvOptions::default() };
            let open = |mark_bytes| Arc::new(CsvFiles::open_marked(vec![file.path().to_path_buf()], &options, mark_bytes).expect("open"));
            let read = |files: Arc<CsvFiles>, part_bytes| -> Result<(Vec<u64>, Vec<RecordBatch>)> {
                let mut firsts = Vec::new();
                let mut batches = Vec::new();
                for unit in files.scan_parts(&[0, 1, 2], part_bytes) {
                    firsts.push(unit.first);
                    let unit_batches: Vec<RecordBatch> = unit.open()?.collect::<Result<_>>()?;
                    firsts.push(unit_batches.iter().map(|b| b.num_rows() as u64).sum());
                    batches.extend(unit_batches);
                }
                Ok((firsts, batches))
            };
            let whole = read(open(u64::MAX / 2), u64::MAX / 2);
            let parted = read(open(mark_bytes), part_bytes);
            match (whole, parted) {
                (Ok((_, whole)), Ok((firsts, parted))) => {
                    let rows = whole.iter().map(|b| b.num_rows() as u64).sum::<u64>();
                    let counted = open(mark_bytes).row_count();
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
}
