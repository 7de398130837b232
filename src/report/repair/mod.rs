//! `--repair-sql FILE`: the statements that would make the target equal the source for the findings, written
//! for the people who own the target to review and apply. recon never runs them: it stays read-only.
//!
//! One transaction, in the target's dialect (`postgres.rs`, `mysql.rs`, `sqlite.rs`): every table's INSERTs
//! first, parents before children (by the target's foreign keys), then the UPDATEs, then the DELETEs, children
//! before parents — so that no statement leaves a reference dangling — then, on PostgreSQL, the sequences moved
//! past the inserted values. Multi-row INSERTs hold at most [`STATEMENT_BYTES`] each. A header says what was
//! compared, when and how, what each table's statements do, what they leave alone, and that triggers fire.
//! The rows and changes come from the engine ([`crate::compare::repair`]), read in the comparison's snapshot.

mod mysql;
mod postgres;
mod sqlite;
mod value;

use std::io::Write;
use std::path::Path;

use arrow::datatypes::DataType;

use super::{write_atomically, Report};
use crate::compare::repair::{Change, RepairRows, Repairable, TargetColumn, TargetTable};
use crate::error::{Error, Result};
use crate::finding::TableStatus;
use crate::report::audit::AuditReport;
use crate::report::words::plural;
use crate::source::Engine;
use value::{date_text, float_text, special, time_text, timestamp_text, Column, Value};

/// Bytes of one multi-row INSERT at most: a quarter of MySQL 5.7's default `max_allowed_packet` (4 MiB; MariaDB's
/// is 16 MiB, MySQL 8's 64 MiB), far below PostgreSQL's 1 GB query limit and SQLite's `SQLITE_MAX_SQL_LENGTH`
/// (1,000,000,000 bytes by default). A single row larger than this is a statement of its own.
pub const STATEMENT_BYTES: usize = 1 << 20;

/// One table's share of an audit's script: its rows, or why it has none; and the tables its target table
/// references by foreign key (as the target's catalog names them), which go first.
pub struct TableRepair {
    pub table: String,
    pub repair: Repairable,
    pub references: Vec<String>,
}

/// What a script says it was made from: both sides (passwords masked), when the comparison began, and the
/// command line that made it (masked).
pub struct Made<'a> {
    pub source: &'a str,
    pub target: &'a str,
    pub started: chrono::DateTime<chrono::Utc>,
    pub command: String,
}

/// One table of a script.
pub enum Part<'a> {
    Rows { table: &'a str, report: &'a Report, rows: &'a RepairRows, references: &'a [String] },
    LeftOut { table: &'a str, why: String },
}

/// A diff's one table.
pub fn diff_part<'a>(report: &'a Report, repair: &'a Repairable) -> Result<Part<'a>> {
    match repair {
        Repairable::Rows(rows) => Ok(Part::Rows { table: &rows.target.name, report, rows, references: &[] }),
        Repairable::Refused(why) => Err(Error::setting("--repair-sql", why)),
    }
}

/// An audit's tables, by name: those read back, and a comment for each left out and why.
pub fn audit_parts<'a>(report: &'a AuditReport, repairs: &'a [TableRepair]) -> Vec<Part<'a>> {
    let mut parts = Vec::new();
    for entry in &report.tables {
        let repair = repairs.iter().find(|r| r.table == entry.name);
        let why = match (repair, &entry.report, entry.status) {
            (Some(TableRepair { repair: Repairable::Rows(rows), references, .. }), Some(report), _) => {
                parts.push(Part::Rows { table: &entry.name, report, rows, references });
                continue;
            }
            (Some(TableRepair { repair: Repairable::Refused(why), .. }), ..) => why.clone(),
            (_, _, TableStatus::Pass) => continue,
            (_, _, TableStatus::Fail) => "compared in an earlier run that --state kept: its rows were not read \
                                          again (rerun the audit without --state to repair it)"
                .into(),
            (_, _, TableStatus::Error) => {
                format!("it could not be compared: {}", entry.error.as_deref().unwrap_or("an error"))
            }
            (_, _, TableStatus::Skipped) => "skipped".into(),
            (_, _, TableStatus::MissingInTarget) => "it is not in the target: a script creates no table".into(),
            (_, _, TableStatus::ExtraInTarget) => "it is only in the target: a script drops no table".into(),
        };
        parts.push(Part::LeftOut { table: &entry.name, why });
    }
    parts
}

