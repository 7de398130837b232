//! This machine's file system as an object store (`object_store`'s `LocalFileSystem`): paths as the user writes
//! them, relative to the working directory or absolute, mapped to the store's absolute paths.

use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::ObjectStoreExt;

use super::{error, Dir, Kind, Place, Storage, StoreFile};
use crate::error::{Error, Result};

pub(super) fn open() -> Storage {
    Storage { store: Arc::new(LocalFileSystem::new()), kind: Kind::Local }
}

/// A file or a directory, as the file system says; a path that is neither is its error.
pub(super) fn place(storage: &Storage, name: &str) -> Result<Place> {
    let metadata = std::fs::metadata(name).map_err(|e| Error::io(name, e))?;
    if metadata.is_dir() {
        return Ok(Place::Dir(dir(name)?));
    }
    let path = store_path(name)?;
    let meta = storage.wait(storage.store.head(&path)).map_err(|e| error(name, e))?;
    Ok(Place::File(StoreFile { path, name: name.to_string(), size: meta.size }))
}

/// A directory as written (empty for the working directory).
pub(super) fn dir(name: &str) -> Result<Dir> {
    Ok(Dir { path: store_path(if name.is_empty() { "." } else { name })?, name: name.to_string() })
}

/// The store's path of a local path: absolute, from the working directory.
fn store_path(name: &str) -> Result<StorePath> {
    let absolute = std::path::absolute(name).map_err(|e| Error::io(name, e))?;
    StorePath::from_absolute_path(&absolute).map_err(|e| Error::input(name, format!("not a path recon can read: {e}")))
}
