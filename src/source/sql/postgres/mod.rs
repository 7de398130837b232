//! PostgreSQL: the catalog query that types a table's columns (`types.rs` maps them to Arrow), and rows
//! streamed with `COPY (SELECT …) TO STDOUT (FORMAT binary)`, split by `copy.rs` and decoded by `decode.rs`
//! straight into Arrow builders — no per-row fetch.

mod copy;
mod decode;
mod numeric;
mod types;

use arrow::datatypes::DataType;
use futures::TryStreamExt;
use sqlx::{PgConnection, Row};

use self::copy::CopyDecoder;
use self::types::{arrow_type, fraction_digits, selected_as, PgColumn, Shape, TypeRow};
use super::{send, sql_error, Engine, Sender, SqlColumn, BATCH_ROWS};
use crate::error::{Error, Result};
use crate::normalize::{Cut, FRACTION_CUT, FRACTION_DIGITS};

pub(crate) const COLUMNS: &str = include_str!("../../../../queries/postgres_columns.sql");
const TYPE_TREE: &str = include_str!("../../../../queries/postgres_type_tree.sql");

pub(crate) async fn table_columns(
    conn: &mut PgConnection,
    schema: &str,
    table: &str,
) -> Result<Vec<SqlColumn>, sqlx::Error> {
    Ok(columns_of(conn, schema, Some(table)).await?.into_iter().map(|(_, column)| column).collect())
}

/// The columns of `table`, or of every table of `schema`, each with its table's name, in table order.
pub(crate) async fn columns_of(
    conn: &mut PgConnection,
    schema: &str,
    table: Option<&str>,
) -> Result<Vec<(String, SqlColumn)>, sqlx::Error> {
    let rows = sqlx::query(COLUMNS).bind(schema).bind(table).fetch_all(&mut *conn).await?;
    let mut columns = Vec::with_capacity(rows.len());
    for row in &rows {
        let name: String = row.try_get(0)?;
        let mut db_type: String = row.try_get(1)?;
        let typmod: i32 = row.try_get(2)?;
        let declared: String = row.try_get(3)?;
        let cast: String = row.try_get(4)?;
        if row.try_get::<bool, _>(7)? {
            let (oid, dims): (i64, i32) = (row.try_get(6)?, row.try_get(8)?);
            if let Some(shape) = shape_of(conn, oid, typmod, dims).await? {
                db_type = shape.text();
            }
        }
        columns.push((row.try_get(5)?, column(name, &db_type, typmod, declared, Some(cast))));
    }
    Ok(columns)
}

/// The shape of an array or composite type (`oid`, with the column's modifier and declared dimensions), from
/// the types it is made of; `None` when the catalog does not describe it whole.
async fn shape_of(conn: &mut PgConnection, oid: i64, typmod: i32, dims: i32) -> Result<Option<Shape>, sqlx::Error> {
    let mut types = std::collections::HashMap::new();
    for row in sqlx::query(TYPE_TREE).bind(oid).fetch_all(conn).await? {
        let names: Vec<String> = row.try_get(5)?;
        let (oids, typmods, field_dims): (Vec<i64>, Vec<i32>, Vec<i32>) =
            (row.try_get(6)?, row.try_get(7)?, row.try_get(8)?);
        let fields = names
            .into_iter()
            .zip(oids)
            .zip(typmods.into_iter().zip(field_dims))
            .map(|((name, oid), (typmod, dims))| (name, oid, typmod, dims))
            .collect();
        let type_row = TypeRow {
            name: row.try_get(1)?,
            kind: row.try_get(2)?,
            element: row.try_get(3)?,
            typmod: row.try_get(4)?,
            fields,
        };
        types.insert(row.try_get::<i64, _>(0)?, type_row);
    }
    Ok(Shape::resolve(oid, typmod, dims, &types))
}

