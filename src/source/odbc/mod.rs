//! ODBC sources (cargo feature `odbc`): a table or read-only query behind any ODBC driver — SQL Server,
//! Oracle, Db2, Snowflake, and the PostgreSQL, MariaDB and SQLite drivers the tests run — read into Arrow by
//! arrow-odbc with a schema recon builds from the driver's catalog, in one read-only transaction per table,
//! on threads of its own (ODBC calls block), in batches bounded by rows and bytes.

use arrow_odbc::odbc_api;
mod catalog;
pub(crate) mod collection;
mod connect;
mod narrow;
mod native;
mod reader;
mod rows;
mod types;

use std::sync::{Arc, Mutex};

use arrow::array::{ArrayRef, AsArray, RecordBatch, StringArray};
use arrow::datatypes::{Field, Schema, SchemaRef};
use arrow_odbc::{OdbcReaderBuilder, TextEncoding};
use odbc_api::{Cursor, ResultSetMetadata};

use self::catalog::TableRef;
use self::connect::{describe, Dialect, Session};
use self::types::{After, Described, OdbcColumn};
use super::catalog::TableKeys;
use super::{ordinal, BatchIter, DbOptions, ScanUnit};
use crate::error::{Error, Result};
use crate::location::Odbc;
use crate::normalize::{DECLARED_TYPE, READ_AS, UNREADABLE};

/// Rows per batch fetched from the driver (one round trip each), and the most bytes its buffers may take:
/// arrow-odbc fetches fewer rows when a row's buffers are wide (long text is bound at its full size).
const BATCH_ROWS: usize = 8192;
const BATCH_BYTES: usize = 256 << 20;

/// Characters of the longest text value recon reads; a longer one is refused by column, never truncated.
pub(crate) const MAX_TEXT: usize = 1 << 20;
/// Bytes of the longest binary value recon reads.
pub(crate) const MAX_BINARY: usize = 1 << 22;

/// Batches waiting between the thread reading from the driver and recon's reader of the unit.
const QUEUED_BATCHES: usize = 2;

/// A table or query behind an ODBC driver, inside its read-only transaction.
pub(crate) struct OdbcTable {
    location: String,
    session: Arc<Mutex<Session>>,
    /// The relation rows come from: a quoted table name or a parenthesized query with an alias.
    relation: String,
    columns: Vec<OdbcColumn>,
    schema: SchemaRef,
    /// NOT NULL columns (a table's), from which unique indexes qualify as keys.
    not_null: Vec<String>,
    /// A condition every full read applies (`where`, a sample's draw).
    filter: Option<String>,
    table: Option<(Option<String>, String)>,
    /// When full reads are narrowed to listed keys: one condition per statement.
    key_conditions: Option<Vec<String>>,
}

impl OdbcTable {
    /// Connects, opens the table's transaction and reads its columns from the driver's catalog (a query's from
    /// its result metadata).
    pub(crate) fn open(odbc: &Odbc, masked: &str, options: &DbOptions) -> Result<OdbcTable> {
        let read = match (&odbc.table, &options.query) {
            (Some(_), Some(_)) => {
                return Err(Error::setting(
                    "--source-query/--target-query",
                    format!("{masked} names a table; give either the table or a query, not both"),
                ))
            }
            (None, None) => {
                return Err(Error::setting(
                    "--source-query/--target-query",
                    format!("{masked} names no table: add #table (or #schema.table) or give a query"),
                ))
            }
            (Some(table), None) => Read::Table(odbc.schema.clone(), table.clone()),
            (None, Some(query)) => Read::Query(query.trim().trim_end_matches(';').to_string()),
        };
        let mut session = connect::connect(odbc, masked, options.connect_timeout)?;
        let (relation, columns, not_null) = match &read {
            Read::Table(schema, name) => {
                let columns = table_columns(&session, schema.as_deref(), name, masked)?;
                let at = TableRef::new(&session, schema.as_deref(), name);
                let snapshot = connect::table_snapshot(&session, at.catalog, at.table)
                    .map_err(|e| Error::database(masked, describe(&e)))?;
                session.snapshot = snapshot;
                columns
            }
            Read::Query(query) => {
                let described = query_columns(&session, query).map_err(|e| Error::database(masked, describe(&e)))?;
                let columns = described.iter().map(|d| types::column(d, session.dialect, session.cut)).collect();
                (format!("({query}) recon_query"), columns, Vec::new())
            }
        };
        let table = match read {
            Read::Table(schema, name) => Some((schema, name)),
            Read::Query(_) => None,
        };
        let schema = Arc::new(Schema::new(columns.iter().map(|c| field(c, &session)).collect::<Vec<_>>()));
        Ok(OdbcTable {
            location: masked.to_string(),
            session: Arc::new(Mutex::new(session)),
            relation,
            columns,
            schema,
            not_null,
            filter: None,
            table,
            key_conditions: None,
        })
    }

