//! PostgreSQL's catalog of a schema: tables (partitioned ones as their parent), unique indexes, NOT NULL
//! columns, foreign keys and sequences from `pg_catalog`, and the snapshot that every table of the side shares.

use sqlx::{PgConnection, Row};

use super::facts::{ForeignKey, Sequence};
use super::{read_maxima, Facts, Index};
use crate::source::sql::Engine;

const TABLES: &str = include_str!("../../../../queries/postgres_tables.sql");
const UNIQUE_INDEXES: &str = include_str!("../../../../queries/postgres_unique_indexes.sql");
const NOT_NULL: &str = include_str!("../../../../queries/postgres_not_null.sql");
const FOREIGN_KEYS: &str = include_str!("../../../../queries/postgres_foreign_keys.sql");
const SEQUENCES: &str = include_str!("../../../../queries/postgres_sequences.sql");
const AGGREGATE: &str = include_str!("../../../../queries/postgres_aggregate.sql");

/// Exports the transaction's snapshot for the side's other connections (a read-only transaction may: it
/// writes nothing but a file under `pg_snapshots/` that the server removes when the transaction ends).
pub(super) async fn export_snapshot(conn: &mut PgConnection) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_catalog.pg_export_snapshot()").fetch_one(conn).await
}

/// Everything the audit needs of `schema`'s tables; `None` when there is no such schema.
pub(super) async fn catalog(conn: &mut PgConnection, schema: &str) -> Result<Option<Facts>, sqlx::Error> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = $1)")
        .bind(schema)
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Ok(None);
    }
    let tables = tables(conn, schema, None).await?;
    let (indexes, not_null) = keys(conn, schema, None).await?;
    let mut foreign_keys = Vec::new();
    for row in sqlx::query(FOREIGN_KEYS).bind(schema).fetch_all(&mut *conn).await? {
        let foreign_key = ForeignKey {
            name: row.try_get(1)?,
            columns: row.try_get(2)?,
            referenced_table: row.try_get(3)?,
            referenced_columns: row.try_get(4)?,
        };
        foreign_keys.push((row.try_get(0)?, foreign_key));
    }
    let sequences = sequences(conn, schema, &tables).await?;
    let columns = crate::source::sql::postgres::columns_of(conn, schema, None).await?;
    Ok(Some(Facts { tables, indexes, not_null, foreign_keys, sequences, columns }))
}

/// Unique indexes and NOT NULL columns of `table`, or of every table of `schema`.
/// The tables of `schema` (or only `table`) with the catalog's estimate of their rows.
pub(super) async fn tables(
    conn: &mut PgConnection,
    schema: &str,
    table: Option<&str>,
) -> Result<Vec<(String, u64)>, sqlx::Error> {
    let mut tables = Vec::new();
    for row in sqlx::query(TABLES).bind(schema).bind(table).fetch_all(&mut *conn).await? {
        let estimate: i64 = row.try_get(1)?;
        tables.push((row.try_get(0)?, estimate.max(0) as u64));
    }
    Ok(tables)
}

pub(super) async fn keys(
    conn: &mut PgConnection,
    schema: &str,
    table: Option<&str>,
) -> Result<(Vec<Index>, Vec<(String, String)>), sqlx::Error> {
    let mut indexes = Vec::new();
    for row in sqlx::query(UNIQUE_INDEXES).bind(schema).bind(table).fetch_all(&mut *conn).await? {
        let (table, name, primary, columns) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
        indexes.push(Index { table, name, primary, columns });
    }
    let mut not_null = Vec::new();
    for row in sqlx::query(NOT_NULL).bind(schema).bind(table).fetch_all(&mut *conn).await? {
        not_null.push((row.try_get(0)?, row.try_get(1)?));
    }
    Ok((indexes, not_null))
}

/// Each listed table's sequence-filled columns with the sequence's next value, and the column's maximum read
/// in the snapshot: all of them in one statement (per few hundred).
async fn sequences(
    conn: &mut PgConnection,
    schema: &str,
    tables: &[(String, u64)],
) -> Result<Vec<(String, Sequence)>, sqlx::Error> {
    let mut sequences = Vec::new();
    for row in sqlx::query(SEQUENCES).bind(schema).fetch_all(&mut *conn).await? {
        let table: String = row.try_get(0)?;
        if !tables.iter().any(|(name, _)| *name == table) {
            continue;
        }
        let next: Option<String> = row.try_get(3)?;
        let sequence = Sequence {
            column: row.try_get(1)?,
            name: row.try_get(2)?,
            next_value: next.and_then(|v| v.parse().ok()),
            max_value: None,
        };
        sequences.push((table, sequence));
    }
    read_maxima::<sqlx::Postgres>(conn, Engine::Postgres, AGGREGATE, &mut sequences, |table| {
        format!("{}.{}", Engine::Postgres.quote(schema), Engine::Postgres.quote(table))
    })
    .await?;
    Ok(sequences)
}
