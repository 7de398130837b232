//! `--pushdown` with a side of files against a database: recon reads the files once, every scan unit on its
//! own thread, and hashes every row's canonical text exactly as the database's server does
//! (`source/fingerprints/text.rs`). Each round's bucket fingerprints are then summed from those hashes without
//! reading the files again, and the pass that follows keeps only the file rows of the buckets left.

use std::collections::{BTreeMap, HashSet};

use rayon::prelude::*;

use crate::digest::digest_batch;
use crate::error::{Error, Result};
use crate::normalize::SideColumns;
use crate::source::fingerprints::text::{append, row_hashes, RowHashes};
use crate::source::fingerprints::{Bucket, BucketRequest, Form};
use crate::source::keyset::KeySet;
use crate::source::Dataset;

/// One file row as the fingerprints see it, and its key as recon's own pass hashes it.
#[derive(Debug, Clone, Copy)]
struct Row {
    hashes: RowHashes,
    /// A NULL key part: the fingerprint cannot vouch for the row.
    unsure: bool,
    /// recon's key hash (0 for an unsure row, which no key set names).
    key: u128,
}

/// Every row of a side of files, hashed, in the order of the key hashes.
pub(super) struct FileRows {
    rows: Vec<Row>,
}

impl FileRows {
    /// Reads `dataset` once, writing each row's key columns and compared columns (in `columns`' order) as
    /// `key` and `values` say.
    pub(super) fn read(dataset: &Dataset, columns: &SideColumns, key: &[Form], values: &[Form]) -> Result<FileRows> {
        let units = dataset.scan_units(&columns.projection)?;
        let parts: Vec<Vec<Row>> = units
            .into_par_iter()
            .map(|unit| {
                let mut rows = Vec::new();
                for batch in unit.open()? {
                    rows.extend(hash_batch(dataset, columns, &batch?, key, values)?);
                }
                Ok(rows)
            })
            .collect::<Result<_>>()?;
        let mut rows: Vec<Row> = parts.into_iter().flatten().collect();
        rows.par_sort_unstable_by_key(|row| row.hashes.key);
        Ok(FileRows { rows })
    }

    /// The rows read.
    pub(super) fn len(&self) -> u64 {
        self.rows.len() as u64
    }

    /// The buckets `request` asks for, as a server computes them over the same rows.
    pub(super) fn buckets(&self, request: &BucketRequest) -> Result<Vec<Bucket>> {
        if request.keys_only {
            return Err(Error::internal("the keys-only pass fingerprints databases, not files"));
        }
        let within = Prefixes::parse(&request.within)?;
        let shift = 64 - 4 * request.digits as u32;
        let mut buckets: Vec<(u64, Bucket)> = Vec::new();
        let mut previous = None;
        for row in self.rows.iter().filter(|row| within.is_empty() || within.holds(row.hashes.key)) {
            let prefix = row.hashes.key >> shift;
            if buckets.last().is_none_or(|(last, _)| *last != prefix) {
                let name = format!("{prefix:0width$x}", width = request.digits);
                buckets.push((prefix, Bucket { prefix: name, rows: 0, hi: 0, lo: 0, keys: 0, unsure: 0 }));
                previous = None;
            }
            let Some((_, bucket)) = buckets.last_mut() else { continue };
            bucket.rows += 1;
            bucket.hi = bucket.hi.wrapping_add(row.hashes.hi);
            bucket.lo = bucket.lo.wrapping_add(row.hashes.lo);
            bucket.unsure += row.unsure as u64;
            if !request.distinct_keys || previous != Some(row.hashes.key) {
                bucket.keys += 1;
            }
            previous = Some(row.hashes.key);
        }
        Ok(buckets.into_iter().map(|(_, bucket)| bucket).collect())
    }

    /// The keys recon's pass leaves out of this side: those of every row outside the buckets `left` names.
    pub(super) fn outside(self, left: &[String]) -> Result<KeySet> {
        if left.is_empty() {
            return Ok(KeySet::only([]));
        }
        let left = Prefixes::parse(left)?;
        Ok(KeySet::except(
            self.rows.into_iter().filter(|row| !row.unsure && !left.holds(row.hashes.key)).map(|row| row.key),
        ))
    }
}

/// Hashes one batch's rows.
fn hash_batch(
    dataset: &Dataset,
    columns: &SideColumns,
    batch: &arrow::array::RecordBatch,
    key: &[Form],
    values: &[Form],
) -> Result<Vec<Row>> {
    let canonical = columns.canonical(batch, &dataset.location)?;
    let texts = |arrays: &[arrow::array::ArrayRef], forms: &[Form]| -> Result<Vec<Vec<u8>>> {
        let mut rows = vec![Vec::new(); batch.num_rows()];
        for (array, &form) in arrays.iter().zip(forms) {
            append(array, form, &mut rows).map_err(|e| Error::arrow(&dataset.location, e))?;
        }
        Ok(rows)
    };
    let (key_texts, value_texts) = (texts(&canonical.keys, key)?, texts(&canonical.values, values)?);
    let mut recon_keys = vec![None; batch.num_rows()];
    digest_batch(
        &canonical.keys,
        &[],
        columns.whole_rows,
        0,
        |d| recon_keys[d.ordinal as usize] = Some(d.key()),
        |_, _| {},
    )
    .map_err(|e| Error::arrow(&dataset.location, e))?;
    let rows = key_texts.iter().zip(&value_texts).zip(recon_keys).map(|((key_text, value_text), recon_key)| Row {
        hashes: row_hashes(key_text, value_text),
        unsure: recon_key.is_none(),
        key: recon_key.unwrap_or(0),
    });
    Ok(rows.collect())
}

/// Bucket names (hex prefixes of the key hash, of any lengths), to ask whether a row's key hash starts with one.
struct Prefixes {
    by_length: BTreeMap<usize, HashSet<u64>>,
}

impl Prefixes {
    fn parse(names: &[String]) -> Result<Prefixes> {
        let mut by_length: BTreeMap<usize, HashSet<u64>> = BTreeMap::new();
        for name in names {
            let value = u64::from_str_radix(name, 16)
                .ok()
                .filter(|_| (1..=16).contains(&name.len()))
                .ok_or_else(|| Error::internal(format!("a bucket is named by hex digits, not {name:?}")))?;
            by_length.entry(name.len()).or_default().insert(value);
        }
        Ok(Prefixes { by_length })
    }

    fn is_empty(&self) -> bool {
        self.by_length.is_empty()
    }

    /// Whether `key` (a key hash's first 64 bits) starts with one of the prefixes.
    fn holds(&self, key: u64) -> bool {
        self.by_length.iter().any(|(&length, set)| set.contains(&(key >> (64 - 4 * length as u32))))
    }
}
