//! The one interface every kind of source implements, and what each declares it can do beyond reading every
//! row — as DataFusion's `TableProvider::supports_filters_pushdown` declares which filters a provider takes —
//! so that the engine asks the declaration instead of trying a reader and seeing what happens.
//!
//! A new kind of source is a new file in `source/` with a type implementing [`Reader`], and one line where
//! [`super::Dataset::open`] picks the reader for a location.

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::SchemaRef;

use super::aggregates::Aggregates;
use super::catalog::TableKeys;
use super::fingerprints::{Bucket, BucketRequest, Form};
use super::keyset::KeyList;
use super::sql::{Bound, ReadConnections, Writable};
use super::ScanUnit;
use crate::error::{Error, Result};

/// What a reader does itself, declared when it opens. The engine calls a [`Reader`] method that needs one
/// of these only when the reader declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// Reads only the rows whose key is listed ([`Reader::read_keys`], [`Reader::restrict_keys`]): a
    /// database runs semi-joins; files are read whole and narrowed after reading.
    pub narrow_to_keys: bool,
    /// Keeps only the rows a SQL condition keeps ([`Reader::restrict`]): a `where` filter, a sample's draw.
    pub filter: bool,
    /// Draws a key-text sample itself ([`Reader::sample_condition`]).
    pub sample: bool,
    /// Reads only the rows changed since an instant ([`Reader::changed_units`]).
    pub changed_since: bool,
    /// A full read splits into units several threads read at once (Parquet row groups, CSV byte ranges, Arrow
    /// IPC files); otherwise it is one stream (a database connection).
    pub parallel_units: bool,
    /// Reads a row again by its ordinal ([`Reader::fetch`]). A database cannot: its rows have no stable
    /// position, so they are found again by key or row hash in a second read of the same snapshot.
    pub reread_by_ordinal: bool,
    /// Computes a column profile's aggregates itself, in one statement ([`Reader::aggregate`]): a database.
    /// Files are aggregated by DataFusion in `profile`.
    pub aggregate: bool,
    /// Computes bucket fingerprints over canonical value text itself ([`Reader::buckets`], `--pushdown`): a
    /// PostgreSQL or MySQL/MariaDB table.
    pub fingerprints: bool,
}

/// One kind of source, opened: its schema is known, its rows not yet read.
pub(crate) trait Reader: Send + Sync {
    fn capabilities(&self) -> Capabilities;

    fn schema(&self) -> SchemaRef;

    /// Splits a full read of the columns `projection` (indices into the schema, ascending) into units that
    /// threads can read independently. Batches hold the projected columns in ascending order.
    fn scan_units(&self, projection: &[usize]) -> Result<Vec<ScanUnit>>;

    /// The rows a full read returns, where the source tells it without reading them (Parquet footers).
    fn row_count(&self) -> Option<u64> {
        None
    }

    /// About how many rows a full read returns, where only a catalog can say.
    fn estimate_rows(&self) -> Option<u64> {
        None
    }

    /// The connections a database table's full reads used (`--db-connections`), once one has begun.
    fn read_connections(&self) -> Option<ReadConnections> {
        None
    }

    /// The rows a full read returns, counted by the source where it can (a database, in its snapshot).
    fn count_rows(&self) -> Result<Option<u64>> {
        Ok(self.row_count())
    }

    /// The keys the table declares (a database table's primary key and unique indexes); none for files.
    fn keys(&self) -> Result<TableKeys> {
        Ok(TableKeys::default())
    }

    /// A database table's schema (as its location names it) and name; `None` for a query and for files.
    fn table_name(&self) -> Option<(Option<&str>, &str)> {
        None
    }

    /// What a repair script must know of a database table's columns before it writes to them.
    fn writable(&self) -> Result<Vec<Writable>> {
        Ok(Vec::new())
    }

    /// The clock windows are measured by: a database's own (read in its snapshot), else this machine's.
    fn server_now(&self) -> Result<chrono::DateTime<chrono::Utc>> {
        Ok(chrono::Utc::now())
    }

    /// What errors call file `file` of the source.
    fn file_name(&self, file: usize) -> String;

    /// Lets a reader over a network store keep up to `bytes` of what its scan units fetch, for
    /// [`Reader::fetch`]: the rows findings show are then decoded from those bytes, not fetched again.
    fn keep_fetched(&self, _bytes: u64) {}

