//! `recon history FILE`: each table's latest runs and its open findings, as a terminal table or JSON.
//!
//! ```json
//! {"history": "nightly.db",
//!  "tables": [{"table": "orders", "open_findings": {"mismatched": 3}, "baseline": null,
//!              "runs": [{"id": 42, "started": "…", "scope": "window", "summary": {…},
//!                        "verdict": {"pass": false, "exit_code": 1}, "new": 1, "persisting": 2, …}]}]}
//! ```
//! Runs are newest first.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, Table};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::Row;

use super::{db_error, History, BASELINE, OPEN_COUNTS, RUNS};
use crate::error::Result;
use crate::finding::StatusCounts;

#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub history: String,
    pub tables: Vec<TableTrend>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableTrend {
    pub table: String,
    /// Open findings per category.
    pub open_findings: Map<String, Value>,
    pub baseline: Option<BaselineState>,
    pub runs: Vec<RunLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaselineState {
    pub accepted: String,
    /// Open findings that are in the baseline.
    pub findings: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunLine {
    pub id: i64,
    pub started: String,
    pub finished: String,
    pub tool_version: String,
    pub scope: String,
    pub spec_hash: String,
    pub rechecks: i64,
    pub summary: Value,
    pub verdict: RunVerdict,
    /// Every status counted, as history keeps them.
    #[serde(flatten)]
    pub counts: StatusCounts,
    pub superseded: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunVerdict {
    pub pass: bool,
    pub exit_code: i64,
}

impl History {
    /// The latest `last` runs of `table` (of every table when `None`).
    pub fn trend(&mut self, table: Option<&str>, last: u64) -> Result<Trend> {
        let tables = match table {
            Some(name) => vec![self.table_named(name)?],
            None => self.tables()?,
        };
        let mut trends = Vec::with_capacity(tables.len());
        for table in tables {
            trends.push(self.table_trend(table, last)?);
        }
        Ok(Trend { history: self.path.display().to_string(), tables: trends })
    }

    fn table_trend(&mut self, table: String, last: u64) -> Result<TableTrend> {
        let path = self.path.clone();
        let read = |e: sqlx::Error| db_error(&path, "cannot read", &e);
        self.runtime.block_on(async {
            let rows =
                sqlx::query(RUNS).bind(&table).bind(last as i64).fetch_all(&mut self.conn).await.map_err(read)?;
            let mut runs = Vec::with_capacity(rows.len());
            for r in rows {
                let line = || -> Result<RunLine, sqlx::Error> {
                    let summary: String = r.try_get(7)?;
                    let count = |i: usize| r.try_get::<i64, _>(i).map(|n| n.max(0) as u64);
                    Ok(RunLine {
                        id: r.try_get(0)?,
                        started: r.try_get(1)?,
                        finished: r.try_get(2)?,
                        tool_version: r.try_get(3)?,
                        scope: r.try_get(4)?,
                        spec_hash: r.try_get(5)?,
                        rechecks: r.try_get(6)?,
                        summary: serde_json::from_str(&summary).unwrap_or(Value::Null),
                        verdict: RunVerdict { pass: r.try_get(8)?, exit_code: r.try_get(9)? },
                        counts: StatusCounts {
                            new: Some(count(10)?),
                            persisting: Some(count(11)?),
                            resolved: Some(count(12)?),
                            transient: count(13)?,
                            unstable: count(14)?,
                        },
                        superseded: count(15)?,
                    })
                };
                runs.push(line().map_err(read)?);
            }
            let mut open_findings = Map::new();
            let mut accepted = 0u64;
            for row in sqlx::query(OPEN_COUNTS).bind(&table).fetch_all(&mut self.conn).await.map_err(read)? {
                let category: String = row.try_get(0).map_err(read)?;
                open_findings.insert(category, Value::from(row.try_get::<i64, _>(1).map_err(read)?));
                accepted += row.try_get::<i64, _>(2).map_err(read)?.max(0) as u64;
            }
            let baseline: Option<String> =
                sqlx::query_scalar(BASELINE).bind(&table).fetch_optional(&mut self.conn).await.map_err(read)?;
            let baseline = baseline.map(|accepted_at| BaselineState { accepted: accepted_at, findings: accepted });
            Ok(TableTrend { table, open_findings, baseline, runs })
        })
    }
}

/// The trend as terminal tables, one per table.
pub fn render(trend: &Trend) -> String {
    let mut out = String::new();
    if trend.tables.is_empty() {
        return format!("{}: no runs yet\n", trend.history);
    }
    for table in &trend.tables {
        out += &format!("{}\n", table.table);
        let mut runs = Table::new();
        runs.load_preset(UTF8_FULL_CONDENSED);
        runs.set_header(
            [
                "run",
                "started",
                "scope",
                "rows",
                "missing",
                "extra",
                "mismatched",
                "duplicates",
                "new",
                "persisting",
                "resolved",
                "transient",
                "unstable",
                "verdict",
            ]
            .map(Cell::new),
        );
        for run in &table.runs {
            let count = |name: &str| run.summary.get(name).and_then(Value::as_u64).unwrap_or(0);
            let duplicates = count("duplicate_keys_source") + count("duplicate_keys_target");
            runs.add_row(vec![
                Cell::new(run.id),
                Cell::new(&run.started),
                Cell::new(&run.scope),
                Cell::new(count("source_rows")),
                Cell::new(count("missing_in_target")),
                Cell::new(count("extra_in_target")),
                Cell::new(count("mismatched")),
                Cell::new(duplicates),
                Cell::new(run.counts.new.unwrap_or(0)),
                Cell::new(run.counts.persisting.unwrap_or(0)),
                Cell::new(run.counts.resolved.unwrap_or(0)),
                Cell::new(run.counts.transient),
                Cell::new(run.counts.unstable),
                Cell::new(if run.verdict.pass {
                    "pass".to_string()
                } else {
                    format!("fail ({})", run.verdict.exit_code)
                }),
            ]);
        }
        out += &format!("{runs}\n");
        let open: u64 = table.open_findings.values().filter_map(Value::as_u64).sum();
        let by_category: Vec<String> = table.open_findings.iter().map(|(c, n)| format!("{c} {n}")).collect();
        out += &match open {
            0 => "open findings: none\n".to_string(),
            n => format!("open findings: {n} ({})\n", by_category.join(", ")),
        };
        if let Some(baseline) = &table.baseline {
            out += &format!("baseline accepted {}: {} of them\n", baseline.accepted, baseline.findings);
        }
        out += "\n";
    }
    out
}
