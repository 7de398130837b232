//! PostgreSQL's way of writing a repair script: untyped quoted literals wherever the column's type should read
//! the text (floats, dates, times), so that `'1.1'` becomes a `real` exactly; `E''` strings only for text with
//! backslashes or control characters, which then mean the same whatever `standard_conforming_strings` says;
//! bytes through `decode(…, 'hex')`; surplus copies deleted by `(tableoid, ctid)` (PostgreSQL has no `DELETE …
//! LIMIT`, and a partitioned table's `ctid` alone is not unique); identity columns written with `OVERRIDING
//! SYSTEM VALUE` and sequences moved past the inserted values with `setval`.

use super::value::{date_text, float_text, has_control, hex, special, time_text, timestamp_text, Value};
use super::Dialect;
use crate::compare::repair::TargetColumn;
use crate::source::Engine;

pub(super) struct Postgres;

impl Dialect for Postgres {
    fn engine(&self) -> Engine {
        Engine::Postgres
    }

    fn begin(&self) -> Vec<String> {
        vec!["BEGIN;".into()]
    }

    fn apply(&self) -> &'static str {
        "psql -v ON_ERROR_STOP=1 -f FILE (on an error psql stops, and the open transaction is rolled back)"
    }

    fn literal(&self, value: &Value, column: &TargetColumn) -> Result<String, String> {
        let zoned = matches!(column.data_type, arrow::datatypes::DataType::Timestamp(_, Some(_)));
        Ok(match value {
            Value::Null => "NULL".into(),
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Value::Number(n) => n.clone(),
            Value::Float(_) | Value::Float32(_) => {
                quoted(&special(value).map(str::to_string).or_else(|| float_text(value)).unwrap_or_default())?
            }
            Value::Text(text) => quoted(text)?,
            Value::Bytes(bytes) => format!("decode('{}', 'hex')", hex(bytes)),
            Value::Date(date) => quoted(&date_text(*date, true))?,
            Value::Timestamp(at, digits) => {
                let text = timestamp_text(*at, *digits, true);
                // Zone-aware: the instant, in UTC; zone-less: the wall-clock time recon compared as UTC.
                quoted(&if zoned { with_utc(&text) } else { text })?
            }
            // A timetz without an offset would take the session's zone; recon read it as the UTC time.
            Value::Time(at, digits) if column.writable.db_type == "timetz" => {
                quoted(&with_utc(&time_text(*at, *digits)))?
            }
            Value::Time(at, digits) => quoted(&time_text(*at, *digits))?,
        })
    }

    fn equals(&self, quoted: &str, literal: &str, column: &TargetColumn) -> String {
        match column.writable.db_type.as_str() {
            // json has no equality operator; jsonb compares values (key order and spacing aside).
            "json" => format!("{quoted}::jsonb = {literal}::jsonb"),
            "xml" => format!("{quoted}::text = {literal}"),
            _ => format!("{quoted} = {literal}"),
        }
    }

    fn delete_copies(&self, table: &str, condition: &str, copies: u64) -> String {
        format!(
            "DELETE FROM {table} WHERE (tableoid, ctid) IN (SELECT tableoid, ctid FROM {table} WHERE {condition} LIMIT {copies});"
        )
    }

    fn overriding(&self, columns: &[&TargetColumn]) -> &'static str {
        if columns.iter().any(|c| c.writable.identity) {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        }
    }

    fn after_inserts(&self, table: &str, columns: &[&TargetColumn]) -> Vec<String> {
        columns
            .iter()
            .filter_map(|c| {
                let sequence = c.writable.sequence.as_ref()?;
                let column = self.engine().quote(&c.name);
                Some(format!(
                    "SELECT pg_catalog.setval('{}', m) FROM (SELECT max({column}) AS m FROM {table}) AS inserted \
                     WHERE m >= (SELECT last_value FROM {sequence});",
                    sequence.replace('\'', "''")
                ))
            })
            .collect()
    }
}

/// `text` as a string literal: plain when it holds no backslash or control character, else an `E''` string.
fn quoted(text: &str) -> Result<String, String> {
    if text.contains('\0') {
        return Err("PostgreSQL text cannot hold the NUL character".into());
    }
    if !text.contains('\\') && !has_control(text) {
        return Ok(format!("'{}'", text.replace('\'', "''")));
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '\'' => escaped.push_str("''"),
            c if c.is_control() && c != '\t' && c != '\n' || c == '\u{7f}' => {
                escaped.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => escaped.push(c),
        }
    }
    Ok(format!("E'{escaped}'"))
}

/// A UTC timestamp's text with its offset, before a `BC` if it has one.
fn with_utc(text: &str) -> String {
    match text.strip_suffix(" BC") {
        Some(before) => format!("{before}+00 BC"),
        None => format!("{text}+00"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_plain_unless_they_need_escapes() {
        assert_eq!(quoted("O'Brien").unwrap(), "'O''Brien'");
        assert_eq!(quoted("C:\\dir\\").unwrap(), "E'C:\\\\dir\\\\'");
        assert_eq!(quoted("a\rb\u{1}").unwrap(), "E'a\\u000db\\u0001'");
        assert_eq!(quoted("line\nnext").unwrap(), "'line\nnext'");
        assert!(quoted("nul\0").is_err());
    }
}
