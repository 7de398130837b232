//! Every column type a migration meets (issue 16), on the real servers: a type matrix written to PostgreSQL,
//! migrated to MariaDB the way a migration tool does (each value read back as text and inserted), reconciles
//! to zero where the stored values are equal, reports the values MariaDB changed on insert, and finds one
//! perturbation per type in exactly its column; SQLite's date and time storage forms and CHAR padding
//! reconcile with PostgreSQL and Parquet; each type recon cannot read stops it only when compared, by name,
//! with a workaround that works.
//!
//! Gated by RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL like `databases.rs` (failing under CI=true
//! when unset), and serialized with its tests.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{Field, Schema};
use serde_json::json;
use sqlx::{Connection, Executor, Row};

use recon::source::catalog::Catalog;
use recon::source::DbOptions;

use crate::util::db::{block_on, serial, server};
use crate::util::files::write_parquet;
use crate::util::{path, recon, scratch};

/// How a value read back from PostgreSQL as text is written into MariaDB.
#[derive(Clone, Copy)]
enum Literal {
    Text,
    /// Hex digits of bytes: `X'…'`.
    Hex,
    /// A bit string: `b'…'`.
    Bits,
}

/// One matrix column: its name, PostgreSQL type, MariaDB type, the PostgreSQL expression that reads it for
/// the migration, and how that text goes into MariaDB.
struct Column {
    name: &'static str,
    pg: &'static str,
    my: &'static str,
    read: &'static str,
    literal: Literal,
    /// A MariaDB value that differs from row 1's.
    changed: &'static str,
}

const fn col(
    name: &'static str,
    pg: &'static str,
    my: &'static str,
    read: &'static str,
    literal: Literal,
    changed: &'static str,
) -> Column {
    Column { name, pg, my, read, literal, changed }
}

const COLUMNS: &[Column] = &[
    col("f4", "real", "float", "f4::float8::text", Literal::Text, "0.2"),
    col("f8", "double precision", "double", "f8::text", Literal::Text, "0.2"),
    col("d65", "numeric(65,10)", "decimal(65,10)", "d65::text", Literal::Text, "1.5"),
    col("dn", "numeric", "decimal(30,10)", "dn::text", Literal::Text, "1.6"),
    col("mon", "money", "decimal(19,2)", "mon::numeric::text", Literal::Text, "99.99"),
    col("u", "uuid", "uuid", "u::text", Literal::Text, "'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"),
    col(
        "ip",
        "inet",
        "inet6",
        "CASE WHEN family(ip) = 4 THEN '::ffff:' || host(ip) ELSE host(ip) END",
        Literal::Text,
        "'::ffff:1.2.3.5'",
    ),
    col("ip4", "inet", "inet4", "host(ip4)", Literal::Text, "'10.1.2.4'"),
    col("mac", "macaddr", "char(17)", "mac::text", Literal::Text, "'08:00:2b:01:02:04'"),
    col("bits", "bit(5)", "bit(5)", "bits::text", Literal::Bits, "b'01011'"),
    col("flag", "bit(1)", "bit(1)", "flag::text", Literal::Bits, "b'0'"),
    col("ch", "char(10)", "char(10)", "ch::text", Literal::Text, "'ac'"),
    col("ts", "timestamp(6)", "datetime(3)", "ts::text", Literal::Text, "'2024-02-29 23:59:59.998'"),
    col(
        "tz",
        "timestamptz",
        "timestamp(0) NULL DEFAULT NULL",
        "(tz AT TIME ZONE 'UTC')::text",
        Literal::Text,
        "'2024-02-29 23:59:58'",
    ),
    col("tm", "time", "time(6)", "tm::text", Literal::Text, "'23:59:59.999998'"),
    col("yr", "smallint", "year", "yr::text", Literal::Text, "2023"),
    col("iv", "interval", "varchar(60)", "iv::text", Literal::Text, "'1 year 2 mons 3 days 04:05:07.5'"),
    col("ttz", "timetz", "time(6)", "(ttz AT TIME ZONE 'UTC')::time::text", Literal::Text, "'10:00:01'"),
    col("x", "xml", "longtext", "x::text", Literal::Text, "'<a>2</a>'"),
    col("ci", "citext", "varchar(40)", "ci::text", Literal::Text, "'mixed'"),
    col("by", "bytea", "varbinary(40)", "encode(by, 'hex')", Literal::Hex, "X'00ff01'"),
    col("bt", "text", "varbinary(40)", "encode(convert_to(bt, 'UTF8'), 'hex')", Literal::Hex, "X'68c3a96c6c70'"),
    col("tsx", "text", "datetime(6)", "tsx", Literal::Text, "'2024-01-15 05:02:03.147406'"),
    col("nx", "text", "decimal(20,5)", "nx", Literal::Text, "1.6"),
];

