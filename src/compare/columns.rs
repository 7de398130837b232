//! The row tier when more rows differ than the memory limit lets recon read back: one more streaming pass
//! over both sides writes, for every row of a differing bucket, its key and row hashes and one word per
//! compared column (xxh3-64 of the value's encoding; under a tolerance, the float itself) to temporary
//! files by key hash, then joins them file by file. Which columns differ stays exact for every mismatched
//! key, in bounded memory.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::sync::Mutex;

use arrow::array::AsArray;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use rayon::prelude::*;

use crate::digest::encode::canonical_f64;
use crate::digest::{digest_canonical, draw, in_sample, value_hashes};
use crate::error::{Error, Result};
use crate::normalize::SideColumns;
use crate::plan::Plan;
use crate::sample::Sample;
use crate::side::{Side, Sides};
use crate::source::keyset::KeySet;
use crate::source::{Dataset, ScanUnit};

/// The buckets the fingerprint tier sent to the row tier, by global bucket (the top `bits` of the key hash).
pub struct Differing {
    bits: u32,
    words: Vec<u64>,
}

impl Differing {
    pub fn new(bits: u32) -> Differing {
        Differing { bits, words: vec![0; (1usize << bits).div_ceil(64)] }
    }

    /// Marks the bucket of a key whose high 64 bits are `key_hi`.
    pub fn insert(&mut self, key_hi: u64) {
        let id = (key_hi >> (64 - self.bits)) as usize;
        self.words[id / 64] |= 1 << (id % 64);
    }

    fn contains(&self, key_hi: u64) -> bool {
        let id = (key_hi >> (64 - self.bits)) as usize;
        self.words[id / 64] & (1 << (id % 64)) != 0
    }
}

/// What the join found among keys with one row on each side and differing row hashes.
#[derive(Debug, Default)]
pub struct ColumnCounts {
    /// Mismatched keys per compared column.
    pub per_column: Vec<u64>,
    pub mismatched: u64,
    /// Keys whose rows differ only by floats within the tolerance.
    pub equal: u64,
}

/// A word no canonical float has: NULL under a tolerance.
const NULL_FLOAT: u64 = u64::MAX;
/// Words before the per-column ones: key hash and row hash.
const HEAD: usize = 4;

/// `rows` is how many rows both sides hold together.
pub fn count(plan: &Plan, columns: Sides<&SideColumns>, differing: &Differing, rows: u64) -> Result<ColumnCounts> {
    let width = plan.columns.len();
    // Enough files that one file's records of both sides fit the column pass's memory.
    let bytes = rows.max(1) * ((HEAD + width) * 8) as u64;
    let files = (bytes / plan.memory.column_pass.max(1)).clamp(16, 256).next_power_of_two() as usize;
    let dir = &plan.spill_dir;
    let spills = Sides::new(temp_files(files, dir)?, temp_files(files, dir)?);
    let mut units = Vec::new();
    for (side, side_columns) in columns.iter() {
        for unit in plan.datasets[side].scan_units(&side_columns.projection)? {
            units.push((side, unit));
        }
    }
    units.into_par_iter().try_for_each(|(side, unit): (Side, _)| {
        let sample = plan.sample.as_ref().map(|s| (s, s.pushed_down[side]));
        let keys = plan.key_set.as_deref();
        write_unit(&plan.datasets[side], columns[side], unit, (sample, keys), differing, &spills[side], dir)
    })?;
    let mut counts = ColumnCounts { per_column: vec![0; width], ..ColumnCounts::default() };
    let (mut source, mut target) = (Vec::new(), Vec::new());
    for (source_file, target_file) in spills.source.iter().zip(&spills.target) {
        read_words(source_file, &mut source, dir)?;
        read_words(target_file, &mut target, dir)?;
        join(&source, &target, columns.source, &mut counts);
    }
    Ok(counts)
}

fn temp_files(n: usize, dir: &std::path::Path) -> Result<Vec<Mutex<File>>> {
    (0..n).map(|_| tempfile::tempfile_in(dir).map(Mutex::new).map_err(|e| Error::spill(dir, e))).collect()
}