    /// Whether the table is read in one snapshot (see `connect::opening` and `connect::table_snapshot`).
    pub(crate) fn snapshot(&self) -> bool {
        self.lock().snapshot
    }

    /// The native engine whose SQL the server speaks, where recon knows one whose sampling SQL it can use.
    fn engine(&self) -> Option<crate::source::Engine> {
        match self.lock().dialect {
            Dialect::Postgres => Some(crate::source::Engine::Postgres),
            Dialect::Mysql => Some(crate::source::Engine::Mysql),
            Dialect::Sqlite
            | Dialect::SqlServer
            | Dialect::Oracle
            | Dialect::Db2
            | Dialect::Snowflake
            | Dialect::Other => None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The table's primary key and unique indexes over NOT NULL columns; none for a query.
    pub(crate) fn keys(&self) -> Result<TableKeys> {
        let Some((schema, table)) = &self.table else { return Ok(TableKeys::default()) };
        let session = self.lock();
        let at = TableRef::new(&session, schema.as_deref(), table);
        catalog::keys(&session, &at, &self.not_null)
            .map_err(|e| Error::database(&self.location, format!("reading the keys of {table}: {}", describe(&e))))
    }

    /// `SELECT count(*)` of the rows full reads keep, in the transaction.
    pub(crate) fn count_rows(&self) -> Result<u64> {
        let sql = format!("SELECT count(*) FROM {}{}", self.relation, self.condition());
        let session = self.lock();
        let counted = (|| -> std::result::Result<Option<u64>, odbc_api::Error> {
            let mut buffer = Vec::new();
            let Some(mut cursor) = session.conn.execute(&sql, (), None)? else { return Ok(None) };
            let Some(mut row) = cursor.next_row()? else { return Ok(None) };
            row.get_text(1, &mut buffer)?;
            Ok(std::str::from_utf8(&buffer).ok().and_then(|t| t.trim().parse().ok()))
        })();
        counted
            .map_err(|e| connect::read_error(&self.location, &e))?
            .ok_or_else(|| Error::database(&self.location, "count(*) returned no number"))
    }

    /// ` WHERE filter`, or nothing.
    fn condition(&self) -> String {
        self.filter.as_ref().map_or(String::new(), |f| format!(" WHERE {f}"))
    }

    /// Makes every full read keep only the rows `condition` keeps, as well as those earlier conditions kept.
    pub(crate) fn restrict(&mut self, condition: String) {
        self.filter = Some(match self.filter.take() {
            Some(earlier) => format!("({earlier}) AND ({condition})"),
            None => condition,
        });
    }

    /// One unit reading the relation (what the filter keeps), or one per key list when narrowed to keys.
    pub(crate) fn scan_units(&self, projection: &[usize]) -> Vec<ScanUnit> {
        match &self.key_conditions {
            Some(conditions) => conditions
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let unit = self.unit(projection, self.select(projection, c));
                    ScanUnit::new(ordinal(i, 0), move || unit.open())
                })
                .collect(),
            None => vec![self.unit(projection, self.select(projection, &self.condition()))],
        }
    }

    /// `SELECT` of the projected columns from the relation, with `condition` (empty or ` WHERE …`).
    fn select(&self, projection: &[usize], condition: &str) -> String {
        let session = self.lock();
        let list: Vec<String> = projection
            .iter()
            .map(|&i| {
                let (column, quoted) = (&self.columns[i], session.quote(&self.columns[i].name));
                column.select.as_ref().map_or(quoted.clone(), |expression| format!("{expression} AS {quoted}"))
            })
            .collect();
        format!("SELECT {} FROM {}{condition}", list.join(", "), self.relation)
    }

