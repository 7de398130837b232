//! SQLite's catalog of a database file: tables, keys and constraints from the `pragma_*` table-valued
//! functions, AUTOINCREMENT counters from `sqlite_sequence`, and sizes counted (SQLite keeps no estimate).
//!
//! Names resolve in the `main` schema: recon's connection attaches nothing and creates no temporary table.
//! SQLite keeps no name for a primary key or a foreign key: a primary key is named `PRIMARY` (as MySQL names
//! its own), a foreign key has an empty name, and a UNIQUE constraint bears its index's
//! `sqlite_autoindex_<table>_<n>` name.
//!
//! An AUTOINCREMENT table cannot hand out a value at or below its column's maximum: the next rowid is one more
//! than the larger of `sqlite_sequence.seq` and the largest rowid in the table (`OP_NewRowid` in SQLite's
//! `vdbe.c`; <https://sqlite.org/autoinc.html>), so a `seq` lowered by hand does not make the next insert fail.
//! `next_value` is that value, what the next insert takes.

use std::collections::BTreeMap;

use sqlx::{Row, Sqlite, SqliteConnection};

use super::facts::{ForeignKey, Sequence};
use super::{aggregate_rows, integers, read_maxima, Facts, Index};
use crate::source::sql::Engine;

const TABLES: &str = include_str!("../../../../queries/sqlite_tables.sql");
const TABLE_COLUMNS: &str = include_str!("../../../../queries/sqlite_table_columns.sql");
const UNIQUE_INDEXES: &str = include_str!("../../../../queries/sqlite_unique_indexes.sql");
const FOREIGN_KEYS: &str = include_str!("../../../../queries/sqlite_foreign_keys.sql");
const SEQUENCES: &str = include_str!("../../../../queries/sqlite_sequences.sql");
const AGGREGATE: &str = include_str!("../../../../queries/sqlite_aggregate.sql");

/// The name SQLite's primary keys go by here.
const PRIMARY: &str = "PRIMARY";

/// Everything the audit needs of the database's tables.
pub(super) async fn catalog(conn: &mut SqliteConnection) -> Result<Facts, sqlx::Error> {
    let mut names = Vec::new();
    let mut autoincrement = Vec::new();
    for row in sqlx::query(TABLES).fetch_all(&mut *conn).await? {
        let (name, sql): (String, Option<String>) = (row.try_get(0)?, row.try_get(1)?);
        if sql.as_deref().is_some_and(declares_autoincrement) {
            autoincrement.push(name.clone());
        }
        names.push(name);
    }
    let counts: Vec<(String, String)> =
        names.iter().map(|name| (Engine::Sqlite.quote(name), "count(*)".to_string())).collect();
    let counts = integers(aggregate_rows::<Sqlite>(conn, AGGREGATE, &counts).await?, counts.len());
    let tables: Vec<(String, u64)> =
        names.into_iter().zip(counts).map(|(name, n)| (name, n.unwrap_or(0).max(0) as u64)).collect();
    let (indexes, not_null, rowid_aliases) = table_keys(conn, None).await?;
    let foreign_keys = foreign_keys(conn, &indexes).await?;
    let mut sequences: Vec<(String, Sequence)> = rowid_aliases
        .into_iter()
        .filter(|(table, _)| autoincrement.contains(table))
        .map(|(table, column)| {
            let sequence = Sequence { column, name: table.clone(), next_value: None, max_value: None };
            (table, sequence)
        })
        .collect();
    let high_water = high_water_marks(conn).await?;
    read_maxima::<Sqlite>(conn, Engine::Sqlite, AGGREGATE, &mut sequences, |t| Engine::Sqlite.quote(t)).await?;
    for (table, sequence) in &mut sequences {
        let seq = high_water.get(table.as_str()).copied().unwrap_or(0);
        sequence.next_value = Some(seq.max(sequence.max_value.unwrap_or(0)) + 1);
    }
    Ok(Facts { tables, indexes, not_null, foreign_keys, sequences, columns: Vec::new() })
}

/// Unique indexes (the primary key first) and NOT NULL columns of `table`, or of every table.
pub(super) async fn keys(
    conn: &mut SqliteConnection,
    table: Option<&str>,
) -> Result<(Vec<Index>, Vec<(String, String)>), sqlx::Error> {
    let (indexes, not_null, _) = table_keys(conn, table).await?;
    Ok((indexes, not_null))
}

