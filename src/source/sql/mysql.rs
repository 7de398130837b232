//! MySQL and MariaDB: catalog types mapped to Arrow, rows read over the text protocol (every value arrives as
//! its text form, which Arrow's strict parsers then type; the session time zone is UTC). Where the text form
//! loses something, recon selects an expression whose text keeps it.
//!
//! | MySQL type | Arrow |
//! |---|---|
//! | `tinyint(1)`, `bool`, `bit(1)` | Boolean (MySQL's BOOLEAN is `tinyint(1)`; `bit(1)` selected as `CAST(b AS UNSIGNED)`) |
//! | `tinyint`, `smallint`, `mediumint`/`int`, `bigint` (`unsigned`: the unsigned type) | Int8/16/32/64 |
//! | `year` | Int16 |
//! | `decimal(p,s)`, p ≤ 38 / p ≤ 65 | Decimal128(p,s) / Decimal256(p,s) |
//! | `float`, `double` | Float32, Float64: `float` selected as `f + 0e0`, the double that holds it exactly, printed in its shortest round-trip form (a FLOAT column's own text has 6 significant digits) |
//! | `char`, `varchar`, `*text`, `enum`, `set`, `json` | Utf8 (CHAR's trailing blanks removed, as MySQL itself does unless `PAD_CHAR_TO_FULL_LENGTH`) |
//! | MariaDB `uuid` | Utf8, declared `uuid`: compares as a UUID |
//! | MariaDB `inet4`, `inet6` | Utf8, declared so: compares as a network address |
//! | `bit(n)`, n > 1 | Utf8 `0`/`1` text of n bits (`LPAD(BIN(b), n, '0')`), as PostgreSQL writes `bit(n)` |
//! | `binary`, `varbinary`, `*blob` | Binary |
//! | `date` | Date32 |
//! | `datetime(p)` | Timestamp(µs), zone-less; the declared `p` and the server's cut ride along as field metadata |
//! | `timestamp(p)` | Timestamp(µs, UTC): MySQL converts it to the session zone, UTC; `p` as for `datetime` |
//! | `time` | Time64(µs) (values outside 00:00–24:00 are refused) |
//! | spatial types (`geometry`, `point`, …) and anything else | Null: unreadable, refused by name if compared (workaround `ST_AsText`) |
//!
//! MariaDB stores JSON as LONGTEXT with a `json_valid` column check; such a column is declared `json`, so it
//! compares as JSON like MySQL's own type.

use arrow::datatypes::{DataType, TimeUnit};
use sqlx::{MySqlConnection, Row};

use super::text::{stream_rows, trim_blanks, Cell};
use super::{sql_error, Engine, Sender, SqlColumn};
use crate::error::Result;
use crate::normalize::{Cut, FRACTION_CUT, FRACTION_DIGITS};

pub(crate) const COLUMNS: &str = include_str!("../../../queries/mysql_columns.sql");
pub(crate) const JSON_COLUMNS: &str = include_str!("../../../queries/mysql_json_columns.sql");
pub(crate) const SERVER: &str = include_str!("../../../queries/mysql_server.sql");
pub(crate) const TRANSACTIONAL: &str = include_str!("../../../queries/mysql_transactional.sql");

const SPATIAL: [&str; 8] = [
    "geometry",
    "point",
    "linestring",
    "polygon",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
];

/// How the server cuts timestamps with more fraction digits than their column declares (see
/// `queries/mysql_server.sql`).
pub(crate) async fn fraction_cut(conn: &mut MySqlConnection) -> Result<Cut, sqlx::Error> {
    let (version, mode): (String, String) = sqlx::query_as(SERVER).fetch_one(conn).await?;
    Ok(cut_of(&version, &mode))
}

/// How a server of `version` with global `sql_mode` `mode` cuts fraction digits (see [`SERVER`]).
pub(crate) fn cut_of(version: &str, mode: &str) -> Cut {
    let mode = mode.to_ascii_uppercase();
    if version.contains("MariaDB") {
        if mode.contains("TIME_ROUND_FRACTIONAL") {
            Cut::Round
        } else {
            Cut::Truncate
        }
    } else if mode.contains("TIME_TRUNCATE_FRACTIONAL") {
        Cut::Truncate
    } else {
        Cut::Round
    }
}

pub(crate) async fn table_columns(
    conn: &mut MySqlConnection,
    schema: Option<&str>,
    table: &str,
) -> Result<Vec<SqlColumn>, sqlx::Error> {
    Ok(columns_of(conn, schema, Some(table)).await?.into_iter().map(|(_, column)| column).collect())
}

/// The columns of `table`, or of every table of the database, each with its table's name, in table order.
pub(crate) async fn columns_of(
    conn: &mut MySqlConnection,
    schema: Option<&str>,
    table: Option<&str>,
) -> Result<Vec<(String, SqlColumn)>, sqlx::Error> {
    let cut = fraction_cut(&mut *conn).await?;
    let rows = sqlx::query(COLUMNS).bind(schema).bind(table).bind(table).fetch_all(&mut *conn).await?;
    // A server without information_schema.check_constraints has no JSON stored as LONGTEXT either.
    let json: Vec<(String, String)> =
        match sqlx::query(JSON_COLUMNS).bind(schema).bind(table).bind(table).fetch_all(&mut *conn).await {
            Ok(rows) => {
                rows.iter().map(|row| Ok((row.try_get(1)?, row.try_get(0)?))).collect::<Result<_, sqlx::Error>>()?
            }
            Err(_) => Vec::new(),
        };
    rows.iter()
        .map(|row| {
            let row = ColumnRow {
                name: row.try_get(0)?,
                data_type: row.try_get(1)?,
                column_type: row.try_get(2)?,
                precision: row.try_get(3)?,
                scale: row.try_get(4)?,
                charset: row.try_get(5)?,
                collation: row.try_get(6)?,
                fraction: row.try_get(7)?,
                table: row.try_get(8)?,
            };
            let is_json = json.iter().any(|(t, c)| *t == row.table && *c == row.name);
            Ok((row.table.clone(), row.column(is_json, cut)))
        })
        .collect()
}

