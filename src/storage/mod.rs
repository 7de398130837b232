//! Where files are read from: every file read and every directory listing of a location goes through an
//! `object_store` [`ObjectStore`], so that readers never touch `std::fs` and a file format read from this
//! machine reads the same from any store: the local file system, S3 and S3-compatible stores, Google Cloud
//! Storage, Azure Blob Storage, and single files over HTTP(S).
//!
//! A new store is a new file here that builds its `ObjectStore` from a [`Store`] and the side's storage
//! options, and one line in [`Storage::open`].

mod aws_profile;
mod local;
mod pinned;
mod remote;

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::error::{Error, Result};
use crate::location::{Files, Location, Store};

/// The store a location's files are in, opened.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Local,
    /// A store over the network: its objects' names start with `prefix` (`s3://bucket/`), and its requests
    /// run on `runtime`.
    Remote {
        prefix: String,
        runtime: &'static tokio::runtime::Runtime,
    },
}

/// One file of a location: where the store keeps it, what messages call it, and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreFile {
    pub path: StorePath,
    /// The file as the user would write it: the location's directory or glob prefix, then the file's name.
    pub name: String,
    pub size: u64,
}

/// A directory (a prefix, in an object store) of a location.
#[derive(Debug, Clone)]
pub struct Dir {
    path: StorePath,
    /// As the user would write it.
    pub name: String,
}

/// What a directory holds directly: its files and its subdirectories, each sorted by name.
#[derive(Debug, Default)]
pub struct Entries {
    pub files: Vec<StoreFile>,
    pub dirs: Vec<Dir>,
}

/// What a path names: one file, or a directory of files.
#[derive(Debug)]
pub enum Place {
    File(StoreFile),
    Dir(Dir),
}

impl Storage {
    /// The store `files` live in, opened with `options` (the side's `KEY=VALUE` storage options); a store
    /// this build cannot open is an error naming `location`'s form.
    pub fn open(location: &Location, files: &Files, options: &[(String, String)]) -> Result<Storage> {
        match &files.store {
            Store::Local if options.is_empty() => Ok(local::open()),
            Store::Local => Err(Error::setting(
                "--source-storage-option/--target-storage-option",
                format!("{location} is on this machine: storage options are for object stores (s3://, gs://, az://, abfss://, https://)"),
            )),
            store => remote::open(store, options),
        }
    }

    /// What `name` (a path as written, without wildcards) names: a file or a directory.
    pub fn place(&self, name: &str) -> Result<Place> {
        match &self.kind {
            Kind::Local => local::place(self, name),
            Kind::Remote { prefix, .. } => remote::place(self, prefix, name),
        }
    }

    /// The directory `name` (as written) names, whether or not it exists.
    pub fn dir(&self, name: &str) -> Result<Dir> {
        match &self.kind {
            Kind::Local => local::dir(name),
            Kind::Remote { prefix, .. } => Ok(remote::dir(prefix, name)),
        }
    }

