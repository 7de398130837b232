//! CSV files with a header row: delimiter, quote and NULL token as the user sets them, column types inferred
//! from the data (and printed) or given explicitly.

use std::fs::File;
use std::io::{BufReader, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::csv::reader::Format;
use arrow::csv::ReaderBuilder;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::parquet::BATCH_ROWS;
use super::{ordinal, BatchIter, ScanUnit};
use crate::error::{Error, Result};

/// Rows read to infer column types before the real read; a later value that does not fit stops the audit
/// with its line number, and `--csv-types` settles the column.
const INFER_ROWS: usize = 100_000;

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

/// Parses a `--csv-types` type name: the Arrow types a CSV field can be read as.
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
}

impl CsvFiles {
    pub fn open(files: Vec<PathBuf>, options: &CsvOptions) -> Result<Self> {
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
        Ok(CsvFiles { files, schema, format })
    }

    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    pub fn path(&self, file: usize) -> &Path {
        &self.files[file]
    }

    pub fn scan_units(&self, projection: &[usize]) -> Vec<ScanUnit> {
        (0..self.files.len())
            .map(|index| {
                let reader = self.clone_for(index);
                let projection = projection.to_vec();
                ScanUnit { first: ordinal(index, 0), open: Box::new(move || reader.open_file(0, &projection)) }
            })
            .collect()
    }

    fn clone_for(&self, file: usize) -> CsvFiles {
        CsvFiles { files: vec![self.files[file].clone()], schema: self.schema.clone(), format: self.format.clone() }
    }

    pub fn open_file(&self, file: usize, projection: &[usize]) -> Result<BatchIter> {
        let path = &self.files[file];
        let location = path.display().to_string();
        let handle = File::open(path).map_err(|e| Error::io(path, e))?;
        let reader = ReaderBuilder::new(self.schema.clone())
            .with_format(self.format.clone())
            .with_projection(projection.to_vec())
            .with_batch_size(BATCH_ROWS)
            .build(BufReader::with_capacity(1 << 20, handle))
            .map_err(|e| Error::arrow(&location, e))?;
        Ok(Box::new(reader.map(move |batch| batch.map_err(|e| Error::arrow(&location, e)))))
    }
}

/// Infers the column types of one file from its first rows, then applies the explicit `--csv-types`.
fn infer(path: &Path, format: &Format, options: &CsvOptions) -> Result<SchemaRef> {
    let location = path.display().to_string();
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let (inferred, _) = format.infer_schema(&mut file, Some(INFER_ROWS)).map_err(|e| Error::arrow(&location, e))?;
    file.rewind().map_err(|e| Error::io(path, e))?;
    if inferred.fields().is_empty() || inferred.fields().iter().all(|f| f.name().is_empty()) {
        return Err(Error::input(location, "empty file: a CSV source needs a header row"));
    }
    for (name, _) in &options.types {
        if inferred.field_with_name(name).is_err() {
            return Err(Error::setting("--csv-types", format!("{location} has no column {name}")));
        }
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
