//! ODBC sources (issue 33), built with `--features odbc`: the same tables read through Debian's drivers —
//! psqlodbc, MariaDB Connector/ODBC, SQLite ODBC — and natively give the same reports, fingerprints included:
//! the type matrix of `types.rs`, the bundled `shop` audit and key discovery. A DSN from an `odbc.ini` the test
//! writes works as a connection string does; an unknown DSN, a wrong password and a missing table stop recon
//! with exit 2, named, with no secret shown.
//!
//! Gated by RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL like `types.rs`; the drivers are installed by
//! `.ci/run`.

use serde_json::{json, Value};

use crate::types::load_matrix;
use crate::util::db::{myisam_and_innodb, mysql, postgres, serial, server};
use crate::util::{path, recon, recon_with, root, scratch};

/// `Driver={…};Server=…;Port=…;Database=…;Uid=…;` for a server URL (`postgres://user@host:port/db`).
fn connection_string(driver: &str, url: &str) -> String {
    let rest = url.split_once("://").expect("a URL").1;
    let (user, rest) = rest.split_once('@').expect("a user in the URL");
    let (host, database) = rest.split_once('/').expect("a database in the URL");
    let (host, port) = host.split_once(':').expect("a port in the URL");
    let database = database.split(['?', '#']).next().unwrap_or(database);
    format!("Driver={{{driver}}};Server={host};Port={port};Database={database};Uid={user};")
}

fn pg_odbc(url: &str) -> String {
    format!("odbc:{}", connection_string("PostgreSQL Unicode", url))
}

fn my_odbc(url: &str) -> String {
    format!("odbc:{}", connection_string("MariaDB Unicode", url))
}

/// `recon diff ARGS` as JSON; exit 0 or 1.
fn diff(args: &[&str]) -> Value {
    let mut all = vec!["diff"];
    all.extend(args);
    all.extend(["--format", "json", "-q", "--max-examples", "100"]);
    let run = recon(&all);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    run.json()
}

/// What two reports of the same tables must share however the sides were read: everything but where and how
/// each side was read, and the timings.
fn comparable(mut report: Value) -> Value {
    let object = report.as_object_mut().expect("a report");
    object.remove("stats");
    for side in ["source", "target"] {
        if let Some(side) = object.get_mut(side).and_then(Value::as_object_mut) {
            // Where and how the rows were read, not what was read: the native reader may split a table over
            // several connections (`--db-connections`) and says so.
            for field in ["location", "kind", "connections", "connections_note"] {
                side.remove(field);
            }
        }
    }
    if let Some(tables) = object.get_mut("tables").and_then(Value::as_array_mut) {
        for table in tables {
            if let Some(report) = table.get_mut("report") {
                *report = comparable(report.take());
            }
        }
    }
    report
}

/// Columns of the matrix a driver cannot give exactly as the native reader does, and why.
const PSQLODBC_EXCEPTIONS: &[(&str, &str)] = &[];
const MARIADB_EXCEPTIONS: &[(&str, &str)] = &[];

/// `--exclude` arguments leaving out the named exceptions.
fn excluding(exceptions: &[(&str, &str)]) -> Vec<String> {
    exceptions.iter().flat_map(|(column, _)| ["--exclude".to_string(), column.to_string()]).collect()
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn the_type_matrix_reads_alike_over_odbc_and_natively() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    load_matrix(&pg, &my);
    let sides = [
        (format!("{pg}#public.recon_types"), format!("{}#public.recon_types", pg_odbc(&pg)), PSQLODBC_EXCEPTIONS),
        (format!("{my}#recon_types"), format!("{}#recon_types", my_odbc(&my)), MARIADB_EXCEPTIONS),
    ];
    // Each table against itself read over ODBC: every row matches, and both sides hash alike.
    for (native, odbc, exceptions) in &sides {
        let excluded = excluding(exceptions);
        let mut args = vec![native.as_str(), odbc.as_str(), "--key", "id"];
        args.extend(excluded.iter().map(String::as_str));
        let report = diff(&args);
        assert_eq!(report["summary"]["mismatched"], 0, "{odbc}: {:#}", report["examples"]);
        assert_eq!(report["summary"]["matched"], report["summary"]["source_rows"], "{odbc}");
        assert_eq!(report["source"]["fingerprint"], report["target"]["fingerprint"], "{odbc}");
        assert!(report["schema"]["type_differences"].as_array().is_none_or(Vec::is_empty), "{:#}", report["schema"]);
    }
    // The migration's report, PostgreSQL against MariaDB, is the same read either way.
    let excluded = excluding(&[PSQLODBC_EXCEPTIONS, MARIADB_EXCEPTIONS].concat());
    let native = [sides[0].0.as_str(), sides[1].0.as_str(), "--key", "id"];
    let odbc = [sides[0].1.as_str(), sides[1].1.as_str(), "--key", "id"];
    let (mut native, mut odbc) = (native.to_vec(), odbc.to_vec());
    native.extend(excluded.iter().map(String::as_str));
    odbc.extend(excluded.iter().map(String::as_str));
    let (native, odbc) = (diff(&native), diff(&odbc));
    assert!(native["summary"]["mismatched"].as_u64().unwrap() > 0, "the matrix has differences to find");
    assert_eq!(comparable(odbc), comparable(native));
}

