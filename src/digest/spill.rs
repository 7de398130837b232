//! Row digests held by partition: in memory up to a budget, appended to an anonymous temporary file per
//! partition beyond it. A side of any size is digested in bounded memory, and the fingerprint tier later
//! loads one partition at a time.

use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use super::{RowDigest, PARTITIONS};

const RECORD: usize = 40;

/// One partition's digests: chunks in memory, and whatever went to disk.
#[derive(Debug, Default)]
pub struct Partition {
    chunks: Vec<Vec<RowDigest>>,
    file: Option<File>,
}

impl Partition {
    pub fn from_rows(rows: Vec<RowDigest>) -> Partition {
        Partition { chunks: vec![rows], file: None }
    }

    /// Every digest of the partition in chunks, what was spilled read back as one more.
    pub fn into_chunks(self) -> std::io::Result<Vec<Vec<RowDigest>>> {
        let mut chunks = self.chunks;
        if let Some(mut file) = self.file {
            file.rewind()?;
            let mut reader = BufReader::with_capacity(1 << 20, file);
            let mut record = [0u8; RECORD];
            let mut spilled = Vec::new();
            loop {
                match reader.read_exact(&mut record) {
                    Ok(()) => spilled.push(decode(&record)),
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
pub struct Store {
    partitions: Vec<Mutex<Partition>>,
    held: AtomicU64,
    spilled: AtomicU64,
    budget: u64,
    dir: PathBuf,
}

impl Store {
    /// Holds up to `budget` bytes of digests in memory; spills the rest into files in `dir`.
    pub fn new(budget: u64, dir: PathBuf) -> Store {
        Store {
            partitions: (0..PARTITIONS).map(|_| Mutex::default()).collect(),
            held: AtomicU64::new(0),
            spilled: AtomicU64::new(0),
            budget,
            dir,
        }
    }

    pub fn push(&self, partition: usize, rows: Vec<RowDigest>) -> std::io::Result<()> {
        let bytes = (rows.len() * RECORD) as u64;
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
        let mut buffer = Vec::with_capacity(rows.len() * RECORD);
        for d in &rows {
            for field in [d.key_hi, d.key_lo, d.row_hi, d.row_lo, d.ordinal] {
                buffer.extend_from_slice(&field.to_le_bytes());
            }
        }
        file.write_all(&buffer)
    }

    /// Where spilled digests go.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Bytes of digests written to disk.
    pub fn spilled(&self) -> u64 {
        self.spilled.load(Ordering::Relaxed)
    }

    pub fn finish(self) -> Vec<Partition> {
        self.partitions.into_iter().map(|p| p.into_inner().unwrap_or_else(|e| e.into_inner())).collect()
    }
}

fn decode(record: &[u8; RECORD]) -> RowDigest {
    let field = |i: usize| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&record[i * 8..i * 8 + 8]);
        u64::from_le_bytes(bytes)
    };
    RowDigest { key_hi: field(0), key_lo: field(1), row_hi: field(2), row_lo: field(3), ordinal: field(4) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_beyond_the_budget_come_back_from_disk() {
        let store = Store::new(3 * RECORD as u64, std::env::temp_dir());
        let row = |i: u64| RowDigest { key_hi: i, key_lo: !i, row_hi: i * 3, row_lo: u64::MAX - i, ordinal: i };
        store.push(7, vec![row(1), row(2)]).unwrap();
        store.push(7, vec![row(3), row(4)]).unwrap();
        store.push(7, vec![row(5)]).unwrap();
        assert_eq!(store.spilled(), 2 * RECORD as u64);
        let partitions = store.finish();
        let mut rows = partitions.into_iter().nth(7).unwrap().into_chunks().unwrap().concat();
        rows.sort_by_key(|d| d.ordinal);
        assert_eq!(rows, (1..=5).map(row).collect::<Vec<_>>());
    }
}