/// How recon reads a column of this type (`pg_type` the `typname`, or `enum`), declared as `declared`.
pub(crate) fn column(name: String, pg_type: &str, typmod: i32, declared: String, cast: Option<String>) -> SqlColumn {
    let quoted = Engine::Postgres.quote(&name);
    let (select, decoded) = match selected_as(pg_type, &quoted) {
        Some((expression, decoded)) => (Some(expression), decoded),
        None => (None, pg_type),
    };
    let data_type = arrow_type(decoded, typmod);
    let mut column = SqlColumn::new(name, decoded.to_string(), declared, data_type.clone().unwrap_or(DataType::Null));
    (column.cast, column.select) = (cast, select);
    if let Some(digits) = fraction_digits(pg_type, typmod) {
        column.metadata.push((FRACTION_DIGITS, digits.to_string()));
        column.metadata.push((FRACTION_CUT, Cut::RoundFrom2000.name().to_string()));
    }
    if data_type.is_none() {
        let kind = match column.declared.as_str() {
            d if d.ends_with(']') => " (an array)",
            d if d.contains("range") => " (a range)",
            _ => "",
        };
        let what = format!("PostgreSQL type {}{kind}", column.declared);
        return column.unreadable(what, format!("{quoted}::text"));
    }
    column
}

/// Streams `select` as binary COPY, decoded into batches of `columns` handed to `tx`.
pub(crate) async fn stream(
    conn: &mut PgConnection,
    select: &str,
    columns: &[SqlColumn],
    tx: &Sender,
    location: &str,
) -> Result<()> {
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
    let db_error = |e: sqlx::Error| sql_error(location, &e);
    let mut chunks = conn.copy_out_raw(&copy).await.map_err(db_error)?;
    while let Some(chunk) = chunks.try_next().await.map_err(db_error)? {
        for batch in decoder.push(&chunk).map_err(|e| Error::arrow(location, e))? {
            send(tx, Some(batch)).await?;
        }
    }
    drop(chunks);
    send(tx, decoder.finish().map_err(|e| Error::arrow(location, e))?).await
}

/// What the unit tests of `copy.rs` and `decode.rs` share: real COPY output of PostgreSQL 15, written by
/// `fixtures/pgcopy/generate.sh`, and helpers to decode it.
#[cfg(test)]
pub(crate) mod fixtures {
    use arrow::array::{AsArray, RecordBatch};
    use arrow::datatypes::DataType;
    use arrow::error::ArrowError;

    use super::copy::CopyDecoder;
    use super::types::{arrow_type, PgColumn};

    pub(crate) const INTEGERS: &[u8] = include_bytes!("../../../../fixtures/pgcopy/integers.bin");
    pub(crate) const FLOATS: &[u8] = include_bytes!("../../../../fixtures/pgcopy/floats.bin");
    pub(crate) const DECIMALS: &[u8] = include_bytes!("../../../../fixtures/pgcopy/decimals.bin");
    pub(crate) const NUMERICS: &[u8] = include_bytes!("../../../../fixtures/pgcopy/numerics.bin");
    pub(crate) const TEXTS: &[u8] = include_bytes!("../../../../fixtures/pgcopy/texts.bin");
    pub(crate) const TIMES: &[u8] = include_bytes!("../../../../fixtures/pgcopy/times.bin");
    pub(crate) const INFINITE_DATE: &[u8] = include_bytes!("../../../../fixtures/pgcopy/infinite_date.bin");
    pub(crate) const INFINITE_TIMESTAMP: &[u8] = include_bytes!("../../../../fixtures/pgcopy/infinite_timestamp.bin");
    pub(crate) const INFINITE_TIMESTAMPTZ: &[u8] =
        include_bytes!("../../../../fixtures/pgcopy/infinite_timestamptz.bin");

    /// `pg_attribute.atttypmod` of `numeric(p,s)`.
    pub(crate) fn typmod(p: i32, s: i32) -> i32 {
        ((p << 16) | (s & 0x7ff)) + 4
    }

    pub(crate) fn col(name: &str, pg_type: &str, typmod: i32) -> PgColumn {
        let data_type = arrow_type(pg_type, typmod).expect("supported type");
        PgColumn { name: name.into(), pg_type: pg_type.into(), data_type }
    }