    /// One scan unit running `select` on a thread of its own, which holds the table's connection while it
    /// reads and hands batches over a bounded queue.
    fn unit(&self, projection: &[usize], select: String) -> ScanUnit {
        let columns: Vec<OdbcColumn> = projection.iter().map(|&i| self.columns[i].clone()).collect();
        let (session, location) = (self.session.clone(), self.location.clone());
        let schema = self.schema.project(projection).map(Arc::new);
        let open = move || -> Result<BatchIter> {
            let schema = schema.map_err(|e| Error::arrow(&location, e))?;
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<RecordBatch>>(QUEUED_BATCHES);
            let reading = std::thread::Builder::new().name("recon-odbc".into()).spawn(move || {
                let session = session.lock().unwrap_or_else(|e| e.into_inner());
                if let Err(e) = stream(&session, &select, &columns, &schema, &tx, &location) {
                    // Nobody to tell when the reader has already gone.
                    let _ = tx.send(Err(e));
                }
            });
            reading.map_err(|e| Error::internal(format!("cannot start a thread reading ODBC rows: {e}")))?;
            Ok(Box::new(rx.into_iter()))
        };
        ScanUnit::new(ordinal(0, 0), open)
    }
}

/// Runs `select` and hands its rows, as batches of `schema`, to `tx` until the result ends or the reader
/// stops listening.
fn stream(
    session: &Session,
    select: &str,
    columns: &[OdbcColumn],
    schema: &SchemaRef,
    tx: &std::sync::mpsc::SyncSender<Result<RecordBatch>>,
    location: &str,
) -> Result<()> {
    let db_error = |e: odbc_api::Error| connect::read_error(location, &e);
    let cursor = session.conn.execute(select, (), None).map_err(db_error)?;
    let cursor = cursor.ok_or_else(|| Error::database(location, format!("{select} returned no result set")))?;
    let read = Schema::new(columns.iter().map(|c| Field::new(&c.name, c.read.clone(), true)).collect::<Vec<_>>());
    let reader = OdbcReaderBuilder::new()
        .with_schema(Arc::new(read))
        .with_max_num_rows_per_batch(BATCH_ROWS)
        .with_max_bytes_per_batch(BATCH_BYTES)
        .with_max_text_size(MAX_TEXT)
        .with_max_binary_size(MAX_BINARY)
        .with_fallibale_allocations(true)
        // Wide reads: the driver converts its text to UTF-16 itself, whatever the client's locale says.
        .with_payload_text_encoding(TextEncoding::Utf16)
        .build(cursor)
        .map_err(|e| Error::database(location, reading_error(&e.to_string())))?;
    for batch in reader {
        let batch = batch.map_err(|e| Error::database(location, reading_error(&e.to_string())))?;
        let batch = finish(&batch, columns, schema).map_err(|e| Error::arrow(location, e))?;
        if tx.send(Ok(batch)).is_err() {
            break;
        }
    }
    Ok(())
}

/// What went wrong reading rows, with what to do when a value was longer than recon reads.
fn reading_error(message: &str) -> String {
    let message = crate::secrets::mask(message);
    if message.to_ascii_lowercase().contains("truncat") {
        return format!(
            "a value is longer than recon reads of a long column ({MAX_TEXT} characters of text, {MAX_BINARY} bytes \
             of binary): refused rather than cut; leave the column out with --exclude, or compare a hash of it in \
             a query ({message})"
        );
    }
    message
}

/// A batch as arrow-odbc read it, made what recon compares: CHAR blanks trimmed, GUIDs lower-cased, text
/// and zone-less timestamps cast to their columns' types.
fn finish(batch: &RecordBatch, columns: &[OdbcColumn], schema: &SchemaRef) -> arrow::error::Result<RecordBatch> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    for (array, column) in batch.columns().iter().zip(columns) {
        arrays.push(match column.after {
            After::Nothing => array.clone(),
            After::TrimBlanks => trimmed(array),
            After::Lowercase => lowercased(array),
            After::Cast => {
                let options = arrow::compute::CastOptions { safe: false, ..Default::default() };
                arrow::compute::cast_with_options(array, &column.data_type, &options)?
            }
        });
    }
    RecordBatch::try_new(schema.clone(), arrays)
}

/// CHAR values without their padding blanks, copied once into the new array (no string per value).
fn trimmed(array: &ArrayRef) -> ArrayRef {
    let text = array.as_string::<i32>();
    Arc::new(text.iter().map(|v| v.map(|s| s.trim_end_matches(' '))).collect::<StringArray>())
}

/// GUIDs in lower case; a value already lower case is copied as it is.
fn lowercased(array: &ArrayRef) -> ArrayRef {
    fn lower(s: &str) -> std::borrow::Cow<'_, str> {
        match s.bytes().any(|b| b.is_ascii_uppercase()) {
            true => std::borrow::Cow::Owned(s.to_ascii_lowercase()),
            false => std::borrow::Cow::Borrowed(s),
        }
    }
    let text = array.as_string::<i32>();
    Arc::new(text.iter().map(|v| v.map(lower)).collect::<StringArray>())
}