/// PostgreSQL rows, in COLUMNS order after the id. Row 4's `nx` has more places than MariaDB's
/// decimal(20,5) keeps: MariaDB rounds it on insert, and that is a difference.
const ROWS: &[&str] = &[
    "1, 0.1, 0.30000000000000004, 1234567890123456789012345678901234567890123456789012345.0123456789, 1.5, 12.34, \
     'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '1.2.3.4', '10.1.2.3', '08:00:2b:01:02:03', B'01010', B'1', 'ab', \
     '2024-02-29 23:59:59.999999', '2024-02-29 23:59:59.999999+00', '23:59:59.999999', 2024, \
     '1 year 2 mons 3 days 04:05:06.5', '12:00:00+02', '<a>1</a>', 'MiXeD', '\\x00ff00', 'héllo', \
     '2024-01-15 05:02:03.147405', '1.5'",
    "2, 3.4028235e38, 1.7976931348623157e308, \
     -9999999999999999999999999999999999999999999999999999999.9999999999, 0, -0.01, NULL, '2001:db8::1', \
     '0.0.0.0', '08-00-2B-01-02-FF', B'00000', B'0', 'x         ', '1970-01-01 00:00:00', \
     '1970-01-01 00:00:01+00', '00:00:00', 1901, '-1 days +02:00:00', '23:30:00-05', NULL, '', '\\x', '', \
     '2000-01-01 00:00:00', '-0.00001'",
    "3, 1e-45, 5e-324, 0, -123456789.123456789, 0, '00000000-0000-0000-0000-000000000000', '::', \
     '255.255.255.255', '00:00:00:00:00:00', NULL, NULL, NULL, '1999-12-31 23:59:59.0005', \
     '2038-01-19 03:14:07.5+00', '12:34:56.5', 2155, '00:00:00', NULL, '<b/>', NULL, NULL, NULL, NULL, '100'",
    "4, 1e-40, -0.0, 0.0000000001, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '1.234567'",
    "5, 16777217, 2.5e-308, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL",
];

/// Each column changed in its own copy of row 1, keyed 100 + its index.
fn perturbed_id(index: usize) -> i64 {
    100 + index as i64
}

