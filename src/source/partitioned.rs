//! Files whose table holds more than their rows: values that a file's place gives to all its rows (Hive
//! partition directories, a Delta table's partition values), columns renamed (Delta column mapping) and rows a
//! table deleted without rewriting the file (Delta deletion vectors). A wrapper around the files' own reader,
//! so the same scan units, parallelism and memory bound hold; only the batches are completed on their way out.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch, UInt32Array};
use arrow::datatypes::{Field, Schema, SchemaRef};

use super::reader::{Capabilities, Reader};
use super::{ordinal, split_ordinal, ScanUnit};
use crate::error::{Error, Result};

/// A column of the table: one of the files' own (by its index in their schema), or a per-file value.
#[derive(Debug, Clone)]
pub(crate) enum Column {
    File(usize),
    /// The index into each file's [`Partitioned::values`].
    Value(usize),
}

/// The files' reader completed: `schema` lists `columns` in the table's order.
pub(crate) struct Partitioned {
    inner: Box<dyn Reader>,
    schema: SchemaRef,
    columns: Vec<Column>,
    /// Per file, each per-file column's value: an array of one element, of its field's type.
    values: Arc<Vec<Vec<ArrayRef>>>,
    /// Per file, the rows deleted (indices into the file, ascending); empty when none.
    deleted: Arc<Vec<Vec<u64>>>,
}

