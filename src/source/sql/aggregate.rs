//! A column profile computed inside the database: one aggregate statement over the table (per group when
//! grouped), in the table's snapshot, its one row (or row per group) decoded like any other rows. Text extremes
//! and distinct counts go by bytes whatever the column's collation: PostgreSQL `COLLATE "C"`, MySQL/MariaDB
//! `BINARY` strings (their `_bin` collations pad with spaces, so `'a'` would equal `'a '`), SQLite's default
//! `BINARY` — the order Arrow and DataFusion use for files.

use arrow::array::RecordBatch;
use arrow::datatypes::DataType;
use futures::StreamExt;
use tokio::sync::mpsc;

use super::{mysql, postgres, sql_error, sqlite, Engine, SqlColumn, SqlTable};
use crate::error::Result;
use crate::source::aggregates::{Aggregates, ColumnAggregates, Grouping, Output, Sum, GROUP, ROWS};

const STATEMENT: &str = include_str!("../../../queries/profile.sql");
const POSTGRES_DISTINCT: &str = include_str!("../../../queries/postgres_distinct_estimates.sql");

/// What an output is decoded as.
#[derive(Clone, Copy)]
enum Decoded {
    Integer,
    Float,
    Decimal,
    Text,
}

impl SqlTable {
    /// Runs the one statement computing `aggregates` over the rows full reads keep, in the snapshot.
    pub(crate) fn aggregate(&self, aggregates: &Aggregates) -> Result<Vec<RecordBatch>> {
        let (select, columns) = self.aggregate_sql(aggregates, &self.not_null()?);
        let (conn, location) = (std::sync::Arc::clone(&self.conn), self.location.clone());
        self.runtime.block_on(async {
            let (tx, rx) = mpsc::channel(16);
            let streamed = async move {
                let mut conn = conn.lock().await;
                jit(&mut conn, false).await.map_err(|e| sql_error(&location, &e))?;
                super::stream(&mut conn, &select, None, &columns, &tx, &location).await?;
                // After a failed statement the transaction is over: nothing to set back.
                jit(&mut conn, true).await.map_err(|e| sql_error(&location, &e))
            };
            let received = tokio_stream(rx).collect::<Vec<_>>();
            let (streamed, received) = futures::join!(streamed, received);
            if streamed.is_err() {
                self.healthy.store(false, std::sync::atomic::Ordering::Relaxed);
            }
            streamed?;
            received.into_iter().collect()
        })
    }

    /// The table's NOT NULL columns, read in its snapshot; none for a query.
    fn not_null(&self) -> Result<Vec<String>> {
        let Some((schema, table)) = &self.table else { return Ok(Vec::new()) };
        self.runtime
            .block_on(async {
                let mut conn = self.conn.lock().await;
                super::catalog::table_not_null(&mut conn, schema.as_deref(), table).await
            })
            .map_err(|e| sql_error(&self.location, &e))
    }

    /// The statement and how each of its outputs is decoded; a count of a `not_null` column is the rows'.
    pub(crate) fn aggregate_sql(&self, aggregates: &Aggregates, not_null: &[String]) -> (String, Vec<SqlColumn>) {
        let mut list = Vec::new();
        let mut decoded = Vec::new();
        let mut output = |expression: String, column: SqlColumn| {
            list.push(format!("{expression} AS {}", self.engine.quote(&column.name)));
            decoded.push(column);
        };
        if let Some(group) = &aggregates.group {
            let (expression, column) = self.group_output(group);
            output(expression, column);
        }
        output("count(*)".into(), self.typed(ROWS, Decoded::Integer));
        for (position, request) in aggregates.columns.iter().enumerate() {
            for kind in request.outputs() {
                let never_null = not_null.contains(&self.columns[request.index].name);
                let (expression, column) = self.column_output(request, kind, &kind.name(position), never_null);
                output(expression, column);
            }
        }
        let condition = self.filter.as_ref().map_or(String::new(), |f| format!(" WHERE {f}"));
        let group = if aggregates.group.is_some() { " GROUP BY 1" } else { "" };
        let statement = STATEMENT.lines().filter(|l| !l.starts_with("--")).collect::<Vec<_>>().join(" ");
        let statement = statement
            .replace("{aggregates}", &list.join(", "))
            .replace("{relation}", &self.relation)
            .replace("{condition}", &condition)
            .replace("{group}", group);
        (statement, decoded)
    }

