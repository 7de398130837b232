//! Parquet files: one scan unit per row group, only the needed columns decoded, and a sparse re-read that
//! skips the pages holding no wanted row.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use object_store::ObjectStoreExt;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, RowSelection, RowSelector};
use parquet::arrow::async_reader::{AsyncFileReader, ParquetRecordBatchStream, ParquetRecordBatchStreamBuilder};
use parquet::arrow::ProjectionMask;
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData, ParquetMetaDataReader};
use rayon::prelude::*;

use super::reader::{Capabilities, Reader};
use super::{concat_picked, ordinal, BatchIter, ScanUnit};
use crate::error::{Error, Result};
use crate::storage::{Ahead, Storage, StoreFile};

pub const BATCH_ROWS: usize = 8192;

/// How many scan units after its own a unit starts fetching from a network store (see [`ReadAhead`]), while
/// their column chunks come to at most [`AHEAD_BYTES`]: a thread holds at most that much more than its own unit.
const UNITS_AHEAD: usize = 2;
const AHEAD_BYTES: u64 = 64 << 20;

/// How many row groups one thread re-reads at once from a network store: their requests overlap.
const GROUPS_AT_ONCE: usize = 8;

pub struct ParquetFiles {
    storage: Storage,
    files: Vec<(StoreFile, ArrowReaderMetadata)>,
    /// Each file as pass one reads it (see [`Scanned`]).
    scanned: Vec<Scanned>,
    /// Each file's footer with its offset index, once a re-read needed it (see [`ParquetFiles::indexed`]).
    indexed: Vec<std::sync::OnceLock<ArrowReaderMetadata>>,
    /// What pass one fetched from a network store, kept for the re-read.
    kept: Arc<Kept>,
}

/// How pass one reads a file, faster than the file's own types allow but to the same encodings: decimals of
/// up to 18 digits as 64-bit (see [`narrow_decimals`]), and those stored as big-endian FIXED_LEN_BYTE_ARRAY
/// (as pyarrow and Spark write them) as plain bytes that recon widens itself (see [`plain_fixed_decimals`]).
/// The schema recon reports and the rows it reads back keep the file's own types.
struct Scanned {
    metadata: ArrowReaderMetadata,
    /// For each top-level column read as plain bytes, its decimal precision and scale.
    widen: Vec<Option<(u8, i8)>>,
}

impl ParquetFiles {
    /// Reads every file's footer and checks that all files share the first one's columns.
    pub fn open(storage: Storage, listed: Vec<StoreFile>) -> Result<Self> {
        let files = footers(&storage, listed)?;
        if let Some((first, first_meta)) = files.first() {
            if let Some((file, _)) = files.iter().find(|(_, m)| !same_columns(first_meta.schema(), m.schema())) {
                return Err(Error::input(
                    &file.name,
                    format!("its columns differ from those of {}: a dataset's files must share one schema", first.name),
                ));
            }
        }
        Self::with_footers(storage, files)
    }

    /// Reads every file's footer and groups the files by their columns (names and types, in order): a table
    /// whose schema evolved holds files written with different columns. Each group lists its files' indices in
    /// `listed`, ascending.
    #[cfg(feature = "delta")]
    pub fn open_by_columns(storage: Storage, listed: Vec<StoreFile>) -> Result<Vec<(Vec<usize>, ParquetFiles)>> {
        type Group = (Vec<usize>, Vec<(StoreFile, ArrowReaderMetadata)>);
        let mut groups: Vec<Group> = Vec::new();
        for (index, file) in footers(&storage, listed)?.into_iter().enumerate() {
            match groups.iter_mut().find(|(_, group)| same_columns(group[0].1.schema(), file.1.schema())) {
                Some((indices, group)) => {
                    indices.push(index);
                    group.push(file);
                }
                None => groups.push((vec![index], vec![file])),
            }
        }
        groups.into_iter().map(|(indices, files)| Ok((indices, Self::with_footers(storage.clone(), files)?))).collect()
    }

    fn with_footers(storage: Storage, files: Vec<(StoreFile, ArrowReaderMetadata)>) -> Result<Self> {
        let scanned = files
            .iter()
            .map(|(file, metadata)| Scanned::new(metadata).map_err(|e| failed(&file.name, e)))
            .collect::<Result<_>>()?;
        let indexed = files.iter().map(|_| std::sync::OnceLock::new()).collect();
        Ok(ParquetFiles { storage, files, scanned, indexed, kept: Arc::default() })
    }
}

