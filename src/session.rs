//! One process's worth of resources, made once and shared by every table it compares: the tokio runtime
//! that database reads and DataFusion run on, the rayon pool that reads and hashes, the memory limit and
//! how each table's share of it is divided, the spill directory and the progress lines.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::spec::SessionSpec;

pub struct Session {
    runtime: tokio::runtime::Runtime,
    pool: rayon::ThreadPool,
    pub memory_limit: u64,
    /// This run's own directory inside `--spill-dir` (`spill_dir` is its path), where every spill file goes:
    /// removed with the session, or by the binary's signal handler before it exits, so that no run leaves
    /// spill files behind.
    _spill: tempfile::TempDir,
    pub spill_dir: PathBuf,
    pub progress: Progress,
}

impl Session {
    pub fn new(spec: &SessionSpec, progress: Progress) -> Result<Session> {
        // Without a count, rayon takes RAYON_NUM_THREADS or one thread per core.
        let mut pool = rayon::ThreadPoolBuilder::new().thread_name(|i| format!("recon-{i}"));
        if let Some(threads) = spec.threads {
            pool = pool.num_threads(threads);
        }
        let pool = pool.build().map_err(|e| Error::internal(format!("cannot start worker threads: {e}")))?;
        // Database drivers wait on the network and DataFusion classifies small residues: as many workers as
        // rayon's threads, which do the heavy work.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(pool.current_num_threads().max(1))
            .thread_name("recon-io")
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("cannot start the async runtime: {e}")))?;
        // Checked now, not when the first spill fails deep inside DataFusion without naming the directory.
        std::fs::read_dir(&spec.spill_dir).map_err(|e| Error::spill(&spec.spill_dir, e))?;
        let spill = tempfile::Builder::new()
            .prefix(crate::error::SPILL_PREFIX)
            .tempdir_in(&spec.spill_dir)
            .map_err(|e| Error::spill(&spec.spill_dir, e))?;
        let spill_dir = spill.path().to_path_buf();
        Ok(Session { runtime, pool, memory_limit: spec.memory_limit, _spill: spill, spill_dir, progress })
    }

    /// The runtime database reads and DataFusion run on.
    pub fn runtime(&self) -> &tokio::runtime::Handle {
        self.runtime.handle()
    }

    /// Runs `work` on the session's worker threads: rayon's `par_iter` and `join` inside it use them.
    pub fn run<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        self.pool.install(work)
    }

    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// The memory one table may use while `tables_at_once` tables are compared together.
    pub fn table_memory(&self, tables_at_once: usize) -> Memory {
        Memory::of(self.memory_limit / tables_at_once.max(1) as u64)
    }
}

/// One table's share of the memory limit and how it is divided among the stages that hold data. The only
/// place these fractions are decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// The table's whole share.
    pub table: u64,
    /// Row digests each side keeps in memory (40 bytes a row) before spilling the rest to disk.
    pub digests_per_side: u64,
    /// The residue of differing buckets classified at a time: its digests, DataFusion's copy of them and
    /// its hash tables, about [`Memory::RESIDUE_ROW_BYTES`] a row.
    pub classify: u64,
    /// DataFusion's own memory pool, bounded; at least [`Memory::DATAFUSION_FLOOR`], below which its
    /// operators cannot make progress even on a few rows.
    pub datafusion: u64,
    /// Mismatched rows read back and compared value by value, both sides' canonical values.
    pub readback: u64,
    /// One file's records (both sides) in the column pass that runs when too many rows differ to read back.
    pub column_pass: u64,
    /// A two-pass run's first pass: both sides' bucket fingerprints (32 bytes a bucket and side).
    pub fingerprints: u64,
    /// A two-pass run's first pass: the source's key hashes kept in memory (8 bytes a row) before spilling.
    pub key_hashes: u64,
}

impl Memory {
    pub const RESIDUE_ROW_BYTES: u64 = 200;
    pub const DATAFUSION_FLOOR: u64 = 64 << 20;

    /// Digests may take half the share, a quarter a side; the residue an eighth, the read-back a quarter. A
    /// two-pass run's first pass holds no digests: its fingerprints take a quarter, its key hashes another.
    pub fn of(table: u64) -> Memory {
        Memory {
            table,
            digests_per_side: table / 4,
            classify: table / 8,
            datafusion: (table / 8).max(Memory::DATAFUSION_FLOOR),
            readback: table / 4,
            column_pass: table / 8,
            fingerprints: table / 4,
            key_hashes: table / 4,
        }
    }
}
