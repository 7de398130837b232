//! What a database table or query declares it can do as a source, and the reads it does itself: the
//! `Reader` of the database side, apart from how its rows stream (`sql/mod.rs`).

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::SchemaRef;

use super::{Bound, Engine, ReadConnections, SqlTable, Writable};
use crate::error::Result;
use crate::source::aggregates::Aggregates;
use crate::source::catalog::TableKeys;
use crate::source::fingerprints::{Bucket, BucketRequest, Form};
use crate::source::keyset::KeyList;
use crate::source::reader::{Capabilities, Reader};
use crate::source::ScanUnit;

/// A table or query: one stream per read over the side's connection, narrowed, filtered and sampled by the
/// database itself, inside the snapshot the reads share.
impl Reader for SqlTable {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            narrow_to_keys: true,
            filter: true,
            // SQLite has no MD5 to draw a sample by (see `sample_condition`).
            sample: self.engine != Engine::Sqlite,
            changed_since: true,
            parallel_units: false,
            reread_by_ordinal: false,
            aggregate: true,
            fingerprints: self.engine != Engine::Sqlite,
        }
    }

    fn refuse_form(&self, index: usize, form: Form) -> Option<String> {
        SqlTable::refuse_form(self, index, form)
    }

    fn buckets(&self, request: &BucketRequest) -> Result<Vec<Bucket>> {
        SqlTable::buckets(self, request)
    }

    fn bucket_condition(&self, key: &[(usize, Form)], prefixes: &[String]) -> Result<String> {
        SqlTable::bucket_condition(self, key, prefixes)
    }

    fn aggregate(&self, aggregates: &Aggregates) -> Result<Vec<RecordBatch>> {
        SqlTable::aggregate(self, aggregates)
    }

    fn distinct_estimates(&self, columns: &[usize]) -> Result<Vec<Option<u64>>> {
        SqlTable::distinct_estimates(self, columns)
    }

    fn schema(&self) -> SchemaRef {
        SqlTable::schema(self)
    }

    fn scan_units(&self, projection: &[usize]) -> Result<Vec<ScanUnit>> {
        Ok(SqlTable::scan_units(self, projection))
    }

    fn estimate_rows(&self) -> Option<u64> {
        SqlTable::estimate_rows(self)
    }

    fn read_connections(&self) -> Option<ReadConnections> {
        SqlTable::read_connections(self)
    }

    fn count_rows(&self) -> Result<Option<u64>> {
        SqlTable::count_rows(self).map(Some)
    }

    fn keys(&self) -> Result<TableKeys> {
        SqlTable::keys(self)
    }

    fn table_name(&self) -> Option<(Option<&str>, &str)> {
        SqlTable::table_name(self)
    }

    fn writable(&self) -> Result<Vec<Writable>> {
        SqlTable::writable(self)
    }

    fn server_now(&self) -> Result<chrono::DateTime<chrono::Utc>> {
        SqlTable::server_now(self)
    }

    fn file_name(&self, _file: usize) -> String {
        self.location.clone()
    }

    fn restrict(&mut self, condition: String) -> Result<()> {
        SqlTable::restrict(self, condition);
        Ok(())
    }

    fn restriction(&self) -> Option<String> {
        self.filter.clone()
    }

    fn replace_restriction(&mut self, condition: Option<String>) -> Result<()> {
        self.filter = condition;
        Ok(())
    }

    fn sample_condition(&self, key_names: &[String], seed: u64, threshold: u64) -> Option<String> {
        SqlTable::sample_condition(self, key_names, seed, threshold)
    }

    fn restrict_keys(&mut self, list: &KeyList) -> Result<bool> {
        SqlTable::restrict_keys(self, list)
    }

    fn read_keys(
        &self,
        projection: &[usize],
        key_names: &[String],
        keys: &[(&[ArrayRef], usize)],
    ) -> Result<Option<Vec<ScanUnit>>> {
        SqlTable::read_keys(self, projection, key_names, keys)
    }

    fn read_keys_sql(
        &self,
        projection: &[usize],
        key_names: &[String],
        keys: &[(&[ArrayRef], usize)],
    ) -> Result<Option<Vec<String>>> {
        SqlTable::read_keys_sql(self, projection, key_names, keys)
    }

    fn changed_units(&self, projection: &[usize], updated: usize, bound: &Bound) -> Result<Vec<ScanUnit>> {
        SqlTable::changed_units(self, projection, updated, bound)
    }
}
