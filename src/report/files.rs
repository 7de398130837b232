//! Files a run writes beside its report — each whole or not at all — and the checks, made before any row is
//! read, that each can be written where it was asked for.

use std::path::Path;
use std::sync::RwLock;

use crate::error::{Error, Result};

/// Held (shared) by every write in progress; taken whole by [`stop_writing`].
static WRITING: RwLock<()> = RwLock::new(());

/// Writes a file through a temporary sibling renamed into place, so readers see all of it or none of it.
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>) -> Result<()> {
    let _writing = WRITING.read().unwrap_or_else(|e| e.into_inner());
    let dir = directory_of(path);
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(path, without_temp_name(e)))?;
    write(temp.as_file_mut()).and_then(|_| temp.as_file().sync_all()).map_err(|e| Error::io(path, e))?;
    temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Waits for the writes in progress to end and lets no other begin: a process about to exit on a signal leaves
/// no temporary file behind, and every file it wrote is whole.
pub fn stop_writing() {
    std::mem::forget(WRITING.write().unwrap_or_else(|e| e.into_inner()));
}

/// The directory a file goes in (`.` for a bare file name).
pub(super) fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Checks, before any row is read, that [`write_atomically`] can write the file `path` that `setting` names:
/// `path` is no directory and its directory takes a new file. Nothing is left behind.
pub fn check_file(setting: &str, path: &Path) -> Result<()> {
    let refuse = |message: String| Error::setting(setting, format!("{}: {message}", path.display()));
    if path.is_dir() {
        return Err(refuse("is a directory: name a file".into()));
    }
    takes_files(directory_of(path)).map_err(refuse)
}

/// Checks, before any row is read, that the directory `dir` that `setting` names can be made (if it is not
/// there) and written: it, or else its nearest existing ancestor, is a directory that takes a new file. Nothing
/// is made or left behind.
pub fn check_directory(setting: &str, dir: &Path) -> Result<()> {
    let refuse = |message: String| Error::setting(setting, format!("{}: {message}", dir.display()));
    let existing = dir.ancestors().find(|a| a.as_os_str().is_empty() || a.exists()).unwrap_or(dir);
    takes_files(if existing.as_os_str().is_empty() { Path::new(".") } else { existing }).map_err(refuse)
}

/// Whether a new file can be made in `dir`: tried with a temporary file, removed at once.
fn takes_files(dir: &Path) -> std::result::Result<(), String> {
    if !dir.exists() {
        return Err(format!("there is no directory {}", dir.display()));
    }
    if !dir.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    tempfile::NamedTempFile::new_in(dir)
        .map(drop)
        .map_err(|e| format!("cannot write in {}: {}", dir.display(), without_temp_name(e)))
}

/// tempfile's errors name its random temporary file (`… at path "/dir/.tmpAbC123"`, tempfile 3's `PathError`,
/// whose cause it does not expose); the message should name only the file asked for.
fn without_temp_name(e: std::io::Error) -> std::io::Error {
    match e.to_string().rsplit_once(" at path ") {
        Some((cause, _)) => std::io::Error::new(e.kind(), cause.to_string()),
        None => e,
    }
}
