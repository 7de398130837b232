//! `--state DIR`: each finished table's report entry, kept in a file of its own written whole or not at all,
//! with a hash of the settings it was made under. A rerun with the same DIR reports a table from there when
//! its settings are the same and it did not end in error; anything else is compared again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::digest::encode::ENCODING_VERSION;
use crate::error::{Error, Result};
use crate::finding::TableStatus;
use crate::report::audit::TableEntry;
use crate::report::write_atomically;
use crate::spec::TableSpec;

/// The state directory, or none, and the lock that keeps a second audit out of it while this one runs.
pub(crate) struct State {
    dir: Option<PathBuf>,
    _lock: Option<std::fs::File>,
}

/// The file in a state directory that an audit holds locked while it runs; it says which process holds it.
const LOCK: &str = ".recon.lock";

#[derive(Serialize, Deserialize)]
struct Kept {
    settings: String,
    entry: TableEntry,
}

impl State {
    /// Opens (and makes) the directory and locks it: a second audit on it stops with exit 2 naming the
    /// process that holds it. The operating system releases the lock when the process ends, however it ends.
    pub(crate) fn open(dir: Option<&Path>) -> Result<State> {
        let Some(dir) = dir else { return Ok(State { dir: None, _lock: None }) };
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        Ok(State { dir: Some(dir.to_path_buf()), _lock: Some(lock(dir)?) })
    }

    /// The entry kept for `table` under the same `settings`, unless it ended in error. A file that cannot be
    /// read or parsed counts as not kept: the table is compared again and its file rewritten.
    pub(crate) fn finished(&self, table: &str, settings: &str) -> Option<TableEntry> {
        let path = self.dir.as_ref()?.join(format!("{}.json", file_name(table)));
        let kept: Kept = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
        (kept.settings == settings && kept.entry.status != TableStatus::Error).then_some(kept.entry)
    }

    pub(crate) fn keep(&self, table: &str, settings: &str, entry: &TableEntry) -> Result<()> {
        let Some(dir) = &self.dir else { return Ok(()) };
        let kept = Kept { settings: settings.to_string(), entry: entry.clone() };
        let json = serde_json::to_vec(&kept).map_err(|e| Error::internal(format!("state: {e}")))?;
        write_atomically(&dir.join(format!("{}.json", file_name(table))), |file| std::io::Write::write_all(file, &json))
    }
}

/// Takes `dir`'s lock file and writes this process into it, or says who holds it.
fn lock(dir: &Path) -> Result<std::fs::File> {
    use std::io::{Read, Seek, Write};
    let path = dir.join(LOCK);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = Some(holder.trim()).filter(|h| !h.is_empty()).unwrap_or("another process");
            return Err(Error::setting(
                "--state",
                format!(
                    "{} is in use by another recon audit ({holder}): wait for it to end, or give another directory",
                    dir.display()
                ),
            ));
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
    }
    let me = format!("process {}, started {}", std::process::id(), chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"));
    let written = file.set_len(0).and_then(|_| file.rewind()).and_then(|_| file.write_all(me.as_bytes()));
    written.map_err(|e| Error::io(&path, e))?;
    Ok(file)
}

/// A table's name as a file name: characters that are not letters, digits, `_`, `-` or `.` as `%XX`, so two
/// tables never share a file and none escapes the directory.
pub(crate) fn file_name(table: &str) -> String {
    let mut out = String::with_capacity(table.len());
    for byte in table.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' => out.push(byte as char),
            b'.' if !out.is_empty() => out.push('.'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// What a table's kept report is valid for: recon's version, the encoding, and every setting of the table's
/// spec (locations masked, so no password is hashed into the file).
pub(crate) fn settings_hash(spec: &TableSpec) -> String {
    let mut masked = spec.clone();
    // Where a setting was written does not change what it does.
    masked.origins = Default::default();
    // The options the spec was resolved from are in its other fields already (with outputs and resources that
    // change nothing compared); where the fingerprints run changes nothing either.
    masked.options = Default::default();
    masked.cluster = None;
    // A location's `Debug` is masked.
    for side in masked.sides.as_mut().into_array() {
        side.snapshot = None;
    }
    let text = format!("{} {ENCODING_VERSION} {masked:?}", env!("CARGO_PKG_VERSION"));
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_become_safe_distinct_file_names() {
        assert_eq!(file_name("orders"), "orders");
        assert_eq!(file_name("odd.name"), "odd.name");
        assert_eq!(file_name("../etc"), "%2E.%2Fetc");
        assert_eq!(file_name("a b/c"), "a%20b%2Fc");
        assert_ne!(file_name("Orders"), file_name("orders"));
    }
}
