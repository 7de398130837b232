//! One table read through several readers of the same columns: a Delta table whose schema evolved holds files
//! written with different columns, and each set of files sharing theirs is read by its own reader (which gives
//! a column its files lack as NULL). The union numbers the readers' files one after another, so ordinals and
//! re-reads find each row in its own reader.

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use super::reader::{Capabilities, Reader};
use super::{ordinal, split_ordinal, ScanUnit};
use crate::error::Result;

/// `parts` read one after another; part `p`'s file `f` is the union's file `first_file[p] + f`.
pub(crate) struct Union {
    parts: Vec<Box<dyn Reader>>,
    first_file: Vec<usize>,
}

impl Union {
    /// `parts` (at least one) with the same columns (names and types) in the same order, and how many files
    /// each reads.
    pub(crate) fn new(parts: Vec<(Box<dyn Reader>, usize)>) -> Union {
        let mut first_file = Vec::with_capacity(parts.len());
        let mut next = 0;
        for (_, files) in &parts {
            first_file.push(next);
            next += files;
        }
        Union { parts: parts.into_iter().map(|(part, _)| part).collect(), first_file }
    }

    /// The part reading the union's file `file`, and that file's index in the part.
    fn part_of(&self, file: usize) -> (&dyn Reader, usize) {
        let part = self.first_file.partition_point(|&first| first <= file).saturating_sub(1);
        (self.parts[part].as_ref(), file - self.first_file[part])
    }
}

impl Reader for Union {
    fn capabilities(&self) -> Capabilities {
        self.parts[0].capabilities()
    }

    fn schema(&self) -> SchemaRef {
        self.parts[0].schema()
    }

    fn row_count(&self) -> Option<u64> {
        self.parts.iter().map(|part| part.row_count()).sum()
    }

    fn count_rows(&self) -> Result<Option<u64>> {
        let counts = self.parts.iter().map(|part| part.count_rows()).collect::<Result<Vec<_>>>()?;
        Ok(counts.into_iter().sum())
    }

    fn file_name(&self, file: usize) -> String {
        let (part, file) = self.part_of(file);
        part.file_name(file)
    }

    /// Each part's units, their ordinals moved past the files of the parts before.
    fn scan_units(&self, projection: &[usize]) -> Result<Vec<ScanUnit>> {
        let mut units = Vec::new();
        for (part, &first_file) in self.parts.iter().zip(&self.first_file) {
            units.extend(part.scan_units(projection)?.into_iter().map(|unit| {
                ScanUnit::finding_first(move || {
                    let (first, batches) = unit.open_at()?;
                    let (file, row) = split_ordinal(first);
                    Ok((ordinal(first_file + file, row), batches))
                })
            }));
        }
        Ok(units)
    }

    fn keep_fetched(&self, bytes: u64) {
        self.parts.iter().for_each(|part| part.keep_fetched(bytes / self.parts.len() as u64));
    }

    fn fetch(&self, file: usize, projection: &[usize], rows: &[u64]) -> Result<RecordBatch> {
        let (part, file) = self.part_of(file);
        part.fetch(file, projection, rows)
    }
}
