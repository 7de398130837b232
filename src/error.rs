//! One error type for the whole pipeline, so every failure names the file, column, row or setting at fault
//! and maps to exit code 2.

use std::path::PathBuf;

/// Everything that stops an audit before it reaches a verdict.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A config file that cannot be used as written: the place and what is wrong there.
    #[error("{file}:{line}:{column}: {message}")]
    Config { file: PathBuf, line: usize, column: usize, message: String },

    /// A command-line value that cannot be used as given.
    #[error("{setting}: {message}")]
    Setting { setting: String, message: String },

    /// A file or directory that cannot be opened, listed or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Input that was read but cannot be used: no files, no header, a schema that differs between files.
    #[error("{location}: {message}")]
    Input { location: String, message: String },

    /// Arrow failed to decode or convert data from `location` (a file, or `file: column c`).
    #[error("{location}: {source}")]
    Arrow {
        location: String,
        #[source]
        source: arrow::error::ArrowError,
    },

    /// A Parquet file is corrupt or uses something the reader does not support.
    #[error("{location}: {source}")]
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

    /// Spilling to, or reading back from, the temporary files that keep memory bounded.
    #[error("spill file in {dir}: {source}")]
    Spill {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// DataFusion failed while classifying digests; this is recon's fault, not the input's.
    #[error("classifying keys: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),

    /// Something recon itself relies on broke: a runtime that would not start, an invariant that did not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn setting(setting: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Setting { setting: setting.into(), message: message.into() }
    }

    pub fn input(location: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Input { location: location.into(), message: message.into() }
    }

    pub fn column(column: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Column { column: column.into(), message: message.into() }
    }

    pub fn database(location: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Database { location: location.into(), message: message.into() }
    }

    pub fn spill(dir: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Spill { dir: dir.into(), source }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal(message.into())
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    pub fn arrow(location: impl Into<String>, source: arrow::error::ArrowError) -> Self {
        Error::Arrow { location: location.into(), source }
    }

    pub fn parquet(location: impl Into<String>, source: parquet::errors::ParquetError) -> Self {
        Error::Parquet { location: location.into(), source }
    }
}
