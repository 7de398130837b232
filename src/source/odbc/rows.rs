//! Catalog statements recon runs through a driver (its own queries, with parameters), their rows read as
//! text: below the connection (`connect.rs`), the native typing (`native.rs`) and the keys (`catalog.rs`) that
//! run them.

use arrow_odbc::odbc_api;
use odbc_api::parameter::VarCharBox;
use odbc_api::{Connection, Cursor, ResultSetMetadata};

type OdbcResult<T> = std::result::Result<T, odbc_api::Error>;

/// Every row of `sql` (PostgreSQL `$N` placeholders or `?`, comment lines left out) with `parameters`, each
/// value as text.
pub(crate) fn query(conn: &Connection, sql: &str, parameters: &[Option<&str>]) -> OdbcResult<Vec<Vec<Option<String>>>> {
    let (sql, order) = positional(sql);
    let values: Vec<VarCharBox> = match order.is_empty() {
        true => parameters.iter().map(|p| text_parameter(*p)).collect(),
        false => order.iter().map(|n| text_parameter(parameters.get(n - 1).copied().flatten())).collect(),
    };
    let mut rows = Vec::new();
    let Some(mut cursor) = conn.execute(&sql, &values[..], None)? else { return Ok(rows) };
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
