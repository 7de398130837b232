//! Database sources: a PostgreSQL, MySQL/MariaDB or SQLite table (or read-only query) read inside one
//! read-only, snapshot-consistent transaction that stays open for the whole audit, so that rows read again to
//! show findings come from the same snapshot. Credentials never leave this module: locations are masked.

mod aggregate;
pub(crate) mod catalog;
mod failure;
mod keys;
mod missing;
mod mysql;
mod narrow;
mod parallel;
mod postgres;
mod probe;
mod pushdown;
mod reader;
mod sqlite;
mod text;
mod wire;
mod writable;

use std::sync::Arc;
use std::time::Duration;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use tokio::sync::{mpsc, Mutex};

use super::{ordinal, BatchIter, ScanUnit};
use crate::error::{Error, Result};
use crate::location::Database;
pub use crate::location::Engine;
use crate::normalize::{DECLARED_TYPE, READ_AS, UNREADABLE};
use failure::{describe, lost, snapshot_gone, sql_error};
pub use keys::KEYS_PER_STATEMENT;
pub(crate) use mysql::TRANSACTIONAL as MYSQL_TRANSACTIONAL;
#[cfg(feature = "odbc")]
pub(crate) use mysql::{
    cut_of, ColumnRow as MysqlColumnRow, COLUMNS as MYSQL_COLUMNS, JSON_COLUMNS as MYSQL_JSON_COLUMNS,
    SERVER as MYSQL_SERVER,
};
pub use narrow::Bound;
pub use parallel::{ReadConnections, ReadSettings};
#[cfg(feature = "odbc")]
pub(crate) use postgres::{column as postgres_column, COLUMNS as POSTGRES_COLUMNS};
#[cfg(feature = "odbc")]
pub(crate) use sqlite::{column as sqlite_column, COLUMNS as SQLITE_COLUMNS};
pub use wire::Wire;
pub use writable::Writable;

const POSTGRES_SAMPLE: &str = include_str!("../../../queries/postgres_sample.sql");
const MYSQL_SAMPLE: &str = include_str!("../../../queries/mysql_sample.sql");

/// Rows per Arrow batch built from database rows.
const BATCH_ROWS: usize = 8192;

impl Engine {
    /// Quotes an identifier for this engine's SQL.
    pub(crate) fn quote(self, name: &str) -> String {
        match self {
            Engine::Mysql => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }
}

/// How a side's database is read.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// A read-only SELECT to read instead of a table.
    pub query: Option<String>,
    pub connect_timeout: Duration,
    /// Zero means no limit.
    pub statement_timeout: Duration,
    /// A PostgreSQL snapshot to read in, exported by the side's catalog
    /// ([`Catalog::snapshot`](crate::source::catalog::Catalog::snapshot)): every table of an audit's side is
    /// then read as of one point in time. Only PostgreSQL shares snapshots between connections.
    pub snapshot: Option<String>,
    /// Connections an audit's side hands from table to table (see [`Connections`]).
    pub connections: Option<Connections>,
    /// The table's columns as the side's catalog read them: opening the table then asks the server nothing
    /// more about it (an audit's catalog reads every table's columns in one query).
    pub columns: Option<Columns>,
    /// The table's rows as the side's catalog estimated them (an audit's): progress lines need not ask again.
    pub estimate: Option<u64>,
    /// How many connections a full read of the table uses (see `parallel.rs`).
    pub read: ReadSettings,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            query: None,
            connect_timeout: crate::spec::CONNECT_TIMEOUT,
            statement_timeout: Duration::ZERO,
            snapshot: None,
            connections: None,
            columns: None,
            estimate: None,
            read: ReadSettings::default(),
        }
    }
}

/// Connections one side of an audit keeps between its tables. Each stays inside the read-only transaction it
/// began (in the side's exported snapshot, for PostgreSQL), so a table read on a kept connection is read as
/// of the same point in time, and the next table costs no connection, TLS handshake or session setup: on 200
/// small tables that setup was most of the audit's time. A table hands its connection back when it is done,
/// unless a statement on it failed (a failed statement ends a PostgreSQL transaction).
/// A table's columns as its side's catalog read them (see [`DbOptions::columns`]).
#[derive(Debug, Clone)]
pub struct Columns(Arc<Vec<SqlColumn>>);

