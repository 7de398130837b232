//! The row tier when more rows differ than the memory limit lets recon read back: one more streaming pass
//! over both sides writes, for every row of a differing bucket, a record — its key and row hashes and the
//! canonical encodings of its compared values — to temporary files by key hash, then joins them file by
//! file. Which columns differ, and why (the causes and the options tried, `explain`), stay exact for every
//! mismatched key, in bounded memory: a record is the row as the digest encoded it, so every explanation
//! the read-back path makes from two values is made here from the same bytes.
//!
//! Record: key hash and row hash (4 × 8 bytes), the encodings' length (4 bytes), the encodings (a value's
//! encoding is self-delimiting: 9 bytes for an integer, float or instant, 18 for a decimal, 2 + length for
//! a short string). Against one xxh3-64 word per column, short values cost about as much and long strings
//! more; that is the price of deciding `truncation` (is one string a prefix of the other?) exactly, which no
//! fixed-width digest of a value can.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::sync::Mutex;

use arrow::array::ArrayRef;
use rayon::prelude::*;

use super::values::differ;
use super::Observer;
use crate::digest::encode::{add_lengths, decode, encode_into};
use crate::digest::{digest_canonical, draw, in_sample};
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
    /// Keys whose rows differ only by floats or decimals within their tolerance.
    pub equal: u64,
}

/// Bytes before a record's encodings: key hash, row hash (4 × 8) and the encodings' length (4).
const HEAD: usize = 36;

/// `rows` is how many rows both sides hold together, `row_bytes` an estimate of one row's encodings (the
/// larger side's Arrow bytes per row). Every differing pair goes through `explainer`, and when it asks for
/// time zones, through its zone pass in a second join of the same files.
pub(crate) fn count(
    plan: &Plan,
    columns: Sides<&SideColumns>,
    differing: &Differing,
    rows: u64,
    row_bytes: u64,
    explainer: &mut dyn Observer,
) -> Result<ColumnCounts> {
    let width = plan.columns.len();
    // Enough files that one file's records of both sides fit the column pass's memory.
    let bytes = rows.max(1) * (HEAD as u64 + row_bytes + 2 * width as u64);
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
    let tolerant: Vec<_> = columns.source.values.iter().map(|c| c.tolerance).collect();
    join_files(&spills, dir, width, |a, b| {
        let differing: Vec<usize> = (0..width).filter(|&c| differ(tolerant[c], a[c], b[c])).collect();
        if differing.is_empty() {
            counts.equal += 1;
        } else {
            counts.mismatched += 1;
            for &c in &differing {
                counts.per_column[c] += 1;
                explainer.observe(c, a[c], b[c]);
            }
        }
    })?;
    if explainer.second_pass() {
        join_files(&spills, dir, width, |a, b| {
            for c in 0..width {
                if a[c] != b[c] && explainer.in_second_pass(c) {
                    explainer.observe_again(c, a[c], b[c]);
                }
            }
        })?;
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
    let mut encoded = Encoded::default();
    for batch in unit.open()? {
        let canonical = columns.canonical(&batch?, location)?;
        let drawn = draw(sample, &canonical.keys, location)?;
        let mut records = Vec::new();
        digest_canonical(columns, &canonical, location, 0, |d| records.push(d), |_, _| {})?;
        let kept: Vec<_> = records
            .into_iter()
            .filter(|d| in_sample(&drawn, sample, d.ordinal as usize, d.key()) && differing.contains(d.key_hi))
            .filter(|d| keys.is_none_or(|k| k.keeps(d.key())))
            .collect();
        if kept.is_empty() {
            continue;
        }
        encoded.encode(&canonical.values).map_err(|e| Error::arrow(location, e))?;
        for d in kept {
            let values = encoded.row(d.ordinal as usize);
            let buffer = &mut buffers[(d.key_hi >> shift) as usize];
            for word in [d.key_hi, d.key_lo, d.row_hi, d.row_lo] {
                buffer.extend_from_slice(&word.to_le_bytes());
            }
            buffer.extend_from_slice(&(values.len() as u32).to_le_bytes());
            buffer.extend_from_slice(values);
        }
        if buffers.iter().map(Vec::len).sum::<usize>() > 8 << 20 {
            flush(&mut buffers, files, dir)?;
        }
    }
    flush(&mut buffers, files, dir)
}

/// A batch's compared values encoded row by row (as the digest encodes them), reused from batch to batch.
#[derive(Default)]
struct Encoded {
    bytes: Vec<u8>,
    offsets: Vec<usize>,
}

impl Encoded {
    fn encode(&mut self, values: &[ArrayRef]) -> arrow::error::Result<()> {
        let rows = values.first().map_or(0, |v| v.len());
        let mut cursor = vec![0usize; rows];
        for column in values {
            add_lengths(column.as_ref(), 0, &mut cursor)?;
        }
        self.offsets.clear();
        self.offsets.push(0);
        let mut total = 0;
        for c in cursor.iter_mut() {
            let len = std::mem::replace(c, total);
            total += len;
            self.offsets.push(total);
        }
        self.bytes.clear();
        self.bytes.resize(total, 0);
        for column in values {
            encode_into(column.as_ref(), 0, &mut self.bytes, &mut cursor)?;
        }
        Ok(())
    }

    fn row(&self, r: usize) -> &[u8] {
        &self.bytes[self.offsets[r]..self.offsets[r + 1]]
    }
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

/// Reads a whole file into `bytes`, reusing its memory from file to file (fresh pages are costly).
fn read_file(file: &Mutex<File>, bytes: &mut Vec<u8>, dir: &std::path::Path) -> Result<()> {
    let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
    file.rewind().map_err(|e| Error::spill(dir, e))?;
    bytes.clear();
    file.read_to_end(bytes).map_err(|e| Error::spill(dir, e))?;
    Ok(())
}

/// One record in a file read back: key and row hash, and its encodings split into values.
struct Record<'a> {
    key: (u64, u64),
    row: (u64, u64),
    encodings: &'a [u8],
}

/// A file's records, sorted by key hash.
fn records<'a>(bytes: &'a [u8], dir: &std::path::Path) -> Result<Vec<Record<'a>>> {
    let corrupt = || Error::spill(dir, std::io::Error::other("a spilled record is cut short"));
    let word = |at: usize| -> Result<u64> {
        let b = bytes.get(at..at + 8).ok_or_else(corrupt)?;
        Ok(u64::from_le_bytes(b.try_into().map_err(|_| corrupt())?))
    };
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let len = bytes.get(at + 32..at + HEAD).ok_or_else(corrupt)?;
        let len = u32::from_le_bytes(len.try_into().map_err(|_| corrupt())?) as usize;
        let encodings = bytes.get(at + HEAD..at + HEAD + len).ok_or_else(corrupt)?;
        out.push(Record { key: (word(at)?, word(at + 8)?), row: (word(at + 16)?, word(at + 24)?), encodings });
        at += HEAD + len;
    }
    out.sort_unstable_by_key(|r| r.key);
    Ok(out)
}

