//! `--pushdown`: fingerprints computed inside the databases give exactly the report a full read gives — the
//! same counts of missing, extra, mismatched and duplicated rows, the same matched rows — on PostgreSQL ↔
//! PostgreSQL, PostgreSQL ↔ MariaDB and MariaDB ↔ MariaDB, over a type matrix whose texts classically disagree
//! between engines (decimals with trailing zeros, dates before 1970, timestamps with microseconds, upper-case
//! UUIDs, `-0.0`, CHAR padding, non-ASCII text), while most rows are never read. A column that cannot be pushed
//! down is read in full under `auto` and named under `required`. Property tests prove each type's canonical text
//! equal across the engines on random values: every bucket matches, no row is read.

use proptest::prelude::*;
use serde_json::Value;

use crate::util::db::{mysql, postgres, serial, server};
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

/// The matrix in PostgreSQL: `decimal` as the table declares its decimal column (the target's has more
/// fraction digits: `1.500` against `1.50000`), and `floats` whether a float8 column is added, `-0.0` where the
/// source holds `0`.
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
                 date '1960-01-01' + g, timestamp '1969-12-31 23:00:00' + g * interval '1.123457 seconds', \
                 upper(overlay(overlay(md5(g::text) placing '4' from 13) placing '8' from 17))::uuid, 'naïve ' || g || CASE WHEN g % 7 = 0 THEN ' ' ELSE '' END, \
                 CASE WHEN g % 5 = 0 THEN 'ab' END, CASE WHEN g % 11 = 0 THEN {zero} ELSE g / 7.0 END \
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
                 DATE_ADD('1960-01-01', INTERVAL seq DAY), \
                 TIMESTAMPADD(MICROSECOND, seq * 1123457, '1969-12-31 23:00:00'), \
                 UPPER(CONCAT_WS('-', SUBSTR(MD5(seq), 1, 8), SUBSTR(MD5(seq), 9, 4), CONCAT('4', SUBSTR(MD5(seq), 14, 3)), \
                 CONCAT('8', SUBSTR(MD5(seq), 18, 3)), SUBSTR(MD5(seq), 21, 12))), \
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
fn a_file_side_is_read_in_full_under_auto_and_refused_under_required() {
    let _serial = serial();
    let url = server("RECON_TEST_POSTGRES_URL");
    postgres(
        &url,
        [
            "DROP TABLE IF EXISTS pd_file",
            "CREATE TABLE pd_file (id int PRIMARY KEY, v text)",
            "INSERT INTO pd_file SELECT g, 'v' || g FROM generate_series(1, 100) g",
        ],
    );
    let dir = scratch();
    let csv = dir.path().join("pd_file.csv");
    let lines: String = (1..=100).map(|g| format!("{g},v{g}\n")).collect();
    std::fs::write(&csv, format!("id,v\n{lines}")).unwrap();
    let (source, target) = (format!("{url}#pd_file"), csv.display().to_string());
    let (code, auto) = diff(&source, &target, &["--pushdown"]);
    assert_eq!(code, 0, "{auto}");
    assert_eq!(auto["summary"]["matched"], 100, "{auto}");
    let why = auto["pushdown"]["read_in_full"].as_str().unwrap();
    assert!(why.contains("computes no fingerprints"), "{why}");
    assert!(auto["pushdown"]["bytes_received"]["source"].as_u64().unwrap() > 0, "{auto}");
    assert!(auto["pushdown"]["bytes_received"]["target"].is_null(), "{auto}");
    let run = recon(&["diff", &source, &target, "--key", "id", "--pushdown", "required"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("computes no fingerprints"), "{}", run.stderr);
    let run = recon(&["diff", &source, &target, "--key", "id", "--pushdown", "sometimes"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("\"sometimes\" is not auto, required or off"), "{}", run.stderr);
    postgres(&url, ["DROP TABLE pd_file"]);
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
        let (pg_rows, my_rows) = tuples(&rows);
        postgres(&pg, [
            "DROP TABLE IF EXISTS pd_alike".to_string(),
            "CREATE TABLE pd_alike (k text COLLATE \"C\", i bigint, d numeric(20,6), b boolean, dt date, ts timestamp(6), u uuid, t text)".into(),
            format!("INSERT INTO pd_alike VALUES {}", pg_rows.join(", ")),
        ]);
        mysql(&my, [
            "DROP TABLE IF EXISTS pd_alike".to_string(),
            "CREATE TABLE pd_alike (k varchar(60) COLLATE utf8mb4_general_ci, i bigint, d decimal(24,8), b tinyint(1), \
             dt date, ts datetime(6), u uuid, t varchar(200)) CHARACTER SET utf8mb4".into(),
            format!("INSERT INTO pd_alike VALUES {}", my_rows.join(", ")),
        ]);
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
}

/// `recon diff` keyed by `key` under `--pushdown MODE`: its exit code and report.
fn diff_by(source: &str, target: &str, key: &str, mode: &str) -> (i32, Value) {
    let run = recon(&["diff", source, target, "--key", key, "--pushdown", mode, "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}\n{}", run.stdout, run.stderr);
    (run.code, run.json())
}
