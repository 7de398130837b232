//! ① Where rows come from: a dataset named on the command line, opened as streams of Arrow batches that
//! several threads read at once, and re-read sparsely to show the rows that differ.

pub mod aggregates;
pub mod catalog;
mod csv;
pub mod dialect;
mod ipc;
pub mod keyset;
pub mod narrow;
mod parquet;
pub(crate) mod sql;

use std::path::{Path, PathBuf};

use arrow::array::{RecordBatch, UInt64Array};
use arrow::datatypes::SchemaRef;

use crate::error::{Error, Result};

pub use self::csv::{parse_type as parse_csv_type, CsvOptions, TYPES as CSV_TYPES};
pub use self::sql::{Columns, Connections, DbOptions, Engine, Writable, KEYS_PER_STATEMENT};

/// Whether a location names a database (postgres://, mysql://, mariadb://, sqlite://) and which engine.
pub fn parse_database(location: &str) -> Option<Engine> {
    sql::parse_location(location).map(|db| db.engine)
}

/// Rows of one scan unit, in the unit's order.
pub type BatchIter = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

/// Where a row lives, so it can be read again: the file's index in the high bits, the row in the file below.
/// 2^40 rows per file and 2^24 files are far beyond any export.
pub type Ordinal = u64;
const ROW_BITS: u32 = 40;

pub fn ordinal(file: usize, row: u64) -> Ordinal {
    ((file as u64) << ROW_BITS) | row
}

fn split_ordinal(ordinal: Ordinal) -> (usize, u64) {
    ((ordinal >> ROW_BITS) as usize, ordinal & ((1 << ROW_BITS) - 1))
}

/// A piece of a dataset that one thread reads start to end: a Parquet row group, a part of a CSV file or a
/// whole Arrow IPC file.
pub struct ScanUnit {
    /// Ordinal of the unit's first row; the rest follow consecutively.
    pub first: Ordinal,
    open: Box<dyn FnOnce() -> Result<BatchIter> + Send>,
}

impl ScanUnit {
    pub fn open(self) -> Result<BatchIter> {
        (self.open)()
    }
}

/// What a dataset is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
    Ipc,
    Database(sql::Engine),
}

impl Format {
    pub(crate) fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "parquet" | "pq" => Some(Format::Parquet),
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "arrow" | "ipc" | "feather" => Some(Format::Ipc),
            _ => None,
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Ipc => "arrow",
            Format::Database(engine) => engine.kind(),
        }
    }
}

/// A dataset opened for reading: its schema is known, its rows not yet read.
pub struct Dataset {
    /// The location as the user wrote it, with any password masked.
    pub location: String,
    pub format: Format,
    pub schema: SchemaRef,
    reader: Reader,
}

enum Reader {
    Parquet(parquet::ParquetFiles),
    Csv(std::sync::Arc<csv::CsvFiles>),
    Ipc(ipc::IpcFiles),
    Sql(sql::SqlTable),
}

/// How to open one side.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub csv: CsvOptions,
    pub db: DbOptions,
}

impl Dataset {
    /// Opens the dataset a command-line location names: a database URL, a file, a directory of files, or a
    /// glob. A database is read by tasks on `runtime` (its time driver enabled), which the caller keeps
    /// running as long as the dataset.
    pub fn open(location: &str, options: &OpenOptions, runtime: &tokio::runtime::Handle) -> Result<Dataset> {
        if let Some(db) = sql::parse_location(location) {
            let (masked, engine) = (db.masked.clone(), db.engine);
            let table = sql::SqlTable::open(db, &options.db, runtime)?;
            let schema = table.schema();
            return Ok(Dataset {
                location: masked,
                format: Format::Database(engine),
                schema,
                reader: Reader::Sql(table),
            });
        }
        if location.contains("://") {
            return Err(Error::input(
                location,
                "unknown location scheme: use postgres://, mysql://, sqlite:// or a file path",
            ));
        }
        if options.db.query.is_some() {
            return Err(Error::setting(
                "--source-query/--target-query",
                format!("{location} is not a database: a query reads a database (postgres://, mysql://, sqlite://)"),
            ));
        }
        let files = list_files(location)?;
        let format = common_format(location, &files)?;
        let reader = match format {
            Format::Csv => Reader::Csv(std::sync::Arc::new(csv::CsvFiles::open(files, &options.csv)?)),
            Format::Ipc => Reader::Ipc(ipc::IpcFiles::open(files)?),
            _ => Reader::Parquet(parquet::ParquetFiles::open(files)?),
        };
        let schema = match &reader {
            Reader::Parquet(r) => r.schema(),
            Reader::Csv(r) => r.schema(),
            Reader::Ipc(r) => r.schema(),
            Reader::Sql(r) => r.schema(),
        };
        Ok(Dataset { location: crate::secrets::mask(location), format, schema, reader })
    }

