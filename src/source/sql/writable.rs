//! What a repair script must know of the table it writes to, beyond the columns recon reads: which columns the
//! database computes itself (no statement may set them), which are identity or AUTO_INCREMENT columns, and which
//! sequence fills a column. Read in the table's snapshot, once per table, only for `--repair-sql`.

use sqlx::Row;

use super::{Conn, SqlColumn};

const POSTGRES: &str = include_str!("../../../queries/postgres_writable.sql");
const MYSQL: &str = include_str!("../../../queries/mysql_writable.sql");
const SQLITE: &str = include_str!("../../../queries/sqlite_writable.sql");

/// One column of a table a repair script writes to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Writable {
    pub name: String,
    /// The engine's own name of its type (PostgreSQL `typname`, MySQL `data_type`, SQLite as declared): how a
    /// value of it is matched in a `WHERE` clause.
    pub db_type: String,
    /// Computed by the database (`GENERATED ALWAYS AS …`): no INSERT or UPDATE may name it.
    pub generated: bool,
    /// A PostgreSQL identity column (an INSERT naming it needs `OVERRIDING SYSTEM VALUE`) or a MySQL
    /// AUTO_INCREMENT one.
    pub identity: bool,
    /// PostgreSQL: the sequence the column's values come from, as `pg_get_serial_sequence` names it.
    pub sequence: Option<String>,
}

/// The columns of `table` (of `schema`, or the connection's default one), in table order; `columns` are the
/// table's columns as recon reads them, which give each its type name.
pub(super) async fn columns(
    conn: &mut Conn,
    schema: Option<&str>,
    table: &str,
    columns: &[SqlColumn],
) -> Result<Vec<Writable>, sqlx::Error> {
    let rows: Vec<(String, bool, bool, Option<String>)> = match conn {
        Conn::Postgres(c) => {
            let rows = sqlx::query(POSTGRES).bind(schema.unwrap_or("public")).bind(table).fetch_all(c).await?;
            rows.iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
                .collect::<Result<_, sqlx::Error>>()?
        }
        Conn::Mysql(c) => {
            let rows = sqlx::query(MYSQL).bind(schema).bind(table).fetch_all(c).await?;
            rows.iter()
                .map(|r| {
                    let (generated, identity): (i64, i64) = (r.try_get(1)?, r.try_get(2)?);
                    Ok((r.try_get(0)?, generated == 1, identity == 1, None))
                })
                .collect::<Result<_, sqlx::Error>>()?
        }
        Conn::Sqlite(c) => {
            let rows = sqlx::query(SQLITE).bind(table).fetch_all(c).await?;
            rows.iter()
                .map(|r| {
                    let generated: i64 = r.try_get(1)?;
                    Ok((r.try_get(0)?, generated == 1, false, None))
                })
                .collect::<Result<_, sqlx::Error>>()?
        }
    };
    Ok(rows
        .into_iter()
        .map(|(name, generated, identity, sequence)| {
            let db_type = columns.iter().find(|c| c.name == name).map(|c| c.db_type.clone()).unwrap_or_default();
            Writable { name, db_type, generated, identity, sequence }
        })
        .collect())
}
