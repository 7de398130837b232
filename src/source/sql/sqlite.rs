//! SQLite: columns are read by their *declared* type, whatever each value's storage class — a DECIMAL(12,2)
//! column stored as REAL still compares as a 2-place decimal, and timestamps stored as text are parsed.
//!
//! | declared type (SQLite's affinity rules, then recon's) | Arrow |
//! |---|---|
//! | `BOOLEAN`, `BOOL` | Boolean (0/1) |
//! | contains `INT` | Int64 |
//! | `DECIMAL(p,s)`, `NUMERIC(p,s)`, p ≤ 38 | Decimal128(p,s), values rounded half away from zero to s places |
//! | contains `REAL`, `FLOA`, `DOUB` | Float64 |
//! | `DATE` | Date32 (text `YYYY-MM-DD`) |
//! | `DATETIME`, `TIMESTAMP` | Timestamp(µs), zone-less (text, ISO 8601) |
//! | `TIME` | Time64(µs) |
//! | contains `BLOB` | Binary |
//! | anything else (`TEXT`, `VARCHAR(n)`, `UUID`, `JSON`, none) | Utf8: integers and reals as their text |

use arrow::datatypes::{DataType, TimeUnit};
use sqlx::{Row, SqliteConnection, TypeInfo, ValueRef};

use super::text::{stream_rows, Cell};
use super::{describe, Sender, SqlColumn};
use crate::error::{Error, Result};

const COLUMNS: &str = include_str!("../../../queries/sqlite_columns.sql");

pub(crate) async fn table_columns(conn: &mut SqliteConnection, table: &str) -> Result<Vec<SqlColumn>, sqlx::Error> {
    let rows = sqlx::query(COLUMNS).bind(table).fetch_all(conn).await?;
    rows.iter()
        .map(|row| {
            let name: String = row.try_get(0)?;
            let declared: String = row.try_get(1)?;
            let data_type = arrow_type(&declared.to_ascii_lowercase());
            Ok(SqlColumn { name, db_type: declared.clone(), declared, data_type, cast: None })
        })
        .collect()
}

/// The Arrow type a declared SQLite type (lower case) is read as.
pub(crate) fn arrow_type(declared: &str) -> DataType {
    let declared = declared.trim();
    if let Some((p, s)) = decimal_args(declared) {
        return DataType::Decimal128(p, s);
    }
    match declared {
        "boolean" | "bool" => DataType::Boolean,
        "date" => DataType::Date32,
        "datetime" | "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "time" => DataType::Time64(TimeUnit::Microsecond),
        d if d.contains("int") => DataType::Int64,
        d if d.contains("real") || d.contains("floa") || d.contains("doub") => DataType::Float64,
        d if d.contains("blob") => DataType::Binary,
        _ => DataType::Utf8,
    }
}

fn decimal_args(declared: &str) -> Option<(u8, i8)> {
    let args = declared.strip_prefix("decimal(").or_else(|| declared.strip_prefix("numeric("))?.strip_suffix(')')?;
    let (p, s) = args.split_once(',')?;
    let (p, s): (u8, i8) = (p.trim().parse().ok()?, s.trim().parse().ok()?);
    (1..=38).contains(&p).then_some((p, s))
}

pub(crate) async fn stream(
    conn: &mut SqliteConnection,
    select: &str,
    columns: &[SqlColumn],
    tx: &Sender,
    location: &str,
) -> Result<()> {
    let db_error = |e: sqlx::Error| Error::database(location, describe(&e));
    stream_rows(sqlx::raw_sql(select).fetch(conn), columns, tx, location, |row, batcher| {
        for column in 0..columns.len() {
            let value = row.try_get_raw(column).map_err(db_error)?;
            let info = value.type_info();
            let storage = if value.is_null() { "NULL" } else { info.name() };
            let text;
            let cell = match storage {
                "NULL" => Cell::Null,
                "INTEGER" => {
                    text = row.try_get_unchecked::<i64, _>(column).map_err(db_error)?.to_string();
                    Cell::Text(&text)
                }
                "REAL" => {
                    // Rust prints the shortest text that reads back as the same double.
                    text = row.try_get_unchecked::<f64, _>(column).map_err(db_error)?.to_string();
                    Cell::Text(&text)
                }
                "BLOB" => Cell::Bytes(row.try_get_unchecked::<&[u8], _>(column).map_err(db_error)?),
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
        assert_eq!(arrow_type("bigint"), DataType::Int64);
        assert_eq!(arrow_type("boolean"), DataType::Boolean);
        assert_eq!(arrow_type("varchar(20)"), DataType::Utf8);
        assert_eq!(arrow_type("double precision"), DataType::Float64);
        assert_eq!(arrow_type(""), DataType::Utf8);
    }
}
