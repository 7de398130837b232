//! A database side of an audit: the tables of a PostgreSQL schema, a MySQL/MariaDB database or a SQLite file,
//! with their keys, constraints, sequences and (PostgreSQL, MySQL/MariaDB) typed columns, read with one
//! set-based query per kind of fact over the whole schema (`queries/{engine}_*.sql`), never one round trip per
//! table, inside one read-only snapshot. A table opened with its catalog's columns asks the server nothing
//! more about itself before reading its rows.
//!
//! One point in time per side, as far as each engine allows:
//! - **PostgreSQL** shares one snapshot between connections: the catalog's transaction (`REPEATABLE READ READ
//!   ONLY`) exports it with `pg_export_snapshot()` and stays open while the [`Catalog`](crate::source::catalog::Catalog)
//!   (or any clone) lives; every table opened with it in [`DbOptions::snapshot`] imports it with `SET
//!   TRANSACTION SNAPSHOT` and sees exactly the rows the catalog saw
//!   (<https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-SNAPSHOT-SYNCHRONIZATION>). The open
//!   transaction holds back vacuum's horizon for as long as the audit runs, and a server-side
//!   `idle_in_transaction_session_timeout` shorter than the audit ends it (tables opened later then fail with
//!   "invalid snapshot identifier").
//! - **MySQL/MariaDB** cannot share one: each connection opens its own `START TRANSACTION WITH CONSISTENT
//!   SNAPSHOT` (only Percona Server can clone a session's). Every table is consistent in itself, as of when its
//!   connection opened; two tables read a minute apart are a minute apart.
//! - **SQLite**: each connection reads in its own transaction, whose snapshot is taken at its first read. In
//!   WAL mode writers go on while it lasts and it keeps seeing its snapshot; in rollback-journal mode its shared
//!   lock keeps every writer from committing until it ends (<https://sqlite.org/lockingv3.html>).

pub mod facts;
mod mysql;
mod postgres;
mod sqlite;

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{describe, Columns, Conn, DbOptions, Engine, SqlColumn};
use crate::error::{Error, Result};
use crate::location::{Database, Location};
use facts::{CatalogTable, Constraints, ForeignKey, Sequence, TableKeys, UniqueKey};

/// Statements per round trip when every sequence's column (or SQLite table) is aggregated at once: a few
/// hundred `SELECT`s joined by `UNION ALL` stay far below any server's statement size limit.
const AGGREGATES_PER_STATEMENT: usize = 250;

/// The open PostgreSQL transaction whose snapshot every table of a side imports. Dropping the last reference
/// closes its connection, and with it the transaction: the snapshot can no longer be imported.
pub(crate) struct Snapshot {
    id: String,
    /// Held, never used again: the exported snapshot lives only as long as this transaction.
    _transaction: std::sync::Mutex<sqlx::PgConnection>,
}

impl Snapshot {
    pub(crate) fn id(&self) -> &str {
        &self.id
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").field("id", &self.id).finish_non_exhaustive()
    }
}

/// A unique index (or constraint) over whole columns, as one engine's catalog lists it.
struct Index {
    table: String,
    name: String,
    primary: bool,
    columns: Vec<String>,
}

/// What the catalog queries say of a schema's tables, before it is put together table by table.
#[derive(Default)]
struct Facts {
    /// Each table's name and size estimate.
    tables: Vec<(String, u64)>,
    indexes: Vec<Index>,
    /// Table and column, in table order.
    not_null: Vec<(String, String)>,
    foreign_keys: Vec<(String, ForeignKey)>,
    sequences: Vec<(String, Sequence)>,
    /// Table and column, in table order: what opening each table would otherwise ask the server again.
    columns: Vec<(String, SqlColumn)>,
}

