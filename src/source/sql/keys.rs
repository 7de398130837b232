//! Reading rows by key without relying on an index: the keys become a `VALUES` relation that each engine
//! joins to the table as a hash semi-join, so one statement reads tens of thousands of keys in one pass over
//! the table, where `WHERE (a, b) IN ((…), …)` made an unindexed table scan once per thousand keys and test
//! the whole list against every row.
//!
//! | engine | statement | how the server runs it |
//! |---|---|---|
//! | PostgreSQL | `… WHERE (a, b) IN (SELECT * FROM (VALUES ('x'::pg_catalog.text, 1::pg_catalog.int4), …) AS k)` | `Hash Semi Join` (or a join on a hashed, de-duplicated `VALUES`) |
//! | MariaDB, MySQL | `… WHERE (a, b) IN (SELECT * FROM (SELECT … AS k0, … AS k1 UNION ALL VALUES (…), …) AS k)` | semi-join materialization: the keys in a temporary table with a unique key, looked up per row (`eq_ref` on `distinct_key`) |
//! | SQLite | `… WHERE (a, b) IN (VALUES (…), …)` | an ephemeral index on the list, probed per row |
//!
//! Key values are literals (PostgreSQL's `COPY` takes no bind parameters), rendered exactly and typed as the
//! column is — PostgreSQL casts each to the column's own type without its modifier, MariaDB converts text to
//! the column's character set and collation — so that the join compares like with like and the server can
//! hash it. MariaDB names a `VALUES` column after its first value, and two equal values would clash, so the
//! first row is a `SELECT` with aliases.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::DataType;

use super::{Engine, SqlColumn};

/// Keys per statement: one pass over the table reads this many keys. 50,000 composite keys make a statement
/// of a few MB, well below MariaDB's default `max_allowed_packet` (16 MiB) and SQLite's default
/// `SQLITE_MAX_SQL_LENGTH` (1,000,000,000 bytes).
pub const KEYS_PER_STATEMENT: usize = 50_000;

/// Each distinct key as a row of typed literals, sorted; `None` when a value has no exact literal (the
/// caller then reads everything).
pub(crate) fn tuples(
    engine: Engine,
    columns: &[&SqlColumn],
    keys: &[(&[ArrayRef], usize)],
) -> Option<Vec<Vec<String>>> {
    let mut tuples = Vec::with_capacity(keys.len());
    for (arrays, row) in keys {
        let literals: Option<Vec<String>> =
            arrays.iter().zip(columns).map(|(array, column)| literal(engine, column, array, *row)).collect();
        tuples.push(literals?);
    }
    tuples.sort_unstable();
    tuples.dedup();
    Some(tuples)
}

/// ` WHERE (a, b) IN (…)`: the rows whose key is one of `tuples`.
pub(crate) fn condition(engine: Engine, columns: &[&SqlColumn], tuples: &[Vec<String>]) -> String {
    let names: Vec<String> = columns.iter().map(|c| engine.quote(&c.name)).collect();
    let row = |t: &Vec<String>| format!("({})", t.join(", "));
    let keys = match engine {
        Engine::Postgres => {
            let rows: Vec<String> = tuples.iter().map(row).collect();
            format!("SELECT * FROM (VALUES {}) AS k", rows.join(", "))
        }
        Engine::Mysql => {
            let first = tuples.first().map_or(String::new(), |t| {
                t.iter().enumerate().map(|(i, v)| format!("{v} AS k{i}")).collect::<Vec<_>>().join(", ")
            });
            let rest: Vec<String> = tuples.iter().skip(1).map(row).collect();
            let union = if rest.is_empty() { String::new() } else { format!(" UNION ALL VALUES {}", rest.join(", ")) };
            format!("SELECT * FROM (SELECT {first}{union}) AS k")
        }
        Engine::Sqlite => {
            let rows: Vec<String> = tuples.iter().map(row).collect();
            format!("VALUES {}", rows.join(", "))
        }
    };
    format!(" WHERE ({}) IN ({keys})", names.join(", "))
}

/// Whether a text literal can stand for a value of this column: a text-like type compared by its text.
/// Others (PostgreSQL's `json` has no equality, a timestamp's canonical text is not the column's) are read in
/// full instead.
fn takes_text(engine: Engine, column: &SqlColumn) -> bool {
    let db_type = column.db_type.to_ascii_lowercase();
    column.data_type == DataType::Utf8
        && match engine {
            Engine::Postgres => {
                matches!(db_type.as_str(), "text" | "varchar" | "bpchar" | "name" | "citext" | "uuid" | "enum")
            }
            Engine::Mysql => matches!(
                db_type.as_str(),
                "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum" | "set" | "uuid"
            ),
            Engine::Sqlite => true,
        }
}