    /// The distinct values of each of `columns` (schema indices) as PostgreSQL's planner statistics estimate
    /// them (`pg_stats.n_distinct`, from the last ANALYZE's sample); `None` where there is none: a column never
    /// analyzed, a query, another engine, or a read narrowed by a filter.
    pub(crate) fn distinct_estimates(&self, columns: &[usize]) -> Result<Vec<Option<u64>>> {
        let none = vec![None; columns.len()];
        let (Engine::Postgres, Some((schema, table)), None) = (self.engine, &self.table, &self.filter) else {
            return Ok(none);
        };
        let Some(rows) = self.estimate_rows() else { return Ok(none) };
        let schema = schema.as_deref().unwrap_or("public");
        let found: Vec<(String, f64)> = self
            .runtime
            .block_on(async {
                let mut conn = self.conn.lock().await;
                match &mut *conn {
                    super::Conn::Postgres(c) => {
                        sqlx::query_as(POSTGRES_DISTINCT).bind(schema).bind(table).fetch_all(&mut *c).await
                    }
                    _ => Ok(Vec::new()),
                }
            })
            .map_err(|e| sql_error(&self.location, &e))?;
        Ok(columns
            .iter()
            .map(|&i| {
                let (_, n) = found.iter().find(|(name, _)| *name == self.columns[i].name)?;
                // A negative n_distinct is a share of the rows (https://www.postgresql.org/docs/15/view-pg-stats.html).
                let estimate = if *n < 0.0 { -n * rows as f64 } else { *n };
                Some(estimate.round() as u64)
            })
            .collect())
    }

    /// The expression of one column's values: the column as recon selects it, without trailing blanks or with
    /// empty strings as NULL when asked.
    fn value(&self, request: &ColumnAggregates) -> String {
        let column = &self.columns[request.index];
        let quoted = self.engine.quote(&column.name);
        let mut value = column.select.clone().unwrap_or(quoted);
        // PostgreSQL's char(n) ignores its trailing blanks itself, in comparisons, lengths and equality.
        if request.unpadded && !self.is_bpchar(column) {
            value = match self.engine {
                Engine::Postgres => format!("rtrim({value})"),
                Engine::Mysql => format!("TRIM(TRAILING ' ' FROM {value})"),
                Engine::Sqlite => format!("rtrim({value}, ' ')"),
            };
        }
        if request.empty_as_null {
            value = format!("NULLIF({value}, '')");
        }
        value
    }

    /// One output of one column: its expression and how it is decoded.
    fn column_output(
        &self,
        request: &ColumnAggregates,
        kind: Output,
        name: &str,
        never_null: bool,
    ) -> (String, SqlColumn) {
        let value = self.value(request);
        let column = &self.columns[request.index];
        let text = request.text;
        let (engine, as_column) =
            (self.engine, || SqlColumn { name: name.to_string(), select: None, ..column.clone() });
        match kind {
            // A column that cannot hold NULL has a value in every row: the servers compute one count(*) for all
            // (identical aggregates share their state), 8% of lineitem's profile in PostgreSQL.
            Output::Count if never_null && !request.empty_as_null => {
                ("count(*)".into(), self.typed(name, Decoded::Integer))
            }
            // Blanks trimmed or not, a value is counted alike; an empty string as NULL is not.
            Output::Count if !request.empty_as_null => {
                let column = column.select.clone().unwrap_or_else(|| engine.quote(&column.name));
                (format!("count({column})"), self.typed(name, Decoded::Integer))
            }
            Output::Count => (format!("count({value})"), self.typed(name, Decoded::Integer)),
            Output::Distinct => {
                let distinct = match engine {
                    // json and xml have no equality: their text does (unconstrained numerics keep theirs).
                    Engine::Postgres
                        if column.data_type == DataType::Utf8
                            && column.db_type != "numeric"
                            && !self.is_bpchar(column) =>
                    {
                        format!("({value})::text")
                    }
                    Engine::Mysql if text => format!("CAST({value} AS BINARY)"),
                    _ => value,
                };
                (format!("count(DISTINCT {distinct})"), self.typed(name, Decoded::Integer))
            }
            Output::Min | Output::Max => {
                let f = if kind == Output::Min { "min" } else { "max" };
                match (engine, &column.data_type) {
                    // One trim of the extreme rather than a cast of every value (a fifth of a lineitem scan).
                    (Engine::Postgres, _) if text && self.is_bpchar(column) => {
                        (format!("rtrim({f}({value} COLLATE \"C\"))"), self.typed(name, Decoded::Text))
                    }
                    (Engine::Postgres, _) if text => {
                        (format!("{f}(({value})::text COLLATE \"C\")"), self.typed(name, Decoded::Text))
                    }
                    (Engine::Mysql, _) if text => (
                        format!("{f}(CAST(CONVERT({value} USING utf8mb4) AS BINARY))"),
                        self.typed(name, Decoded::Text),
                    ),
                    (Engine::Postgres, DataType::Boolean) => {
                        let f = if kind == Output::Min { "bool_and" } else { "bool_or" };
                        (format!("{f}({value})"), as_column())
                    }
                    _ => (format!("{f}({value})"), as_column()),
                }
            }
            Output::Sum => match (engine, request.sum) {
                (Engine::Postgres, Some(Sum::Exact)) => {
                    (format!("sum({value})::numeric"), self.typed(name, Decoded::Decimal))
                }
                (Engine::Postgres, _) => (format!("sum(({value})::float8)"), self.typed(name, Decoded::Float)),
                (Engine::Mysql, Some(Sum::Exact)) => (format!("sum({value})"), self.typed(name, Decoded::Decimal)),
                (Engine::Mysql, _) => (format!("sum({value} + 0e0)"), self.typed(name, Decoded::Float)),
                // SQLite adds integers exactly (an overflow is an error, https://sqlite.org/lang_aggfunc.html#sumunc)
                // and everything else, decimals stored as REAL too, in doubles.
                (Engine::Sqlite, Some(Sum::Exact)) if column.data_type.is_integer() => {
                    (format!("sum({value})"), self.typed(name, Decoded::Integer))
                }
                (Engine::Sqlite, _) => (format!("total({value})"), self.typed(name, Decoded::Float)),
            },
            Output::Length => {
                let length = if engine == Engine::Sqlite { "length" } else { "char_length" };
                (format!("sum({length}({value}))"), self.typed(name, Decoded::Integer))
            }
        }
    }

