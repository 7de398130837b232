//! A full read of one database table over several connections (`--db-connections`): the table is split into
//! chunks that worker connections read one after another from a shared queue, their batches merged into the one
//! stream the first pass reads, so memory stays bounded by the channel however many connections read.
//!
//! | engine | one point in time | split by |
//! |---|---|---|
//! | PostgreSQL | the side's exported snapshot (an audit's, else exported here by the table's own transaction with `pg_export_snapshot()`), imported by every worker (`SET TRANSACTION SNAPSHOT`): `"snapshot": "shared"` | block ranges of the heap, `ctid >= '(a,0)' AND ctid < '(b,0)'`, read by TID range scans (PostgreSQL 14+) |
//! | MySQL, MariaDB | none shared: every worker (the table's own connection among them) begins `START TRANSACTION WITH CONSISTENT SNAPSHOT` at the same moment: `"snapshot": "per_connection"` | ranges of the primary key: of its first column by arithmetic when that is an integer, else boundaries the server picks from the key's own order (its collation for text) |
//!
//! A read that cannot be split (a query, a view, a table without a key to split by, a small table when the
//! count was not asked for) stays on one connection and the report says why. A chunk is one statement, so
//! `--statement-timeout` bounds each.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use tokio::sync::{mpsc, Mutex};

use super::{
    connect_in_snapshot, describe, keys, lost, stream, Conn, DbOptions, Engine, Receiver, SqlColumn, SqlTable,
};
use crate::error::{Error, Result};
use crate::location::Database;
use crate::source::{ordinal, BatchIter, ScanUnit};

/// Connections recon opens per side at most when `--db-connections` is not given.
const DEFAULT_MAX: usize = 8;
/// Chunks per connection: a worker that finishes early takes another (dead tuples, skewed keys).
const CHUNKS_PER_CONNECTION: usize = 4;
/// Below this many heap blocks (64 MiB) a PostgreSQL table is read on one connection unless asked otherwise.
const SMALL_BLOCKS: i64 = 8192;
/// Below this many rows (the catalog's estimate) a MySQL table is read on one connection unless asked otherwise.
const SMALL_ROWS: u64 = 500_000;

/// How a side's full reads use connections: `--db-connections`, and what the default is a function of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadSettings {
    /// `--db-connections`; `None`: one per worker thread, at most [`DEFAULT_MAX`].
    pub connections: Option<usize>,
    /// Reads that may take this server's free slots at once: an audit's `--jobs`, doubled when both sides are
    /// on one server.
    pub sharing: usize,
    /// The session's worker threads.
    pub threads: usize,
}

impl Default for ReadSettings {
    fn default() -> Self {
        ReadSettings { connections: None, sharing: 1, threads: 1 }
    }
}

/// What a side's full read used, for its block of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadConnections {
    pub connections: usize,
    /// `shared` (PostgreSQL: one exported snapshot) or `per_connection` (MySQL/MariaDB); `None` for one.
    pub snapshot: Option<&'static str>,
    /// Why fewer connections read than were asked for (or than the default).
    pub note: Option<String>,
}

/// A table's parallel read, planned at its first full read and kept for later ones (same connections, same
/// snapshots): the worker connections, the table's own first, and the conditions of its chunks.
pub(super) struct Split {
    workers: Vec<Arc<Mutex<Conn>>>,
    chunks: Vec<String>,
    used: ReadConnections,
}

/// What planning a split needs of its table.
pub(super) struct Table<'a> {
    pub(super) engine: Engine,
    pub(super) database: &'a Database,
    pub(super) options: &'a DbOptions,
    pub(super) relation: &'a str,
    pub(super) columns: &'a [SqlColumn],
    pub(super) conn: &'a Arc<Mutex<Conn>>,
}