/// One scan unit: the records of its kept rows in differing buckets, appended to the side's files.
fn write_unit(
    dataset: &Dataset,
    columns: &SideColumns,
    unit: ScanUnit,
    (sample, keys): (Option<(&Sample, bool)>, Option<&KeySet>),
    differing: &Differing,
    files: &[Mutex<File>],
    dir: &std::path::Path,
) -> Result<()> {
    let shift = 64 - files.len().trailing_zeros();
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); files.len()];
    let location = &dataset.location;
    for batch in unit.open()? {
        let canonical = columns.canonical(&batch?, location)?;
        let drawn = draw(sample, &canonical.keys, location)?;
        let words = column_words(columns, &canonical.values).map_err(|e| Error::arrow(location, e))?;
        let mut records = Vec::new();
        digest_canonical(columns, &canonical, location, 0, |d| records.push(d), |_, _| {})?;
        for d in records {
            let row = d.ordinal as usize;
            let outside = keys.is_some_and(|k| !k.keeps(d.key()));
            if !in_sample(&drawn, sample, row, d.key()) || !differing.contains(d.key_hi) || outside {
                continue;
            }
            let buffer = &mut buffers[(d.key_hi >> shift) as usize];
            for word in [d.key_hi, d.key_lo, d.row_hi, d.row_lo].into_iter().chain(words.iter().map(|w| w[row])) {
                buffer.extend_from_slice(&word.to_le_bytes());
            }
        }
        if buffers.iter().map(Vec::len).sum::<usize>() > 8 << 20 {
            flush(&mut buffers, files, dir)?;
        }
    }
    flush(&mut buffers, files, dir)
}

fn flush(buffers: &mut [Vec<u8>], files: &[Mutex<File>], dir: &std::path::Path) -> Result<()> {
    for (buffer, file) in buffers.iter_mut().zip(files) {
        if !buffer.is_empty() {
            let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
            file.write_all(buffer).map_err(|e| Error::spill(dir, e))?;
            buffer.clear();
        }
    }
    Ok(())
}

/// One word per row for each compared column: the hash of its encoding, or under a tolerance the float.
fn column_words(columns: &SideColumns, values: &[arrow::array::ArrayRef]) -> arrow::error::Result<Vec<Vec<u64>>> {
    columns
        .values
        .iter()
        .zip(values)
        .map(|(column, array)| match column.tolerance {
            None => value_hashes(array),
            Some(_) => {
                let floats = cast(array, &DataType::Float64)?;
                let floats = floats.as_primitive::<Float64Type>();
                Ok(floats.iter().map(|v| v.map_or(NULL_FLOAT, canonical_f64)).collect())
            }
        })
        .collect()
}

/// Reads a file of records into `words`, reusing its memory from file to file (fresh pages are costly).
fn read_words(file: &Mutex<File>, words: &mut Vec<u64>, dir: &std::path::Path) -> Result<()> {
    let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
    file.rewind().map_err(|e| Error::spill(dir, e))?;
    words.clear();
    let mut chunk = vec![0u8; 1 << 20];
    let mut filled = 0;
    loop {
        let read = file.read(&mut chunk[filled..]).map_err(|e| Error::spill(dir, e))?;
        filled += read;
        let whole = filled / 8 * 8;
        let word = |b: &[u8]| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        words.extend(chunk[..whole].chunks_exact(8).map(word));
        chunk.copy_within(whole..filled, 0);
        filled -= whole;
        if read == 0 {
            return Ok(());
        }
    }
}

/// Records of `stride` words, sorted by key hash.
fn by_key(words: &[u64], stride: usize) -> Vec<&[u64]> {
    let mut rows: Vec<&[u64]> = words.chunks_exact(stride).collect();
    rows.sort_unstable_by_key(|r| (r[0], r[1]));
    rows
}

/// Keys with exactly one row on each side and differing row hashes are the mismatch candidates, as in
/// `queries/mismatched.sql`; their column words say which columns differ.
fn join(source: &[u64], target: &[u64], columns: &SideColumns, counts: &mut ColumnCounts) {
    let stride = HEAD + columns.values.len();
    let (source, target) = (by_key(source, stride), by_key(target, stride));
    let (mut s, mut t) = (0, 0);
    while s < source.len() && t < target.len() {
        let (key_s, key_t) = ((source[s][0], source[s][1]), (target[t][0], target[t][1]));
        if key_s != key_t {
            if key_s < key_t {
                s += 1
            } else {
                t += 1
            }
            continue;
        }
        let run = |rows: &[&[u64]], from: usize| rows[from..].iter().take_while(|r| (r[0], r[1]) == key_s).count();
        let (run_s, run_t) = (run(&source, s), run(&target, t));
        let (a, b) = (source[s], target[t]);
        if run_s == 1 && run_t == 1 && a[2..HEAD] != b[2..HEAD] {
            let differ = |c: usize| {
                let (x, y) = (a[HEAD + c], b[HEAD + c]);
                match columns.values[c].tolerance {
                    _ if x == y => false,
                    Some(_) if x == NULL_FLOAT || y == NULL_FLOAT => true,
                    Some(tolerance) => !tolerance.equal(f64::from_bits(x), f64::from_bits(y)),
                    None => true,
                }
            };
            let differing: Vec<usize> = (0..columns.values.len()).filter(|&c| differ(c)).collect();
            if differing.is_empty() {
                counts.equal += 1;
            } else {
                counts.mismatched += 1;
                differing.iter().for_each(|&c| counts.per_column[c] += 1);
            }
        }
        s += run_s;
        t += run_t;
    }
}
