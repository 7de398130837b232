//! A PostgreSQL, MySQL/MariaDB or SQLite table read over ODBC is typed as its native reader types it: the native
//! catalog query runs through the driver and its rows go to the native column mapping, so both reads declare,
//! select and canonicalize every column alike (money as numeric, MySQL's `tinyint(1)`, `bit(n)`, unsigned and
//! JSON columns, declared fraction digits and the server's cut).

use arrow_odbc::odbc_api;

use super::catalog::TableRef;
use super::connect::{Dialect, Session};
use super::rows::query;
use crate::source::sql::{self, SqlColumn};

type OdbcResult<T> = std::result::Result<T, odbc_api::Error>;

/// The table's columns as the native reader of its engine types them; `None` for other engines.
pub(crate) fn columns(session: &Session, at: &TableRef) -> OdbcResult<Option<Vec<SqlColumn>>> {
    Ok(Some(match session.dialect {
        Dialect::Postgres => {
            let rows = query(&session.conn, sql::POSTGRES_COLUMNS, &[at.schema, Some(at.table)])?;
            let text = |row: &[Option<String>], i: usize| row.get(i).cloned().flatten().unwrap_or_default();
            rows.iter()
                .map(|row| {
                    let typmod = text(row, 2).parse().unwrap_or(-1);
                    sql::postgres_column(text(row, 0), &text(row, 1), typmod, text(row, 3), Some(text(row, 4)))
                })
                .collect()
        }
        Dialect::Mysql => {
            let table = Some(at.table);
            let rows = query(&session.conn, sql::MYSQL_COLUMNS, &[at.catalog, table, table])?;
            // A server without information_schema.check_constraints has no JSON stored as LONGTEXT either.
            let json = query(&session.conn, sql::MYSQL_JSON_COLUMNS, &[at.catalog, table, table]).unwrap_or_default();
            rows.into_iter()
                .map(|row| {
                    let mut row = row.into_iter();
                    let mut next = || row.next().flatten();
                    let number = |value: Option<String>| value.and_then(|v| v.trim().parse::<i64>().ok());
                    let row = sql::MysqlColumnRow {
                        name: next().unwrap_or_default(),
                        data_type: next().unwrap_or_default(),
                        column_type: next().unwrap_or_default(),
                        precision: number(next()),
                        scale: number(next()),
                        charset: next(),
                        collation: next(),
                        fraction: number(next()),
                        table: next().unwrap_or_default(),
                    };
                    let is_json = json.iter().any(|j| j.first().cloned().flatten().as_deref() == Some(&row.name));
                    row.column(is_json, session.cut)
                })
                .collect()
        }
        Dialect::Sqlite => {
            let rows = query(&session.conn, sql::SQLITE_COLUMNS, &[Some(at.table)])?;
            let text = |row: &[Option<String>], i: usize| row.get(i).cloned().flatten().unwrap_or_default();
            rows.iter().map(|row| sql::sqlite_column(text(row, 0), text(row, 1))).collect()
        }
        Dialect::SqlServer | Dialect::Oracle | Dialect::Db2 | Dialect::Snowflake | Dialect::Other => return Ok(None),
    }))
}