    /// The number of rows, where the files tell it without a full read: Parquet footers, and CSV files whose
    /// record ends were counted when they were opened (regular quoting, see `csv::mark`).
    pub fn row_count(&self) -> Option<u64> {
        match &self.reader {
            Reader::Parquet(r) => Some(r.row_count()),
            Reader::Csv(r) => r.row_count(),
            _ => None,
        }
    }

    /// About how many rows a full read returns where only a catalog can say (a database table: see
    /// [`sql::SqlTable::estimate_rows`]); files tell their count exactly through [`Dataset::row_count`].
    pub fn estimate_rows(&self) -> Option<u64> {
        match &self.reader {
            Reader::Sql(table) => table.estimate_rows(),
            _ => None,
        }
    }

    /// The number of rows, counted by the database where the files do not record it (`None` for Arrow IPC and
    /// irregularly quoted CSV, which only a full read counts). A database counts inside the audit's snapshot.
    pub fn count_rows(&self) -> Result<Option<u64>> {
        match &self.reader {
            Reader::Sql(table) => table.count_rows().map(Some),
            _ => Ok(self.row_count()),
        }
    }

    /// A database computes `aggregates` (a column profile) over the rows full reads keep, inside its snapshot,
    /// in one statement; `None` for files, which the caller aggregates itself.
    pub fn aggregate(&self, aggregates: &aggregates::Aggregates) -> Result<Option<Vec<RecordBatch>>> {
        match &self.reader {
            Reader::Sql(table) => table.aggregate(aggregates).map(Some),
            _ => Ok(None),
        }
    }

    /// The distinct values of `columns` (schema indices) as the database's own statistics estimate them,
    /// without reading the table; `None` per column where it keeps none (files, MySQL/MariaDB, SQLite).
    pub fn distinct_estimates(&self, columns: &[usize]) -> Result<Vec<Option<u64>>> {
        match &self.reader {
            Reader::Sql(table) => table.distinct_estimates(columns),
            _ => Ok(vec![None; columns.len()]),
        }
    }

    /// The keys the table declares, for discovering a comparison's key: a database table's primary key and its
    /// unique indexes over NOT NULL columns, read in its snapshot; none for files and for a query.
    pub fn keys(&self) -> Result<catalog::TableKeys> {
        match &self.reader {
            Reader::Sql(table) => table.keys(),
            _ => Ok(catalog::TableKeys::default()),
        }
    }

    /// A database table's schema (as its location names it) and name; `None` for a query and for files.
    pub fn table_name(&self) -> Option<(Option<&str>, &str)> {
        match &self.reader {
            Reader::Sql(table) => table.table_name(),
            _ => None,
        }
    }

    /// What a repair script must know of a database table's columns before it writes to them (generated,
    /// identity, sequences), read in its snapshot; none for a query and for files.
    pub fn writable(&self) -> Result<Vec<Writable>> {
        match &self.reader {
            Reader::Sql(table) => table.writable(),
            _ => Ok(Vec::new()),
        }
    }

    /// Whether [`Dataset::fetch`] can find rows by ordinal. A database cannot: its rows have no stable
    /// position, so rows are found again by their row hash in a second read of the same snapshot.
    pub fn rereads_by_ordinal(&self) -> bool {
        !matches!(self.reader, Reader::Sql(_))
    }

    /// The SQL condition by which this side's database selects a key-text sample itself; `None` for files
    /// and for databases that cannot (see [`sql::SqlTable::sample_condition`]).
    pub fn sample_condition(&self, key_names: &[String], seed: u64, threshold: u64) -> Option<String> {
        match &self.reader {
            Reader::Sql(table) => table.sample_condition(key_names, seed, threshold),
            _ => None,
        }
    }

    /// Makes a database side's full reads keep only the rows `condition` keeps.
    pub fn restrict(&mut self, condition: String) {
        if let Reader::Sql(table) = &mut self.reader {
            table.restrict(condition);
        }
    }

    /// Splits a full read of the columns `projection` (indices into `schema`, ascending) into units that
    /// threads can read independently. Batches hold the projected columns in ascending order.
    pub fn scan_units(&self, projection: &[usize]) -> Result<Vec<ScanUnit>> {
        match &self.reader {
            Reader::Parquet(r) => r.scan_units(projection),
            Reader::Csv(r) => Ok(r.scan_units(projection)),
            Reader::Ipc(r) => Ok(r.scan_units(projection)),
            Reader::Sql(r) => Ok(r.scan_units(projection)),
        }
    }

