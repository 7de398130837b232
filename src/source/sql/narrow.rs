//! Narrowed reads of a database table, inside its snapshot: only the rows whose key is listed (rechecks,
//! `--keys`, findings still open, a window's keys), or only the rows changed at or after an instant (a window
//! by change time), and the server's clock that windows are measured by.
//!
//! A window's bound is a value, never SQL text: each engine gets it as a typed parameter.
//!
//! | engine | bound set by | read refers to it as |
//! |---|---|---|
//! | PostgreSQL | `SELECT set_config('recon.since', $1, true)` in the read's transaction (`COPY (SELECT …)` takes no bind parameters: <https://www.postgresql.org/docs/15/sql-copy.html>) | `current_setting('recon.since')::timestamptz` (`::timestamp` for a zone-less column) |
//! | MySQL, MariaDB | a prepared `SET @recon_since = CAST(? AS DATETIME(6))` (SET may be prepared: <https://mariadb.com/kb/en/prepare-statement/>) | `@recon_since`, a DATETIME(6) |
//! | SQLite | a statement parameter (`?`) | `julianday(?)`, against the column's value read as recon reads it |

use arrow::datatypes::DataType;

use super::{sql_error, Conn, Engine, SqlTable};
use crate::error::{Error, Result};
use crate::source::keyset::KeyList;
use crate::source::{ordinal, ScanUnit};

const POSTGRES_NOW: &str = include_str!("../../../queries/window_now_postgres.sql");
const MYSQL_NOW: &str = include_str!("../../../queries/window_now_mysql.sql");
const SQLITE_NOW: &str = include_str!("../../../queries/window_now_sqlite.sql");
const POSTGRES_BOUND: &str = include_str!("../../../queries/window_bound_postgres.sql");
const MYSQL_BOUND: &str = include_str!("../../../queries/window_bound_mysql.sql");

/// The instant at which a window starts, as each engine and column type take it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    pub instant: chrono::DateTime<chrono::Utc>,
    /// The zone of the side's zone-less timestamps (`--source-tz`, `--target-tz`; default UTC).
    pub zone: Option<chrono_tz::Tz>,
}

impl Bound {
    /// The bound as a column of this Arrow type holds it: an instant for a zoned timestamp, the wall-clock time
    /// in the side's zone for a zone-less one.
    pub fn text(&self, data_type: &DataType, with_offset: bool) -> String {
        let zoned = matches!(data_type, DataType::Timestamp(_, Some(_)));
        let wall = match (zoned, self.zone) {
            (false, Some(zone)) => self.instant.with_timezone(&zone).naive_local(),
            _ => self.instant.naive_utc(),
        };
        let text = wall.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
        if zoned && with_offset {
            text + "+00"
        } else {
            text
        }
    }
}

impl SqlTable {
    /// Makes full reads read only the listed keys, by hash semi-joins (`keys.rs`); `false` when some key has no
    /// exact SQL literal, and full reads stay whole (the caller then keeps the listed keys after reading).
    pub(crate) fn restrict_keys(&mut self, list: &KeyList) -> Result<bool> {
        let mut key_columns = Vec::with_capacity(list.names.len());
        for name in &list.names {
            let column = self.columns.iter().find(|c| &c.name == name);
            key_columns
                .push(column.ok_or_else(|| Error::internal(format!("key column {name} is not in {}", self.location)))?);
        }
        let Some(tuples) = super::keys::tuples(self.engine, &key_columns, &list.keys.rows()) else { return Ok(false) };
        let and = self.filter.as_ref().map_or(String::new(), |f| format!(" AND ({f})"));
        let conditions = tuples
            .chunks(super::KEYS_PER_STATEMENT)
            .map(|chunk| super::keys::condition(self.engine, &key_columns, chunk) + &and)
            .collect();
        self.key_conditions = Some(conditions);
        Ok(true)
    }

    /// The units of a read narrowed to listed keys: one statement per [`super::KEYS_PER_STATEMENT`] keys (none
    /// for no keys); `None` when reads are not narrowed. Each unit's rows get ordinals of their own (the unit's
    /// number in the high bits, as a file's), so that rows of different statements are never taken for one
    /// another.
    pub(super) fn key_units(&self, projection: &[usize]) -> Option<Vec<ScanUnit>> {
        let conditions = self.key_conditions.as_ref()?;
        let units = conditions.iter().enumerate().map(|(i, c)| {
            let unit = self.select_unit(projection, self.select(projection, c));
            ScanUnit::new(ordinal(i, 0), move || unit.open())
        });
        Some(units.collect())
    }

