//! MySQL's and MariaDB's catalog of a database: tables, unique indexes, NOT NULL columns, foreign keys and
//! AUTO_INCREMENT counters from `information_schema`.
//!
//! An InnoDB AUTO_INCREMENT counter cannot fall behind its column: an insert with an explicit value moves it
//! past that value, and `ALTER TABLE … AUTO_INCREMENT = n` below the column's maximum is ignored
//! (<https://dev.mysql.com/doc/refman/8.0/en/alter-table.html>, "You cannot reset the counter to a value less
//! than or equal to the value that is currently in use"). It is read all the same: the check is the same for
//! every engine, and a MyISAM or Aria table, or a server restored oddly, gets it checked too.

use sqlx::{MySqlConnection, Row};

use super::facts::{ForeignKey, Sequence};
use super::{read_maxima, Facts, Index};
use crate::source::sql::Engine;

const TABLES: &str = include_str!("../../../../queries/mysql_tables.sql");
const UNIQUE_INDEXES: &str = include_str!("../../../../queries/mysql_unique_indexes.sql");
const NOT_NULL: &str = include_str!("../../../../queries/mysql_not_null.sql");
const FOREIGN_KEYS: &str = include_str!("../../../../queries/mysql_foreign_keys.sql");
const AUTO_INCREMENT: &str = include_str!("../../../../queries/mysql_auto_increment.sql");
const AGGREGATE: &str = include_str!("../../../../queries/mysql_aggregate.sql");

/// Everything the audit needs of the connection's database.
pub(super) async fn catalog(conn: &mut MySqlConnection) -> Result<Facts, sqlx::Error> {
    let database: Option<String> = sqlx::query_scalar("SELECT CAST(DATABASE() AS CHAR)").fetch_one(&mut *conn).await?;
    if database.is_none() {
        return Err(sqlx::Error::Configuration("the URL names no database: mysql://…/database".into()));
    }
    // MySQL 8 answers information_schema.tables from a cache refreshed daily: a counter read from it could be a
    // day old (https://dev.mysql.com/doc/refman/8.0/en/information-schema-tables-table.html). MariaDB has no
    // such cache, and no such variable: the error is expected there.
    let _ = sqlx::query("SET SESSION information_schema_stats_expiry = 0").execute(&mut *conn).await;
    let schema: Option<&str> = None;
    let tables = tables(conn, schema, None).await?;
    let (indexes, not_null) = keys(conn, schema, None).await?;
    let foreign_keys = foreign_keys(conn, &database.unwrap_or_default()).await?;
    let sequences = auto_increments(conn, &tables).await?;
    let columns = crate::source::sql::mysql::columns_of(conn, schema, None).await?;
    Ok(Facts { tables, indexes, not_null, foreign_keys, sequences, columns })
}

/// Unique indexes over whole columns and NOT NULL columns of `table`, or of every table of the database.
/// The tables of the database (or only `table`) with the catalog's estimate of their rows.
pub(super) async fn tables(
    conn: &mut MySqlConnection,
    schema: Option<&str>,
    table: Option<&str>,
) -> Result<Vec<(String, u64)>, sqlx::Error> {
    let mut tables = Vec::new();
    for row in sqlx::query(TABLES).bind(schema).bind(table).bind(table).fetch_all(&mut *conn).await? {
        let estimate: i64 = row.try_get(1)?;
        tables.push((row.try_get(0)?, estimate.max(0) as u64));
    }
    Ok(tables)
}

pub(super) async fn keys(
    conn: &mut MySqlConnection,
    schema: Option<&str>,
    table: Option<&str>,
) -> Result<(Vec<Index>, Vec<(String, String)>), sqlx::Error> {
    let rows = sqlx::query(UNIQUE_INDEXES).bind(schema).bind(table).bind(table).fetch_all(&mut *conn).await?;
    let mut indexes: Vec<Index> = Vec::new();
    // Whether the index being gathered covers whole columns only: a prefix or an expression part does not.
    let mut whole = true;
    for row in rows {
        let (table, name): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        let (column, sub_part): (Option<String>, Option<i64>) = (row.try_get(2)?, row.try_get(3)?);
        let same = indexes.last().is_some_and(|i| i.table == table && i.name == name);
        if !same {
            if !whole {
                indexes.pop();
            }
            whole = true;
            let primary = name == "PRIMARY";
            indexes.push(Index { table, name, primary, columns: Vec::new() });
        }
        match (column, sub_part) {
            (Some(column), None) => indexes.last_mut().into_iter().for_each(|i| i.columns.push(column.clone())),
            _ => whole = false,
        }
    }
    if !whole {
        indexes.pop();
    }
    let mut not_null = Vec::new();
    for row in sqlx::query(NOT_NULL).bind(schema).bind(table).bind(table).fetch_all(&mut *conn).await? {
        not_null.push((row.try_get(0)?, row.try_get(1)?));
    }
    Ok((indexes, not_null))
}

/// Foreign keys from one row per column; a referenced table in another database is written `db.table`.
async fn foreign_keys(conn: &mut MySqlConnection, database: &str) -> Result<Vec<(String, ForeignKey)>, sqlx::Error> {
    let mut foreign_keys: Vec<(String, ForeignKey)> = Vec::new();
    for row in sqlx::query(FOREIGN_KEYS).bind(None::<&str>).fetch_all(&mut *conn).await? {
        let (table, name, column): (String, String, String) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let (schema, referenced, referenced_column): (Option<String>, String, String) =
            (row.try_get(3)?, row.try_get(4)?, row.try_get(5)?);
        let same = foreign_keys.last().is_some_and(|(t, k)| *t == table && k.name == name);
        if !same {
            let referenced_table = match schema {
                Some(schema) if schema != database => format!("{schema}.{referenced}"),
                _ => referenced,
            };
            let foreign_key =
                ForeignKey { name, columns: Vec::new(), referenced_table, referenced_columns: Vec::new() };
            foreign_keys.push((table, foreign_key));
        }
        if let Some((_, key)) = foreign_keys.last_mut() {
            key.columns.push(column);
            key.referenced_columns.push(referenced_column);
        }
    }
    Ok(foreign_keys)
}

/// Each listed table's AUTO_INCREMENT column, its counter, and the column's maximum read in the snapshot.
async fn auto_increments(
    conn: &mut MySqlConnection,
    tables: &[(String, u64)],
) -> Result<Vec<(String, Sequence)>, sqlx::Error> {
    let mut sequences = Vec::new();
    for row in sqlx::query(AUTO_INCREMENT).bind(None::<&str>).fetch_all(&mut *conn).await? {
        let table: String = row.try_get(0)?;
        if !tables.iter().any(|(name, _)| *name == table) {
            continue;
        }
        let next: Option<String> = row.try_get(2)?;
        let sequence = Sequence {
            column: row.try_get(1)?,
            name: table.clone(),
            next_value: next.and_then(|v| v.parse().ok()),
            max_value: None,
        };
        sequences.push((table, sequence));
    }
    read_maxima::<sqlx::MySql>(conn, Engine::Mysql, AGGREGATE, &mut sequences, |table| Engine::Mysql.quote(table))
        .await?;
    Ok(sequences)
}
