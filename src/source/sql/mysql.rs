//! MySQL and MariaDB: catalog types mapped to Arrow, rows read over the text protocol (every value arrives as
//! its text form, which Arrow's strict parsers then type; the session time zone is UTC).
//!
//! | MySQL type | Arrow |
//! |---|---|
//! | `tinyint(1)`, `bool` | Boolean (MySQL's BOOLEAN is `tinyint(1)`) |
//! | `tinyint`, `smallint`, `mediumint`/`int`, `bigint` (`unsigned`: the unsigned type) | Int8/16/32/64 |
//! | `year` | Int16 |
//! | `decimal(p,s)`, p ≤ 38 | Decimal128(p,s) |
//! | `float`, `double` | Float32, Float64 |
//! | `char`, `varchar`, `*text`, `enum`, `set`, `json` | Utf8 (CHAR's trailing spaces are stripped by MySQL itself) |
//! | `binary`, `varbinary`, `*blob` | Binary |
//! | `date` | Date32 |
//! | `datetime` | Timestamp(µs), zone-less |
//! | `timestamp` | Timestamp(µs, UTC): MySQL converts it to the session zone, UTC |
//! | `time` | Time64(µs) (values outside 00:00–24:00 are refused) |
//!
//! MariaDB stores JSON as LONGTEXT with a `json_valid` column check; such a column is declared `json`, so it
//! compares as JSON like MySQL's own type.

use arrow::datatypes::{DataType, TimeUnit};
use sqlx::{MySqlConnection, Row};

use super::text::{stream_rows, Cell};
use super::{describe, Sender, SqlColumn};
use crate::error::{Error, Result};

const COLUMNS: &str = include_str!("../../../queries/mysql_columns.sql");
const JSON_COLUMNS: &str = include_str!("../../../queries/mysql_json_columns.sql");

pub(crate) async fn table_columns(
    conn: &mut MySqlConnection,
    schema: Option<&str>,
    table: &str,
) -> Result<Vec<SqlColumn>, sqlx::Error> {
    let rows = sqlx::query(COLUMNS).bind(schema).bind(table).fetch_all(&mut *conn).await?;
    // A server without information_schema.check_constraints has no JSON stored as LONGTEXT either.
    let json: Vec<String> = match sqlx::query(JSON_COLUMNS).bind(schema).bind(table).fetch_all(&mut *conn).await {
        Ok(rows) => rows.iter().map(|row| row.try_get(0)).collect::<Result<_, _>>()?,
        Err(_) => Vec::new(),
    };
    rows.iter()
        .map(|row| {
            let name: String = row.try_get(0)?;
            let data_type: String = row.try_get(1)?;
            let column_type: String = row.try_get(2)?;
            let (precision, scale): (Option<i64>, Option<i64>) = (row.try_get(3)?, row.try_get(4)?);
            let (charset, collation): (Option<String>, Option<String>) = (row.try_get(5)?, row.try_get(6)?);
            let arrow =
                arrow_type(&data_type.to_ascii_lowercase(), &column_type.to_ascii_lowercase(), precision, scale);
            // MariaDB's JSON is LONGTEXT checked by json_valid: declared JSON, it compares as JSON.
            let declared = if json.contains(&name) { "json".to_string() } else { column_type };
            let cast = charset.zip(collation).map(|(charset, collation)| format!("{charset} {collation}"));
            Ok(SqlColumn { name, db_type: data_type, declared, data_type: arrow.unwrap_or(DataType::Null), cast })
        })
        .collect()
}

/// The Arrow type of a MySQL column (`data_type` and `column_type` as information_schema gives them).
pub(crate) fn arrow_type(
    data_type: &str,
    column_type: &str,
    precision: Option<i64>,
    scale: Option<i64>,
) -> Option<DataType> {
    let unsigned = column_type.contains("unsigned");
    let pick = |signed: DataType, unsigned_type: DataType| if unsigned { unsigned_type } else { signed };
    Some(match data_type {
        "tinyint" if column_type.starts_with("tinyint(1)") => DataType::Boolean,
        "bool" | "boolean" => DataType::Boolean,
        "tinyint" => pick(DataType::Int8, DataType::UInt8),
        "smallint" => pick(DataType::Int16, DataType::UInt16),
        "mediumint" | "int" | "integer" => pick(DataType::Int32, DataType::UInt32),
        "bigint" => pick(DataType::Int64, DataType::UInt64),
        "year" => DataType::Int16,
        "decimal" | "numeric" => match (precision, scale) {
            (Some(p), Some(s)) if (1..=38).contains(&p) => DataType::Decimal128(p as u8, s as i8),
            _ => return None,
        },
        "float" => DataType::Float32,
        "double" | "real" => DataType::Float64,
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum" | "set" | "json" => {
            DataType::Utf8
        }
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => DataType::Binary,
        "date" => DataType::Date32,
        "datetime" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into())),
        "time" => DataType::Time64(TimeUnit::Microsecond),
        _ => return None,
    })
}

pub(crate) async fn stream(
    conn: &mut MySqlConnection,
    select: &str,
    columns: &[SqlColumn],
    tx: &Sender,
    location: &str,
) -> Result<()> {
    // raw_sql runs over the text protocol: every value is its text form, whatever its type.
    stream_rows(sqlx::raw_sql(select).fetch(conn), columns, tx, location, |row, batcher| {
        for column in 0..columns.len() {
            let value: Option<&[u8]> =
                row.try_get_unchecked(column).map_err(|e| Error::database(location, describe(&e)))?;
            batcher.push(column, value.map_or(Cell::Null, Cell::Bytes))?;
        }
        Ok(())
    })
    .await
}