/// Creates `recon_types` in PostgreSQL (rows, plus one copy of row 1 per column) and migrates it to MariaDB
/// as a migration tool would: every value read back from PostgreSQL as text and inserted as a literal.
pub(crate) fn load_matrix(pg: &str, my: &str) {
    let pg_columns: Vec<String> = COLUMNS.iter().map(|c| format!("{} {}", c.name, c.pg)).collect();
    let my_columns: Vec<String> = COLUMNS.iter().map(|c| format!("`{}` {}", c.name, c.my)).collect();
    block_on(async {
        let mut c = sqlx::PgConnection::connect(pg).await.unwrap();
        c.execute("CREATE EXTENSION IF NOT EXISTS citext").await.unwrap();
        c.execute("DROP TABLE IF EXISTS recon_types").await.unwrap();
        c.execute(format!("CREATE TABLE recon_types (id bigint PRIMARY KEY, {})", pg_columns.join(", ")).as_str())
            .await
            .unwrap();
        c.execute("SET lc_monetary = 'C'").await.unwrap();
        let rows: Vec<String> = ROWS.iter().map(|r| format!("({r})")).collect();
        c.execute(format!("INSERT INTO recon_types VALUES {}", rows.join(", ")).as_str()).await.unwrap();
        let copies: Vec<String> = (0..COLUMNS.len()).map(|i| perturbed_id(i).to_string()).collect();
        let names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
        c.execute(
            format!(
                "INSERT INTO recon_types SELECT copy, {} FROM recon_types, unnest(ARRAY[{}]::bigint[]) copy WHERE id = 1",
                names.join(", "),
                copies.join(", ")
            )
            .as_str(),
        )
        .await
        .unwrap();

        let reads: Vec<String> = COLUMNS.iter().map(|c| format!("({})::text", c.read)).collect();
        let select = format!("SELECT id, {} FROM recon_types ORDER BY id", reads.join(", "));
        let read = sqlx::query(&select).fetch_all(&mut c).await.unwrap();
        let mut m = sqlx::MySqlConnection::connect(my).await.unwrap();
        m.execute("DROP TABLE IF EXISTS recon_types").await.unwrap();
        m.execute(
            format!(
                "CREATE TABLE recon_types (id bigint PRIMARY KEY, {}) DEFAULT CHARSET=utf8mb4",
                my_columns.join(", ")
            )
            .as_str(),
        )
        .await
        .unwrap();
        let mut values = Vec::new();
        for row in &read {
            let id: i64 = row.try_get(0).unwrap();
            let mut literals = vec![id.to_string()];
            for (i, column) in COLUMNS.iter().enumerate() {
                let text: Option<String> = row.try_get(i + 1).unwrap();
                literals.push(match (text, column.literal) {
                    (None, _) => "NULL".to_string(),
                    (Some(t), Literal::Text) => format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''")),
                    (Some(t), Literal::Hex) => format!("X'{t}'"),
                    (Some(t), Literal::Bits) => format!("b'{t}'"),
                });
            }
            values.push(format!("({})", literals.join(", ")));
        }
        m.execute(format!("INSERT INTO recon_types VALUES {}", values.join(", ")).as_str()).await.unwrap();
        for (i, column) in COLUMNS.iter().enumerate() {
            let update =
                format!("UPDATE recon_types SET `{}` = {} WHERE id = {}", column.name, column.changed, perturbed_id(i));
            m.execute(update.as_str()).await.unwrap();
        }
    });
}

