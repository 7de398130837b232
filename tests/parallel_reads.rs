//! `--db-connections`: a table read over several connections returns exactly the rows one connection
//! returns — on PostgreSQL in one shared snapshot even while another connection moves rows around the heap, on
//! MariaDB exactly while writers are quiet, each connection in its own snapshot as the report says — and keys
//! of every type recon splits by (integers, text under a case-insensitive collation, composite keys, UUIDs,
//! dates, timestamps) split into chunks that lose and repeat no row. A hot standby made by the test is read
//! the same way: snapshots exported on a standby. Every connection a read opened is closed, not dropped: MariaDB
//! counts none of them as an aborted client.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde_json::Value;

use crate::util::db::{mysql, postgres, serial, server};
use crate::util::servers::OwnMariaDb;
use crate::util::{recon, servers};

/// `recon diff SOURCE TARGET` with JSON output and `extra` options; exit 0 expected.
fn diff(source: &str, target: &str, extra: &[&str]) -> Value {
    let mut args = vec!["diff", source, target, "--format", "json"];
    args.extend_from_slice(extra);
    let run = recon(&args);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run.json()
}

/// The source block of a table diffed against itself with `n` connections per side.
fn read_with(url: &str, n: usize, key: &str) -> Value {
    let connections = n.to_string();
    let report = diff(url, url, &["--db-connections", &connections, "--key", key]);
    assert_eq!(report["summary"]["matched"], report["source"]["rows"], "{report}");
    report["source"].clone()
}

/// The same rows, fingerprint and row count read over one connection and over `n`; the `n` connections really
/// read it (no note saying why fewer did), in the snapshot kind given.
fn splits_like_one_connection(url: &str, key: &str, rows: u64, n: usize, snapshot: &str) {
    let one = read_with(url, 1, key);
    let many = read_with(url, n, key);
    assert_eq!(one["rows"], rows, "{one}");
    assert_eq!(one["connections"], 1, "{one}");
    assert_eq!(many["rows"], rows, "{url}: {many}");
    assert_eq!(many["fingerprint"], one["fingerprint"], "{url}: every row once, none twice");
    assert_eq!(many["connections"], n, "{url}: {many}");
    assert_eq!(many["snapshot"], snapshot, "{url}: {many}");
    assert!(many.get("connections_note").is_none(), "{url}: {many}");
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn postgres_workers_share_one_snapshot_while_another_connection_moves_rows() {
    let _serial = serial();
    let url = server("RECON_TEST_POSTGRES_URL");
    // 20,000 items of ~100 bytes (about 300 blocks); every update writes the item's new version elsewhere in
    // the heap, so a chunk read in a later snapshot than another would see an item twice or not at all.
    postgres(
        &url,
        [
            "DROP TABLE IF EXISTS par_items, par_frozen",
            "CREATE TABLE par_items (id bigint PRIMARY KEY, item text NOT NULL UNIQUE, payload text, n int DEFAULT 0)",
            "INSERT INTO par_items (id, item, payload) SELECT g, 'item-' || g, repeat(md5(g::text), 2) \
             FROM generate_series(1, 20000) g",
            "CREATE TABLE par_frozen AS SELECT item, payload FROM par_items",
        ],
    );
    let source = format!("{url}#par_items");
    let quiet = read_with(&source, 1, "item");
    splits_like_one_connection(&source, "item", 20_000, 4, "shared");

    let (stop, updates) = (AtomicBool::new(false), AtomicU64::new(0));
    let report = std::thread::scope(|scope| {
        scope.spawn(|| {
            crate::util::db::block_on(async {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(&url).await.expect("PostgreSQL reachable");
                let mut item = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    item = (item + 7919) % 20_000 + 1;
                    let sql = format!("UPDATE par_items SET n = n + 1 WHERE id = {item}");
                    sqlx::query(&sql).execute(&mut c).await.expect("update");
                    updates.fetch_add(1, Ordering::Relaxed);
                }
            })
        });
        while updates.load(Ordering::Relaxed) < 100 {
            std::thread::yield_now();
        }
        let before = updates.load(Ordering::Relaxed);
        let target = format!("{url}#par_frozen");
        let args = ["--db-connections", "4", "--key", "item", "--columns", "payload", "--format", "json"];
        let run = recon(&[&["diff", source.as_str(), target.as_str()][..], &args[..]].concat());
        let after = updates.load(Ordering::Relaxed);
        // Stopped before anything is asserted: a failed assertion must not leave the writer running.
        stop.store(true, Ordering::Relaxed);
        assert!(after > before, "the writer went on while recon read");
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        run.json()
    });
    let summary = &report["summary"];
    assert_eq!(summary["source_rows"], 20_000, "{report}");
    assert_eq!(summary["matched"], 20_000, "{report}");
    for category in ["missing_in_target", "extra_in_target", "mismatched", "duplicate_keys_source"] {
        assert_eq!(summary[category], 0, "{category}: {report}");
    }
    assert_eq!(report["source"]["snapshot"], "shared", "{report}");
    assert_eq!(report["source"]["connections"], 4, "{report}");
    assert_eq!(quiet["rows"], 20_000);
    postgres(&url, ["DROP TABLE par_items, par_frozen"]);
}