/// Each file with its footer.
fn footers(storage: &Storage, listed: Vec<StoreFile>) -> Result<Vec<(StoreFile, ArrowReaderMetadata)>> {
    listed
        .into_iter()
        .map(|file| {
            let metadata = load_metadata(storage, &file, ArrowReaderOptions::new())?;
            Ok((file, metadata))
        })
        .collect()
}

impl Reader for ParquetFiles {
    fn capabilities(&self) -> Capabilities {
        Capabilities { parallel_units: true, reread_by_ordinal: true, ..Capabilities::default() }
    }

    fn schema(&self) -> SchemaRef {
        self.files[0].1.schema().clone()
    }

    fn row_count(&self) -> Option<u64> {
        Some(self.files.iter().map(|(_, m)| m.metadata().file_metadata().num_rows() as u64).sum())
    }

    fn file_name(&self, file: usize) -> String {
        self.files[file].0.name.clone()
    }

    fn scan_units(&self, projection: &[usize]) -> Result<Vec<ScanUnit>> {
        let ahead = Arc::new(ReadAhead::new(self.storage.clone(), self.chunks(projection)));
        let mut units = Vec::new();
        for (index, ((file, _), scanned)) in self.files.iter().zip(&self.scanned).enumerate() {
            let mut first_row = 0u64;
            // Batch columns come in file order, which is the projection's (it is sorted).
            let widen: Arc<[Option<(u8, i8)>]> = projection.iter().map(|&c| scanned.widen[c]).collect();
            for row_group in 0..scanned.metadata.metadata().num_row_groups() {
                let rows = scanned.metadata.metadata().row_group(row_group).num_rows() as u64;
                let (storage, file, metadata) = (self.storage.clone(), file.clone(), scanned.metadata.clone());
                let (projection, widen, ahead, unit) = (projection.to_vec(), widen.clone(), ahead.clone(), units.len());
                let kept = self.kept.clone();
                units.push(ScanUnit::new(ordinal(index, first_row), move || {
                    let ready = ahead.take(unit)?;
                    kept.keep(index, &ready);
                    let stream = stream(&storage, &file, metadata, &projection, vec![row_group], None, ready)?;
                    let batches = blocking(&storage, &file, stream);
                    if widen.iter().all(Option::is_none) {
                        return Ok(batches);
                    }
                    Ok(Box::new(batches.map(move |batch| widen_decimals(batch?, &widen, &file.name))))
                }));
                first_row += rows;
            }
        }
        Ok(units)
    }

    fn keep_fetched(&self, bytes: u64) {
        self.kept.room.store(bytes, Ordering::Relaxed);
    }

    /// Reads rows `rows` (ascending indices into the file) through row selections, a row group per thread,
    /// with the offset index loaded when the file has one so that pages without a wanted row are skipped; from
    /// the column chunks pass one kept, where it kept them.
    fn fetch(&self, index: usize, projection: &[usize], rows: &[u64]) -> Result<RecordBatch> {
        let metadata = self.indexed(index)?;
        let (file, _) = &self.files[index];

        // Each wanted row group with the selection of its wanted rows.
        let mut groups: Vec<(usize, RowSelection)> = Vec::new();
        let (mut group_start, mut next) = (0u64, 0usize);
        for (number, group) in metadata.metadata().row_groups().iter().enumerate() {
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
                groups.push((number, RowSelection::from(selectors)));
            }
            group_start = group_end;
        }
        // Each thread takes a few row groups at a time, whose requests a network store then runs at once.
        let at_once = groups.len().div_ceil(rayon::current_num_threads()).clamp(1, GROUPS_AT_ONCE);
        let parts: Vec<Vec<Vec<RecordBatch>>> = groups
            .par_chunks(at_once)
            .map(|chunk| {
                let reads = chunk.iter().map(|(group, selection)| {
                    let ready = self.kept.take(index, &chunk_ranges(&metadata, projection, *group));
                    picked(&self.storage, file, metadata.clone(), projection, *group, selection.clone(), ready)
                });
                self.storage.wait(futures::future::try_join_all(reads))
            })
            .collect::<Result<_>>()?;
        let batches: Vec<RecordBatch> = parts.into_iter().flatten().flatten().collect();
        concat_picked(&batches, &file.name)
    }
}