    pub(crate) fn integer_columns() -> Vec<PgColumn> {
        vec![col("i2", "int2", -1), col("i4", "int4", -1), col("i8", "int8", -1), col("o", "oid", -1)]
    }
    pub(crate) fn float_columns() -> Vec<PgColumn> {
        vec![col("f4", "float4", -1), col("f8", "float8", -1), col("b", "bool", -1)]
    }
    pub(crate) fn decimal_columns() -> Vec<PgColumn> {
        vec![
            col("d38", "numeric", typmod(38, 10)),
            col("d12", "numeric", typmod(12, 2)),
            col("d5neg", "numeric", typmod(5, -2)),
        ]
    }
    pub(crate) fn numeric_columns() -> Vec<PgColumn> {
        vec![col("x", "numeric", -1), col("wide", "numeric", typmod(50, 5))]
    }
    pub(crate) fn text_columns() -> Vec<PgColumn> {
        [
            ("t", "text"),
            ("vc", "varchar"),
            ("nm", "name"),
            ("ch", "bpchar"),
            ("ci", "citext"),
            ("js", "json"),
            ("jb", "jsonb"),
            ("mood", "enum"),
            ("u", "uuid"),
            ("by", "bytea"),
        ]
        .into_iter()
        .map(|(name, pg_type)| col(name, pg_type, -1))
        .collect()
    }
    pub(crate) fn time_columns() -> Vec<PgColumn> {
        vec![col("d", "date", -1), col("ts", "timestamp", -1), col("tstz", "timestamptz", -1), col("tm", "time", -1)]
    }

    /// The fixtures that decode without error, with their columns.
    pub(crate) fn fixtures() -> Vec<(&'static str, &'static [u8], Vec<PgColumn>)> {
        vec![
            ("integers", INTEGERS, integer_columns()),
            ("floats", FLOATS, float_columns()),
            ("decimals", DECIMALS, decimal_columns()),
            ("numerics", NUMERICS, numeric_columns()),
            ("texts", TEXTS, text_columns()),
            ("times", TIMES, time_columns()),
        ]
    }

    /// Every batch of `bytes` fed in `chunk`-byte pieces, the final partial batch included.
    pub(crate) fn decode(
        bytes: &[u8],
        columns: Vec<PgColumn>,
        batch_rows: usize,
        chunk: usize,
    ) -> Result<Vec<RecordBatch>, ArrowError> {
        let mut decoder = CopyDecoder::new(columns, batch_rows);
        let mut batches = Vec::new();
        for piece in bytes.chunks(chunk) {
            batches.extend(decoder.push(piece)?);
        }
        batches.extend(decoder.finish()?);
        Ok(batches)
    }

    /// All rows of `bytes` as one batch.
    pub(crate) fn decode_one(bytes: &[u8], columns: Vec<PgColumn>) -> RecordBatch {
        let mut batches = decode(bytes, columns, 1000, bytes.len()).expect("decodes");
        assert_eq!(batches.len(), 1);
        batches.remove(0)
    }

    pub(crate) fn decode_err(bytes: &[u8], columns: Vec<PgColumn>) -> String {
        match decode(bytes, columns, 1000, bytes.len().max(1)) {
            Ok(batches) => panic!("expected an error, decoded {batches:?}"),
            Err(ArrowError::ParseError(message)) => message,
            Err(other) => panic!("expected a ParseError, got {other:?}"),
        }
    }

    pub(crate) fn strings(batch: &RecordBatch, name: &str) -> Vec<Option<String>> {
        let array = batch.column_by_name(name).expect("column");
        assert_eq!(array.data_type(), &DataType::Utf8, "{name}");
        array.as_string::<i32>().iter().map(|v| v.map(str::to_string)).collect()
    }

    pub(crate) fn some(values: &[&str]) -> Vec<Option<String>> {
        values.iter().map(|v| Some(v.to_string())).collect()
    }
}
