//! One error type for the whole pipeline, so every failure names the file, column, row or setting at fault
//! and maps to exit code 2. Every text an error carries is masked (`secrets::mask`) when the error is built,
//! and the errors of other libraries when shown: an error may name a location that holds a password.

use std::path::Path;

use crate::secrets::mask;

/// Everything that stops an audit before it reaches a verdict.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A config file that cannot be used as written: the place and what is wrong there.
    #[error("{file}:{line}:{column}: {message}")]
    Config { file: String, line: usize, column: usize, message: String },

    /// A command-line value that cannot be used as given.
    #[error("{setting}: {message}")]
    Setting { setting: String, message: String },

    /// A file or directory that cannot be opened, listed or written.
    #[error("{path}: {}", mask(&.source.to_string()))]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// Input that was read but cannot be used: no files, no header, a schema that differs between files.
    #[error("{location}: {message}")]
    Input { location: String, message: String },

    /// Arrow failed to decode or convert data from `location` (a file, or `file: column c`).
    #[error("{location}: {}", mask(&.source.to_string()))]
    Arrow {
        location: String,
        #[source]
        source: arrow::error::ArrowError,
    },

    /// A Parquet file is corrupt or uses something the reader does not support.
    #[error("{location}: {}", mask(&.source.to_string()))]
    Parquet {
        location: String,
        #[source]
        source: parquet::errors::ParquetError,
    },

    /// A column that cannot be resolved or compared.
    #[error("column {column}: {message}")]
    Column { column: String, message: String },

    /// A database refused or failed a request; `location` is masked and `message` carries no credentials.
    #[error("{location}: {message}")]
    Database { location: String, message: String },

    /// A database connection lost mid-way: the server restarted or shut down, the session was killed, or the
    /// audit's exported snapshot went with the connection that held it. Reading the table again, in a fresh
    /// snapshot, may succeed (`--retries`).
    #[error("{location}: {message}")]
    Disconnected { location: String, message: String },

    /// A store (the local file system, an object store) failed to list or read `location`.
    #[error("{location}: {}", mask(&.source.to_string()))]
    Storage {
        location: String,
        #[source]
        source: object_store::Error,
    },

    /// Spilling to, or reading back from, the temporary files that keep memory bounded.
    #[error("spill file in {dir}: {}", mask(&.source.to_string()))]
    Spill {
        dir: String,
        #[source]
        source: std::io::Error,
    },

    /// The spill directory holds less free space than the chosen strategy needs: said before reading.
    #[error("spill directory {dir}: {message}")]
    SpillSpace { dir: String, message: String },

    /// A Ballista cluster (`--cluster`) that could not be reached or whose job failed: the scheduler's address and
    /// what failed there (an executor's error names the file or setting it failed on).
    #[error("cluster {scheduler}: {message}")]
    Cluster { scheduler: String, message: String },

    /// DataFusion failed while classifying digests; this is recon's fault, not the input's.
    #[error("classifying keys: {}", mask(&.0.to_string()))]
    DataFusion(#[from] datafusion::error::DataFusionError),

    /// Something recon itself relies on broke: a runtime that would not start, an invariant that did not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn config(file: &Path, line: usize, column: usize, message: impl AsRef<str>) -> Self {
        Error::Config { file: shown(file), line, column, message: mask(message.as_ref()) }
    }

    pub fn setting(setting: impl AsRef<str>, message: impl AsRef<str>) -> Self {
        Error::Setting { setting: mask(setting.as_ref()), message: mask(message.as_ref()) }
    }

    pub fn input(location: impl AsRef<str>, message: impl AsRef<str>) -> Self {
        Error::Input { location: mask(location.as_ref()), message: mask(message.as_ref()) }
    }

    pub fn column(column: impl AsRef<str>, message: impl AsRef<str>) -> Self {
        Error::Column { column: mask(column.as_ref()), message: mask(message.as_ref()) }
    }

    pub fn database(location: impl AsRef<str>, message: impl AsRef<str>) -> Self {
        Error::Database { location: mask(location.as_ref()), message: mask(message.as_ref()) }
    }

    pub fn disconnected(location: impl AsRef<str>, message: impl AsRef<str>) -> Self {
        Error::Disconnected { location: mask(location.as_ref()), message: mask(message.as_ref()) }
    }

    /// Whether the failure was a lost connection, which a fresh read of the table may not meet again.
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Error::Disconnected { .. })
    }

    pub fn storage(location: impl AsRef<str>, source: object_store::Error) -> Self {
        Error::Storage { location: mask(location.as_ref()), source }
    }

    /// A spill failure in `dir`, named as the user gave it: a run's own directory inside it (see
    /// [`SPILL_PREFIX`]) is gone after the run.
    pub fn spill(dir: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Spill { dir: spill_shown(dir.as_ref()), source }
    }

    /// Too little free space in the spill directory `dir` (named as [`Error::spill`] names it).
    pub fn spill_space(dir: impl AsRef<Path>, message: impl AsRef<str>) -> Self {
        Error::SpillSpace { dir: spill_shown(dir.as_ref()), message: mask(message.as_ref()) }
    }

    pub fn cluster(scheduler: impl AsRef<str>, message: impl AsRef<str>) -> Self {
        Error::Cluster { scheduler: mask(scheduler.as_ref()), message: mask(message.as_ref()) }
    }

    pub fn internal(message: impl AsRef<str>) -> Self {
        Error::Internal(mask(message.as_ref()))
    }

    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io { path: shown(path.as_ref()), source }
    }

    pub fn arrow(location: impl AsRef<str>, source: arrow::error::ArrowError) -> Self {
        Error::Arrow { location: mask(location.as_ref()), source }
    }

    pub fn parquet(location: impl AsRef<str>, source: parquet::errors::ParquetError) -> Self {
        Error::Parquet { location: mask(location.as_ref()), source }
    }
}

/// How a run's own spill directory inside `--spill-dir` begins (`Session` makes it).
pub const SPILL_PREFIX: &str = ".recon-spill-";

/// A spill directory as the user gave it: a run's own directory inside it (see [`SPILL_PREFIX`]) is gone
/// after the run.
fn spill_shown(dir: &Path) -> String {
    let run_own = dir.file_name().is_some_and(|name| name.to_string_lossy().starts_with(SPILL_PREFIX));
    shown(dir.parent().filter(|_| run_own).unwrap_or(dir))
}

/// A path as an error shows it.
fn shown(path: &Path) -> String {
    mask(&path.display().to_string())
}
