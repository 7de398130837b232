//! Files, wherever they are stored: a path on this machine, or an object store URL (`s3://`, `gs://`, `az://`,
//! `abfss://`, `https://`); each a file, a directory or prefix, or a glob, and for a Delta table a version or
//! time after the last `/` (`orders@12`, `orders@2026-11-01T00:00:00Z`).

use super::Kind;
use crate::error::{Error, Result};

/// Files in one store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    pub store: Store,
    /// Where in the store: a local path as written (relative or absolute; a directory may end with `/`), or an
    /// object key or prefix without its leading `/`. A version suffix is not part of it.
    pub path: String,
    /// `path` holds a wildcard (`*`, `?`, `[`).
    pub glob: bool,
    /// The Delta table version or time asked for.
    pub version: Option<Version>,
}

/// Where files are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    /// This machine's file system.
    Local,
    S3 {
        bucket: String,
    },
    Gcs {
        bucket: String,
    },
    /// Azure Blob Storage or ADLS Gen2; `abfss://container@account.dfs.core.windows.net` names the account.
    Azure {
        container: String,
        account: Option<String>,
    },
    /// A server answering HTTP(S) ranged GETs: scheme and authority.
    Http {
        origin: String,
    },
}

/// A Delta table's version (`@12`) or the time it is read as of (`@2026-11-01T00:00:00Z`, RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    Number(u64),
    Time(String),
}

/// A path on this machine.
pub(super) fn parse_path(text: &str) -> Kind {
    let (path, version) = split_version(text);
    Kind::Files(Files { store: Store::Local, glob: is_glob(path), path: path.to_string(), version })
}

/// The files an object store URL names, if `scheme` is a store's.
pub(super) fn parse_url(text: &str, scheme: &str) -> Option<Result<Kind>> {
    let rest = &text[scheme.len() + 3..];
    let (authority, key) = rest.split_once('/').unwrap_or((rest, ""));
    let store = match scheme {
        "s3" => Store::S3 { bucket: authority.to_string() },
        "gs" => Store::Gcs { bucket: authority.to_string() },
        "az" => Store::Azure { container: authority.to_string(), account: None },
        "abfss" => match authority.split_once('@') {
            Some((container, host)) if !container.is_empty() && !host.is_empty() => {
                let account = host.split('.').next().unwrap_or(host);
                Store::Azure { container: container.to_string(), account: Some(account.to_string()) }
            }
            _ => return Some(Err(Error::input(text, "abfss:// names container@account.dfs.core.windows.net"))),
        },
        "https" | "http" => Store::Http { origin: format!("{scheme}://{authority}") },
        _ => return None,
    };
    if authority.is_empty() {
        let missing = if matches!(store, Store::Http { .. }) { "host" } else { "bucket" };
        return Some(Err(Error::input(text, format!("{scheme}:// names no {missing}"))));
    }
    let (path, version) = split_version(key);
    Some(Ok(Kind::Files(Files { store, glob: is_glob(path), path: path.to_string(), version })))
}

fn is_glob(path: &str) -> bool {
    path.contains(['*', '?', '['])
}

/// Splits a version suffix off the last path segment: `@` followed by a number or an RFC 3339 time. Any other
/// `@` (a file name's, a URL's user or container) stays in the path.
fn split_version(path: &str) -> (&str, Option<Version>) {
    let last = path.rfind('/').map_or(0, |slash| slash + 1);
    let Some(at) = path[last..].rfind('@').map(|at| last + at) else { return (path, None) };
    let (name, suffix) = (&path[..at], &path[at + 1..]);
    if at == last {
        return (path, None);
    }
    let version = if !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()) {
        suffix.parse().ok().map(Version::Number)
    } else {
        chrono::DateTime::parse_from_rfc3339(suffix).ok().map(|_| Version::Time(suffix.to_string()))
    };
    match version {
        Some(version) => (name, Some(version)),
        None => (path, None),
    }
}
