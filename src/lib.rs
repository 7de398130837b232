//! recon proves a data migration moved every row.
//!
//! A comparison is described by a [`spec::TableSpec`] (plain data: sides, key, columns, policy, budgets,
//! sampling), run in a [`session::Session`] (one runtime, one thread pool, one memory limit, shared by every
//! table), and returns an [`Outcome`]: the [`report::Report`] and the findings behind it. The data flows
//! ① source → ② normalize → ③ digest → ④ compare → ⑤ explain → ⑥ report (each stage's module header carries
//! its number); the modules, one per stage, each importing only those above it in this list (DESIGN.md,
//! "Stages"):
//!
//! 0. [`secrets`] (what is never shown, masked in everything that is), [`spelling`] ("did you mean" in
//!    errors), [`error`], [`terminal`] (colour, width), `vocabulary` (one declaration form for closed
//!    vocabularies), [`side`], [`finding`] (the findings' words: categories, causes, checks, statuses),
//!    [`location`] (where a side's rows live, parsed once), [`spec`] (options by layer → specs), [`sample`],
//!    [`progress`]: shared vocabulary;
//!    [`session`]: the process's resources;
//! 1. [`normalize`] ② casts every key and compared column to one canonical form per column pair — the
//!    equivalence policy;
//! 2. [`source`] ① reads each side (Parquet, CSV, Arrow IPC, PostgreSQL, MySQL/MariaDB, SQLite) as streams of
//!    Arrow batches, split into units that threads read independently, files through [`storage`] (every read
//!    and listing through an `object_store` store);
//! 3. [`digest`] ③ encodes each canonical value (type tag, payload; strings length-prefixed) into its row's
//!    slot, hashes each row once with xxh3-128, and keeps 40 bytes per row; both sides in one parallel pass;
//! 4. [`plan`] resolves a spec against the opened sources: columns matched, canonical forms chosen, the
//!    sample pushed down;
//! 5. [`compare`] ④ fingerprints key-hash buckets (row count + 128-bit wrapping sum of row hashes), sends the
//!    buckets that differ to DataFusion (anti-joins, duplicate counts, row-hash mismatches), and reads back
//!    the few rows it must show to tell which columns differ (with `--repair-sql`, every finding's rows, raw);
//!    it hands every differing value pair to the explanations through [`compare::Observer`];
//! 6. [`explain`] ⑤ says why each pair differs and which option would reconcile a column's mismatches, each kind
//!    of option a trial proved on exactly those pairs, and which columns were renamed;
//!    [`profile`] computes both sides' column profiles where the data is (one aggregate statement per table in
//!    a database, DataFusion over files) and compares them under the policy: the quick look before the proof;
//! 7. [`report`] ⑥ builds one [`report::Report`], judges its verdict against the budgets, and holds the
//!    writers that render it (terminal table, JSON, HTML, JUnit, Markdown, `--diff-out` Parquet, the
//!    `--repair-sql` script) over one view of a run and one wording;
//! 8. [`history`] keeps runs and findings over time in a SQLite file (the findings' lifecycle and a run's
//!    identity as pure functions); [`engine`] runs one table's passes — once, or (with history, rechecks, a
//!    window by change time or a key list) narrowed to some keys, read again in fresh snapshots, and matched
//!    against the findings still open; with `--cluster` (feature `cluster`, `engine::cluster`), the fingerprints
//!    of file sides run as DataFusion plans on a Ballista cluster of `recon scheduler` and `recon executor` nodes;
//! 9. [`audit`] compares many tables into one report; [`cli`] only turns arguments into specs.
//!
//! Where new things go: a new kind of location (a URL scheme, a connection form) is a file in `location/` that
//! parses its form, listed in [`location::Location::parse`]; a new store (S3, GCS, Azure, HTTP) is a file in
//! `storage/` that builds its `object_store::ObjectStore`, listed in [`storage::Storage::open`]; a new source is
//! a file in `source/` implementing its reader trait and declaring its [`source::Capabilities`] (what it
//! narrows, filters, samples, splits and reads again itself), picked in [`source::Dataset::open`]. A new output
//! format is a writer in `report/`; a new comparison tier is a step in `compare/` between the fingerprints and
//! the row tier; a new option to suggest is a trial in `explain/`. The library returns errors and outcomes;
//! `main.rs` alone maps them to exit codes and ends the process.

pub mod audit;
pub mod cli;
pub mod compare;
pub mod digest;
pub mod engine;
pub mod error;
pub mod explain;
pub mod finding;
pub mod history;
pub mod location;
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
pub mod storage;
pub mod terminal;
mod vocabulary;

pub use engine::{diff, Outcome};

/// How many keys a sample needs to prove a defect rate below `budget` (a share, 0 < budget < 1) at
/// `confidence`.
pub fn sample_size(budget: f64, confidence: f64) -> u64 {
    sample::size_for(budget, confidence)
}
