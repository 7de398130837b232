//! Delta Lake tables: the log (`_delta_log/`) read by `deltalake-core` at the version asked for, then the
//! snapshot's live data files read by recon's own Parquet reader, with each file's partition values as
//! columns, its deletion vector's rows left out and mapped columns renamed (see [`super::partitioned`]). So a
//! Delta side is read in the same units, threads and memory bound as a directory of Parquet files.
//!
//! What `deltalake-core` cannot read (a reader feature it does not support) is refused with the feature's
//! name, never read as plain files.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{new_null_array, ArrayRef, StringArray};
use arrow::datatypes::Field;
use deltalake_core::delta_datafusion::{DeltaScanConfig, DeltaScanNext};
use deltalake_core::logstore::{default_logstore, logstore_factories, LogStore, LogStoreFactory, StorageConfig};
use deltalake_core::{DeltaTableBuilder, DeltaTableError, ObjectStore};
use url::Url;

use super::parquet::ParquetFiles;
use super::partitioned::{Column, Partitioned};
use super::reader::{Capabilities, Reader};
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
    let scan = DeltaScanNext::new(state.snapshot().clone(), DeltaScanConfig::default())
        .map_err(|e| Error::input(location, format!("cannot be read: {e}")))?;
    let deleted = if state.log_data().iter().any(|f| f.deletion_vector_descriptor().is_some()) {
        runtime.block_on(deletion_vectors(&scan, storage, &url)).map_err(|e| Error::input(location, e))?
    } else {
        HashMap::new()
    };

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
        let full = format!("{}{}", decoded_path(&url), path);
        deletions.push(deleted.get(&full).cloned().unwrap_or_default());
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
    let inner = ParquetFiles::open(storage.clone(), files.clone())?;
    let inner_schema = inner.schema();
    let mut columns = vec![Column::Value(0); fields.len()];
    for (at, name) in &physical {
        let index = inner_schema.index_of(name).map_err(|_| {
            Error::input(&files[0].name, format!("has no column {name}, which the Delta table's schema names"))
        })?;
        columns[*at] = Column::File(index);
    }
    for (v, (at, _)) in partitions.iter().enumerate() {
        columns[*at] = Column::Value(v);
    }
    let mut values = Vec::with_capacity(files.len());
    for (file, raw) in files.iter().zip(&raw_values) {
        let mut typed = Vec::with_capacity(partitions.len());
        for (at, name) in &partitions {
            let logical = fields[*at].name();
            let value = raw.get(name).or_else(|| raw.get(logical)).cloned().flatten();
            typed.push(partition_value(value, &fields[*at], &file.name)?);
        }
        values.push(typed);
    }
    let reader = Partitioned::new(Box::new(inner), fields, columns, values, deletions);
    Ok(Snapshot { reader: Box::new(reader), version })
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

/// Per data file (its full path, decoded), the rows its deletion vector deletes, ascending.
async fn deletion_vectors(
    scan: &DeltaScanNext,
    storage: &Storage,
    url: &Url,
) -> std::result::Result<HashMap<String, Vec<u64>>, String> {
    let context = datafusion::prelude::SessionContext::new();
    if url.scheme() != "file" {
        let root = Url::parse(&format!("{}://{}", url.scheme(), url.authority())).map_err(|e| e.to_string())?;
        context.register_object_store(&root, storage.store());
    }
    let selections = scan.deletion_vectors(&context.state()).await.map_err(|e| e.to_string())?;
    let mut deleted = HashMap::new();
    for selection in selections {
        let rows = selection.keep_mask.iter().enumerate().filter(|(_, keep)| !**keep).map(|(row, _)| row as u64);
        let url = Url::parse(&selection.filepath).map_err(|e| format!("{}: {e}", selection.filepath))?;
        deleted.insert(decoded_path(&url), rows.collect());
    }
    Ok(deleted)
}

fn decoded_path(url: &Url) -> String {
    percent_encoding::percent_decode_str(url.path()).decode_utf8_lossy().into_owned()
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