/// A column as a field of the table's schema: its declared type and how timestamps are cut ride along as
/// metadata; a column recon cannot read is typed Null and refused only if compared.
fn field(column: &OdbcColumn, session: &Session) -> Field {
    let mut metadata: std::collections::HashMap<String, String> =
        [(DECLARED_TYPE.to_string(), column.declared.to_ascii_lowercase())].into_iter().collect();
    metadata.extend(column.metadata.iter().map(|(k, v)| (k.to_string(), v.clone())));
    if let Some(what) = &column.unreadable {
        let quoted = session.quote(&column.name);
        let read_as = match session.dialect {
            Dialect::Mysql => format!("CAST({quoted} AS CHAR)"),
            Dialect::Postgres | Dialect::Sqlite => format!("CAST({quoted} AS TEXT)"),
            Dialect::SqlServer | Dialect::Oracle | Dialect::Db2 | Dialect::Snowflake | Dialect::Other => {
                format!("CAST({quoted} AS VARCHAR(4000))")
            }
        };
        metadata.insert(UNREADABLE.to_string(), what.clone());
        metadata.insert(READ_AS.to_string(), read_as);
    }
    Field::new(&column.name, column.data_type.clone(), true).with_metadata(metadata)
}

/// What a location reads: a table (in a schema) or a query.
enum Read {
    Table(Option<String>, String),
    Query(String),
}

/// A table's quoted name, its columns — typed by the native mapping of its engine where recon has one, else
/// from the driver's catalog — and its NOT NULL columns; a table without columns is missing, named.
fn table_columns(
    session: &Session,
    schema: Option<&str>,
    name: &str,
    masked: &str,
) -> Result<(String, Vec<OdbcColumn>, Vec<String>)> {
    let db_error = |e: odbc_api::Error| Error::database(masked, describe(&e));
    let at = TableRef::new(session, schema, name);
    let described = catalog::columns(session, &at).map_err(db_error)?;
    if described.is_empty() {
        return Err(Error::input(masked, missing_table(&at)));
    }
    let columns = match native::columns(session, &at).map_err(db_error)? {
        Some(native) if native.len() == described.len() => {
            native.into_iter().map(|c| types::from_native(c, session.dialect)).collect()
        }
        _ => described.iter().map(|(d, _)| types::column(d, session.dialect, session.cut)).collect(),
    };
    let relation = match schema {
        Some(schema) => format!("{}.{}", session.quote(schema), session.quote(name)),
        None => session.quote(name),
    };
    let not_null = described.iter().filter(|(_, nullable)| !nullable).map(|(d, _)| d.name.clone()).collect();
    Ok((relation, columns, not_null))
}

/// A query's columns as the driver describes its result (without a type name; decimals without precision).
fn query_columns(session: &Session, query: &str) -> std::result::Result<Vec<Described>, odbc_api::Error> {
    let mut prepared = session.conn.prepare(query)?;
    let count = prepared.num_result_cols()?;
    let mut columns = Vec::new();
    for i in 1..=count as u16 {
        let data_type = prepared.col_data_type(i)?;
        columns.push(Described {
            name: prepared.col_name(i)?,
            code: data_type.data_type().0,
            type_name: String::new(),
            size: data_type.column_size().map(|s| s.get()),
            digits: Some(data_type.decimal_digits()),
        });
    }
    // A result set's decimals may have no declared precision, which drivers make up (psqlodbc: 28,6): read as
    // decimal text, as the native readers read a query's decimals.
    for column in columns.iter_mut().filter(|c| types::is_decimal(c.code)) {
        (column.size, column.digits) = (None, None);
    }
    Ok(columns)
}

/// Why a table has no columns: it is not there (or this user may not see it).
fn missing_table(at: &TableRef) -> String {
    let place = match (at.catalog, at.schema) {
        (Some(database), _) => format!(" in database {database}"),
        (None, Some(schema)) => format!(" in schema {schema}"),
        (None, None) => String::new(),
    };
    format!("no table named {}{place} (or none this user may read)", at.table)
}

impl Drop for OdbcTable {
    /// Ends the read-only transaction: nothing was written, so a rollback is all there is to do.
    fn drop(&mut self) {
        let _ = self.lock().conn.rollback();
    }
}