    /// Whether `column` is PostgreSQL's `char(n)` (`bpchar`).
    fn is_bpchar(&self, column: &SqlColumn) -> bool {
        self.engine == Engine::Postgres && column.db_type == "bpchar"
    }

    /// The group's expression: a date or time column's month or day as text, else the column.
    fn group_output(&self, group: &Grouping) -> (String, SqlColumn) {
        let column = &self.columns[group.index];
        let value = column.select.clone().unwrap_or_else(|| self.engine.quote(&column.name));
        let Some(unit) = group.unit else {
            return (value, SqlColumn { name: GROUP.to_string(), select: None, ..column.clone() });
        };
        let pattern = unit.pattern();
        let expression = match self.engine {
            Engine::Postgres => {
                let pattern = pattern.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD");
                format!("to_char({value}, '{pattern}')")
            }
            Engine::Mysql => format!("DATE_FORMAT({value}, '{pattern}')"),
            // SQLite holds dates as ISO text, Julian day numbers (REAL) or Unix seconds (INTEGER).
            Engine::Sqlite => format!(
                "CASE typeof({value}) WHEN 'integer' THEN strftime('{pattern}', {value}, 'unixepoch') \
                 ELSE strftime('{pattern}', {value}) END"
            ),
        };
        (expression, self.typed(GROUP, Decoded::Text))
    }

    /// An output column decoded as `decoded`, in this engine's names.
    fn typed(&self, name: &str, decoded: Decoded) -> SqlColumn {
        let name = name.to_string();
        match self.engine {
            Engine::Postgres => {
                let pg_type = match decoded {
                    Decoded::Integer => "int8",
                    Decoded::Float => "float8",
                    Decoded::Decimal => "numeric",
                    Decoded::Text => "text",
                };
                postgres::column(name, pg_type, -1, pg_type.to_string(), None)
            }
            Engine::Mysql => {
                let data_type = match decoded {
                    Decoded::Integer => "bigint",
                    Decoded::Float => "double",
                    Decoded::Decimal => "decimal",
                    Decoded::Text => "varchar",
                };
                mysql::column(name, data_type, data_type, None, None)
            }
            Engine::Sqlite => {
                let declared = match decoded {
                    Decoded::Integer => "INTEGER",
                    Decoded::Float => "REAL",
                    Decoded::Decimal | Decoded::Text => "TEXT",
                };
                sqlite::column(name, declared.to_string())
            }
        }
    }
}

/// Turns PostgreSQL's JIT compilation off for the profile's statement (`on`: back to its default), for this
/// transaction only. Its dozens of aggregates are compiled again in every parallel worker: on lineitem SF1 the
/// statement took 3.7 s with JIT and 3.2 s without (two sides at once: 7.5 s and 6.3 s).
async fn jit(conn: &mut super::Conn, on: bool) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    if let super::Conn::Postgres(c) = conn {
        c.execute(if on { "SET LOCAL jit TO DEFAULT" } else { "SET LOCAL jit = off" }).await?;
    }
    Ok(())
}

/// Batches as they arrive from the streaming statement.
fn tokio_stream(mut rx: mpsc::Receiver<Result<RecordBatch>>) -> impl futures::Stream<Item = Result<RecordBatch>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
