//! ① Where rows come from: a dataset named on the command line, opened as streams of Arrow batches that
//! several threads read at once, and re-read sparsely to show the rows that differ.

pub mod aggregates;
pub mod catalog;
mod compression;
mod csv;
#[cfg(feature = "delta")]
mod deletion_vectors;
#[cfg(feature = "delta")]
mod delta;
pub mod dialect;
pub mod fingerprints;
mod hive;
mod ipc;
mod jsonl;
pub mod keyset;
pub mod narrow;
#[cfg(feature = "odbc")]
mod odbc;
mod parquet;
mod partitioned;
mod ranged;
mod reader;
pub(crate) mod sql;
#[cfg(feature = "delta")]
mod union;

use std::path::Path;

use arrow::array::{RecordBatch, UInt64Array};
use arrow::datatypes::SchemaRef;

use crate::error::{Error, Result};
use crate::location::{Files, Kind, Location};
use crate::storage::{Dir, Place, Storage, StoreFile};

pub use self::csv::{parse_type as parse_csv_type, CsvOptions, TYPES as CSV_TYPES};
pub use self::jsonl::schema::read as read_json_schema;
pub use self::jsonl::JsonOptions;
pub use self::reader::Capabilities;
use self::reader::Reader;
pub use self::sql::{
    Columns, Connections, DbOptions, Engine, ReadConnections, ReadSettings, Wire, Writable, KEYS_PER_STATEMENT,
};

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

/// A piece of a dataset that one thread reads start to end: a Parquet row group, a byte range of a CSV file or
/// a whole Arrow IPC file.
pub struct ScanUnit {
    open: Box<dyn FnOnce() -> Result<(Ordinal, BatchIter)> + Send>,
}

impl ScanUnit {
    /// A unit whose first row's ordinal is known before it is read.
    pub(crate) fn new(first: Ordinal, open: impl FnOnce() -> Result<BatchIter> + Send + 'static) -> ScanUnit {
        ScanUnit { open: Box::new(move || Ok((first, open()?))) }
    }

    /// A unit that finds where its rows start as it opens (a CSV byte range counts the records before it).
    pub(crate) fn finding_first(open: impl FnOnce() -> Result<(Ordinal, BatchIter)> + Send + 'static) -> ScanUnit {
        ScanUnit { open: Box::new(open) }
    }

    /// The ordinal of the unit's first row (the rest follow consecutively), and its rows.
    pub fn open_at(self) -> Result<(Ordinal, BatchIter)> {
        (self.open)()
    }

    /// The unit's rows, where their ordinals do not matter.
    pub fn open(self) -> Result<BatchIter> {
        Ok(self.open_at()?.1)
    }
}

/// What a dataset is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
    Ipc,
    /// JSON Lines: one JSON object a line.
    Jsonl,
    /// A Delta Lake table's snapshot.
    Delta,
    Database(sql::Engine),
    /// A table or query behind an ODBC driver.
    Odbc,
}

impl Format {
    /// The format a file's name says it holds, by its extension: a compressed one (`.csv.gz`, `.csv.zst`) is
    /// text, as only text is read without byte ranges.
    pub(crate) fn of(name: &str) -> Option<Format> {
        let plain = compression::without_codec(name);
        let ext = Path::new(plain).extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ if plain != name => None,
            "parquet" | "pq" => Some(Format::Parquet),
            "arrow" | "ipc" | "feather" => Some(Format::Ipc),
            _ => None,
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Ipc => "arrow",
            Format::Jsonl => "jsonl",
            Format::Delta => "delta",
            Format::Database(engine) => engine.kind(),
            Format::Odbc => "odbc",
        }
    }
}

/// A dataset opened for reading: its schema is known, its rows not yet read.
pub struct Dataset {
    /// The location as the user wrote it, with any password masked.
    pub location: String,
    pub format: Format,
    pub schema: SchemaRef,
    /// What the reader does beyond reading every row, declared when it opened: the engine asks here.
    pub capabilities: Capabilities,
    /// The version of a Delta Lake table that was read.
    pub table_version: Option<u64>,
    /// How consistent a read is where it is not one snapshot: `none` for a database read without one (a
    /// MySQL/MariaDB table of a storage engine without transactions, natively or over ODBC; an ODBC source whose
    /// engine gives none: see `odbc::connect`). `None` where the reader reads one snapshot or a file.
    pub snapshot: Option<&'static str>,
    reader: Box<dyn Reader>,
}

