//! recon proves a data migration moved every row.
//!
//! A comparison is described by a [`spec::TableSpec`] (plain data: sides, key, columns, policy, budgets,
//! sampling), run in a [`session::Session`] (one runtime, one thread pool, one memory limit, shared by every
//! table), and returns an [`Outcome`]: the [`report::Report`] and the findings behind it. The pipeline, one
//! module per stage, each importing only the stages above it in this list:
//!
//! 0. [`secrets`] (what is never shown, masked in everything that is), [`error`], [`spelling`] ("did you
//!    mean" in errors), [`side`], [`spec`] (options by layer → specs), [`sample`], [`terminal`] (colour,
//!    width), [`progress`]: shared vocabulary;
//!    [`session`]: the process's resources;
//! 1. [`normalize`] casts every key and compared column to one canonical form per column pair — the
//!    equivalence policy;
//! 2. [`source`] reads each side (Parquet, CSV, Arrow IPC, PostgreSQL, MySQL/MariaDB, SQLite) as streams of
//!    Arrow batches, split into units that threads read independently;
//! 3. [`digest`] encodes each canonical value (type tag, payload; strings length-prefixed) into its row's
//!    slot, hashes each row once with xxh3-128, and keeps 40 bytes per row; both sides in one parallel pass;
//! 4. [`plan`] resolves a spec against the opened sources: columns matched, canonical forms chosen, the
//!    sample pushed down;
//! 5. [`compare`] fingerprints key-hash buckets (row count + 128-bit wrapping sum of row hashes), sends the
//!    buckets that differ to DataFusion (anti-joins, duplicate counts, row-hash mismatches), and reads back
//!    the few rows it must show to tell which columns differ (with `--repair-sql`, every finding's rows, raw);
//! 6. [`report`] builds one [`report::Report`] with its verdict against per-category budgets, and holds the
//!    writers that render it (terminal table, JSON, `--diff-out` Parquet, the `--repair-sql` script);
//! 7. [`history`] keeps runs and findings over time in a SQLite file; [`engine`] runs one table's passes —
//!    once, or (with history, rechecks, a window by change time or a key list) narrowed to some keys, read
//!    again in fresh snapshots, and matched against the findings still open.
//!
//! Where new things go: a new output format is a writer in `report/`; a new source is a reader in `source/`
//! behind [`source::Dataset`]; a new comparison tier is a step in `compare/` between the fingerprints and
//! the row tier. The command line (`cli/`) only turns arguments into specs; `main.rs` maps outcomes to exit
//! codes.

pub mod audit;
pub mod cli;
pub mod compare;
pub mod digest;
pub mod engine;
pub mod error;
pub mod history;
pub mod normalize;
pub mod plan;
pub mod profile;
pub mod progress;
pub mod report;
pub mod sample;
pub mod secrets;
pub mod session;
pub mod side;
pub mod source;
pub mod spec;
pub mod spelling;
pub mod terminal;

pub use engine::{diff, Outcome};

/// How many keys a sample needs to prove a defect rate below `budget` (a share, 0 < budget < 1) at
/// `confidence`.
pub fn sample_size(budget: f64, confidence: f64) -> u64 {
    sample::size_for(budget, confidence)
}
