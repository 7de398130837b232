//! `--retries`: an audit's table whose connection is cut while it is read — its session killed, its server
//! restarted — is read again in a fresh snapshot, and the report says so; without retries the table is `error`,
//! the audit exits 2, and `--state` resumes it.
//!
//! The fixture: tables `big` (3,000 rows, read first: the largest), `lines` (200) and `notes` (100 in the
//! source, 99 in the target: one missing) in schemas `src` and `dst`. The test holds `dst.big` locked, with one
//! more row inserted but not committed, so that recon's read of it waits; it then cuts that read off and
//! commits. A read in the audit's shared snapshot cannot see the committed row; a fresh one counts it extra.
//! MariaDB's fixture is the same without `lines`, in databases `recon_retries_src` and `recon_retries_dst`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};

use crate::util::db::{mysql, postgres, serial, server, with_database};
use crate::util::servers::{restartable_cluster, OwnMariaDb};
use crate::util::{path, scratch};

const DATABASE: &str = "recon_retries";

fn tables(schema: &str, notes: u32) -> Vec<String> {
    vec![
        format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        format!("CREATE SCHEMA {schema}"),
        format!("CREATE TABLE {schema}.big AS SELECT i AS id, i % 7 AS n FROM generate_series(1, 3000) i"),
        format!("ALTER TABLE {schema}.big ADD PRIMARY KEY (id)"),
        format!("CREATE TABLE {schema}.lines AS SELECT i AS id, 'line ' || i AS body FROM generate_series(1, 200) i"),
        format!("ALTER TABLE {schema}.lines ADD PRIMARY KEY (id)"),
        format!("CREATE TABLE {schema}.notes AS SELECT i AS id, i * 2 AS n FROM generate_series(1, {notes}) i"),
        format!("ALTER TABLE {schema}.notes ADD PRIMARY KEY (id)"),
        format!("ANALYZE {schema}.big, {schema}.lines, {schema}.notes"),
    ]
}