impl Partitioned {
    /// `fields` name and type each of `columns` (a file column keeps the type its files give it);
    /// `values[file][v]` is file `file`'s value of column `Column::Value(v)`.
    pub(crate) fn new(
        inner: Box<dyn Reader>,
        fields: Vec<Field>,
        columns: Vec<Column>,
        values: Vec<Vec<ArrayRef>>,
        deleted: Vec<Vec<u64>>,
    ) -> Partitioned {
        let inner_schema = inner.schema();
        let fields: Vec<Field> = fields
            .into_iter()
            .zip(&columns)
            .map(|(field, column)| match column {
                Column::File(index) => field.with_data_type(inner_schema.field(*index).data_type().clone()),
                Column::Value(_) => field,
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        Partitioned { inner, schema, columns, values: Arc::new(values), deleted: Arc::new(deleted) }
    }

    /// The files' columns a projection of the table reads, ascending (at least one, so that batches count
    /// their rows).
    fn inner_projection(&self, projection: &[usize]) -> Vec<usize> {
        let mut inner: Vec<usize> = projection
            .iter()
            .filter_map(|&c| match self.columns[c] {
                Column::File(index) => Some(index),
                Column::Value(_) => None,
            })
            .collect();
        inner.sort_unstable();
        if inner.is_empty() {
            inner.push(0);
        }
        inner
    }

    fn completer(&self, projection: &[usize]) -> Completer {
        let inner = self.inner_projection(projection);
        let picks = projection
            .iter()
            .map(|&c| match self.columns[c] {
                Column::File(index) => Pick::Batch(inner.iter().position(|&i| i == index).unwrap_or(0)),
                Column::Value(v) => Pick::Value(v),
            })
            .collect();
        let fields = projection.iter().map(|&c| self.schema.field(c).clone()).collect();
        let names = Arc::new((0..self.values.len()).map(|file| self.inner.file_name(file)).collect());
        Completer { fields, picks, names, values: self.values.clone(), deleted: self.deleted.clone() }
    }

    fn deleted_count(&self) -> u64 {
        self.deleted.iter().map(|d| d.len() as u64).sum()
    }
}

impl Reader for Partitioned {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn row_count(&self) -> Option<u64> {
        Some(self.inner.row_count()? - self.deleted_count())
    }

    fn count_rows(&self) -> Result<Option<u64>> {
        Ok(self.inner.count_rows()?.map(|rows| rows - self.deleted_count()))
    }

    fn file_name(&self, file: usize) -> String {
        self.inner.file_name(file)
    }

    /// Each of the files' units, its batches completed; a unit's first ordinal counts the rows kept before it,
    /// so ordinals number a file's rows as the table has them.
    fn scan_units(&self, projection: &[usize]) -> Result<Vec<ScanUnit>> {
        let units = self.inner.scan_units(&self.inner_projection(projection))?;
        let completer = Arc::new(self.completer(projection));
        let wrapped = units.into_iter().map(|unit| {
            let completer = completer.clone();
            ScanUnit::finding_first(move || {
                let (first, batches) = unit.open_at()?;
                let (file, row) = split_ordinal(first);
                let kept_before = row - completer.deleted_before(file, row);
                let mut at = row;
                let name = completer.names[file].clone();
                let batches = batches.map(move |batch| {
                    let batch = batch?;
                    let start = at;
                    at += batch.num_rows() as u64;
                    completer.complete(batch, file, start).map_err(|e| Error::arrow(&name, e))
                });
                Ok((ordinal(file, kept_before), Box::new(batches) as super::BatchIter))
            })
        });
        Ok(wrapped.collect())
    }

    fn keep_fetched(&self, bytes: u64) {
        self.inner.keep_fetched(bytes)
    }

    /// `rows` number the file's kept rows: each is found past the deleted rows before it.
    fn fetch(&self, file: usize, projection: &[usize], rows: &[u64]) -> Result<RecordBatch> {
        let physical = physical_rows(&self.deleted[file], rows);
        let batch = self.inner.fetch(file, &self.inner_projection(projection), &physical)?;
        let completer = Completer { deleted: Arc::new(Vec::new()), ..self.completer(projection) };
        completer.complete(batch, file, 0).map_err(|e| Error::arrow(self.inner.file_name(file), e))
    }
}

/// The file's indices of its kept rows `rows` (ascending), past the `deleted` rows (ascending).
fn physical_rows(deleted: &[u64], rows: &[u64]) -> Vec<u64> {
    let (mut physical, mut skipped) = (Vec::with_capacity(rows.len()), 0usize);
    for &row in rows {
        while skipped < deleted.len() && deleted[skipped] <= row + skipped as u64 {
            skipped += 1;
        }
        physical.push(row + skipped as u64);
    }
    physical
}

/// Where a projected column's values come from.
enum Pick {
    Batch(usize),
    Value(usize),
}

/// Turns a batch of the files' columns into one of the table's.
struct Completer {
    fields: Vec<Field>,
    picks: Vec<Pick>,
    /// What errors call each file.
    names: Arc<Vec<String>>,
    values: Arc<Vec<Vec<ArrayRef>>>,
    deleted: Arc<Vec<Vec<u64>>>,
}

impl Completer {
    /// How many of file `file`'s rows before `row` are deleted.
    fn deleted_before(&self, file: usize, row: u64) -> u64 {
        self.deleted.get(file).map_or(0, |d| d.partition_point(|&r| r < row) as u64)
    }

    /// `batch` (the file's rows from `start` on) without its deleted rows, with the table's columns.
    fn complete(&self, batch: RecordBatch, file: usize, start: u64) -> arrow::error::Result<RecordBatch> {
        let batch = self.drop_deleted(batch, file, start)?;
        let rows = batch.num_rows();
        let mut columns = Vec::with_capacity(self.picks.len());
        let mut fields = Vec::with_capacity(self.picks.len());
        for (pick, field) in self.picks.iter().zip(&self.fields) {
            let column = match pick {
                Pick::Batch(index) => batch.column(*index).clone(),
                Pick::Value(v) => repeat(&self.values[file][*v], rows)?,
            };
            // A file column keeps the type the batch has (pass one may read decimals narrower).
            fields.push(field.clone().with_data_type(column.data_type().clone()));
            columns.push(column);
        }
        let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(rows));
        RecordBatch::try_new_with_options(Arc::new(Schema::new(fields)), columns, &options)
    }

    fn drop_deleted(&self, batch: RecordBatch, file: usize, start: u64) -> arrow::error::Result<RecordBatch> {
        let Some(deleted) = self.deleted.get(file).filter(|d| !d.is_empty()) else { return Ok(batch) };
        let end = start + batch.num_rows() as u64;
        let from = deleted.partition_point(|&r| r < start);
        let to = deleted.partition_point(|&r| r < end);
        if from == to {
            return Ok(batch);
        }
        let mut keep = vec![true; batch.num_rows()];
        for &row in &deleted[from..to] {
            keep[(row - start) as usize] = false;
        }
        arrow::compute::filter_record_batch(&batch, &BooleanArray::from(keep))
    }
}

/// `value` (one element) repeated `rows` times.
fn repeat(value: &ArrayRef, rows: usize) -> arrow::error::Result<ArrayRef> {
    debug_assert_eq!(value.len(), 1);
    arrow::compute::take(value.as_ref(), &UInt32Array::from(vec![0u32; rows]), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_rows_are_found_past_the_deleted_ones() {
        let completer = Completer {
            fields: Vec::new(),
            picks: Vec::new(),
            names: Arc::new(Vec::new()),
            values: Arc::new(vec![Vec::new()]),
            deleted: Arc::new(vec![vec![0, 2, 3, 7]]),
        };
        assert_eq!([0, 1, 2, 4, 8, 9].map(|r| completer.deleted_before(0, r)), [0, 1, 1, 3, 4, 4]);
        // Rows 1, 4, 5, 6, 8, 9 are kept: the table's rows 0 to 5.
        assert_eq!(physical_rows(&[0, 2, 3, 7], &[0, 1, 2, 4, 5]), [1, 4, 5, 8, 9]);
        let batch = RecordBatch::try_from_iter([(
            "n",
            Arc::new(arrow::array::Int64Array::from_iter_values(0..10)) as ArrayRef,
        )])
        .unwrap();
        let kept = completer.drop_deleted(batch.slice(2, 6), 0, 2).unwrap();
        let kept: Vec<i64> =
            kept.column(0).as_any().downcast_ref::<arrow::array::Int64Array>().unwrap().values().to_vec();
        assert_eq!(kept, [4, 5, 6]);
    }
}
