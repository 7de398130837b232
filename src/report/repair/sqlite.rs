//! SQLite's way of writing a repair script. Text with a control character is written as `CAST(X'…' AS TEXT)`
//! (a literal holds no NUL); booleans as 1 and 0, as recon reads them; infinities as `9e999` and `-9e999`, which
//! SQLite reads as such (it stores NaN as NULL: no script can write one). Surplus copies are deleted by `rowid`
//! (SQLite's `DELETE … LIMIT` exists only in builds with SQLITE_ENABLE_UPDATE_DELETE_LIMIT). Dates and times
//! are matched by `julianday`, whatever form (text, Julian day number, Unix time) a row stores them in —
//! to the millisecond, SQLite's own precision for them.

use super::value::{date_text, float_text, has_control, hex, special, time_text, timestamp_text, Value};
use super::Dialect;
use crate::compare::repair::TargetColumn;
use crate::source::Engine;

pub(super) struct Sqlite;

impl Dialect for Sqlite {
    fn engine(&self) -> Engine {
        Engine::Sqlite
    }

    fn begin(&self) -> Vec<String> {
        vec!["BEGIN;".into()]
    }

    fn apply(&self) -> &'static str {
        "sqlite3 -bail DATABASE.db < FILE (without -bail, sqlite3 goes on after an error and COMMIT keeps what \
         came before it)"
    }

    fn literal(&self, value: &Value, column: &TargetColumn) -> Result<String, String> {
        let zoned = matches!(column.data_type, arrow::datatypes::DataType::Timestamp(_, Some(_)));
        Ok(match value {
            Value::Null => "NULL".into(),
            Value::Bool(b) => if *b { "1" } else { "0" }.into(),
            Value::Number(n) => n.clone(),
            Value::Float(_) | Value::Float32(_) => match special(value) {
                Some("NaN") => return Err("SQLite stores NaN as NULL".into()),
                Some("Infinity") => "9e999".into(),
                Some(_) => "-9e999".into(),
                None => float_text(value).unwrap_or_default(),
            },
            Value::Text(text) => quoted(text),
            Value::Bytes(bytes) => format!("X'{}'", hex(bytes)),
            Value::Date(date) => quoted(&date_text(*date, false)),
            Value::Timestamp(at, digits) => {
                let text = timestamp_text(*at, *digits, false);
                quoted(&if zoned { format!("{text}+00:00") } else { text })
            }
            Value::Time(at, digits) => quoted(&time_text(*at, *digits)),
        })
    }

    fn equals(&self, quoted: &str, literal: &str, column: &TargetColumn) -> String {
        use arrow::datatypes::DataType;
        match column.data_type {
            DataType::Date32 | DataType::Timestamp(..) | DataType::Time64(_) => format!(
                "julianday(CASE typeof({quoted}) WHEN 'integer' THEN datetime({quoted}, 'unixepoch') ELSE {quoted} \
                 END) = julianday({literal})"
            ),
            _ => format!("{quoted} = {literal}"),
        }
    }

    fn delete_copies(&self, table: &str, condition: &str, copies: u64) -> String {
        format!("DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {condition} LIMIT {copies});")
    }
}

/// `text` as a string literal: quotes doubled, or the UTF-8 bytes cast to text when it holds a control character.
fn quoted(text: &str) -> String {
    if has_control(text) {
        format!("CAST(X'{}' AS TEXT)", hex(text.as_bytes()))
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_with_control_characters_are_cast_bytes() {
        assert_eq!(quoted("O'Brien\\"), "'O''Brien\\'");
        assert_eq!(quoted("nul\0"), "CAST(X'6e756c00' AS TEXT)");
    }
}