/// A record's encodings split into its `width` values.
fn split<'a>(encodings: &'a [u8], width: usize, values: &mut Vec<&'a [u8]>, dir: &std::path::Path) -> Result<()> {
    values.clear();
    let mut rest = encodings;
    for _ in 0..width {
        let (_, len) =
            decode(rest).ok_or_else(|| Error::spill(dir, std::io::Error::other("a spilled value is no encoding")))?;
        values.push(&rest[..len]);
        rest = &rest[len..];
    }
    Ok(())
}

/// Joins the two sides' files one pair at a time. Keys with exactly one row on each side and differing row
/// hashes are the mismatch candidates, as in `queries/mismatched.sql`; `pair` gets their values.
fn join_files(
    spills: &Sides<Vec<Mutex<File>>>,
    dir: &std::path::Path,
    width: usize,
    mut pair: impl FnMut(&[&[u8]], &[&[u8]]),
) -> Result<()> {
    let (mut source_bytes, mut target_bytes) = (Vec::new(), Vec::new());
    for (source_file, target_file) in spills.source.iter().zip(&spills.target) {
        read_file(source_file, &mut source_bytes, dir)?;
        read_file(target_file, &mut target_bytes, dir)?;
        let (mut a, mut b) = (Vec::with_capacity(width), Vec::with_capacity(width));
        let (source, target) = (records(&source_bytes, dir)?, records(&target_bytes, dir)?);
        let (mut s, mut t) = (0, 0);
        while s < source.len() && t < target.len() {
            let (key_s, key_t) = (source[s].key, target[t].key);
            if key_s != key_t {
                if key_s < key_t {
                    s += 1
                } else {
                    t += 1
                }
                continue;
            }
            let run = |rows: &[Record], from: usize| rows[from..].iter().take_while(|r| r.key == key_s).count();
            let (run_s, run_t) = (run(&source, s), run(&target, t));
            if run_s == 1 && run_t == 1 && source[s].row != target[t].row {
                split(source[s].encodings, width, &mut a, dir)?;
                split(target[t].encodings, width, &mut b, dir)?;
                pair(&a, &b);
            }
            s += run_s;
            t += run_t;
        }
    }
    Ok(())
}