fn diff(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["diff"];
    all.extend(args);
    all.extend(["--format", "json", "-q", "--max-examples", "100"]);
    let run = recon(&all);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    run.json()
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_type_matrix_migrated_from_postgres_to_mariadb_reconciles_and_each_change_lands_in_its_column() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    load_matrix(&pg, &my);
    // An audit's catalog types every column as the table alone does.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for collection in [format!("{pg}#public"), my.clone()] {
        let mut catalog = Catalog::open(
            &recon::location::Location::parse(&collection).unwrap(),
            &DbOptions::default(),
            &[],
            runtime.handle(),
        )
        .unwrap();
        catalog.tables.retain(|t| t.name == "recon_types");
        assert!(catalog.tables[0].columns.is_some(), "{collection}");
        crate::catalog::columns_read_alike(&catalog, runtime.handle());
    }
    let (source, target) = (format!("{pg}#public.recon_types"), format!("{my}#recon_types"));
    let report = diff(&[&source, &target, "--key", "id"]);

    // Rows 1-5 are equal but for row 4's nx, which MariaDB rounded to its scale on insert.
    let mut expected: serde_json::Map<String, serde_json::Value> =
        COLUMNS.iter().map(|c| (c.name.to_string(), json!(1))).collect();
    expected.insert("nx".into(), json!(2));
    assert_eq!(report["column_mismatches"], serde_json::Value::Object(expected), "{:#}", report["examples"]);
    assert_eq!(report["summary"]["matched"], 4);
    assert_eq!(report["summary"]["mismatched"], COLUMNS.len() as u64 + 1);
    let examples = report["examples"]["mismatched"].as_array().unwrap();
    for example in examples {
        let id = example["key"]["id"].as_i64().unwrap();
        let columns: Vec<&String> = example["columns"].as_object().unwrap().keys().collect();
        let expected = if id == 4 { "nx" } else { COLUMNS[(id - 100) as usize].name };
        assert_eq!(columns, [expected], "row {id}: {example:#}");
    }
    let rounded = examples.iter().find(|e| e["key"]["id"] == 4).unwrap();
    assert_eq!(rounded["columns"]["nx"], json!({"source": "1.234567", "target": "1.23457", "cause": "rounding"}));

    // Declared precision: compared at the coarser side's, flagged lossy; text against typed is listed too.
    let differences = report["schema"]["type_differences"].as_array().unwrap();
    let find = |name: &str| differences.iter().find(|d| d["column"] == name).cloned();
    assert_eq!(find("ts").unwrap()["lossy"], true, "{differences:#?}");
    assert_eq!(find("ts").unwrap()["target_type"], "datetime(3)");
    assert_eq!(find("tz").unwrap()["lossy"], true);
    assert_eq!(find("tsx").unwrap()["source_type"], "text");
    assert_eq!(find("nx").unwrap()["target_type"], "decimal(20,5)");
    assert!(find("f4").is_none() && find("u").is_none(), "{differences:#?}");

    // A text value that is no timestamp differs from every timestamp, and says so.
    block_on(async {
        let mut c = sqlx::PgConnection::connect(&pg).await.unwrap();
        c.execute("UPDATE recon_types SET tsx = 'not a time' WHERE id = 1").await.unwrap();
    });
    let report = diff(&[&source, &target, "--key", "id", "--columns", "tsx"]);
    assert_eq!(report["column_mismatches"]["tsx"], 2);
    let row1 = report["examples"]["mismatched"].as_array().unwrap().iter().find(|e| e["key"]["id"] == 1).cloned();
    assert_eq!(
        row1.unwrap()["columns"]["tsx"],
        json!({"source": "unparseable: not a time", "target": "2024-01-15T05:02:03.147405Z", "cause": "unparseable"})
    );
}