#[test]
#[cfg_attr(not(recon_mysql), ignore = "needs MariaDB: set RECON_TEST_MYSQL_URL")]
fn mariadb_keys_of_every_type_split_into_chunks_that_lose_and_repeat_no_row() {
    let _serial = serial();
    let url = server("RECON_TEST_MYSQL_URL");
    // Each table: 3,000 rows whose key the server orders its own way. The text key's collation orders
    // 'apple' < 'Banana' < 'émile' where bytes order 'Banana' < 'apple' < 'émile': boundaries taken in one
    // order and compared in another would lose or repeat rows.
    let tables: [(&str, &str, &str, &str); 7] = [
        ("par_int", "k INT", "k", "CAST(seq AS SIGNED) - 1500"),
        ("par_bigint", "k BIGINT", "k", "CAST(seq AS SIGNED) * 3074457345618258 - 4611686018427387904"),
        (
            "par_text",
            "k VARCHAR(40) COLLATE utf8mb4_general_ci",
            "k",
            "CONCAT(ELT(seq % 4 + 1, 'apple', 'Banana', 'émile', 'Zoë'), '-', seq)",
        ),
        ("par_uuid", "k UUID", "k", "UUID()"),
        ("par_date", "k DATE", "k", "DATE '1970-01-01' + INTERVAL seq * 7 DAY"),
        ("par_stamp", "k DATETIME(6)", "k", "TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq * 1001 MICROSECOND"),
        ("par_composite", "k VARCHAR(10) COLLATE utf8mb4_unicode_ci, j INT", "k, j", "ELT(seq % 3 + 1, 'b', 'A', 'c')"),
    ];
    for (table, columns, key, value) in tables {
        let (create, insert) = if table == "par_composite" {
            (
                format!("CREATE TABLE {table} ({columns}, v VARCHAR(40), PRIMARY KEY ({key}))"),
                format!("INSERT INTO {table} SELECT {value}, seq, MD5(seq) FROM seq_1_to_3000"),
            )
        } else {
            (
                format!("CREATE TABLE {table} ({columns} PRIMARY KEY, v VARCHAR(40))"),
                format!("INSERT INTO {table} SELECT {value}, MD5(seq) FROM seq_1_to_3000"),
            )
        };
        mysql(&url, [format!("DROP TABLE IF EXISTS {table}"), create, insert]);
        let location = format!("{url}#{table}");
        splits_like_one_connection(&location, &key.replace(", ", ","), 3000, 4, "per_connection");
        mysql(&url, [format!("DROP TABLE {table}")]);
    }
}