impl Columns {
    pub(crate) fn new(columns: Vec<SqlColumn>) -> Columns {
        Columns(Arc::new(columns))
    }
}

#[derive(Clone, Default)]
pub struct Connections(Arc<std::sync::Mutex<Vec<Arc<Mutex<Conn>>>>>);

impl Connections {
    fn take(&self) -> Option<Arc<Mutex<Conn>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    fn give_back(&self, conn: Arc<Mutex<Conn>>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(conn);
    }
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.0.lock().map_or(0, |c| c.len());
        write!(f, "Connections({kept} kept)")
    }
}

/// A result column: its name, the database's type for it, and the Arrow type it is read as.
#[derive(Debug, Clone)]
pub(crate) struct SqlColumn {
    pub(crate) name: String,
    /// The type name the decoder dispatches on (PostgreSQL: pg_type.typname).
    pub(crate) db_type: String,
    /// The type as declared, with lengths and precision (`varchar(20)`, `numeric(12,2)`): for the report.
    pub(crate) declared: String,
    pub(crate) data_type: DataType,
    /// How a key literal is given this column's type when rows are read by key: PostgreSQL, the
    /// schema-qualified type to cast to (`pg_catalog.int4`); MySQL, a text column's `charset collation`;
    /// None where a literal needs nothing (or the column came from a query, whose types are not looked up).
    pub(crate) cast: Option<String>,
    /// An expression selected in the column's place (engine-quoted, e.g. MySQL `(`f` + 0e0)`), where the
    /// column's own form is not the one to read.
    pub(crate) select: Option<String>,
    /// Field metadata beside the declared type: the declared fraction digits of a timestamp and how its
    /// server cuts to them, or why the column cannot be read and how to read it as text.
    pub(crate) metadata: Vec<(&'static str, String)>,
}

impl SqlColumn {
    /// A column whose type recon reads as `data_type`, declared as `declared`.
    pub(crate) fn new(name: String, db_type: String, declared: String, data_type: DataType) -> SqlColumn {
        SqlColumn { name, db_type, declared, data_type, cast: None, select: None, metadata: Vec::new() }
    }

