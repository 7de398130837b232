//! Records held by partition: in memory up to a budget, appended to an anonymous temporary file per partition
//! beyond it. A side of any size is digested in bounded memory, and the fingerprint tier later loads one
//! partition at a time. Row digests go through it in one pass; the key hashes a two-pass run checks for
//! repeated keys, too.

use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use super::{RowDigest, PARTITIONS};

/// What a store holds: a fixed-width value written to disk as little-endian bytes.
pub trait Record: Copy + Send {
    const BYTES: usize;
    fn write(&self, out: &mut Vec<u8>);
    fn read(bytes: &[u8]) -> Self;
}

impl Record for RowDigest {
    const BYTES: usize = 40;

    fn write(&self, out: &mut Vec<u8>) {
        for field in [self.key_hi, self.key_lo, self.row_hi, self.row_lo, self.ordinal] {
            out.extend_from_slice(&field.to_le_bytes());
        }
    }

    fn read(bytes: &[u8]) -> RowDigest {
        let field = |i: usize| u64::read(&bytes[i * 8..i * 8 + 8]);
        RowDigest { key_hi: field(0), key_lo: field(1), row_hi: field(2), row_lo: field(3), ordinal: field(4) }
    }
}

/// A key hash's high half: what a two-pass run keeps of each source row to find repeated keys.
impl Record for u64 {
    const BYTES: usize = 8;

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }

    fn read(bytes: &[u8]) -> u64 {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[..8]);
        u64::from_le_bytes(word)
    }
}

/// One partition's records: chunks in memory, and whatever went to disk.
#[derive(Debug)]
pub struct Partition<T = RowDigest> {
    chunks: Vec<Vec<T>>,
    file: Option<File>,
}

impl<T> Default for Partition<T> {
    fn default() -> Self {
        Partition { chunks: Vec::new(), file: None }
    }
}

impl<T: Record> Partition<T> {
    pub fn from_rows(rows: Vec<T>) -> Partition<T> {
        Partition { chunks: vec![rows], file: None }
    }

    /// Every record of the partition in chunks, what was spilled read back as one more.
    pub fn into_chunks(self) -> std::io::Result<Vec<Vec<T>>> {
        let mut chunks = self.chunks;
        if let Some(mut file) = self.file {
            file.rewind()?;
            let mut reader = BufReader::with_capacity(1 << 20, file);
            let mut record = vec![0u8; T::BYTES];
            let mut spilled = Vec::new();
            loop {
                match reader.read_exact(&mut record) {
                    Ok(()) => spilled.push(T::read(&record)),
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(e),
                }
            }
            chunks.push(spilled);
        }
        Ok(chunks)
    }
}

/// A side's partitions while the scan fills them.
pub struct Store<T = RowDigest> {
    partitions: Vec<Mutex<Partition<T>>>,
    held: AtomicU64,
    spilled: AtomicU64,
    budget: u64,
    dir: PathBuf,
}

impl<T: Record> Store<T> {
    /// Holds up to `budget` bytes of records in memory; spills the rest into files in `dir`.
    pub fn new(budget: u64, dir: PathBuf) -> Store<T> {
        Store {
            partitions: (0..PARTITIONS).map(|_| Mutex::default()).collect(),
            held: AtomicU64::new(0),
            spilled: AtomicU64::new(0),
            budget,
            dir,
        }
    }

    pub fn push(&self, partition: usize, rows: Vec<T>) -> std::io::Result<()> {
        let bytes = (rows.len() * T::BYTES) as u64;
        let mut target = self.partitions[partition].lock().unwrap_or_else(|e| e.into_inner());
        if self.held.fetch_add(bytes, Ordering::Relaxed) + bytes <= self.budget {
            target.chunks.push(rows);
            return Ok(());
        }
        self.held.fetch_sub(bytes, Ordering::Relaxed);
        self.spilled.fetch_add(bytes, Ordering::Relaxed);
        let file = match &mut target.file {
            Some(file) => file,
            empty => empty.insert(tempfile::tempfile_in(&self.dir)?),
        };
        let mut buffer = Vec::with_capacity(rows.len() * T::BYTES);
        rows.iter().for_each(|record| record.write(&mut buffer));
        file.write_all(&buffer)
    }

    /// Where spilled records go.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Bytes of records written to disk.
    pub fn spilled(&self) -> u64 {
        self.spilled.load(Ordering::Relaxed)
    }

    pub fn finish(self) -> Vec<Partition<T>> {
        self.partitions.into_iter().map(|p| p.into_inner().unwrap_or_else(|e| e.into_inner())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: u64 = <RowDigest as Record>::BYTES as u64;

    #[test]
    fn digests_beyond_the_budget_come_back_from_disk() {
        let store = Store::new(3 * RECORD, std::env::temp_dir());
        let row = |i: u64| RowDigest { key_hi: i, key_lo: !i, row_hi: i * 3, row_lo: u64::MAX - i, ordinal: i };
        store.push(7, vec![row(1), row(2)]).unwrap();
        store.push(7, vec![row(3), row(4)]).unwrap();
        store.push(7, vec![row(5)]).unwrap();
        assert_eq!(store.spilled(), 2 * RECORD);
        let partitions = store.finish();
        let mut rows = partitions.into_iter().nth(7).unwrap().into_chunks().unwrap().concat();
        rows.sort_by_key(|d| d.ordinal);
        assert_eq!(rows, (1..=5).map(row).collect::<Vec<_>>());
    }

    #[test]
    fn key_hashes_beyond_the_budget_come_back_from_disk() {
        let store = Store::<u64>::new(16, std::env::temp_dir());
        store.push(3, vec![u64::MAX, 1]).unwrap();
        store.push(3, vec![7, 1 << 63]).unwrap();
        assert_eq!(store.spilled(), 16);
        let chunks = store.finish().into_iter().nth(3).unwrap().into_chunks().unwrap();
        assert_eq!(chunks, vec![vec![u64::MAX, 1], vec![7, 1 << 63]]);
    }
}