/// Writes the script for `parts` to `path`, whole or not at all. A table whose values the target cannot hold
/// (NaN in MySQL, say) stops a diff's script; an audit's leaves that table out, saying why.
pub fn write(path: &Path, made: &Made, parts: &[Part], audit: bool) -> Result<()> {
    let text = script(made, parts, audit)?;
    write_atomically(path, |file| file.write_all(text.as_bytes()))
}

/// The script's text.
pub fn script(made: &Made, parts: &[Part], audit: bool) -> Result<String> {
    let mut rendered: Vec<Rendered> = Vec::new();
    let mut left_out: Vec<(String, String)> = Vec::new();
    let mut engine = None;
    for part in parts {
        match part {
            Part::LeftOut { table, why } => left_out.push((table.to_string(), why.clone())),
            Part::Rows { table, report, rows, references } => {
                engine = Some(rows.target.engine);
                match render(table, report, rows, references) {
                    Ok(done) => rendered.push(done),
                    Err(why) if audit => left_out.push((table.to_string(), why)),
                    Err(why) => return Err(Error::setting("--repair-sql", why)),
                }
            }
        }
    }
    let dialect = engine.map(dialect);
    let (order, cycle) = order(&rendered);
    let mut out = header(made, dialect.as_deref());
    // A table with nothing to change is not named, unless it has rows it leaves alone.
    for &i in order.iter().filter(|&&i| !rendered[i].is_empty() || rendered[i].leaves_rows) {
        out.extend(rendered[i].summary.iter().map(|line| format!("-- {line}\n")));
    }
    if !cycle.is_empty() {
        out.push_str(&format!(
            "-- The target's foreign keys form a cycle among {}: their statements follow in name order; review it.\n",
            cycle.join(", ")
        ));
    }
    for (table, why) in &left_out {
        out.push_str(&format!("-- NOT REPAIRED: {table}: {}\n", why.replace('\n', " ")));
    }
    let Some(dialect) = dialect.filter(|_| rendered.iter().any(|r| !r.is_empty())) else {
        out.push_str("-- Nothing to change.\n");
        return Ok(out);
    };
    out.push('\n');
    for statement in dialect.begin() {
        out.push_str(&statement);
        out.push('\n');
    }
    for (phase, name) in PHASES.iter().enumerate() {
        // Deletes run children first: the insert order reversed.
        let tables: Vec<usize> = if phase == DELETE { order.iter().rev().copied().collect() } else { order.clone() };
        for i in tables {
            let list = &rendered[i].phases[phase];
            if !list.is_empty() {
                out.push_str(&format!("\n-- {name} {}\n", rendered[i].label));
                for statement in list {
                    out.push_str(statement);
                    out.push('\n');
                }
            }
        }
    }
    out.push_str("\nCOMMIT;\n");
    Ok(out)
}

/// How one engine's SQL writes a script's pieces.
trait Dialect {
    fn engine(&self) -> Engine;
    /// What opens the transaction (and sets the session up for the script).
    fn begin(&self) -> Vec<String>;
    /// How to apply the script, for its header.
    fn apply(&self) -> &'static str;
    /// A value as a literal of `column`'s type, or why the target cannot hold it.
    fn literal(&self, value: &Value, column: &TargetColumn) -> Result<String, String>;
    /// `quoted = literal`, exactly as recon compares the column's values (the literal is not NULL).
    fn equals(&self, quoted: &str, literal: &str, column: &TargetColumn) -> String;
    /// Deletes `copies` of the rows of `table` meeting `condition`.
    fn delete_copies(&self, table: &str, condition: &str, copies: u64) -> String;
    /// What follows `INSERT INTO t (…)` when it names `columns`.
    fn overriding(&self, _columns: &[&TargetColumn]) -> &'static str {
        ""
    }
    /// Statements after a table's inserts into `columns`: sequences moved past the values inserted.
    fn after_inserts(&self, _table: &str, _columns: &[&TargetColumn]) -> Vec<String> {
        Vec::new()
    }
}