impl Table<'_> {
    /// Plans the split: how many connections the server can spare, where the chunks start, and the worker
    /// connections, each in the side's snapshot.
    pub(super) async fn split(&self) -> Result<Split> {
        let wanted = self.options.read.connections.unwrap_or(self.options.read.threads.clamp(1, DEFAULT_MAX));
        let single = |note: Option<String>| Split {
            workers: vec![Arc::clone(self.conn)],
            chunks: vec![String::new()],
            used: ReadConnections { connections: 1, snapshot: None, note },
        };
        if wanted == 1 {
            return Ok(single(None));
        }
        let (free, mut note) = self.free_slots(wanted).await?;
        let n = wanted.min(free);
        if n == 1 {
            return Ok(single(note));
        }
        let chunks = match self.chunks(n).await? {
            Ok(chunks) if chunks.len() > 1 => chunks,
            Ok(_) => return Ok(single(Some("the table is too small to split".into()))),
            Err(why) => return Ok(single(Some(why))),
        };
        let n = n.min(chunks.len());
        let workers = self.workers(n, &mut note).await?;
        let snapshot = if self.engine == Engine::Postgres { "shared" } else { "per_connection" };
        let used = ReadConnections { connections: workers.len(), snapshot: Some(snapshot), note };
        Ok(Split { workers, chunks, used })
    }

    /// The connections one read may take: half the server's free slots (`max_connections` less those in use and,
    /// on PostgreSQL, those reserved for superusers), shared by the reads that may run at once; with a note
    /// when that is fewer than `wanted`.
    async fn free_slots(&self, wanted: usize) -> Result<(usize, Option<String>)> {
        let sql = match self.engine {
            Engine::Postgres => include_str!("../../../queries/free_slots_postgres.sql"),
            _ => include_str!("../../../queries/free_slots_mysql.sql"),
        };
        let free: i64 = {
            let mut conn = self.conn.lock().await;
            match &mut *conn {
                Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_one(c).await,
                Conn::Mysql(c) => sqlx::query_scalar(sql).fetch_one(c).await,
                Conn::Sqlite(_) => Ok(1),
            }
            .map_err(|e| self.error("reading the free connection slots", &e))?
        };
        Ok(budget(free, self.options.read.sharing, wanted))
    }

    /// The chunks' conditions, or why the table is read whole.
    async fn chunks(&self, n: usize) -> Result<Result<Vec<String>, String>> {
        if self.database.table.is_none() {
            return Ok(Err("a query is read on one connection: it has no blocks or key to split by".into()));
        }
        match self.engine {
            Engine::Postgres => self.block_ranges(n).await,
            _ => self.key_ranges(n).await,
        }
    }

    /// PostgreSQL: `n × CHUNKS_PER_CONNECTION` ranges of heap blocks; the last open-ended (the heap may have
    /// grown since, with rows the snapshot does not see).
    async fn block_ranges(&self, n: usize) -> Result<Result<Vec<String>, String>> {
        let sql = include_str!("../../../queries/relation_blocks_postgres.sql");
        let row: Option<(String, i64, i32)> = {
            let mut conn = self.conn.lock().await;
            let Conn::Postgres(c) = &mut *conn else {
                return Err(Error::internal("block ranges of a non-PostgreSQL table"));
            };
            sqlx::query_as(sql).bind(self.relation).fetch_optional(c).await.map_err(|e| self.error("sizing", &e))?
        };
        let Some((kind, blocks, version)) = row else { return Ok(Err("a query has no heap blocks to split".into())) };
        if version < 140000 {
            return Ok(Err("PostgreSQL before 14 has no TID range scans to split a table by".into()));
        }
        if kind != "r" && kind != "m" {
            return Ok(Err(format!("a relation of kind {kind:?} (a view, a partitioned or foreign table) has no heap blocks of its own to split")));
        }
        if self.options.read.connections.is_none() && blocks < SMALL_BLOCKS {
            return Ok(Err(format!("a small table ({blocks} blocks of 8 kB) is read on one connection")));
        }
        let count = (n * CHUNKS_PER_CONNECTION).min(blocks.max(1) as usize).max(1);
        let bounds: Vec<i64> = (1..count).map(|i| blocks * i as i64 / count as i64).collect();
        Ok(Ok(ranges(&bounds, |b, op| format!("ctid {op} '({b},0)'::tid"))))
    }

    /// MySQL/MariaDB: ranges of the primary key.
    async fn key_ranges(&self, n: usize) -> Result<Result<Vec<String>, String>> {
        // The size first: an audit's catalog has estimated it already, and most tables are small.
        if self.options.read.connections.is_none() {
            let estimate = match self.options.estimate {
                Some(estimate) => estimate,
                None => {
                    let mut conn = self.conn.lock().await;
                    let (schema, table) = (self.database.schema.as_deref(), self.database.table.as_deref());
                    let estimate = super::catalog::table_estimate(&mut conn, schema, table.unwrap_or("")).await;
                    estimate.ok().flatten().unwrap_or(0)
                }
            };
            if estimate < SMALL_ROWS {
                return Ok(Err(format!("a small table (about {estimate} rows) is read on one connection")));
            }
        }
        let Some(key) = self.split_key().await? else {
            return Ok(Err("the table has no primary key (nor unique NOT NULL key) of integer, decimal, text, \
                           date or timestamp columns to split by"
                .into()));
        };
        let count = n * CHUNKS_PER_CONNECTION;
        let boundaries = if key[0].data_type.is_integer() {
            self.integer_boundaries(key[0], count).await?
        } else {
            self.tile_boundaries(&key, count).await?
        };
        let Some(boundaries) = boundaries else { return Ok(Err("the key's boundaries have no exact literal".into())) };
        if boundaries.is_empty() {
            return Ok(Err("the key has too few distinct values to split".into()));
        }
        let names: Vec<String> = key.iter().map(|c| self.engine.quote(&c.name)).collect();
        Ok(Ok(ranges(&boundaries, |b: &Vec<String>, op| lexicographic(&names[..b.len()], b, op))))
    }

    /// The table's primary key (else its first unique NOT NULL key) when every column of it can bound a range
    /// exactly: read as itself, of an ordered type with exact literals.
    async fn split_key(&self) -> Result<Option<Vec<&SqlColumn>>> {
        let Some(table) = &self.database.table else { return Ok(None) };
        let keys = {
            let mut conn = self.conn.lock().await;
            super::catalog::table_keys(&mut conn, self.database.schema.as_deref(), table)
                .await
                .map_err(|e| self.error("reading the keys", &e))?
        };
        let names = keys.primary_key.or_else(|| keys.unique.into_iter().next().map(|u| u.columns));
        let columns: Option<Vec<&SqlColumn>> =
            names.unwrap_or_default().iter().map(|name| self.columns.iter().find(|c| &c.name == name)).collect();
        Ok(columns.filter(|key| !key.is_empty() && key.iter().all(|c| splits(c))))
    }

    /// Boundaries spread evenly between the smallest and largest value of an integer first key column.
    async fn integer_boundaries(&self, column: &SqlColumn, count: usize) -> Result<Option<Vec<Vec<String>>>> {
        let quoted = self.engine.quote(&column.name);
        let sql = format!("SELECT MIN({quoted}) AS lo, MAX({quoted}) AS hi FROM {}", self.relation);
        let (mut lo, mut hi) = (column.clone(), column.clone());
        (lo.name, hi.name) = ("lo".into(), "hi".into());
        let batches = self.collect(&sql, &[lo, hi]).await?;
        let (Some(lo), Some(hi)) = (first_integer(&batches, 0), first_integer(&batches, 1)) else {
            return Ok(Some(Vec::new()));
        };
        let steps = (hi - lo + 1).min(count as i128).max(1);
        let mut bounds: Vec<i128> = (1..steps).map(|i| lo + (hi - lo + 1) * i / steps).collect();
        bounds.dedup();
        Ok(Some(bounds.into_iter().map(|b| vec![b.to_string()]).collect()))
    }

    /// Boundaries the server picks: every `rows / count`-th key in the key's own order (its collation), in one
    /// pass over the key's index.
    async fn tile_boundaries(&self, key: &[&SqlColumn], count: usize) -> Result<Option<Vec<Vec<String>>>> {
        let names: Vec<String> = key.iter().map(|c| self.engine.quote(&c.name)).collect();
        let list = names.join(", ");
        let sql = format!(
            "SELECT {list} FROM (SELECT {list}, ROW_NUMBER() OVER (ORDER BY {list}) AS recon_rn, COUNT(*) OVER () AS \
             recon_n FROM {}) AS recon_tiles WHERE recon_rn > 1 AND MOD(recon_rn - 1, CEILING(recon_n / {count})) = 0 \
             ORDER BY recon_rn",
            self.relation
        );
        let columns: Vec<SqlColumn> = key.iter().map(|c| (*c).clone()).collect();
        let batches = self.collect(&sql, &columns).await?;
        let mut boundaries = Vec::new();
        for batch in &batches {
            for row in 0..batch.num_rows() {
                let literals: Option<Vec<String>> =
                    key.iter().zip(batch.columns()).map(|(c, array)| literal(self.engine, c, array, row)).collect();
                let Some(literals) = literals else { return Ok(None) };
                boundaries.push(literals);
            }
        }
        Ok(Some(boundaries))
    }

    /// The rows of a small statement, read on the table's own connection as recon reads rows.
    async fn collect(&self, sql: &str, columns: &[SqlColumn]) -> Result<Vec<RecordBatch>> {
        let (tx, mut rx) = mpsc::channel(16);
        let location = &self.database.masked;
        let reading = async {
            let mut conn = self.conn.lock().await;
            let read = stream(&mut conn, sql, None, columns, &tx, location).await;
            drop(tx);
            read
        };
        let receiving = async {
            let mut batches = Vec::new();
            while let Some(batch) = rx.recv().await {
                batches.push(batch?);
            }
            Ok::<_, Error>(batches)
        };
        let (read, batches) = tokio::join!(reading, receiving);
        read?;
        batches
    }

    /// The worker connections, the table's own first: PostgreSQL's import the side's snapshot (exported here
    /// when the side has none); MySQL's all begin their snapshot at once. Connections the server refuses are
    /// done without, with a note.
    async fn workers(&self, n: usize, note: &mut Option<String>) -> Result<Vec<Arc<Mutex<Conn>>>> {
        let mut options = self.options.clone();
        if self.engine == Engine::Postgres && options.snapshot.is_none() {
            let mut conn = self.conn.lock().await;
            let Conn::Postgres(c) = &mut *conn else {
                return Err(Error::internal("a snapshot of a non-PostgreSQL table"));
            };
            let id: String = sqlx::query_scalar("SELECT pg_catalog.pg_export_snapshot()")
                .fetch_one(c)
                .await
                .map_err(|e| self.error("exporting the snapshot", &e))?;
            options.snapshot = Some(id);
        }
        let opened = futures::future::join_all((1..n).map(|_| connect_in_snapshot(self.database, &options))).await;
        let mut workers = vec![Arc::clone(self.conn)];
        let mut refused = None;
        for conn in opened {
            match conn {
                Ok(conn) => workers.push(Arc::new(Mutex::new(conn))),
                Err(e) => refused = Some(e),
            }
        }
        if let Some(e) = refused {
            let why = format!("{} of {n} connections opened ({e})", workers.len());
            *note = Some(note.take().map_or(why.clone(), |earlier| format!("{earlier}; {why}")));
        }
        if self.engine == Engine::Mysql {
            self.begin_together(&workers).await?;
        }
        Ok(workers)
    }

    /// Ends each worker's transaction, then begins all their consistent snapshots at once.
    async fn begin_together(&self, workers: &[Arc<Mutex<Conn>>]) -> Result<()> {
        let run = |sql: &'static str| {
            futures::future::try_join_all(workers.iter().map(move |w| async move {
                use sqlx::Executor;
                match &mut *w.lock().await {
                    Conn::Mysql(c) => c.execute(sql).await.map(|_| ()),
                    _ => Ok(()),
                }
            }))
        };
        run("COMMIT").await.map_err(|e| self.error("ending a transaction", &e))?;
        run("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            .await
            .map_err(|e| self.error("beginning the snapshots", &e))?;
        Ok(())
    }

    /// A driver error while planning, as a sentence; a lost connection stays one (`--retries` reads again).
    fn error(&self, doing: &str, e: &sqlx::Error) -> Error {
        let why = format!("{doing} for a parallel read: {}", describe(e));
        match lost(e) {
            true => Error::disconnected(&self.database.masked, why),
            false => Error::database(&self.database.masked, why),
        }
    }
}