    /// Units that read only the rows whose key is among `keys` (rows of canonical key arrays, named by
    /// `key_names` as this side calls them), projected like [`Dataset::scan_units`]: a database runs one hash
    /// semi-join per [`KEYS_PER_STATEMENT`] keys, whatever the table's indexes. `None` where rows cannot be
    /// asked for by key (files, or a key value without an exact SQL literal): the caller then reads all.
    pub fn read_keys(
        &self,
        projection: &[usize],
        key_names: &[String],
        keys: &[(&[arrow::array::ArrayRef], usize)],
    ) -> Result<Option<Vec<ScanUnit>>> {
        match &self.reader {
            Reader::Sql(table) => table.read_keys(projection, key_names, keys),
            _ => Ok(None),
        }
    }

    /// The statements [`Dataset::read_keys`] would run, for tests that `EXPLAIN` them; `None` as there.
    pub fn read_keys_sql(
        &self,
        projection: &[usize],
        key_names: &[String],
        keys: &[(&[arrow::array::ArrayRef], usize)],
    ) -> Result<Option<Vec<String>>> {
        match &self.reader {
            Reader::Sql(table) => table.read_keys_sql(projection, key_names, keys),
            _ => Ok(None),
        }
    }

    /// Reads the rows at `ordinals` (ascending) again, projected like [`Dataset::scan_units`]. Returns the
    /// rows and, in a parallel column, the ordinal of each.
    pub fn fetch(&self, projection: &[usize], ordinals: &[Ordinal]) -> Result<(RecordBatch, UInt64Array)> {
        debug_assert!(ordinals.windows(2).all(|w| w[0] < w[1]));
        let mut batches = Vec::new();
        let mut found = Vec::with_capacity(ordinals.len());
        for group in ordinals.chunk_by(|a, b| split_ordinal(*a).0 == split_ordinal(*b).0) {
            let file = split_ordinal(group[0]).0;
            let rows: Vec<u64> = group.iter().map(|o| split_ordinal(*o).1).collect();
            let batch = match &self.reader {
                Reader::Parquet(r) => r.fetch(file, projection, &rows)?,
                Reader::Csv(r) => r.fetch(file, projection, &rows)?,
                Reader::Ipc(r) => pick_rows(r.open_file(file, projection)?, &rows, r.path(file))?,
                Reader::Sql(_) => return Err(Error::input(&self.location, "database rows have no ordinal")),
            };
            if batch.num_rows() != rows.len() {
                return Err(Error::input(
                    &self.location,
                    format!("file {} changed while recon was reading it", self.file_name(file)),
                ));
            }
            found.extend_from_slice(group);
            batches.push(batch);
        }
        let schema = match batches.first() {
            Some(b) => b.schema(),
            None => std::sync::Arc::new(self.schema.project(projection).map_err(|e| Error::arrow(&self.location, e))?),
        };
        let batch = arrow::compute::concat_batches(&schema, &batches).map_err(|e| Error::arrow(&self.location, e))?;
        Ok((batch, UInt64Array::from(found)))
    }

    fn file_name(&self, file: usize) -> String {
        match &self.reader {
            Reader::Parquet(r) => r.path(file).display().to_string(),
            Reader::Csv(r) => r.path(file).display().to_string(),
            Reader::Ipc(r) => r.path(file).display().to_string(),
            Reader::Sql(_) => self.location.clone(),
        }
    }
}

/// The rows a file's re-read picked, in one batch; none at all means the file no longer holds them.
fn concat_picked(picked: &[RecordBatch], location: &str) -> Result<RecordBatch> {
    let schema = picked.first().map(RecordBatch::schema);
    let schema = schema.ok_or_else(|| Error::input(location, "wanted rows are missing on re-read"))?;
    arrow::compute::concat_batches(&schema, picked).map_err(|e| Error::arrow(location, e))
}

/// Keeps the rows whose index in the file is in `rows` (ascending), reading the file start to end.
fn pick_rows(batches: BatchIter, rows: &[u64], path: &Path) -> Result<RecordBatch> {
    let mut kept = Vec::new();
    let mut schema = None;
    let mut start = 0u64;
    let mut next = 0usize;
    for batch in batches {
        let batch = batch?;
        schema.get_or_insert_with(|| batch.schema());
        let end = start + batch.num_rows() as u64;
        let mut indices = Vec::new();
        while next < rows.len() && rows[next] < end {
            indices.push((rows[next] - start) as u32);
            next += 1;
        }
        if !indices.is_empty() {
            let indices = arrow::array::UInt32Array::from(indices);
            let picked = arrow::compute::take_record_batch(&batch, &indices)
                .map_err(|e| Error::arrow(path.display().to_string(), e))?;
            kept.push(picked);
        }
        if next == rows.len() {
            break;
        }
        start = end;
    }
    let schema = schema.ok_or_else(|| Error::input(path.display().to_string(), "file has no rows on re-read"))?;
    arrow::compute::concat_batches(&schema, &kept).map_err(|e| Error::arrow(path.display().to_string(), e))
}

