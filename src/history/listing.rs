//! `recon history FILE --open`: the open findings themselves, not just how many — each with its table,
//! category, key, differing columns and when runs first and last saw it — as a terminal table or JSON.
//!
//! ```json
//! {"history": "nightly.db",
//!  "open_findings": [{"table": "orders", "category": "mismatched", "key": {"order_id": 7},
//!                     "columns": ["amount"], "first_seen": "…", "last_seen": "…", "accepted": false}]}
//! ```
//! Key values are numbers for integer key columns, else text as history keeps them (Arrow's rendering).

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, Table};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::Row;

use super::keys::KeyColumn;
use super::{db_error, History, OPEN_LIST};
use crate::error::Result;

#[derive(Debug, Clone, Serialize)]
pub struct OpenList {
    pub history: String,
    /// By table, then category, oldest first.
    pub open_findings: Vec<OpenLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenLine {
    pub table: String,
    pub category: String,
    /// Each key column and its value.
    pub key: Map<String, Value>,
    /// A mismatch's differing columns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    pub first_seen: String,
    pub last_seen: Option<String>,
    /// In the baseline `recon history accept` made.
    pub accepted: bool,
}

impl History {
    /// The open findings of `table` (of every table when `None`).
    pub fn open_list(&mut self, table: Option<&str>) -> Result<OpenList> {
        let tables = match table {
            Some(name) => vec![self.table_named(name)?],
            None => self.tables()?,
        };
        let mut lines = Vec::new();
        for table in tables {
            let key_columns = match self.latest_run(&table)? {
                Some(run) => serde_json::from_str(&run.key_columns).unwrap_or_default(),
                None => Vec::new(),
            };
            lines.extend(self.table_open_list(&table, &key_columns)?);
        }
        Ok(OpenList { history: self.path.display().to_string(), open_findings: lines })
    }

    fn table_open_list(&mut self, table: &str, key_columns: &[KeyColumn]) -> Result<Vec<OpenLine>> {
        let rows = self.runtime.block_on(sqlx::query(OPEN_LIST).bind(table).fetch_all(&mut self.conn));
        let read = |e: sqlx::Error| db_error(&self.path, "cannot read", &e);
        let rows = rows.map_err(read)?;
        let mut lines = Vec::with_capacity(rows.len());
        for r in rows {
            let line = || -> Result<OpenLine, sqlx::Error> {
                let key: String = r.try_get(1)?;
                let columns: Option<String> = r.try_get(2)?;
                let accepted: Option<String> = r.try_get(5)?;
                Ok(OpenLine {
                    table: table.to_string(),
                    category: r.try_get(0)?,
                    key: key_object(key_columns, &key),
                    columns: columns.and_then(|c| serde_json::from_str(&c).ok()),
                    first_seen: r.try_get(3)?,
                    last_seen: r.try_get(4)?,
                    accepted: accepted.is_some(),
                })
            };
            lines.push(line().map_err(read)?);
        }
        Ok(lines)
    }
}

/// A stored key (`["7","O'Brien"]`) as `{"order_id": 7, "name": "O'Brien"}`; values beyond the known columns
/// keep their position as their name.
fn key_object(columns: &[KeyColumn], text: &str) -> Map<String, Value> {
    let values: Vec<Value> = serde_json::from_str(text).unwrap_or_else(|_| vec![Value::String(text.to_string())]);
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| match columns.get(i) {
            Some(column) => (column.name.clone(), typed(value, &column.data_type)),
            None => (i.to_string(), value),
        })
        .collect()
}

/// An integer column's text as a JSON number, as the report's examples give keys.
fn typed(value: Value, data_type: &str) -> Value {
    let integer = data_type.starts_with("Int") || data_type.starts_with("UInt");
    match &value {
        Value::String(text) if integer => text.parse::<i64>().map(Value::from).unwrap_or(value),
        _ => value,
    }
}

/// The open findings as one terminal table per history table.
pub fn render(list: &OpenList) -> String {
    if list.open_findings.is_empty() {
        return format!("{}: no open findings\n", list.history);
    }
    let mut out = String::new();
    for lines in list.open_findings.chunk_by(|a, b| a.table == b.table) {
        let plural = if lines.len() == 1 { "" } else { "s" };
        out += &format!("{}: {} open finding{plural}\n", lines[0].table, lines.len());
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        table.set_header(["category", "key", "columns", "first seen", "last seen", "baseline"].map(Cell::new));
        for line in lines {
            let key: Vec<String> = line.key.iter().map(|(name, value)| format!("{name}={}", text(value))).collect();
            table.add_row(vec![
                Cell::new(&line.category),
                Cell::new(key.join(", ")),
                Cell::new(line.columns.as_deref().unwrap_or_default().join(", ")),
                Cell::new(&line.first_seen),
                Cell::new(line.last_seen.as_deref().unwrap_or("")),
                Cell::new(if line.accepted { "accepted" } else { "" }),
            ]);
        }
        out += &format!("{table}\n\n");
    }
    out
}

/// A key value as typed: text without JSON quotes, NULL as `NULL`.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "NULL".to_string(),
        other => other.to_string(),
    }
}
