//! ③ Row digests and fingerprints. Every row of both sides is reduced to a key hash, a row hash and where it
//! lives; rows are bucketed by key hash and each bucket fingerprinted, so that only buckets whose fingerprints
//! differ need row-level work.
//!
//! Widths, and why:
//! - **key hash, 128 bits** (xxh3-128 over the key columns' encodings, in key order): keys are joined by
//!   this hash alone, so two distinct keys must practically never meet: 2^-128 per pair, ~2^-60 for 10^10 rows.
//! - **row hash, 128 bits** (xxh3-128 over the key hash and the compared columns' encodings, in column
//!   order): a changed row goes unseen only if two different byte strings collide, 2^-128 per changed row.
//!   Encodings carry a type tag and, for strings, a length (see `encode`), so a row's bytes decode to
//!   exactly one sequence of values: no two different rows share them. Encoding column by column into row
//!   slots, then hashing each row once, costs one hash per row instead of one per value.
//! - **fingerprint: row count and the 128-bit wrapping sum of row hashes**, per bucket and per side. A sum is
//!   order-independent and multiset-correct: a duplicated row adds its hash twice where XOR would cancel it.
//!   Two different multisets of rows share a sum with probability 2^-128.
//! - **buckets: the top b bits of the key hash, 2^b ≈ rows/4** (see [`bucket_bits`]; 2^21 buckets for a
//!   6M-row table): a defect drags about 4 other rows per side into the row tier, so the row tier's cost
//!   follows the number of differences, not the size of the table; rows are first split into 2^8 partitions
//!   (the top 8 bits), whose bucket arrays stay small enough for the L2 cache.

pub mod encode;
pub mod fingerprints;
pub mod spill;

use std::sync::Mutex;
use std::time::Instant;

use arrow::array::ArrayRef;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_128;

use crate::error::{Error, Result};
use crate::normalize::{Canonical, SideColumns};
use crate::sample::{Sample, Selection};
use crate::side::{Side, Sides};
use crate::source::keyset::KeySet;
use crate::source::{Dataset, Ordinal};
pub use fingerprints::{tally_bits, BucketSet, SideTally, Tally};

pub const PARTITION_BITS: u32 = 8;
pub const PARTITIONS: usize = 1 << PARTITION_BITS;

/// Bucket bits for a side of `rows` rows: about four rows per bucket, at least 4 buckets per partition.
pub fn bucket_bits(rows: u64) -> u32 {
    let wanted = (rows / 4).max(1);
    (64 - wanted.leading_zeros()).clamp(PARTITION_BITS + 2, 40)
}

/// What recon keeps of a row after hashing it: 40 bytes whatever the row's width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowDigest {
    pub key_hi: u64,
    pub key_lo: u64,
    pub row_hi: u64,
    pub row_lo: u64,
    pub ordinal: Ordinal,
}

impl RowDigest {
    pub fn key(&self) -> u128 {
        ((self.key_hi as u128) << 64) | self.key_lo as u128
    }

    pub fn row(&self) -> u128 {
        ((self.row_hi as u128) << 64) | self.row_lo as u128
    }

    pub fn partition(&self) -> usize {
        (self.key_hi >> (64 - PARTITION_BITS)) as usize
    }

    /// The row's bucket within its partition, with `bits` bucket bits in all.
    pub fn bucket(&self, bits: u32) -> usize {
        (self.key_hi >> (64 - bits)) as usize & ((1 << (bits - PARTITION_BITS)) - 1)
    }
}

/// An order-independent digest of a multiset of rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fingerprint {
    pub rows: u64,
    pub sum: u128,
}

impl Fingerprint {
    pub fn add(&mut self, row_hash: u128) {
        self.rows += 1;
        self.sum = self.sum.wrapping_add(row_hash);
    }

    pub fn merge(&mut self, other: &Fingerprint) {
        self.rows += other.rows;
        self.sum = self.sum.wrapping_add(other.sum);
    }

    pub fn hex(&self) -> String {
        format!("{:032x}", self.sum)
    }
}

