//! The fingerprint tier: compares both sides bucket by bucket and keeps only the rows of buckets that differ
//! (the residue) for the row tier; in a two-pass run, first over the first pass's bucket fingerprints, to
//! choose the buckets read again.

use rayon::prelude::*;

use crate::digest::spill::Partition;
use crate::digest::{BucketSet, Fingerprint, RowDigest, PARTITION_BITS};
use crate::side::Sides;

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

/// The first of two passes, compared: the buckets to read again, and the source rows the others proved matched.
#[derive(Debug)]
pub struct Reread {
    pub buckets: BucketSet,
    pub matched: u64,
    /// Each side's fingerprint of the buckets read again: what the second pass must find in them.
    pub again: Sides<Fingerprint>,
}

/// Both sides' first-pass fingerprints (`bits` bucket bits, by partition), bucket by bucket, in parallel: a
/// bucket is read again when its fingerprints differ, or when its source partition's key hashes (`keys`, where
/// kept) repeat one of its keys' — equal fingerprints then may hide a key repeated on both sides, still a
/// finding. (64 of the key hash's 128 bits: a collision reads a bucket again for nothing, and the second pass
/// decides by the whole key.)
pub fn reread(
    source: Vec<Vec<Fingerprint>>,
    target: Vec<Vec<Fingerprint>>,
    keys: Option<Vec<Partition<u64>>>,
    bits: u32,
) -> std::io::Result<Reread> {
    let keys: Vec<Option<Partition<u64>>> = match keys {
        Some(keys) => keys.into_iter().map(Some).collect(),
        None => source.iter().map(|_| None).collect(),
    };
    let partitions: Vec<_> = source.into_iter().zip(target).zip(keys).collect();
    let decided = partitions
        .into_par_iter()
        .map(|((s, t), keys)| {
            let repeated = match keys {
                Some(keys) => repeated_buckets(keys.into_chunks()?, bits),
                None => Vec::new(),
            };
            let (buckets, matched) = partition_reread(&s, &t, &repeated);
            let mut again = Sides::<Fingerprint>::default();
            for &b in &buckets {
                again.source.merge(&s[b]);
                again.target.merge(&t[b]);
            }
            Ok((buckets, matched, again))
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    let mut reread = Reread { buckets: BucketSet::new(bits), matched: 0, again: Sides::default() };
    for (partition, (buckets, matched, again)) in decided.into_iter().enumerate() {
        buckets.into_iter().for_each(|b| reread.buckets.insert(partition, b));
        reread.matched += matched;
        reread.again.source.merge(&again.source);
        reread.again.target.merge(&again.target);
    }
    Ok(reread)
}

/// One partition: the buckets to read again, and the rows of the others. `repeated` (sorted) are the buckets
/// where a key hash repeats.
fn partition_reread(source: &[Fingerprint], target: &[Fingerprint], repeated: &[usize]) -> (Vec<usize>, u64) {
    let (mut buckets, mut matched) = (Vec::new(), 0);
    for (b, (s, t)) in source.iter().zip(target).enumerate() {
        if s == t && repeated.binary_search(&b).is_err() {
            matched += s.rows;
        } else {
            buckets.push(b);
        }
    }
    (buckets, matched)
}

/// The buckets (within their partition, sorted) holding a key hash more than once.
fn repeated_buckets(chunks: Vec<Vec<u64>>, bits: u32) -> Vec<usize> {
    let mut keys = chunks.concat();
    keys.sort_unstable();
    let mask = (1usize << (bits - PARTITION_BITS)) - 1;
    let mut buckets: Vec<usize> =
        keys.windows(2).filter(|w| w[0] == w[1]).map(|w| (w[0] >> (64 - bits)) as usize & mask).collect();
    buckets.dedup();
    buckets
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

    #[test]
    fn buckets_are_read_again_where_they_differ_or_a_source_key_repeats() {
        let bits = PARTITION_BITS + 2;
        let print = |rows: u64, sum: u128| Fingerprint { rows, sum };
        // Bucket 0: equal; bucket 1: equal, but one key twice on both sides; bucket 2: differs; bucket 3: empty.
        let source = vec![print(3, 30), print(2, 44), print(1, 5), Fingerprint::default()];
        let target = vec![print(3, 30), print(2, 44), print(1, 6), Fingerprint::default()];
        let key = |bucket: u64, rest: u64| (7 << 56) | (bucket << 54) | rest;
        let keys = vec![key(0, 1), key(0, 2), key(0, 3), key(1, 9), key(1, 9), key(2, 4)];
        assert_eq!(repeated_buckets(vec![keys[..3].to_vec(), keys[3..].to_vec()], bits), vec![1]);
        assert_eq!(partition_reread(&source, &target, &[1]), (vec![1, 2], 3));
        // Without the key check (keyless, or a key declared unique), equal buckets are matched.
        assert_eq!(partition_reread(&source, &target, &[]), (vec![2], 5));

        let empty = vec![Fingerprint::default(); 4];
        let mut sources = vec![empty.clone(); 256];
        let mut targets = vec![empty; 256];
        sources[7] = source;
        targets[7] = target;
        let store = crate::digest::spill::Store::<u64>::new(16, std::env::temp_dir());
        store.push(7, keys).unwrap();
        let reread = reread(sources, targets, Some(store.finish()), bits).unwrap();
        assert_eq!((reread.buckets.len(), reread.matched), (2, 3));
        assert!(reread.buckets.holds(key(1, 0)) && reread.buckets.holds(key(2, 0)));
        assert!(!reread.buckets.holds(key(0, 0)) && !reread.buckets.holds(key(3, 0)));
    }
}
