//! SQLite: columns are read by their *declared* type, whatever each value's storage class — a DECIMAL(12,2)
//! column stored as REAL still compares as a 2-place decimal, and timestamps stored as text, Julian day
//! numbers or Unix times are read as instants.
//!
//! | declared type (recon's names first, then SQLite's affinity rules, in SQLite's order) | Arrow |
//! |---|---|
//! | `BOOLEAN`, `BOOL` | Boolean (0/1) |
//! | `DECIMAL(p,s)`, `NUMERIC(p,s)`, p ≤ 38 / p ≤ 76 | Decimal128(p,s) / Decimal256(p,s), values rounded half away from zero to s places |
//! | `DATE` | Date32 |
//! | `DATETIME`, `TIMESTAMP` (`WITHOUT TIME ZONE`) | Timestamp(µs), zone-less |
//! | `TIMESTAMPTZ`, `TIMESTAMP WITH TIME ZONE` | Timestamp(µs, UTC) |
//! | `TIME` | Time64(µs) |
//! | contains `INT` | Int64 |
//! | contains `CHAR`, `CLOB` or `TEXT` | Utf8 (`CHAR(n)` / `CHARACTER(n)`: trailing blanks removed, as SQL counts them) |
//! | contains `BLOB` | Binary |
//! | contains `REAL`, `FLOA`, `DOUB` | Float64 |
//! | anything else (`NUMERIC`, `UUID`, `JSON`, none) | Utf8: integers and reals as their text; the declared name decides how it compares |
//!
//! A date or time column's value is read by its storage class (SQLite's date and time functions accept the
//! same, <https://sqlite.org/lang_datefunc.html>): TEXT as ISO 8601, with or without a `T`, a fraction and an
//! offset (`2004-01-15 05:02:03.147405+00:00`: the offset makes it a UTC instant); REAL as a Julian day
//! number; INTEGER as seconds since 1970 (Unix time).

use arrow::datatypes::{DataType, TimeUnit};
use sqlx::{Row, SqliteConnection, TypeInfo, ValueRef};

use super::text::{stream_rows, trim_blanks, Cell};
use super::{sql_error, Sender, SqlColumn};
use crate::error::Result;
use crate::normalize::fixed_char;
use crate::normalize::parse::timestamp;

pub(crate) const COLUMNS: &str = include_str!("../../../queries/sqlite_columns.sql");

/// Milliseconds from the Julian day epoch (noon, 24 November 4714 BC) to 1970-01-01: 2440587.5 days.
const JULIAN_UNIX_MS: i64 = 210_866_760_000_000;

pub(crate) async fn table_columns(conn: &mut SqliteConnection, table: &str) -> Result<Vec<SqlColumn>, sqlx::Error> {
    let rows = sqlx::query(COLUMNS).bind(table).fetch_all(conn).await?;
    rows.iter()
        .map(|row| {
            let name: String = row.try_get(0)?;
            let declared: String = row.try_get(1)?;
            Ok(column(name, declared))
        })
        .collect()
}

/// How recon reads a column declared as `declared`.
pub(crate) fn column(name: String, declared: String) -> SqlColumn {
    let data_type = arrow_type(&declared.to_ascii_lowercase());
    SqlColumn::new(name, declared.clone(), declared, data_type)
}

/// The declared type without arguments, lower case, single-spaced: `TIMESTAMP(6) WITH TIME ZONE` is
/// `timestamp with time zone`.
fn base_name(declared: &str) -> String {
    let mut base = String::new();
    let mut depth = 0;
    for c in declared.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => base.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    base.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The Arrow type a declared SQLite type (lower case) is read as.
pub(crate) fn arrow_type(declared: &str) -> DataType {
    let declared = declared.trim();
    if let Some((p, s)) = decimal_args(declared) {
        return if p <= 38 { DataType::Decimal128(p, s) } else { DataType::Decimal256(p, s) };
    }
    let utc = || DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into()));
    match base_name(declared).as_str() {
        "boolean" | "bool" => DataType::Boolean,
        "date" => DataType::Date32,
        "datetime" | "timestamp" | "timestamp without time zone" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "timestamptz" | "timestamp with time zone" | "datetimetz" => utc(),
        "time" | "time without time zone" => DataType::Time64(TimeUnit::Microsecond),
        // SQLite's affinity rules, in their order (https://sqlite.org/datatype3.html, 3.1).
        d if d.contains("int") => DataType::Int64,
        d if d.contains("char") || d.contains("clob") || d.contains("text") => DataType::Utf8,
        d if d.contains("blob") => DataType::Binary,
        d if d.contains("real") || d.contains("floa") || d.contains("doub") => DataType::Float64,
        _ => DataType::Utf8,
    }
}

fn decimal_args(declared: &str) -> Option<(u8, i8)> {
    let args = declared.strip_prefix("decimal(").or_else(|| declared.strip_prefix("numeric("))?.strip_suffix(')')?;
    let (p, s) = args.split_once(',')?;
    let (p, s): (u8, i8) = (p.trim().parse().ok()?, s.trim().parse().ok()?);
    (1..=76).contains(&p).then_some((p, s))
}