/// SQLite keeps a timestamp as ISO 8601 text (with or without offset), a Julian day number or Unix time;
/// each compares as the instant it is. CHAR(n) blanks do not count, against PostgreSQL or Parquet.
#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn sqlite_dates_in_every_storage_form_and_char_padding_reconcile_with_postgres_and_parquet() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = serial();
    let dir = scratch();
    let lite = dir.path().join("dates.db");
    // 2004-01-15 05:02:03.147 UTC is Julian day 2453019.7097586... and Unix time 1074142923.147.
    let julian = 2_440_587.5 + 1_074_142_923.147 / 86_400.0;
    block_on(async {
        let mut c = sqlx::PgConnection::connect(&pg).await.unwrap();
        c.execute("DROP TABLE IF EXISTS recon_dates").await.unwrap();
        c.execute(
            "CREATE TABLE recon_dates (id int PRIMARY KEY, at timestamptz, local timestamp, day date, c char(5))",
        )
        .await
        .unwrap();
        c.execute(
            "INSERT INTO recon_dates VALUES \
             (1, '2004-01-15 05:02:03.147405+00', '2004-01-15 05:02:03.147405', '2004-01-15', 'ab'), \
             (2, '2004-01-15 05:02:03.147405+00', '2004-01-15 05:02:03.147405', '2004-01-15', 'ab'), \
             (3, '2004-01-15 05:02:03.147+00', '2004-01-15 05:02:03.147', '2004-01-15', ' a'), \
             (4, '2004-01-15 05:02:03+00', '2004-01-15 05:02:03', '2004-01-15', NULL)",
        )
        .await
        .unwrap();
        let url = format!("sqlite://{}?mode=rwc", lite.display());
        let mut s = sqlx::SqliteConnection::connect(&url).await.unwrap();
        s.execute("CREATE TABLE recon_dates (id INTEGER, at TIMESTAMPTZ, local DATETIME, day DATE, c CHAR(5))")
            .await
            .unwrap();
        s.execute(
            format!(
                "INSERT INTO recon_dates VALUES \
                 (1, '2004-01-15 05:02:03.147405+00:00', '2004-01-15 05:02:03.147405', '2004-01-15', 'ab   '), \
                 (2, '2004-01-15T07:02:03.147405+02:00', '2004-01-15T05:02:03.147405', '2004-01-15', 'ab'), \
                 (3, {julian:?}, {julian:?}, {julian:?}, ' a   '), \
                 (4, 1074142923, 1074142923, 1074142923, NULL)"
            )
            .as_str(),
        )
        .await
        .unwrap();
    });
    let source = format!("{pg}#public.recon_dates");
    let report = diff(&[&source, &format!("sqlite://{}#recon_dates", lite.display()), "--key", "id"]);
    assert_eq!(report["summary"]["matched"], 4, "{:#}", report["examples"]);
    assert_eq!(report["verdict"]["pass"], true);

    let parquet = dir.path().join("chars.parquet");
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(vec![1, 2, 3, 4])),
        Arc::new(StringArray::from(vec![Some("ab"), Some("ab"), Some(" a"), None])),
    ];
    let fields = vec![
        Field::new("id", columns[0].data_type().clone(), false),
        Field::new("c", columns[1].data_type().clone(), true),
    ];
    write_parquet(&parquet, &RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap());
    let report = diff(&[&source, path(&parquet), "--key", "id"]);
    assert_eq!(report["summary"]["matched"], 4, "char(5) against plain strings: {:#}", report["examples"]);
}