fn dialect(engine: Engine) -> Box<dyn Dialect> {
    match engine {
        Engine::Postgres => Box::new(postgres::Postgres),
        Engine::Mysql => Box::new(mysql::Mysql),
        Engine::Sqlite => Box::new(sqlite::Sqlite),
    }
}

/// The script's opening comment; how to apply it, when it has a dialect (some table to write to).
fn header(made: &Made, dialect: Option<&dyn Dialect>) -> String {
    let started = made.started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let lines = [
        "recon repair script. REVIEW IT BEFORE RUNNING IT.".to_string(),
        "It holds the statements that would make the target equal the source for the findings of the comparison".into(),
        "below. recon wrote it and never runs it: the owners of the target review it, then apply it.".into(),
        "Triggers on the target fire for these statements (INSERT, UPDATE and DELETE triggers, and foreign keys'"
            .into(),
        "ON DELETE and ON UPDATE actions), and its constraints are checked.".into(),
        String::new(),
        format!("compared: {started}, by recon {} (rows read in that run's snapshot)", env!("CARGO_PKG_VERSION")),
        format!("command:  {}", made.command),
        format!("source:   {}", made.source),
        format!("target:   {}", made.target),
        dialect.map_or(String::new(), |d| format!("apply:    {}", d.apply())),
        String::new(),
        "One transaction: INSERTs (parents before children), then UPDATEs of the differing columns only, then".into(),
        "DELETEs (children before parents). Values are the source's rows as recon read them (not the canonical".into(),
        "forms it compared), written as literals of the target's column types. Surplus copies of a row are deleted"
            .into(),
        "by matching its key and every compared column.".into(),
        String::new(),
    ];
    lines.iter().map(|l| if l.is_empty() { "--\n".to_string() } else { format!("-- {l}\n") }).collect()
}

/// One table's statements, by phase, and the lines the header says of it.
struct Rendered {
    /// The table as the script's comments name it.
    label: String,
    /// The target table's name, which other tables' foreign keys reference.
    target: String,
    references: Vec<String>,
    summary: Vec<String>,
    /// Whether rows with a NULL key part are left alone.
    leaves_rows: bool,
    /// The statements of each of [`PHASES`].
    phases: [Vec<String>; 4],
}

/// The script's phases in their order, as its comments name them.
const PHASES: [&str; 4] = ["insert", "update", "delete", "sequences after the inserts into"];
const DELETE: usize = 2;

impl Rendered {
    fn is_empty(&self) -> bool {
        self.phases.iter().all(Vec::is_empty)
    }
}