    /// The files and subdirectories directly in `dir`, sorted by name; none if it does not exist.
    pub fn entries(&self, dir: &Dir) -> Result<Entries> {
        let listed = self.wait(self.store.list_with_delimiter(Some(&dir.path))).map_err(|e| error(&dir.name, e))?;
        let mut entries = Entries::default();
        for object in listed.objects {
            let Some(file_name) = object.location.filename() else { continue };
            let name = join(&dir.name, file_name);
            entries.files.push(StoreFile { name, path: object.location.clone(), size: object.size });
        }
        for prefix in listed.common_prefixes {
            let Some(dir_name) = prefix.filename() else { continue };
            entries.dirs.push(Dir { name: join(&dir.name, dir_name) + "/", path: prefix.clone() });
        }
        entries.files.sort_by(|a, b| a.name.cmp(&b.name));
        entries.dirs.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    /// The files whose paths match `pattern` (a glob: `*` and `?` within a name, `[…]` classes, `**` for any
    /// directories), sorted by name, named as the pattern writes their directory.
    pub fn glob(&self, pattern: &str) -> Result<Vec<StoreFile>> {
        let pattern = match &self.kind {
            Kind::Remote { prefix, .. } if !pattern.starts_with(prefix.as_str()) => format!("{prefix}{pattern}"),
            _ => pattern.to_string(),
        };
        let pattern = pattern.as_str();
        let matcher =
            glob::Pattern::new(pattern).map_err(|e| Error::setting(pattern, format!("bad glob pattern: {e}")))?;
        let options = glob::MatchOptions { require_literal_separator: true, ..glob::MatchOptions::new() };
        // The directory above the first wildcard is listed; its subdirectories too if the pattern spans levels.
        let wildcard = pattern.find(['*', '?', '[']).unwrap_or(pattern.len());
        let fixed = pattern[..wildcard].rfind('/').map_or(0, |slash| slash + 1);
        let deep = pattern[fixed..].contains('/');
        let mut pending = vec![self.dir(&pattern[..fixed])?];
        let mut found = Vec::new();
        while let Some(dir) = pending.pop() {
            let entries = self.entries(&dir)?;
            found.extend(entries.files.into_iter().filter(|f| matcher.matches_with(&f.name, options)));
            if deep {
                pending.extend(entries.dirs);
            }
        }
        // By path, a directory's files before those of a directory whose name only starts like it.
        found.sort_by(|a, b| std::path::Path::new(&a.name).cmp(std::path::Path::new(&b.name)));
        Ok(found)
    }

    /// Bytes `range` of `file` (a range past its end is cut at the end).
    pub fn read(&self, file: &StoreFile, range: Range<u64>) -> Result<Bytes> {
        let range = range.start.min(file.size)..range.end.min(file.size);
        if range.is_empty() {
            return Ok(Bytes::new());
        }
        let mut read = self.wait(self.store.get_ranges(&file.path, &[range])).map_err(|e| error(&file.name, e))?;
        Ok(read.pop().unwrap_or_default())
    }

    /// Bytes `ranges` of the file at `path`, in order. The local file system reads each range as asked. A
    /// network store fetches ranges at most [`GAP_BYTES`] apart in one request, a few requests at once: a
    /// Parquet row group's compared column chunks, or the pages a re-read needs, and nothing much between
    /// them (`object_store`'s default joins ranges up to 1 MB apart, which fetched a third of a lineitem row
    /// group for three compared columns, and whole row groups to re-read a few rows).
    pub async fn read_ranges(&self, path: &StorePath, ranges: &[Range<u64>]) -> object_store::Result<Vec<Bytes>> {
        match &self.kind {
            Kind::Local => self.store.get_ranges(path, ranges).await,
            Kind::Remote { .. } => {
                let store = &self.store;
                object_store::coalesce_ranges(ranges, |range| store.get_range(path, range), GAP_BYTES).await
            }
        }
    }

    /// Starts fetching bytes `ranges` of `file` now, for a reader that will want them soon (see
    /// [`Storage::read_ranges`]): the request runs on the store's runtime while the caller goes on. `None` on
    /// the local file system, whose reads are cheaper made when wanted.
    pub fn read_ahead(&self, file: &StoreFile, ranges: Vec<Range<u64>>) -> Option<Ahead> {
        let Kind::Remote { runtime, .. } = &self.kind else { return None };
        let (storage, path) = (self.clone(), file.path.clone());
        Some(Ahead(runtime.spawn(async move { storage.read_ranges(&path, &ranges).await })))
    }

    /// `file` read in order from `start`, a window at a time.
    pub fn reader(&self, file: &StoreFile, start: u64) -> FileReader {
        FileReader {
            storage: self.clone(),
            file: file.clone(),
            position: start,
            window: Bytes::new(),
            window_start: start,
        }
    }

    #[cfg(feature = "delta")]
    /// The URL of a directory: `file:///abs/path/` on this machine, the store's URL elsewhere.
    pub fn url(&self, dir: &Dir) -> Result<url::Url> {
        let url = match &self.kind {
            Kind::Local => {
                let absolute = std::path::absolute(if dir.name.is_empty() { "." } else { &dir.name })
                    .map_err(|e| Error::io(&dir.name, e))?;
                url::Url::from_directory_path(&absolute).ok()
            }
            Kind::Remote { .. } => url::Url::parse(&dir.name).ok(),
        };
        url.ok_or_else(|| Error::input(&dir.name, "not a directory recon can name by URL"))
    }

    #[cfg(feature = "delta")]
    /// The file at `relative` (a `/`-separated path, decoded) under `dir`, of `size` bytes.
    pub fn file_in(&self, dir: &Dir, relative: &str, size: u64) -> Result<StoreFile> {
        let parts = relative.split('/').filter(|p| !p.is_empty());
        let mut path: Vec<object_store::path::PathPart> = dir.path.parts().collect();
        for part in parts {
            if part == ".." || part == "." {
                return Err(Error::input(&dir.name, format!("names a file outside itself: {relative}")));
            }
            path.push(object_store::path::PathPart::from(part));
        }
        Ok(StoreFile { path: StorePath::from_iter(path), name: join(&dir.name, relative), size })
    }

    /// The location a file or directory of this store names (`name` as [`StoreFile::name`] writes it).
    pub fn location(&self, name: &str) -> Result<Location> {
        match &self.kind {
            Kind::Local => Ok(Location::local(name.to_string())),
            Kind::Remote { .. } => Location::parse(name),
        }
    }

    /// The store and how to run its requests, for readers built on `object_store` themselves (Parquet's).
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    /// Runs one of the store's requests to its end on this thread. The local file system does its I/O right
    /// here when no runtime is entered (see `LocalFileSystem`'s notes on Tokio), so reader threads need none; a
    /// network store's I/O is driven by its runtime's threads while this one waits.
    pub fn wait<T>(&self, request: impl std::future::Future<Output = T>) -> T {
        match &self.kind {
            Kind::Local => futures::executor::block_on(request),
            Kind::Remote { runtime, .. } => {
                let _entered = runtime.enter();
                futures::executor::block_on(request)
            }
        }
    }
}

/// `dir/name`, keeping how the user wrote the directory (with or without its trailing `/`).
fn join(dir: &str, name: &str) -> String {
    std::path::Path::new(dir).join(name).display().to_string()
}

/// A store's error as recon's: an I/O error keeps its own message, as `std::fs` would have given it.
pub fn error(name: &str, error: object_store::Error) -> Error {
    if let object_store::Error::Precondition { .. } = error {
        return Error::input(
            name,
            "the object was replaced while recon read it (its ETag changed since it was first listed or read); \
             nothing was reported: run again once it stays put",
        );
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            let io = match io.raw_os_error() {
                Some(code) => std::io::Error::from_raw_os_error(code),
                None => std::io::Error::new(io.kind(), io.to_string()),
            };
            return Error::io(name, io);
        }
        source = cause.source();
    }
    match xml_code(&error.to_string()) {
        Some(said) => Error::input(name, said),
        None => Error::storage(name, error),
    }
}

