//! The row tier's second half: reads the few rows that findings name again, canonical as in pass one, and
//! compares mismatch candidates column by column with the same encodings the digests hashed.

use arrow::array::Array;

use super::classify::Candidate;
use crate::digest::encode::encodings;
use crate::error::{Error, Result};
use crate::normalize::{Canonical, SideColumns};
use crate::source::{Dataset, Ordinal};

/// Canonical rows of one side read again, found by ordinal.
pub struct Fetched {
    ordinals: Vec<Ordinal>,
    pub rows: Canonical,
}

impl Fetched {
    pub fn load(dataset: &Dataset, columns: &SideColumns, mut ordinals: Vec<Ordinal>) -> Result<Fetched> {
        ordinals.sort_unstable();
        ordinals.dedup();
        let (batch, found) = dataset.fetch(&columns.projection, &ordinals)?;
        let rows = columns.canonical(&batch, &dataset.location)?;
        let ordinals = found.values().to_vec();
        Ok(Fetched { ordinals, rows })
    }

    /// The row index of `ordinal` in `rows`.
    pub fn row(&self, ordinal: Ordinal) -> Option<usize> {
        self.ordinals.binary_search(&ordinal).ok()
    }
}

/// A key whose single source and target rows differ, and the compared columns (by index) that differ.
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub source_ordinal: Ordinal,
    pub target_ordinal: Ordinal,
    pub columns: Vec<usize>,
}

/// Compares each candidate's two rows column by column. Returns the confirmed mismatches and how many
/// candidates turned out equal.
pub fn confirm(candidates: &[Candidate], fetched: [&Fetched; 2]) -> Result<(Vec<Mismatch>, u64)> {
    let [source, target] = fetched;
    let columns = source.rows.values.len();
    let mut per_column = Vec::with_capacity(columns);
    for c in 0..columns {
        per_column.push([encode_all(source.rows.values[c].as_ref())?, encode_all(target.rows.values[c].as_ref())?]);
    }
    let mut mismatches = Vec::new();
    let mut equal = 0;
    for candidate in candidates {
        let (s, t) = match (source.row(candidate.source_ordinal), target.row(candidate.target_ordinal)) {
            (Some(s), Some(t)) => (s, t),
            _ => return Err(Error::input("re-read", "a row seen in the first pass was not found again")),
        };
        let differing: Vec<usize> = (0..columns).filter(|&c| per_column[c][0][s] != per_column[c][1][t]).collect();
        if differing.is_empty() {
            equal += 1;
        } else {
            mismatches.push(Mismatch {
                source_ordinal: candidate.source_ordinal,
                target_ordinal: candidate.target_ordinal,
                columns: differing,
            });
        }
    }
    Ok((mismatches, equal))
}

fn encode_all(array: &dyn Array) -> Result<Vec<Vec<u8>>> {
    encodings(array).map_err(|e| Error::arrow("re-read", e))
}
