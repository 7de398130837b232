//! PostgreSQL: catalog types mapped to Arrow (see `pgcopy` for the table), rows streamed with
//! `COPY (SELECT …) TO STDOUT (FORMAT binary)` and decoded straight into Arrow builders — no per-row fetch.

use futures::TryStreamExt;
use sqlx::{PgConnection, Row};

use super::pgcopy::{self, CopyDecoder, PgColumn};
use super::{describe, send, Sender, SqlColumn, BATCH_ROWS};

const COLUMNS: &str = include_str!("../../../queries/postgres_columns.sql");

pub async fn table_columns(conn: &mut PgConnection, schema: &str, table: &str) -> Result<Vec<SqlColumn>, sqlx::Error> {
    let rows = sqlx::query(COLUMNS).bind(schema).bind(table).fetch_all(conn).await?;
    rows.iter()
        .map(|row| {
            let name: String = row.try_get(0)?;
            let db_type: String = row.try_get(1)?;
            let typmod: i32 = row.try_get(2)?;
            let declared: String = row.try_get(3)?;
            let data_type = pgcopy::arrow_type(&db_type, typmod).unwrap_or(arrow::datatypes::DataType::Null);
            Ok(SqlColumn { name, db_type, declared, data_type })
        })
        .collect()
}

pub async fn stream(conn: &mut PgConnection, select: &str, columns: &[SqlColumn], tx: &Sender) -> Result<(), String> {
    let pg_columns = columns
        .iter()
        .map(|c| PgColumn {
            name: c.name.clone(),
            pg_type: c.db_type.to_ascii_lowercase(),
            data_type: c.data_type.clone(),
        })
        .collect();
    let mut decoder = CopyDecoder::new(pg_columns, BATCH_ROWS);
    let copy = format!("COPY ({select}) TO STDOUT (FORMAT binary)");
    let mut chunks = conn.copy_out_raw(&copy).await.map_err(|e| describe(&e))?;
    while let Some(chunk) = chunks.try_next().await.map_err(|e| describe(&e))? {
        for batch in decoder.push(&chunk).map_err(|e| e.to_string())? {
            send(tx, Some(batch)).await?;
        }
    }
    drop(chunks);
    send(tx, decoder.finish().map_err(|e| e.to_string())?).await
}