    /// A column recon cannot read (`what` it is, `read_as` an expression reading it as text): kept, typed
    /// `Null`, and refused only where it is compared (`normalize::resolve_fields`).
    pub(crate) fn unreadable(mut self, what: String, read_as: String) -> SqlColumn {
        self.data_type = DataType::Null;
        self.metadata.push((UNREADABLE, what));
        self.metadata.push((READ_AS, read_as));
        self
    }
}

enum Conn {
    Postgres(sqlx::PgConnection),
    Mysql(sqlx::MySqlConnection),
    Sqlite(sqlx::SqliteConnection),
}

/// A table or query inside an open read-only snapshot.
pub(crate) struct SqlTable {
    engine: Engine,
    location: String,
    /// The caller's runtime, on which every statement runs; the caller keeps it alive as long as the table.
    runtime: tokio::runtime::Handle,
    /// Taken by `drop`, which closes it or hands it back.
    conn: std::mem::ManuallyDrop<Arc<Mutex<Conn>>>,
    /// The relation rows come from: a quoted table name or a parenthesized query with an alias.
    relation: String,
    columns: Vec<SqlColumn>,
    schema: SchemaRef,
    /// A condition every full read applies: the sample's draw, when the database computes it.
    filter: Option<String>,
    /// The schema (as the location gives it) and name of the table; `None` for a query.
    table: Option<(Option<String>, String)>,
    /// When full reads are narrowed to listed keys: one ` WHERE (key) IN (…)` condition per statement (see
    /// `narrow.rs`).
    key_conditions: Option<Vec<String>>,
    /// The catalog's estimate of the table's rows, when the caller's catalog read it.
    estimate: Option<u64>,
    /// Where the connection goes back when the table is done, and whether every statement on it succeeded.
    connections: Option<Connections>,
    healthy: Arc<std::sync::atomic::AtomicBool>,
    /// Where the table is and how it was opened: a parallel read opens more connections like the first.
    database: Database,
    options: DbOptions,
    /// The parallel read planned at the first full read (and what it used), kept for later ones.
    split: Arc<Mutex<Option<Arc<parallel::Split>>>>,
}

impl Drop for SqlTable {
    fn drop(&mut self) {
        // The split's workers hold the table's own connection too.
        let split = self.split.try_lock().ok().and_then(|mut split| split.take());
        let mut done = split.map(parallel::Split::extra_workers).unwrap_or_default();
        // SAFETY: the field is never used again: this is the table's last use of it.
        let own = unsafe { std::mem::ManuallyDrop::take(&mut self.conn) };
        let healthy = self.healthy.load(std::sync::atomic::Ordering::Relaxed);
        // Only when no read still holds it: every unit was read to its end.
        match (&self.connections, healthy, Arc::strong_count(&own)) {
            (Some(connections), true, 1) => connections.give_back(own),
            _ => done.push(own),
        }
        parallel::close(done, &self.runtime);
    }
}

impl SqlTable {
    /// Connects, opens the snapshot and reads the relation's column types, on `runtime` (which must have its
    /// time driver enabled: the connection timeout needs it).
    pub(crate) fn open(location: Database, options: &DbOptions, runtime: &tokio::runtime::Handle) -> Result<SqlTable> {
        let masked = location.masked.clone();
        let db_error = |e: sqlx::Error| sql_error(&masked, &e);
        let runtime = runtime.clone();
        catalog::check_snapshot(&location, options)?;
        let relation = match (&location.table, &options.query) {
            (Some(_), Some(_)) => {
                return Err(Error::setting(
                    "--source-query/--target-query",
                    format!("{masked} names a table; give either the table or a query, not both"),
                ))
            }
            (None, None) => {
                return Err(Error::setting(
                    "--source-query/--target-query",
                    format!("{masked} names no table: add #table to the URL or give a query"),
                ))
            }
            (Some(table), None) => match &location.schema {
                Some(schema) => format!("{}.{}", location.engine.quote(schema), location.engine.quote(table)),
                None => location.engine.quote(table),
            },
            (None, Some(query)) => format!("({}) AS recon_query", query.trim().trim_end_matches(';')),
        };
        let (conn, columns) = runtime.block_on(async {
            // A kept connection first; if it went bad while idle (a server timeout, say), a fresh one.
            if let Some(kept) = options.connections.as_ref().and_then(Connections::take) {
                let columns = async {
                    let mut conn = kept.lock().await;
                    set_timeout(&mut conn, options).await?;
                    introspect(&mut conn, &location, &relation, options.columns.as_ref()).await
                };
                if let Ok(columns) = columns.await {
                    return Ok::<_, Error>((kept, columns));
                }
            }
            let mut conn = connect_in_snapshot(&location, options).await?;
            let columns =
                introspect(&mut conn, &location, &relation, options.columns.as_ref()).await.map_err(db_error)?;
            Ok((Arc::new(Mutex::new(conn)), columns))
        })?;
        if columns.is_empty() {
            let why = runtime.block_on(async { missing::explain(&mut *conn.lock().await, &location).await });
            return Err(Error::input(&masked, why));
        }
        // The declared type rides along as field metadata: the policy compares JSON, UUID and unconstrained
        // numerics by what the database says they are. A column recon cannot read is kept, typed Null, and
        // refused only if it is compared: a column left out is never read.
        let field = |c: &SqlColumn| {
            let mut metadata: std::collections::HashMap<String, String> =
                [(DECLARED_TYPE.to_string(), c.declared.to_ascii_lowercase())].into_iter().collect();
            metadata.extend(c.metadata.iter().map(|(k, v)| (k.to_string(), v.clone())));
            Field::new(&c.name, c.data_type.clone(), true).with_metadata(metadata)
        };
        let schema = Arc::new(Schema::new(columns.iter().map(field).collect::<Vec<_>>()));
        Ok(SqlTable {
            database: location.clone(),
            engine: location.engine,
            location: masked,
            runtime,
            conn: std::mem::ManuallyDrop::new(conn),
            relation,
            columns,
            schema,
            filter: None,
            table: location.table.map(|table| (location.schema, table)),
            key_conditions: None,
            estimate: options.estimate,
            connections: options.connections.clone(),
            healthy: Arc::new(std::sync::atomic::AtomicBool::new(true)),
            options: options.clone(),
            split: Arc::default(),
        })
    }