/// Unique indexes and NOT NULL columns as [`keys`] reads them, and each table's rowid alias column (its
/// `INTEGER PRIMARY KEY`), if it has one.
async fn table_keys(
    conn: &mut SqliteConnection,
    table: Option<&str>,
) -> Result<(Vec<Index>, Vec<(String, String)>, Vec<(String, String)>), sqlx::Error> {
    // The unique indexes over whole columns; the one behind a primary key only says that the primary key is
    // not a rowid alias (which has no index), the key itself comes from the columns.
    let mut indexes: Vec<(Index, bool)> = Vec::new();
    let mut indexed_primary_keys: Vec<String> = Vec::new();
    for row in sqlx::query(UNIQUE_INDEXES).bind(table).fetch_all(&mut *conn).await? {
        let (table, name, origin): (String, String, String) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let column: Option<String> = row.try_get(3)?;
        if origin == "pk" {
            indexed_primary_keys.push(table);
            continue;
        }
        if !indexes.last().is_some_and(|(i, _)| i.table == table && i.name == name) {
            indexes.push((Index { table, name, primary: false, columns: Vec::new() }, true));
        }
        if let Some((index, whole)) = indexes.last_mut() {
            match column {
                Some(column) => index.columns.push(column),
                None => *whole = false,
            }
        }
    }
    let mut indexes: Vec<Index> = indexes.into_iter().filter(|(_, whole)| *whole).map(|(i, _)| i).collect();

    let mut columns: BTreeMap<String, Vec<(String, bool, i64, bool)>> = BTreeMap::new();
    for row in sqlx::query(TABLE_COLUMNS).bind(table).fetch_all(&mut *conn).await? {
        let (table, column): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        let (not_null, pk, without_rowid, strict): (i64, i64, i64, i64) =
            (row.try_get(2)?, row.try_get(3)?, row.try_get(4)?, row.try_get(5)?);
        columns.entry(table).or_default().push((column, not_null == 1, pk, without_rowid == 1 || strict == 1));
    }
    let mut not_null = Vec::new();
    let mut rowid_aliases = Vec::new();
    for (table, columns) in columns {
        let mut primary: Vec<(i64, String)> = columns.iter().filter(|c| c.2 > 0).map(|c| (c.2, c.0.clone())).collect();
        primary.sort();
        let enforced = columns.first().is_some_and(|c| c.3);
        let alias = primary.len() == 1 && !enforced && !indexed_primary_keys.contains(&table);
        if alias {
            rowid_aliases.push((table.clone(), primary[0].1.clone()));
        }
        // A primary key column of an ordinary table may hold NULL (an old SQLite bug kept for compatibility);
        // a rowid alias never does, nor one of a WITHOUT ROWID or STRICT table.
        for (column, declared, pk, _) in &columns {
            if *declared || (*pk > 0 && (alias || enforced)) {
                not_null.push((table.clone(), column.clone()));
            }
        }
        if !primary.is_empty() {
            let columns = primary.into_iter().map(|(_, c)| c).collect();
            indexes.push(Index { table, name: PRIMARY.to_string(), primary: true, columns });
        }
    }
    Ok((indexes, not_null, rowid_aliases))
}

/// Foreign keys from one row per column; a key declared without referenced columns references the parent's
/// primary key, looked up in `indexes`.
async fn foreign_keys(
    conn: &mut SqliteConnection,
    indexes: &[Index],
) -> Result<Vec<(String, ForeignKey)>, sqlx::Error> {
    let mut foreign_keys: Vec<(String, i64, ForeignKey)> = Vec::new();
    for row in sqlx::query(FOREIGN_KEYS).fetch_all(&mut *conn).await? {
        let (table, id, referenced_table): (String, i64, String) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let (column, referenced_column): (String, Option<String>) = (row.try_get(3)?, row.try_get(4)?);
        if !foreign_keys.last().is_some_and(|(t, i, _)| *t == table && *i == id) {
            let key = ForeignKey {
                name: String::new(),
                columns: Vec::new(),
                referenced_table: referenced_table.clone(),
                referenced_columns: Vec::new(),
            };
            foreign_keys.push((table, id, key));
        }
        if let Some((_, _, key)) = foreign_keys.last_mut() {
            key.columns.push(column);
            key.referenced_columns.extend(referenced_column);
        }
    }
    Ok(foreign_keys
        .into_iter()
        .map(|(table, _, mut key)| {
            if key.referenced_columns.is_empty() {
                let parent = indexes.iter().find(|i| i.primary && i.table == key.referenced_table);
                key.referenced_columns = parent.map(|i| i.columns.clone()).unwrap_or_default();
            }
            (table, key)
        })
        .collect())
}

/// `sqlite_sequence`'s counter per table; none at all when no table was ever created AUTOINCREMENT (the
/// table does not exist then).
async fn high_water_marks(conn: &mut SqliteConnection) -> Result<BTreeMap<String, i128>, sqlx::Error> {
    let exists: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_sequence'")
            .fetch_one(&mut *conn)
            .await?;
    let mut marks = BTreeMap::new();
    if exists > 0 {
        for row in sqlx::query(SEQUENCES).fetch_all(&mut *conn).await? {
            let (table, seq): (String, i64) = (row.try_get(0)?, row.try_get(1)?);
            marks.insert(table, i128::from(seq));
        }
    }
    Ok(marks)
}

/// Whether a CREATE TABLE statement holds the word AUTOINCREMENT (allowed only after INTEGER PRIMARY KEY).
/// A column or a string spelled so would fool it, but only a table with a rowid alias is taken as one.
fn declares_autoincrement(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    upper
        .match_indices("AUTOINCREMENT")
        .any(|(at, found)| !word(upper[..at].chars().next_back()) && !word(upper[at + found.len()..].chars().next()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autoincrement_is_a_word_of_the_statement() {
        assert!(declares_autoincrement("CREATE TABLE t (id INTEGER PRIMARY KEY autoincrement, x)"));
        assert!(declares_autoincrement("CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT)"));
        assert!(!declares_autoincrement("CREATE TABLE t (id INTEGER PRIMARY KEY, autoincrement_flag INT)"));
        assert!(!declares_autoincrement("CREATE TABLE t (id INTEGER PRIMARY KEY)"));
    }
}
