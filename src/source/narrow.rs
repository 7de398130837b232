//! Narrowed reads of any dataset: a database reads only listed keys, or only rows changed since an instant,
//! itself (see `sql/narrow.rs`); files are read whole and narrowed after reading by the caller, by key hash
//! ([`super::keyset::KeySet`]) or by change time.

use super::keyset::KeyList;
pub use super::sql::Bound;
use super::{Dataset, Reader, ScanUnit};
use crate::error::Result;

impl Dataset {
    /// Makes full reads of a database side read only the listed keys (files are unchanged). `false` when the
    /// side reads everything still: files, and keys without an exact SQL literal.
    pub fn restrict_keys(&mut self, list: &KeyList) -> Result<bool> {
        match &mut self.reader {
            Reader::Sql(table) => table.restrict_keys(list),
            _ => Ok(false),
        }
    }

    /// The clock windows are measured by: a database's own (read in its snapshot), else this machine's.
    pub fn server_now(&self) -> Result<chrono::DateTime<chrono::Utc>> {
        match &self.reader {
            Reader::Sql(table) => table.server_now(),
            _ => Ok(chrono::Utc::now()),
        }
    }

    /// Units reading `projection` of the rows whose column `updated` (a schema index) is at or after `bound`,
    /// and whether the dataset applied that condition itself: a database does, files are read whole (the caller
    /// keeps the rows after reading).
    pub fn changed_units(&self, projection: &[usize], updated: usize, bound: &Bound) -> Result<(Vec<ScanUnit>, bool)> {
        match &self.reader {
            Reader::Sql(table) => Ok((table.changed_units(projection, updated, bound)?, true)),
            _ => Ok((self.scan_units(projection)?, false)),
        }
    }
}
