//! Reads restricted to a set of keys, or leaving one out: rechecks, `--keys`, windows by change time and the
//! findings still open are all "these keys only" (or "all but these"). A [`KeySet`] decides by key hash,
//! after reading, whatever the source; [`KeyRows`] carry the keys' canonical values too, so that a database
//! can be asked for just those rows ([`crate::source::Dataset::restrict_keys`]).

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef};

use crate::error::{Error, Result};

/// Key hashes are xxh3-128 already: hashing them again would only cost time.
#[derive(Default)]
pub struct KeyHashHasher(u64);

impl Hasher for KeyHashHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u128 key hashes are hashed here; fold any other input so the hasher stays correct.
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }

    fn write_u128(&mut self, key: u128) {
        self.0 = key as u64;
    }
}

pub type KeyHashes = HashSet<u128, BuildHasherDefault<KeyHashHasher>>;

/// Which keys a pass keeps: those in the set, or (`exclude`) all others.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    hashes: KeyHashes,
    exclude: bool,
}

impl KeySet {
    /// Only these keys.
    pub fn only(hashes: impl IntoIterator<Item = u128>) -> KeySet {
        KeySet { hashes: hashes.into_iter().collect(), exclude: false }
    }

    /// Every key but these.
    pub fn except(hashes: impl IntoIterator<Item = u128>) -> KeySet {
        KeySet { hashes: hashes.into_iter().collect(), exclude: true }
    }

    /// Whether a row with this key hash is read.
    pub fn keeps(&self, key: u128) -> bool {
        self.hashes.contains(&key) != self.exclude
    }

    /// Whether a row whose key has a NULL part is read: it is in no list of keys, so only a set that leaves
    /// keys out keeps it.
    pub fn keeps_null_keys(&self) -> bool {
        self.exclude
    }

    /// The keys this set narrows to, or leaves out.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// This set, also leaving out `others` (which must be a set that excludes).
    pub fn without(mut self, others: &KeySet) -> KeySet {
        match (self.exclude, others.exclude) {
            (false, true) => self.hashes.retain(|k| !others.hashes.contains(k)),
            (true, true) => self.hashes.extend(others.hashes.iter().copied()),
            (_, false) => {}
        }
        self
    }
}

/// Keys with their canonical values (one row per key, key columns in key order) and their hashes.
#[derive(Debug, Clone, Default)]
pub struct KeyRows {
    pub hashes: Vec<u128>,
    /// The keys' canonical values; empty when there are no keys.
    pub arrays: Vec<ArrayRef>,
}

impl KeyRows {
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The keys of both, each once: `self`'s first, then those only `other` has. Key columns are cast to
    /// `self`'s types (an integer key may be 32 bits wide on one side and 64 on the other).
    pub fn union(self, other: &KeyRows) -> Result<KeyRows> {
        if other.is_empty() {
            return Ok(self);
        }
        if self.is_empty() {
            return Ok(other.clone());
        }
        let seen: KeyHashes = self.hashes.iter().copied().collect();
        let mut extra = Vec::new();
        let mut unique = KeyHashes::default();
        for (row, hash) in other.hashes.iter().enumerate() {
            if !seen.contains(hash) && unique.insert(*hash) {
                extra.push(row as u32);
            }
        }
        if extra.is_empty() {
            return Ok(self);
        }
        let indices = arrow::array::UInt32Array::from(extra.clone());
        let mut arrays = Vec::with_capacity(self.arrays.len());
        for (mine, theirs) in self.arrays.iter().zip(&other.arrays) {
            let picked = arrow::compute::take(theirs.as_ref(), &indices, None).map_err(|e| Error::arrow("keys", e))?;
            let picked = arrow::compute::cast(&picked, mine.data_type()).map_err(|e| Error::arrow("keys", e))?;
            let joined =
                arrow::compute::concat(&[mine.as_ref(), picked.as_ref()]).map_err(|e| Error::arrow("keys", e))?;
            arrays.push(joined);
        }
        let mut hashes = self.hashes;
        hashes.extend(extra.iter().map(|&row| other.hashes[row as usize]));
        Ok(KeyRows { hashes, arrays })
    }

    /// Each key once, where it first appears.
    pub fn unique(self) -> Result<KeyRows> {
        let mut seen = KeyHashes::default();
        let rows: Vec<u32> = (0..self.len() as u32).filter(|&r| seen.insert(self.hashes[r as usize])).collect();
        self.pick(rows)
    }

    /// The rows of the keys whose hash `keep` says, in order.
    pub fn filter(&self, keep: impl Fn(u128) -> bool) -> Result<KeyRows> {
        let rows: Vec<u32> = (0..self.len() as u32).filter(|&r| keep(self.hashes[r as usize])).collect();
        self.clone().pick(rows)
    }

    fn pick(self, rows: Vec<u32>) -> Result<KeyRows> {
        if rows.len() == self.len() {
            return Ok(self);
        }
        let indices = arrow::array::UInt32Array::from(rows.clone());
        let arrays = self
            .arrays
            .iter()
            .map(|a| arrow::compute::take(a.as_ref(), &indices, None).map_err(|e| Error::arrow("keys", e)))
            .collect::<Result<_>>()?;
        Ok(KeyRows { hashes: rows.iter().map(|&r| self.hashes[r as usize]).collect(), arrays })
    }

    /// One row per key, as `read_keys` takes them.
    pub fn rows(&self) -> Vec<(&[ArrayRef], usize)> {
        (0..self.len()).map(|row| (self.arrays.as_slice(), row)).collect()
    }
}

/// The keys a database side reads instead of its whole relation: its own names of the key columns and the
/// keys' canonical values.
#[derive(Debug, Clone)]
pub struct KeyList {
    pub names: Vec<String>,
    pub keys: Arc<KeyRows>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, Int64Array};

    #[test]
    fn sets_keep_or_leave_out_and_unions_keep_each_key_once() {
        let only = KeySet::only([1, 2, 3]);
        assert!(only.keeps(2) && !only.keeps(4) && !only.keeps_null_keys());
        let except = KeySet::except([2]);
        assert!(!except.keeps(2) && except.keeps(4) && except.keeps_null_keys());
        let narrowed = only.without(&except);
        assert!(narrowed.keeps(1) && !narrowed.keeps(2));

        let a = KeyRows { hashes: vec![10, 20], arrays: vec![Arc::new(Int64Array::from(vec![1, 2]))] };
        let b = KeyRows { hashes: vec![20, 30, 30], arrays: vec![Arc::new(Int32Array::from(vec![2, 3, 3]))] };
        let both = a.union(&b).unwrap();
        assert_eq!(both.hashes, vec![10, 20, 30]);
        assert_eq!(both.arrays[0].as_ref(), &Int64Array::from(vec![1, 2, 3]) as &dyn Array);
        let odd = both.filter(|h| h != 20).unwrap();
        assert_eq!(odd.hashes, vec![10, 30]);
        let once = KeyRows { hashes: vec![5, 5, 6], arrays: vec![Arc::new(Int64Array::from(vec![5, 5, 6]))] };
        assert_eq!(once.unique().unwrap().hashes, vec![5, 6]);
    }
}