    /// [`Capabilities::reread_by_ordinal`]: rows `rows` (ascending indices into file `file`), projected as
    /// [`Reader::scan_units`] projects them.
    fn fetch(&self, _file: usize, _projection: &[usize], _rows: &[u64]) -> Result<RecordBatch> {
        Err(undeclared("read rows again by ordinal"))
    }

    /// [`Capabilities::filter`]: makes full reads keep only the rows `condition` keeps, as well as those
    /// earlier conditions kept.
    fn restrict(&mut self, _condition: String) -> Result<()> {
        Err(undeclared("filter rows by a SQL condition"))
    }

    /// [`Capabilities::filter`]: the condition full reads keep rows by (all earlier ones), `None` for every row.
    fn restriction(&self) -> Option<String> {
        None
    }

    /// [`Capabilities::filter`]: makes full reads keep what `condition` keeps instead (every row when `None`):
    /// puts back what [`Reader::restriction`] said.
    fn replace_restriction(&mut self, _condition: Option<String>) -> Result<()> {
        Err(undeclared("filter rows by a SQL condition"))
    }

    /// [`Capabilities::sample`]: the SQL condition by which the source selects a key-text sample itself;
    /// `None` where the key's columns do not allow it.
    fn sample_condition(&self, _key_names: &[String], _seed: u64, _threshold: u64) -> Option<String> {
        None
    }

    /// [`Capabilities::narrow_to_keys`]: makes full reads read only the listed keys; `false` when some key
    /// cannot be asked for exactly, and full reads stay whole.
    fn restrict_keys(&mut self, _list: &KeyList) -> Result<bool> {
        Err(undeclared("read listed keys only"))
    }

    /// [`Capabilities::narrow_to_keys`]: units reading only the rows whose key is among `keys` (rows of
    /// canonical key arrays, named by `key_names`); `None` when some key cannot be asked for exactly.
    fn read_keys(
        &self,
        _projection: &[usize],
        _key_names: &[String],
        _keys: &[(&[ArrayRef], usize)],
    ) -> Result<Option<Vec<ScanUnit>>> {
        Err(undeclared("read listed keys only"))
    }

    /// The statements [`Reader::read_keys`] would run, for tests that `EXPLAIN` them.
    fn read_keys_sql(
        &self,
        _projection: &[usize],
        _key_names: &[String],
        _keys: &[(&[ArrayRef], usize)],
    ) -> Result<Option<Vec<String>>> {
        Err(undeclared("read listed keys only"))
    }

    /// [`Capabilities::aggregate`]: `aggregates` over the rows full reads keep, in one statement, in the
    /// source's snapshot.
    fn aggregate(&self, _aggregates: &Aggregates) -> Result<Vec<RecordBatch>> {
        Err(undeclared("compute aggregates"))
    }

    /// [`Capabilities::fingerprints`]: why column `index` (a schema index) has no `form` text here; `None` when
    /// it has.
    fn refuse_form(&self, _index: usize, _form: Form) -> Option<String> {
        Some("this source computes no fingerprints".to_string())
    }

    /// [`Capabilities::fingerprints`]: every bucket's fingerprint over the rows full reads keep.
    fn buckets(&self, _request: &BucketRequest) -> Result<Vec<Bucket>> {
        Err(undeclared("compute fingerprints"))
    }

    /// [`Capabilities::fingerprints`]: the SQL condition keeping the rows whose key hash (over `key`) starts with
    /// one of `prefixes`, for [`Reader::restrict`].
    fn bucket_condition(&self, _key: &[(usize, Form)], _prefixes: &[String]) -> Result<String> {
        Err(undeclared("compute fingerprints"))
    }

    /// The distinct values of `columns` (schema indices) as the source's own statistics estimate them, without
    /// reading the rows; `None` per column where it keeps none.
    fn distinct_estimates(&self, columns: &[usize]) -> Result<Vec<Option<u64>>> {
        Ok(vec![None; columns.len()])
    }

    /// [`Capabilities::changed_since`]: units reading `projection` of the rows whose column `updated` (a
    /// schema index) is at or after `bound`.
    fn changed_units(&self, _projection: &[usize], _updated: usize, _bound: &Bound) -> Result<Vec<ScanUnit>> {
        Err(undeclared("read changed rows only"))
    }
}

/// A reader asked for what it did not declare: recon's own mistake, never the input's.
fn undeclared(what: &str) -> Error {
    Error::internal(format!("a source was asked to {what}, which it does not declare"))
}