impl SqlTable {
    /// One scan unit: the whole relation (or the rows the filter keeps), read over the table's split (planned at
    /// its first full read) and merged into one stream.
    pub(super) fn parallel_unit(&self, projection: &[usize]) -> ScanUnit {
        let select = self.select(projection, "");
        let columns: Vec<SqlColumn> = projection.iter().map(|&i| self.columns[i].clone()).collect();
        let (all, database, options) = (self.columns.clone(), self.database.clone(), self.options.clone());
        let (engine, relation, conn, filter) =
            (self.engine, self.relation.clone(), Arc::clone(&self.conn), self.filter.clone());
        let (split, healthy) = (self.split.clone(), self.healthy.clone());
        let (handle, location) = (self.runtime.clone(), self.location.clone());
        let open = move || -> Result<BatchIter> {
            let (tx, rx) = mpsc::channel::<Result<RecordBatch>>(8);
            handle.spawn(async move {
                let read = async {
                    let planned = {
                        let mut kept = split.lock().await;
                        match &*kept {
                            Some(planned) => planned.clone(),
                            None => {
                                let table = Table {
                                    engine,
                                    database: &database,
                                    options: &options,
                                    relation: &relation,
                                    columns: &all,
                                    conn: &conn,
                                };
                                kept.insert(Arc::new(table.split().await?)).clone()
                            }
                        }
                    };
                    planned.read(&select, filter.as_deref(), &columns, tx.clone(), &location).await
                };
                if let Err(e) = read.await {
                    healthy.store(false, std::sync::atomic::Ordering::Relaxed);
                    // Nobody to tell when the reader has already gone.
                    let _ = tx.send(Err(e)).await;
                }
            });
            Ok(Box::new(Receiver(rx)))
        };
        ScanUnit::new(ordinal(0, 0), open)
    }

