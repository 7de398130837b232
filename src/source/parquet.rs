//! Parquet files: one scan unit per row group, only the needed columns decoded, and a sparse re-read that
//! skips the pages holding no wanted row.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection, RowSelector,
};
use parquet::arrow::ProjectionMask;
use parquet::file::metadata::PageIndexPolicy;
use rayon::prelude::*;

use super::{ordinal, BatchIter, ScanUnit};
use crate::error::{Error, Result};

pub const BATCH_ROWS: usize = 8192;

pub struct ParquetFiles {
    files: Vec<(PathBuf, ArrowReaderMetadata)>,
    /// Each file's metadata as pass one reads it: small decimals as 64-bit (see [`narrow_decimals`]).
    scanned: Vec<ArrowReaderMetadata>,
}

impl ParquetFiles {
    /// Reads every file's footer and checks that all files share the first one's columns.
    pub fn open(paths: Vec<PathBuf>) -> Result<Self> {
        let mut files: Vec<(PathBuf, ArrowReaderMetadata)> = Vec::with_capacity(paths.len());
        for path in paths {
            let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
            let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
                .map_err(|e| Error::parquet(path.display().to_string(), e))?;
            if let Some((first, first_meta)) = files.first() {
                if !same_columns(first_meta.schema(), metadata.schema()) {
                    return Err(Error::input(
                        path.display().to_string(),
                        format!(
                            "its columns differ from those of {}: a dataset's files must share one schema",
                            first.display()
                        ),
                    ));
                }
            }
            files.push((path, metadata));
        }
        let scanned = files
            .iter()
            .map(|(path, metadata)| {
                narrow_decimals(metadata).map_err(|e| Error::parquet(path.display().to_string(), e))
            })
            .collect::<Result<_>>()?;
        Ok(ParquetFiles { files, scanned })
    }

    pub fn schema(&self) -> SchemaRef {
        self.files[0].1.schema().clone()
    }

    pub fn row_count(&self) -> u64 {
        self.files.iter().map(|(_, m)| m.metadata().file_metadata().num_rows() as u64).sum()
    }

    pub fn path(&self, file: usize) -> &Path {
        &self.files[file].0
    }

    pub fn scan_units(&self, projection: &[usize]) -> Result<Vec<ScanUnit>> {
        let mut units = Vec::new();
        for (index, ((path, _), metadata)) in self.files.iter().zip(&self.scanned).enumerate() {
            let mut first_row = 0u64;
            for row_group in 0..metadata.metadata().num_row_groups() {
                let rows = metadata.metadata().row_group(row_group).num_rows() as u64;
                let (path, metadata, projection) = (path.clone(), metadata.clone(), projection.to_vec());
                units.push(ScanUnit {
                    first: ordinal(index, first_row),
                    open: Box::new(move || read(&path, metadata, &projection, vec![row_group], None)),
                });
                first_row += rows;
            }
        }
        Ok(units)
    }

    /// Reads rows `rows` (ascending indices into the file) through row selections, a row group per thread,
    /// with the offset index loaded when the file has one so that pages without a wanted row are skipped.
    pub fn fetch(&self, file: usize, projection: &[usize], rows: &[u64]) -> Result<RecordBatch> {
        let (path, _) = &self.files[file];
        let location = path.display().to_string();
        let handle = File::open(path).map_err(|e| Error::io(path, e))?;
        let options = ArrowReaderOptions::new().with_offset_index_policy(PageIndexPolicy::Optional);
        let metadata = ArrowReaderMetadata::load(&handle, options).map_err(|e| Error::parquet(&location, e))?;

        // Each wanted row group with the selection of its wanted rows.
        let mut groups: Vec<(usize, RowSelection)> = Vec::new();
        let (mut group_start, mut next) = (0u64, 0usize);
        for (index, group) in metadata.metadata().row_groups().iter().enumerate() {
            let group_end = group_start + group.num_rows() as u64;
            let (mut cursor, mut selectors) = (group_start, Vec::new());
            while next < rows.len() && rows[next] < group_end {
                let row = rows[next];
                if row > cursor {
                    selectors.push(RowSelector::skip((row - cursor) as usize));
                }
                selectors.push(RowSelector::select(1));
                cursor = row + 1;
                next += 1;
            }
            if !selectors.is_empty() {
                if group_end > cursor {
                    selectors.push(RowSelector::skip((group_end - cursor) as usize));
                }
                groups.push((index, RowSelection::from(selectors)));
            }
            group_start = group_end;
        }
        let parts: Vec<Vec<RecordBatch>> = groups
            .into_par_iter()
            .map(|(group, selection)| {
                let batches = read(path, metadata.clone(), projection, vec![group], Some(selection))?;
                batches.map(|batch| compact_views(batch?, &location)).collect()
            })
            .collect::<Result<_>>()?;
        let batches: Vec<RecordBatch> = parts.into_iter().flatten().collect();
        let schema = match batches.first() {
            Some(b) => b.schema(),
            None => return Err(Error::input(location, "wanted rows are missing on re-read")),
        };
        arrow::compute::concat_batches(&schema, &batches).map_err(|e| Error::arrow(location, e))
    }
}

