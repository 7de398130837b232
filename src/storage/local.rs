//! This machine's file system as an object store (`object_store`'s `LocalFileSystem`): paths as the user writes
//! them, relative to the working directory or absolute, mapped to the store's absolute paths.

use std::fmt;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore, ObjectStoreExt,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
};

use super::{error, Dir, Kind, Place, Storage, StoreFile};
use crate::error::{Error, Result};

pub(super) fn open() -> Storage {
    Storage { store: Arc::new(LocalFiles(LocalFileSystem::new())), kind: Kind::Local }
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

/// `LocalFileSystem` with ranged reads that fill each buffer straight from the file, where its own zero the
/// buffer first. On the lineitem SF1 pair (interleaved runs, median user CPU) that zeroing cost 2% of a Parquet
/// diff (2.03 s against 1.99 s) and 2% of a CSV diff (5.49 s against 5.37 s). Everything else is
/// `LocalFileSystem`'s.
#[derive(Debug)]
struct LocalFiles(LocalFileSystem);

impl fmt::Display for LocalFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[async_trait::async_trait]
impl ObjectStore for LocalFiles {
    async fn get_ranges(&self, location: &StorePath, ranges: &[Range<u64>]) -> object_store::Result<Vec<Bytes>> {
        let path = self.0.path_to_filesystem(location)?;
        let failed = |source: std::io::Error| match source.kind() {
            std::io::ErrorKind::NotFound => {
                object_store::Error::NotFound { path: path.display().to_string(), source: Box::new(source) }
            }
            _ => object_store::Error::Generic { store: "LocalFileSystem", source: Box::new(source) },
        };
        let mut file = std::fs::File::open(&path).map_err(failed)?;
        let mut read = Vec::with_capacity(ranges.len());
        for range in ranges {
            file.seek(SeekFrom::Start(range.start)).map_err(failed)?;
            let mut bytes = Vec::with_capacity((range.end - range.start) as usize);
            (&mut file).take(range.end - range.start).read_to_end(&mut bytes).map_err(failed)?;
            read.push(Bytes::from(bytes));
        }
        Ok(read)
    }

    async fn put_opts(
        &self,
        location: &StorePath,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        self.0.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &StorePath,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.0.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &StorePath, options: GetOptions) -> object_store::Result<GetResult> {
        self.0.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<StorePath>>,
    ) -> BoxStream<'static, object_store::Result<StorePath>> {
        self.0.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&StorePath>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.0.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&StorePath>) -> object_store::Result<ListResult> {
        self.0.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &StorePath, to: &StorePath, options: CopyOptions) -> object_store::Result<()> {
        self.0.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &StorePath, to: &StorePath, options: RenameOptions) -> object_store::Result<()> {
        self.0.rename_opts(from, to, options).await
    }
}