    /// What the table's full reads used, once one has begun.
    pub(crate) fn read_connections(&self) -> Option<ReadConnections> {
        // Planned by then: a report is written after the reads.
        self.split.try_lock().ok()?.as_ref().map(|split| split.used.clone())
    }
}

impl Split {
    /// Streams `select` (a full read's statement, with ` WHERE ` or ` AND ` to come) chunk by chunk on every
    /// worker into `tx`; `filter` is the read's own condition, if any.
    pub(super) async fn read(
        &self,
        select: &str,
        filter: Option<&str>,
        columns: &[SqlColumn],
        tx: super::Sender,
        location: &str,
    ) -> Result<()> {
        let statements: VecDeque<String> = self
            .chunks
            .iter()
            .map(|chunk| {
                let conditions: Vec<&str> =
                    [Some(chunk.as_str()).filter(|c| !c.is_empty()), filter].into_iter().flatten().collect();
                match conditions.is_empty() {
                    true => select.to_string(),
                    false => format!("{select} WHERE ({})", conditions.join(") AND (")),
                }
            })
            .collect();
        let queue = Arc::new(std::sync::Mutex::new(statements));
        let tasks: Vec<_> = self
            .workers
            .iter()
            .map(|worker| {
                let (worker, queue, tx, columns, location) =
                    (worker.clone(), queue.clone(), tx.clone(), columns.to_vec(), location.to_string());
                tokio::spawn(async move {
                    let mut conn = worker.lock().await;
                    loop {
                        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                        let Some(statement) = next else { return Ok::<(), Error>(()) };
                        stream(&mut conn, &statement, None, &columns, &tx, &location).await?;
                    }
                })
            })
            .collect();
        drop(tx);
        for task in futures::future::join_all(tasks).await {
            task.map_err(|e| Error::internal(format!("a reading task failed: {e}")))??;
        }
        Ok(())
    }
}

