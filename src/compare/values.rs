//! The row tier's second half: reads the few rows that findings name again, canonical as in pass one, and
//! compares mismatch candidates column by column with the same encodings the digests hashed.

use std::collections::HashMap;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, UInt32Array};
use arrow::compute::{cast, concat, take};
use arrow::datatypes::{DataType, Float64Type};

use super::classify::Candidate;
use crate::digest::digest_batch;
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
    /// Reads the `wanted` rows (ordinal and row hash) of one side again, canonical.
    pub fn load(dataset: &Dataset, columns: &SideColumns, mut wanted: Vec<(Ordinal, u128)>) -> Result<Fetched> {
        wanted.sort_unstable();
        wanted.dedup();
        if dataset.rereads_by_ordinal() {
            let ordinals: Vec<Ordinal> = wanted.iter().map(|(o, _)| *o).collect();
            let (batch, found) = dataset.fetch(&columns.projection, &ordinals)?;
            let rows = columns.canonical(&batch, &dataset.location)?;
            return Ok(Fetched { ordinals: found.values().to_vec(), rows });
        }
        if wanted.is_empty() {
            let empty = arrow::array::RecordBatch::new_empty(std::sync::Arc::new(
                dataset.schema.project(&columns.projection).map_err(|e| Error::arrow(&dataset.location, e))?,
            ));
            return Ok(Fetched { ordinals: Vec::new(), rows: columns.canonical(&empty, &dataset.location)? });
        }
        rescan(dataset, columns, &wanted)
    }

    /// The row index of `ordinal` in `rows`.
    pub fn row(&self, ordinal: Ordinal) -> Option<usize> {
        self.ordinals.binary_search(&ordinal).ok()
    }
}

/// Reads the whole relation again inside the same snapshot and keeps the rows whose row hash is wanted:
/// rows with equal row hashes are equal in every compared value, so any of them shows the finding.
fn rescan(dataset: &Dataset, columns: &SideColumns, wanted: &[(Ordinal, u128)]) -> Result<Fetched> {
    let mut pending: HashMap<u128, Vec<Ordinal>> = HashMap::new();
    for (ordinal, row_hash) in wanted {
        pending.entry(*row_hash).or_default().push(*ordinal);
    }
    let mut parts: Vec<(Vec<Ordinal>, Canonical)> = Vec::new();
    for unit in dataset.scan_units(&columns.projection)? {
        for batch in unit.open()? {
            let canonical = columns.canonical(&batch?, &dataset.location)?;
            let hashable = columns.hashable(&canonical.values).map_err(|e| Error::arrow(&dataset.location, e))?;
            let (mut keyed, mut keyless) = (Vec::new(), Vec::new());
            digest_batch(
                &canonical.keys,
                &hashable,
                0,
                |d| keyed.push((d.ordinal, d.row())),
                |o, h| keyless.push((o, h)),
            )
            .map_err(|e| Error::arrow(&dataset.location, e))?;
            let mut picked: Vec<(u32, Ordinal)> = Vec::new();
            for (row, row_hash) in keyed.into_iter().chain(keyless) {
                if let Some(ordinal) = pending.get_mut(&row_hash).and_then(Vec::pop) {
                    picked.push((row as u32, ordinal));
                }
            }
            if !picked.is_empty() {
                let indices = UInt32Array::from(picked.iter().map(|(row, _)| *row).collect::<Vec<_>>());
                let pick = |arrays: &[ArrayRef]| -> Result<Vec<ArrayRef>> {
                    arrays
                        .iter()
                        .map(|a| take(a.as_ref(), &indices, None).map_err(|e| Error::arrow(&dataset.location, e)))
                        .collect()
                };
                let rows = Canonical { keys: pick(&canonical.keys)?, values: pick(&canonical.values)? };
                parts.push((picked.into_iter().map(|(_, o)| o).collect(), rows));
            }
        }
    }
    if pending.values().any(|o| !o.is_empty()) {
        return Err(Error::input(&dataset.location, "rows changed between two reads of the same snapshot"));
    }
    // One canonical set of rows, sorted by ordinal.
    let ordinals: Vec<Ordinal> = parts.iter().flat_map(|(o, _)| o.iter().copied()).collect();
    let join = |pick: fn(&Canonical) -> &Vec<ArrayRef>| -> Result<Vec<ArrayRef>> {
        let width = parts.first().map_or(0, |(_, c)| pick(c).len());
        (0..width)
            .map(|i| {
                let arrays: Vec<&dyn Array> = parts.iter().map(|(_, c)| pick(c)[i].as_ref()).collect();
                concat(&arrays).map_err(|e| Error::arrow(&dataset.location, e))
            })
            .collect()
    };
    let (keys, values) = (join(|c| &c.keys)?, join(|c| &c.values)?);
    let mut order: Vec<u32> = (0..ordinals.len() as u32).collect();
    order.sort_unstable_by_key(|&i| ordinals[i as usize]);
    let order = UInt32Array::from(order);
    let sort = |arrays: Vec<ArrayRef>| -> Result<Vec<ArrayRef>> {
        arrays.iter().map(|a| take(a.as_ref(), &order, None).map_err(|e| Error::arrow(&dataset.location, e))).collect()
    };
    let mut sorted_ordinals = ordinals;
    sorted_ordinals.sort_unstable();
    Ok(Fetched { ordinals: sorted_ordinals, rows: Canonical { keys: sort(keys)?, values: sort(values)? } })
}