#[test]
#[cfg_attr(not(all(recon_postgres, recon_mysql)), ignore = "needs PostgreSQL and MariaDB: set both server URLs")]
fn a_migration_read_in_parallel_on_both_sides_finds_exactly_its_defects() {
    let _serial = serial();
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    postgres(
        &pg,
        [
            "DROP TABLE IF EXISTS par_orders",
            "CREATE TABLE par_orders (id int PRIMARY KEY, note text)",
            "INSERT INTO par_orders SELECT g, 'note ' || g FROM generate_series(1, 5000) g",
        ],
    );
    // The defects: order 17 lost, order 4242 changed, order 9001 added.
    mysql(
        &my,
        [
            "DROP TABLE IF EXISTS par_orders",
            "CREATE TABLE par_orders (id INT PRIMARY KEY, note TEXT)",
            "INSERT INTO par_orders SELECT seq, CONCAT('note ', seq) FROM seq_1_to_5000 WHERE seq <> 17",
            "UPDATE par_orders SET note = 'changed' WHERE id = 4242",
            "INSERT INTO par_orders VALUES (9001, 'note 9001')",
        ],
    );
    let (source, target) = (format!("{pg}#par_orders"), format!("{my}#par_orders"));
    let run = recon(&["diff", &source, &target, "--db-connections", "3", "--format", "json"]);
    assert_eq!(run.code, 1, "differences found: {}", run.stderr);
    let report = run.json();
    let summary = &report["summary"];
    assert_eq!(
        (&summary["missing_in_target"], &summary["extra_in_target"], &summary["mismatched"], &summary["matched"]),
        (&Value::from(1), &Value::from(1), &Value::from(1), &Value::from(4998)),
        "{report}"
    );
    assert_eq!(report["source"]["snapshot"], "shared");
    assert_eq!(report["target"]["snapshot"], "per_connection");
    assert_eq!(report["target"]["connections"], 3);
    postgres(&pg, ["DROP TABLE par_orders"]);
    mysql(&my, ["DROP TABLE par_orders"]);
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn a_query_and_a_one_block_table_are_read_on_one_connection_and_the_report_says_why() {
    let _serial = serial();
    let url = server("RECON_TEST_POSTGRES_URL");
    // About 30 blocks of 8 kB: enough for 4 connections; a table of one block is read on one, also said.
    postgres(
        &url,
        [
            "DROP TABLE IF EXISTS par_q, par_tiny",
            "CREATE TABLE par_q AS SELECT g AS id, repeat('x', 100) AS pad FROM generate_series(1, 2000) g",
            "CREATE TABLE par_tiny AS SELECT g AS id FROM generate_series(1, 10) g",
        ],
    );
    let run = recon(&[
        "diff",
        &url,
        &format!("{url}#par_q"),
        "--source-query",
        "SELECT * FROM par_q",
        "--key",
        "id",
        "--db-connections",
        "4",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["source"]["connections"], 1, "{report}");
    let note = report["source"]["connections_note"].as_str().unwrap_or_default();
    assert!(note.contains("a query is read on one connection"), "{report}");
    assert_eq!(report["target"]["connections"], 4, "{report}");
    let tiny = read_with(&format!("{url}#par_tiny"), 4, "id");
    assert_eq!(tiny["connections"], 1, "{tiny}");
    assert_eq!(tiny["connections_note"], "the table is too small to split", "{tiny}");
    postgres(&url, ["DROP TABLE par_q, par_tiny"]);
}

#[test]
#[cfg_attr(not(recon_replica), ignore = "needs a second PostgreSQL cluster: set RECON_TEST_REPLICA_PORT")]
fn a_hot_standby_is_read_in_parallel_in_a_snapshot_exported_on_it() {
    let primary = servers::logical_cluster();
    let standby = servers::standby_of(&primary);
    postgres(
        &primary.url("postgres"),
        [
            "DROP TABLE IF EXISTS par_standby",
            "CREATE TABLE par_standby (id int PRIMARY KEY, v text)",
            "INSERT INTO par_standby SELECT g, md5(g::text) FROM generate_series(1, 30000) g",
        ],
    );
    servers::wait_for_replay(&primary, &standby);
    let (source, target) =
        (format!("{}#par_standby", primary.url("postgres")), format!("{}#par_standby", standby.url("postgres")));
    let report = diff(&source, &target, &["--db-connections", "3"]);
    assert_eq!(report["summary"]["matched"], 30_000, "{report}");
    assert_eq!(report["target"]["connections"], 3, "{report}");
    assert_eq!(report["target"]["snapshot"], "shared", "{report}");
    assert_eq!(report["target"]["fingerprint"], report["source"]["fingerprint"]);
}

/// MariaDB's count of clients that went away without closing their connection (`Aborted_clients`), read on a
/// connection this closes.
fn aborted_clients(url: &str) -> u64 {
    crate::util::db::block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::MySqlConnection::connect(url).await.expect("MariaDB reachable");
        let (_, count): (String, String) =
            sqlx::query_as("SHOW GLOBAL STATUS LIKE 'Aborted_clients'").fetch_one(&mut c).await.expect("status");
        c.close().await.expect("closed");
        count.parse().expect("a count")
    })
}

/// A server of the test's own, so that no other client's connections are counted with recon's.
#[test]
#[cfg_attr(not(recon_mysql), ignore = "needs RECON_TEST_MYSQL_URL: MariaDB installed (see the README's Tests)")]
fn every_connection_of_a_parallel_read_is_closed_not_dropped() {
    let server = OwnMariaDb::start();
    let url = server.url("test");
    mysql(
        &server.url("mysql"),
        [
            "CREATE DATABASE IF NOT EXISTS test",
            "CREATE TABLE test.par_closed (id INT PRIMARY KEY, v VARCHAR(40))",
            "INSERT INTO test.par_closed SELECT seq, MD5(seq) FROM seq_1_to_3000",
        ],
    );
    let location = format!("{url}#par_closed");
    let before = aborted_clients(&url);
    let source = read_with(&location, 3, "id");
    let after = aborted_clients(&url);
    assert_eq!(source["connections"], 3, "{source}");
    assert_eq!(after, before, "recon's 6 connections (3 a side) must all be closed: Aborted_clients grew");
}