impl Split {
    /// The worker connections besides the table's own, once no read holds the split (none otherwise: a read
    /// still going drops them when it ends).
    pub(super) fn extra_workers(split: Arc<Split>) -> Vec<Arc<Mutex<Conn>>> {
        let Ok(split) = Arc::try_unwrap(split) else { return Vec::new() };
        split.workers.into_iter().skip(1).collect()
    }
}

/// How long closing a connection may take before its socket is simply dropped.
const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Closes the connections recon is done with, telling each server so (PostgreSQL's Terminate, MySQL's
/// `COM_QUIT`): a connection merely dropped is an aborted client to MariaDB (it counts `Aborted_clients` and logs
/// "Aborted connection"). One a read still holds is left to that read, which drops it when it ends.
pub(super) fn close(connections: Vec<Arc<Mutex<Conn>>>, runtime: &tokio::runtime::Handle) {
    let owned: Vec<Conn> =
        connections.into_iter().filter_map(|c| Arc::try_unwrap(c).ok()).map(Mutex::into_inner).collect();
    if owned.is_empty() {
        return;
    }
    let closing = futures::future::join_all(owned.into_iter().map(|conn| async move {
        use sqlx::Connection;
        let closed = async move {
            match conn {
                Conn::Postgres(c) => c.close().await,
                Conn::Mysql(c) => c.close().await,
                Conn::Sqlite(c) => c.close().await,
            }
        };
        // A server that does not answer is left: its socket is dropped with the future.
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, closed).await;
    }));
    match tokio::runtime::Handle::try_current() {
        // Dropped inside a task: the closing runs beside it.
        Ok(_) => drop(runtime.spawn(closing)),
        Err(_) => drop(runtime.block_on(closing)),
    }
}