    /// The table's primary key and unique indexes over NOT NULL columns, read in its snapshot from the
    /// catalog queries an audit's catalog runs; none for a query.
    pub(crate) fn keys(&self) -> Result<crate::source::catalog::TableKeys> {
        let Some((schema, table)) = &self.table else { return Ok(Default::default()) };
        self.runtime
            .block_on(async {
                let mut conn = self.conn.lock().await;
                catalog::table_keys(&mut conn, schema.as_deref(), table).await
            })
            .map_err(|e| Error::database(&self.location, format!("reading the keys of {table}: {}", describe(&e))))
    }

    /// Whether full reads of the table see its snapshot: not a MySQL/MariaDB table of a storage engine without
    /// transactions (MyISAM, Aria, MEMORY…), which each statement reads as it is when it runs. A query or a view
    /// has no engine of its own to ask and is taken to.
    pub(crate) fn in_snapshot(&self) -> Result<bool> {
        let Some((schema, table)) = &self.table else { return Ok(true) };
        let transactions = self.runtime.block_on(async {
            let mut conn = self.conn.lock().await;
            let Conn::Mysql(conn) = &mut *conn else { return Ok(None) };
            let query =
                sqlx::query_scalar::<_, Option<String>>(MYSQL_TRANSACTIONAL).bind(schema.as_deref()).bind(table);
            query.fetch_optional(conn).await.map(Option::flatten)
        });
        let transactions = transactions.map_err(|e| {
            Error::database(&self.location, format!("reading the storage engine of {table}: {}", describe(&e)))
        })?;
        Ok(transactions.is_none_or(|t| t.trim().eq_ignore_ascii_case("yes")))
    }

    /// The table's schema (as its location names it) and name; `None` for a query.
    pub(crate) fn table_name(&self) -> Option<(Option<&str>, &str)> {
        self.table.as_ref().map(|(schema, table)| (schema.as_deref(), table.as_str()))
    }

    /// What a repair script must know of the table's columns (see `writable.rs`), read in its snapshot; none
    /// for a query.
    pub(crate) fn writable(&self) -> Result<Vec<Writable>> {
        let Some((schema, table)) = &self.table else { return Ok(Vec::new()) };
        self.runtime
            .block_on(async {
                let mut conn = self.conn.lock().await;
                writable::columns(&mut conn, schema.as_deref(), table, &self.columns).await
            })
            .map_err(|e| Error::database(&self.location, format!("reading the columns of {table}: {}", describe(&e))))
    }

    /// About how many rows a full read returns, from the catalog, without touching the table: for progress
    /// lines. `None` for a query, a read narrowed by a filter or to listed keys, SQLite (which keeps no
    /// estimate), or when the catalog cannot say.
    pub(crate) fn estimate_rows(&self) -> Option<u64> {
        let (schema, table) = self.table.as_ref()?;
        if self.filter.is_some() || self.key_conditions.is_some() {
            return None;
        }
        if self.estimate.is_some() {
            return self.estimate;
        }
        let estimate = self.runtime.block_on(async {
            let mut conn = self.conn.lock().await;
            catalog::table_estimate(&mut conn, schema.as_deref(), table).await
        });
        // A progress line's total, nothing more: a catalog this user may not read leaves it out.
        estimate.ok().flatten()
    }

    pub(crate) fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// One scan unit: the whole relation (or the rows the filter keeps), streamed by a task on this
    /// table's runtime.
    pub(crate) fn scan_units(&self, projection: &[usize]) -> Vec<ScanUnit> {
        if let Some(units) = self.key_units(projection) {
            return units;
        }
        if self.engine != Engine::Sqlite {
            return vec![self.parallel_unit(projection)];
        }
        let condition = self.filter.as_ref().map_or(String::new(), |f| format!(" WHERE {f}"));
        vec![self.select_unit(projection, self.select(projection, &condition))]
    }

