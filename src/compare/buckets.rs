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
}

impl Residue {
    pub fn rows(&self) -> usize {
        self.source.len() + self.target.len()
    }

    pub fn absorb(&mut self, other: Residue) {
        self.source.extend(other.source);
        self.target.extend(other.target);
        self.matched += other.matched;
    }
}

/// Pairs of (source, target) partitions, in parallel: a bucket goes to the row tier when its fingerprints
/// differ, or when a key repeats inside it (equal fingerprints then mean equal duplicates on both sides,
/// still a finding). `bits` are the bucket bits of the larger side.
pub fn residue(pairs: Vec<(Partition, Partition)>, bits: u32) -> std::io::Result<Residue> {
    pairs.into_par_iter().map(|(s, t)| Ok(partition_residue(s.into_rows()?, t.into_rows()?, bits))).try_reduce(
        Residue::default,
        |mut a, b| {
            a.absorb(b);
            Ok(a)
        },
    )
}

fn partition_residue(mut source: Vec<RowDigest>, target: Vec<RowDigest>, bits: u32) -> Residue {
    let mut fingerprints = vec![[Fingerprint::default(); 2]; 1 << (bits - PARTITION_BITS)];
    for d in &source {
        fingerprints[d.bucket(bits)][0].add(d.row());
    }
    for d in &target {
        fingerprints[d.bucket(bits)][1].add(d.row());
    }
    let mut differs: Vec<bool> = fingerprints.iter().map(|[s, t]| s != t).collect();

    // Equal buckets hold equal multisets of rows, so a key repeated on one side is repeated on the other:
    // looking at the source alone finds every duplicate the fingerprints cannot see.
    source.sort_unstable_by_key(|d| d.key());
    for pair in source.windows(2) {
        if pair[0].key() == pair[1].key() {
            differs[pair[0].bucket(bits)] = true;
        }
    }

    let matched = source.iter().filter(|d| !differs[d.bucket(bits)]).count() as u64;
    Residue {
        source: source.into_iter().filter(|d| differs[d.bucket(bits)]).collect(),
        target: target.into_iter().filter(|d| differs[d.bucket(bits)]).collect(),
        matched,
    }
}