/// Everything pass one learned about one side.
#[derive(Default)]
pub struct SideDigest {
    /// Row digests by partition (top key-hash bits), in memory or spilled.
    pub partitions: Vec<spill::Partition>,
    /// Rows whose key has a NULL part, with their row hashes: never matched, shown as findings.
    pub null_keys: Vec<(Ordinal, u128)>,
    /// Every row read, NULL keys included.
    pub fingerprint: Fingerprint,
    pub stats: ScanStats,
    /// A database side's canonical keys by the first ordinal of each batch, to ask for findings' rows by key
    /// (file rows are found again by ordinal and keep nothing here).
    pub keys: Vec<(Ordinal, Vec<ArrayRef>)>,
}

/// What reading one side cost. Times are summed over the threads that read and hashed it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanStats {
    /// Rows read, sampled or not.
    pub rows: u64,
    /// Bytes of Arrow data read (the decoded batches' buffers).
    pub bytes: u64,
    /// Bytes of row digests spilled to disk to stay within the memory limit.
    pub spilled: u64,
    pub read: std::time::Duration,
    pub hash: std::time::Duration,
}

impl ScanStats {
    fn merge(&mut self, other: &ScanStats) {
        self.rows += other.rows;
        self.bytes += other.bytes;
        self.read += other.read;
        self.hash += other.hash;
    }
}

/// Hashes one canonical batch. Column by column, each value's encoding is copied into its row's slot of a
/// row-major buffer (key columns in one, compared columns after a 16-byte slot for the key hash in another);
/// then each row is hashed once: its key encodings to the key hash, and key hash plus value encodings to the
/// row hash. Encodings are self-delimiting, so a row's bytes name exactly one sequence of values.
pub fn digest_batch(
    keys: &[ArrayRef],
    values: &[ArrayRef],
    whole_rows: bool,
    first: Ordinal,
    mut row: impl FnMut(RowDigest),
    mut null_key: impl FnMut(Ordinal, u128),
) -> Result<(), arrow::error::ArrowError> {
    let rows = keys.first().map_or(0, |k| k.len());
    let (mut key_rows, mut value_rows) = (RowBuffer::default(), RowBuffer::default());
    let keyless = if whole_rows { None } else { null_key_rows(keys, rows) };
    by_slices(rows, |start, len| {
        let bytes = key_rows.encode(keys, start, len, 0)? + value_rows.encode(values, start, len, 16)?;
        for r in 0..len {
            let key = xxh3_128(key_rows.row(r));
            let slot = value_rows.row_mut(r);
            slot[..16].copy_from_slice(&key.to_le_bytes());
            let row_hash = xxh3_128(slot);
            let ordinal = first + (start + r) as u64;
            if keyless.as_ref().is_some_and(|k| k[start + r]) {
                null_key(ordinal, row_hash);
            } else {
                row(RowDigest {
                    key_hi: (key >> 64) as u64,
                    key_lo: key as u64,
                    row_hi: (row_hash >> 64) as u64,
                    row_lo: row_hash as u64,
                    ordinal,
                });
            }
        }
        Ok(bytes)
    })
}

/// Which rows have a NULL in some key column; `None` when no row does.
fn null_key_rows(keys: &[ArrayRef], rows: usize) -> Option<Vec<bool>> {
    let nulls: Vec<_> = keys.iter().filter_map(|k| k.logical_nulls()).filter(|n| n.null_count() > 0).collect();
    (!nulls.is_empty()).then(|| (0..rows).map(|row| nulls.iter().any(|n| n.is_null(row))).collect())
}

/// xxh3-64 of each value's encoding: the word by which the row tier tells which columns differ when it
/// cannot read rows back.
pub fn value_hashes(array: &ArrayRef) -> Result<Vec<u64>, arrow::error::ArrowError> {
    let mut buffer = RowBuffer::default();
    let mut hashes = Vec::with_capacity(array.len());
    by_slices(array.len(), |start, len| {
        let bytes = buffer.encode(std::slice::from_ref(array), start, len, 0)?;
        hashes.extend((0..len).map(|r| xxhash_rust::xxh3::xxh3_64(buffer.row(r))));
        Ok(bytes)
    })?;
    Ok(hashes)
}

/// Bytes of row slots encoded at a time. Columns are written into the slots one after another, then each
/// row is hashed: slots that stay in a core's L1 data cache (32–48 KB) meanwhile cut pass one's L1 misses
/// on lineitem by a quarter against 512-row slices (~100 KB).
const SLICE_BYTES: usize = 24 * 1024;