/// data-diff's type matrix (PostgreSQL → MySQL slice): a `char(100)` UUID column loaded, blanks and all, into
/// MariaDB `varchar(100)` and `varbinary(100)`. PostgreSQL pads `char(100)`; the target keeps the 64 blanks.
/// Trailing blanks do not count on either side of a pair where one side is `CHAR(n)`, and the report says so;
/// a changed digit, a blank at the start or a character after the padding still differ.
#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_postgres_char_uuid_loaded_with_its_padding_into_mariadb_varchar_and_varbinary_reconciles() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    block_on(async {
        let mut c = sqlx::PgConnection::connect(&pg).await.unwrap();
        c.execute("DROP TABLE IF EXISTS recon_char_uuid").await.unwrap();
        c.execute("CREATE TABLE recon_char_uuid (id int PRIMARY KEY, u char(100))").await.unwrap();
        c.execute("INSERT INTO recon_char_uuid SELECT i, md5(i::text)::uuid::text FROM generate_series(1, 50) i")
            .await
            .unwrap();
        let rows = sqlx::query("SELECT id, u FROM recon_char_uuid ORDER BY id").fetch_all(&mut c).await.unwrap();
        let mut m = sqlx::MySqlConnection::connect(&my).await.unwrap();
        m.execute("DROP TABLE IF EXISTS recon_char_uuid").await.unwrap();
        m.execute("CREATE TABLE recon_char_uuid (id int PRIMARY KEY, u varchar(100), b varbinary(100))").await.unwrap();
        for row in rows {
            let (id, u): (i32, String) = (row.try_get(0).unwrap(), row.try_get(1).unwrap());
            assert_eq!(u.len(), 100, "PostgreSQL hands char(100) over padded");
            let insert =
                sqlx::query("INSERT INTO recon_char_uuid VALUES (?, ?, ?)").bind(id).bind(&u).bind(u.as_bytes());
            insert.execute(&mut m).await.unwrap();
        }
    });
    let (source, target) = (format!("{pg}#public.recon_char_uuid"), format!("{my}#recon_char_uuid"));
    let rules = json!([{"column": "u", "rule": "char_padding"}]);
    for columns in [vec![], vec!["--map", "u=b"]] {
        let report = diff(&[&[source.as_str(), target.as_str(), "--key", "id"], &columns[..]].concat());
        assert_eq!(report["summary"]["matched"], 50, "{columns:?}: {:#}", report["examples"]);
        assert_eq!(report["policy"]["column_rules"], rules);
    }
    block_on(async {
        let mut m = sqlx::MySqlConnection::connect(&my).await.unwrap();
        m.execute("UPDATE recon_char_uuid SET u = CONCAT('0', SUBSTRING(u, 2)) WHERE id = 7").await.unwrap();
        m.execute("UPDATE recon_char_uuid SET u = CONCAT(' ', SUBSTRING(u, 1, 99)) WHERE id = 11").await.unwrap();
        m.execute("UPDATE recon_char_uuid SET b = CONCAT(SUBSTRING(b, 1, 99), 'x') WHERE id = 9").await.unwrap();
    });
    let report = diff(&[&source, &target, "--key", "id"]);
    assert_eq!(report["summary"]["mismatched"], 2, "{:#}", report["examples"]);
    let keys: Vec<&serde_json::Value> =
        report["examples"]["mismatched"].as_array().unwrap().iter().map(|e| &e["key"]["id"]).collect();
    assert_eq!(keys, [7, 11]);
    let report = diff(&[&source, &target, "--key", "id", "--map", "u=b"]);
    assert_eq!(report["summary"]["mismatched"], 1, "{:#}", report["examples"]);
    assert_eq!(report["examples"]["mismatched"][0]["key"]["id"], 9);
    assert_eq!(report["examples"]["mismatched"][0]["columns"]["u"]["cause"], "truncation");
}