    /// The server's clock, read once in the snapshot (PostgreSQL: when its transaction began).
    pub(crate) fn server_now(&self) -> Result<chrono::DateTime<chrono::Utc>> {
        let text = self.runtime.block_on(async {
            let mut conn = self.conn.lock().await;
            match &mut *conn {
                Conn::Postgres(c) => sqlx::query_scalar::<_, String>(POSTGRES_NOW).fetch_one(c).await,
                Conn::Mysql(c) => sqlx::query_scalar::<_, String>(MYSQL_NOW).fetch_one(c).await,
                Conn::Sqlite(c) => sqlx::query_scalar::<_, String>(SQLITE_NOW).fetch_one(c).await,
            }
        });
        let text = text.map_err(|e| sql_error(&self.location, &e))?;
        chrono::DateTime::parse_from_rfc3339(&text)
            .map(|t| t.to_utc())
            .map_err(|e| Error::database(&self.location, format!("the server's clock read as {text:?}: {e}")))
    }

    /// One unit reading `projection` of the rows whose column `updated` (a schema index) is at or after `bound`,
    /// as well as the full read's filter keeps them.
    pub(crate) fn changed_units(&self, projection: &[usize], updated: usize, bound: &Bound) -> Result<Vec<ScanUnit>> {
        let column = &self.columns[updated];
        let quoted = self.engine.quote(&column.name);
        let condition = match (self.engine, &column.data_type) {
            (Engine::Postgres, DataType::Timestamp(_, Some(_))) => {
                format!("{quoted} >= current_setting('recon.since')::timestamptz")
            }
            (Engine::Postgres, DataType::Timestamp(_, None)) => {
                format!("{quoted} >= current_setting('recon.since')::timestamp")
            }
            (Engine::Mysql, DataType::Timestamp(..)) => format!("{quoted} >= @recon_since"),
            // recon reads SQLite's INTEGER as Unix seconds, REAL as a Julian day and TEXT as ISO 8601
            // (sqlite.rs); julianday() measures all three alike (https://sqlite.org/lang_datefunc.html).
            (Engine::Sqlite, DataType::Timestamp(..)) => format!(
                "(CASE typeof({quoted}) WHEN 'integer' THEN julianday({quoted}, 'unixepoch') \
                 WHEN 'real' THEN {quoted} ELSE julianday({quoted}) END) >= julianday(?)"
            ),
            (_, other) => {
                return Err(Error::column(
                    &column.name,
                    format!(
                        "{}: --updated-column must be a timestamp column, not {} ({other})",
                        self.location, column.declared
                    ),
                ))
            }
        };
        let and = self.filter.as_ref().map_or(String::new(), |f| format!(" AND ({f})"));
        let select = self.select(projection, &format!(" WHERE {condition}{and}"));
        let text = bound.text(&column.data_type, self.engine == Engine::Postgres);
        Ok(vec![self.bound_unit(projection, select, Some(text))])
    }
}

/// Gives the read's connection the bound it refers to (SQLite takes it with the statement instead).
pub(super) async fn bind(conn: &mut Conn, bound: &str) -> Result<(), sqlx::Error> {
    match conn {
        Conn::Postgres(c) => sqlx::query(POSTGRES_BOUND).bind(bound).execute(c).await.map(|_| ()),
        Conn::Mysql(c) => sqlx::query(MYSQL_BOUND).bind(bound).execute(c).await.map(|_| ()),
        Conn::Sqlite(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::TimeUnit;

    #[test]
    fn a_bound_is_an_instant_or_the_wall_clock_of_the_side_zone() {
        let instant = chrono::DateTime::parse_from_rfc3339("2026-01-15T12:00:00.25Z").unwrap().to_utc();
        let zoned = DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into()));
        let naive = DataType::Timestamp(TimeUnit::Microsecond, None);
        let utc = Bound { instant, zone: None };
        assert_eq!(utc.text(&zoned, true), "2026-01-15 12:00:00.250000+00");
        assert_eq!(utc.text(&zoned, false), "2026-01-15 12:00:00.250000");
        let paris = Bound { instant, zone: Some(chrono_tz::Europe::Paris) };
        assert_eq!(paris.text(&naive, true), "2026-01-15 13:00:00.250000");
        assert_eq!(paris.text(&zoned, true), "2026-01-15 12:00:00.250000+00");
    }
}