/// Calls `slice(start, len)` on consecutive slices of `rows` rows; `slice` returns the bytes of slots its rows
/// took. The first slice is 64 rows; each later one holds as many rows of the previous one's width as fill
/// [`SLICE_BYTES`], within 32 to 1024 (a slice costs a pass over every column).
fn by_slices(
    rows: usize,
    mut slice: impl FnMut(usize, usize) -> Result<usize, arrow::error::ArrowError>,
) -> Result<(), arrow::error::ArrowError> {
    let (mut start, mut step) = (0, 64);
    while start < rows {
        let len = step.min(rows - start);
        let width = slice(start, len)?.div_ceil(len).max(1);
        start += len;
        step = (SLICE_BYTES / width).clamp(32, 1024);
    }
    Ok(())
}

/// Digests a batch already made canonical, its float columns bucketed under a tolerance: the one path by
/// which both pass one and the re-read of database rows hash, so their hashes always agree.
pub fn digest_canonical(
    columns: &SideColumns,
    canonical: &Canonical,
    location: &str,
    first: Ordinal,
    row: impl FnMut(RowDigest),
    null_key: impl FnMut(Ordinal, u128),
) -> Result<()> {
    let hashable = columns.hashable(&canonical.values).map_err(|e| Error::arrow(location, e))?;
    digest_batch(&canonical.keys, &hashable, columns.whole_rows, first, row, null_key)
        .map_err(|e| Error::arrow(location, e))
}

/// The encodings of a slice's rows, one contiguous slot per row; reused from slice to slice.
#[derive(Default)]
struct RowBuffer {
    bytes: Vec<u8>,
    /// Where each row's slot starts; one more entry than rows.
    offsets: Vec<usize>,
    cursor: Vec<usize>,
}

impl RowBuffer {
    /// Encodes rows `start..start + rows` of `columns` row by row, after `reserved` leading bytes per row,
    /// and returns the bytes written. Every byte of a slot is written (the reserved bytes by the caller), so
    /// the buffer is not cleared in between.
    fn encode(
        &mut self,
        columns: &[ArrayRef],
        start: usize,
        rows: usize,
        reserved: usize,
    ) -> Result<usize, arrow::error::ArrowError> {
        self.cursor.clear();
        self.cursor.resize(rows, reserved);
        for column in columns {
            encode::add_lengths(column.as_ref(), start, &mut self.cursor)?;
        }
        self.offsets.clear();
        self.offsets.push(0);
        let mut total = 0;
        for cursor in self.cursor.iter_mut() {
            let len = *cursor;
            *cursor = total + reserved;
            total += len;
            self.offsets.push(total);
        }
        self.bytes.resize(total.max(self.bytes.len()), 0);
        for column in columns {
            encode::encode_into(column.as_ref(), start, &mut self.bytes, &mut self.cursor)?;
        }
        Ok(total)
    }

    fn row(&self, r: usize) -> &[u8] {
        &self.bytes[self.offsets[r]..self.offsets[r + 1]]
    }

    fn row_mut(&mut self, r: usize) -> &mut [u8] {
        &mut self.bytes[self.offsets[r]..self.offsets[r + 1]]
    }
}

/// Which rows a scan digests: those a sample draws, a key set keeps and, in the second of two passes, whose
/// bucket the first found differing (rows with a NULL key part are never filtered by bucket).
#[derive(Clone, Copy, Default)]
pub struct Select<'a> {
    pub sample: Option<&'a Sample>,
    pub keys: Option<&'a KeySet>,
    pub buckets: Option<&'a BucketSet>,
}

impl Select<'_> {
    fn keeps(&self, digest: &RowDigest) -> bool {
        self.keys.is_none_or(|k| k.keeps(digest.key())) && self.buckets.is_none_or(|b| b.holds(digest.key_hi))
    }
}

/// Pass one: reads both sides at once, every scan unit on its own thread, and digests every row `select`
/// keeps. Each side holds up to `budget` bytes of digests in memory and spills the rest into `spill_dir`.
pub fn scan(
    sides: Sides<(&Dataset, &SideColumns)>,
    select: Select,
    budget: u64,
    spill_dir: &std::path::Path,
    counters: &crate::progress::Counters,
) -> Result<Sides<SideDigest>> {
    let stores = Sides::from_fn(|_| spill::Store::new(budget, spill_dir.to_path_buf()));
    let read = read(sides, select, stores, counters)?;
    Ok(read.map(|(store, rest)| {
        let Rest { null_keys, fingerprint, mut stats, mut keys } = rest;
        keys.sort_unstable_by_key(|(first, _)| *first);
        stats.spilled = store.spilled();
        SideDigest { partitions: store.finish(), null_keys, fingerprint, stats, keys }
    }))
}