/// The tables of the schema or database `location` names, and, on PostgreSQL, the snapshot they were read in.
pub(crate) fn open(
    location: Database,
    options: &DbOptions,
    runtime: &tokio::runtime::Handle,
) -> Result<(Vec<CatalogTable>, Option<Arc<Snapshot>>)> {
    let masked = location.masked.clone();
    if options.query.is_some() {
        return Err(Error::setting("--source-query/--target-query", "an audit reads whole tables, not a query"));
    }
    check_snapshot(&location, options)?;
    let schema = match (location.engine, &location.schema, &location.table) {
        (Engine::Postgres, None, schema) => Some(schema.clone().unwrap_or_else(|| "public".to_string())),
        (_, None, None) => None,
        (Engine::Postgres, Some(_), _) => {
            return Err(Error::input(&masked, "names a table: an audit takes a schema, postgres://…/db#schema"))
        }
        (Engine::Mysql, ..) => {
            return Err(Error::input(&masked, "names a table: an audit takes the database itself, mysql://…/db"))
        }
        (Engine::Sqlite, ..) => {
            return Err(Error::input(&masked, "names a table: an audit takes the whole file, sqlite://file.db"))
        }
    };
    let db_error = |e: sqlx::Error| Error::database(&masked, format!("reading the catalog: {}", describe(&e)));
    let (facts, snapshot) = runtime.block_on(async {
        let mut conn = super::connect_in_snapshot(&location, options).await?;
        let read = async {
            Ok::<_, sqlx::Error>(match &mut conn {
                // Exported first, by the transaction's first query: that query takes the snapshot.
                Conn::Postgres(c) => {
                    let id = postgres::export_snapshot(c).await?;
                    (postgres::catalog(c, schema.as_deref().unwrap_or("public")).await?, Some(id))
                }
                Conn::Mysql(c) => (Some(mysql::catalog(c).await?), None),
                Conn::Sqlite(c) => (Some(sqlite::catalog(c).await?), None),
            })
        };
        let (facts, id) = read.await.map_err(db_error)?;
        let snapshot = match (conn, id) {
            (Conn::Postgres(c), Some(id)) => Some(Arc::new(Snapshot { id, _transaction: std::sync::Mutex::new(c) })),
            // Nothing to share: the connection and its transaction end here.
            _ => None,
        };
        Ok::<_, Error>((facts, snapshot))
    })?;
    let Some(facts) = facts else {
        return Err(Error::input(&masked, format!("there is no schema {}", schema.unwrap_or_default())));
    };
    let table_location = |table: &str| {
        let schema = if location.engine == Engine::Postgres { schema.as_deref() } else { None };
        location.table_location(schema, table)
    };
    Ok((assemble(facts, table_location), snapshot))
}

/// Refuses a snapshot id that is not of the form PostgreSQL's `pg_export_snapshot()` returns (hexadecimal
/// virtual transaction id and a counter, `00000003-0000001B-1`): it is written into SQL. Other engines have no
/// snapshot to import.
pub(super) fn check_snapshot(location: &Database, options: &DbOptions) -> Result<()> {
    let Some(id) = &options.snapshot else { return Ok(()) };
    if location.engine != Engine::Postgres {
        return Err(Error::setting("snapshot", format!("{}: only PostgreSQL shares snapshots", location.masked)));
    }
    let parts: Vec<&str> = id.split('-').collect();
    let hex = |s: &str| !s.is_empty() && s.len() <= 16 && s.chars().all(|c| c.is_ascii_hexdigit());
    let well_formed = match parts.as_slice() {
        [a, b, n] => hex(a) && hex(b) && !n.is_empty() && n.len() <= 10 && n.chars().all(|c| c.is_ascii_digit()),
        _ => false,
    };
    if well_formed {
        Ok(())
    } else {
        Err(Error::setting("snapshot", format!("{id:?} is not a PostgreSQL snapshot id")))
    }
}

/// One table's primary key and unique indexes over NOT NULL columns, read with the catalog's own queries.
pub(super) async fn table_keys(conn: &mut Conn, schema: Option<&str>, table: &str) -> Result<TableKeys, sqlx::Error> {
    let (indexes, not_null) = indexes_and_not_null(conn, schema, table).await?;
    let indexes: Vec<&Index> = indexes.iter().filter(|i| i.table == table).collect();
    Ok(keys_of(&indexes, &not_null))
}

/// One table's NOT NULL columns, read with the catalog's own queries.
pub(super) async fn table_not_null(
    conn: &mut Conn,
    schema: Option<&str>,
    table: &str,
) -> Result<Vec<String>, sqlx::Error> {
    Ok(indexes_and_not_null(conn, schema, table).await?.1)
}

async fn indexes_and_not_null(
    conn: &mut Conn,
    schema: Option<&str>,
    table: &str,
) -> Result<(Vec<Index>, Vec<String>), sqlx::Error> {
    let (indexes, not_null) = match conn {
        Conn::Postgres(c) => postgres::keys(c, schema.unwrap_or("public"), Some(table)).await?,
        Conn::Mysql(c) => mysql::keys(c, schema, Some(table)).await?,
        Conn::Sqlite(c) => sqlite::keys(c, Some(table)).await?,
    };
    Ok((indexes, not_null.into_iter().map(|(_, column)| column).collect()))
}