    /// The SQL condition that keeps the rows a [`Selection::KeyText`](crate::sample::Selection)
    /// sample keeps: the first 32 bits of MD5 over `seed|key|key` (NULL parts left out) below `threshold`.
    /// `None` where this engine cannot write a key's text exactly as recon does: SQLite has no MD5, and
    /// only integer and (unpadded) text keys qualify.
    pub(crate) fn sample_condition(&self, key_names: &[String], seed: u64, threshold: u64) -> Option<String> {
        let mut key = Vec::with_capacity(key_names.len());
        for name in key_names {
            let column = self.columns.iter().find(|c| &c.name == name)?;
            key.push((name.as_str(), &column.data_type, column.select.is_some()));
        }
        sample_condition(self.engine, &key, seed, threshold)
    }

    /// `SELECT count(*)` of the rows full reads keep, in the snapshot.
    pub(crate) fn count_rows(&self) -> Result<u64> {
        let condition = self.filter.as_ref().map_or(String::new(), |f| format!(" WHERE {f}"));
        let sql = format!("SELECT count(*) FROM {}{condition}", self.relation);
        let count = self.runtime.block_on(async {
            let mut conn = self.conn.lock().await;
            match &mut *conn {
                Conn::Postgres(c) => sqlx::query_scalar::<_, i64>(&sql).fetch_one(c).await,
                Conn::Mysql(c) => sqlx::query_scalar::<_, i64>(&sql).fetch_one(c).await,
                Conn::Sqlite(c) => sqlx::query_scalar::<_, i64>(&sql).fetch_one(c).await,
            }
        });
        count.map(|n| n.max(0) as u64).map_err(|e| sql_error(&self.location, &e))
    }

    /// Makes every full read keep only the rows `condition` keeps, as well as those earlier conditions kept.
    pub(crate) fn restrict(&mut self, condition: String) {
        self.filter = Some(match self.filter.take() {
            Some(earlier) => format!("({earlier}) AND ({condition})"),
            None => condition,
        });
    }

    /// The statements that read the rows whose key is among `keys` (canonical key values), one per
    /// [`KEYS_PER_STATEMENT`] keys, each a hash semi-join of the relation with the keys as a `VALUES` list (see
    /// `keys.rs`). `None` when some key value has no exact SQL literal: the caller then reads everything.
    pub(crate) fn read_keys_sql(
        &self,
        projection: &[usize],
        key_names: &[String],
        keys: &[(&[ArrayRef], usize)],
    ) -> Result<Option<Vec<String>>> {
        let mut key_columns = Vec::with_capacity(key_names.len());
        for name in key_names {
            let column = self.columns.iter().find(|c| &c.name == name);
            key_columns
                .push(column.ok_or_else(|| Error::internal(format!("key column {name} is not in {}", self.location)))?);
        }
        let Some(tuples) = keys::tuples(self.engine, &key_columns, keys) else { return Ok(None) };
        // Rows a full read leaves out (a `where` filter, a sample drawn by the database) stay out here too.
        let filter = self.filter.as_ref().map_or(String::new(), |f| format!(" AND ({f})"));
        let statements = tuples
            .chunks(KEYS_PER_STATEMENT)
            .map(|chunk| self.select(projection, &(keys::condition(self.engine, &key_columns, chunk) + &filter)))
            .collect();
        Ok(Some(statements))
    }

    /// Units reading only the rows with these keys: see [`SqlTable::read_keys_sql`].
    pub(crate) fn read_keys(
        &self,
        projection: &[usize],
        key_names: &[String],
        keys: &[(&[ArrayRef], usize)],
    ) -> Result<Option<Vec<ScanUnit>>> {
        let statements = self.read_keys_sql(projection, key_names, keys)?;
        Ok(statements.map(|all| all.into_iter().map(|select| self.select_unit(projection, select)).collect()))
    }

    /// `SELECT` of the projected columns from the relation, with `condition` (empty or ` WHERE …`).
    fn select(&self, projection: &[usize], condition: &str) -> String {
        let list: Vec<String> = projection
            .iter()
            .map(|&i| {
                let (column, quoted) = (&self.columns[i], self.engine.quote(&self.columns[i].name));
                column.select.as_ref().map_or(quoted.clone(), |expression| format!("{expression} AS {quoted}"))
            })
            .collect();
        format!("SELECT {} FROM {}{condition}", list.join(", "), self.relation)
    }