/// The first of two passes: like [`scan`], but each row is added to its bucket's fingerprint in `tallies`
/// instead of kept (see [`fingerprints`]).
pub fn tally(
    sides: Sides<(&Dataset, &SideColumns)>,
    select: Select,
    tallies: Sides<Tally>,
    counters: &crate::progress::Counters,
) -> Result<Sides<SideTally>> {
    let read = read(sides, select, tallies, counters)?;
    Ok(read.map(|(tally, rest)| tally.finish(rest.null_keys, rest.fingerprint, rest.stats)))
}

/// Where a scan unit hands each partition's digests: a store keeping them, or a tally of bucket fingerprints.
pub trait Sink: Sync {
    /// Whether a database side's canonical keys are kept beside the digests, to read findings back by key.
    const KEEPS_KEYS: bool;
    fn take(&self, partition: usize, rows: Vec<RowDigest>) -> Result<()>;
}

impl Sink for spill::Store {
    const KEEPS_KEYS: bool = true;

    fn take(&self, partition: usize, rows: Vec<RowDigest>) -> Result<()> {
        self.push(partition, rows).map_err(|e| Error::spill(self.dir(), full(e, self)))
    }
}

/// Reads both sides into `sinks`, every scan unit on its own thread; returns each sink with the rest of what
/// its side's units collected.
fn read<S: Sink>(
    sides: Sides<(&Dataset, &SideColumns)>,
    select: Select,
    sinks: Sides<S>,
    counters: &crate::progress::Counters,
) -> Result<Sides<(S, Rest)>> {
    let mut units = Vec::new();
    // A side read as one stream (a database connection) starts first: its rows come at the server's pace
    // while the threads share the other side's units, instead of starting when those are nearly done.
    let mut order: Vec<(Side, &(&Dataset, &SideColumns))> = sides.iter().collect();
    order.sort_by_key(|(_, (dataset, _))| dataset.capabilities.parallel_units);
    for (side, (dataset, columns)) in order {
        for unit in dataset.scan_units(&columns.projection)? {
            units.push((side, unit));
        }
    }
    let shared = sinks.map(|sink| Shared { sink, rest: Mutex::default() });
    units.into_par_iter().try_for_each(|(side, unit): (Side, _)| {
        let (dataset, columns) = sides[side];
        scan_unit(dataset, columns, unit, &shared[side], (select, side), &|rows, bytes| counters.add(side, rows, bytes))
    })?;
    Ok(shared.map(|shared| (shared.sink, shared.rest.into_inner().unwrap_or_else(|e| e.into_inner()))))
}

/// A side's digests as the scan units hand them in.
struct Shared<S> {
    sink: S,
    rest: Mutex<Rest>,
}

#[derive(Default)]
struct Rest {
    null_keys: Vec<(Ordinal, u128)>,
    fingerprint: Fingerprint,
    stats: ScanStats,
    keys: Vec<(Ordinal, Vec<ArrayRef>)>,
}