/// One table's statements, or why its values cannot be written to the target.
fn render(label: &str, report: &Report, rows: &RepairRows, references: &[String]) -> Result<Rendered, String> {
    let dialect = dialect(rows.target.engine);
    let engine = rows.target.engine;
    let table = match &rows.target.schema {
        Some(schema) => format!("{}.{}", engine.quote(schema), engine.quote(&rows.target.name)),
        None => engine.quote(&rows.target.name),
    };
    let source = Values::new(&rows.source, &rows.target, &table)?;
    let target = Values::new(&rows.target_rows, &rows.target, &table)?;
    let written: Vec<usize> = (0..source.names.len()).filter(|&i| !source.targets[i].writable.generated).collect();
    let written_columns: Vec<&TargetColumn> = written.iter().map(|&i| source.targets[i]).collect();
    let literal = |values: &Values, column: usize, row: usize| -> Result<String, String> {
        let target_column = values.targets[column];
        let value = values.columns[column].value(row).map_err(|e| e.to_string())?;
        let text = (target_column.data_type == DataType::Utf8).then(|| text_form(&value)).flatten();
        let value = match (&text, value) {
            (Some(text), _) => Value::Text(text),
            // A 32-bit float in a 64-bit column is the double that holds it exactly, as recon compares them.
            (None, Value::Float32(f)) if target_column.data_type == DataType::Float64 => Value::Float(f64::from(f)),
            (None, value) => value,
        };
        dialect.literal(&value, target_column).map_err(|why| format!("column {}: {why}", target_column.name))
    };
    let condition = |names: &[String], row: usize| -> Result<String, String> {
        let mut parts = Vec::with_capacity(names.len());
        for name in names {
            let c = target.names.iter().position(|n| n == name).ok_or_else(|| format!("column {name} was not read"))?;
            let quoted = engine.quote(name);
            parts.push(match target.columns[c].value(row).map_err(|e| e.to_string())? {
                Value::Null => format!("{quoted} IS NULL"),
                _ => dialect.equals(&quoted, &literal(&target, c, row)?, target.targets[c]),
            });
        }
        Ok(parts.join(" AND "))
    };
    let every_column: Vec<String> = rows.key.iter().chain(&rows.compared).cloned().collect();
    let (mut tuples, mut updates, mut deletes) = (Vec::new(), Vec::new(), Vec::new());
    let (mut inserted, mut deleted_keys, mut deleted_copies) = (0u64, 0u64, 0u64);
    for change in &rows.changes {
        match change {
            Change::Insert { row, copies } => {
                let values: Vec<String> =
                    written.iter().map(|&c| literal(&source, c, *row)).collect::<Result<_, _>>()?;
                let tuple = format!("({})", values.join(", "));
                inserted += copies;
                tuples.extend(std::iter::repeat_n(tuple, *copies as usize));
            }
            Change::Update { target: row, source: from, columns } => {
                let sets: Vec<String> = columns
                    .iter()
                    .filter(|&&c| written.contains(&c))
                    .map(|&c| Ok(format!("{} = {}", engine.quote(&source.names[c]), literal(&source, c, *from)?)))
                    .collect::<Result<_, String>>()?;
                if !sets.is_empty() {
                    updates.push(format!(
                        "UPDATE {table} SET {} WHERE {};",
                        sets.join(", "),
                        condition(&rows.key, *row)?
                    ));
                }
            }
            Change::Delete { target: row, copies: None } => {
                deleted_keys += 1;
                deletes.push(format!("DELETE FROM {table} WHERE {};", condition(&rows.key, *row)?));
            }
            Change::Delete { target: row, copies: Some(copies) } => {
                deleted_copies += copies;
                deletes.push(dialect.delete_copies(&table, &condition(&every_column, *row)?, *copies));
            }
        }
    }
    let quoted_columns: Vec<String> = written_columns.iter().map(|c| engine.quote(&c.name)).collect();
    let head =
        format!("INSERT INTO {table} ({}){} VALUES", quoted_columns.join(", "), dialect.overriding(&written_columns));
    let inserts = chunked(&head, &tuples);
    let after = if inserts.is_empty() { Vec::new() } else { dialect.after_inserts(&table, &written_columns) };
    let summary = summary(
        label,
        &table,
        report,
        rows,
        &written_columns,
        [inserted, updates.len() as u64, deleted_keys, deleted_copies],
    );
    Ok(Rendered {
        label: if label.is_empty() { table.clone() } else { label.to_string() },
        target: rows.target.name.clone(),
        references: references.to_vec(),
        summary,
        leaves_rows: rows.null_keys.source + rows.null_keys.target > 0,
        phases: [inserts, updates, deletes, after],
    })
}

/// The columns of a batch, ready to write: their names, values, and the target columns they go to.
struct Values<'a> {
    names: Vec<String>,
    columns: Vec<Column>,
    targets: Vec<&'a TargetColumn>,
}

