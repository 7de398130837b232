//! `--pushdown`: fingerprints computed inside the databases give exactly the report a full read gives — the
//! same counts of missing, extra, mismatched and duplicated rows, the same matched rows — on PostgreSQL ↔
//! PostgreSQL, PostgreSQL ↔ MariaDB and MariaDB ↔ MariaDB, over a type matrix whose texts classically disagree
//! between engines (decimals with trailing zeros, dates before 1970, timestamps with microseconds, upper-case
//! UUIDs, `-0.0`, CHAR padding, non-ASCII text), while most rows are never read. A column that cannot be pushed
//! down is read in full under `auto` and named under `required`. A side of files against a database (PostgreSQL
//! against Parquet, MariaDB against CSV) is hashed by recon in the same encoding, with the same results. Property
//! tests prove each type's canonical text equal across the engines and recon's own on random values: every bucket
//! matches, no row is read. A key declared unique whose values fold together canonically is still counted. Both
//! servers' bucket sums are exactly the encoding's (row hashes, or key hashes for the keys-only pass).
//! `--since-last-run` under pushdown reads keys only from buckets whose keys differ.

use proptest::prelude::*;
use serde_json::Value;

use std::collections::BTreeMap;
use std::sync::Arc;

use recon::location::Location;
use recon::source::fingerprints::text::row_hashes;
use recon::source::fingerprints::{Bucket, BucketRequest, Form};
use recon::source::{Dataset, OpenOptions};

use crate::util::db::{mysql, postgres, serial, server};
use crate::util::files::write_parquet;
use crate::util::{recon, scratch};

/// Rows of each matrix table.
const ROWS: u64 = 20_000;

/// `recon diff SOURCE TARGET --key id` with JSON output and `extra` options: its exit code and report.
fn diff(source: &str, target: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["diff", source, target, "--key", "id", "--format", "json"];
    args.extend_from_slice(extra);
    let run = recon(&args);
    assert!(run.code == 0 || run.code == 1, "{}\n{}", run.stdout, run.stderr);
    (run.code, run.json())
}

/// The defects every matrix target carries, as statements in both engines' SQL: ids 10, 20, 30 deleted (3
/// missing), ids 900001 and 900002 added (2 extra), one column changed in each of ids 40, 50, 60, 70 (4
/// mismatched: an integer, a text, a timestamp by one microsecond, a decimal).
fn defects(table: &str, mysql: bool) -> Vec<String> {
    let micro =
        if mysql { "TIMESTAMPADD(MICROSECOND, 1, ts)".to_string() } else { "ts + interval '1 microsecond'".into() };
    vec![
        format!("DELETE FROM {table} WHERE id IN (10, 20, 30)"),
        format!("INSERT INTO {table} (id, i, t) VALUES (900001, 1, 'new'), (900002, 2, 'new')"),
        format!("UPDATE {table} SET i = i + 1 WHERE id = 40"),
        format!("UPDATE {table} SET t = 'changed' WHERE id = 50"),
        format!("UPDATE {table} SET ts = {micro} WHERE id = 60"),
        format!("UPDATE {table} SET d = d + 0.001 WHERE id = 70"),
    ]
}

/// The matrix in PostgreSQL, as [`matrix_row`] says: `decimal` as the table declares its decimal column (the
/// target's has more fraction digits: `1.500` against `1.50000`), and `negative_zero` whether the float column
/// holds `-0.0` where the source holds `0`.
fn postgres_matrix(url: &str, table: &str, decimal: &str, negative_zero: bool) {
    let zero = if negative_zero { "'-0'::float8" } else { "0::float8" };
    postgres(
        url,
        [
            format!("DROP TABLE IF EXISTS {table}"),
            format!(
                "CREATE TABLE {table} (id bigint PRIMARY KEY, i int, d {decimal}, b boolean, dt date, ts timestamp(6), \
                 u uuid, t varchar(40), c char(5), f float8)"
            ),
            format!(
                "INSERT INTO {table} SELECT g, (g * 7919) % 1000 - 500, (g % 1000) * 0.125, g % 3 = 0, \
                 date '1970-01-01' + (g - 3653), timestamp '1970-01-01' + (g::bigint * 1123457 - 3600000000) * interval '1 microsecond', \
                 ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'naïve ' || g || CASE WHEN g % 7 = 0 THEN ' ' ELSE '' END, \
                 CASE WHEN g % 5 = 0 THEN 'ab' END, \
                 CASE WHEN g % 11 = 0 THEN {zero} WHEN g % 13 = 0 THEN 'NaN'::float8 ELSE g / 8::float8 END \
                 FROM generate_series(1, {ROWS}) g"
            ),
            format!("ANALYZE {table}"),
        ],
    );
}

/// The same matrix in MariaDB (without the float column, which no two engines render alike).
fn mysql_matrix(url: &str, table: &str) {
    mysql(
        url,
        [
            format!("DROP TABLE IF EXISTS {table}"),
            format!(
                "CREATE TABLE {table} (id bigint PRIMARY KEY, i int, d decimal(12,3), b tinyint(1), dt date, \
                 ts datetime(6), u uuid, t varchar(40), c char(5)) CHARACTER SET utf8mb4"
            ),
            format!(
                "INSERT INTO {table} SELECT seq, CAST((seq * 7919) % 1000 AS SIGNED) - 500, (seq % 1000) * 0.125, seq % 3 = 0, \
                 DATE_ADD('1970-01-01', INTERVAL CAST(seq AS SIGNED) - 3653 DAY), \
                 TIMESTAMPADD(MICROSECOND, CAST(seq AS SIGNED) * 1123457 - 3600000000, '1970-01-01 00:00:00'), \
                 CONCAT('00000000-0000-4000-8000-', LPAD(HEX(seq), 12, '0')), \
                 CONCAT('naïve ', seq, IF(seq % 7 = 0, ' ', '')), IF(seq % 5 = 0, 'ab', NULL) \
                 FROM seq_1_to_{ROWS}"
            ),
        ],
    );
}