/// How to open one side.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub csv: CsvOptions,
    pub json: JsonOptions,
    pub db: DbOptions,
    /// Object-store settings, `KEY=VALUE` (`--source-storage-option`).
    pub storage: Vec<(String, String)>,
}

impl Dataset {
    /// Opens the dataset a location names: a database table or query, a file, a directory of files, or a
    /// glob. A database is read by tasks on `runtime` (its time driver enabled), which the caller keeps
    /// running as long as the dataset.
    pub fn open(location: &Location, options: &OpenOptions, runtime: &tokio::runtime::Handle) -> Result<Dataset> {
        let files = match location.kind() {
            Kind::Database(db) => {
                let table = sql::SqlTable::open(db.clone(), &options.db, runtime)?;
                let snapshot = (!table.in_snapshot()?).then_some("none");
                return Ok(Dataset::read_as(db.masked.clone(), Format::Database(db.engine), Box::new(table), snapshot));
            }
            Kind::Odbc(odbc) => return open_odbc(location, odbc, options),
            Kind::Files(files) => files,
        };
        if options.db.query.is_some() {
            return Err(Error::setting(
                "--source-query/--target-query",
                format!("{location} is not a database: a query reads a database (postgres://, mysql://, sqlite://)"),
            ));
        }
        let storage = Storage::open(location, files, &options.storage)?;
        let masked = location.masked();
        let listed = match list_files(&storage, files, &masked)? {
            #[cfg(feature = "delta")]
            Listed::Delta(dir) => {
                let snapshot = delta::open(&storage, &dir, files.version.as_ref(), &masked, runtime)?;
                let dataset = Dataset::new(masked, Format::Delta, snapshot.reader);
                return Ok(Dataset { table_version: Some(snapshot.version), ..dataset });
            }
            #[cfg(not(feature = "delta"))]
            Listed::Delta(dir) => {
                let message = format!(
                    "a Delta Lake table ({} holds _delta_log/), and this recon was built without Delta Lake support: install it with `cargo install recon --features delta`",
                    dir.name
                );
                return Err(Error::input(masked, message));
            }
            _ if files.version.is_some() => return Err(Error::input(
                masked,
                "a version (@N or @TIME) picks a version of a Delta Lake table, and this location holds no _delta_log/",
            )),
            Listed::Files(listed) => hive::Partitions::none(listed),
            Listed::Partitioned(partitions) => partitions,
        };
        let format = common_format(&storage, &masked, &listed.files)?;
        let files = listed.files.clone();
        let reader: Box<dyn Reader> = match format {
            Format::Csv => Box::new(csv::CsvFiles::open(storage, files, &options.csv)?),
            Format::Ipc => Box::new(ipc::IpcFiles::open(storage, files)?),
            Format::Jsonl => Box::new(jsonl::JsonlFiles::open(storage, files, &options.json)?),
            _ => Box::new(parquet::ParquetFiles::open(storage, files)?),
        };
        let reader = match listed.keys.is_empty() {
            true => reader,
            false => partitioned(reader, &listed, &masked)?,
        };
        Ok(Dataset::new(masked, format, reader))
    }

    fn new(location: String, format: Format, reader: Box<dyn Reader>) -> Dataset {
        Dataset::read_as(location, format, reader, None)
    }

    fn read_as(location: String, format: Format, reader: Box<dyn Reader>, snapshot: Option<&'static str>) -> Dataset {
        let (schema, capabilities) = (reader.schema(), reader.capabilities());
        Dataset { location, format, schema, capabilities, table_version: None, snapshot, reader }
    }

    /// The connections a database table's full reads used, once one has begun; `None` for files.
    pub fn read_connections(&self) -> Option<ReadConnections> {
        self.reader.read_connections()
    }

    /// The number of rows, where the files tell it without reading them: Parquet footers.
    pub fn row_count(&self) -> Option<u64> {
        self.reader.row_count()
    }

    /// About how many rows a full read returns where only a catalog can say (a database table: see
    /// [`sql::SqlTable::estimate_rows`]); files have none.
    pub fn estimate_rows(&self) -> Option<u64> {
        self.reader.estimate_rows()
    }

