//! What the readers of text files split into byte ranges (CSV, JSON Lines) share: one scan unit per range,
//! each finding its first row as it opens, and rows read again by ordinal from the nearest marked record.

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use rayon::prelude::*;

use super::reader::{Capabilities, Reader};
use super::{concat_picked, pick_rows, BatchIter, Ordinal, ScanUnit};
use crate::error::Result;
use crate::storage::StoreFile;

/// Text files read in byte ranges whose boundaries are found as the ranges are read, with record starts
/// marked on the way (see `csv.rs` and `jsonl/`).
pub(super) trait RangedFiles: Send + Sync + 'static {
    /// A run of whole records of a file, between two marks.
    type Part: Copy + PartialEq + Send;

    fn schema(&self) -> &SchemaRef;

    fn files(&self) -> &[StoreFile];

    /// How many ranges `file` is read in.
    fn ranges(&self, file: usize) -> usize;

    /// Range `k` of a file: the ordinal of its first row and its rows.
    fn open_range(&self, file: usize, k: usize, projection: &[usize]) -> Result<(Ordinal, BatchIter)>;

    /// The rows of all files, following their records; `None` where that would take more than following
    /// them (a compressed file, irregular quoting).
    fn count(&self) -> Result<Option<u64>>;

    /// Every part of a file between its marks, in order.
    fn marks(&self, file: usize) -> Result<Vec<Self::Part>>;

    /// The index among its file's rows of a part's first row.
    fn first_row(part: &Self::Part) -> u64;

    /// The rows of one part.
    fn open_part(&self, file: usize, part: Self::Part, projection: &[usize]) -> Result<BatchIter>;
}

impl<T: RangedFiles> Reader for Arc<T> {
    fn capabilities(&self) -> Capabilities {
        Capabilities { parallel_units: true, reread_by_ordinal: true, ..Capabilities::default() }
    }

    fn schema(&self) -> SchemaRef {
        RangedFiles::schema(&**self).clone()
    }

    fn count_rows(&self) -> Result<Option<u64>> {
        self.count()
    }

    fn file_name(&self, file: usize) -> String {
        self.files()[file].name.clone()
    }

    fn scan_units(&self, projection: &[usize]) -> Result<Vec<ScanUnit>> {
        let mut units = Vec::new();
        for file in 0..self.files().len() {
            for k in 0..self.ranges(file) {
                let (files, projection) = (self.clone(), projection.to_vec());
                units.push(ScanUnit::finding_first(move || files.open_range(file, k, &projection)));
            }
        }
        Ok(units)
    }

    /// Reads rows `rows` (ascending indices into the file) again: the records from each wanted row's mark to
    /// the next, in parallel.
    fn fetch(&self, file: usize, projection: &[usize], rows: &[u64]) -> Result<RecordBatch> {
        let wanted = group_by_part(&self.marks(file)?, T::first_row, rows);
        let name = &self.files()[file].name;
        let picked: Vec<RecordBatch> = wanted
            .into_par_iter()
            .map(|(part, local)| pick_rows(self.open_part(file, part, projection)?, &local, name))
            .collect::<Result<_>>()?;
        concat_picked(&picked, name)
    }
}

/// `rows` (ascending indices into a file) grouped by the part of the file holding each, with their indices
/// within it: `parts` run in order, each holding the rows from `first_row(part)` to the next one's.
fn group_by_part<P: Copy + PartialEq>(parts: &[P], first_row: impl Fn(&P) -> u64, rows: &[u64]) -> Vec<(P, Vec<u64>)> {
    let mut wanted: Vec<(P, Vec<u64>)> = Vec::new();
    for &row in rows {
        let part = parts[parts.partition_point(|p| first_row(p) <= row).saturating_sub(1)];
        match wanted.last_mut() {
            Some((last, local)) if *last == part => local.push(row - first_row(&part)),
            _ => wanted.push((part, vec![row - first_row(&part)])),
        }
    }
    wanted
}