/// The connections a read may take of a server's `free` slots when `sharing` reads may run at once: half of them,
/// shared, plus the read's own (already open, so not among the free); with a note when fewer than `wanted`.
fn budget(free: i64, sharing: usize, wanted: usize) -> (usize, Option<String>) {
    let sharing = sharing.max(1);
    let slots = free.max(0) as usize / 2 / sharing + 1;
    let note = (slots < wanted).then(|| {
        format!(
            "{wanted} connections lowered to {slots}: the server has {free} free connection slots, and a read takes \
             at most half of them, shared by {sharing} reads at once"
        )
    });
    (slots, note)
}

/// Whether a key column can bound a range exactly: read as itself, of an ordered type with exact literals.
fn splits(column: &SqlColumn) -> bool {
    column.select.is_none()
        && (column.data_type.is_integer()
            || matches!(
                column.data_type,
                DataType::Decimal128(..) | DataType::Date32 | DataType::Timestamp(..) | DataType::Utf8
            ))
}

/// An exact literal of a boundary value read from the table: as a key lookup writes it, and timestamps as
/// `CAST('…' AS DATETIME(6))` (the session's zone is UTC).
fn literal(engine: Engine, column: &SqlColumn, array: &ArrayRef, row: usize) -> Option<String> {
    match array.data_type() {
        DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, _) if !array.is_null(row) => {
            let micros = array.as_primitive::<arrow::datatypes::TimestampMicrosecondType>().value(row);
            let instant = chrono::DateTime::from_timestamp_micros(micros)?.naive_utc();
            Some(format!("CAST('{}' AS DATETIME(6))", instant.format("%Y-%m-%d %H:%M:%S%.6f")))
        }
        _ => keys::literal(engine, column, array, row),
    }
}