/// A date or time column's value as the ISO 8601 text Arrow's cast reads, from whatever SQLite stored: UTC
/// for text with an offset, a Julian day number rounded to milliseconds as SQLite's own `computeJD` does,
/// Unix seconds. `None` leaves the value to the cast (which names it if it does not fit).
fn temporal(data_type: &DataType, storage: &str, row: &sqlx::sqlite::SqliteRow, column: usize) -> Option<String> {
    let unix_ms = match storage {
        "INTEGER" => row.try_get_unchecked::<i64, _>(column).ok()?.checked_mul(1000)?,
        "REAL" => (row.try_get_unchecked::<f64, _>(column).ok()? * 86_400_000.0 + 0.5) as i64 - JULIAN_UNIX_MS,
        _ => {
            let (naive, offset) = timestamp(row.try_get_unchecked::<&str, _>(column).ok()?)?;
            let utc = naive - chrono::Duration::seconds(i64::from(offset.unwrap_or(0)));
            return Some(match data_type {
                DataType::Date32 => naive.date().to_string(),
                _ => utc.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
            });
        }
    };
    let at = chrono::DateTime::from_timestamp_millis(unix_ms)?.naive_utc();
    Some(match data_type {
        DataType::Date32 => at.date().to_string(),
        _ => at.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
    })
}

/// Streams `select`'s rows as batches of `columns`; `bound` is the value of its one `?` parameter, if any (SQLite
/// has no session variables: a window's bound is a statement parameter, see `narrow.rs`).
pub(crate) async fn stream(
    conn: &mut SqliteConnection,
    select: &str,
    bound: Option<&str>,
    columns: &[SqlColumn],
    tx: &Sender,
    location: &str,
) -> Result<()> {
    let db_error = |e: sqlx::Error| sql_error(location, &e);
    let padded: Vec<bool> = columns.iter().map(|c| fixed_char(&c.declared)).collect();
    let dated: Vec<bool> =
        columns.iter().map(|c| matches!(c.data_type, DataType::Date32 | DataType::Timestamp(..))).collect();
    let rows = match bound {
        Some(bound) => sqlx::query(select).bind(bound.to_string()).fetch(conn),
        None => sqlx::raw_sql(select).fetch(conn),
    };
    stream_rows(rows, columns, tx, location, |row, batcher| {
        for column in 0..columns.len() {
            let value = row.try_get_raw(column).map_err(db_error)?;
            let info = value.type_info();
            let storage = if value.is_null() { "NULL" } else { info.name() };
            let converted = match storage {
                "NULL" => None,
                _ if dated[column] => temporal(&columns[column].data_type, storage, row, column),
                _ => None,
            };
            let text;
            let cell = match (storage, &converted) {
                ("NULL", _) => Cell::Null,
                (_, Some(converted)) => Cell::Text(converted),
                ("INTEGER", _) => {
                    text = row.try_get_unchecked::<i64, _>(column).map_err(db_error)?.to_string();
                    Cell::Text(&text)
                }
                ("REAL", _) => {
                    // Rust prints the shortest text that reads back as the same double.
                    text = row.try_get_unchecked::<f64, _>(column).map_err(db_error)?.to_string();
                    Cell::Text(&text)
                }
                ("BLOB", _) => Cell::Bytes(row.try_get_unchecked::<&[u8], _>(column).map_err(db_error)?),
                _ if padded[column] => {
                    Cell::Bytes(trim_blanks(row.try_get_unchecked::<&str, _>(column).map_err(db_error)?.as_bytes()))
                }
                _ => Cell::Text(row.try_get_unchecked::<&str, _>(column).map_err(db_error)?),
            };
            batcher.push(column, cell)?;
        }
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_decide() {
        assert_eq!(arrow_type("decimal(12,2)"), DataType::Decimal128(12, 2));
        assert_eq!(arrow_type("decimal(65,10)"), DataType::Decimal256(65, 10));
        assert_eq!(arrow_type("bigint"), DataType::Int64);
        assert_eq!(arrow_type("boolean"), DataType::Boolean);
        assert_eq!(arrow_type("varchar(20)"), DataType::Utf8);
        assert_eq!(arrow_type("double precision"), DataType::Float64);
        assert_eq!(arrow_type(""), DataType::Utf8);
        let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into()));
        assert_eq!(arrow_type("timestamptz"), utc);
        assert_eq!(arrow_type("timestamp(6)   with time zone"), utc);
        assert_eq!(arrow_type("timestamp(3)"), DataType::Timestamp(TimeUnit::Microsecond, None));
        // SQLite's affinity rules in their order: INT before CHAR before BLOB before REAL.
        assert_eq!(arrow_type("charint"), DataType::Int64);
        assert_eq!(arrow_type("clob"), DataType::Utf8);
        assert_eq!(arrow_type("floating blob"), DataType::Binary);
        assert_eq!(arrow_type("float"), DataType::Float64);
        assert!(fixed_char("CHARACTER(10)") && fixed_char("char(3)") && fixed_char("NATIVE  CHARACTER(70)"));
        assert!(!fixed_char("varchar(3)") && !fixed_char("character varying(3)") && !fixed_char("\"char\""));
    }
}