impl<'a> Values<'a> {
    /// `batch`'s columns, each named as a column of `target` (the table `table`).
    fn new(batch: &arrow::array::RecordBatch, target: &'a TargetTable, table: &str) -> Result<Values<'a>, String> {
        let names: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
        let columns = batch.columns().iter().map(Column::new).collect::<Result<_>>().map_err(|e| e.to_string())?;
        let targets = names
            .iter()
            .map(|name| {
                let column = target.columns.iter().find(|c| c.name == *name);
                column.ok_or_else(|| format!("column {name} is not in {table}"))
            })
            .collect::<Result<_, String>>()?;
        Ok(Values { names, columns, targets })
    }
}

/// A non-text value as the text a text column holds of it (`12.50`, `2024-01-01`); `None` for text, bytes and NULL.
fn text_form(value: &Value) -> Option<String> {
    Some(match value {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.clone(),
        Value::Float(_) | Value::Float32(_) => special(value).map(str::to_string).or_else(|| float_text(value))?,
        Value::Date(date) => date_text(*date, false),
        Value::Timestamp(at, digits) => timestamp_text(*at, *digits, false),
        Value::Time(at, digits) => time_text(*at, *digits),
        Value::Null | Value::Text(_) | Value::Bytes(_) => return None,
    })
}

/// Multi-row INSERTs of `tuples`, each at most [`STATEMENT_BYTES`] long (a longer row alone).
fn chunked(head: &str, tuples: &[String]) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    for tuple in tuples {
        if !current.is_empty() && current.len() + tuple.len() + 4 > STATEMENT_BYTES {
            statements.push(std::mem::take(&mut current) + ";");
        }
        current.push_str(if current.is_empty() { head } else { "," });
        current.push_str("\n  ");
        current.push_str(tuple);
    }
    if !current.is_empty() {
        statements.push(current + ";");
    }
    statements
}

/// What the header says of one table: what its statements do, what was compared, and what they leave alone.
fn summary(
    label: &str,
    table: &str,
    report: &Report,
    rows: &RepairRows,
    written: &[&TargetColumn],
    [inserted, updated, deleted_keys, deleted_copies]: [u64; 4],
) -> Vec<String> {
    let name = if label.is_empty() { table.to_string() } else { format!("{label} (target table {table})") };
    let mut deletes = Vec::new();
    if deleted_keys > 0 {
        deletes.push(format!("every row of {deleted_keys} {}", plural(deleted_keys, "key", "keys")));
    }
    if deleted_copies > 0 {
        deletes.push(format!("{deleted_copies} surplus {}", plural(deleted_copies, "copy", "copies")));
    }
    let deletes = if deletes.is_empty() { "nothing".to_string() } else { deletes.join(" and ") };
    let (rows_word, updates_word) = (plural(inserted, "row", "rows"), plural(updated, "row", "rows"));
    let mut lines =
        vec![format!("{name}: insert {inserted} {rows_word}, update {updated} {updates_word}, delete {deletes}")];
    let compared = report.compared_columns.join(", ");
    lines.push(match report.keyless {
        true => format!("  keyless: whole rows of {compared} compared as multisets"),
        false => format!(
            "  key {} ({}); compared columns: {}",
            report.key.join(", "),
            word(report.key_source),
            if compared.is_empty() { "none".into() } else { compared }
        ),
    });
    let rules: Vec<String> =
        report.policy.column_rules.iter().map(|r| format!("{} {}", r.column, word(r.rule))).collect();
    lines.push(match rules.is_empty() {
        true => "  equivalence policy: recon's defaults (no option that counts different values as equal)".into(),
        false => format!("  equivalence policy: recon's defaults, and the rules it applied: {}", rules.join(", ")),
    });
    let (s, t) = (rows.null_keys.source, rows.null_keys.target);
    if s + t > 0 {
        lines.push(format!(
            "  left alone: rows with a NULL key part, never matched by key ({s} in the source, {t} in the target)"
        ));
    }
    let schema = rows.source.schema();
    let source: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let defaults: Vec<&str> = rows
        .target
        .columns
        .iter()
        .filter(|c| !source.contains(&c.name.as_str()) && !c.writable.generated)
        .map(|c| c.name.as_str())
        .collect();
    if !defaults.is_empty() && inserted > 0 {
        lines.push(format!(
            "  columns only in the target, left to their defaults by the INSERTs: {}",
            defaults.join(", ")
        ));
    }
    let generated: Vec<&str> =
        rows.target.columns.iter().filter(|c| c.writable.generated).map(|c| c.name.as_str()).collect();
    if !generated.is_empty() {
        lines.push(format!("  computed by the database, never written: {}", generated.join(", ")));
    }
    let identity: Vec<&str> = written.iter().filter(|c| c.writable.identity).map(|c| c.name.as_str()).collect();
    if !identity.is_empty() && inserted > 0 {
        lines.push(match rows.target.engine {
            Engine::Postgres => format!(
                "  identity columns written as the source holds them (OVERRIDING SYSTEM VALUE): {}",
                identity.join(", ")
            ),
            _ => format!(
                "  AUTO_INCREMENT column {}: its counter moves past the inserted values by itself",
                identity.join(", ")
            ),
        });
    }
    let sequences: Vec<&str> = written.iter().filter_map(|c| c.writable.sequence.as_deref()).collect();
    if !sequences.is_empty() && inserted > 0 {
        lines.push(format!(
            "  sequences moved past the inserted values (setval, never backwards): {}",
            sequences.join(", ")
        ));
    }
    lines
}