    /// One scan unit running `select`, streamed by a task on the caller's runtime.
    fn select_unit(&self, projection: &[usize], select: String) -> ScanUnit {
        self.bound_unit(projection, select, None)
    }

    /// One scan unit running `select`, which refers to one bound value (see `narrow.rs`) when `bound` is
    /// given.
    fn bound_unit(&self, projection: &[usize], select: String, bound: Option<String>) -> ScanUnit {
        let columns: Vec<SqlColumn> = projection.iter().map(|&i| self.columns[i].clone()).collect();
        let (conn, handle, location) = (Arc::clone(&self.conn), self.runtime.clone(), self.location.clone());
        let healthy = self.healthy.clone();
        let open = move || -> Result<BatchIter> {
            let (tx, rx) = mpsc::channel::<Result<RecordBatch>>(4);
            handle.spawn(async move {
                let mut conn = conn.lock().await;
                if let Err(e) = stream(&mut conn, &select, bound.as_deref(), &columns, &tx, &location).await {
                    healthy.store(false, std::sync::atomic::Ordering::Relaxed);
                    // Nobody to tell when the reader has already gone.
                    let _ = tx.send(Err(e)).await;
                }
            });
            Ok(Box::new(Receiver(rx)))
        };
        ScanUnit::new(ordinal(0, 0), open)
    }
}

/// The SQL condition keeping a key-text sample's rows on `engine` (see [`SqlTable::sample_condition`]), for
/// key columns given as name, Arrow type and whether an expression is read in the column's place; `None` where
/// the engine or a key column does not allow it.
pub(crate) fn sample_condition(
    engine: Engine,
    key: &[(&str, &DataType, bool)],
    seed: u64,
    threshold: u64,
) -> Option<String> {
    let mut parts = vec![format!("'{seed}'")];
    for (name, data_type, selected) in key {
        let text = **data_type == DataType::Utf8;
        // A column read through an expression (MySQL bit(n), say) is not what the database hashes.
        if !(text || data_type.is_integer()) || *selected {
            return None;
        }
        let quoted = engine.quote(name);
        parts.push(match engine {
            Engine::Postgres => format!("{quoted}::text"),
            Engine::Mysql if text => format!("CONVERT({quoted} USING utf8mb4)"),
            Engine::Mysql => quoted,
            Engine::Sqlite => return None,
        });
    }
    let template = if engine == Engine::Postgres { POSTGRES_SAMPLE } else { MYSQL_SAMPLE };
    let condition = template.lines().filter(|l| !l.starts_with("--")).collect::<Vec<_>>().join(" ");
    Some(condition.replace("{parts}", &parts.join(", ")).replace("{threshold}", &threshold.to_string()))
}

/// Batches arriving from a streaming task, read on a worker thread.
struct Receiver(mpsc::Receiver<Result<RecordBatch>>);

impl Iterator for Receiver {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.blocking_recv()
    }
}

type Sender = mpsc::Sender<Result<RecordBatch>>;

/// Hands a batch to the reading thread; fails when that thread has stopped listening (it stops reading a
/// unit only when it has failed itself, so nobody sees this error but the streaming task, which stops).
async fn send(tx: &Sender, batch: Option<RecordBatch>) -> Result<()> {
    match batch {
        Some(batch) => tx.send(Ok(batch)).await.map_err(|_| Error::internal("the reader of a database unit stopped")),
        None => Ok(()),
    }
}

async fn stream(
    conn: &mut Conn,
    select: &str,
    bound: Option<&str>,
    columns: &[SqlColumn],
    tx: &Sender,
    location: &str,
) -> Result<()> {
    if let Some(bound) = bound {
        narrow::bind(conn, bound).await.map_err(|e| sql_error(location, &e))?;
    }
    match conn {
        Conn::Postgres(c) => postgres::stream(c, select, columns, tx, location).await,
        Conn::Mysql(c) => mysql::stream(c, select, columns, tx, location).await,
        Conn::Sqlite(c) => sqlite::stream(c, select, bound, columns, tx, location).await,
    }
}

