//! Narrowed reads of any dataset: a database reads only listed keys, or only rows changed since an instant,
//! itself (see `sql/narrow.rs`); files are read whole and narrowed after reading by the caller, by key hash
//! ([`super::keyset::KeySet`]) or by change time. Which a side does is its declared
//! [`Capabilities`](super::Capabilities).

use super::keyset::KeyList;
pub use super::sql::Bound;
use super::{Dataset, ScanUnit};
use crate::error::Result;

impl Dataset {
    /// Makes full reads read only the listed keys: only for a side that declares
    /// [`narrow_to_keys`](super::Capabilities::narrow_to_keys). `false` when the side reads everything still,
    /// as keys without an exact SQL literal leave it.
    pub fn restrict_keys(&mut self, list: &KeyList) -> Result<bool> {
        self.reader.restrict_keys(list)
    }

    /// The clock windows are measured by: a database's own (read in its snapshot), else this machine's.
    pub fn server_now(&self) -> Result<chrono::DateTime<chrono::Utc>> {
        self.reader.server_now()
    }

    /// Units reading `projection` of the rows whose column `updated` (a schema index) is at or after `bound`:
    /// only for a side that declares [`changed_since`](super::Capabilities::changed_since).
    pub fn changed_units(&self, projection: &[usize], updated: usize, bound: &Bound) -> Result<Vec<ScanUnit>> {
        self.reader.changed_units(projection, updated, bound)
    }
}