/// The files a location names, sorted so ordinals are stable between runs. A directory or glob inside a
/// lakehouse table is refused; a file named alone is read as that file.
fn list_files(location: &str) -> Result<Vec<PathBuf>> {
    let path = Path::new(location);
    let mut files = if location.contains(['*', '?', '[']) {
        let paths = glob::glob(location).map_err(|e| Error::setting(location, format!("bad glob pattern: {e}")))?;
        let files: Vec<PathBuf> = paths
            .map(|p| {
                p.map_err(|e| {
                    let path = e.path().to_path_buf();
                    Error::io(path, e.into())
                })
            })
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|p| p.is_file())
            .collect();
        refuse_lakehouse(location, files.iter().filter_map(|f| f.parent()))?;
        files
    } else if path.is_dir() {
        refuse_lakehouse(location, [path])?;
        let entries = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(path, e))?;
            let file = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with(['.', '_']);
            if file.is_file() && !hidden && Format::of(&file).is_some() {
                files.push(file);
            }
        }
        files
    } else {
        std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        vec![path.to_path_buf()]
    };
    files.sort();
    if files.is_empty() {
        return Err(Error::input(location, "no Parquet, CSV or Arrow files found there"));
    }
    Ok(files)
}

/// A table format whose directory holds more data files than the table: its log or metadata says which are
/// live. Read as plain files, such a table after a delete or an update gives deleted rows back and updated
/// rows twice, so recon refuses it until it reads these formats.
#[derive(Debug, Clone, Copy)]
enum Lakehouse {
    Delta,
    Iceberg,
    Hudi,
}

impl Lakehouse {
    /// The format whose table `dir` is the root of, by what the root holds: Delta's `_delta_log/`, Hudi's
    /// `.hoodie/`, Iceberg's `metadata/` with its `*.metadata.json` or `version-hint.text` (a bare `metadata/`
    /// may be an export's table of that name).
    fn of(dir: &Path) -> Option<Lakehouse> {
        if dir.join("_delta_log").is_dir() {
            return Some(Lakehouse::Delta);
        }
        if dir.join(".hoodie").is_dir() {
            return Some(Lakehouse::Hudi);
        }
        let metadata = std::fs::read_dir(dir.join("metadata")).ok()?;
        let iceberg = metadata.flatten().any(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.ends_with(".metadata.json") || name == "version-hint.text"
        });
        iceberg.then_some(Lakehouse::Iceberg)
    }

    /// The format's name with its article, its name, and the entry that marks a table's root.
    fn words(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Lakehouse::Delta => ("a", "Delta Lake", "_delta_log/"),
            Lakehouse::Iceberg => ("an", "Iceberg", "metadata/"),
            Lakehouse::Hudi => ("a", "Hudi", ".hoodie/"),
        }
    }
}

/// Refuses `location` when one of `dirs` (directories it reads files from), or a directory above one, is the
/// root of a lakehouse table. A relative path is checked up to the working directory.
fn refuse_lakehouse<'a>(location: &str, dirs: impl IntoIterator<Item = &'a Path>) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for dir in dirs {
        for above in dir.ancestors() {
            let above = if above.as_os_str().is_empty() { Path::new(".") } else { above };
            // Everything above a directory already seen was seen with it.
            if !seen.insert(above) {
                break;
            }
            if let Some(format) = Lakehouse::of(above) {
                let (a, name, marker) = format.words();
                let what = if above == Path::new(location) {
                    format!("{a} {name} table (it holds {marker})")
                } else {
                    format!("inside {a} {name} table ({} holds {marker})", above.display())
                };
                return Err(Error::input(
                    location,
                    format!("{what}, which recon cannot read yet: compare an export of it"),
                ));
            }
        }
    }
    Ok(())
}

fn common_format(location: &str, files: &[PathBuf]) -> Result<Format> {
    let mut format = None;
    for file in files {
        let this = Format::of(file).ok_or_else(|| {
            Error::input(file.display().to_string(), "unknown file type: name it .parquet, .csv or .arrow")
        })?;
        match format {
            None => format = Some(this),
            Some(f) if f != this => {
                return Err(Error::input(location, "mixes file formats; point recon at one format per side"))
            }
            Some(_) => {}
        }
    }
    format.ok_or_else(|| Error::input(location, "no files found"))
}
