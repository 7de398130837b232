//! Delta Lake deletion vectors: the rows a table deleted from a data file without rewriting it, read by recon
//! from each file's descriptor in the log as the Delta protocol's "Deletion Vector Format" describes them —
//! inline in the log (storage type `i`), or at an offset of a file beside the data (`u`, its path derived from a
//! UUID; `p`, an absolute path inside the table), with one ranged read for the vector's bytes only (a Spark
//! table keeps many vectors in one file). Any error names the vector's file and the data file it deletes from.

use deltalake_core::kernel::{DeletionVectorDescriptor, StorageType};
use roaring::RoaringTreemap;
use url::Url;

use crate::error::{Error, Result};
use crate::storage::{Dir, Storage, StoreFile};

/// The magic number a RoaringBitmapArray opens with (little-endian).
const MAGIC: u32 = 1_681_511_377;

/// The rows (ascending) that `descriptor` deletes from `data_file`, a data file of the table at `dir` (whose URL
/// is `url`).
pub(crate) fn deleted_rows(
    storage: &Storage,
    dir: &Dir,
    url: &Url,
    descriptor: &DeletionVectorDescriptor,
    data_file: &str,
) -> Result<Vec<u64>> {
    let size = u64::try_from(descriptor.size_in_bytes).unwrap_or(0);
    let (bitmap, source) = match descriptor.storage_type {
        StorageType::Inline => {
            let bytes = z85::decode(&descriptor.path_or_inline_dv)
                .map_err(|e| bad(data_file, format!("its inline deletion vector is not Z85 ({e})")))?;
            (roaring_bitmap_array(&bytes).map_err(|e| bad(data_file, e))?, data_file.to_string())
        }
        StorageType::UuidRelativePath => {
            let relative = relative_path(&descriptor.path_or_inline_dv).map_err(|e| bad(data_file, e))?;
            stored(storage, dir, &relative, descriptor.offset, size, data_file)?
        }
        StorageType::AbsolutePath => {
            let relative = inside(url, &descriptor.path_or_inline_dv).ok_or_else(|| {
                let path = &descriptor.path_or_inline_dv;
                bad(
                    data_file,
                    format!("its deletion vector lies outside the table ({path}), which recon does not read"),
                )
            })?;
            stored(storage, dir, &relative, descriptor.offset, size, data_file)?
        }
    };
    if i64::try_from(bitmap.len()).ok() != Some(descriptor.cardinality) {
        let message = format!(
            "its deletion vector holds {} rows, and the Delta log says {} (for {data_file})",
            bitmap.len(),
            descriptor.cardinality
        );
        return Err(Error::input(source, message));
    }
    Ok(bitmap.iter().collect())
}

/// The vector of `size` bytes at `offset` of the file at `relative` in the table, and that file's name: its
/// size (4 bytes, big-endian), the vector, its CRC-32 (big-endian).
fn stored(
    storage: &Storage,
    dir: &Dir,
    relative: &str,
    offset: Option<i32>,
    size: u64,
    data_file: &str,
) -> Result<(RoaringTreemap, String)> {
    let start = offset.and_then(|o| u64::try_from(o).ok()).unwrap_or(1);
    let end = start + 4 + size + 4;
    let file: StoreFile = storage.file_in(dir, relative, end)?;
    let bytes = storage.read(&file, start..end)?;
    let failed = |message: String| Error::input(&file.name, format!("{message} (the deletion vector of {data_file})"));
    if bytes.len() as u64 != end - start {
        return Err(failed(format!("ends before byte {end}, where a deletion vector at offset {start} ends")));
    }
    let (framed, rest) = bytes.split_at(4);
    let (vector, checksum) = rest.split_at(rest.len() - 4);
    if u64::from(u32::from_be_bytes(framed.try_into().unwrap_or_default())) != size {
        return Err(failed(format!("the deletion vector at offset {start} is not of the {size} bytes the log says")));
    }
    if u32::from_be_bytes(checksum.try_into().unwrap_or_default()) != crc32fast::hash(vector) {
        return Err(failed(format!("the deletion vector at offset {start} does not match its checksum")));
    }
    Ok((roaring_bitmap_array(vector).map_err(failed)?, file.name.clone()))
}

/// A RoaringBitmapArray: the magic number, then a 64-bit roaring bitmap in the portable format.
fn roaring_bitmap_array(bytes: &[u8]) -> std::result::Result<RoaringTreemap, String> {
    let magic = bytes.get(..4).and_then(|m| m.try_into().ok()).map(u32::from_le_bytes);
    if magic != Some(MAGIC) {
        return Err("a deletion vector without its magic number (not a RoaringBitmapArray)".to_string());
    }
    RoaringTreemap::deserialize_from(&bytes[4..]).map_err(|e| format!("a deletion vector that does not parse ({e})"))
}

/// A `u` vector's file: `<prefix>/deletion_vector_<uuid>.bin` from an optional prefix and a Z85-encoded UUID (its
/// last 20 characters).
fn relative_path(encoded: &str) -> std::result::Result<String, String> {
    let split = encoded.len().checked_sub(20).filter(|&at| encoded.is_char_boundary(at));
    let uuid = split.and_then(|at| z85::decode(&encoded[at..]).ok()).filter(|bytes| bytes.len() == 16);
    let (Some(at), Some(uuid)) = (split, uuid) else {
        return Err(format!("its deletion vector's path {encoded:?} does not end in a Z85-encoded UUID"));
    };
    let hex: String = uuid.iter().map(|b| format!("{b:02x}")).collect();
    let name =
        format!("deletion_vector_{}-{}-{}-{}-{}.bin", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]);
    Ok(match &encoded[..at] {
        "" => name,
        prefix => format!("{prefix}/{name}"),
    })
}

/// The path inside the table at `table` of the file an absolute path names (percent-decoded), if it is inside.
fn inside(table: &Url, absolute: &str) -> Option<String> {
    let url = Url::parse(absolute).ok()?;
    let same_store = url.scheme() == table.scheme() && url.authority() == table.authority();
    let relative = url.path().strip_prefix(table.path()).filter(|_| same_store)?;
    Some(percent_encoding::percent_decode_str(relative).decode_utf8_lossy().into_owned())
}

fn bad(data_file: &str, message: impl std::fmt::Display) -> Error {
    Error::input(data_file, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vector_file_is_named_by_its_prefix_and_uuid() {
        // The Delta protocol's example.
        assert_eq!(
            relative_path("ab^-aqEH.-t@S}K{vb[*k^").unwrap(),
            "ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin"
        );
        assert_eq!(
            relative_path("^-aqEH.-t@S}K{vb[*k^").unwrap(),
            "deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin"
        );
        assert!(relative_path("short").is_err());
    }

    #[test]
    fn an_absolute_path_is_read_only_inside_the_table() {
        let table = Url::parse("s3://bucket/lake/orders/").unwrap();
        assert_eq!(inside(&table, "s3://bucket/lake/orders/dv/a%20b.bin").as_deref(), Some("dv/a b.bin"));
        assert_eq!(inside(&table, "s3://bucket/lake/other/a.bin"), None);
        assert_eq!(inside(&table, "s3://elsewhere/lake/orders/a.bin"), None);
    }
}
