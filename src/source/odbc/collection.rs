//! An ODBC data source as one side of an audit: its tables (`SQLTables`), each with its keys and the
//! constraints a sign-off checks, read once over one connection, and a location per table that opens it.

use super::catalog::{self, TableRef};
use super::connect::{self, describe};
use crate::error::{Error, Result};
use crate::location::{fragment, Location, Odbc, OdbcConnection};
use crate::source::catalog::{CatalogTable, Constraints, UniqueKey};
use crate::source::DbOptions;
use arrow_odbc::odbc_api;

/// The tables of the schema `odbc` names (`odbc://DSN#schema`; MySQL/MariaDB: the database; PostgreSQL:
/// `public` unless named; otherwise the driver's default), sorted by name.
pub(crate) fn tables(odbc: &Odbc, masked: &str, options: &DbOptions) -> Result<Vec<CatalogTable>> {
    if options.query.is_some() {
        return Err(Error::setting("--source-query/--target-query", "an audit reads whole tables, not a query"));
    }
    if odbc.schema.is_some() {
        return Err(Error::input(
            masked,
            "names a table: an audit takes a data source, odbc://DSN or odbc://DSN#schema",
        ));
    }
    let schema = odbc.table.as_deref();
    let session = connect::connect(odbc, masked, options.connect_timeout)?;
    let db_error = |e: odbc_api::Error| Error::database(masked, format!("reading the catalog: {}", describe(&e)));
    let mut tables = Vec::new();
    for name in catalog::tables(&session, schema).map_err(db_error)? {
        let at = TableRef::new(&session, schema, &name);
        let columns = catalog::columns(&session, &at).map_err(db_error)?;
        let not_null: Vec<String> =
            columns.iter().filter(|(_, nullable)| !nullable).map(|(d, _)| d.name.clone()).collect();
        let keys = catalog::keys(&session, &at, &not_null).map_err(db_error)?;
        let primary = keys.primary_key.clone().map(|columns| UniqueKey { name: "primary key".into(), columns });
        let unique = primary.into_iter().chain(keys.unique.iter().cloned()).collect();
        let location = Location::parse(&table_location(odbc, schema, &name))?;
        tables.push(CatalogTable {
            name,
            location,
            size: 0,
            keys,
            constraints: Constraints { not_null, unique, foreign_keys: Vec::new() },
            sequences: Vec::new(),
            columns: None,
        });
    }
    let _ = session.conn.rollback();
    Ok(tables)
}

/// The location of table `name` of the collection `odbc`.
fn table_location(odbc: &Odbc, schema: Option<&str>, name: &str) -> String {
    let table = fragment::join(schema, name);
    match &odbc.connection {
        OdbcConnection::Dsn(dsn) => format!("odbc://{dsn}#{table}"),
        OdbcConnection::String(text) => format!("odbc:{text}#{table}"),
    }
}