/// A canonical key value as an SQL literal of the column's type that selects exactly the rows holding it (or
/// a superset, under a case-insensitive collation: rows are then picked by their row hash); `None` for values
/// without one (floats, binaries, NULL — a NULL key is never looked up).
pub(super) fn literal(engine: Engine, column: &SqlColumn, array: &ArrayRef, row: usize) -> Option<String> {
    if array.is_null(row) {
        return None;
    }
    let text = || {
        let formatter = arrow::util::display::ArrayFormatter::try_new(array.as_ref(), &Default::default()).ok()?;
        Some(formatter.value(row).to_string())
    };
    let quoted = |s: &str| match engine {
        // A hex literal means the same whatever the session's sql_mode says of backslashes.
        Engine::Mysql => {
            let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
            match column.cast.as_deref().and_then(|c| c.split_once(' ')) {
                Some((charset, collation)) => format!("CONVERT(_utf8mb4 X'{hex}' USING {charset}) COLLATE {collation}"),
                None => format!("_utf8mb4 X'{hex}'"),
            }
        }
        // SQLite reads a statement as a C string: a NUL would end it. Text holding one is written as its bytes.
        Engine::Sqlite if s.contains('\0') => {
            let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
            format!("CAST(X'{hex}' AS TEXT)")
        }
        _ => format!("'{}'", s.replace('\'', "''")),
    };
    let value = match array.data_type() {
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => text()?,
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => text()?,
        DataType::Decimal128(..) | DataType::Decimal256(..) => text()?,
        DataType::Boolean => (if array.as_boolean().value(row) { "TRUE" } else { "FALSE" }).to_string(),
        DataType::Utf8 if takes_text(engine, column) => quoted(array.as_string::<i32>().value(row)),
        DataType::Date32 if column.data_type == DataType::Date32 => match engine {
            Engine::Mysql => format!("DATE '{}'", text()?),
            _ => quoted(&text()?),
        },
        _ => return None,
    };
    Some(match (engine, &column.cast) {
        (Engine::Postgres, Some(cast)) => format!("{value}::{cast}"),
        _ => value,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, StringArray};

    use super::*;

    fn column(name: &str, db_type: &str, data_type: DataType, cast: Option<&str>) -> SqlColumn {
        let mut column = SqlColumn::new(name.to_string(), db_type.to_string(), db_type.to_string(), data_type);
        column.cast = cast.map(str::to_string);
        column
    }

    #[test]
    fn keys_become_typed_deduplicated_values_rows() {
        let text: ArrayRef = Arc::new(StringArray::from(vec!["O'Brien\\x", "plain", "O'Brien\\x"]));
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![7, 2, 7]));
        let arrays = [text, ints];
        let keys: Vec<(&[ArrayRef], usize)> = (0..3).map(|row| (&arrays[..], row)).collect();

        let pg = [
            column("k", "varchar", DataType::Utf8, Some("pg_catalog.varchar")),
            column("n", "int8", DataType::Int64, Some("pg_catalog.int8")),
        ];
        let pg: Vec<&SqlColumn> = pg.iter().collect();
        let rows = tuples(Engine::Postgres, &pg, &keys).expect("literals");
        assert_eq!(rows.len(), 2, "the repeated key is asked for once");
        assert_eq!(
            condition(Engine::Postgres, &pg, &rows),
            r#" WHERE ("k", "n") IN (SELECT * FROM (VALUES ('O''Brien\x'::pg_catalog.varchar, 7::pg_catalog.int8), ('plain'::pg_catalog.varchar, 2::pg_catalog.int8)) AS k)"#
        );

        let my = [
            column("k", "varchar", DataType::Utf8, Some("utf8mb4 utf8mb4_general_ci")),
            column("n", "bigint", DataType::Int64, None),
        ];
        let my: Vec<&SqlColumn> = my.iter().collect();
        let rows = tuples(Engine::Mysql, &my, &keys).expect("literals");
        assert_eq!(
            condition(Engine::Mysql, &my, &rows),
            " WHERE (`k`, `n`) IN (SELECT * FROM (SELECT CONVERT(_utf8mb4 X'4f27427269656e5c78' USING utf8mb4) \
             COLLATE utf8mb4_general_ci AS k0, 7 AS k1 UNION ALL VALUES (CONVERT(_utf8mb4 X'706c61696e' USING \
             utf8mb4) COLLATE utf8mb4_general_ci, 2)) AS k)"
        );

        let nul: ArrayRef = Arc::new(StringArray::from(vec!["a\0b"]));
        let lite = [column("k", "TEXT", DataType::Utf8, None)];
        let rows = tuples(Engine::Sqlite, &[&lite[0]], &[(&[nul][..], 0)]).expect("literals");
        assert_eq!(rows, [["CAST(X'610062' AS TEXT)"]], "a NUL would end SQLite's statement");

        let lite = [column("k", "TEXT", DataType::Utf8, None), column("n", "INTEGER", DataType::Int64, None)];
        let lite: Vec<&SqlColumn> = lite.iter().collect();
        let rows = tuples(Engine::Sqlite, &lite, &keys).expect("literals");
        assert_eq!(
            condition(Engine::Sqlite, &lite, &rows),
            r#" WHERE ("k", "n") IN (VALUES ('O''Brien\x', 7), ('plain', 2))"#
        );
    }

    #[test]
    fn values_without_an_exact_literal_give_up() {
        let floats: ArrayRef = Arc::new(arrow::array::Float64Array::from(vec![0.1]));
        let arrays = [floats];
        let c = column("f", "float8", DataType::Float64, Some("pg_catalog.float8"));
        assert!(tuples(Engine::Postgres, &[&c], &[(&arrays[..], 0)]).is_none());
        // Canonical text of a column that is not text (a timestamp compared with a text column) is not the
        // column's own text.
        let text: ArrayRef = Arc::new(StringArray::from(vec!["2024-01-01T00:00:00Z"]));
        let arrays = [text];
        let ts = column("t", "timestamp", DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, None), None);
        assert!(tuples(Engine::Postgres, &[&ts], &[(&arrays[..], 0)]).is_none());
        let json = column("j", "json", DataType::Utf8, Some("pg_catalog.json"));
        assert!(tuples(Engine::Postgres, &[&json], &[(&arrays[..], 0)]).is_none());
    }
}