/// The rows `selection` picks of row group `group`, read through the store (or from `ready`, bytes kept) and
/// compacted (see [`compact_views`]).
async fn picked(
    storage: &Storage,
    file: &StoreFile,
    metadata: ArrowReaderMetadata,
    projection: &[usize],
    group: usize,
    selection: RowSelection,
    ready: Vec<(Range<u64>, Bytes)>,
) -> Result<Vec<RecordBatch>> {
    let stream = stream(storage, file, metadata, projection, vec![group], Some(selection), ready)?;
    let batches: Vec<RecordBatch> = stream.try_collect().await.map_err(|e| failed(&file.name, e))?;
    batches.into_iter().map(|batch| compact_views(batch, &file.name)).collect()
}

/// The column chunks pass one reads from a network store, fetched ahead of the scan unit that decodes them: a
/// unit starts the fetches of the next [`UNITS_AHEAD`] units (within [`AHEAD_BYTES`]) before it takes its own,
/// so that decoding seldom waits on a request. (Each thread runs a contiguous run of units in order.)
struct ReadAhead {
    storage: Storage,
    /// Each scan unit's file and the byte ranges of its column chunks.
    units: Vec<(StoreFile, Vec<Range<u64>>)>,
    fetches: Vec<Mutex<Fetch>>,
}

enum Fetch {
    NotStarted,
    Started(Ahead),
    Taken,
}

impl ReadAhead {
    fn new(storage: Storage, units: Vec<(StoreFile, Vec<Range<u64>>)>) -> ReadAhead {
        let fetches = units.iter().map(|_| Mutex::new(Fetch::NotStarted)).collect();
        ReadAhead { storage, units, fetches }
    }

    /// Unit `unit`'s column chunks with their byte ranges, once fetched; none on the local file system, whose
    /// reader reads them as it goes.
    fn take(&self, unit: usize) -> Result<Vec<(Range<u64>, Bytes)>> {
        self.start(unit);
        let mut ahead = 0;
        for next in (unit + 1..=unit + UNITS_AHEAD).take_while(|&next| next < self.units.len()) {
            ahead += self.units[next].1.iter().map(|range| range.end - range.start).sum::<u64>();
            if ahead > AHEAD_BYTES {
                break;
            }
            self.start(next);
        }
        let fetch = std::mem::replace(&mut *lock(&self.fetches[unit]), Fetch::Taken);
        let Fetch::Started(ahead) = fetch else { return Ok(Vec::new()) };
        let (file, ranges) = &self.units[unit];
        Ok(ranges.iter().cloned().zip(ahead.wait(&self.storage, file)?).collect())
    }

