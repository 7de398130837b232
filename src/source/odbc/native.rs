//! A PostgreSQL, MySQL/MariaDB or SQLite table read over ODBC is typed as its native reader types it: the native
//! catalog query runs through the driver and its rows go to the native column mapping, so both reads declare,
//! select and canonicalize every column alike (money as numeric, MySQL's `tinyint(1)`, `bit(n)`, unsigned and
//! JSON columns, declared fraction digits and the server's cut).

use arrow_odbc::odbc_api;
use odbc_api::parameter::VarCharBox;
use odbc_api::{Cursor, ResultSetMetadata};

use super::catalog::TableRef;
use super::connect::{Dialect, Session};
use crate::source::sql::{self, SqlColumn};

type OdbcResult<T> = std::result::Result<T, odbc_api::Error>;

/// The table's columns as the native reader of its engine types them; `None` for other engines.
pub(crate) fn columns(session: &Session, at: &TableRef) -> OdbcResult<Option<Vec<SqlColumn>>> {
    Ok(Some(match session.dialect {
        Dialect::Postgres => {
            let rows = query(session, sql::POSTGRES_COLUMNS, &[at.schema, Some(at.table)])?;
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
            let rows = query(session, sql::MYSQL_COLUMNS, &[at.catalog, table, table])?;
            // A server without information_schema.check_constraints has no JSON stored as LONGTEXT either.
            let json = query(session, sql::MYSQL_JSON_COLUMNS, &[at.catalog, table, table]).unwrap_or_default();
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
            let rows = query(session, sql::SQLITE_COLUMNS, &[Some(at.table)])?;
            let text = |row: &[Option<String>], i: usize| row.get(i).cloned().flatten().unwrap_or_default();
            rows.iter().map(|row| sql::sqlite_column(text(row, 0), text(row, 1))).collect()
        }
        Dialect::Other => return Ok(None),
    }))
}

/// Every row of `sql` (PostgreSQL `$N` placeholders or `?`, comment lines left out) with `parameters`, each
/// value as text.
pub(crate) fn query(session: &Session, sql: &str, parameters: &[Option<&str>]) -> OdbcResult<Vec<Vec<Option<String>>>> {
    let (sql, order) = positional(sql);
    let values: Vec<VarCharBox> = match order.is_empty() {
        true => parameters.iter().map(|p| text_parameter(*p)).collect(),
        false => order.iter().map(|n| text_parameter(parameters.get(n - 1).copied().flatten())).collect(),
    };
    let mut rows = Vec::new();
    let Some(mut cursor) = session.conn.execute(&sql, &values[..], None)? else { return Ok(rows) };
    let width = cursor.num_result_cols()? as u16;
    let mut buffer = Vec::new();
    while let Some(mut row) = cursor.next_row()? {
        let mut values = Vec::with_capacity(usize::from(width));
        for i in 1..=width {
            let present = row.get_text(i, &mut buffer)?;
            values.push(present.then(|| String::from_utf8_lossy(&buffer).into_owned()));
        }
        rows.push(values);
    }
    Ok(rows)
}

fn text_parameter(value: Option<&str>) -> VarCharBox {
    value.map_or_else(VarCharBox::null, |v| VarCharBox::from_string(v.to_string()))
}

/// `sql` without its comment lines, each `$N` made `?`, and the N of each `?` in order (empty when the
/// statement has `?` already).
fn positional(sql: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(sql.len());
    let mut order = Vec::new();
    for line in sql.lines().filter(|l| !l.trim_start().starts_with("--")) {
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            let digits: String = match c {
                '$' => std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).collect(),
                _ => String::new(),
            };
            match digits.parse::<usize>() {
                Ok(n) => {
                    out.push('?');
                    order.push(n);
                }
                Err(_) => {
                    out.push(c);
                    out.push_str(&digits);
                }
            }
        }
        out.push('\n');
    }
    (out, order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_placeholders_become_positional_in_order() {
        let (sql, order) = positional("-- $9 in a comment\nSELECT $1, $2 WHERE $2 IS NULL OR x = '$'\n");
        assert_eq!(sql, "SELECT ?, ? WHERE ? IS NULL OR x = '$'\n");
        assert_eq!(order, [1, 2, 2]);
    }
}
