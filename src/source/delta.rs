//! Delta Lake tables: the log (`_delta_log/`) read by `deltalake-core` at the version asked for, then the
//! snapshot's live data files read by recon's own Parquet reader, with each file's partition values as
//! columns, its deletion vector's rows left out (see [`super::deletion_vectors`]) and mapped columns renamed (see [`super::partitioned`]). So a
//! Delta side is read in the same units, threads and memory bound as a directory of Parquet files.
//!
//! What `deltalake-core` cannot read (a reader feature it does not support) is refused with the feature's
//! name, never read as plain files.

use std::sync::Arc;

use arrow::array::{new_null_array, ArrayRef, StringArray};
use arrow::datatypes::{DataType, Field, SchemaRef};
use deltalake_core::delta_datafusion::{DeltaScanConfig, DeltaScanNext};
use deltalake_core::logstore::{default_logstore, logstore_factories, LogStore, LogStoreFactory, StorageConfig};
use deltalake_core::{DeltaTableBuilder, DeltaTableError, ObjectStore};
use url::Url;

use super::deletion_vectors::deleted_rows;
use super::parquet::ParquetFiles;
use super::partitioned::{Column, Partitioned};
use super::reader::{Capabilities, Reader};
use super::union::Union;
use super::ScanUnit;
use crate::error::{Error, Result};
use crate::location::Version;
use crate::storage::{Dir, Storage};

/// A Delta table opened at one version: its reader and the version read.
pub(crate) struct Snapshot {
    pub reader: Box<dyn Reader>,
    pub version: u64,
}

/// Opens the Delta table whose root is `dir` at `version` (the latest when `None`); `location` is what
/// errors call it. The log is read on `runtime`.
pub(crate) fn open(
    storage: &Storage,
    dir: &Dir,
    version: Option<&Version>,
    location: &str,
    runtime: &tokio::runtime::Handle,
) -> Result<Snapshot> {
    let failed = |e: DeltaTableError| delta_error(location, e);
    let url = storage.url(dir)?;
    register_scheme(&url);
    let mut builder =
        DeltaTableBuilder::from_url(url.clone()).map_err(failed)?.with_storage_backend(storage.store(), url.clone());
    builder = match version {
        None => builder,
        Some(Version::Number(number)) => builder.with_version(*number),
        Some(Version::Time(time)) => builder.with_datestring(time).map_err(failed)?,
    };
    let table = match runtime.block_on(builder.load()) {
        Ok(table) => table,
        Err(e) => return Err(unparsable_commit(storage, dir)?.unwrap_or_else(|| failed(e))),
    };
    let state = table.snapshot().map_err(failed)?;
    // Refuses, by name, a table using a reader feature deltalake-core does not read.
    DeltaScanNext::new(state.snapshot().clone(), DeltaScanConfig::default())
        .map_err(|e| Error::input(location, format!("cannot be read: {e}")))?;

    let partition_columns = state.metadata().partition_columns().to_vec();
    let mode = state.snapshot().table_configuration().column_mapping_mode();
    let arrow_schema = state.snapshot().arrow_schema();
    let mut files = Vec::new();
    let mut raw_values = Vec::new();
    let mut deletions = Vec::new();
    for view in state.log_data().iter() {
        let path = view.path().to_string();
        if path.contains("://") {
            return Err(Error::input(
                location,
                format!("names a data file outside the table ({path}), which recon does not read"),
            ));
        }
        let file = storage.file_in(dir, &path, u64::try_from(view.size()).unwrap_or(0))?;
        deletions.push(match view.deletion_vector_descriptor() {
            Some(vector) => deleted_rows(storage, dir, &url, &vector, &file.name)?,
            None => Vec::new(),
        });
        raw_values.push(view.partition_values_map());
        files.push(file);
    }
    // In the table's order: its columns, each from the files (by its physical name) or a partition value.
    let mut fields = Vec::new();
    let mut physical = Vec::new();
    let mut partitions = Vec::new();
    for field in state.schema().fields() {
        let arrow = arrow_schema.field_with_name(field.name()).map_err(|e| Error::arrow(location, e))?;
        fields.push(Field::new(field.name(), arrow.data_type().clone(), true));
        let name = field.physical_name(mode).to_string();
        match partition_columns.contains(field.name()) {
            true => partitions.push((fields.len() - 1, name)),
            false => physical.push((fields.len() - 1, name)),
        }
    }
    let version = state.version();
    if files.is_empty() {
        return Ok(Snapshot { reader: Box::new(Empty(Arc::new(arrow::datatypes::Schema::new(fields)))), version });
    }
    let mut partition_values = Vec::with_capacity(files.len());
    for (file, raw) in files.iter().zip(&raw_values) {
        let mut typed = Vec::with_capacity(partitions.len());
        for (at, name) in &partitions {
            let logical = fields[*at].name();
            let value = raw.get(name).or_else(|| raw.get(logical)).cloned().flatten();
            typed.push(partition_value(value, &fields[*at], &file.name)?);
        }
        partition_values.push(typed);
    }
    // Files written before a column was added lack it: each set of files sharing their columns is read on its
    // own, a column its files lack as NULL.
    let groups = ParquetFiles::open_by_columns(storage.clone(), files)?;
    for (at, data_type) in file_types(&groups, &physical, &fields)? {
        fields[at] = fields[at].clone().with_data_type(data_type);
    }
    let mut parts: Vec<(Box<dyn Reader>, usize)> = Vec::with_capacity(groups.len());
    for (indices, inner) in groups {
        let (columns, missing) = columns_of(&inner.schema(), &physical, &partitions, fields.len());
        let nulls: Vec<ArrayRef> = missing.iter().map(|&at| new_null_array(fields[at].data_type(), 1)).collect();
        let values =
            indices.iter().map(|&i| [std::mem::take(&mut partition_values[i]), nulls.clone()].concat()).collect();
        let deleted = indices.iter().map(|&i| std::mem::take(&mut deletions[i])).collect();
        let part = Partitioned::new(Box::new(inner), fields.clone(), columns, values, deleted);
        parts.push((Box::new(part), indices.len()));
    }
    let reader = match parts.len() {
        1 => parts.remove(0).0,
        _ => Box::new(Union::new(parts)),
    };
    Ok(Snapshot { reader, version })
}