/// A closed vocabulary's word as the report writes it (`source_primary_key`, `char_padding`).
fn word(value: impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// The tables in the order their inserts run: a table after every table it references (by its target name,
/// ignoring case), ties by name; tables caught in a cycle follow in name order, and are returned apart.
fn order(tables: &[Rendered]) -> (Vec<usize>, Vec<String>) {
    let refers =
        |i: usize, j: usize| i != j && tables[i].references.iter().any(|r| r.eq_ignore_ascii_case(&tables[j].target));
    let mut order = Vec::with_capacity(tables.len());
    let mut placed = vec![false; tables.len()];
    loop {
        let mut ready: Vec<usize> = (0..tables.len())
            .filter(|&i| !placed[i] && (0..tables.len()).all(|j| placed[j] || !refers(i, j)))
            .collect();
        if ready.is_empty() {
            break;
        }
        ready.sort_by(|&a, &b| tables[a].label.cmp(&tables[b].label));
        for i in ready {
            placed[i] = true;
            order.push(i);
        }
    }
    let mut cycle: Vec<usize> = (0..tables.len()).filter(|&i| !placed[i]).collect();
    cycle.sort_by(|&a, &b| tables[a].label.cmp(&tables[b].label));
    order.extend(&cycle);
    (order, cycle.iter().map(|&i| tables[i].label.clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, references: &[&str]) -> Rendered {
        Rendered {
            label: name.into(),
            target: name.into(),
            references: references.iter().map(|r| r.to_string()).collect(),
            summary: Vec::new(),
            leaves_rows: false,
            phases: Default::default(),
        }
    }

    #[test]
    fn parents_come_before_children_and_cycles_are_named() {
        let tables = [
            table("order_lines", &["orders", "products"]),
            table("orders", &["Customers"]),
            table("customers", &[]),
            table("products", &[]),
        ];
        let (order, cycle) = order(&tables);
        let names: Vec<&str> = order.iter().map(|&i| tables[i].label.as_str()).collect();
        assert_eq!(names, ["customers", "products", "orders", "order_lines"]);
        assert!(cycle.is_empty());
        let tables = [table("a", &["b"]), table("b", &["a"]), table("c", &["c"])];
        let (order, cycle) = super::order(&tables);
        assert_eq!(order, [2, 0, 1]);
        assert_eq!(cycle, ["a", "b"]);
    }

    #[test]
    fn inserts_are_cut_by_bytes() {
        let tuples: Vec<String> = (0..3).map(|i| format!("({i}, '{}')", "x".repeat(STATEMENT_BYTES / 2))).collect();
        let statements = chunked("INSERT INTO t (a, b) VALUES", &tuples);
        assert_eq!(statements.len(), 3);
        assert!(statements.iter().all(|s| s.len() <= STATEMENT_BYTES && s.ends_with(';')));
        let small: Vec<String> = (0..3).map(|i| format!("({i})")).collect();
        assert_eq!(chunked("INSERT INTO t (a) VALUES", &small), ["INSERT INTO t (a) VALUES\n  (0),\n  (1),\n  (2);"]);
    }
}
