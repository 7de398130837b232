//! Database sources on the real servers: one logical table loaded into PostgreSQL, MariaDB, SQLite, Parquet
//! and CSV reconciles to zero differences pairwise; one changed value per type is found in exactly its
//! column; recon writes nothing and never prints a password; a MariaDB table without transactions is said to
//! be read in no snapshot.
//!
//! Server URLs come from RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL (`.ci/run` sets both). Without
//! them these tests are ignored, with the reason (`build.rs` sets a cfg per server URL at build time); under
//! CI (CI=true) a missing or unreachable server fails.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow::datatypes::{Field, Schema};
use serde_json::json;
use sqlx::{Connection, Executor};

use crate::util::db::{block_on, myisam_and_innodb, mysql, mysql_writes, pg_writes, postgres, serial, server, sqlite};
use crate::util::files::write_parquet;
use crate::util::{path, recon, scratch};

/// The matrix's rows: id, big integer, decimal(38,10), double, boolean, text, date, timestamp (µs), uuid, json.
type MatrixRow = (
    i64,
    Option<i64>,
    Option<&'static str>,
    Option<f64>,
    Option<bool>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

const ROWS: &[MatrixRow] = &[
    (
        1,
        Some(i64::MIN),
        Some("1.8"),
        Some(-0.0),
        Some(true),
        Some(""),
        Some("1000-01-01"),
        Some("2024-02-29 23:59:59.999999"),
        Some("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"),
        Some(r#"{"b": [1, 2], "a": 1}"#),
    ),
    (
        2,
        Some(i64::MAX),
        Some("-0.0500000000"),
        Some(0.1 + 0.2),
        Some(false),
        Some("NULL"),
        Some("9999-12-31"),
        Some("1900-01-01 00:00:00.000001"),
        None,
        Some(r#"{"a": {"y": 2, "x": 1}}"#),
    ),
    (
        3,
        Some(0),
        Some("1234567890123456789012345678.0123456789"),
        Some(1e300),
        None,
        Some("<null>"),
        Some("1970-01-01"),
        None,
        Some("123e4567-e89b-12d3-a456-426614174000"),
        None,
    ),
    (
        4,
        None,
        None,
        None,
        Some(true),
        Some("Unicode ünïcødé, emoji 🎉"),
        None,
        Some("2000-01-01 00:00:00"),
        None,
        Some("[]"),
    ),
    (
        5,
        Some(-1),
        Some("0"),
        Some(-1.5e-300),
        Some(false),
        Some("trailing spaces  "),
        Some("2024-01-01"),
        Some("1970-01-01 00:00:00"),
        None,
        Some("null"),
    ),
    (
        6,
        Some(42),
        Some("99.99"),
        Some(2.0),
        Some(true),
        None,
        Some("1999-12-31"),
        Some("2038-01-19 03:14:08"),
        None,
        None,
    ),
];

fn literal(value: Option<&str>) -> String {
    value.map_or("NULL".into(), |v| format!("'{}'", v.replace('\'', "''")))
}

fn inserts(table: &str, bool_literal: fn(bool) -> &'static str, float_literal: fn(f64) -> String) -> String {
    let rows: Vec<String> = ROWS
        .iter()
        .map(|(id, n, d, f, b, t, date, ts, u, j)| {
            format!(
                "({id}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                n.map_or("NULL".into(), |n| n.to_string()),
                d.map_or("NULL".into(), |d| d.to_string()),
                f.map_or("NULL".into(), float_literal),
                b.map_or("NULL", bool_literal),
                literal(*t),
                literal(*date),
                literal(*ts),
                literal(*u),
                literal(*j),
            )
        })
        .collect();
    format!("INSERT INTO {table} VALUES {}", rows.join(", "))
}

fn pg_float(f: f64) -> String {
    format!("'{f:?}'::float8")
}

fn plain_float(f: f64) -> String {
    format!("{f:?}")
}

const PG_TABLE: &str = "CREATE TABLE recon_matrix (id bigint PRIMARY KEY, n bigint, d numeric(38,10), f double precision, b boolean, t text, day date, ts timestamp, u uuid, j jsonb)";
const MY_TABLE: &str = "CREATE TABLE recon_matrix (id bigint PRIMARY KEY, n bigint, d decimal(38,10), f double, b boolean, t text, day date, ts datetime(6), u char(36), j json)";
const LITE_TABLE: &str = "CREATE TABLE recon_matrix (id INTEGER PRIMARY KEY, n BIGINT, d DECIMAL(38,10), f DOUBLE, b BOOLEAN, t TEXT, day DATE, ts DATETIME, u UUID, j JSON)";

/// The matrix as `table` (made anew, with `changes` applied after its rows are in), from `create`, a CREATE
/// TABLE statement for `recon_matrix`, and its rows' INSERT.
fn load(create: &str, insert: String, table: &str, changes: &[&str]) -> Vec<String> {
    let named = |statement: &str| statement.replace("recon_matrix", table);
    let made = [format!("DROP TABLE IF EXISTS {table}"), named(create), insert];
    made.into_iter().chain(changes.iter().map(|c| named(c))).collect()
}

pub fn load_postgres(url: &str, table: &str, changes: &[&str]) {
    let insert = inserts(table, |b| if b { "true" } else { "false" }, pg_float);
    postgres(url, load(PG_TABLE, insert, table, changes));
}

pub fn load_mysql(url: &str, table: &str, changes: &[&str]) {
    let insert = inserts(table, |b| if b { "1" } else { "0" }, plain_float);
    mysql(url, load(MY_TABLE, insert, table, changes));
}

fn load_sqlite(path: &std::path::Path) {
    sqlite(path, [LITE_TABLE.to_string(), inserts("recon_matrix", |b| if b { "1" } else { "0" }, plain_float)]);
}

/// The same rows as Arrow: the Parquet and CSV copies.
pub fn matrix_batch() -> RecordBatch {
    let days = |d: &str| {
        (chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap() - chrono::NaiveDate::default()).num_days() as i32
    };
    let micros = |t: &str| {
        chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f").unwrap().and_utc().timestamp_micros()
    };
    let decimal = |d: &str| {
        let (int, frac) = d.split_once('.').unwrap_or((d, ""));
        let frac = format!("{frac:0<10}");
        format!("{int}{frac}").parse::<i128>().unwrap()
    };
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(ROWS.iter().map(|r| r.0))),
        Arc::new(ROWS.iter().map(|r| r.1).collect::<Int64Array>()),
        Arc::new(
            ROWS.iter()
                .map(|r| r.2.map(decimal))
                .collect::<Decimal128Array>()
                .with_precision_and_scale(38, 10)
                .unwrap(),
        ),
        Arc::new(ROWS.iter().map(|r| r.3).collect::<Float64Array>()),
        Arc::new(ROWS.iter().map(|r| r.4).collect::<BooleanArray>()),
        Arc::new(ROWS.iter().map(|r| r.5).collect::<StringArray>()),
        Arc::new(ROWS.iter().map(|r| r.6.map(days)).collect::<Date32Array>()),
        Arc::new(ROWS.iter().map(|r| r.7.map(micros)).collect::<TimestampMicrosecondArray>()),
        Arc::new(ROWS.iter().map(|r| r.8).collect::<StringArray>()),
        Arc::new(ROWS.iter().map(|r| r.9).collect::<StringArray>()),
    ];
    let names = ["id", "n", "d", "f", "b", "t", "day", "ts", "u", "j"];
    let fields: Vec<Field> =
        names.iter().zip(&columns).map(|(n, c)| Field::new(*n, c.data_type().clone(), true)).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

/// CSV writes NULL as \N so that NULL and '' stay apart.
fn write_csv(path: &std::path::Path, batch: &RecordBatch) {
    let mut text = String::from("id,n,d,f,b,t,day,ts,u,j\n");
    for r in ROWS {
        let quote = |v: Option<&str>| v.map_or("\\N".to_string(), |v| format!("\"{}\"", v.replace('"', "\"\"")));
        let line = [
            r.0.to_string(),
            r.1.map_or("\\N".into(), |v| v.to_string()),
            r.2.map_or("\\N".into(), str::to_string),
            r.3.map_or("\\N".into(), |v| format!("{v:?}")),
            r.4.map_or("\\N".into(), |v| v.to_string()),
            quote(r.5),
            r.6.map_or("\\N".into(), str::to_string),
            r.7.map_or("\\N".into(), str::to_string),
            quote(r.8),
            quote(r.9),
        ];
        text += &(line.join(",") + "\n");
    }
    std::fs::write(path, text).unwrap();
    assert_eq!(batch.num_rows(), ROWS.len());
}

const CSV_TYPES: [&str; 8] =
    ["--csv-null", "\\N", "--csv-type", "d=decimal(38,10)", "--csv-type", "ts=timestamp", "--csv-type", "n=int64"];

fn diff(source: &str, target: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["diff", source, target, "--key", "id", "--format", "json", "-q"];
    args.extend(extra);
    let run = recon(&args);
    assert!(run.code == 0 || run.code == 1, "{source} vs {target}: {}", run.stderr);
    run.json()
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn one_table_in_five_systems_reconciles_pairwise_and_single_changes_land_in_their_column() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    load_postgres(&pg, "recon_matrix", &[]);
    load_mysql(&my, "recon_matrix", &[]);
    let dir = scratch();
    let (lite, parquet, csv) = (dir.path().join("m.db"), dir.path().join("m.parquet"), dir.path().join("m.csv"));
    load_sqlite(&lite);
    let batch = matrix_batch();
    write_parquet(&parquet, &batch);
    write_csv(&csv, &batch);

    let locations = [
        format!("{pg}#public.recon_matrix"),
        format!("{my}#recon_matrix"),
        format!("sqlite://{}#recon_matrix", lite.display()),
        path(&parquet).to_string(),
        path(&csv).to_string(),
    ];
    for (i, a) in locations.iter().enumerate() {
        for b in &locations[i + 1..] {
            let report = diff(a, b, &CSV_TYPES);
            if a.starts_with("sqlite") || b.starts_with("sqlite") {
                // SQLite stores a decimal of more than 15 significant digits as REAL, rounding row 3's
                // 38-digit value on insert: a real difference, and recon must see it.
                assert_eq!(report["summary"]["matched"], 5, "{a} vs {b}: {:#}", report["examples"]);
                assert_eq!(report["examples"]["mismatched"][0]["key"]["id"], 3);
                assert_eq!(report["column_mismatches"]["d"], 1, "{a} vs {b}: {:#}", report["examples"]);
                assert_eq!(report["summary"]["mismatched"], 1);
            } else {
                assert_eq!(report["summary"]["matched"], 6, "{a} vs {b}: {:#}", report["examples"]);
                assert_eq!(report["verdict"]["pass"], true, "{a} vs {b}: {:#}", report["verdict"]);
            }
        }
    }

    // One value of each type changed, each in its own row: found in exactly that column.
    let changes = [
        "UPDATE recon_matrix SET n = n + 1 WHERE id = 5",
        "UPDATE recon_matrix SET d = 1.8000000001 WHERE id = 1",
        "UPDATE recon_matrix SET f = 0.3 WHERE id = 2",
        "UPDATE recon_matrix SET b = NOT b WHERE id = 4",
        "UPDATE recon_matrix SET t = 'trailing spaces' WHERE id = 5",
        "UPDATE recon_matrix SET day = '1999-12-30' WHERE id = 6",
        "UPDATE recon_matrix SET ts = '2024-02-29 23:59:59.999998' WHERE id = 1",
        "UPDATE recon_matrix SET u = '123e4567-e89b-12d3-a456-426614174001' WHERE id = 3",
        "UPDATE recon_matrix SET j = '{\"a\": {\"y\": 2, \"x\": 2}}' WHERE id = 2",
    ];
    load_mysql(&my, "recon_matrix_changed", &changes);
    let report = diff(&locations[0], &format!("{my}#recon_matrix_changed"), &[]);
    let one_each: serde_json::Map<String, serde_json::Value> =
        ["n", "d", "f", "b", "t", "day", "ts", "u", "j"].iter().map(|c| (c.to_string(), json!(1))).collect();
    assert_eq!(report["column_mismatches"], serde_json::Value::Object(one_each));
    assert_eq!(report["summary"]["mismatched"], 6);
}

#[test]
#[cfg_attr(not(recon_mysql), ignore = "needs MariaDB: set RECON_TEST_MYSQL_URL")]
fn a_mariadb_table_without_transactions_says_it_was_read_in_no_snapshot() {
    let my = server("RECON_TEST_MYSQL_URL");
    let _serial = serial();
    // The InnoDB side, read in the snapshot, has no `snapshot` field.
    myisam_and_innodb(&my, "recon");
    let report = diff(&format!("{my}#recon_myisam"), &format!("{my}#recon_innodb"), &[]);
    assert_eq!(report["summary"]["matched"], 2, "{report:#}");
    assert_eq!(report["source"]["snapshot"], "none", "{:#}", report["source"]);
    assert_eq!(report["target"].get("snapshot"), None, "{:#}", report["target"]);
    mysql(&my, ["DROP TABLE recon_myisam, recon_innodb"]);
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn recon_leaves_both_servers_untouched() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    load_postgres(&pg, "recon_untouched", &[]);
    load_mysql(&my, "recon_untouched", &[]);
    std::thread::sleep(std::time::Duration::from_millis(700)); // PostgreSQL publishes statistics every 500 ms
    let before = (pg_writes(&pg), mysql_writes(&my));
    // A repair script is written, never run: reading what it needs of the target writes nothing either.
    let dir = scratch();
    let script = dir.path().join("repair.sql");
    let repair = ["--repair-sql", path(&script)];
    let report = diff(&format!("{pg}#public.recon_untouched"), &format!("{my}#recon_untouched"), &repair);
    assert_eq!(report["verdict"]["pass"], true);
    assert!(std::fs::read_to_string(&script).unwrap().contains("-- Nothing to change."));
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert_eq!(pg_writes(&pg), before.0, "PostgreSQL write counters moved");
    assert_eq!(mysql_writes(&my), before.1, "MariaDB write counters moved");
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn passwords_never_appear_in_output() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = serial();
    let with_password = pg.replacen("postgres://postgres@", "postgres://postgres:Sup3rS3cret@", 1);
    let bad_password = "mysql://root:Sup3rS3cret@127.0.0.1:1/test#t";
    let run = recon(&[
        "diff",
        &format!("{with_password}#public.nope"),
        bad_password,
        "--key",
        "id",
        "--connect-timeout",
        "2",
    ]);
    assert_eq!(run.code, 2);
    assert!(!run.stderr.contains("Sup3rS3cret") && !run.stdout.contains("Sup3rS3cret"), "{}", run.stderr);
    assert!(run.stderr.contains("***"), "{}", run.stderr);
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn a_missing_table_and_an_unreachable_server_are_errors_naming_them() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = serial();
    let run =
        recon(&["diff", &format!("{pg}#public.no_such_table"), "fixtures/orders/legacy.parquet", "--key", "order_id"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no table no_such_table in schema public"), "{}", run.stderr);
    let run = recon(&[
        "diff",
        "postgres://postgres@127.0.0.1:1/test#t",
        "fixtures/orders/legacy.parquet",
        "--key",
        "order_id",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("127.0.0.1:1") && run.stderr.contains("cannot reach"), "{}", run.stderr);
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn findings_are_read_back_by_key_even_with_quotes_and_backslashes_in_it() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    let key = r"O'Brien\x";
    let rows = |v: i32| format!("('{}', {v}), ('plain', 2)", key.replace('\'', "''"));
    block_on(async {
        let mut c = sqlx::PgConnection::connect(&pg).await.unwrap();
        c.execute("DROP TABLE IF EXISTS recon_keys").await.unwrap();
        c.execute("CREATE TABLE recon_keys (k varchar(20) PRIMARY KEY, v int)").await.unwrap();
        c.execute(format!("INSERT INTO recon_keys VALUES {}", rows(5)).as_str()).await.unwrap();
        let mut c = sqlx::MySqlConnection::connect(&my).await.unwrap();
        c.execute("DROP TABLE IF EXISTS recon_keys").await.unwrap();
        c.execute("CREATE TABLE recon_keys (k varchar(20) PRIMARY KEY, v int)").await.unwrap();
        c.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')").await.unwrap();
        c.execute(format!("INSERT INTO recon_keys VALUES {}", rows(1)).as_str()).await.unwrap();
    });
    let (source, target) = (format!("{pg}#public.recon_keys"), format!("{my}#recon_keys"));
    let run = recon(&["diff", &source, &target, "--key", "k", "--format", "json", "-q"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["mismatched"], 1);
    assert_eq!(
        report["examples"]["mismatched"][0],
        json!({"key": {"k": key}, "columns": {"v": {"source": "5", "target": "1", "cause": "other"}}})
    );
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_postgres_domain_is_read_as_its_base_type() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    let rows = |paid_2: &str| {
        format!(
            "(1, 10.50, 10.50, 'A-1', 'a@x.org', '{{\"k\": 1, \"l\": [1, 2]}}'), \
         (2, 20.00, {paid_2}, 'B-22', 'b@x.org', '{{\"k\": 2}}'), (3, NULL, 0, NULL, NULL, NULL)"
        )
    };
    block_on(async {
        let mut c = sqlx::PgConnection::connect(&pg).await.unwrap();
        c.execute("DROP TABLE IF EXISTS recon_domains").await.unwrap();
        c.execute("DROP DOMAIN IF EXISTS recon_paid, recon_money, recon_id, recon_code, recon_email, recon_doc")
            .await
            .unwrap();
        for domain in [
            "CREATE DOMAIN recon_id AS bigint CHECK (VALUE > 0)",
            "CREATE DOMAIN recon_money AS numeric(12,2)",
            "CREATE DOMAIN recon_paid AS recon_money CHECK (VALUE >= 0)",
            "CREATE DOMAIN recon_code AS varchar(8)",
            "CREATE DOMAIN recon_email AS text CHECK (VALUE LIKE '%@%')",
            "CREATE DOMAIN recon_doc AS jsonb",
        ] {
            c.execute(domain).await.unwrap();
        }
        c.execute(
            "CREATE TABLE recon_domains (id recon_id PRIMARY KEY, amount recon_money, paid recon_paid, \
             code recon_code, email recon_email, doc recon_doc)",
        )
        .await
        .unwrap();
        c.execute(format!("INSERT INTO recon_domains VALUES {}", rows("20.00")).as_str()).await.unwrap();
        let mut c = sqlx::MySqlConnection::connect(&my).await.unwrap();
        c.execute("DROP TABLE IF EXISTS recon_domains").await.unwrap();
        c.execute(
            "CREATE TABLE recon_domains (id bigint PRIMARY KEY, amount decimal(12,2), paid decimal(12,2), \
             code varchar(8), email text, doc json)",
        )
        .await
        .unwrap();
        // The JSON is written with other spacing and key order: equal as JSON.
        let my_rows = rows("20.01").replace("{\"k\": 1, \"l\": [1, 2]}", "{\"l\":[1,2],\"k\":1}");
        c.execute(format!("INSERT INTO recon_domains VALUES {my_rows}").as_str()).await.unwrap();
    });
    let (source, target) = (format!("{pg}#public.recon_domains"), format!("{my}#recon_domains"));
    let run = recon(&["diff", &source, &target, "--key", "id", "--format", "json", "-q"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["schema"]["type_differences"], json!([]));
    assert_eq!(report["summary"]["matched"], 2);
    assert_eq!(
        report["examples"]["mismatched"],
        json!([{"key": {"id": 2}, "columns": {"paid": {"source": "20.00", "target": "20.01", "cause": "other"}}}])
    );
}

#[test]
#[cfg_attr(not(recon_mysql), ignore = "needs MariaDB or MySQL: set RECON_TEST_MYSQL_URL")]
fn a_mariadb_json_column_compares_as_json() {
    let my = server("RECON_TEST_MYSQL_URL");
    let _serial = serial();
    block_on(async {
        let mut c = sqlx::MySqlConnection::connect(&my).await.unwrap();
        c.execute("DROP TABLE IF EXISTS recon_json").await.unwrap();
        c.execute("CREATE TABLE recon_json (id int PRIMARY KEY, doc json, note longtext)").await.unwrap();
        c.execute(r#"INSERT INTO recon_json VALUES (1, '{"k": 1, "l": [1, 2]}', '{"a": 1}'), (2, '[]', 'x')"#)
            .await
            .unwrap();
    });
    // The export holds the same documents with other key order and spacing; `note` is plain text, so its
    // respaced document is a difference.
    let dir = scratch();
    let csv = dir.path().join("export.csv");
    std::fs::write(&csv, "id,doc,note\n1,\"{\"\"l\"\":[1,2],\"\"k\"\":1}\",\"{\"\"a\"\":1}\"\n2,[ ],x\n").unwrap();
    let source = format!("{my}#recon_json");
    let run = recon(&["diff", &source, path(&csv), "--key", "id", "--format", "json", "-q"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["matched"], 1);
    assert_eq!(report["column_mismatches"], json!({"doc": 0, "note": 1}));
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn postgres_is_read_over_tls_and_a_certificate_that_fails_verification_stops_recon() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = serial();
    let with = |param: &str| format!("{pg}{}{param}", if pg.contains('?') { '&' } else { '?' });
    // The server reports whether this very connection is encrypted.
    let query = "SELECT 1 AS id, CASE WHEN ssl THEN 'on' ELSE 'off' END AS tls FROM pg_stat_ssl \
                 WHERE pid = pg_backend_pid()";
    let dir = scratch();
    let expected = dir.path().join("tls.csv");
    std::fs::write(&expected, "id,tls\n1,on\n").unwrap();
    let diff = |url: &str| recon(&["diff", url, path(&expected), "--source-query", query, "--key", "id", "-q"]);

    let run = diff(&with("sslmode=require"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The test server's certificate is Debian's self-signed one: verifying it must fail, and say so.
    let run = diff(&with("sslmode=verify-full"));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.to_lowercase().contains("certificate"), "{}", run.stderr);
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_read_only_query_stands_for_a_table() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    load_postgres(&pg, "recon_queried", &[]);
    load_mysql(&my, "recon_queried", &[]);
    let query = "SELECT id, n, t, day FROM recon_queried WHERE id <= 4";
    let target = format!("{my}#recon_queried");
    let run = recon(&["diff", &pg, &target, "--source-query", query, "--key", "id", "--format", "json", "-q"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["compared_columns"], json!(["n", "t", "day"]));
    assert_eq!(report["summary"]["matched"], 4);
    assert_eq!(report["summary"]["extra_in_target"], 2);
}

/// `recon_sampled`: 2,000 rows keyed by (id, name), names in several scripts, two rows with a NULL name; the
/// changed copy (in MariaDB) has v + 1 in every 50th row. PostgreSQL, SQLite and Parquet hold the original.
fn sampled_rows(changed: bool) -> Vec<(i64, Option<String>, i64)> {
    (0..2000i64)
        .map(|id| {
            let name = match id % 4 {
                _ if id % 1000 == 7 => None,
                0 => Some(format!("plain {id}")),
                1 => Some(format!("näme {id}")),
                2 => Some(format!("名前{id}")),
                _ => Some(format!("O'Brien {id} 🎉")),
            };
            (id, name, if changed && id % 50 == 0 { id + 1 } else { id })
        })
        .collect()
}

fn load_sampled(pg: &str, my: &str, dir: &std::path::Path) -> String {
    let values = |changed: bool| {
        let rows: Vec<String> = sampled_rows(changed)
            .iter()
            .map(|(id, name, v)| format!("({id}, {}, {v})", literal(name.as_deref())))
            .collect();
        rows.join(", ")
    };
    block_on(async {
        let mut c = sqlx::PgConnection::connect(pg).await.unwrap();
        c.execute("DROP TABLE IF EXISTS recon_sampled").await.unwrap();
        c.execute("CREATE TABLE recon_sampled (id bigint, name varchar(40), v bigint)").await.unwrap();
        c.execute(format!("INSERT INTO recon_sampled VALUES {}", values(false)).as_str()).await.unwrap();
        let mut c = sqlx::MySqlConnection::connect(my).await.unwrap();
        c.execute("DROP TABLE IF EXISTS recon_sampled").await.unwrap();
        c.execute("CREATE TABLE recon_sampled (id bigint, name varchar(40), v bigint) DEFAULT CHARSET=utf8mb4")
            .await
            .unwrap();
        c.execute(format!("INSERT INTO recon_sampled VALUES {}", values(true)).as_str()).await.unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("sampled.db").display());
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        c.execute("CREATE TABLE recon_sampled (id INTEGER, name TEXT, v INTEGER)").await.unwrap();
        c.execute(format!("INSERT INTO recon_sampled VALUES {}", values(false)).as_str()).await.unwrap();
    });
    let rows = sampled_rows(false);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())),
        Arc::new(StringArray::from(rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>())),
        Arc::new(Int64Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
    ];
    let fields: Vec<Field> =
        ["id", "name", "v"].iter().zip(&columns).map(|(n, c)| Field::new(*n, c.data_type().clone(), true)).collect();
    let parquet = dir.join("sampled.parquet");
    write_parquet(&parquet, &RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap());
    path(&parquet).to_string()
}

/// The sample as specified: MD5 over `seed|id|name` (a NULL part left out); kept when its first 32 bits,
/// big-endian, lie below rate · 2^32.
fn in_sample(seed: u64, rate: f64, id: i64, name: Option<&str>) -> bool {
    use md5::Digest;
    let text = match name {
        Some(name) => format!("{seed}|{id}|{name}"),
        None => format!("{seed}|{id}"),
    };
    let digest = md5::Md5::digest(text.as_bytes());
    (u32::from_be_bytes(digest[..4].try_into().unwrap()) as f64) < rate * 4_294_967_296.0
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_sample_is_selected_inside_postgres_and_mysql_and_lines_up_with_a_file() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    let dir = scratch();
    let parquet = load_sampled(&pg, &my, dir.path());
    let (source, target) = (format!("{pg}#public.recon_sampled"), format!("{my}#recon_sampled"));
    let expected: Vec<(i64, Option<String>, i64)> =
        sampled_rows(true).into_iter().filter(|(id, name, _)| in_sample(5, 0.25, *id, name.as_deref())).collect();
    let changed = expected.iter().filter(|(id, _, _)| id % 50 == 0).count() as u64;
    let null_names = expected.iter().filter(|(_, name, _)| name.is_none()).count() as u64;
    let sampled = |source: &str, more: &[&str]| {
        let mut args = vec!["diff", source, &target, "--key", "id,name", "--sample", "25%", "--seed", "5"];
        args.extend(more);
        args.extend(["--format", "json", "-q"]);
        let run = recon(&args);
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.json()
    };

    // Both databases select the sample themselves: only the sampled rows are read, and they line up.
    let report = sampled(&source, &[]);
    let s = &report["sample"];
    assert_eq!(s["pushed_down"], true, "{s:#}");
    assert!(s["pushed_down_note"].as_str().unwrap().contains("the target (mysql) selected"), "{s:#}");
    assert_eq!(s["rows_sampled_source"], expected.len() as u64);
    assert_eq!(s["rows_sampled_target"], expected.len() as u64);
    assert_eq!(report["stats"]["source"]["rows"], expected.len() as u64, "PostgreSQL sent only sampled rows");
    assert_eq!(report["stats"]["target"]["rows"], expected.len() as u64, "MariaDB sent only sampled rows");
    assert_eq!(report["summary"]["missing_in_target"], 0);
    assert_eq!(report["summary"]["extra_in_target"], 0);
    assert_eq!(report["summary"]["mismatched"], changed);
    assert_eq!(report["summary"]["null_keys_source"], null_names);
    assert!(changed > 0 && expected.len() > 400 && expected.len() < 600, "{} {changed}", expected.len());
    // A count is a share of the source's rows, which the database counts: 500 of 2,000 is the same 25%.
    let args =
        ["diff", &source, &target, "--key", "id,name", "--sample", "500", "--seed", "5", "--format", "json", "-q"];
    let counted = recon(&args).json();
    assert_eq!(counted["sample"]["requested_rate"], 0.25);
    assert_eq!(counted["summary"], report["summary"]);
    // In 1 KiB the mismatched rows are not read back; a second read of each snapshot counts their columns.
    let tight = sampled(&source, &["--memory-limit", "1KB"]);
    assert_eq!(tight["summary"], report["summary"]);
    assert_eq!(tight["column_mismatches"]["v"], changed);
    assert!(tight["stats"]["seconds"]["compare_steps"]["columns"].as_f64().unwrap() > 0.0);

    // A file cannot select: recon reads all of it and draws the same keys itself.
    let report = sampled(&parquet, &[]);
    let s = &report["sample"];
    assert!(s["pushed_down_note"].as_str().unwrap().contains("every row of the source (parquet)"), "{s:#}");
    assert_eq!(report["stats"]["source"]["rows"], 2000);
    assert_eq!(s["rows_sampled_source"], expected.len() as u64);
    assert_eq!(report["summary"]["mismatched"], changed);
    assert_eq!(report["summary"]["missing_in_target"], 0);

    // SQLite has no MD5: recon reads it all and draws the same keys, while MariaDB still selects its own.
    let lite = format!("sqlite://{}#recon_sampled", dir.path().join("sampled.db").display());
    let report = sampled(&lite, &[]);
    let note = report["sample"]["pushed_down_note"].as_str().unwrap();
    assert!(
        note.contains("every row of the source (sqlite)") && note.contains("the target (mysql) selected"),
        "{note}"
    );
    assert_eq!(report["stats"]["source"]["rows"], 2000);
    assert_eq!(report["sample"]["rows_sampled_source"], expected.len() as u64);
    assert_eq!(report["summary"]["mismatched"], changed);
    assert_eq!(report["summary"]["extra_in_target"], 0);

    // Keys compared after trimming are not what the database hashes: nothing is pushed down, and it says so.
    let report = sampled(&source, &["--trim"]);
    assert_eq!(report["sample"]["pushed_down"], false);
    assert!(report["sample"]["pushed_down_note"].as_str().unwrap().contains("key column name"), "{report:#}");
    assert_eq!(report["stats"]["source"]["rows"], 2000);
}

/// `recon_by_key`: 20,000 rows without any index, each key (k text, n int) held by two rows (the target of a
/// migration that duplicated keys, so no unique index either); key n = 7 is `O'Brien\x`.
fn by_key_text(n: i64) -> String {
    if n == 7 {
        r"O'Brien\x".to_string()
    } else {
        format!("k{}", n % 1000)
    }
}

/// The keys asked for: every fifth key, and 50 that no row holds.
fn wanted_keys() -> Vec<(String, i64)> {
    let present = (0..10_000).step_by(5).map(|n| (by_key_text(n), n));
    present.chain((0..50).map(|j| (format!("absent {j}"), 100_000 + j))).collect()
}

/// The rows recon reads for `wanted_keys` through the statements it builds, and those statements.
fn read_by_key(location: &str) -> (Vec<(String, i64, i64)>, Vec<String>) {
    use arrow::array::{Array, AsArray};
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let location = recon::location::Location::parse(location).unwrap();
    let dataset = recon::source::Dataset::open(&location, &Default::default(), runtime.handle()).unwrap();
    let wanted = wanted_keys();
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(wanted.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>())),
        Arc::new(Int64Array::from(wanted.iter().map(|(_, n)| *n).collect::<Vec<_>>())),
    ];
    let keys: Vec<(&[ArrayRef], usize)> = (0..wanted.len()).map(|row| (&arrays[..], row)).collect();
    let names = ["k".to_string(), "n".to_string()];
    let statements = dataset.read_keys_sql(&[0, 1, 2], &names, &keys).unwrap().expect("keys have literals");
    let mut rows = Vec::new();
    for unit in dataset.read_keys(&[0, 1, 2], &names, &keys).unwrap().expect("keys have literals") {
        for batch in unit.open().unwrap() {
            let batch = batch.unwrap();
            let int = |c: usize, r: usize| {
                arrow::compute::cast(batch.column(c), &arrow::datatypes::DataType::Int64)
                    .unwrap()
                    .as_primitive::<arrow::datatypes::Int64Type>()
                    .value(r)
            };
            for r in 0..batch.num_rows() {
                assert!(batch.column(0).is_valid(r));
                rows.push((batch.column(0).as_string::<i32>().value(r).to_string(), int(1, r), int(2, r)));
            }
        }
    }
    rows.sort();
    (rows, statements)
}

fn expected_by_key() -> Vec<(String, i64, i64)> {
    let mut rows: Vec<(String, i64, i64)> =
        (0..10_000).step_by(5).flat_map(|n| [(by_key_text(n), n, n), (by_key_text(n), n, -n)]).collect();
    rows.sort();
    rows
}

/// Findings are read back by key as a hash semi-join, one statement for thousands of keys, whatever the
/// indexes: the plan each server makes of the very statement recon runs has the keys hashed (PostgreSQL) or
/// materialized with a unique key (MariaDB), never a filter testing the whole list against every row — the
/// same kind of check as DataFusion's tests that an anti-join stays a hash join.
#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn rows_are_read_by_key_as_a_hash_semi_join_without_any_index() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    let create = "CREATE TABLE recon_by_key (k varchar(40), n int, v bigint)";
    block_on(async {
        let mut c = sqlx::PgConnection::connect(&pg).await.unwrap();
        c.execute("DROP TABLE IF EXISTS recon_by_key").await.unwrap();
        c.execute(create).await.unwrap();
        let k = r"CASE WHEN g = 7 THEN 'O''Brien\x' ELSE 'k' || (g % 1000) END";
        let insert = format!("INSERT INTO recon_by_key SELECT {k}, g, g FROM generate_series(0, 9999) g");
        c.execute(insert.as_str()).await.unwrap();
        c.execute(insert.replace(", g, g FROM", ", g, -g FROM").as_str()).await.unwrap();
        c.execute("ANALYZE recon_by_key").await.unwrap();
        let mut m = sqlx::MySqlConnection::connect(&my).await.unwrap();
        m.execute("DROP TABLE IF EXISTS recon_by_key").await.unwrap();
        m.execute(format!("{create} DEFAULT CHARSET=utf8mb4").as_str()).await.unwrap();
        let k = r"CASE WHEN seq = 7 THEN 'O''Brien\\x' ELSE CONCAT('k', seq % 1000) END";
        let insert = format!("INSERT INTO recon_by_key SELECT {k}, seq, seq FROM seq_0_to_9999");
        m.execute(insert.as_str()).await.unwrap();
        m.execute(insert.replace(", seq, seq FROM", ", seq, -seq FROM").as_str()).await.unwrap();
        m.execute("ANALYZE TABLE recon_by_key").await.unwrap();
    });
    let lite = scratch();
    let lite_file = lite.path().join("keys.db");
    block_on(async {
        let url = format!("sqlite://{}?mode=rwc", lite_file.display());
        let mut s = sqlx::SqliteConnection::connect(&url).await.unwrap();
        s.execute("CREATE TABLE recon_by_key (k TEXT, n INTEGER, v INTEGER)").await.unwrap();
        let values: Vec<String> = (0..10_000)
            .flat_map(|n| {
                [
                    format!("('{}', {n}, {n})", by_key_text(n).replace('\'', "''")),
                    format!("('{}', {n}, {})", by_key_text(n).replace('\'', "''"), -n),
                ]
            })
            .collect();
        s.execute(format!("INSERT INTO recon_by_key VALUES {}", values.join(", ")).as_str()).await.unwrap();
    });
    let expected = expected_by_key();
    assert_eq!(expected.len(), 4_000);

    let (rows, statements) = read_by_key(&format!("{pg}#public.recon_by_key"));
    assert_eq!(statements.len(), 1, "2,050 keys are one statement");
    assert_eq!(rows, expected, "PostgreSQL read exactly the wanted rows");
    let plan: Vec<String> = block_on(async {
        let mut c = sqlx::PgConnection::connect(&pg).await.unwrap();
        sqlx::query_scalar(&format!("EXPLAIN {}", statements[0])).fetch_all(&mut c).await.unwrap()
    });
    let plan = plan.join("\n");
    assert!(plan.contains("Hash Semi Join") || plan.contains("Hash Join"), "{plan}");
    assert!(plan.contains("Values Scan"), "{plan}");
    assert!(!plan.contains("ANY") && !plan.contains("SubPlan") && !plan.contains("Nested Loop"), "{plan}");
    assert_eq!(plan.matches("Seq Scan on recon_by_key").count(), 1, "one pass over the table: {plan}");

    let (rows, statements) = read_by_key(&format!("{my}#recon_by_key"));
    assert_eq!(statements.len(), 1);
    assert_eq!(rows, expected, "MariaDB read exactly the wanted rows");
    let plan = block_on(async {
        let mut m = sqlx::MySqlConnection::connect(&my).await.unwrap();
        sqlx::raw_sql(&format!("EXPLAIN {}", statements[0])).fetch_all(&mut m).await.unwrap()
    });
    let plan: Vec<[String; 4]> = plan
        .iter()
        .map(|row| {
            use sqlx::Row;
            let text = |name: &str| row.try_get::<Option<String>, _>(name).unwrap().unwrap_or_default();
            [text("select_type"), text("table"), text("type"), text("key")]
        })
        .collect();
    let table_scans = plan.iter().filter(|r| r[1] == "recon_by_key").count();
    assert_eq!(table_scans, 1, "one pass over the table: {plan:?}");
    assert!(plan.iter().any(|r| r[0] == "MATERIALIZED"), "the keys are materialized: {plan:?}");
    assert!(
        plan.iter().any(|r| r[1].starts_with("<subquery") && r[2] == "eq_ref" && r[3] == "distinct_key"),
        "each row looks its key up in the materialized keys' unique index: {plan:?}"
    );

    let (rows, statements) = read_by_key(&format!("sqlite://{}#recon_by_key", lite_file.display()));
    assert_eq!(statements.len(), 1);
    assert_eq!(rows, expected, "SQLite read exactly the wanted rows");
}