    fn start(&self, unit: usize) {
        let Some(fetch) = self.fetches.get(unit) else { return };
        let mut fetch = lock(fetch);
        if let Fetch::NotStarted = *fetch {
            let (file, ranges) = &self.units[unit];
            if let Some(ahead) = self.storage.read_ahead(file, ranges.clone()) {
                *fetch = Fetch::Started(ahead);
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The byte ranges of row group `group`'s column chunks that `projection` reads.
fn chunk_ranges(metadata: &ArrowReaderMetadata, projection: &[usize], group: usize) -> Vec<Range<u64>> {
    let mask = ProjectionMask::roots(metadata.parquet_schema(), projection.iter().copied());
    let group = metadata.metadata().row_group(group);
    (0..group.num_columns())
        .filter(|&leaf| mask.leaf_included(leaf))
        .map(|leaf| {
            let (start, length) = group.column(leaf).byte_range();
            start..start + length
        })
        .collect()
}

/// Column chunks pass one fetched from a network store, kept within a budget (see [`Reader::keep_fetched`]) for
/// the re-read of the rows findings show, which would otherwise fetch nearly every page again: a few thousand
/// findings spread over a file touch most of its pages. Each chunk by its file and first byte; a re-read takes
/// them, letting them go.
#[derive(Default)]
struct Kept {
    /// Bytes that may still be kept.
    room: AtomicU64,
    chunks: Mutex<BTreeMap<(usize, u64), Bytes>>,
}

impl Kept {
    /// Keeps a scan unit's column chunks of file `file`, if they all fit in the room left.
    fn keep(&self, file: usize, chunks: &[(Range<u64>, Bytes)]) {
        let bytes = chunks.iter().map(|(_, chunk)| chunk.len() as u64).sum::<u64>();
        if bytes == 0
            || self.room.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |room| room.checked_sub(bytes)).is_err()
        {
            return;
        }
        let mut kept = lock(&self.chunks);
        kept.extend(chunks.iter().map(|(range, chunk)| ((file, range.start), chunk.clone())));
    }

    /// The kept chunks of file `file` among `ranges`, taken out.
    fn take(&self, file: usize, ranges: &[Range<u64>]) -> Vec<(Range<u64>, Bytes)> {
        let mut kept = lock(&self.chunks);
        ranges.iter().filter_map(|range| Some((range.clone(), kept.remove(&(file, range.start))?))).collect()
    }
}

impl ParquetFiles {
    /// Every scan unit's file and the byte ranges of its `projection`'s column chunks, in unit order.
    fn chunks(&self, projection: &[usize]) -> Vec<(StoreFile, Vec<Range<u64>>)> {
        let mut units = Vec::new();
        for ((file, _), scanned) in self.files.iter().zip(&self.scanned) {
            for group in 0..scanned.metadata.metadata().num_row_groups() {
                units.push((file.clone(), chunk_ranges(&scanned.metadata, projection, group)));
            }
        }
        units
    }

    /// File `file`'s footer with its offset index (where each page starts), loaded on its first re-read: the
    /// footer as [`ParquetFiles::open`] read it, and the index in one more ranged read.
    fn indexed(&self, file: usize) -> Result<ArrowReaderMetadata> {
        let cell = &self.indexed[file];
        if let Some(metadata) = cell.get() {
            return Ok(metadata.clone());
        }
        let (file, footer) = &self.files[file];
        let mut reader = StoreReader::new(&self.storage, file, Vec::new());
        let mut index = ParquetMetaDataReader::new_with_metadata(footer.metadata().as_ref().clone())
            .with_column_index_policy(PageIndexPolicy::Skip)
            .with_offset_index_policy(PageIndexPolicy::Optional);
        self.storage.wait(index.load_page_index(&mut reader)).map_err(|e| failed(&file.name, e))?;
        let parquet = index.finish().map_err(|e| failed(&file.name, e))?;
        let metadata = ArrowReaderMetadata::try_new(std::sync::Arc::new(parquet), ArrowReaderOptions::new())
            .map_err(|e| failed(&file.name, e))?;
        Ok(cell.get_or_init(|| metadata).clone())
    }
}

/// A file's footer, read through its store.
fn load_metadata(storage: &Storage, file: &StoreFile, options: ArrowReaderOptions) -> Result<ArrowReaderMetadata> {
    let mut reader = StoreReader::new(storage, file, Vec::new());
    storage.wait(ArrowReaderMetadata::load_async(&mut reader, options)).map_err(|e| failed(&file.name, e))
}

/// A Parquet file as Parquet's async reader asks for it: byte ranges from its store (see
/// [`Storage::read_ranges`]) unless fetched already, and its footer at the size its listing gave.
struct StoreReader {
    storage: Storage,
    file: StoreFile,
    /// Bytes fetched ahead (see [`ReadAhead`]), each with its range.
    ready: Vec<(Range<u64>, Bytes)>,
}

impl StoreReader {
    fn new(storage: &Storage, file: &StoreFile, ready: Vec<(Range<u64>, Bytes)>) -> StoreReader {
        StoreReader { storage: storage.clone(), file: file.clone(), ready }
    }

    /// `ranges` cut from the bytes fetched ahead, if these hold them all.
    fn ready_slices(&self, ranges: &[Range<u64>]) -> Option<Vec<Bytes>> {
        let cut = |range: &Range<u64>| {
            let (at, bytes) = self.ready.iter().find(|(at, _)| at.start <= range.start && range.end <= at.end)?;
            Some(bytes.slice((range.start - at.start) as usize..(range.end - at.start) as usize))
        };
        ranges.iter().map(cut).collect()
    }
}

impl AsyncFileReader for StoreReader {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        if let Some(mut ready) = self.ready_slices(std::slice::from_ref(&range)) {
            return futures::future::ready(Ok(ready.remove(0))).boxed();
        }
        let store = self.storage.store();
        async move { store.get_range(&self.file.path, range).await.map_err(external) }.boxed()
    }

    fn get_byte_ranges(&mut self, ranges: Vec<Range<u64>>) -> BoxFuture<'_, parquet::errors::Result<Vec<Bytes>>> {
        if let Some(ready) = self.ready_slices(&ranges) {
            return futures::future::ready(Ok(ready)).boxed();
        }
        async move { self.storage.read_ranges(&self.file.path, &ranges).await.map_err(external) }.boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<std::sync::Arc<ParquetMetaData>>> {
        async move {
            let mut reader = ParquetMetaDataReader::new();
            if let Some(options) = options {
                reader = reader
                    .with_metadata_options(Some(options.metadata_options().clone()))
                    .with_column_index_policy(options.column_index_policy())
                    .with_offset_index_policy(options.offset_index_policy());
            }
            let size = self.file.size;
            Ok(std::sync::Arc::new(reader.load_and_finish(self, size).await?))
        }
        .boxed()
    }
}

fn external(error: object_store::Error) -> parquet::errors::ParquetError {
    parquet::errors::ParquetError::External(Box::new(error))
}

/// A Parquet reader's error as recon's: a store's failure (a missing object, one replaced mid-run…) is said as
/// the store's errors are.
fn failed(name: &str, error: parquet::errors::ParquetError) -> Error {
    match error {
        parquet::errors::ParquetError::External(source) => match source.downcast::<object_store::Error>() {
            Ok(store) => crate::storage::error(name, *store),
            Err(other) => Error::parquet(name, parquet::errors::ParquetError::External(other)),
        },
        other => Error::parquet(name, other),
    }
}

/// The batches of `row_groups` (with only the rows `selection` picks) as they are decoded, read through the
/// store (or from `ready`, bytes fetched ahead): each row group's projected column chunks fetched at once.
fn stream(
    storage: &Storage,
    file: &StoreFile,
    metadata: ArrowReaderMetadata,
    projection: &[usize],
    row_groups: Vec<usize>,
    selection: Option<RowSelection>,
    ready: Vec<(Range<u64>, Bytes)>,
) -> Result<ParquetRecordBatchStream<StoreReader>> {
    let mask = ProjectionMask::roots(metadata.parquet_schema(), projection.iter().copied());
    let reader = StoreReader::new(storage, file, ready);
    let mut builder = ParquetRecordBatchStreamBuilder::new_with_metadata(reader, metadata)
        .with_projection(mask)
        .with_row_groups(row_groups)
        .with_batch_size(BATCH_ROWS);
    if let Some(selection) = selection {
        builder = builder.with_row_selection(selection);
    }
    builder.build().map_err(|e| failed(&file.name, e))
}

/// `stream`'s batches, each waited for on the calling thread.
fn blocking(storage: &Storage, file: &StoreFile, mut stream: ParquetRecordBatchStream<StoreReader>) -> BatchIter {
    let (storage, name) = (storage.clone(), file.name.clone());
    Box::new(std::iter::from_fn(move || {
        let batch = storage.wait(stream.next())?;
        Some(batch.map_err(|e| failed(&name, e)))
    }))
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

impl Scanned {
    fn new(metadata: &ArrowReaderMetadata) -> parquet::errors::Result<Scanned> {
        let plain = plain_fixed_decimals(metadata)?;
        Ok(Scanned { metadata: narrow_decimals(&plain.metadata)?, widen: plain.widen })
    }
}

/// A FIXED_LEN_BYTE_ARRAY decimal of up to 18 digits in at most 8 bytes, read by the Parquet crate as a
/// decimal, costs a call into `memcpy` per value to sign-extend it; read as plain bytes (the file's schema
/// without the column's decimal annotation) it is widened by [`widen_decimals`] in one tight loop.
fn plain_fixed_decimals(metadata: &ArrowReaderMetadata) -> parquet::errors::Result<Scanned> {
    use arrow::datatypes::DataType;
    use parquet::basic::Type as Physical;
    use parquet::schema::types::{SchemaDescriptor, Type};
    let file = metadata.metadata().file_metadata();
    let columns = file.schema_descr().root_schema().get_fields();
    let fields = metadata.schema().fields();
    let widen: Vec<Option<(u8, i8)>> = columns
        .iter()
        .zip(fields.iter())
        .map(|(column, field)| match (field.data_type(), column.as_ref()) {
            (
                DataType::Decimal128(precision, scale),
                Type::PrimitiveType { physical_type: Physical::FIXED_LEN_BYTE_ARRAY, type_length: 1..=8, .. },
            ) if *precision <= 18 => Some((*precision, *scale)),
            _ => None,
        })
        .collect();
    if columns.len() != fields.len() || widen.iter().all(Option::is_none) {
        return Ok(Scanned { metadata: metadata.clone(), widen: vec![None; fields.len()] });
    }
    let mut plain = Vec::with_capacity(columns.len());
    for (column, widen) in columns.iter().zip(&widen) {
        plain.push(match (widen, column.as_ref()) {
            (Some(_), Type::PrimitiveType { type_length, .. }) => {
                let info = column.get_basic_info();
                let bytes = Type::primitive_type_builder(info.name(), Physical::FIXED_LEN_BYTE_ARRAY)
                    .with_repetition(info.repetition())
                    .with_length(*type_length)
                    .with_id(info.has_id().then(|| info.id()))
                    .build()?;
                std::sync::Arc::new(bytes)
            }
            _ => column.clone(),
        });
    }
    let root = Type::group_type_builder(file.schema_descr().root_schema().name()).with_fields(plain).build()?;
    let file = parquet::file::metadata::FileMetaData::new(
        file.version(),
        file.num_rows(),
        file.created_by().map(str::to_string),
        file.key_value_metadata().cloned(),
        std::sync::Arc::new(SchemaDescriptor::new(std::sync::Arc::new(root))),
        file.column_orders().cloned(),
    );
    let parquet = parquet::file::metadata::ParquetMetaData::new(file, metadata.metadata().row_groups().to_vec());
    Ok(Scanned {
        metadata: ArrowReaderMetadata::try_new(std::sync::Arc::new(parquet), ArrowReaderOptions::new())?,
        widen,
    })
}

/// Turns the columns read as plain bytes back into decimals: big-endian two's complement to 64-bit.
fn widen_decimals(batch: RecordBatch, widen: &[Option<(u8, i8)>], location: &str) -> Result<RecordBatch> {
    use arrow::array::{Array, ArrayRef, AsArray, Decimal64Array};
    use arrow::datatypes::{DataType, Field, Schema};
    let mut fields: Vec<Field> = batch.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    for (index, widen) in widen.iter().enumerate() {
        let (Some((precision, scale)), DataType::FixedSizeBinary(_)) = (widen, columns[index].data_type()) else {
            continue;
        };
        let bytes = columns[index].as_fixed_size_binary();
        let values = be_to_i64(bytes.value_data(), bytes.value_length() as usize, bytes.len());
        let decimal = Decimal64Array::try_new(values.into(), bytes.nulls().cloned())
            .and_then(|d| d.with_precision_and_scale(*precision, *scale))
            .map_err(|e| Error::arrow(location, e))?;
        fields[index] = fields[index].clone().with_data_type(decimal.data_type().clone());
        columns[index] = std::sync::Arc::new(decimal);
    }
    RecordBatch::try_new(std::sync::Arc::new(Schema::new(fields)), columns).map_err(|e| Error::arrow(location, e))
}

/// `rows` big-endian two's-complement integers of `width` (1 to 8) bytes each, as i64: one loop per width,
/// so each value is a fixed-size copy into a sign-filled word.
fn be_to_i64(data: &[u8], width: usize, rows: usize) -> Vec<i64> {
    fn each<const W: usize>(data: &[u8], rows: usize) -> Vec<i64> {
        let values = data.chunks_exact(W).take(rows).map(|b| {
            let mut word = if b[0] & 0x80 == 0 { [0u8; 8] } else { [0xff; 8] };
            word[8 - W..].copy_from_slice(b);
            i64::from_be_bytes(word)
        });
        values.collect()
    }
    match width {
        1 => each::<1>(data, rows),
        2 => each::<2>(data, rows),
        3 => each::<3>(data, rows),
        4 => each::<4>(data, rows),
        5 => each::<5>(data, rows),
        6 => each::<6>(data, rows),
        7 => each::<7>(data, rows),
        _ => each::<8>(data, rows),
    }
}

/// Pass one reads a decimal of up to 18 digits stored as INT32 or INT64 (or in more than 8 fixed bytes) as a
/// 64-bit decimal: an INT64 column is then used as stored instead of widened into a fresh 128-bit copy, and
/// the others are widened half as far. It encodes exactly as the 128-bit decimal would (see `digest::encode`).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_endian_decimals_of_every_width_widen_with_their_sign() {
        for width in 1..=8usize {
            let shift = 64 - 8 * width as u32;
            let (min, max) = (i64::MIN >> shift, i64::MAX >> shift);
            let values = [min, -1, 0, 1, max];
            let data: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()[8 - width..].to_vec()).collect();
            assert_eq!(be_to_i64(&data, width, values.len()), values, "width {width}");
        }
    }
}
