//! Reading only listed keys of an ODBC table, in plain SQL every dialect takes: `k IN (…)` for one key column,
//! `(a = … AND b = …) OR …` for several, integer and character keys only (other values have no literal that is
//! sure to select exactly them on an unknown engine: the caller then reads everything).

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::DataType;

use super::types::OdbcColumn;
use super::OdbcTable;
use crate::error::{Error, Result};
use crate::source::keyset::KeyList;
use crate::source::ScanUnit;

/// Keys per statement: short enough for any driver's statement length (Oracle's IN list takes 1,000).
const KEYS_PER_STATEMENT: usize = 1000;

impl OdbcTable {
    /// The conditions (` WHERE …`, with the filter) reading the rows whose key is among `keys`, one per
    /// [`KEYS_PER_STATEMENT`] keys; `None` when some key value has no exact literal.
    fn key_conditions(&self, key_names: &[String], keys: &[(&[ArrayRef], usize)]) -> Result<Option<Vec<String>>> {
        let mut columns = Vec::with_capacity(key_names.len());
        for name in key_names {
            let column = self.columns.iter().find(|c| &c.name == name);
            columns
                .push(column.ok_or_else(|| Error::internal(format!("key column {name} is not in {}", self.location)))?);
        }
        let mut tuples = Vec::with_capacity(keys.len());
        for (arrays, row) in keys {
            let literals: Option<Vec<String>> =
                arrays.iter().zip(&columns).map(|(array, column)| literal(column, array, *row)).collect();
            let Some(literals) = literals else { return Ok(None) };
            tuples.push(literals);
        }
        tuples.sort_unstable();
        tuples.dedup();
        let names: Vec<String> = {
            let session = self.lock();
            columns.iter().map(|c| session.quote(&c.name)).collect()
        };
        let and = self.filter.as_ref().map_or(String::new(), |f| format!(" AND ({f})"));
        let conditions = tuples.chunks(KEYS_PER_STATEMENT).map(|chunk| {
            let keys = match names.as_slice() {
                [name] => format!("{name} IN ({})", chunk.iter().map(|t| t[0].as_str()).collect::<Vec<_>>().join(", ")),
                _ => chunk
                    .iter()
                    .map(|t| {
                        let parts: Vec<String> = names.iter().zip(t).map(|(n, v)| format!("{n} = {v}")).collect();
                        format!("({})", parts.join(" AND "))
                    })
                    .collect::<Vec<_>>()
                    .join(" OR "),
            };
            format!(" WHERE ({keys}){and}")
        });
        Ok(Some(conditions.collect()))
    }

    /// The statements [`OdbcTable::read_keys`] runs.
    pub(crate) fn read_keys_sql(
        &self,
        projection: &[usize],
        key_names: &[String],
        keys: &[(&[ArrayRef], usize)],
    ) -> Result<Option<Vec<String>>> {
        let conditions = self.key_conditions(key_names, keys)?;
        Ok(conditions.map(|all| all.iter().map(|c| self.select(projection, c)).collect()))
    }

    /// Units reading only the rows with these keys, one per statement.
    pub(crate) fn read_keys(
        &self,
        projection: &[usize],
        key_names: &[String],
        keys: &[(&[ArrayRef], usize)],
    ) -> Result<Option<Vec<ScanUnit>>> {
        let statements = self.read_keys_sql(projection, key_names, keys)?;
        Ok(statements.map(|all| all.into_iter().map(|select| self.unit(projection, select)).collect()))
    }

    /// Makes full reads read only the listed keys; `false` when some key has no exact literal.
    pub(crate) fn restrict_keys(&mut self, list: &KeyList) -> Result<bool> {
        let conditions = self.key_conditions(&list.names, &list.keys.rows())?;
        let narrowed = conditions.is_some();
        self.key_conditions = conditions;
        Ok(narrowed)
    }
}

/// A canonical key value as a literal selecting the rows holding it; `None` for NULL and for values of other
/// types.
fn literal(column: &OdbcColumn, array: &ArrayRef, row: usize) -> Option<String> {
    if array.is_null(row) {
        return None;
    }
    match array.data_type() {
        d if d.is_integer() && column.data_type.is_integer() => {
            let formatter = arrow::util::display::ArrayFormatter::try_new(array.as_ref(), &Default::default()).ok()?;
            Some(formatter.value(row).to_string())
        }
        DataType::Utf8 if column.text_literal => {
            let text = array.as_string::<i32>().value(row);
            // A NUL ends a statement for some drivers: such a key is read with everything.
            (!text.contains('\0')).then(|| format!("'{}'", text.replace('\'', "''")))
        }
        _ => None,
    }
}
