//! What an ODBC driver's catalog functions say of a data source: its tables (`SQLTables`), a table's columns
//! (`SQLColumns`), primary key (`SQLPrimaryKeys`) and unique indexes (`SQLStatistics`), read on the table's
//! own connection, inside its transaction.

use arrow_odbc::odbc_api;
use std::collections::{BTreeMap, BTreeSet};

use odbc_api::handles::Statement;
use odbc_api::sys::{HStmt, SqlReturn};
use odbc_api::{Cursor, CursorImpl, Nullable};

use super::connect::{Dialect, Session};
use super::rows::query;
use super::types::Described;
use crate::source::catalog::{TableKeys, UniqueKey};

type OdbcResult<T> = std::result::Result<T, odbc_api::Error>;

/// Where a table lives in ODBC's terms: MySQL/MariaDB call a database a catalog, where others have schemas.
pub(crate) struct TableRef<'a> {
    pub(crate) catalog: Option<&'a str>,
    pub(crate) schema: Option<&'a str>,
    pub(crate) table: &'a str,
}

impl<'a> TableRef<'a> {
    /// The table `schema.table` names on the session's server; PostgreSQL's schema is `public` unless named, as
    /// for `postgres://` locations; MySQL/MariaDB's database the connection's unless named (an empty catalog
    /// would match every database's tables).
    pub(crate) fn new(session: &'a Session, schema: Option<&'a str>, table: &'a str) -> TableRef<'a> {
        match session.dialect {
            Dialect::Mysql => TableRef { catalog: schema.or(session.database.as_deref()), schema: None, table },
            Dialect::Postgres => TableRef { catalog: None, schema: Some(schema.unwrap_or("public")), table },
            _ => TableRef { catalog: None, schema, table },
        }
    }
}

/// A table's columns in table order, with whether each may hold NULL; PostgreSQL's unconstrained numerics
/// without the precision psqlodbc makes up for them.
pub(crate) fn columns(session: &Session, at: &TableRef) -> OdbcResult<Vec<(Described, bool)>> {
    let mut columns = Vec::new();
    let (catalog, schema, table) = (at.catalog.unwrap_or(""), pattern(at.schema), escape(at.table));
    for row in session.conn.columns(catalog, &schema, &table, "%")? {
        let row = row?;
        // A pattern matches case-insensitively on some drivers: only the table named exactly.
        if text(&row.table) != at.table {
            continue;
        }
        let described = Described {
            name: text(&row.column_name),
            code: row.data_type,
            type_name: text(&row.type_name),
            size: row.column_size.into_opt().and_then(|s| usize::try_from(s).ok()).filter(|s| *s > 0),
            digits: row.decimal_digits.into_opt(),
        };
        columns.push((row.ordinal_position, described, row.nullable != 0));
    }
    columns.sort_by_key(|(position, _, _)| *position);
    let free = match (session.dialect, at.schema) {
        (Dialect::Postgres, Some(schema)) => free_numerics(session, schema, at.table)?,
        _ => Vec::new(),
    };
    for (_, described, _) in columns.iter_mut().filter(|(_, d, _)| free.contains(&d.name)) {
        (described.size, described.digits) = (None, None);
    }
    Ok(columns.into_iter().map(|(_, d, nullable)| (d, nullable)).collect())
}

const POSTGRES_FREE_NUMERICS: &str = include_str!("../../../queries/odbc_postgres_free_numerics.sql");

const POSTGRES_HAS_PRIMARY_KEY: &str = include_str!("../../../queries/odbc_postgres_has_primary_key.sql");
const MYSQL_HAS_PRIMARY_KEY: &str = include_str!("../../../queries/odbc_mysql_has_primary_key.sql");

/// PostgreSQL's unconstrained `numeric` columns of a table (see the query).
fn free_numerics(session: &Session, schema: &str, table: &str) -> OdbcResult<Vec<String>> {
    let rows = query(&session.conn, POSTGRES_FREE_NUMERICS, &[Some(schema), Some(table)])?;
    Ok(rows.into_iter().filter_map(|row| row.into_iter().next().flatten()).collect())
}

/// The tables of a schema (MySQL/MariaDB: a database), sorted by name: ordinary tables only, as a native
/// catalog lists them.
pub(crate) fn tables(session: &Session, schema: Option<&str>) -> OdbcResult<Vec<String>> {
    let at = TableRef::new(session, schema, "");
    let mut names = Vec::new();
    for row in session.conn.tables(at.catalog.unwrap_or(""), &pattern(at.schema), "%", "TABLE")? {
        let row = row?;
        let name = text(&row.table);
        // SQLite keeps its AUTOINCREMENT counters in a table of its own.
        if !(session.dialect == Dialect::Sqlite && name.starts_with("sqlite_")) {
            names.push(name);
        }
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// The table's primary key and its unique indexes over the NOT NULL columns `not_null`, as the native
/// catalogs give them: whole-column indexes only, not partial ones, the primary key's own index left out.
pub(crate) fn keys(session: &Session, at: &TableRef, not_null: &[String]) -> OdbcResult<TableKeys> {
    let mut primary = Vec::new();
    let mut name = String::new();
    for row in session.conn.primary_keys(at.catalog, at.schema, at.table)? {
        let row = row?;
        primary.push((row.key_seq, text(&row.column)));
        name = text(&row.pk_name);
    }
    primary.sort();
    // Both drivers answer with a unique index over NOT NULL columns for a table without a primary key (MySQL
    // marks its columns `PRI` in information_schema): only a declared primary key is one.
    let declared = match session.dialect {
        Dialect::Postgres => Some(query(&session.conn, POSTGRES_HAS_PRIMARY_KEY, &[at.schema, Some(at.table)])?),
        Dialect::Mysql => Some(query(&session.conn, MYSQL_HAS_PRIMARY_KEY, &[at.catalog, Some(at.table)])?),
        _ => None,
    };
    if declared.is_some_and(|rows| rows.first().and_then(|r| r.first().cloned().flatten()).as_deref() == Some("0")) {
        primary.clear();
    }
    let mut primary_key: Option<Vec<String>> =
        (!primary.is_empty()).then(|| primary.into_iter().map(|(_, name)| name).collect());
    let indexes = unique_indexes(session, at)?;
    // psqlodbc numbers KEY_SEQ in table order: the key's own order is its index's (named as the constraint).
    if let (Some(key), Some(index)) = (&mut primary_key, indexes.iter().find(|i| i.name == name)) {
        if index.columns.len() == key.len() && index.columns.iter().all(|c| key.contains(c)) {
            key.clone_from(&index.columns);
        }
    }
    let unique = indexes
        .into_iter()
        .filter(|k| k.name != name && Some(&k.columns) != primary_key.as_ref())
        .filter(|k| k.columns.iter().all(|c| not_null.contains(c)))
        .collect();
    Ok(TableKeys { primary_key, unique })
}

// SQLStatistics is not wrapped by odbc-api; it is in every driver manager's libodbc, which odbc-sys links.
unsafe extern "system" {
    fn SQLStatistics(
        statement: HStmt,
        catalog: *const u8,
        catalog_length: i16,
        schema: *const u8,
        schema_length: i16,
        table: *const u8,
        table_length: i16,
        unique: u16,
        reserved: u16,
    ) -> SqlReturn;
}

/// SQL_INDEX_UNIQUE, SQL_QUICK (sqlext.h).
const INDEX_UNIQUE: u16 = 0;
const QUICK: u16 = 0;
/// SQL_NTS: the argument is NUL-terminated.
const NTS: i16 = -3;

/// The unique indexes of the table, by name, their columns in index order (`SQLStatistics`): indexes with a
/// filter condition (partial) or over an expression (no column name) left out.
fn unique_indexes(session: &Session, at: &TableRef) -> OdbcResult<Vec<UniqueKey>> {
    let statement = session.conn.preallocate()?.into_handle();
    let arg = |s: Option<&str>| std::ffi::CString::new(s.unwrap_or_default()).unwrap_or_default();
    let (catalog, schema, table) = (arg(at.catalog), arg(at.schema), arg(Some(at.table)));
    let pointer = |s: &std::ffi::CString, given: bool| if given { s.as_ptr().cast() } else { std::ptr::null() };
    // SAFETY: the handle is an allocated statement; the strings are NUL-terminated and outlive the call.
    let ret = unsafe {
        SQLStatistics(
            statement.as_sys(),
            pointer(&catalog, at.catalog.is_some()),
            NTS,
            pointer(&schema, at.schema.is_some()),
            NTS,
            table.as_ptr().cast(),
            NTS,
            INDEX_UNIQUE,
            QUICK,
        )
    };
    if ret == SqlReturn::ERROR || ret == SqlReturn::INVALID_HANDLE {
        let mut record = odbc_api::handles::Record::with_capacity(512);
        return Err(match record.fill_from(&statement, 1) {
            true => odbc_api::Error::Diagnostics { record, function: "SQLStatistics" },
            false => odbc_api::Error::NoDiagnostics { function: "SQLStatistics" },
        });
    }
    // SAFETY: SQLStatistics succeeded, so the statement holds a result set.
    let mut cursor = unsafe { CursorImpl::new(statement) };
    let mut indexes: BTreeMap<String, Vec<(i16, String)>> = BTreeMap::new();
    let mut partial: BTreeSet<String> = BTreeSet::new();
    let (mut buffer, mut non_unique, mut kind, mut position) =
        (Vec::new(), Nullable::<i16>::null(), Nullable::<i16>::null(), Nullable::<i16>::null());
    while let Some(mut row) = cursor.next_row()? {
        row.get_data(4, &mut non_unique)?;
        row.get_data(7, &mut kind)?;
        row.get_data(8, &mut position)?;
        // TYPE 0 is SQL_TABLE_STAT, the table's own statistics row, not an index.
        if kind.into_opt() == Some(0) || non_unique.into_opt() != Some(0) || !row.get_text(6, &mut buffer)? {
            continue;
        }
        let index = String::from_utf8_lossy(&buffer).into_owned();
        let filtered = row.get_text(13, &mut buffer)? && !buffer.is_empty();
        let column = row.get_text(9, &mut buffer)?.then(|| String::from_utf8_lossy(&buffer).into_owned());
        match column.filter(|c| !filtered && !c.is_empty()) {
            Some(column) => indexes.entry(index).or_default().push((position.into_opt().unwrap_or(0), column)),
            None => {
                partial.insert(index);
            }
        }
    }
    Ok(indexes
        .into_iter()
        .filter(|(name, _)| !partial.contains(name))
        .map(|(name, mut columns)| {
            columns.sort();
            UniqueKey { name, columns: columns.into_iter().map(|(_, c)| c).collect() }
        })
        .collect())
}

/// A catalog text column's value (empty for NULL or undecodable text).
fn text<const N: usize>(value: &odbc_api::parameter::VarCharArray<N>) -> String {
    value.as_str().ok().flatten().unwrap_or_default().to_string()
}

/// A schema argument of a catalog function: the schema's name as a pattern, or every schema.
fn pattern(schema: Option<&str>) -> String {
    schema.map_or_else(|| "%".to_string(), escape)
}

/// `name` as a search pattern matching only itself: `_` and `%` escaped by `\`, the escape ODBC drivers
/// report (`SQL_SEARCH_PATTERN_ESCAPE`).
fn escape(name: &str) -> String {
    name.replace('\\', "\\\\").replace('_', "\\_").replace('%', "\\%")
}