/// The catalog's estimate of one table's rows, read without touching the table (PostgreSQL `reltuples`,
/// MySQL/MariaDB `table_rows`, as the audit's catalog reads them); `None` on SQLite, which keeps none (only a
/// count would tell), and for a table the catalog does not list.
pub(super) async fn table_estimate(
    conn: &mut Conn,
    schema: Option<&str>,
    table: &str,
) -> Result<Option<u64>, sqlx::Error> {
    let tables = match conn {
        Conn::Postgres(c) => postgres::tables(c, schema.unwrap_or("public"), Some(table)).await?,
        Conn::Mysql(c) => mysql::tables(c, schema, Some(table)).await?,
        Conn::Sqlite(_) => Vec::new(),
    };
    Ok(tables.into_iter().find(|(name, _)| name == table).map(|(_, estimate)| estimate))
}

/// The keys a comparison can use: the primary key, and the other unique indexes whose columns are all NOT
/// NULL (a nullable column lets several rows hold NULL there), by name.
fn keys_of(indexes: &[&Index], not_null: &[String]) -> TableKeys {
    let primary_key = indexes.iter().find(|i| i.primary).map(|i| i.columns.clone());
    let mut unique: Vec<UniqueKey> = indexes
        .iter()
        .filter(|i| !i.primary && i.columns.iter().all(|c| not_null.contains(c)))
        .map(|i| UniqueKey { name: i.name.clone(), columns: i.columns.clone() })
        .collect();
    unique.sort_by(|a, b| a.name.cmp(&b.name));
    TableKeys { primary_key, unique }
}

/// The catalog's facts put together per table, tables sorted by name.
fn assemble(facts: Facts, location: impl Fn(&str) -> Location) -> Vec<CatalogTable> {
    let mut tables: BTreeMap<String, CatalogTable> = facts
        .tables
        .into_iter()
        .map(|(name, size)| {
            let table = CatalogTable {
                location: location(&name),
                name: name.clone(),
                size,
                keys: TableKeys::default(),
                constraints: Constraints::default(),
                sequences: Vec::new(),
                columns: None,
            };
            (name, table)
        })
        .collect();
    for (name, column) in facts.not_null {
        if let Some(table) = tables.get_mut(&name) {
            table.constraints.not_null.push(column);
        }
    }
    let mut indexes: BTreeMap<&str, Vec<&Index>> = BTreeMap::new();
    for index in &facts.indexes {
        indexes.entry(&index.table).or_default().push(index);
    }
    for (name, mut of_table) in indexes {
        let Some(table) = tables.get_mut(name) else { continue };
        table.keys = keys_of(&of_table, &table.constraints.not_null);
        // The primary key first, then by name.
        of_table.sort_by(|a, b| (!a.primary, &a.name).cmp(&(!b.primary, &b.name)));
        table.constraints.unique =
            of_table.iter().map(|i| UniqueKey { name: i.name.clone(), columns: i.columns.clone() }).collect();
    }
    for (name, foreign_key) in facts.foreign_keys {
        if let Some(table) = tables.get_mut(&name) {
            table.constraints.foreign_keys.push(foreign_key);
        }
    }
    for (name, sequence) in facts.sequences {
        if let Some(table) = tables.get_mut(&name) {
            table.sequences.push(sequence);
        }
    }
    let mut columns: BTreeMap<String, Vec<SqlColumn>> = BTreeMap::new();
    for (name, column) in facts.columns {
        columns.entry(name).or_default().push(column);
    }
    for (name, of_table) in columns {
        if let Some(table) = tables.get_mut(&name) {
            table.columns = Some(Columns::new(of_table));
        }
    }
    let mut tables: Vec<CatalogTable> = tables.into_values().collect();
    for table in &mut tables {
        table.constraints.foreign_keys.sort_by(|a, b| (&a.name, &a.columns).cmp(&(&b.name, &b.columns)));
    }
    tables
}

/// Statements that read one aggregate of many tables in few round trips: `template` (an `{engine}_aggregate.sql`)
/// filled in for each `(table, aggregate)` (both already quoted) with its position in `items`, joined by
/// `UNION ALL`, [`AGGREGATES_PER_STATEMENT`] to a statement.
fn aggregate_statements(template: &str, items: &[(String, String)]) -> Vec<String> {
    let select = template.lines().filter(|l| !l.starts_with("--")).collect::<Vec<_>>().join(" ");
    let filled: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(position, (table, aggregate))| {
            select
                .replace("{position}", &position.to_string())
                .replace("{aggregate}", aggregate)
                .replace("{table}", table)
        })
        .collect();
    filled.chunks(AGGREGATES_PER_STATEMENT).map(|chunk| chunk.join(" UNION ALL ")).collect()
}