fn read(
    path: &Path,
    metadata: ArrowReaderMetadata,
    projection: &[usize],
    row_groups: Vec<usize>,
    selection: Option<RowSelection>,
) -> Result<BatchIter> {
    let location = path.display().to_string();
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mask = ProjectionMask::roots(metadata.parquet_schema(), projection.iter().copied());
    let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata)
        .with_projection(mask)
        .with_row_groups(row_groups)
        .with_batch_size(BATCH_ROWS);
    if let Some(selection) = selection {
        builder = builder.with_row_selection(selection);
    }
    let reader = builder.build().map_err(|e| Error::parquet(&location, e))?;
    Ok(Box::new(reader.map(move |batch| batch.map_err(|e| Error::arrow(&location, e)))))
}

/// A string or binary view column read through a row selection still points into whole decoded pages;
/// copying out the few selected values lets those pages go (otherwise thousands of kept rows hold gigabytes).
fn compact_views(batch: RecordBatch, location: &str) -> Result<RecordBatch> {
    use arrow::array::{Array, AsArray};
    let columns = batch
        .columns()
        .iter()
        .map(|column| match column.data_type() {
            arrow::datatypes::DataType::Utf8View => std::sync::Arc::new(column.as_string_view().gc()) as _,
            arrow::datatypes::DataType::BinaryView => std::sync::Arc::new(column.as_binary_view().gc()) as _,
            _ => column.clone(),
        })
        .collect();
    RecordBatch::try_new(batch.schema(), columns).map_err(|e| Error::arrow(location, e))
}

/// Pass one reads a decimal of up to 18 digits stored as INT32, INT64 or FIXED_LEN_BYTE_ARRAY as a 64-bit
/// decimal: an INT64 column is then used as stored instead of widened into a fresh 128-bit copy, and the
/// others are widened half as far. It encodes exactly as the 128-bit decimal would (see `digest::encode`),
/// so only speed changes; the schema recon reports and the rows it reads back keep the file's own types.
fn narrow_decimals(metadata: &ArrowReaderMetadata) -> parquet::errors::Result<ArrowReaderMetadata> {
    use arrow::datatypes::{DataType, Field, Schema};
    use parquet::basic::Type as Physical;
    let schema = metadata.schema();
    let columns = metadata.parquet_schema().root_schema().get_fields();
    let narrow = |field: &Field, column: &parquet::schema::types::TypePtr| match field.data_type() {
        DataType::Decimal128(precision, scale)
            if *precision <= 18
                && column.is_primitive()
                && matches!(
                    column.get_physical_type(),
                    Physical::INT32 | Physical::INT64 | Physical::FIXED_LEN_BYTE_ARRAY
                ) =>
        {
            Some(field.clone().with_data_type(DataType::Decimal64(*precision, *scale)))
        }
        _ => None,
    };
    let narrowed: Vec<Option<Field>> = schema.fields().iter().zip(columns).map(|(f, c)| narrow(f, c)).collect();
    if schema.fields().len() != columns.len() || narrowed.iter().all(Option::is_none) {
        return Ok(metadata.clone());
    }
    let fields: Vec<Field> = narrowed
        .into_iter()
        .zip(schema.fields())
        .map(|(narrow, field)| narrow.unwrap_or_else(|| field.as_ref().clone()))
        .collect();
    let hinted = std::sync::Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    ArrowReaderMetadata::try_new(metadata.metadata().clone(), ArrowReaderOptions::new().with_schema(hinted))
}

fn same_columns(a: &SchemaRef, b: &SchemaRef) -> bool {
    a.fields().len() == b.fields().len()
        && a.fields().iter().zip(b.fields()).all(|(x, y)| x.name() == y.name() && x.data_type() == y.data_type())
}