/// Pushed down, the report's summary and per-column counts are a full read's, the defects counted exactly, and
/// most rows were never read. Returns the pushdown block.
fn same_as_full_read(source: &str, target: &str, extra: &[&str]) -> Value {
    let (full_code, full) = diff(source, target, &[extra, &["--pushdown", "off"]].concat());
    let (code, pushed) = diff(source, target, &[extra, &["--pushdown"]].concat());
    let summary = &pushed["summary"];
    assert_eq!(summary, &full["summary"], "pushed down: {pushed}\nfull read: {full}");
    assert_eq!(pushed["column_mismatches"], full["column_mismatches"], "{pushed}");
    assert_eq!((code, full_code), (1, 1));
    assert_eq!(summary["source_rows"], ROWS, "{pushed}");
    assert_eq!(summary["target_rows"], ROWS - 3 + 2, "{pushed}");
    assert_eq!(summary["missing_in_target"], 3, "{pushed}");
    assert_eq!(summary["extra_in_target"], 2, "{pushed}");
    assert_eq!(summary["mismatched"], 4, "{pushed}");
    assert_eq!(summary["matched"], ROWS - 3 - 4, "{pushed}");
    let block = pushed["pushdown"].clone();
    assert_eq!(block["encoding"], "md5-canonical-text-v1", "{pushed}");
    assert!(block["read_in_full"].is_null(), "{pushed}");
    // Nine defects fall in at most nine buckets; everything else was proved equal in the servers.
    let differing = block["differing_buckets"].as_u64().unwrap();
    assert!((1..=9).contains(&differing), "{block}");
    assert!(block["rows_not_read"].as_u64().unwrap() > ROWS * 9 / 10, "{block}");
    assert!(pushed["stats"]["source"]["rows"].as_u64().unwrap() < ROWS / 10, "{pushed}");
    // Fewer bytes than the full read, counted on both sides' wires.
    let bytes = |report: &Value| report["stats"]["bytes_received"].as_u64().unwrap();
    assert!(bytes(&pushed) * 3 < bytes(&full), "pushed down {} bytes, full read {}", bytes(&pushed), bytes(&full));
    assert!(block["bytes_received"]["source"].as_u64().unwrap() > 0, "{block}");
    block
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn postgres_to_postgres_pushed_down_equals_a_full_read() {
    let _serial = serial();
    let url = server("RECON_TEST_POSTGRES_URL");
    postgres_matrix(&url, "pd_source", "numeric(12,3)", false);
    postgres_matrix(&url, "pd_target", "numeric(14,5)", true);
    postgres(&url, defects("pd_target", false));
    same_as_full_read(&format!("{url}#pd_source"), &format!("{url}#pd_target"), &[]);
    postgres(&url, ["DROP TABLE pd_source, pd_target"]);
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn postgres_to_mariadb_pushed_down_equals_a_full_read_and_floats_are_read_in_full() {
    let _serial = serial();
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    postgres_matrix(&pg, "pd_source", "numeric(12,3)", false);
    mysql_matrix(&my, "pd_target");
    mysql(&my, defects("pd_target", true));
    let (source, target) = (format!("{pg}#pd_source"), format!("{my}#pd_target"));
    // The float column is only on the source: left out, every other column pushes down.
    same_as_full_read(&source, &target, &["--exclude", "f"]);

    // A float column against a double: auto reads the table in full and says which column made it.
    mysql(&my, ["ALTER TABLE pd_target ADD COLUMN f double", "UPDATE pd_target SET f = id / 7.0"]);
    let (_, auto) = diff(&source, &target, &["--pushdown", "auto"]);
    let block = &auto["pushdown"];
    assert_eq!(block["columns_read_in_full"], serde_json::json!(["f"]), "{auto}");
    assert!(block["read_in_full"].as_str().unwrap().contains("column f (double precision vs double)"), "{block}");
    assert_eq!(auto["stats"]["source"]["rows"], ROWS, "read in full: {auto}");
    assert_eq!(auto["summary"]["missing_in_target"], 3, "{auto}");
    let run = recon(&["diff", &source, &target, "--key", "id", "--pushdown", "required"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("--pushdown required") && run.stderr.contains("column f (double precision vs double)"),
        "{}",
        run.stderr
    );
    postgres(&pg, ["DROP TABLE pd_source"]);
    mysql(&my, ["DROP TABLE pd_target"]);
}

#[test]
#[cfg_attr(not(recon_mysql), ignore = "needs MariaDB: set RECON_TEST_MYSQL_URL")]
fn mariadb_to_mariadb_pushed_down_equals_a_full_read() {
    let _serial = serial();
    let url = server("RECON_TEST_MYSQL_URL");
    mysql_matrix(&url, "pd_source");
    mysql_matrix(&url, "pd_target");
    mysql(&url, defects("pd_target", true));
    same_as_full_read(&format!("{url}#pd_source"), &format!("{url}#pd_target"), &[]);
    mysql(&url, ["DROP TABLE pd_source, pd_target"]);
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn a_key_repeated_identically_on_both_sides_is_still_counted_when_pushed_down() {
    let _serial = serial();
    let url = server("RECON_TEST_POSTGRES_URL");
    // No declared key: 1,000 rows, key 7 held twice with the same values on both sides (one duplicated key per
    // side), and one row changed on the target.
    let table = |name: &str| {
        vec![
            format!("DROP TABLE IF EXISTS {name}"),
            format!("CREATE TABLE {name} (id int, v text)"),
            format!("INSERT INTO {name} SELECT g, 'v' || g FROM generate_series(1, 1000) g"),
            format!("INSERT INTO {name} VALUES (7, 'v7')"),
        ]
    };
    postgres(&url, table("pd_dup_source"));
    postgres(&url, table("pd_dup_target"));
    postgres(&url, ["UPDATE pd_dup_target SET v = 'changed' WHERE id = 500"]);
    let (source, target) = (format!("{url}#pd_dup_source"), format!("{url}#pd_dup_target"));
    let (_, full) = diff(&source, &target, &["--pushdown", "off"]);
    let (_, pushed) = diff(&source, &target, &["--pushdown"]);
    assert_eq!(pushed["summary"], full["summary"], "{pushed}\n{full}");
    assert_eq!(pushed["summary"]["duplicate_keys_source"], 1, "{pushed}");
    assert_eq!(pushed["summary"]["duplicate_keys_target"], 1, "{pushed}");
    assert_eq!(pushed["summary"]["mismatched"], 1, "{pushed}");
    postgres(&url, ["DROP TABLE pd_dup_source, pd_dup_target"]);
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn a_declared_key_whose_values_fold_together_is_still_counted_pushed_down_and_in_two_passes() {
    let _serial = serial();
    let url = server("RECON_TEST_POSTGRES_URL");
    // The source's primary key is varchar and holds 'k7' and 'k7 '; the target's key column is CHAR(10), whose
    // padding is no data, so both sides compare unpadded: key 'k7' twice on each side, in the same rows. A full read
    // counts one duplicated key per side, and so must pushdown and two passes (whose first pass keeps no key
    // hashes where a key cannot repeat), although the source declares its key unique.
    postgres(
        &url,
        [
            "DROP TABLE IF EXISTS pd_fold_source, pd_fold_target",
            "CREATE TABLE pd_fold_source (id varchar(10) PRIMARY KEY, v text)",
            "INSERT INTO pd_fold_source SELECT 'k' || g, 'v' FROM generate_series(1, 1000) g",
            "INSERT INTO pd_fold_source VALUES ('k7 ', 'v')",
            "CREATE TABLE pd_fold_target (id char(10), v text)",
            "INSERT INTO pd_fold_target SELECT id, v FROM pd_fold_source",
            "UPDATE pd_fold_target SET v = 'changed' WHERE id = 'k500'",
        ],
    );
    let (source, target) = (format!("{url}#pd_fold_source"), format!("{url}#pd_fold_target"));
    let (_, full) = diff(&source, &target, &["--pushdown", "off"]);
    let (_, pushed) = diff(&source, &target, &["--pushdown", "required"]);
    assert_eq!(pushed["summary"], full["summary"], "{pushed}\n{full}");
    assert_eq!(pushed["summary"]["duplicate_keys_source"], 1, "{pushed}");
    assert_eq!(pushed["summary"]["duplicate_keys_target"], 1, "{pushed}");
    assert_eq!(pushed["summary"]["mismatched"], 1, "{pushed}");
    // The key found as the source's primary key, not given: two passes then trust it only as far as it holds.
    let two_passes =
        recon(&["diff", &source, &target, "--format", "json", "--pushdown", "off", "--strategy", "two-pass"]);
    let two_passes = two_passes.json();
    assert_eq!(two_passes["key_source"], "source_primary_key", "{two_passes}");
    assert_eq!(two_passes["summary"], full["summary"], "{two_passes}\n{full}");
    postgres(&url, ["DROP TABLE pd_fold_source, pd_fold_target"]);
}

/// The matrix, one row per id: what `postgres_matrix` (its source) and `mysql_matrix` insert, as Rust values
/// (`d` unscaled at 3 fraction digits, `dt` in days and `ts` in microseconds since 1970).
#[derive(Debug, Clone, PartialEq)]
struct MatrixRow {
    id: i64,
    i: Option<i32>,
    d: Option<i128>,
    b: Option<bool>,
    dt: Option<i32>,
    ts: Option<i64>,
    u: Option<String>,
    t: Option<String>,
    c: Option<String>,
    f: Option<f64>,
}

fn matrix_row(g: i64) -> MatrixRow {
    MatrixRow {
        id: g,
        i: Some(((g * 7919) % 1000 - 500) as i32),
        d: Some((g % 1000) as i128 * 125),
        b: Some(g % 3 == 0),
        dt: Some((g - 3653) as i32),
        ts: Some(g * 1_123_457 - 3_600_000_000),
        // Upper case in the file, a native uuid in the database.
        u: Some(format!("00000000-0000-4000-8000-{g:012X}")),
        t: Some(format!("naïve {g}{}", if g % 7 == 0 { " " } else { "" })),
        c: (g % 5 == 0).then(|| "ab".to_string()),
        // -0.0 in the file where the database holds 0.
        f: Some(match g {
            g if g % 11 == 0 => -0.0,
            g if g % 13 == 0 => f64::NAN,
            g => g as f64 / 8.0,
        }),
    }
}

/// The matrix's rows with [`defects`] applied, as a file holds them.
fn matrix_with_defects() -> Vec<MatrixRow> {
    let mut rows: Vec<MatrixRow> = (1..=ROWS as i64).filter(|g| ![10, 20, 30].contains(g)).map(matrix_row).collect();
    for row in &mut rows {
        match row.id {
            40 => row.i = row.i.map(|i| i + 1),
            50 => row.t = Some("changed".into()),
            60 => row.ts = row.ts.map(|ts| ts + 1),
            70 => row.d = row.d.map(|d| d + 1),
            _ => {}
        }
    }
    for (id, i) in [(900001, 1), (900002, 2)] {
        let new = MatrixRow {
            id,
            i: Some(i),
            t: Some("new".into()),
            d: None,
            b: None,
            dt: None,
            ts: None,
            u: None,
            c: None,
            f: None,
        };
        rows.push(new);
    }
    rows
}

/// Rows of the matrix as a Parquet file: `d` as decimal(14,5) (`1.50000` against the database's `1.500`).
fn write_matrix_parquet(path: &std::path::Path, rows: &[MatrixRow]) {
    use arrow::array::{
        ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int32Array, Int64Array, StringArray,
        TimestampMicrosecondArray,
    };
    let text = |f: fn(&MatrixRow) -> Option<String>| Arc::new(rows.iter().map(f).collect::<StringArray>()) as ArrayRef;
    let decimals: Decimal128Array = rows.iter().map(|r| r.d.map(|d| d * 100)).collect();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(rows.iter().map(|r| r.id).collect::<Int64Array>())),
        ("i", Arc::new(rows.iter().map(|r| r.i).collect::<Int32Array>())),
        ("d", Arc::new(decimals.with_precision_and_scale(14, 5).unwrap())),
        ("b", Arc::new(rows.iter().map(|r| r.b).collect::<BooleanArray>())),
        ("dt", Arc::new(rows.iter().map(|r| r.dt).collect::<Date32Array>())),
        ("ts", Arc::new(rows.iter().map(|r| r.ts).collect::<TimestampMicrosecondArray>())),
        ("u", text(|r| r.u.clone())),
        ("t", text(|r| r.t.clone())),
        ("c", text(|r| r.c.clone())),
        ("f", Arc::new(rows.iter().map(|r| r.f).collect::<Float64Array>())),
    ];
    write_parquet(path, &arrow::array::RecordBatch::try_from_iter(columns).unwrap());
}

/// Rows of the matrix as a CSV file (without `f`), and the `--csv-type` options that read it as typed.
fn write_matrix_csv(path: &std::path::Path, rows: &[MatrixRow]) -> Vec<&'static str> {
    let day =
        |days: i32| chrono::DateTime::from_timestamp(days as i64 * 86_400, 0).unwrap().format("%Y-%m-%d").to_string();
    let instant = |micros: i64| {
        let at = chrono::DateTime::from_timestamp_micros(micros).unwrap();
        at.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
    };
    let decimal = |unscaled: i128| {
        format!("{}{}.{:03}00", if unscaled < 0 { "-" } else { "" }, unscaled.abs() / 1000, unscaled.abs() % 1000)
    };
    let or_empty = |v: Option<String>| v.unwrap_or_default();
    let mut csv = String::from("id,i,d,b,dt,ts,u,t,c\n");
    for r in rows {
        let fields = [
            r.id.to_string(),
            or_empty(r.i.map(|i| i.to_string())),
            or_empty(r.d.map(decimal)),
            or_empty(r.b.map(|b| b.to_string())),
            or_empty(r.dt.map(day)),
            or_empty(r.ts.map(instant)),
            or_empty(r.u.clone()),
            or_empty(r.t.as_ref().map(|t| format!("\"{t}\""))),
            or_empty(r.c.clone()),
        ];
        csv.push_str(&fields.join(","));
        csv.push('\n');
    }
    std::fs::write(path, csv).unwrap();
    vec![
        "--csv-type",
        "d=decimal(14,5)",
        "--csv-type",
        "b=bool",
        "--csv-type",
        "dt=date",
        "--csv-type",
        "ts=timestamp",
        "--csv-type",
        "u=text",
        "--csv-type",
        "t=text",
        "--csv-type",
        "c=text",
    ]
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn postgres_against_parquet_pushed_down_equals_a_full_read() {
    let _serial = serial();
    let url = server("RECON_TEST_POSTGRES_URL");
    postgres_matrix(&url, "pd_file_source", "numeric(12,3)", false);
    let dir = scratch();
    let parquet = dir.path().join("target.parquet");
    write_matrix_parquet(&parquet, &matrix_with_defects());
    let block = same_as_full_read(&format!("{url}#pd_file_source"), &parquet.display().to_string(), &[]);
    // recon hashed the file itself: no server sent its bytes.
    assert!(block["bytes_received"]["target"].is_null(), "{block}");
    postgres(&url, ["DROP TABLE pd_file_source"]);
}

#[test]
#[cfg_attr(not(recon_mysql), ignore = "needs MariaDB: set RECON_TEST_MYSQL_URL")]
fn mariadb_against_csv_pushed_down_equals_a_full_read() {
    let _serial = serial();
    let url = server("RECON_TEST_MYSQL_URL");
    mysql_matrix(&url, "pd_file_source");
    let dir = scratch();
    let csv = dir.path().join("target.csv");
    let types = write_matrix_csv(&csv, &matrix_with_defects());
    let block = same_as_full_read(&format!("{url}#pd_file_source"), &csv.display().to_string(), &types);
    assert!(block["bytes_received"]["target"].is_null(), "{block}");
    mysql(&url, ["DROP TABLE pd_file_source"]);
}

#[test]
fn two_sides_of_files_are_read_in_full_under_auto_and_refused_under_required() {
    let dir = scratch();
    let (source, target) = (dir.path().join("source.csv"), dir.path().join("target.csv"));
    let lines: String = (1..=100).map(|g| format!("{g},v{g}\n")).collect();
    std::fs::write(&source, format!("id,v\n{lines}")).unwrap();
    std::fs::write(&target, format!("id,v\n{lines}")).unwrap();
    let (source, target) = (source.display().to_string(), target.display().to_string());
    let (code, auto) = diff(&source, &target, &["--pushdown"]);
    assert_eq!(code, 0, "{auto}");
    assert_eq!(auto["summary"]["matched"], 100, "{auto}");
    let why = auto["pushdown"]["read_in_full"].as_str().unwrap();
    assert!(why.contains("neither side is a database"), "{why}");
    let run = recon(&["diff", &source, &target, "--key", "id", "--pushdown", "required"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("neither side is a database"), "{}", run.stderr);
    let run = recon(&["diff", &source, &target, "--key", "id", "--pushdown", "sometimes"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("\"sometimes\" is not auto, required or off"), "{}", run.stderr);
}

/// The buckets `request` asks for over ids -500 to 1499 with `v` = `v<id>`, as the encoding defines them: the
/// key text `S<bytes>:<id>`, the key hash its md5, a bucket the hash's first hex digits; the sums are of the row
/// hash's halves (md5 of the key hash's hex then `S<bytes>:v<id>`), or for the keys-only pass of the key hash's.
fn expected_buckets(request: &BucketRequest) -> Vec<Bucket> {
    use md5::{Digest, Md5};
    let half = |bytes: &[u8]| u64::from_be_bytes(bytes.try_into().unwrap());
    let mut buckets: BTreeMap<String, Bucket> = BTreeMap::new();
    for id in -500i64..1500 {
        let framed = |text: String| format!("S{}:{text}", text.len());
        let (key, value) = (framed(id.to_string()), framed(format!("v{id}")));
        let hashes = row_hashes(key.as_bytes(), value.as_bytes());
        let (hi, lo) = match request.keys_only {
            true => (half(&Md5::digest(key.as_bytes())[..8]), half(&Md5::digest(key.as_bytes())[8..])),
            false => (hashes.hi, hashes.lo),
        };
        let prefix = format!("{:016x}", hashes.key)[..request.digits].to_string();
        if !request.within.is_empty() && !request.within.iter().any(|p| prefix.starts_with(p.as_str())) {
            continue;
        }
        let bucket =
            buckets.entry(prefix.clone()).or_insert(Bucket { prefix, rows: 0, hi: 0, lo: 0, keys: 0, unsure: 0 });
        (bucket.rows, bucket.keys) = (bucket.rows + 1, bucket.keys + 1);
        (bucket.hi, bucket.lo) = (bucket.hi.wrapping_add(hi), bucket.lo.wrapping_add(lo));
    }
    buckets.into_values().collect()
}

/// The encoding, from the library: PostgreSQL's and MariaDB's bucket fingerprints are exactly the sums the
/// encoding defines ([`expected_buckets`]) — over the row hashes for a comparison, over the key hashes for the
/// keys-only pass of `--since-last-run` — every bucket or only those under some prefixes.
#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn bucket_fingerprints_are_the_encodings_sums_in_both_servers() {
    let _serial = serial();
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    postgres(
        &pg,
        [
            "DROP TABLE IF EXISTS pd_encoding",
            "CREATE TABLE pd_encoding (id bigint PRIMARY KEY, v text)",
            "INSERT INTO pd_encoding SELECT g, 'v' || g FROM generate_series(-500, 1499) g",
        ],
    );
    mysql(&my, [
        "DROP TABLE IF EXISTS pd_encoding",
        "CREATE TABLE pd_encoding (id bigint PRIMARY KEY, v varchar(20)) CHARACTER SET utf8mb4",
        "INSERT INTO pd_encoding SELECT CAST(seq AS SIGNED) - 500, CONCAT('v', CAST(seq AS SIGNED) - 500) FROM seq_0_to_1999",
    ]);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let request = |keys_only: bool, within: &[&str]| BucketRequest {
        key: vec![(0, Form::Integer)],
        values: if keys_only { Vec::new() } else { vec![(1, Form::Text)] },
        digits: 2,
        within: within.iter().map(|p| p.to_string()).collect(),
        distinct_keys: false,
        keyless: false,
        keys_only,
    };
    for url in [&pg, &my] {
        let location = Location::parse(&format!("{url}#pd_encoding")).unwrap();
        let dataset = Dataset::open(&location, &OpenOptions::default(), runtime.handle()).unwrap();
        for request in [request(false, &[]), request(true, &[]), request(false, &["0", "a"]), request(true, &["f"])] {
            let mut buckets = dataset.buckets(&request).unwrap();
            buckets.sort_by(|a, b| a.prefix.cmp(&b.prefix));
            let expected = expected_buckets(&request);
            assert_eq!(buckets.len(), expected.len(), "{url}: {request:?}");
            assert_eq!(buckets, expected, "{url}: {request:?}");
        }
    }
}

/// One row of random values of every type that pushes down between PostgreSQL and MariaDB.
#[derive(Debug, Clone)]
struct Row {
    integer: i64,
    /// A decimal's unscaled value at 6 fraction digits.
    unscaled: i64,
    boolean: bool,
    days: i32,
    micros: i64,
    uuid: u128,
    text: String,
}

fn row() -> impl Strategy<Value = Row> {
    let text = prop::collection::vec(
        prop::sample::select(vec![' ', '\'', '\\', 'a', 'Z', 'é', '😀', 'N', 'S', ':', '0', '|']),
        0..12,
    );
    (
        any::<i64>(),
        -10_000_000_000_000i64..10_000_000_000_000,
        any::<bool>(),
        // 1001-01-01 to 9909-12-31: what both servers hold as dates and datetimes.
        -354_000i32..2_900_000,
        -30_000_000_000_000_000i64..250_000_000_000_000_000,
        any::<u128>(),
        text,
    )
        .prop_map(|(integer, unscaled, boolean, days, micros, uuid, text)| Row {
            integer,
            unscaled,
            boolean,
            days,
            micros,
            uuid,
            text: text.into_iter().collect(),
        })
}

/// Values whose texts classically disagree between engines, in every case beside the random ones.
fn classic_rows() -> Vec<Row> {
    let row = |integer, unscaled, days, micros, text: &str| Row {
        integer,
        unscaled,
        boolean: integer % 2 == 0,
        days,
        micros,
        uuid: 0xABCDEF01_2345_4678_89AB_CDEF01234567,
        text: text.to_string(),
    };
    vec![
        row(i64::MIN, 0, 0, 0, ""),
        row(i64::MAX, -1, -1, -1, " "),
        row(0, 1_500_000, 1, 1, "N"),
        row(-1, 100_000_000, -719_162 + 365 * 1000, 999_999, "S1:x"),
        row(1, -500_000, 11_016, -1_000_001, "naïve 😀 "),
    ]
}

/// Microseconds in a day.
const DAY: i64 = 86_400_000_000;

/// A decimal at 6 fraction digits as text: `-0.500000`.
fn decimal(unscaled: i64) -> String {
    let sign = if unscaled < 0 { "-" } else { "" };
    let magnitude = unscaled.unsigned_abs();
    format!("{sign}{}.{:06}", magnitude / 1_000_000, magnitude % 1_000_000)
}

/// A UUID with its version (4) and variant bits set, as upper-case hyphenated text.
fn uuid(bits: u128) -> String {
    let bits = (bits & !(0xF << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let hex = format!("{bits:032X}");
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Each row as a PostgreSQL and a MariaDB VALUES tuple. Keys come in pairs that differ only in case
/// (`x3`, `X3`): one key under MariaDB's case-insensitive collation, two keys to recon, which compares bytes.
fn tuples(rows: &[Row]) -> (Vec<String>, Vec<String>) {
    let quote = |s: &str| s.replace('\'', "''");
    rows.iter()
        .enumerate()
        .map(|(n, r)| {
            let key = if n % 2 == 0 { format!("x{}", n / 2) } else { format!("X{}", n / 2) };
            let (d, u) = (decimal(r.unscaled), uuid(r.uuid));
            let pg = format!(
                "('{key}', {}, {d}, {}, date '1970-01-01' + {}, timestamp '1970-01-01' + {} * interval '1 day' + {} * interval '1 microsecond', '{u}', '{}')",
                r.integer,
                r.boolean,
                r.days,
                // An interval is multiplied in doubles: whole days and the microseconds of the last one stay exact.
                r.micros.div_euclid(DAY),
                r.micros.rem_euclid(DAY),
                quote(&r.text)
            );
            let my = format!(
                "('{key}', {}, {d}, {}, DATE_ADD('1970-01-01', INTERVAL {} DAY), TIMESTAMPADD(MICROSECOND, {}, '1970-01-01 00:00:00'), '{}', '{}')",
                r.integer,
                u8::from(r.boolean),
                r.days,
                r.micros,
                u.to_lowercase(),
                quote(&r.text).replace('\\', "\\\\")
            );
            (pg, my)
        })
        .unzip()
}

/// `rows` as table `pd_alike` in PostgreSQL and in MariaDB.
fn alike_tables(pg: &str, my: &str, rows: &[Row]) {
    let (pg_rows, my_rows) = tuples(rows);
    postgres(pg, [
        "DROP TABLE IF EXISTS pd_alike".to_string(),
        "CREATE TABLE pd_alike (k text COLLATE \"C\", i bigint, d numeric(20,6), b boolean, dt date, ts timestamp(6), u uuid, t text)".into(),
        format!("INSERT INTO pd_alike VALUES {}", pg_rows.join(", ")),
    ]);
    mysql(my, [
        "DROP TABLE IF EXISTS pd_alike".to_string(),
        "CREATE TABLE pd_alike (k varchar(60) COLLATE utf8mb4_general_ci, i bigint, d decimal(24,8), b tinyint(1), \
         dt date, ts datetime(6), u uuid, t varchar(200)) CHARACTER SET utf8mb4".into(),
        format!("INSERT INTO pd_alike VALUES {}", my_rows.join(", ")),
    ]);
}

/// `rows` as a Parquet file, keyed as [`tuples`] keys them: decimals at 8 fraction digits, UUIDs upper-case.
fn alike_parquet(path: &std::path::Path, rows: &[Row]) {
    use arrow::array::{
        ArrayRef, BooleanArray, Date32Array, Decimal128Array, Int64Array, StringArray, TimestampMicrosecondArray,
    };
    let keys: StringArray =
        (0..rows.len()).map(|n| Some(if n % 2 == 0 { format!("x{}", n / 2) } else { format!("X{}", n / 2) })).collect();
    let decimals: Decimal128Array = rows.iter().map(|r| Some(r.unscaled as i128 * 100)).collect();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("k", Arc::new(keys)),
        ("i", Arc::new(rows.iter().map(|r| r.integer).collect::<Int64Array>())),
        ("d", Arc::new(decimals.with_precision_and_scale(30, 8).unwrap())),
        ("b", Arc::new(rows.iter().map(|r| Some(r.boolean)).collect::<BooleanArray>())),
        ("dt", Arc::new(rows.iter().map(|r| Some(r.days)).collect::<Date32Array>())),
        ("ts", Arc::new(rows.iter().map(|r| Some(r.micros)).collect::<TimestampMicrosecondArray>())),
        ("u", Arc::new(rows.iter().map(|r| Some(uuid(r.uuid))).collect::<StringArray>())),
        ("t", Arc::new(rows.iter().map(|r| Some(r.text.clone())).collect::<StringArray>())),
    ];
    write_parquet(path, &arrow::array::RecordBatch::try_from_iter(columns).unwrap());
}

/// A PostgreSQL literal of a float: `'NaN'`, `'-Infinity'`, or its shortest exact decimal form.
fn float_literal(text: String, nan: bool, infinite: bool, negative: bool) -> String {
    match (nan, infinite) {
        (true, _) => "'NaN'".to_string(),
        (_, true) => format!("'{}Infinity'", if negative { "-" } else { "" }),
        _ => format!("'{text}'"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every value's canonical text is the same in PostgreSQL and MariaDB: random rows of every type (and the
    /// classic disagreements) fingerprint alike, so every bucket matches and no row is read — and recon's own
    /// full read agrees that every row matches.
    #[test]
    #[cfg_attr(not(all(recon_postgres, recon_mysql)), ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL")]
    fn postgres_and_mariadb_write_every_value_alike(random in prop::collection::vec(row(), 50..200)) {
        let _serial = serial();
        let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
        let mut rows = classic_rows();
        rows.extend(random);
        alike_tables(&pg, &my, &rows);
        let (source, target) = (format!("{pg}#pd_alike"), format!("{my}#pd_alike"));
        let n = rows.len() as u64;
        for pushdown in ["off", "required"] {
            let run = recon(&["diff", &source, &target, "--key", "k", "--pushdown", pushdown, "--format", "json"]);
            prop_assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
            let report = run.json();
            prop_assert_eq!(&report["summary"]["matched"], n, "{}", report);
            if pushdown == "required" {
                prop_assert_eq!(&report["pushdown"]["differing_buckets"], 0, "{}", report);
                prop_assert_eq!(&report["pushdown"]["rows_not_read"], n, "{}", report);
            }
        }
    }

    /// PostgreSQL writes a double's exact bits: random doubles (NaN, infinities and subnormals included) fingerprint
    /// alike against the same doubles with `-0.0` for `0.0`; one changed in its last bit is found.
    #[test]
    #[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
    fn postgres_floats_fingerprint_by_their_bits(mut floats in prop::collection::vec(any::<f64>(), 50..200)) {
        let _serial = serial();
        let url = server("RECON_TEST_POSTGRES_URL");
        floats.extend([0.0, f64::NAN, f64::INFINITY, f64::MIN_POSITIVE / 2.0, 0.1 + 0.2]);
        let literal = |f: f64| match f {
            f if f.is_nan() => "'NaN'".to_string(),
            f if f.is_infinite() => format!("'{}Infinity'", if f < 0.0 { "-" } else { "" }),
            f => format!("'{f:e}'"),
        };
        let values = |zero: &str, last: Option<usize>| -> String {
            floats.iter().enumerate().map(|(k, &f)| {
                let f = if Some(k) == last && f.is_finite() && f != 0.0 { f64::from_bits(f.to_bits() ^ 1) } else { f };
                let v = if f == 0.0 { zero.to_string() } else { literal(f) };
                format!("({k}, {v}::float8)")
            }).collect::<Vec<_>>().join(", ")
        };
        // The last element before the fixed ones is 0.1 + 0.2's neighbour: changed in its last bit.
        let changed = floats.len() - 1;
        postgres(&url, [
            "DROP TABLE IF EXISTS pd_float_source, pd_float_target".to_string(),
            "CREATE TABLE pd_float_source (k int PRIMARY KEY, f float8)".into(),
            "CREATE TABLE pd_float_target (k int PRIMARY KEY, f float8)".into(),
            format!("INSERT INTO pd_float_source VALUES {}", values("0", None)),
            format!("INSERT INTO pd_float_target VALUES {}", values("'-0'", Some(changed))),
        ]);
        let (source, target) = (format!("{url}#pd_float_source"), format!("{url}#pd_float_target"));
        let (_, full) = diff_by(&source, &target, "k", "off");
        let (_, pushed) = diff_by(&source, &target, "k", "required");
        prop_assert_eq!(&pushed["summary"], &full["summary"], "{}", pushed);
        prop_assert_eq!(&pushed["summary"]["mismatched"], 1, "{}", pushed);
        prop_assert_eq!(&pushed["summary"]["matched"], floats.len() as u64 - 1, "{}", pushed);
    }

    /// recon writes every value's canonical text as both servers do: random rows of every type (and the classic
    /// disagreements: upper-case UUIDs, decimals with trailing zeros, dates before 1970, timestamps with
    /// microseconds) in a Parquet file fingerprint alike against the same rows in PostgreSQL and in MariaDB —
    /// every bucket matches, no row is read.
    #[test]
    #[cfg_attr(not(all(recon_postgres, recon_mysql)), ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL")]
    fn files_write_every_value_as_the_servers_do(random in prop::collection::vec(row(), 50..200)) {
        let _serial = serial();
        let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
        let mut rows = classic_rows();
        rows.extend(random);
        alike_tables(&pg, &my, &rows);
        let dir = scratch();
        let parquet = dir.path().join("alike.parquet");
        alike_parquet(&parquet, &rows);
        let n = rows.len() as u64;
        for database in [&pg, &my] {
            let (_, report) = diff_by(&format!("{database}#pd_alike"), &parquet.display().to_string(), "k", "required");
            prop_assert_eq!(&report["summary"]["matched"], n, "{}", report);
            prop_assert_eq!(&report["pushdown"]["differing_buckets"], 0, "{}", report);
            prop_assert_eq!(&report["pushdown"]["rows_not_read"], n, "{}", report);
        }
    }

    /// recon writes a float's bits as PostgreSQL's `float8send` and `float4send` do, and CHAR without its padding:
    /// random doubles and reals (NaN, infinities, subnormals, `-0.0` in the file for `0` in the server) and
    /// blank-padded text in a Parquet file fingerprint alike against PostgreSQL; a double changed in its last bit
    /// is found.
    #[test]
    #[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
    fn files_write_floats_and_char_as_postgres_does(
        mut values in prop::collection::vec((any::<f64>(), any::<f32>(), "[a-z ]{0,8}"), 50..200)
    ) {
        use arrow::array::{ArrayRef, Float32Array, Float64Array, Int64Array, StringArray};
        let _serial = serial();
        let url = server("RECON_TEST_POSTGRES_URL");
        values.extend([
            (0.0, 0.0, "  ".to_string()),
            (f64::NAN, f32::NAN, "a ".to_string()),
            (f64::NEG_INFINITY, f32::INFINITY, String::new()),
            (f64::MIN_POSITIVE / 2.0, f32::MIN_POSITIVE / 2.0, "z".to_string()),
            (0.1 + 0.2, 0.1, " b".to_string()),
        ]);
        let tuples: Vec<String> = values.iter().enumerate().map(|(k, (f, r, c))| {
            let f = float_literal(format!("{f:e}"), f.is_nan(), f.is_infinite(), *f < 0.0);
            let r = float_literal(format!("{r:e}"), r.is_nan(), r.is_infinite(), *r < 0.0);
            format!("({k}, {f}::float8, {r}::real, '{c}')")
        }).collect();
        postgres(&url, [
            "DROP TABLE IF EXISTS pd_float_file".to_string(),
            "CREATE TABLE pd_float_file (k bigint PRIMARY KEY, f float8, r real, c char(10))".into(),
            format!("INSERT INTO pd_float_file VALUES {}", tuples.join(", ")),
        ]);
        let dir = scratch();
        let file = |name: &str, changed: Option<usize>| {
            let flip = |v: f64| if v == 0.0 { -0.0 } else { v };
            let doubles: Float64Array = values.iter().enumerate().map(|(k, (f, _, _))| {
                Some(if Some(k) == changed { f64::from_bits(f.to_bits() ^ 1) } else { flip(*f) })
            }).collect();
            let reals: Float32Array = values.iter().map(|(_, r, _)| Some(if *r == 0.0 { -0.0 } else { *r })).collect();
            let columns: Vec<(&str, ArrayRef)> = vec![
                ("k", Arc::new((0..values.len() as i64).map(Some).collect::<Int64Array>())),
                ("f", Arc::new(doubles)),
                ("r", Arc::new(reals)),
                ("c", Arc::new(values.iter().map(|(_, _, c)| Some(c.clone())).collect::<StringArray>())),
            ];
            let path = dir.path().join(name);
            write_parquet(&path, &arrow::array::RecordBatch::try_from_iter(columns).unwrap());
            path.display().to_string()
        };
        let source = format!("{url}#pd_float_file");
        let n = values.len() as u64;
        let (code, alike) = diff_by(&source, &file("alike.parquet", None), "k", "required");
        prop_assert_eq!(code, 0, "{}", alike);
        prop_assert_eq!(&alike["pushdown"]["differing_buckets"], 0, "{}", alike);
        prop_assert_eq!(&alike["pushdown"]["rows_not_read"], n, "{}", alike);
        // 0.1 + 0.2, changed in its last bit.
        let (_, changed) = diff_by(&source, &file("changed.parquet", Some(values.len() - 1)), "k", "required");
        prop_assert_eq!(&changed["summary"]["mismatched"], 1, "{}", changed);
        prop_assert_eq!(&changed["summary"]["matched"], n - 1, "{}", changed);
    }
}

/// `recon diff` keyed by `key` under `--pushdown MODE`: its exit code and report.
fn diff_by(source: &str, target: &str, key: &str, mode: &str) -> (i32, Value) {
    let run = recon(&["diff", source, target, "--key", key, "--pushdown", mode, "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}\n{}", run.stdout, run.stderr);
    (run.code, run.json())
}

/// A table of [`ROWS`] rows with a change time, last changed in 2020.
fn dated_table(name: &str) -> Vec<String> {
    vec![
        format!("DROP TABLE IF EXISTS {name}"),
        format!("CREATE TABLE {name} (id bigint PRIMARY KEY, v text, updated_at timestamptz NOT NULL)"),
        format!("INSERT INTO {name} SELECT g, 'v' || g, '2020-01-01 00:00:00+00' FROM generate_series(1, {ROWS}) g"),
        format!("ANALYZE {name}"),
    ]
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn since_last_run_under_pushdown_reads_keys_only_from_buckets_whose_keys_differ() {
    let _serial = serial();
    let url = server("RECON_TEST_POSTGRES_URL");
    postgres(&url, dated_table("pd_since_source"));
    postgres(&url, dated_table("pd_since_target"));
    let dir = scratch();
    let (pushed_history, full_history) = (dir.path().join("pushed.db"), dir.path().join("full.db"));
    let (source, target) = (format!("{url}#pd_since_source"), format!("{url}#pd_since_target"));
    let run = |history: &std::path::Path, pushdown: &str| {
        let history = history.display().to_string();
        let args = [
            "diff",
            &source,
            &target,
            "--key",
            "id",
            "--format",
            "json",
            "--history",
            &history,
            "--updated-column",
            "updated_at",
            "--since-last-run",
            "--window-overlap",
            "0s",
            "--pushdown",
            pushdown,
        ];
        let run = recon(&args);
        assert!(run.code == 0 || run.code == 1, "{}\n{}", run.stdout, run.stderr);
        run.json()
    };
    // The first run has no complete run before it: it compares every key, and both histories start from it.
    let first = run(&pushed_history, "auto");
    assert_eq!(first["drift"]["scope"], "table", "{first}");
    std::fs::copy(&pushed_history, &full_history).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    // On each side an insert, an update and a delete; a deletion moves no change time.
    postgres(
        &url,
        [
            "INSERT INTO pd_since_source VALUES (900001, 'new', now())",
            "UPDATE pd_since_source SET v = 'changed', updated_at = now() WHERE id = 5",
            "DELETE FROM pd_since_source WHERE id = 7",
            "INSERT INTO pd_since_target VALUES (900002, 'new', now())",
            "UPDATE pd_since_target SET v = 'changed', updated_at = now() WHERE id = 9",
            "DELETE FROM pd_since_target WHERE id = 11",
        ],
    );
    let full = run(&full_history, "off");
    let pushed = run(&pushed_history, "auto");
    assert_eq!(pushed["drift"]["scope"], "since_last_run", "{pushed}");
    assert_eq!(pushed["summary"], full["summary"], "pushed down: {pushed}\nfull: {full}");
    assert_eq!(pushed["drift"]["window"], full["drift"]["window"], "{pushed}");
    let summary = &pushed["summary"];
    // Missing from the target: 900001 (inserted on the source) and 11 (deleted on the target); extra: 900002 and 7.
    assert_eq!((&summary["missing_in_target"], &summary["extra_in_target"]), (&Value::from(2), &Value::from(2)));
    assert_eq!(summary["mismatched"], 2, "{summary}");
    assert_eq!(pushed["drift"]["window"]["one_sided_keys"], 4, "{pushed}");
    assert_eq!(pushed["drift"]["window"]["changed_keys"], serde_json::json!({"source": 2, "target": 2}));
    // Keys read alone: each side's 2 changed rows, then every key without pushdown, or only the keys of the
    // buckets whose key fingerprints differ (4 keys on one side only: at most 1% of the table's keys) with it.
    let key_rows = |report: &Value, side: &str| report["stats"][side]["key_rows"].as_u64().unwrap();
    for side in ["source", "target"] {
        assert_eq!(key_rows(&full, side), 2 + ROWS, "{full}");
        assert!((2 + 4..=2 + ROWS / 100).contains(&key_rows(&pushed, side)), "{side}: {}", key_rows(&pushed, side));
    }
    postgres(&url, ["DROP TABLE pd_since_source, pd_since_target"]);
}
