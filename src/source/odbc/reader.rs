//! What an ODBC table declares it can do as a source: filters, key narrowing and counts as plain SQL in its
//! transaction; a key-text sample drawn by the server where its dialect has MD5 as recon uses it (PostgreSQL,
//! MySQL/MariaDB), else by recon.

use arrow::array::ArrayRef;
use arrow::datatypes::SchemaRef;

use super::OdbcTable;
use crate::error::Result;
use crate::source::catalog::TableKeys;
use crate::source::keyset::KeyList;
use crate::source::reader::{Capabilities, Reader};
use crate::source::ScanUnit;

impl Reader for OdbcTable {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            narrow_to_keys: true,
            filter: true,
            sample: self.engine().is_some(),
            changed_since: false,
            parallel_units: false,
            reread_by_ordinal: false,
            aggregate: false,
            // The driver's SQL dialect is not known well enough to write canonical text in it.
            fingerprints: false,
        }
    }

    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn scan_units(&self, projection: &[usize]) -> Result<Vec<ScanUnit>> {
        Ok(OdbcTable::scan_units(self, projection))
    }

    fn count_rows(&self) -> Result<Option<u64>> {
        OdbcTable::count_rows(self).map(Some)
    }

    fn keys(&self) -> Result<TableKeys> {
        OdbcTable::keys(self)
    }

    fn table_name(&self) -> Option<(Option<&str>, &str)> {
        self.table.as_ref().map(|(schema, table)| (schema.as_deref(), table.as_str()))
    }

    fn file_name(&self, _file: usize) -> String {
        self.location.clone()
    }

    fn restrict(&mut self, condition: String) -> Result<()> {
        OdbcTable::restrict(self, condition);
        Ok(())
    }

    fn sample_condition(&self, key_names: &[String], seed: u64, threshold: u64) -> Option<String> {
        let engine = self.engine()?;
        let mut key = Vec::with_capacity(key_names.len());
        for name in key_names {
            let column = self.columns.iter().find(|c| &c.name == name)?;
            key.push((name.as_str(), &column.data_type, column.select.is_some()));
        }
        crate::source::sql::sample_condition(engine, &key, seed, threshold)
    }

    fn restrict_keys(&mut self, list: &KeyList) -> Result<bool> {
        OdbcTable::restrict_keys(self, list)
    }

    fn read_keys(
        &self,
        projection: &[usize],
        key_names: &[String],
        keys: &[(&[ArrayRef], usize)],
    ) -> Result<Option<Vec<ScanUnit>>> {
        OdbcTable::read_keys(self, projection, key_names, keys)
    }

    fn read_keys_sql(
        &self,
        projection: &[usize],
        key_names: &[String],
        keys: &[(&[ArrayRef], usize)],
    ) -> Result<Option<Vec<String>>> {
        OdbcTable::read_keys_sql(self, projection, key_names, keys)
    }
}
