//! Bucket fingerprints computed inside PostgreSQL and MySQL/MariaDB (`--pushdown`): each compared value written
//! as its canonical text ([`Form`]) in the engine's own SQL, the texts hashed and summed per bucket by
//! `queries/pushdown_*.sql`, and the condition that keeps only some buckets' rows for the row tier.

use super::{sql_error, Conn, Engine, SqlColumn, SqlTable};
use crate::error::{Error, Result};
use crate::source::fingerprints::{wrapped, Bucket, BucketRequest, Form};

const POSTGRES: &str = include_str!("../../../queries/pushdown_postgres.sql");
const MYSQL: &str = include_str!("../../../queries/pushdown_mysql.sql");

/// One bucket's row as the statement returns it: bucket, rows, hi, lo, distinct keys, unsure.
type Row = (Option<String>, i64, Option<String>, Option<String>, i64, i64);

impl SqlTable {
    /// Why column `index` cannot be written as `form` on this engine; `None` when it can.
    pub(crate) fn refuse_form(&self, index: usize, form: Form) -> Option<String> {
        self.canonical_text(&self.columns[index], form).err()
    }

    /// Every bucket's fingerprint over the rows full reads keep, in the snapshot.
    pub(crate) fn buckets(&self, request: &BucketRequest) -> Result<Vec<Bucket>> {
        let sql = self.buckets_sql(request)?;
        let rows: Vec<Row> = self
            .runtime
            .block_on(async {
                let mut conn = self.conn.lock().await;
                match &mut *conn {
                    Conn::Postgres(c) => sqlx::query_as(&sql).fetch_all(&mut *c).await,
                    Conn::Mysql(c) => sqlx::query_as(&sql).fetch_all(&mut *c).await,
                    Conn::Sqlite(_) => Err(sqlx::Error::Protocol("SQLite computes no fingerprints".into())),
                }
            })
            .map_err(|e| {
                self.healthy.store(false, std::sync::atomic::Ordering::Relaxed);
                sql_error(&self.location, &e)
            })?;
        rows.into_iter().map(|row| self.bucket(row)).collect()
    }

    /// A statement's row as a bucket, or the error saying what the server could not hash.
    fn bucket(&self, (prefix, rows, hi, lo, keys, unsure): Row) -> Result<Bucket> {
        let sum = |s: Option<String>| s.as_deref().and_then(wrapped);
        let (Some(prefix), Some(hi), Some(lo)) = (prefix, sum(hi), sum(lo)) else {
            let why =
                "the server could not hash some rows' key text (longer than max_allowed_packet?): leave out --pushdown";
            return Err(Error::database(&self.location, why));
        };
        Ok(Bucket { prefix, rows: rows.max(0) as u64, hi, lo, keys: keys.max(0) as u64, unsure: unsure.max(0) as u64 })
    }

    /// The statement computing `request`'s buckets.
    pub(crate) fn buckets_sql(&self, request: &BucketRequest) -> Result<String> {
        let key = self.row_text(&request.key)?;
        let values = self.row_text(&request.values)?;
        let unsure = match request.key.is_empty() || request.keyless {
            true => "0".to_string(),
            false => {
                let nulls: Vec<String> =
                    request.key.iter().map(|(i, _)| format!("{} IS NULL", self.expression(*i))).collect();
                format!("CASE WHEN {} THEN 1 ELSE 0 END", nulls.join(" OR "))
            }
        };
        let keys = if request.distinct_keys { "count(DISTINCT km)" } else { "count(*)" };
        let mut conditions: Vec<String> = self.filter.iter().cloned().collect();
        if !request.within.is_empty() {
            conditions.push(self.bucket_condition(&request.key, &request.within)?);
        }
        let condition = match conditions.is_empty() {
            true => String::new(),
            false => format!(" WHERE ({})", conditions.join(") AND (")),
        };
        let template = if self.engine == Engine::Postgres { POSTGRES } else { MYSQL };
        let statement = template.lines().filter(|l| !l.starts_with("--")).collect::<Vec<_>>().join(" ");
        let keys = if self.engine == Engine::Mysql { keys.to_uppercase() } else { keys.to_string() };
        Ok(statement
            .replace("{digits}", &request.digits.to_string())
            .replace("{key}", &key)
            .replace("{values}", &values)
            .replace("{unsure}", &unsure)
            .replace("{keys}", &keys)
            .replace("{relation}", &self.relation)
            .replace("{condition}", &condition))
    }

