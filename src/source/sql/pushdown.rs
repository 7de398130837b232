//! Bucket fingerprints computed inside PostgreSQL and MySQL/MariaDB (`--pushdown`): each compared value written
//! as its canonical text ([`Form`]) in the engine's own SQL, the texts hashed and summed per bucket by
//! `queries/pushdown_*.sql`, and the condition that keeps only some buckets' rows for the row tier.

use super::{sql_error, Conn, Engine, SqlColumn, SqlTable};
use crate::error::{Error, Result};
use crate::source::fingerprints::{wrapped, Bucket, BucketRequest, Form};

const POSTGRES: &str = include_str!("../../../queries/pushdown_postgres.sql");
const MYSQL: &str = include_str!("../../../queries/pushdown_mysql.sql");

/// PostgreSQL's memory for each bucket of the hash aggregate, with room to spare (measured: 360 bytes a bucket,
/// 23.5 MB for 65,536 buckets, where the default `work_mem` of 4 MB made it spill 230 MB to disk and cost a
/// third of the statement's time on lineitem SF1).
const BUCKET_MEMORY: u64 = 512;
/// The most `work_mem` the statement asks for, in kB: beyond 131,072 buckets it spills, as the server would.
const MAX_WORK_MEM_KB: u64 = 64 * 1024;

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
                    Conn::Postgres(c) => with_work_mem(c, request.digits, &sql).await,
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
        let (texts, key, values, row_hash) = match self.engine {
            // Each value's text once, in the innermost level (`c<i>`); the levels above frame and hash them.
            Engine::Postgres => {
                let columns = request.key.iter().chain(&request.values);
                let texts: Vec<String> = columns.map(|&(index, form)| self.text(index, form)).collect::<Result<_>>()?;
                let named: Vec<String> = (0..texts.len()).map(|i| format!("c{i}")).collect();
                let (key, values) = named.split_at(request.key.len());
                let texts: String =
                    texts.iter().zip(&named).map(|(text, name)| format!(", {text} AS {name}")).collect();
                (texts, self.framed(key), self.framed(values), "md5(km || vt)")
            }
            _ => (String::new(), self.row_text(&request.key)?, self.row_text(&request.values)?, "MD5(CONCAT(km, vt))"),
        };
        let row_hash = if request.keys_only { "km" } else { row_hash };
        let template = if self.engine == Engine::Postgres { POSTGRES } else { MYSQL };
        let statement = template.lines().filter(|l| !l.starts_with("--")).collect::<Vec<_>>().join(" ");
        let keys = if self.engine == Engine::Mysql { keys.to_uppercase() } else { keys.to_string() };
        Ok(statement
            .replace("{digits}", &request.digits.to_string())
            .replace("{texts}", &texts)
            .replace("{key}", &key)
            .replace("{values}", &values)
            .replace("{row_hash}", row_hash)
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

    /// The concatenated encodings of `columns`' canonical texts (see [`SqlTable::framed`]).
    fn row_text(&self, columns: &[(usize, Form)]) -> Result<String> {
        let texts: Vec<String> = columns.iter().map(|&(index, form)| self.text(index, form)).collect::<Result<_>>()?;
        Ok(self.framed(&texts))
    }

    /// The concatenated encodings of `texts` (SQL text expressions): each value `S<bytes>:<text>`, NULL `N` —
    /// self-delimiting, so no two different rows share a text and NULL shares no value's.
    fn framed(&self, texts: &[String]) -> String {
        let mut parts: Vec<String> = texts
            .iter()
            .map(|text| match self.engine {
                Engine::Postgres => format!("COALESCE('S' || octet_length({text}) || ':' || {text}, 'N')"),
                _ => format!("COALESCE(CONCAT('S', LENGTH({text}), ':', {text}), 'N')"),
            })
            .collect();
        match (parts.len(), self.engine) {
            (0, _) => "''".to_string(),
            (1, _) => parts.remove(0),
            (_, Engine::Postgres) => format!("({})", parts.join(" || ")),
            _ => format!("CONCAT({})", parts.join(", ")),
        }
    }

    /// Column `index`'s canonical text as `form`, which the plan checked it has.
    fn text(&self, index: usize, form: Form) -> Result<String> {
        self.canonical_text(&self.columns[index], form)
            .map_err(|why| Error::internal(format!("column {} was pushed down though {why}", self.columns[index].name)))
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

/// Runs `sql` with `work_mem` raised for this transaction to hold 16^`digits` buckets in memory (never lowered),
/// then set back to what it was.
async fn with_work_mem(c: &mut sqlx::PgConnection, digits: usize, sql: &str) -> Result<Vec<Row>, sqlx::Error> {
    let wanted = 16u64.saturating_pow(digits as u32).saturating_mul(BUCKET_MEMORY) / 1024;
    let before: String = sqlx::query_scalar("SELECT current_setting('work_mem')").fetch_one(&mut *c).await?;
    let raise =
        "SELECT set_config('work_mem', GREATEST(pg_size_bytes(current_setting('work_mem')) / 1024, $1)::text, true)";
    sqlx::query(raise).bind(wanted.min(MAX_WORK_MEM_KB) as i64).execute(&mut *c).await?;
    let rows = sqlx::query_as(sql).fetch_all(&mut *c).await?;
    sqlx::query("SELECT set_config('work_mem', $1, true)").bind(before).execute(&mut *c).await?;
    Ok(rows)
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