/// Each type recon cannot read stops the comparison only when that column is compared: exit 2 naming the
/// column and its type, with workarounds that are then run and work.
#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn unreadable_types_are_refused_by_name_only_when_compared_and_the_workarounds_work() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    block_on(async {
        let mut c = sqlx::PgConnection::connect(&pg).await.unwrap();
        c.execute("DROP TABLE IF EXISTS recon_refused").await.unwrap();
        c.execute("CREATE TABLE recon_refused (id int PRIMARY KEY, tags int[], span int4range, pt point, note text)")
            .await
            .unwrap();
        c.execute(
            "INSERT INTO recon_refused VALUES (1, '{1,2,3}', '[1,5)', '(1,2)', 'a'), (2, NULL, 'empty', NULL, 'b')",
        )
        .await
        .unwrap();
        let mut m = sqlx::MySqlConnection::connect(&my).await.unwrap();
        m.execute("DROP TABLE IF EXISTS recon_refused").await.unwrap();
        m.execute("CREATE TABLE recon_refused (id int PRIMARY KEY, tags text, span text, pt point, note text)")
            .await
            .unwrap();
        m.execute(
            "INSERT INTO recon_refused VALUES (1, '{1,2,3}', '[1,5)', ST_GeomFromText('POINT(1 2)'), 'a'), \
             (2, NULL, 'empty', NULL, 'b')",
        )
        .await
        .unwrap();
    });
    let (source, target) = (format!("{pg}#public.recon_refused"), format!("{my}#recon_refused"));
    let refused = |args: &[&str], needles: &[&str]| {
        let mut all = vec!["diff", &source, &target, "--key", "id"];
        all.extend(args);
        let run = recon(&all);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        for needle in needles {
            assert!(run.stderr.contains(needle), "{needle:?} not in {}", run.stderr);
        }
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    };
    // An array is read, as a list, but a list compares only with a list: against text it is refused by name.
    refused(&["--columns", "tags"], &["column tags", "integer[]", "nested value", "--exclude tags"]);
    refused(&["--columns", "span"], &["column span", "int4range", "--exclude span", "--source-query"]);
    refused(&["--columns", "pt"], &["column pt", "PostgreSQL type point", "--exclude pt"]);
    // The first column refused is named: the source's order.
    refused(&[], &["column tags"]);

    // Left out, the columns are never read: the rest compares.
    let report = diff(&[&source, &target, "--key", "id", "--exclude", "tags,span,pt"]);
    assert_eq!(report["summary"]["matched"], 2);
    assert_eq!(report["compared_columns"], json!(["note"]));
    // Read as text in a query, they compare as text.
    let query = "SELECT id, tags::text AS tags, span::text AS span, note FROM recon_refused";
    let report = diff(&[&pg, &target, "--source-query", query, "--key", "id"]);
    assert_eq!(report["compared_columns"], json!(["tags", "span", "note"]));
    assert_eq!(report["summary"]["matched"], 2, "{:#}", report["examples"]);

    // MariaDB's spatial types: refused as such, and ST_AsText reads them.
    let run = recon(&["diff", &target, &source, "--key", "id", "--columns", "pt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("point (spatial)") && run.stderr.contains("ST_AsText(`pt`)"), "{}", run.stderr);
    let dir = scratch();
    let wkt = dir.path().join("points.csv");
    std::fs::write(&wkt, "id,pt\n1,POINT(1 2)\n2,\n").unwrap();
    let report =
        diff(&[&my, path(&wkt), "--source-query", "SELECT id, ST_AsText(pt) AS pt FROM recon_refused", "--key", "id"]);
    assert_eq!(report["summary"]["matched"], 2, "{:#}", report["examples"]);
}

/// A file's column left out is not type-checked either: a CSV value that does not fit its column's inferred
/// type stops recon only when that column is compared.
#[test]
fn an_excluded_csv_column_is_never_parsed() {
    let dir = scratch();
    let mut text = String::from("id,n,v\n");
    for i in 0..100_010 {
        text += &format!("{i},{i},x\n");
    }
    text += "100010,abc,x\n";
    let late = dir.path().join("late.csv");
    std::fs::write(&late, text).unwrap();
    let run = recon(&["diff", path(&late), path(&late), "--key", "id", "--exclude", "n", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = recon(&["diff", path(&late), path(&late), "--key", "id", "-q"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// A Parquet list column is compared as a value; left out, it is not compared.
#[test]
fn an_excluded_parquet_list_column_is_not_compared() {
    use arrow::array::ListArray;
    use arrow::datatypes::Int32Type;
    let dir = scratch();
    let file = dir.path().join("lists.parquet");
    let tags = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1), Some(2)]), None]);
    let columns: Vec<ArrayRef> =
        vec![Arc::new(Int64Array::from(vec![1, 2])), Arc::new(tags), Arc::new(StringArray::from(vec!["a", "b"]))];
    let fields: Vec<Field> =
        ["id", "tags", "v"].iter().zip(&columns).map(|(n, c)| Field::new(*n, c.data_type().clone(), true)).collect();
    write_parquet(&file, &RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap());
    // A list is compared as a value (tests/nested.rs); left out, it is not compared at all.
    let run = recon(&["diff", path(&file), path(&file), "--key", "id", "--format", "json", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["compared_columns"], serde_json::json!(["tags", "v"]));
    let run = recon(&["diff", path(&file), path(&file), "--key", "id", "--exclude", "tags", "--format", "json", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["compared_columns"], serde_json::json!(["v"]));
}