/// A key whose single source and target rows differ, and the compared columns (by index) that differ.
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub source_ordinal: Ordinal,
    pub target_ordinal: Ordinal,
    pub columns: Vec<usize>,
}

/// Compares each candidate's two rows column by column: equal encodings, or floats within the column's
/// tolerance. Returns the confirmed mismatches and how many candidates turned out equal.
pub fn confirm(
    candidates: &[Candidate],
    fetched: [&Fetched; 2],
    columns: &SideColumns,
) -> Result<(Vec<Mismatch>, u64)> {
    let [source, target] = fetched;
    let width = source.rows.values.len();
    let mut per_column = Vec::with_capacity(width);
    let mut floats = Vec::with_capacity(width);
    for c in 0..width {
        let (a, b) = (&source.rows.values[c], &target.rows.values[c]);
        per_column.push([encode_all(a.as_ref())?, encode_all(b.as_ref())?]);
        floats.push(match columns.values[c].tolerance {
            Some(_) => Some([as_f64(a)?, as_f64(b)?]),
            None => None,
        });
    }
    let mut mismatches = Vec::new();
    let mut equal = 0;
    for candidate in candidates {
        let (s, t) = match (source.row(candidate.source_ordinal), target.row(candidate.target_ordinal)) {
            (Some(s), Some(t)) => (s, t),
            _ => return Err(Error::input("re-read", "a row seen in the first pass was not found again")),
        };
        let differing: Vec<usize> = (0..width)
            .filter(|&c| per_column[c][0][s] != per_column[c][1][t])
            .filter(|&c| match (columns.values[c].tolerance, &floats[c]) {
                (Some(tolerance), Some([a, b])) => match (a.is_valid(s), b.is_valid(t)) {
                    (true, true) => !tolerance.equal(a.value(s), b.value(t)),
                    _ => true,
                },
                _ => true,
            })
            .collect();
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

fn as_f64(array: &ArrayRef) -> Result<Float64Array> {
    let floats = cast(array, &DataType::Float64).map_err(|e| Error::arrow("re-read", e))?;
    Ok(floats.as_primitive::<Float64Type>().clone())
}

fn encode_all(array: &dyn Array) -> Result<Vec<Vec<u8>>> {
    encodings(array).map_err(|e| Error::arrow("re-read", e))
}