    /// The number of rows, counted by the database (inside the audit's snapshot) or by following a CSV file's
    /// records where the files do not record it (`None` for Arrow IPC and irregularly quoted CSV, which only a
    /// full read counts).
    pub fn count_rows(&self) -> Result<Option<u64>> {
        self.reader.count_rows()
    }

    /// A database computes `aggregates` (a column profile) over the rows full reads keep, inside its snapshot,
    /// in one statement; `None` for files, which the caller aggregates itself.
    pub fn aggregate(&self, aggregates: &aggregates::Aggregates) -> Result<Option<Vec<RecordBatch>>> {
        match self.capabilities.aggregate {
            true => self.reader.aggregate(aggregates).map(Some),
            false => Ok(None),
        }
    }

    /// Why column `index` has no `form` text where this side computes fingerprints; `None` when it has (see
    /// [`Capabilities::fingerprints`]).
    pub fn refuse_form(&self, index: usize, form: fingerprints::Form) -> Option<String> {
        self.reader.refuse_form(index, form)
    }

    /// Every bucket's fingerprint, computed by the side itself (see [`Capabilities::fingerprints`]).
    pub fn buckets(&self, request: &fingerprints::BucketRequest) -> Result<Vec<fingerprints::Bucket>> {
        self.reader.buckets(request)
    }

    /// Makes full reads keep only the rows of the buckets `prefixes` name (see [`Reader::bucket_condition`]).
    pub fn restrict_buckets(&mut self, key: &[(usize, fingerprints::Form)], prefixes: &[String]) -> Result<()> {
        let condition = self.reader.bucket_condition(key, prefixes)?;
        self.reader.restrict(condition)
    }

    /// The distinct values of `columns` (schema indices) as the database's own statistics estimate them,
    /// without reading the table; `None` per column where it keeps none (files, MySQL/MariaDB, SQLite).
    pub fn distinct_estimates(&self, columns: &[usize]) -> Result<Vec<Option<u64>>> {
        self.reader.distinct_estimates(columns)
    }

    /// The keys the table declares, for discovering a comparison's key: a database table's primary key and its
    /// unique indexes over NOT NULL columns, read in its snapshot; none for files and for a query.
    pub fn keys(&self) -> Result<catalog::TableKeys> {
        self.reader.keys()
    }

    /// A database table's schema (as its location names it) and name; `None` for a query and for files.
    pub fn table_name(&self) -> Option<(Option<&str>, &str)> {
        self.reader.table_name()
    }

    /// What a repair script must know of a database table's columns before it writes to them (generated,
    /// identity, sequences), read in its snapshot; none for a query and for files.
    pub fn writable(&self) -> Result<Vec<Writable>> {
        self.reader.writable()
    }

    /// Lets a side on a network store keep up to `bytes` of what pass one fetches, for [`Dataset::fetch`].
    pub fn keep_fetched(&self, bytes: u64) {
        self.reader.keep_fetched(bytes)
    }

    /// Whether [`Dataset::fetch`] can find rows by ordinal (see [`Capabilities::reread_by_ordinal`]).
    pub fn rereads_by_ordinal(&self) -> bool {
        self.capabilities.reread_by_ordinal
    }

    /// The SQL condition by which this side selects a key-text sample itself; `None` where it does not
    /// declare [`Capabilities::sample`], or its key columns do not allow it (see
    /// [`sql::SqlTable::sample_condition`]).
    pub fn sample_condition(&self, key_names: &[String], seed: u64, threshold: u64) -> Option<String> {
        self.capabilities.sample.then(|| self.reader.sample_condition(key_names, seed, threshold)).flatten()
    }

    /// Makes full reads keep only the rows `condition` keeps: only for a side that declares
    /// [`Capabilities::filter`].
    pub fn restrict(&mut self, condition: String) -> Result<()> {
        self.reader.restrict(condition)
    }

    /// The condition full reads keep rows by, to put back with [`Dataset::replace_restriction`] after a pass
    /// restricted further; `None` for every row.
    pub fn restriction(&self) -> Option<String> {
        self.reader.restriction()
    }