/// A connection inside its read-only snapshot, or the error naming the (masked) location and, when the server
/// did not answer as the URL says, what answered there (see `probe.rs`).
async fn connect_in_snapshot(location: &Database, options: &DbOptions) -> Result<Conn> {
    let masked = &location.masked;
    probe::announce(location, options.connect_timeout);
    let mut conn = match tokio::time::timeout(options.connect_timeout, connect_watched(location, options)).await {
        Ok(connected) => connected?,
        Err(_) => {
            let probed = probe::identify(location, options.connect_timeout).await;
            return Err(Error::database(
                masked,
                probe::no_connection(location.engine, options.connect_timeout, probed),
            ));
        }
    };
    begin_snapshot(&mut conn, options).await.map_err(|e| match (&options.snapshot, snapshot_gone(&e)) {
        (Some(id), true) => Error::disconnected(
            masked,
            format!("the audit's snapshot {id} is gone (the connection that exported it closed: a server restart?)"),
        ),
        _ => sql_error(masked, &e),
    })?;
    Ok(conn)
}

/// Connects, or says why not. A protocol error may mean another kind of server answered: the probe says which.
/// A MySQL client that the server has not greeted within [`probe::GREETING`] asks then whether PostgreSQL
/// listens there (it waits for the client to speak first) instead of waiting out the timeout.
async fn connect_watched(location: &Database, options: &DbOptions) -> Result<Conn> {
    use futures::future::{select, Either};
    let mut connecting = Box::pin(connect(location, options));
    if location.engine == Engine::Mysql {
        match select(connecting, Box::pin(tokio::time::sleep(probe::GREETING))).await {
            Either::Left((connected, _)) => return explained(location, options, connected).await,
            Either::Right((_, waiting)) => connecting = waiting,
        }
        if let Some((port, probe::Found::Postgres)) = probe::identify(location, options.connect_timeout).await {
            let wrong = probe::wrong_server(location.engine, port, &probe::Found::Postgres).unwrap_or_default();
            return Err(Error::database(&location.masked, wrong));
        }
    }
    explained(location, options, connecting.await).await
}

/// A connection's outcome, its error as a sentence: what answered instead, after a protocol error.
async fn explained(location: &Database, options: &DbOptions, connected: Result<Conn, sqlx::Error>) -> Result<Conn> {
    match connected {
        Ok(conn) => Ok(conn),
        Err(error @ sqlx::Error::Protocol(_)) => {
            let probed = probe::identify(location, options.connect_timeout).await;
            let wrong = probed.and_then(|(port, found)| probe::wrong_server(location.engine, port, &found));
            Err(Error::database(&location.masked, wrong.unwrap_or_else(|| describe(&error))))
        }
        Err(error) => Err(sql_error(&location.masked, &error)),
    }
}

async fn connect(location: &Database, options: &DbOptions) -> Result<Conn, sqlx::Error> {
    use sqlx::Connection;
    Ok(match location.engine {
        Engine::Postgres => Conn::Postgres(sqlx::PgConnection::connect(&location.url).await?),
        Engine::Mysql => Conn::Mysql(sqlx::MySqlConnection::connect(&location.url).await?),
        Engine::Sqlite => {
            use std::str::FromStr;
            let sqlite_options = sqlx::sqlite::SqliteConnectOptions::from_str(&location.url)?
                .read_only(true)
                .create_if_missing(false)
                .busy_timeout(options.statement_timeout.max(Duration::from_secs(5)));
            Conn::Sqlite(sqlx::SqliteConnection::connect_with(&sqlite_options).await?)
        }
    })
}