/// The type of each column read from files (by its index among the table's columns), as the files that hold it
/// give it; the table's own where no file holds it. Files that disagree are refused, naming both.
fn file_types(
    groups: &[(Vec<usize>, ParquetFiles)],
    physical: &[(usize, String)],
    fields: &[Field],
) -> Result<Vec<(usize, DataType)>> {
    let mut types = Vec::with_capacity(physical.len());
    for (at, name) in physical {
        let mut found: Option<(DataType, String)> = None;
        for (_, files) in groups {
            let Ok(field) = files.schema().field_with_name(name).cloned() else { continue };
            match &found {
                None => found = Some((field.data_type().clone(), files.file_name(0))),
                Some((first, first_file)) if first != field.data_type() => {
                    let message = format!(
                        "column {} is {} here but {first} in {first_file}: recon does not read a Delta table whose files disagree on a column's type",
                        fields[*at].name(),
                        field.data_type()
                    );
                    return Err(Error::input(files.file_name(0), message));
                }
                Some(_) => {}
            }
        }
        types.push((*at, found.map_or_else(|| fields[*at].data_type().clone(), |(data_type, _)| data_type)));
    }
    Ok(types)
}

/// Where each of the table's `width` columns comes from in files of `schema`: a file column, a partition value
/// (`Value(0..partitions.len())`), or NULL for a column these files lack (the values after the partitions'); and
/// the indices of the columns they lack.
fn columns_of(
    schema: &SchemaRef,
    physical: &[(usize, String)],
    partitions: &[(usize, String)],
    width: usize,
) -> (Vec<Column>, Vec<usize>) {
    let mut columns = vec![Column::Value(0); width];
    for (v, (at, _)) in partitions.iter().enumerate() {
        columns[*at] = Column::Value(v);
    }
    let mut missing = Vec::new();
    for (at, name) in physical {
        columns[*at] = match schema.index_of(name) {
            Ok(index) => Column::File(index),
            Err(_) => {
                missing.push(*at);
                Column::Value(partitions.len() + missing.len() - 1)
            }
        };
    }
    (columns, missing)
}