    /// Makes full reads keep what `condition` keeps instead (every row when `None`): only for a side that
    /// declares [`Capabilities::filter`].
    pub fn replace_restriction(&mut self, condition: Option<String>) -> Result<()> {
        self.reader.replace_restriction(condition)
    }

    /// Splits a full read of the columns `projection` (indices into `schema`, ascending) into units that
    /// threads can read independently. Batches hold the projected columns in ascending order.
    pub fn scan_units(&self, projection: &[usize]) -> Result<Vec<ScanUnit>> {
        self.reader.scan_units(projection)
    }

    /// Units that read only the rows whose key is among `keys` (rows of canonical key arrays, named by
    /// `key_names` as this side calls them), projected like [`Dataset::scan_units`]: a database runs one hash
    /// semi-join per [`KEYS_PER_STATEMENT`] keys, whatever the table's indexes. `None` where rows cannot be
    /// asked for by key (a side without [`Capabilities::narrow_to_keys`], or a key value without an exact SQL
    /// literal): the caller then reads all.
    pub fn read_keys(
        &self,
        projection: &[usize],
        key_names: &[String],
        keys: &[(&[arrow::array::ArrayRef], usize)],
    ) -> Result<Option<Vec<ScanUnit>>> {
        match self.capabilities.narrow_to_keys {
            true => self.reader.read_keys(projection, key_names, keys),
            false => Ok(None),
        }
    }

    /// The statements [`Dataset::read_keys`] would run, for tests that `EXPLAIN` them; `None` as there.
    pub fn read_keys_sql(
        &self,
        projection: &[usize],
        key_names: &[String],
        keys: &[(&[arrow::array::ArrayRef], usize)],
    ) -> Result<Option<Vec<String>>> {
        match self.capabilities.narrow_to_keys {
            true => self.reader.read_keys_sql(projection, key_names, keys),
            false => Ok(None),
        }
    }