/// Opens the read-only snapshot the whole audit reads from, with the session time zone set to UTC.
async fn begin_snapshot(conn: &mut Conn, options: &DbOptions) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    match conn {
        Conn::Postgres(c) => {
            c.execute("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
            // Before any query: the snapshot is taken by the first one (`SET TRANSACTION SNAPSHOT` in
            // https://www.postgresql.org/docs/15/sql-set-transaction.html). The id was checked by check_snapshot.
            if let Some(snapshot) = &options.snapshot {
                c.execute(format!("SET TRANSACTION SNAPSHOT '{snapshot}'").as_str()).await?;
            }
            c.execute("SET LOCAL TIME ZONE 'UTC'").await?;
        }
        Conn::Mysql(c) => {
            c.execute("SET SESSION time_zone = '+00:00'").await?;
            // A connection whose rows wait their turn (a parallel read's worker) must not be cut after 60 s.
            c.execute("SET SESSION net_write_timeout = GREATEST(@@net_write_timeout, 3600)").await?;
            c.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ").await?;
        }
        Conn::Sqlite(c) => {
            // A deferred transaction takes its snapshot at the first read and holds it until the end.
            c.execute("BEGIN").await?;
        }
    }
    set_timeout(conn, options).await?;
    if let Conn::Mysql(c) = conn {
        c.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY").await?;
    }
    Ok(())
}

/// The table's statement timeout (each table of an audit may set its own; a kept connection takes the next
/// table's).
async fn set_timeout(conn: &mut Conn, options: &DbOptions) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    let seconds = options.statement_timeout.as_secs();
    match conn {
        Conn::Postgres(c) => {
            c.execute(format!("SET LOCAL statement_timeout = {}", seconds * 1000).as_str()).await?;
        }
        Conn::Mysql(c) => {
            // MariaDB names the limit max_statement_time (seconds), MySQL max_execution_time (ms).
            let mariadb = c.execute(format!("SET SESSION max_statement_time = {seconds}").as_str()).await;
            if mariadb.is_err() {
                c.execute(format!("SET SESSION max_execution_time = {}", seconds * 1000).as_str()).await?;
            }
        }
        Conn::Sqlite(_) => {}
    }
    Ok(())
}

async fn introspect(
    conn: &mut Conn,
    location: &Database,
    relation: &str,
    known: Option<&Columns>,
) -> Result<Vec<SqlColumn>, sqlx::Error> {
    match (conn, &location.table) {
        (_, Some(_)) if known.is_some() => Ok(known.map(|k| k.0.to_vec()).unwrap_or_default()),
        (Conn::Postgres(c), Some(table)) => {
            postgres::table_columns(c, location.schema.as_deref().unwrap_or("public"), table).await
        }
        (Conn::Mysql(c), Some(table)) => mysql::table_columns(c, location.schema.as_deref(), table).await,
        (Conn::Sqlite(c), Some(table)) => sqlite::table_columns(c, table).await,
        (conn, None) => query_columns(conn, relation).await,
    }
}

/// A query's columns, as the driver describes them (without precision or scale: unconstrained decimals
/// are read as canonical decimal text).
async fn query_columns(conn: &mut Conn, relation: &str) -> Result<Vec<SqlColumn>, sqlx::Error> {
    let sql = format!("SELECT * FROM {relation}");
    let described = match conn {
        Conn::Postgres(c) => described(&mut *c, &sql).await?,
        Conn::Mysql(c) => described(&mut *c, &sql).await?,
        Conn::Sqlite(c) => described(&mut *c, &sql).await?,
    };
    let engine = match conn {
        Conn::Postgres(_) => Engine::Postgres,
        Conn::Mysql(_) => Engine::Mysql,
        Conn::Sqlite(_) => Engine::Sqlite,
    };
    Ok(described
        .into_iter()
        .map(|(name, db_type)| {
            let lower = db_type.to_ascii_lowercase();
            match engine {
                Engine::Postgres => postgres::column(name, &lower, -1, db_type, None),
                Engine::Mysql => mysql::column(name, lower.split(' ').next().unwrap_or(""), &lower, None, None),
                Engine::Sqlite => sqlite::column(name, db_type),
            }
        })
        .collect())
}

/// Each result column's name and the driver's name for its type.
async fn described<'c, E: sqlx::Executor<'c>>(executor: E, sql: &'c str) -> Result<Vec<(String, String)>, sqlx::Error> {
    use sqlx::{Column, TypeInfo};
    let description = executor.describe(sql).await?;
    Ok(description.columns().iter().map(|k| (k.name().to_string(), k.type_info().name().to_string())).collect())
}
