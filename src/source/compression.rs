//! Compressed text files (`orders.csv.gz`, `orders.csv.zst`) and extension-less part files (`part-00000`), as
//! exports come: a compressed file is decompressed as it streams from its store, a window at a time, so memory
//! stays bounded and nothing lands on disk; it has no byte ranges to split it by, so it is one scan unit. Any
//! line-based reader (CSV, JSON Lines) opens its files through [`open`].

use std::io::{BufRead, BufReader};
use std::path::Path;

use super::Format;
use crate::error::{Error, Result};
use crate::storage::{Storage, StoreFile};

/// How a file's bytes are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Gzip,
    Zstd,
}

impl Codec {
    /// The codec a file name's last extension names (`.gz`, `.gzip`, `.zst`, `.zstd`).
    pub fn of(name: &str) -> Option<Codec> {
        match extension(name)?.as_str() {
            "gz" | "gzip" => Some(Codec::Gzip),
            "zst" | "zstd" => Some(Codec::Zstd),
            _ => None,
        }
    }

    /// The codec whose magic number `head` (a file's first bytes) starts with.
    fn sniff(head: &[u8]) -> Option<Codec> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Codec::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Codec::Zstd)
        } else {
            None
        }
    }
}

fn extension(name: &str) -> Option<String> {
    Some(Path::new(name).extension()?.to_str()?.to_ascii_lowercase())
}

/// `name` without a codec's extension: `orders.csv` for `orders.csv.gz`.
pub fn without_codec(name: &str) -> &str {
    match Codec::of(name) {
        Some(_) => name.rsplit_once('.').map_or(name, |(stem, _)| stem),
        None => name,
    }
}

/// A name without an extension at all (`part-00000`): its first bytes say what it holds.
pub fn is_bare(name: &str) -> bool {
    let last = name.rsplit('/').next().unwrap_or(name);
    Path::new(last).extension().is_none()
}

/// How `file` is compressed: by its name, or, for a name without an extension, by its first bytes.
pub fn codec(storage: &Storage, file: &StoreFile) -> Result<Option<Codec>> {
    if !is_bare(&file.name) {
        return Ok(Codec::of(&file.name));
    }
    Ok(Codec::sniff(&storage.read(file, 0..4)?))
}

/// What an extension-less file holds, by its magic bytes: Parquet (`PAR1`), Arrow IPC (`ARROW1`), else CSV
/// (compressed or not).
pub fn sniff_format(storage: &Storage, file: &StoreFile) -> Result<Format> {
    let head = storage.read(file, 0..6)?;
    Ok(if head.starts_with(b"PAR1") {
        Format::Parquet
    } else if head.starts_with(b"ARROW1") {
        Format::Ipc
    } else {
        Format::Csv
    })
}

/// `file` from byte 0, decompressed as it is read when `codec` says so.
pub fn open(storage: &Storage, file: &StoreFile, codec: Option<Codec>) -> Result<Box<dyn BufRead + Send>> {
    let raw = BufReader::with_capacity(1 << 20, storage.reader(file, 0));
    Ok(match codec {
        None => Box::new(raw),
        Some(Codec::Gzip) => Box::new(BufReader::with_capacity(1 << 20, flate2::bufread::MultiGzDecoder::new(raw))),
        Some(Codec::Zstd) => {
            let decoder = zstd::stream::read::Decoder::with_buffer(raw).map_err(|e| Error::io(&file.name, e))?;
            Box::new(BufReader::with_capacity(1 << 20, decoder))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_codec_is_named_by_the_last_extension_or_the_first_bytes() {
        assert_eq!(Codec::of("exports/orders.csv.gz"), Some(Codec::Gzip));
        assert_eq!(Codec::of("orders.CSV.ZST"), Some(Codec::Zstd));
        assert_eq!(Codec::of("orders.csv"), None);
        assert_eq!(without_codec("exports/orders.csv.zst"), "exports/orders.csv");
        assert_eq!(Codec::sniff(&[0x1f, 0x8b, 8, 0]), Some(Codec::Gzip));
        assert_eq!(Codec::sniff(b"id,name"), None);
        assert!(is_bare("s3://b/out/part-00000") && !is_bare("out/part-00000.csv"));
    }
}