/// The first commit of the log (`_delta_log/*.json`, one JSON action a line) holding a line that is not JSON, as
/// an error naming the file and line: deltalake-core's own message does not say which file it was reading.
fn unparsable_commit(storage: &Storage, dir: &Dir) -> Result<Option<Error>> {
    let log = storage.dir(&format!("{}/_delta_log", dir.name.trim_end_matches('/')))?;
    for file in storage.entries(&log)?.files.iter().filter(|f| f.name.ends_with(".json")) {
        let bytes = storage.read(file, 0..file.size)?;
        let text = String::from_utf8_lossy(&bytes);
        for (number, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(line) {
                let message = format!("line {}: a Delta Lake log entry that does not parse ({e})", number + 1);
                return Ok(Some(Error::input(&file.name, message)));
            }
        }
    }
    Ok(None)
}

/// A partition value as the log writes it (text), as an array of one element of its column's type.
fn partition_value(value: Option<String>, field: &Field, file: &str) -> Result<ArrayRef> {
    let Some(value) = value else { return Ok(new_null_array(field.data_type(), 1)) };
    let text: ArrayRef = Arc::new(StringArray::from(vec![value.as_str()]));
    let options = arrow::compute::CastOptions { safe: false, ..Default::default() };
    arrow::compute::cast_with_options(&text, field.data_type(), &options).map_err(|e| {
        Error::input(file, format!("partition value {}={value:?} is not a {}: {e}", field.name(), field.data_type()))
    })
}

/// deltalake-core reads logs only for schemes it has a log store for (`file://`, `memory://`); recon gives it
/// the store itself, so any scheme's default log store will do. Registered once per scheme.
fn register_scheme(url: &Url) {
    let Ok(scheme) = Url::parse(&format!("{}://", url.scheme())) else { return };
    logstore_factories().entry(scheme).or_insert_with(|| Arc::new(ReadOnlyLogStores) as Arc<dyn LogStoreFactory>);
}

/// The default log store over the store recon opened.
struct ReadOnlyLogStores;

impl LogStoreFactory for ReadOnlyLogStores {
    fn with_options(
        &self,
        prefixed_store: Arc<dyn ObjectStore>,
        root_store: Arc<dyn ObjectStore>,
        location: &Url,
        options: &StorageConfig,
    ) -> deltalake_core::DeltaResult<Arc<dyn LogStore>> {
        Ok(default_logstore(prefixed_store, root_store, location, options))
    }
}

/// What deltalake-core says went wrong, named by the location (its messages name the log file where one does
/// not parse).
fn delta_error(location: &str, error: DeltaTableError) -> Error {
    match error {
        DeltaTableError::NotATable(_) | DeltaTableError::InvalidTableLocation(_) => {
            Error::input(location, format!("not a Delta Lake table: {error}"))
        }
        DeltaTableError::InvalidVersion(version) => {
            Error::input(location, format!("the Delta Lake table has no version {version}"))
        }
        error => Error::input(location, format!("cannot read the Delta Lake log: {error}")),
    }
}

/// A table without live files: its schema, and no rows.
struct Empty(arrow::datatypes::SchemaRef);

impl Reader for Empty {
    fn capabilities(&self) -> Capabilities {
        Capabilities { parallel_units: true, reread_by_ordinal: true, ..Capabilities::default() }
    }

    fn schema(&self) -> arrow::datatypes::SchemaRef {
        self.0.clone()
    }

    fn scan_units(&self, _projection: &[usize]) -> Result<Vec<ScanUnit>> {
        Ok(Vec::new())
    }

    fn row_count(&self) -> Option<u64> {
        Some(0)
    }

    fn file_name(&self, file: usize) -> String {
        format!("file {file}")
    }
}