fn scan_unit<S: Sink>(
    dataset: &Dataset,
    columns: &SideColumns,
    unit: crate::source::ScanUnit,
    shared: &Shared<S>,
    (select, side): (Select, Side),
    read: &dyn Fn(u64, u64),
) -> Result<()> {
    let sample = select.sample.map(|s| (s, s.pushed_down[side]));
    // Opening counts as reading: a CSV range finds where its records start as it opens.
    let mut clock = Instant::now();
    let (mut next, batches) = unit.open_at()?;
    let mut local: Vec<RowDigest> = Vec::with_capacity(FLUSH_ROWS);
    let mut null_keys = Vec::new();
    let fingerprint = std::cell::Cell::new(Fingerprint::default());
    let add = |row_hash: u128| {
        let mut f = fingerprint.get();
        f.add(row_hash);
        fingerprint.set(f);
    };
    let mut stats = ScanStats::default();
    let mut keys = Vec::new();
    // Whole rows as keys would keep the whole table: a keyless side's rows are found again by a full read.
    let keep_keys = S::KEEPS_KEYS && !dataset.rereads_by_ordinal() && !columns.whole_rows;
    for batch in batches {
        let batch = batch?;
        stats.read += clock.elapsed();
        clock = Instant::now();
        let bytes = batch.get_array_memory_size() as u64;
        stats.rows += batch.num_rows() as u64;
        stats.bytes += bytes;
        read(batch.num_rows() as u64, bytes);
        let canonical = columns.canonical(&batch, &dataset.location)?;
        let drawn = draw(sample, &canonical.keys, &dataset.location)?;
        let kept = |ordinal: Ordinal, hash: u128| in_sample(&drawn, sample, (ordinal - next) as usize, hash);
        digest_canonical(
            columns,
            &canonical,
            &dataset.location,
            next,
            |digest| {
                if kept(digest.ordinal, digest.key()) && select.keeps(&digest) {
                    add(digest.row());
                    local.push(digest);
                }
            },
            |ordinal, row_hash| {
                if kept(ordinal, row_hash) && select.keys.is_none_or(KeySet::keeps_null_keys) {
                    add(row_hash);
                    null_keys.push((ordinal, row_hash));
                }
            },
        )?;
        if keep_keys {
            keys.push((next, canonical.keys));
        }
        // A CSV file or a database table is one unit: hand digests over as they come, not at the end.
        if local.len() >= FLUSH_ROWS {
            flush(&mut local, &shared.sink)?;
        }
        next += batch.num_rows() as u64;
        stats.hash += clock.elapsed();
        clock = Instant::now();
    }
    flush(&mut local, &shared.sink)?;
    let mut rest = lock(&shared.rest);
    rest.null_keys.extend(null_keys);
    rest.fingerprint.merge(&fingerprint.get());
    rest.stats.merge(&stats);
    rest.keys.extend(keys);
    Ok(())
}

/// Whether row `row` of a batch, with this key hash (or, for a NULL key, row hash), is in the sample: by the
/// batch's key-text draw when there is one, else by the hash.
pub fn in_sample(drawn: &Option<Vec<bool>>, sample: Option<(&Sample, bool)>, row: usize, hash: u128) -> bool {
    match (drawn, sample) {
        (Some(drawn), _) => drawn[row],
        (None, Some((sample, _))) => sample.keeps(hash),
        (None, None) => true,
    }
}

/// Under a key-text sample, which rows of a batch the sample keeps. On a side whose database already
/// selected them, every row must be kept: one that is not means the database drew keys differently, and the
/// two sides' samples would not line up.
pub fn draw(sample: Option<(&Sample, bool)>, keys: &[ArrayRef], location: &str) -> Result<Option<Vec<bool>>> {
    let Some((sample, pushed_down)) = sample.filter(|(s, _)| s.selection == Selection::KeyText) else {
        return Ok(None);
    };
    let drawn =
        sample.keeps_by_text(keys).map_err(|e| Error::input(location, format!("cannot draw the sample: {e}")))?;
    if let Some(row) = drawn.iter().position(|kept| !kept).filter(|_| pushed_down) {
        let formatter = arrow::util::display::ArrayFormatter::try_new(keys[0].as_ref(), &Default::default());
        let key = formatter.map(|f| f.value(row).to_string()).unwrap_or_default();
        return Err(Error::input(
            location,
            format!(
                "the database sampled key {key}, which recon's draw does not keep: \
                 the two engines write this key's text differently"
            ),
        ));
    }
    Ok(Some(drawn))
}

/// Rows a unit collects before handing them to the side's store.
const FLUSH_ROWS: usize = 1 << 17;

/// Hands a unit's digests to the side's store, one chunk per partition, each allocated at its exact size:
/// the digests are most of what recon holds, and vectors grown row by row would hold up to twice as much.
fn flush(local: &mut Vec<RowDigest>, sink: &impl Sink) -> Result<()> {
    let mut counts = [0usize; PARTITIONS];
    local.iter().for_each(|d| counts[d.partition()] += 1);
    let mut chunks: Vec<Vec<RowDigest>> = counts.iter().map(|&n| Vec::with_capacity(n)).collect();
    local.drain(..).for_each(|d| chunks[d.partition()].push(d));
    for (partition, digests) in chunks.into_iter().enumerate() {
        if !digests.is_empty() {
            sink.take(partition, digests)?;
        }
    }
    Ok(())
}

