//! MySQL's and MariaDB's way of writing a repair script. The session is set first: `utf8mb4` for the script's
//! text, UTC for `TIMESTAMP` columns (recon read them in UTC), and `NO_AUTO_VALUE_ON_ZERO` so that an inserted 0
//! stays 0 in an AUTO_INCREMENT column instead of taking the next value. Text with a backslash or a control
//! character is written in hex (`_utf8mb4 X'…'`): it then means the same whatever `sql_mode` says of
//! backslashes, and no client mistakes a backslash for an escape. Text is matched byte for byte (a collation
//! that ignores case or trailing spaces would match other rows too), keeping a plain `=` first so that an index
//! still finds the row.

use super::value::{date_text, float_text, has_control, hex, special, time_text, timestamp_text, Value};
use super::Dialect;
use crate::compare::repair::TargetColumn;
use crate::source::Engine;

pub(super) struct Mysql;

impl Dialect for Mysql {
    fn engine(&self) -> Engine {
        Engine::Mysql
    }

    fn begin(&self) -> Vec<String> {
        vec![
            "SET NAMES utf8mb4;".into(),
            "SET SESSION time_zone = '+00:00';".into(),
            "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'NO_AUTO_VALUE_ON_ZERO');".into(),
            "START TRANSACTION;".into(),
        ]
    }

    fn apply(&self) -> &'static str {
        "mysql DATABASE < FILE (the client stops at the first error, and the open transaction is rolled back; \
         only transactional tables, such as InnoDB's, roll back)"
    }

    fn literal(&self, value: &Value, column: &TargetColumn) -> Result<String, String> {
        Ok(match value {
            Value::Null => "NULL".into(),
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Value::Number(n) => n.clone(),
            // A 32-bit float as the double that holds it exactly: its shortest 32-bit text may lie beyond FLOAT's
            // range as a double (3.4028235e38), which MySQL refuses.
            Value::Float32(f) => return self.literal(&Value::Float(f64::from(*f)), column),
            Value::Float(_) => match (special(value), float_text(value)) {
                (Some(special), _) => return Err(format!("MySQL and MariaDB cannot store {special}")),
                // An exponent makes the literal a double, never a decimal.
                (None, Some(text)) if text.contains('e') => text,
                (None, text) => format!("{}e0", text.unwrap_or_default()),
            },
            Value::Text(text) if column.writable.db_type == "bit" && text.chars().all(|c| c == '0' || c == '1') => {
                format!("b'{text}'")
            }
            Value::Text(text) => quoted(text),
            Value::Bytes(bytes) => format!("X'{}'", hex(bytes)),
            Value::Date(date) => format!("'{}'", date_text(*date, false)),
            Value::Timestamp(at, digits) => format!("'{}'", timestamp_text(*at, (*digits).min(6), false)),
            Value::Time(at, digits) => format!("'{}'", time_text(*at, (*digits).min(6))),
        })
    }

    fn equals(&self, quoted: &str, literal: &str, column: &TargetColumn) -> String {
        let db_type = column.writable.db_type.as_str();
        let text =
            matches!(db_type, "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum" | "set");
        match db_type {
            "json" => format!("{quoted} = CAST({literal} AS JSON)"),
            _ if text => format!(
                "({quoted} = {literal} AND {quoted} = {literal} COLLATE utf8mb4_bin AND CHAR_LENGTH({quoted}) = \
                 CHAR_LENGTH({literal}))"
            ),
            _ => format!("{quoted} = {literal}"),
        }
    }

    fn delete_copies(&self, table: &str, condition: &str, copies: u64) -> String {
        format!("DELETE FROM {table} WHERE {condition} LIMIT {copies};")
    }
}

/// `text` as a string literal: plain (quotes doubled) when that means the same under every `sql_mode`, else hex.
fn quoted(text: &str) -> String {
    if text.contains('\\') || has_control(text) {
        format!("_utf8mb4 X'{}'", hex(text.as_bytes()))
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_with_backslashes_or_control_characters_are_hex() {
        assert_eq!(quoted("O'Brien"), "'O''Brien'");
        assert_eq!(quoted("a\\b"), "_utf8mb4 X'615c62'");
        assert_eq!(quoted("nul\0"), "_utf8mb4 X'6e756c00'");
        assert_eq!(quoted("ünï"), "'ünï'");
    }
}