    /// The condition keeping the rows whose key hash starts with one of `prefixes` (hex text of any lengths).
    pub(crate) fn bucket_condition(&self, key: &[(usize, Form)], prefixes: &[String]) -> Result<String> {
        if prefixes.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(Error::internal("a bucket is named by hex digits"));
        }
        let hash = format!("md5({})", self.row_text(key)?);
        let mut lengths: Vec<usize> = prefixes.iter().map(String::len).collect();
        lengths.sort_unstable();
        lengths.dedup();
        let parts: Vec<String> = lengths
            .iter()
            .map(|&n| {
                let list: Vec<String> = prefixes.iter().filter(|p| p.len() == n).map(|p| format!("'{p}'")).collect();
                format!("substr({hash}, 1, {n}) IN ({})", list.join(", "))
            })
            .collect();
        Ok(parts.join(" OR "))
    }

    /// The concatenated encodings of `columns`: each value `S<bytes>:<text>`, NULL `N` — self-delimiting, so
    /// no two different rows share a text and NULL shares no value's.
    fn row_text(&self, columns: &[(usize, Form)]) -> Result<String> {
        let mut parts = Vec::with_capacity(columns.len());
        for &(index, form) in columns {
            let text = self.canonical_text(&self.columns[index], form).map_err(|why| {
                Error::internal(format!("column {} was pushed down though {why}", self.columns[index].name))
            })?;
            parts.push(match self.engine {
                Engine::Postgres => format!("COALESCE('S' || octet_length({text}) || ':' || {text}, 'N')"),
                _ => format!("COALESCE(CONCAT('S', LENGTH({text}), ':', {text}), 'N')"),
            });
        }
        Ok(match (parts.len(), self.engine) {
            (0, _) => "''".to_string(),
            (1, _) => parts.remove(0),
            (_, Engine::Postgres) => format!("({})", parts.join(" || ")),
            _ => format!("CONCAT({})", parts.join(", ")),
        })
    }

    /// The column as recon selects it.
    fn expression(&self, index: usize) -> String {
        let column = &self.columns[index];
        column.select.clone().unwrap_or_else(|| self.engine.quote(&column.name))
    }

    /// The canonical text of `column` as `form` in this engine's SQL, or why it has none.
    fn canonical_text(&self, column: &SqlColumn, form: Form) -> std::result::Result<String, String> {
        let c = column.select.clone().unwrap_or_else(|| self.engine.quote(&column.name));
        let t = column.db_type.as_str();
        let text = match self.engine {
            Engine::Postgres => postgres_text(&c, t, form),
            Engine::Mysql if column.select.is_some() && form != Form::Boolean => None,
            Engine::Mysql => mysql_text(&c, t, form),
            Engine::Sqlite => None,
        };
        text.ok_or_else(|| {
            format!("{} has no {form:?} text on {} that recon can prove alike", column.declared, self.engine.kind())
        })
    }
}

const POSTGRES_INTEGERS: [&str; 3] = ["int2", "int4", "int8"];
const MYSQL_INTEGERS: [&str; 5] = ["tinyint", "smallint", "mediumint", "int", "bigint"];
const MYSQL_TEXT: [&str; 7] = ["char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum"];

/// `c`, a PostgreSQL column of type `t`, as `form`'s text.
fn postgres_text(c: &str, t: &str, form: Form) -> Option<String> {
    let integer = POSTGRES_INTEGERS.contains(&t);
    Some(match form {
        Form::Integer | Form::Decimal if integer => format!("({c})::text"),
        Form::Integer | Form::Decimal if t == "numeric" => format!("trim_scale({c})::text"),
        Form::Boolean if t == "bool" => format!("CASE WHEN {c} THEN '1' WHEN NOT {c} THEN '0' END"),
        Form::Date if t == "date" => format!("({c} - DATE '1970-01-01')::text"),
        Form::Instant if t == "timestamp" || t == "timestamptz" => {
            format!("trim_scale(extract(epoch FROM {c}) * 1000000)::text")
        }
        Form::Uuid if t == "uuid" => format!("({c})::text"),
        Form::Text if t == "text" || t == "varchar" => format!("({c})::text"),
        Form::Unpadded if ["text", "varchar", "bpchar"].contains(&t) => format!("rtrim(({c})::text, ' ')"),
        Form::Float64Bits if t == "float8" || t == "float4" => format!(
            "encode(float8send(CASE WHEN {c} = 0 THEN 0::float8 WHEN {c} = 'NaN' THEN 'NaN'::float8 ELSE ({c})::float8 END), 'hex')"
        ),
        Form::Float32Bits if t == "float4" => format!(
            "encode(float4send(CASE WHEN {c} = 0 THEN 0::float4 WHEN {c} = 'NaN' THEN 'NaN'::float4 ELSE {c} END), 'hex')"
        ),
        _ => return None,
    })
}

/// `c`, a MySQL/MariaDB column of type `t` (information_schema's `data_type`), as `form`'s text.
fn mysql_text(c: &str, t: &str, form: Form) -> Option<String> {
    let integer = MYSQL_INTEGERS.contains(&t);
    Some(match form {
        Form::Integer | Form::Decimal if integer => format!("CAST({c} AS CHAR)"),
        // Trailing fraction zeros go, then a bare point: `1.500` → `1.5`, `10.000` → `10`; `-0.0` → `0`.
        Form::Integer | Form::Decimal if t == "decimal" => format!(
            "IF({c} = 0, '0', IF(LOCATE('.', CAST({c} AS CHAR)) > 0, TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST({c} AS CHAR))), CAST({c} AS CHAR)))"
        ),
        Form::Boolean if t == "tinyint" || t == "bit" => format!("CASE WHEN {c} <> 0 THEN '1' WHEN {c} = 0 THEN '0' END"),
        Form::Date if t == "date" => format!("CAST(DATEDIFF({c}, '1970-01-01') AS CHAR)"),
        Form::Instant if t == "datetime" || t == "timestamp" => {
            format!("CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', {c}) AS CHAR)")
        }
        Form::Uuid if t == "uuid" => format!("LOWER(CAST({c} AS CHAR))"),
        Form::Text if MYSQL_TEXT.contains(&t) => format!("CONVERT({c} USING utf8mb4)"),
        Form::Unpadded if MYSQL_TEXT.contains(&t) => format!("TRIM(TRAILING ' ' FROM CONVERT({c} USING utf8mb4))"),
        _ => return None,
    })
}