/// The rows of [`aggregate_statements`]: each item's position and value, as text.
async fn aggregate_rows<DB>(
    conn: &mut DB::Connection,
    template: &str,
    items: &[(String, String)],
) -> Result<Vec<(i64, Option<String>)>, sqlx::Error>
where
    DB: sqlx::Database + sqlx::database::HasStatementCache,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'r> (i64, Option<String>): sqlx::FromRow<'r, DB::Row>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    let mut rows = Vec::new();
    for statement in aggregate_statements(template, items) {
        // Each statement is run once: not worth a prepared statement kept on the server.
        rows.extend(
            sqlx::query_as::<DB, (i64, Option<String>)>(&statement).persistent(false).fetch_all(&mut *conn).await?,
        );
    }
    Ok(rows)
}

/// Sets each sequence's `max_value` to its column's maximum, read in the connection's snapshot; `relation`
/// writes a table's quoted name.
async fn read_maxima<DB>(
    conn: &mut DB::Connection,
    engine: Engine,
    template: &str,
    sequences: &mut [(String, Sequence)],
    relation: impl Fn(&str) -> String,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database + sqlx::database::HasStatementCache,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'r> (i64, Option<String>): sqlx::FromRow<'r, DB::Row>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    let items: Vec<(String, String)> =
        sequences.iter().map(|(table, s)| (relation(table), format!("max({})", engine.quote(&s.column)))).collect();
    let rows = aggregate_rows::<DB>(conn, template, &items).await?;
    for ((_, sequence), max) in sequences.iter_mut().zip(integers(rows, items.len())) {
        sequence.max_value = max;
    }
    Ok(())
}

/// The value of each position of [`aggregate_statements`]' rows as an integer (`None` for NULL, or for a
/// value that is no integer).
fn integers(rows: Vec<(i64, Option<String>)>, count: usize) -> Vec<Option<i128>> {
    let mut values = vec![None; count];
    for (position, value) in rows {
        if let Some(slot) = usize::try_from(position).ok().and_then(|p| values.get_mut(p)) {
            *slot = value.and_then(|v| v.trim().parse().ok());
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(table: &str, name: &str, primary: bool, columns: &[&str]) -> Index {
        let columns = columns.iter().map(|c| c.to_string()).collect();
        Index { table: table.into(), name: name.into(), primary, columns }
    }

    #[test]
    fn keys_are_the_primary_key_and_unique_indexes_over_not_null_columns() {
        let indexes = [
            index("t", "t_pkey", true, &["a", "b"]),
            index("t", "t_z", false, &["c"]),
            index("t", "t_nullable", false, &["c", "d"]),
            index("t", "t_c", false, &["c"]),
        ];
        let not_null = ["a", "b", "c"].map(String::from);
        let keys = keys_of(&indexes.iter().collect::<Vec<_>>(), &not_null);
        assert_eq!(keys.primary_key, Some(vec!["a".to_string(), "b".to_string()]));
        let names: Vec<&str> = keys.unique.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["t_c", "t_z"]);
    }

    fn database(text: &str) -> Database {
        crate::location::Location::parse(text).unwrap().database().unwrap().clone()
    }

    #[test]
    fn snapshot_ids_are_checked_before_they_go_into_sql() {
        let location = database("postgres://u:secret@h/db#public.t");
        let with = |id: &str| DbOptions { snapshot: Some(id.to_string()), ..Default::default() };
        assert!(check_snapshot(&location, &with("00000003-0000001B-1")).is_ok());
        for bad in ["", "00000003-0000001B", "0000000G-1-1", "1-2-3'; DROP TABLE t; --", "1-2-x"] {
            let error = check_snapshot(&location, &with(bad)).unwrap_err().to_string();
            assert!(error.contains("is not a PostgreSQL snapshot id"), "{error}");
        }
        let mysql = database("mysql://u:secret@h/db#t");
        let error = check_snapshot(&mysql, &with("00000003-0000001B-1")).unwrap_err().to_string();
        assert!(error.contains("only PostgreSQL") && !error.contains("secret"), "{error}");
    }

    #[test]
    fn aggregates_of_many_tables_share_statements() {
        let template = "-- comment\nSELECT {position} AS position, ({aggregate}) AS value FROM {table}";
        let items: Vec<(String, String)> =
            (0..AGGREGATES_PER_STATEMENT + 1).map(|i| (format!("\"t{i}\""), "max(\"id\")".to_string())).collect();
        let statements = aggregate_statements(template, &items);
        assert_eq!(statements.len(), 2);
        assert!(statements[0].starts_with(r#"SELECT 0 AS position, (max("id")) AS value FROM "t0" UNION ALL SELECT 1"#));
        assert_eq!(
            statements[1],
            format!(r#"SELECT {0} AS position, (max("id")) AS value FROM "t{0}""#, items.len() - 1)
        );
        let values = integers(vec![(1, Some("42".into())), (0, None), (7, Some("1".into()))], 2);
        assert_eq!(values, [None, Some(42)]);
    }
}