/// The first row's value of column `index` as an integer, if any.
fn first_integer(batches: &[RecordBatch], index: usize) -> Option<i128> {
    let batch = batches.iter().find(|b| b.num_rows() > 0)?;
    let array = arrow::compute::cast(batch.column(index), &DataType::Decimal128(38, 0)).ok()?;
    let array = array.as_primitive::<arrow::datatypes::Decimal128Type>();
    (!array.is_null(0)).then(|| array.value(0))
}

/// The conditions of the chunks between ascending `bounds`: below the first, between each two, from the last
/// on; `bound(b, op)` compares the split column(s) with `b`.
fn ranges<B>(bounds: &[B], bound: impl Fn(&B, &str) -> String) -> Vec<String> {
    let Some((first, last)) = bounds.first().zip(bounds.last()) else { return vec![String::new()] };
    let mut chunks = vec![bound(first, "<")];
    chunks.extend(bounds.windows(2).map(|w| format!("{} AND {}", bound(&w[0], ">="), bound(&w[1], "<"))));
    chunks.push(bound(last, ">="));
    chunks
}

/// `(a, b) >= (x, y)` (or `<`) written out column by column, which MariaDB's range optimizer reads as index
/// ranges: `(a > x OR (a = x AND b >= y))`.
fn lexicographic(names: &[String], values: &[String], op: &str) -> String {
    let strict = if op == ">=" { ">" } else { "<" };
    let last = names.len() - 1;
    let mut condition = format!("{} {op} {}", names[last], values[last]);
    for i in (0..last).rev() {
        condition = format!("{} {strict} {} OR ({} = {} AND {condition})", names[i], values[i], names[i], values[i]);
    }
    format!("({condition})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_value_once() {
        let bounds = [10, 20];
        let chunks = ranges(&bounds, |b, op| format!("k {op} {b}"));
        assert_eq!(chunks, ["k < 10", "k >= 10 AND k < 20", "k >= 20"]);
        assert_eq!(ranges::<i32>(&[], |b, op| format!("k {op} {b}")), [""], "no bounds: one chunk, the whole table");
    }

    #[test]
    fn a_read_takes_at_most_its_share_of_half_the_free_slots() {
        assert_eq!(budget(96, 1, 4), (49, None));
        let (slots, note) = budget(96, 2 * 3, 16);
        assert_eq!(slots, 9, "--jobs 3, both sides on the server: 96 / 2 / 6 + the read's own");
        assert_eq!(
            note.as_deref(),
            Some(
                "16 connections lowered to 9: the server has 96 free connection slots, and a read takes at most half \
                 of them, shared by 6 reads at once"
            )
        );
        assert_eq!(budget(0, 1, 4).0, 1, "a full server still has the read's own connection");
        assert_eq!(budget(-3, 1, 4).0, 1);
    }

    #[test]
    fn composite_bounds_compare_column_by_column() {
        let names = ["`a`".to_string(), "`b`".to_string()];
        let values = ["5".to_string(), "'x'".to_string()];
        assert_eq!(lexicographic(&names, &values, ">="), "(`a` > 5 OR (`a` = 5 AND `b` >= 'x'))");
        assert_eq!(lexicographic(&names, &values, "<"), "(`a` < 5 OR (`a` = 5 AND `b` < 'x'))");
        assert_eq!(lexicographic(&names[..1], &values[..1], "<"), "(`a` < 5)");
    }
}