/// What an S3, Azure or GCS XML error document says (`NoSuchBucket: The specified bucket does not exist`, the
/// message's first line: Azure's next lines are a request id and a time), instead of the whole request and
/// document.
fn xml_code(text: &str) -> Option<String> {
    let between = |open: &str, close: &str| {
        let start = text.find(open)? + open.len();
        Some(text[start..].split(close).next()?.to_string())
    };
    let message = between("<Message>", "</Message>")?;
    Some(format!("{}: {}", between("<Code>", "</Code>")?, message.lines().next().unwrap_or_default()))
}

/// Bytes being fetched ahead (see [`Storage::read_ahead`]).
pub struct Ahead(tokio::task::JoinHandle<object_store::Result<Vec<Bytes>>>);

impl Ahead {
    /// The bytes, in the order asked, once fetched; an error names `file`.
    pub fn wait(self, storage: &Storage, file: &StoreFile) -> Result<Vec<Bytes>> {
        match storage.wait(self.0) {
            Ok(read) => read.map_err(|e| error(&file.name, e)),
            Err(stopped) => Err(Error::internal(format!("reading {} ahead stopped: {stopped}", file.name))),
        }
    }
}

/// A file read in order through its store, one window of bytes at a time: for readers that take
/// `Read + Seek` (Arrow IPC's, CSV's type inference).
pub struct FileReader {
    storage: Storage,
    file: StoreFile,
    position: u64,
    window: Bytes,
    window_start: u64,
}

/// The widest gap between two ranges a network store fetches in one request. Small: the bytes between two
/// compared column chunks are what `--columns` asked not to fetch, and the separate requests run at once.
const GAP_BYTES: u64 = 64 << 10;

/// Bytes fetched per request: large enough that a request's cost is small beside its bytes.
const WINDOW_BYTES: u64 = 4 << 20;

impl Read for FileReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let window_end = self.window_start + self.window.len() as u64;
        if self.position < self.window_start || self.position >= window_end {
            let end = self.position + WINDOW_BYTES.max(buf.len() as u64);
            self.window = self.storage.read(&self.file, self.position..end).map_err(std::io::Error::other)?;
            self.window_start = self.position;
        }
        let offset = (self.position - self.window_start) as usize;
        let available = &self.window[offset.min(self.window.len())..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for FileReader {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let position = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(back) => self.file.size.checked_add_signed(back),
            SeekFrom::Current(by) => self.position.checked_add_signed(by),
        };
        self.position = position.ok_or_else(|| std::io::Error::other("seek before the start of the file"))?;
        Ok(self.position)
    }
}