/// One row of [`COLUMNS`], as the server gave it.
pub(crate) struct ColumnRow {
    pub(crate) name: String,
    pub(crate) data_type: String,
    pub(crate) column_type: String,
    pub(crate) precision: Option<i64>,
    pub(crate) scale: Option<i64>,
    pub(crate) charset: Option<String>,
    pub(crate) collation: Option<String>,
    pub(crate) fraction: Option<i64>,
    pub(crate) table: String,
}

impl ColumnRow {
    /// How recon reads the column: declared JSON where [`JSON_COLUMNS`] lists it, its timestamps' fraction
    /// digits cut as `cut`.
    pub(crate) fn column(self, is_json: bool, cut: Cut) -> SqlColumn {
        let mut column = column(self.name, &self.data_type, &self.column_type, self.precision, self.scale);
        // MariaDB's JSON is LONGTEXT checked by json_valid: declared JSON, it compares as JSON.
        if is_json {
            column.declared = "json".to_string();
        }
        column.cast = self.charset.zip(self.collation).map(|(charset, collation)| format!("{charset} {collation}"));
        let timestamp = matches!(column.data_type, DataType::Timestamp(..));
        if let Some(digits) = self.fraction.filter(|d| timestamp && (0..=6).contains(d)) {
            column.metadata.push((FRACTION_DIGITS, digits.to_string()));
            column.metadata.push((FRACTION_CUT, cut.name().to_string()));
        }
        column
    }
}

/// How recon reads a column of this type (`data_type` and `column_type` as information_schema gives them,
/// or as the driver names a query's column types, without precision).
pub(crate) fn column(
    name: String,
    data_type: &str,
    column_type: &str,
    precision: Option<i64>,
    scale: Option<i64>,
) -> SqlColumn {
    let (data_type, column_type) = (data_type.to_ascii_lowercase(), column_type.to_ascii_lowercase());
    let quoted = Engine::Mysql.quote(&name);
    let arrow = arrow_type(&data_type, &column_type, precision, scale);
    let mut column =
        SqlColumn::new(name, data_type.clone(), column_type.clone(), arrow.clone().unwrap_or(DataType::Null));
    let bits = precision.or_else(|| column_type.strip_prefix("bit(")?.strip_suffix(')')?.parse().ok());
    column.select = match (data_type.as_str(), &arrow) {
        ("float", _) => Some(format!("({quoted} + 0e0)")),
        ("bit", Some(DataType::Boolean)) => Some(format!("CAST({quoted} AS UNSIGNED)")),
        ("bit", _) => Some(match bits {
            Some(bits) => format!("LPAD(BIN({quoted}), {bits}, '0')"),
            // A query's BIT column comes without its width.
            None => format!("BIN({quoted})"),
        }),
        _ => None,
    };
    if arrow.is_none() {
        let spatial = SPATIAL.contains(&data_type.as_str());
        let what = format!("MySQL type {column_type}{}", if spatial { " (spatial)" } else { "" });
        let read_as = if spatial { format!("ST_AsText({quoted})") } else { format!("CAST({quoted} AS CHAR)") };
        return column.unreadable(what, read_as);
    }
    column
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
        "bit" if precision == Some(1) || column_type == "bit(1)" => DataType::Boolean,
        "bit" => DataType::Utf8,
        "tinyint" => pick(DataType::Int8, DataType::UInt8),
        "smallint" => pick(DataType::Int16, DataType::UInt16),
        "mediumint" | "int" | "integer" => pick(DataType::Int32, DataType::UInt32),
        "bigint" => pick(DataType::Int64, DataType::UInt64),
        "year" => DataType::Int16,
        "decimal" | "numeric" => match (precision, scale) {
            (Some(p), Some(s)) if (1..=38).contains(&p) => DataType::Decimal128(p as u8, s as i8),
            (Some(p), Some(s)) if (39..=76).contains(&p) => DataType::Decimal256(p as u8, s as i8),
            // A query's decimals come without precision: exact decimal text, compared by value.
            _ => DataType::Utf8,
        },
        "float" => DataType::Float32,
        "double" | "real" => DataType::Float64,
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum" | "set" | "json" => {
            DataType::Utf8
        }
        "uuid" | "inet4" | "inet6" => DataType::Utf8,
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
    let padded: Vec<bool> = columns.iter().map(|c| c.db_type == "char").collect();
    stream_rows(sqlx::raw_sql(select).fetch(conn), columns, tx, location, |row, batcher| {
        for (column, padded) in padded.iter().enumerate() {
            let value: Option<&[u8]> = row.try_get_unchecked(column).map_err(|e| sql_error(location, &e))?;
            let value = match value {
                Some(v) if *padded => Some(trim_blanks(v)),
                v => v,
            };
            batcher.push(column, value.map_or(Cell::Null, Cell::Bytes))?;
        }
        Ok(())
    })
    .await
}
