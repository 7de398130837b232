//! The first of two passes (`--strategy two-pass`, for tables whose row digests would not fit in memory nor
//! in the spill directory): instead of keeping each row's 40-byte digest, each row is added to its bucket's
//! fingerprint (count and sum, 32 bytes a bucket); the source's key hashes are kept too (8 bytes a row, spilled
//! beyond a budget), to find keys repeated inside buckets whose fingerprints agree. The buckets that differ are
//! then read again, and only their rows digested: a [`BucketSet`] in [`super::Select`].

use std::sync::Mutex;

use super::{lock, spill, Fingerprint, RowDigest, ScanStats, Sink, PARTITIONS, PARTITION_BITS};
use crate::error::{Error, Result};
use crate::source::Ordinal;

/// Bytes a bucket's fingerprints take, both sides': what the first pass's bucket count is chosen by.
pub const BUCKET_BYTES: u64 = 2 * std::mem::size_of::<Fingerprint>() as u64;

/// The first pass's bucket bits: as one pass buckets `rows` (about four rows a bucket) where they are known,
/// as many as both sides' fingerprints fit in `bytes` where not or where those would not fit; at least one
/// bucket a partition, at most 2^32 buckets.
pub fn tally_bits(rows: Option<u64>, bytes: u64) -> u32 {
    let fit = (bytes / BUCKET_BYTES).max(1);
    let fit_bits = 63 - fit.leading_zeros();
    rows.map_or(u32::MAX, super::bucket_bits).min(fit_bits).clamp(PARTITION_BITS, 32)
}

/// One side's bucket fingerprints while the scan threads add rows, a partition's buckets behind one lock (a
/// unit hands a partition's rows over at once, so threads rarely wait), and the key hashes kept.
pub struct Tally {
    partitions: Vec<Mutex<Vec<Fingerprint>>>,
    bits: u32,
    keys: Option<spill::Store<u64>>,
}

impl Tally {
    /// `keys` keeps the rows' key hashes to find repeated keys: `None` where none can repeat unseen (the
    /// target, a keyless table, a key its database declares unique).
    pub fn new(bits: u32, keys: Option<spill::Store<u64>>) -> Tally {
        let buckets = 1usize << (bits - PARTITION_BITS);
        let partitions = (0..PARTITIONS).map(|_| Mutex::new(vec![Fingerprint::default(); buckets])).collect();
        Tally { partitions, bits, keys }
    }

    pub fn finish(self, null_keys: Vec<(Ordinal, u128)>, fingerprint: Fingerprint, mut stats: ScanStats) -> SideTally {
        stats.spilled = self.keys.as_ref().map_or(0, spill::Store::spilled);
        SideTally {
            bits: self.bits,
            partitions: self
                .partitions
                .into_iter()
                .map(|p| p.into_inner().unwrap_or_else(|e| e.into_inner()))
                .collect(),
            keys: self.keys.map(spill::Store::finish),
            null_keys,
            fingerprint,
            stats,
        }
    }
}

impl Sink for Tally {
    const KEEPS_KEYS: bool = false;

    fn take(&self, partition: usize, rows: Vec<RowDigest>) -> Result<()> {
        {
            let mut buckets = lock(&self.partitions[partition]);
            rows.iter().for_each(|d| buckets[d.bucket(self.bits)].add(d.row()));
        }
        if let Some(keys) = &self.keys {
            let hashes = rows.iter().map(|d| d.key_hi).collect();
            keys.push(partition, hashes).map_err(|e| Error::spill(keys.dir(), e))?;
        }
        Ok(())
    }
}

/// What the first pass learned about one side.
pub struct SideTally {
    pub bits: u32,
    /// Each partition's bucket fingerprints.
    pub partitions: Vec<Vec<Fingerprint>>,
    /// Each partition's key hashes (high halves), where kept.
    pub keys: Option<Vec<spill::Partition<u64>>>,
    /// Rows whose key has a NULL part, with their row hashes.
    pub null_keys: Vec<(Ordinal, u128)>,
    /// Every row read, NULL keys included.
    pub fingerprint: Fingerprint,
    /// `spilled`: the key hashes written to disk.
    pub stats: ScanStats,
}

/// A set of buckets at `bits` bucket bits: the second pass digests only the rows of buckets in it.
#[derive(Debug, Clone)]
pub struct BucketSet {
    bits: u32,
    words: Vec<u64>,
    len: u64,
}

impl BucketSet {
    pub fn new(bits: u32) -> BucketSet {
        BucketSet { bits, words: vec![0; (1usize << bits).div_ceil(64)], len: 0 }
    }

    /// Adds bucket `bucket` of partition `partition`.
    pub fn insert(&mut self, partition: usize, bucket: usize) {
        let b = (partition << (self.bits - PARTITION_BITS)) | bucket;
        let bit = 1u64 << (b & 63);
        self.len += u64::from(self.words[b >> 6] & bit == 0);
        self.words[b >> 6] |= bit;
    }

    /// Whether the bucket of a row with this key hash (its high half) is in the set.
    pub fn holds(&self, key_hi: u64) -> bool {
        let b = (key_hi >> (64 - self.bits)) as usize;
        self.words[b >> 6] >> (b & 63) & 1 == 1
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_pass_buckets_as_one_pass_does_within_its_memory() {
        // 6 M rows: 2^21 buckets, as one pass has them, when 2^21 buckets' 64 bytes (128 MiB) fit.
        assert_eq!(tally_bits(Some(6_000_000), 128 << 20), 21);
        // 600 M rows within 2 GB's quarter (512 MiB): 2^23 buckets, about 72 rows each, not 2^28.
        assert_eq!(tally_bits(Some(600_000_000), 512 << 20), 23);
        assert_eq!(super::super::bucket_bits(600_000_000), 28);
        // Rows unknown: as many as fit.
        assert_eq!(tally_bits(None, 512 << 20), 23);
        // A tiny table or a tiny memory limit: still one bucket a partition; never more than 2^32 buckets.
        assert_eq!(tally_bits(Some(10), 1 << 30), PARTITION_BITS + 2);
        assert_eq!(tally_bits(Some(1 << 30), 4096), PARTITION_BITS);
        assert_eq!(tally_bits(None, u64::MAX), 32);
    }

    #[test]
    fn a_bucket_set_holds_the_rows_of_its_buckets_only() {
        let bits = PARTITION_BITS + 4;
        let mut set = BucketSet::new(bits);
        set.insert(3, 9);
        set.insert(3, 9);
        set.insert(255, 15);
        assert_eq!(set.len(), 2);
        let key = |partition: u64, bucket: u64, rest: u64| (partition << 56) | (bucket << 52) | rest;
        assert!(set.holds(key(3, 9, 0)) && set.holds(key(3, 9, (1 << 52) - 1)) && set.holds(u64::MAX));
        assert!(!set.holds(key(3, 8, 0)) && !set.holds(key(2, 9, 0)) && !set.holds(0));
    }
}