/// The fixture in database `recon_retries` of the server at `admin` (a URL of another database there).
fn fixture(admin: &str) -> String {
    let url = with_database(admin, DATABASE);
    postgres(
        admin,
        [format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"), format!("CREATE DATABASE {DATABASE}")],
    );
    postgres(&url, tables("src", 100).into_iter().chain(tables("dst", 99)));
    url
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// A session holding `dst.big` locked, one row inserted and not yet committed.
async fn lock_big(url: &str) -> PgConnection {
    let mut locker = PgConnection::connect(url).await.expect("PostgreSQL reachable");
    for statement in ["BEGIN", "LOCK TABLE dst.big IN ACCESS EXCLUSIVE MODE", "INSERT INTO dst.big VALUES (3001, 0)"] {
        locker.execute(statement).await.expect(statement);
    }
    locker
}

/// The backend of recon's read that waits for the lock (within a minute).
async fn waiting_read(url: &str) -> i32 {
    let mut watcher = PgConnection::connect(url).await.expect("PostgreSQL reachable");
    let started = Instant::now();
    loop {
        let waiting: Option<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_optional(&mut watcher)
        .await
        .expect("pg_stat_activity");
        match waiting {
            Some(pid) => return pid,
            None if started.elapsed() > Duration::from_secs(60) => panic!("recon never waited for dst.big"),
            None => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// `recon ARGS --format json -q`, running.
fn start(args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_recon"))
        .args(args)
        .args(["--format", "json", "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("recon starts")
}

/// An audit of the schemas `src` and `dst`, one table at a time, with `more` options.
fn audit(url: &str, more: &[&str]) -> Vec<String> {
    let mut args = ["audit", &format!("{url}#src"), &format!("{url}#dst"), "--jobs", "1"].map(String::from).to_vec();
    args.extend(more.iter().map(|a| a.to_string()));
    args
}

/// The run's exit code, report and stderr.
fn finish(child: Child) -> (i32, Value, String) {
    let output = child.wait_with_output().expect("recon ends");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}): {}\n{stderr}", String::from_utf8_lossy(&output.stdout)));
    (output.status.code().expect("an exit code"), report, stderr)
}

/// `(name, status, retries, missing, extra)` of every table, by name.
fn tables_of(report: &Value) -> Vec<(String, String, u64, u64, u64)> {
    let mut tables: Vec<_> = report["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| {
            let count = |category: &str| t["report"]["summary"][category].as_u64().unwrap_or(0);
            let name = t["name"].as_str().unwrap_or_default().to_string();
            let status = t["status"].as_str().unwrap_or_default().to_string();
            (name, status, t["retries"].as_u64().unwrap_or(0), count("missing_in_target"), count("extra_in_target"))
        })
        .collect();
    tables.sort();
    tables
}

fn entry(name: &str, status: &str, retries: u64, missing: u64, extra: u64) -> (String, String, u64, u64, u64) {
    (name.to_string(), status.to_string(), retries, missing, extra)
}

/// Runs recon with `args` while the test cuts its read of `dst.big` off with `cut`, then commits the held row.
fn cut_off(url: &str, args: &[String], cut: impl FnOnce(i32)) -> (i32, Value, String) {
    let rt = runtime();
    let mut locker = rt.block_on(lock_big(url));
    let child = start(args);
    let pid = rt.block_on(waiting_read(url));
    cut(pid);
    // After a restart the locker's session is gone, and its row with it.
    let _ = rt.block_on(locker.execute("COMMIT"));
    finish(child)
}

fn terminate(url: &str, pid: i32) {
    postgres(url, [format!("SELECT pg_terminate_backend({pid})")]);
}

#[cfg_attr(not(recon_postgres), ignore = "needs RECON_TEST_POSTGRES_URL (see the README's Tests)")]
#[test]
fn a_killed_read_is_read_again_in_a_fresh_snapshot_and_the_report_says_so() {
    let _serial = serial();
    let url = fixture(&server("RECON_TEST_POSTGRES_URL"));
    let (code, report, stderr) = cut_off(&url, &audit(&url, &["--retries", "2"]), |pid| terminate(&url, pid));
    assert_eq!(code, 1, "notes misses a row: {stderr}");
    // The fresh snapshot sees the row committed after the audit's own: big has one extra.
    let expected =
        vec![entry("big", "fail", 1, 0, 1), entry("lines", "pass", 0, 0, 0), entry("notes", "fail", 0, 1, 0)];
    assert_eq!(tables_of(&report), expected, "{stderr}");
}

#[cfg_attr(not(recon_postgres), ignore = "needs RECON_TEST_POSTGRES_URL (see the README's Tests)")]
#[test]
fn without_retries_a_killed_read_is_an_error_that_state_resumes() {
    let _serial = serial();
    let url = fixture(&server("RECON_TEST_POSTGRES_URL"));
    let dir = scratch();
    let state = dir.path().join("state");
    let (code, report, stderr) = cut_off(&url, &audit(&url, &["--state", path(&state)]), |pid| terminate(&url, pid));
    assert_eq!(code, 2, "{stderr}");
    let expected =
        vec![entry("big", "error", 0, 0, 0), entry("lines", "pass", 0, 0, 0), entry("notes", "fail", 0, 1, 0)];
    assert_eq!(tables_of(&report), expected, "{stderr}");
    let big = report["tables"].as_array().unwrap().iter().find(|t| t["name"] == "big").unwrap();
    assert!(big["error"].as_str().unwrap().contains("terminating connection"), "{big}");

    let (code, report, stderr) = finish(start(&audit(&url, &["--state", path(&state)])));
    assert_eq!(code, 1, "{stderr}");
    let expected =
        vec![entry("big", "fail", 0, 0, 1), entry("lines", "pass", 0, 0, 0), entry("notes", "fail", 0, 1, 0)];
    assert_eq!(tables_of(&report), expected, "{stderr}");
    assert_eq!(report["stats"]["resumed"], 2, "{stderr}");
}

/// A diff takes `--retries` too: its report's stats say how many it took.
#[cfg_attr(not(recon_postgres), ignore = "needs RECON_TEST_POSTGRES_URL (see the README's Tests)")]
#[test]
fn a_diff_whose_read_is_killed_is_read_again() {
    let _serial = serial();
    let url = fixture(&server("RECON_TEST_POSTGRES_URL"));
    let args = ["diff", &format!("{url}#src.big"), &format!("{url}#dst.big"), "--retries", "1"].map(String::from);
    let (code, report, stderr) = cut_off(&url, &args, |pid| terminate(&url, pid));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(report["stats"]["retries"], 1, "{stderr}");
    assert_eq!(report["summary"]["extra_in_target"], 1, "{stderr}");
    assert_eq!(report["summary"]["missing_in_target"], 0, "{stderr}");
}

/// The server restarted under the audit: the audit's shared snapshot is gone with it, so every table read
/// after the restart is read again in a fresh snapshot too.
#[cfg_attr(not(recon_replica), ignore = "needs RECON_TEST_REPLICA_PORT and root (see the README's Tests)")]
#[test]
fn a_server_restarted_mid_audit_is_survived_with_retries() {
    let cluster = restartable_cluster();
    let url = fixture(&cluster.url("postgres"));
    let (code, report, stderr) = cut_off(&url, &audit(&url, &["--retries", "5"]), |_| cluster.restart());
    assert_eq!(code, 1, "{stderr}");
    // The held row went with the locker's session: big is whole again. How many retries big took depends on
    // how soon the server accepted connections again; the others took one each.
    let mut tables = tables_of(&report);
    assert!(tables[0].2 >= 1, "{tables:?}");
    tables[0].2 = 1;
    let expected =
        vec![entry("big", "pass", 1, 0, 0), entry("lines", "pass", 1, 0, 0), entry("notes", "fail", 1, 1, 0)];
    assert_eq!(tables, expected, "{stderr}");

    let (code, report, stderr) = cut_off(&url, &audit(&url, &[]), |_| cluster.restart());
    assert_eq!(code, 2, "{stderr}");
    let statuses: Vec<String> = tables_of(&report).into_iter().map(|t| t.1).collect();
    assert_eq!(statuses, ["error", "error", "error"], "{stderr}");
}

fn mariadb_tables(database: &str, notes: u32) -> Vec<String> {
    vec![
        format!("DROP DATABASE IF EXISTS {database}"),
        format!("CREATE DATABASE {database}"),
        format!("CREATE TABLE {database}.big (id INT PRIMARY KEY, n INT)"),
        format!("INSERT INTO {database}.big SELECT seq, seq % 7 FROM seq_1_to_3000"),
        format!("CREATE TABLE {database}.notes (id INT PRIMARY KEY, n INT)"),
        format!("INSERT INTO {database}.notes SELECT seq, seq * 2 FROM seq_1_to_{notes}"),
    ]
}

/// An audit with `--retries 5` of the fixture on the MariaDB server at `admin` while the test holds the
/// target's `big` locked, with one more row inserted (and committed: MariaDB's LOCK TABLES is no transaction),
/// then cuts recon's waiting read off with `cut` (given the read's connection id).
fn mariadb_audit_cut_off(admin: &str, cut: impl FnOnce(u64)) -> (i32, Value, String) {
    mysql(admin, mariadb_tables("recon_retries_src", 100).into_iter().chain(mariadb_tables("recon_retries_dst", 99)));
    let (source, target) = (with_database(admin, "recon_retries_src"), with_database(admin, "recon_retries_dst"));
    let rt = runtime();
    let mut locker = rt.block_on(sqlx::MySqlConnection::connect(admin)).expect("MariaDB reachable");
    rt.block_on(locker.execute("LOCK TABLES recon_retries_dst.big WRITE")).expect("lock");
    rt.block_on(locker.execute("INSERT INTO recon_retries_dst.big VALUES (3001, 0)")).expect("insert");
    let child = start(&["audit", &source, &target, "--jobs", "1", "--retries", "5"].map(String::from));
    let started = Instant::now();
    let waiting = loop {
        let waiting: Option<i64> = rt
            .block_on(
                sqlx::query_scalar(
                    "SELECT id FROM information_schema.processlist WHERE db = 'recon_retries_dst' \
                     AND state = 'Waiting for table metadata lock' AND info LIKE 'SELECT % FROM `big`%'",
                )
                .fetch_optional(&mut locker),
            )
            .expect("processlist");
        match waiting {
            Some(id) => break id as u64,
            None if started.elapsed() > Duration::from_secs(60) => panic!("recon never waited for big"),
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    cut(waiting);
    let _ = rt.block_on(locker.execute("UNLOCK TABLES"));
    finish(child)
}

/// MariaDB reads each table in its own snapshot; a killed connection is read again all the same.
#[cfg_attr(not(recon_mysql), ignore = "needs RECON_TEST_MYSQL_URL (see the README's Tests)")]
#[test]
fn a_killed_mariadb_read_is_read_again() {
    let _serial = serial();
    let admin = server("RECON_TEST_MYSQL_URL");
    let (code, report, stderr) = mariadb_audit_cut_off(&admin, |id| mysql(&admin, [format!("KILL CONNECTION {id}")]));
    assert_eq!(code, 1, "{stderr}");
    let expected = vec![entry("big", "fail", 1, 0, 1), entry("notes", "fail", 0, 1, 0)];
    assert_eq!(tables_of(&report), expected, "{stderr}");
}

/// A MariaDB server of the test's own, shut down and started again under the audit.
#[cfg_attr(not(recon_mysql), ignore = "needs RECON_TEST_MYSQL_URL: MariaDB installed (see the README's Tests)")]
#[test]
fn a_mariadb_server_restarted_mid_audit_is_survived_with_retries() {
    let mut server = OwnMariaDb::start();
    let admin = server.url("mysql");
    let (code, report, stderr) = mariadb_audit_cut_off(&admin, |_| server.restart());
    assert_eq!(code, 1, "{stderr}");
    // big's read took as many retries as the server took to come back; notes started on a fresh connection.
    let mut tables = tables_of(&report);
    assert!(tables[0].2 >= 1, "{tables:?}");
    tables[0].2 = 1;
    let expected = vec![entry("big", "fail", 1, 0, 1), entry("notes", "fail", 0, 1, 0)];
    assert_eq!(tables, expected, "{stderr}");
}
