//! The fingerprint tier: compares both sides bucket by bucket and keeps only the rows of buckets that differ
//! (the residue) for the row tier.

use rayon::prelude::*;

use crate::digest::spill::Partition;
use crate::digest::{Fingerprint, RowDigest, PARTITION_BITS};

/// Rows that need row-level work, and how many source rows the fingerprints already proved matched.
#[derive(Debug, Default)]
pub struct Residue {
    pub source: Vec<RowDigest>,
    pub target: Vec<RowDigest>,
    pub matched: u64,
    /// The high key-hash bits of one row of each differing bucket.
    pub differing: Vec<u64>,
}

impl Residue {
    pub fn rows(&self) -> usize {
        self.source.len() + self.target.len()
    }

    pub fn absorb(&mut self, other: Residue) {
        self.source.extend(other.source);
        self.target.extend(other.target);
        self.matched += other.matched;
        self.differing.extend(other.differing);
    }
}

/// Pairs of (source, target) partitions, in parallel: a bucket goes to the row tier when its fingerprints
/// differ, or when a key repeats inside it (equal fingerprints then mean equal duplicates on both sides,
/// still a finding) — unless `keyless`, where a repeated row is just a row held twice, and equal
/// fingerprints mean equal multisets of rows. `bits` are the bucket bits of the larger side.
pub fn residue(pairs: Vec<(Partition, Partition)>, bits: u32, keyless: bool) -> std::io::Result<Residue> {
    let residue =
        |(s, t): (Partition, Partition)| Ok(partition_residue(&s.into_chunks()?, &t.into_chunks()?, bits, keyless));
    pairs.into_par_iter().map(residue).try_reduce(Residue::default, |mut a, b| {
        a.absorb(b);
        Ok(a)
    })
}

/// One partition: both sides counting-sorted by bucket, then walked bucket by bucket. (A bucket array
/// updated row by row outgrows the cache at tens of millions of rows; two sequential passes do not.)
fn partition_residue(source: &[Vec<RowDigest>], target: &[Vec<RowDigest>], bits: u32, keyless: bool) -> Residue {
    let buckets = 1usize << (bits - PARTITION_BITS);
    let (source, source_starts) = by_bucket(source, buckets, bits);
    let (target, target_starts) = by_bucket(target, buckets, bits);
    let mut residue = Residue::default();
    for b in 0..buckets {
        let s = &source[source_starts[b] as usize..source_starts[b + 1] as usize];
        let t = &target[target_starts[b] as usize..target_starts[b + 1] as usize];
        // Equal buckets hold equal multisets of rows, so a key repeated on one side is repeated on the other:
        // looking at the source alone finds every duplicate the fingerprints cannot see.
        if fingerprint(s) == fingerprint(t) && (keyless || !repeats_a_key(s)) {
            residue.matched += s.len() as u64;
        } else {
            residue.source.extend_from_slice(s);
            residue.target.extend_from_slice(t);
            residue.differing.extend(s.first().or(t.first()).map(|d| d.key_hi));
        }
    }
    residue
}

/// The rows of all chunks, reordered so that bucket `b` holds `rows[starts[b]..starts[b + 1]]`.
fn by_bucket(chunks: &[Vec<RowDigest>], buckets: usize, bits: u32) -> (Vec<RowDigest>, Vec<u32>) {
    let rows = || chunks.iter().flatten();
    let mut starts = vec![0u32; buckets + 1];
    for d in rows() {
        starts[d.bucket(bits) + 1] += 1;
    }
    for b in 0..buckets {
        starts[b + 1] += starts[b];
    }
    let mut next = starts.clone();
    let empty = RowDigest { key_hi: 0, key_lo: 0, row_hi: 0, row_lo: 0, ordinal: 0 };
    let mut sorted = vec![empty; starts[buckets] as usize];
    for d in rows() {
        let at = &mut next[d.bucket(bits)];
        sorted[*at as usize] = *d;
        *at += 1;
    }
    (sorted, starts)
}

fn fingerprint(rows: &[RowDigest]) -> Fingerprint {
    let mut f = Fingerprint::default();
    rows.iter().for_each(|d| f.add(d.row()));
    f
}

/// Whether two rows share a key: pair by pair in a small bucket, by sorting in a large one (a key repeated
/// many times lands all its rows in one bucket).
fn repeats_a_key(rows: &[RowDigest]) -> bool {
    if rows.len() <= 16 {
        return rows.iter().enumerate().any(|(i, a)| rows[i + 1..].iter().any(|b| a.key() == b.key()));
    }
    let mut keys: Vec<u128> = rows.iter().map(RowDigest::key).collect();
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(key: u64, row: u64, ordinal: u64) -> RowDigest {
        RowDigest { key_hi: key, key_lo: 0, row_hi: row, row_lo: 0, ordinal }
    }

    #[test]
    fn equal_buckets_match_unless_a_key_repeats_however_often() {
        let bits = PARTITION_BITS + 4;
        let bucket = |b: u64| b << (64 - bits);
        for copies in [2, 40] {
            // Bucket 1: two equal rows; bucket 2: one key repeated identically on both sides; bucket 3 differs.
            let mut source = vec![digest(bucket(1), 10, 0), digest(bucket(1) + 1, 11, 1), digest(bucket(3), 30, 2)];
            let mut target = vec![digest(bucket(1) + 1, 11, 0), digest(bucket(1), 10, 1), digest(bucket(3), 31, 2)];
            for i in 0..copies {
                source.push(digest(bucket(2), 20, 10 + i));
                target.push(digest(bucket(2), 20, 10 + i));
            }
            let residue = partition_residue(&[source], &[target], bits, false);
            assert_eq!(residue.matched, 2, "{copies} copies");
            assert_eq!(residue.source.len() as u64, 1 + copies);
            assert_eq!(residue.target.len() as u64, 1 + copies);
        }
    }
}