/// A full disk says roughly how much space the spill needs: more than it had written when the disk filled.
fn full(e: std::io::Error, store: &spill::Store) -> std::io::Error {
    if e.kind() != std::io::ErrorKind::StorageFull {
        return e;
    }
    let spilled = store.spilled() as f64 / (1 << 20) as f64;
    let advice = "free more space there, or give a larger --memory-limit or another --spill-dir";
    std::io::Error::new(
        e.kind(),
        format!("{e}, with {spilled:.1} MiB of digests spilled: this side needs more; {advice}"),
    )
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};
    use std::sync::Arc;

    fn digests(keys: Vec<i64>, values: Vec<&str>) -> Vec<RowDigest> {
        let keys: ArrayRef = Arc::new(Int64Array::from(keys));
        let values: ArrayRef = Arc::new(StringArray::from(values));
        let mut out = Vec::new();
        digest_batch(&[keys], &[values], false, 0, |d| out.push(d), |_, _| {}).unwrap();
        out
    }

    #[test]
    fn a_row_hash_depends_on_every_value_and_the_key() {
        let base = digests(vec![1, 2], vec!["a", "a"]);
        assert_eq!(base[0].key(), digests(vec![1], vec!["b"])[0].key());
        assert_ne!(base[0].row(), digests(vec![1], vec!["b"])[0].row());
        assert_ne!(base[0].row(), base[1].row());
    }

    /// Slices are sized by the width of the rows before them, so a batch whose rows grow from a few bytes to
    /// kilobytes is cut at many places: every row must hash as it does alone, NULL keys and values included.
    #[test]
    fn a_row_hashes_alike_wherever_its_batch_is_cut() {
        use arrow::array::{BooleanArray, Decimal128Array, StringViewArray};
        let rows = 3000;
        let key = |i: usize| (i % 97 != 5).then_some(i as i64);
        let text = |i: usize| (i % 11 != 3).then(|| "x".repeat(if i < 1500 { i % 7 } else { i % 4000 }));
        let keys: ArrayRef = Arc::new(Int64Array::from_iter((0..rows).map(key)));
        let values: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter((0..rows).map(text))),
            Arc::new(StringViewArray::from_iter((0..rows).rev().map(text))),
            Arc::new(BooleanArray::from_iter((0..rows).map(|i| (i % 13 != 0).then_some(i % 2 == 0)))),
            Arc::new(
                Decimal128Array::from_iter((0..rows).map(|i| (i % 17 != 0).then_some(i as i128 * 1_000_003)))
                    .with_precision_and_scale(30, 2)
                    .unwrap(),
            ),
        ];
        let digest = |keys: &ArrayRef, values: &[ArrayRef], first: Ordinal| {
            let (mut rows, mut keyless) = (Vec::new(), Vec::new());
            digest_batch(
                std::slice::from_ref(keys),
                values,
                false,
                first,
                |d| rows.push(d),
                |o, h| keyless.push((o, h)),
            )
            .unwrap();
            (rows, keyless)
        };
        let whole = digest(&keys, &values, 100);
        let (mut alone, mut alone_keyless) = (Vec::new(), Vec::new());
        for i in 0..rows {
            let values: Vec<ArrayRef> = values.iter().map(|v| v.slice(i, 1)).collect();
            let (rows, keyless) = digest(&keys.slice(i, 1), &values, 100 + i as u64);
            alone.extend(rows);
            alone_keyless.extend(keyless);
        }
        assert_eq!(whole.1.len(), 31, "NULL keys at rows 5, 102, …, 2915");
        assert_eq!(whole.0.len(), rows - 31);
        assert_eq!(whole, (alone, alone_keyless));
    }

    #[test]
    fn a_duplicated_row_never_cancels_out() {
        let mut once = Fingerprint::default();
        let mut twice = Fingerprint::default();
        let d = digests(vec![1], vec!["a"])[0];
        once.add(d.row());
        twice.add(d.row());
        twice.add(d.row());
        assert_ne!(once.sum, twice.sum);
        assert_ne!(Fingerprint::default().sum, twice.sum);
    }
}