#[test]
fn the_shop_audit_over_sqlite_odbc_is_the_native_one() {
    let legacy = root().join("fixtures/shop/legacy.db");
    let source = format!("odbc:Driver=SQLite3;Database={}", path(&legacy));
    let run = |source: &str| {
        let run = recon(&["audit", source, "fixtures/shop/exports/", "--format", "json", "-q"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.json()
    };
    let (native, odbc) = (run("sqlite://fixtures/shop/legacy.db"), run(&source));
    assert_eq!(odbc["source"]["kind"], "odbc");
    assert_eq!(comparable(odbc), comparable(native));
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn keys_are_found_over_odbc_as_natively() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    // A primary key; two unique indexes over NOT NULL columns, the narrower chosen; a unique index over a
    // nullable column, which is no key; a partial unique index (PostgreSQL), which is none either.
    let tables = [
        ("recon_odbc_pk", "a int, b int, v text, PRIMARY KEY (b, a)"),
        ("recon_odbc_unique", "a int NOT NULL, b int NOT NULL, c int NOT NULL, v text"),
        ("recon_odbc_nullable", "a int, v text"),
    ];
    let indexes = [
        "CREATE UNIQUE INDEX recon_odbc_unique_ab ON recon_odbc_unique (a, b)",
        "CREATE UNIQUE INDEX recon_odbc_unique_c ON recon_odbc_unique (c)",
        "CREATE UNIQUE INDEX recon_odbc_nullable_a ON recon_odbc_nullable (a)",
    ];
    let rows = "(1, 2, 3, 'x'), (2, 3, 4, 'y')";
    for (run, quote) in [(postgres as fn(&str, Vec<String>), '"'), (mysql as fn(&str, Vec<String>), '`')] {
        let url = if quote == '"' { &pg } else { &my };
        let mut statements = Vec::new();
        for (name, columns) in tables {
            statements.push(format!("DROP TABLE IF EXISTS {name}"));
            statements.push(format!("CREATE TABLE {name} ({columns})"));
        }
        statements.extend(indexes.iter().map(|s| s.to_string()));
        statements.push("INSERT INTO recon_odbc_pk VALUES (1, 2, 'x'), (2, 3, 'y')".to_string());
        statements.push(format!("INSERT INTO recon_odbc_unique VALUES {rows}"));
        statements.push("INSERT INTO recon_odbc_nullable VALUES (1, 'x'), (NULL, 'y')".to_string());
        run(url, statements);
    }
    postgres(&pg, ["CREATE UNIQUE INDEX recon_odbc_partial ON recon_odbc_nullable (v) WHERE a IS NOT NULL"]);
    let expected = [
        ("recon_odbc_pk", json!(["b", "a"]), "source_primary_key"),
        ("recon_odbc_unique", json!(["c"]), "unique_index"),
        ("recon_odbc_nullable", json!([]), "keyless"),
    ];
    for (native, odbc) in [(pg.clone(), pg_odbc(&pg)), (my.clone(), my_odbc(&my))] {
        for (table, key, key_source) in &expected {
            let schema = if native.starts_with("postgres") { "public." } else { "" };
            let (native, odbc) = (format!("{native}#{schema}{table}"), format!("{odbc}#{schema}{table}"));
            let report = diff(&[&odbc, &native]);
            assert_eq!((&report["key"], report["key_source"].as_str()), (key, Some(*key_source)), "{odbc}");
            assert_eq!(report["source"]["fingerprint"], report["target"]["fingerprint"], "{odbc}");
            assert_eq!(report["summary"]["source_rows"], 2);
        }
    }
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn an_audit_reads_a_dsn_from_the_odbc_ini_it_is_given() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    load_matrix(&pg, &my);
    let dir = scratch();
    let ini = dir.path().join("odbc.ini");
    let pairs = connection_string("PostgreSQL Unicode", &pg).replace(['{', '}'], "");
    let body: String = pairs.split(';').filter(|p| !p.is_empty()).map(|p| format!("{p}\n")).collect();
    std::fs::write(&ini, format!("[recon_test_pg]\n{body}")).unwrap();
    // The user's DSNs from the file written here; drivers still from the system's odbcinst.ini.
    let env = [("ODBCINI", path(&ini))];
    let run = recon_with(
        &["diff", "odbc://recon_test_pg#public.recon_types", &format!("{pg}#public.recon_types"), "--key", "id", "-q"],
        &env,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let unknown = recon_with(&["diff", "odbc://recon_no_such_dsn#t", &format!("{pg}#public.recon_types")], &env);
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    assert!(unknown.stderr.contains("no ODBC data source named recon_no_such_dsn"), "{}", unknown.stderr);
}

#[test]
#[cfg_attr(not(recon_mysql), ignore = "needs MariaDB: set RECON_TEST_MYSQL_URL")]
fn a_wrong_password_and_a_missing_table_are_named_without_the_secret() {
    let my = server("RECON_TEST_MYSQL_URL");
    let secret = "s3cr3t-odbc-pw";
    let wrong = format!("{}Pwd={secret};#recon_types", my_odbc(&my));
    let run = recon(&["diff", &wrong, &format!("{my}#recon_types"), "--key", "id"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("Access denied"), "{}", run.stderr);
    assert!(run.stderr.contains("Pwd=***") && !run.stderr.contains(secret), "{}", run.stderr);

    let missing = format!("{}#recon_no_such_table", my_odbc(&my));
    let run = recon(&["diff", &missing, &format!("{my}#recon_types"), "--key", "id"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no table named recon_no_such_table"), "{}", run.stderr);
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn long_text_is_read_whole_or_refused_never_truncated() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    // A million two-byte characters and three million bytes are read whole; 1,100,000 characters are more
    // than recon reads of a value (1 MiB characters) and stop it, where a driver's buffer would have cut them.
    postgres(&pg, [
        "DROP TABLE IF EXISTS recon_odbc_long",
        "CREATE TABLE recon_odbc_long (id int PRIMARY KEY, t text, b bytea)",
        "INSERT INTO recon_odbc_long VALUES (1, repeat('é', 1000000), decode(repeat('ab', 3000000), 'hex')), (2, 'x', NULL)",
    ]);
    mysql(
        &my,
        [
            "DROP TABLE IF EXISTS recon_odbc_long",
            "CREATE TABLE recon_odbc_long (id int PRIMARY KEY, t longtext, b longblob) DEFAULT CHARSET=utf8mb4",
            "INSERT INTO recon_odbc_long VALUES (1, repeat('é', 1000000), repeat('ab', 1500000)), (2, 'x', NULL)",
        ],
    );
    let sides = [
        (format!("{pg}#public.recon_odbc_long"), format!("{}#public.recon_odbc_long", pg_odbc(&pg))),
        (format!("{my}#recon_odbc_long"), format!("{}#recon_odbc_long", my_odbc(&my))),
    ];
    for (native, odbc) in &sides {
        let report = diff(&[native, odbc]);
        assert_eq!(report["summary"]["matched"], 2, "{odbc}");
        assert_eq!(report["source"]["fingerprint"], report["target"]["fingerprint"], "{odbc}");
    }
    postgres(&pg, ["UPDATE recon_odbc_long SET t = repeat('a', 1100000) WHERE id = 1"]);
    mysql(&my, ["UPDATE recon_odbc_long SET t = repeat('a', 1100000) WHERE id = 1"]);
    for (native, odbc) in &sides {
        let run = recon(&["diff", native, odbc]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("refused rather than cut"), "{}", run.stderr);
    }
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_sample_is_drawn_by_the_servers_behind_odbc_as_natively() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    postgres(
        &pg,
        [
            "DROP TABLE IF EXISTS recon_odbc_sample",
            "CREATE TABLE recon_odbc_sample AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 3000) g",
            "ALTER TABLE recon_odbc_sample ADD PRIMARY KEY (id)",
        ],
    );
    mysql(
        &my,
        [
            "DROP TABLE IF EXISTS recon_odbc_sample",
            "CREATE TABLE recon_odbc_sample (id int PRIMARY KEY, v varchar(32))",
            "INSERT INTO recon_odbc_sample SELECT seq, md5(seq) FROM seq_1_to_3000",
        ],
    );
    let (pg_native, my_native) = (format!("{pg}#public.recon_odbc_sample"), format!("{my}#recon_odbc_sample"));
    let pg_over = format!("{}#public.recon_odbc_sample", pg_odbc(&pg));
    let my_over = format!("{}#recon_odbc_sample", my_odbc(&my));
    let native = diff(&[&pg_native, &my_native, "--sample", "10%"]);
    let odbc = diff(&[&pg_over, &my_over, "--sample", "10%"]);
    let note = odbc["sample"]["pushed_down_note"].as_str().unwrap().to_string();
    assert!(note.contains("the source (odbc) selected the sampled rows itself"), "{note}");
    assert!(note.contains("the target (odbc) selected the sampled rows itself"), "{note}");
    assert_eq!(odbc["sample"]["rows_sampled_source"], native["sample"]["rows_sampled_source"]);
    assert_eq!(odbc["summary"], native["summary"]);
    assert_eq!(odbc["source"]["fingerprint"], native["source"]["fingerprint"]);
}

#[test]
#[cfg_attr(not(recon_mysql), ignore = "needs MariaDB: set RECON_TEST_MYSQL_URL")]
fn a_table_read_without_a_snapshot_says_none() {
    let my = server("RECON_TEST_MYSQL_URL");
    let _serial = serial();
    myisam_and_innodb(&my, "recon_odbc");
    let (myisam, innodb) =
        (format!("{}#recon_odbc_myisam", my_odbc(&my)), format!("{}#recon_odbc_innodb", my_odbc(&my)));
    let report = diff(&[&myisam, &innodb]);
    assert_eq!(report["summary"]["matched"], 2);
    assert_eq!(report["source"]["snapshot"], "none");
    assert_eq!(report["target"].get("snapshot"), None, "{:#}", report["target"]);
}