    /// Reads the rows at `ordinals` (ascending) again, projected like [`Dataset::scan_units`]: only for a
    /// side that declares [`Capabilities::reread_by_ordinal`]. Returns the rows and, in a parallel column, the
    /// ordinal of each.
    pub fn fetch(&self, projection: &[usize], ordinals: &[Ordinal]) -> Result<(RecordBatch, UInt64Array)> {
        debug_assert!(ordinals.windows(2).all(|w| w[0] < w[1]));
        let mut batches = Vec::new();
        let mut found = Vec::with_capacity(ordinals.len());
        for group in ordinals.chunk_by(|a, b| split_ordinal(*a).0 == split_ordinal(*b).0) {
            let file = split_ordinal(group[0]).0;
            let rows: Vec<u64> = group.iter().map(|o| split_ordinal(*o).1).collect();
            let batch = self.reader.fetch(file, projection, &rows)?;
            if batch.num_rows() != rows.len() {
                return Err(Error::input(
                    &self.location,
                    format!("file {} changed while recon was reading it", self.reader.file_name(file)),
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
}

/// Opens a table or query behind an ODBC driver (cargo feature `odbc`).
#[cfg(feature = "odbc")]
fn open_odbc(location: &Location, odbc: &crate::location::Odbc, options: &OpenOptions) -> Result<Dataset> {
    let masked = location.masked();
    let table = odbc::OdbcTable::open(odbc, &masked, &options.db)?;
    let snapshot = (!table.snapshot()).then_some("none");
    Ok(Dataset::read_as(masked, Format::Odbc, Box::new(table), snapshot))
}

/// Without the `odbc` feature, an ODBC location is recognised and refused with how to get it.
#[cfg(not(feature = "odbc"))]
fn open_odbc(location: &Location, _: &crate::location::Odbc, _: &OpenOptions) -> Result<Dataset> {
    Err(odbc_not_built(location))
}

/// The error for an ODBC location in a build without the `odbc` feature.
#[cfg(not(feature = "odbc"))]
fn odbc_not_built(location: &Location) -> Error {
    Error::input(
        location.masked(),
        "an ODBC connection: this recon was built without ODBC; install it with `cargo install --features odbc` \
         (see the README, \"ODBC sources\")",
    )
}

/// The rows a file's re-read picked, in one batch; none at all means the file no longer holds them.
fn concat_picked(picked: &[RecordBatch], location: &str) -> Result<RecordBatch> {
    let schema = picked.first().map(RecordBatch::schema);
    let schema = schema.ok_or_else(|| Error::input(location, "wanted rows are missing on re-read"))?;
    arrow::compute::concat_batches(&schema, picked).map_err(|e| Error::arrow(location, e))
}

/// Keeps the rows whose index in the file is in `rows` (ascending), reading the file start to end.
fn pick_rows(batches: BatchIter, rows: &[u64], name: &str) -> Result<RecordBatch> {
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
            let picked = arrow::compute::take_record_batch(&batch, &indices).map_err(|e| Error::arrow(name, e))?;
            kept.push(picked);
        }
        if next == rows.len() {
            break;
        }
        start = end;
    }
    let schema = schema.ok_or_else(|| Error::input(name, "file has no rows on re-read"))?;
    arrow::compute::concat_batches(&schema, &kept).map_err(|e| Error::arrow(name, e))
}

/// The files' reader with their partition directories' values as columns after the files' own.
fn partitioned(reader: Box<dyn Reader>, listed: &hive::Partitions, location: &str) -> Result<Box<dyn Reader>> {
    let schema = reader.schema();
    if let Some(key) = listed.keys.iter().find(|k| schema.index_of(k).is_ok()) {
        return Err(Error::input(
            location,
            format!("column {key} is both in the files and a partition directory's name ({key}=…): which one is the table's is unknown"),
        ));
    }
    let (fields, values) = listed.columns();
    let own = schema.fields().len();
    let columns = (0..own).map(partitioned::Column::File).chain((0..fields.len()).map(partitioned::Column::Value));
    let fields = schema.fields().iter().map(|f| f.as_ref().clone()).chain(fields).collect();
    let deleted = vec![Vec::new(); listed.files.len()];
    Ok(Box::new(partitioned::Partitioned::new(reader, fields, columns.collect(), values, deleted)))
}

/// What a location's files are.
enum Listed {
    /// Data files, none of them in a partition directory.
    Files(Vec<StoreFile>),
    /// Data files in Hive-style partition directories.
    Partitioned(hive::Partitions),
    /// The root of a Delta Lake table.
    Delta(Dir),
}

/// The files a location names, sorted so ordinals are stable between runs: one file, the data files directly in
/// a directory (hidden ones, `.` and `_`, left out) or in its partition directories (`key=value/`, walked down),
/// or a glob's matches. A directory holding `_delta_log/` is a Delta table; a directory or glob inside a
/// lakehouse table, or an Iceberg or Hudi table, is refused.
fn list_files(storage: &Storage, files: &Files, location: &str) -> Result<Listed> {
    let listed = if files.glob {
        let listed = storage.glob(&files.path)?;
        let parents: Vec<&str> = listed.iter().map(|f| parent(&f.name)).collect();
        refuse_lakehouse(storage, location, parents)?;
        listed
    } else {
        match storage.place(&files.path)? {
            Place::Dir(dir) => {
                if let Some(Lakehouse::Delta) = Lakehouse::of(storage, &dir)? {
                    return Ok(Listed::Delta(dir));
                }
                refuse_lakehouse(storage, location, [dir.name.as_str()])?;
                if let Some(partitions) = hive::list(storage, &dir, location)? {
                    return match partitions.files.is_empty() {
                        true => Err(Error::input(
                            location,
                            "no Parquet, CSV, Arrow or JSON Lines files found in its partition directories",
                        )),
                        false => Ok(Listed::Partitioned(partitions)),
                    };
                }
                let entries = storage.entries(&dir)?.files;
                let data = |name: &str| Format::of(name).is_some() || compression::is_bare(name);
                entries.into_iter().filter(|f| !hidden(file_name(&f.name)) && data(&f.name)).collect()
            }
            Place::File(file) => vec![file],
        }
    };
    if listed.is_empty() {
        return Err(Error::input(location, "no Parquet, CSV, Arrow or JSON Lines files found there"));
    }
    Ok(Listed::Files(listed))
}

/// The directory part of a file's name, as written (empty for a file in the working directory).
fn parent(name: &str) -> &str {
    name.rfind('/').map_or("", |slash| &name[..slash])
}

/// The last part of a name, without its directory.
fn file_name(name: &str) -> &str {
    name.trim_end_matches('/').rsplit('/').next().unwrap_or(name)
}

/// Entries a directory read as a dataset leaves out: `.hidden`, and `_SUCCESS`-like markers.
fn hidden(name: &str) -> bool {
    name.starts_with(['.', '_'])
}

/// A table format whose directory holds more data files than the table: its log or metadata says which are
/// live. Read as plain files, such a table after a delete or an update gives deleted rows back and updated
/// rows twice, so recon reads a Delta table through its log (see `delta.rs`) and refuses the others: no
/// Iceberg or Hudi crate reads into the Arrow version recon uses yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lakehouse {
    Delta,
    Iceberg,
    Hudi,
}

impl Lakehouse {
    /// The format whose table `dir` is the root of, by what the root holds: Delta's `_delta_log/`, Hudi's
    /// `.hoodie/`, Iceberg's `metadata/` with its `*.metadata.json` or `version-hint.text` (a bare `metadata/`
    /// may be an export's table of that name).
    fn of(storage: &Storage, dir: &Dir) -> Result<Option<Lakehouse>> {
        let entries = storage.entries(dir)?;
        let holds = |name: &str| entries.dirs.iter().find(|d| file_name(&d.name) == name);
        if holds("_delta_log").is_some() {
            return Ok(Some(Lakehouse::Delta));
        }
        if holds(".hoodie").is_some() {
            return Ok(Some(Lakehouse::Hudi));
        }
        let Some(metadata) = holds("metadata") else { return Ok(None) };
        let iceberg = storage.entries(metadata)?.files.iter().any(|f| {
            let name = file_name(&f.name);
            name.ends_with(".metadata.json") || name == "version-hint.text"
        });
        Ok(iceberg.then_some(Lakehouse::Iceberg))
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

/// Refuses `location` when one of `dirs` (directories it reads files from, as written), or a directory above
/// one, is the root of a lakehouse table. A relative path is checked up to the working directory.
fn refuse_lakehouse<'a>(storage: &Storage, location: &str, dirs: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for dir in dirs {
        for above in Path::new(dir).ancestors() {
            // Everything above a directory already seen was seen with it.
            if !seen.insert(above) {
                break;
            }
            let name = above.to_str().unwrap_or_default();
            if let Some(format) = Lakehouse::of(storage, &storage.dir(name)?)? {
                let (a, name, marker) = format.words();
                let shown = if above.as_os_str().is_empty() { Path::new(".") } else { above };
                let itself = above == Path::new(location.trim_end_matches('/'));
                let message = match (format, itself) {
                    (Lakehouse::Delta, true) => format!(
                        "a Delta Lake table (it holds {marker}): an audit compares a directory of tables; compare one table with recon diff"
                    ),
                    (Lakehouse::Delta, false) => format!(
                        "inside a Delta Lake table ({} holds {marker}): name the table's directory to read its live rows",
                        shown.display()
                    ),
                    (_, true) => format!(
                        "{a} {name} table (it holds {marker}), which recon does not read: compare an export of it"
                    ),
                    (_, false) => format!(
                        "inside {a} {name} table ({} holds {marker}), which recon does not read: compare an export of it",
                        shown.display()
                    ),
                };
                return Err(Error::input(location, message));
            }
        }
    }
    Ok(())
}

/// The one format of `files`: by their names, or by their first bytes for names without an extension.
fn common_format(storage: &Storage, location: &str, files: &[StoreFile]) -> Result<Format> {
    let mut format = None;
    for file in files {
        let this = match Format::of(&file.name) {
            Some(format) => format,
            None if compression::is_bare(&file.name) => compression::sniff_format(storage, file)?,
            None => {
                let known = "name it .parquet, .csv (.csv.gz, .csv.zst), .arrow or .jsonl (.jsonl.gz, .jsonl.zst; JSON Lines, one object a line)";
                // A `.json` export may hold JSON Lines (BigQuery, Spark) or one array (`mongoexport --jsonArray`):
                // only the name says which recon is to expect.
                let json = match compression::without_codec(&file.name).to_ascii_lowercase().ends_with(".json") {
                    true => " (a .json file holding one object a line is JSON Lines: rename it .jsonl; one holding a JSON array is not)",
                    false => "",
                };
                return Err(Error::input(&file.name, format!("unknown file type: {known}{json}")));
            }
        };
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
