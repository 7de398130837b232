//! Rechecks on the real servers: a row that moved on one side while the other stood still is stale, not in
//! flight, and stays a finding of its category; only a key whose rows changed on both sides between every pair
//! of reads is `unstable`, and a key missing on one side never is; after the rechecks, matched, mismatched,
//! missing and unstable still account for the first read's source rows. Then the case that showed it: a logical
//! replica whose subscription is disabled while pgbench keeps writing its source.

use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::{Connection, Executor, Row};

use crate::drift::example_ids;
use crate::util::db::{block_on, postgres, serial, server};
use crate::util::servers::{logical_cluster, Cluster};
use crate::util::{path, recon, scratch};

/// The checks over budget in a report's verdict.
fn violations(report: &Value) -> Vec<(String, u64)> {
    let all = report["verdict"]["violations"].as_array().cloned().unwrap_or_default();
    let mut checks: Vec<(String, u64)> = all
        .iter()
        .map(|v| (v["check"].as_str().unwrap_or_default().to_string(), v["actual"].as_u64().unwrap_or_default()))
        .collect();
    checks.sort();
    checks
}

/// matched + mismatched + missing + the source's duplicate and NULL-key rows + unstable, with no duplicated
/// key: what must give the first read's source rows.
fn accounted_source_rows(report: &Value) -> u64 {
    let s = &report["summary"];
    let n = |v: &Value| v.as_u64().unwrap_or(u64::MAX);
    assert_eq!(s["duplicate_keys_source"], 0, "the sum below counts a duplicated key's rows once");
    n(&s["matched"])
        + n(&s["mismatched"])
        + n(&s["missing_in_target"])
        + n(&s["null_keys_source"])
        + n(&report["drift"]["unstable"])
}

/// Table `items` (`id bigint` key, `v text`) in schemas `recheck_source` and `recheck_target`: the source
/// holds rows 1-100; the target lacks 11, 12 and 14, holds 101 more, and has other values in rows 1-5 and 13.
fn load(pg: &str) {
    postgres(
        pg,
        [
            "DROP SCHEMA IF EXISTS recheck_source CASCADE",
            "DROP SCHEMA IF EXISTS recheck_target CASCADE",
            "CREATE SCHEMA recheck_source",
            "CREATE SCHEMA recheck_target",
            "CREATE TABLE recheck_source.items (id bigint PRIMARY KEY, v text)",
            "CREATE TABLE recheck_target.items (id bigint PRIMARY KEY, v text)",
            "INSERT INTO recheck_source.items SELECT g, 'v' || g FROM generate_series(1, 100) g",
            "INSERT INTO recheck_target.items SELECT g, 'v' || g FROM generate_series(1, 101) g WHERE g NOT IN (11, 12, 14)",
            "UPDATE recheck_target.items SET v = 'old' WHERE id BETWEEN 1 AND 5 OR id = 13",
        ],
    );
}

/// The writes while recon runs, every 50 ms until told to stop: rows 1-5 and 11 change on the source only (the
/// target stands still, as a stopped replica does); rows 6-10 change on both sides, never to equal values. And
/// once, 3 s after the first writes, the rows in flight land: 12 and 14 are deleted from the source as well,
/// 13 reaches the target and 101 the source. Says when the first writes are in.
fn writer(pg: String, stop: mpsc::Receiver<()>, ready: mpsc::Sender<()>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        block_on(async move {
            let mut c = sqlx::PgConnection::connect(&pg).await.expect("PostgreSQL reachable");
            let landing = Instant::now() + Duration::from_secs(3);
            let mut landed = false;
            let mut writes = 0;
            while stop.try_recv().is_err() {
                writes += 1;
                c.execute(
                    format!("UPDATE recheck_source.items SET v = 's{writes}' WHERE id BETWEEN 1 AND 11").as_str(),
                )
                .await
                .unwrap();
                c.execute(
                    format!("UPDATE recheck_target.items SET v = 't{writes}' WHERE id BETWEEN 6 AND 10").as_str(),
                )
                .await
                .unwrap();
                if writes == 1 {
                    ready.send(()).unwrap();
                }
                if !landed && Instant::now() >= landing {
                    for s in [
                        "DELETE FROM recheck_source.items WHERE id IN (12, 14)",
                        "UPDATE recheck_target.items SET v = 'v13' WHERE id = 13",
                        "INSERT INTO recheck_source.items VALUES (101, 'v101')",
                    ] {
                        c.execute(s).await.unwrap();
                    }
                    landed = true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            writes
        })
    })
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn a_row_moving_on_one_side_only_is_a_finding_not_unstable_and_every_first_read_source_row_is_accounted_for() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = serial();
    load(&pg);
    let (source, target) = (format!("{pg}#recheck_source.items"), format!("{pg}#recheck_target.items"));
    let diff = |extra: &[&str]| {
        let mut args = vec!["diff", &source, &target, "--key", "id", "--format", "json", "-q"];
        args.extend(extra);
        recon(&args)
    };
    let (stop, stopped) = mpsc::channel();
    let (ready, started) = mpsc::channel();
    let writes = writer(pg.clone(), stopped, ready);
    started.recv().unwrap();
    let first = diff(&["--recheck", "2", "--recheck-delay", "5s"]);
    let history = scratch();
    let file = history.path().join("history.db");
    let remembered = diff(&["--recheck", "1", "--recheck-delay", "2s", "--history", path(&file)]);
    let (source, target) = (format!("{pg}#recheck_source"), format!("{pg}#recheck_target"));
    let audit = recon(&["audit", &source, &target, "--recheck", "1", "--recheck-delay", "1s"]);
    stop.send(()).unwrap();
    assert!(writes.join().unwrap() > 40, "the rows kept changing all along");

    assert_eq!(first.code, 1, "{}", first.stderr);
    let report = first.json();
    let drift = &report["drift"];
    assert_eq!(drift["rechecks"], 2, "{drift:#}");
    assert_eq!(drift["transient"], 4, "12, 13, 14 and 101 landed between the reads: {drift:#}");
    assert_eq!(drift["unstable"], 5, "{drift:#}");
    let unstable: Vec<i64> =
        drift["unstable_keys"].as_array().unwrap().iter().map(|k| k["id"].as_i64().unwrap()).collect();
    assert_eq!(unstable.iter().copied().collect::<std::collections::BTreeSet<_>>(), (6..=10).collect());
    let summary = &report["summary"];
    assert_eq!((&summary["source_rows"], &summary["target_rows"]), (&Value::from(100), &Value::from(98)));
    // The first read's 86 matched rows, and 12, 13 and 14 that no longer differ (101 had no source row then).
    assert_eq!(summary["matched"], 89, "{summary:#}");
    assert_eq!(summary["mismatched"], 5, "rows 1-5 moved on the source only: {summary:#}");
    assert_eq!(summary["missing_in_target"], 1, "row 11 moved on the source, missing on the target: {summary:#}");
    assert_eq!(summary["extra_in_target"], 0, "{summary:#}");
    assert_eq!(accounted_source_rows(&report), 100);
    assert_eq!(example_ids(&report, "mismatched"), vec![1, 2, 3, 4, 5]);
    assert_eq!(example_ids(&report, "missing_in_target"), vec![11]);
    assert_eq!(report["column_mismatches"]["v"], 5);
    let expected = [("mismatched", 5), ("missing_in_target", 1), ("unstable", 5)].map(|(c, n)| (c.to_string(), n));
    assert_eq!(violations(&report), expected);

    // With history the stale rows are findings (the in-flight ones landed before this run).
    assert_eq!(remembered.code, 1, "{}", remembered.stderr);
    let report = remembered.json();
    let drift = &report["drift"];
    assert_eq!(
        (&drift["new"], &drift["unstable"], &drift["transient"]),
        (&Value::from(6), &Value::from(5), &Value::from(0))
    );
    assert_eq!(accounted_source_rows(&report), report["summary"]["source_rows"].as_u64().unwrap());
    let statuses: Vec<&str> =
        report["examples"]["mismatched"].as_array().unwrap().iter().filter_map(|e| e["status"].as_str()).collect();
    assert_eq!(statuses, ["new"; 5]);

    // An audit shows each table's unstable keys, and its recheck lines say which table they are about.
    assert_eq!(audit.code, 1, "{}", audit.stderr);
    assert!(audit.stderr.contains("items: recheck 1 of 1: 11 differing keys"), "{}", audit.stderr);
    let cells = |line: &str| -> Vec<String> {
        line.split(['│', '┆']).map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect()
    };
    let header = audit.stdout.lines().find(|l| l.contains("source rows")).map(cells).unwrap_or_default();
    let row = audit.stdout.lines().find(|l| l.contains("items")).map(cells).unwrap_or_default();
    let shown: Vec<(&str, &str)> = header.iter().map(String::as_str).zip(row.iter().map(String::as_str)).collect();
    let expected = [
        ("table", "items"),
        ("status", "fail"),
        ("source rows", "99"),
        ("target rows", "98"),
        ("matched", "88"),
        ("missing", "1"),
        ("extra", "0"),
        ("mismatched", "5"),
        ("duplicates", "0"),
        ("unstable", "5"),
        ("key", "id"),
    ];
    assert_eq!(shown, expected, "{}", audit.stdout);
}

/// A source and a target database in the logical cluster, pgbench's tables in both, the target subscribed to
/// the source's `pgbench_branches` through a slot made first (both databases live in one cluster).
struct Replica {
    cluster: Cluster,
}

const SOURCE_DB: &str = "recon_replica_source";
const TARGET_DB: &str = "recon_replica_target";

impl Replica {
    fn set_up(cluster: Cluster) -> Replica {
        let replica = Replica { cluster };
        replica.tear_down();
        let admin = replica.cluster.url("postgres");
        postgres(&admin, [&format!("CREATE DATABASE {SOURCE_DB}"), &format!("CREATE DATABASE {TARGET_DB}")]);
        replica.pgbench(SOURCE_DB, &["-i", "-q", "-s", "5"]);
        replica.pgbench(TARGET_DB, &["-i", "-q", "-s", "5", "-I", "dtp"]);
        postgres(
            &replica.cluster.url(SOURCE_DB),
            [
                "CREATE PUBLICATION recon_publication FOR TABLE pgbench_branches",
                "SELECT pg_create_logical_replication_slot('recon_slot', 'pgoutput')",
            ],
        );
        let connection = format!("host=127.0.0.1 port={} dbname={SOURCE_DB} user=postgres", replica.cluster.port);
        postgres(
            &replica.cluster.url(TARGET_DB),
            [&format!(
                "CREATE SUBSCRIPTION recon_subscription CONNECTION '{connection}' PUBLICATION recon_publication \
                 WITH (create_slot = false, slot_name = 'recon_slot')"
            )],
        );
        replica.wait_for_copy();
        replica
    }

    /// Drops what an earlier run left: the subscription (after detaching it from its slot), the slot, both
    /// databases.
    fn tear_down(&self) {
        let admin = self.cluster.url("postgres");
        let target_exists = block_on(async {
            let mut c = sqlx::PgConnection::connect(&admin).await.expect("replica cluster reachable");
            let query = format!("SELECT count(*) FROM pg_database WHERE datname = '{TARGET_DB}'");
            sqlx::query(&query).fetch_one(&mut c).await.unwrap().get::<i64, _>(0) > 0
        });
        if target_exists {
            postgres(
                &self.cluster.url(TARGET_DB),
                [
                    "DO $$ BEGIN IF EXISTS (SELECT FROM pg_subscription WHERE subname = 'recon_subscription') THEN \
                     ALTER SUBSCRIPTION recon_subscription DISABLE; \
                     ALTER SUBSCRIPTION recon_subscription SET (slot_name = NONE); END IF; END $$",
                    "DROP SUBSCRIPTION IF EXISTS recon_subscription",
                ],
            );
        }
        postgres(
            &admin,
            [
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'recon_slot'",
                &format!("DROP DATABASE IF EXISTS {TARGET_DB} WITH (FORCE)"),
                &format!("DROP DATABASE IF EXISTS {SOURCE_DB} WITH (FORCE)"),
            ],
        );
    }

    fn pgbench_command(&self, database: &str, args: &[&str]) -> Command {
        let mut command = Command::new(self.cluster.program("pgbench"));
        let port = self.cluster.port.to_string();
        command.args(["-h", "127.0.0.1", "-p", &port, "-U", "postgres"]).args(args).arg(database);
        command
    }

    fn pgbench(&self, database: &str, args: &[&str]) {
        let output = self.pgbench_command(database, args).output().expect("pgbench runs");
        assert!(output.status.success(), "pgbench {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }

    /// pgbench's TPC-B-like transactions on the source, two clients, until dropped.
    fn write(&self) -> Writing {
        let mut command = self.pgbench_command(SOURCE_DB, &["-n", "-c", "2", "-T", "600"]);
        Writing(command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("pgbench starts"))
    }

    /// Each branch's balance on (source, target).
    fn balances(&self) -> Vec<(i64, i64)> {
        let read = |database: &str| {
            block_on(async {
                let mut c = sqlx::PgConnection::connect(&self.cluster.url(database)).await.unwrap();
                let rows = sqlx::query("SELECT bbalance::bigint FROM pgbench_branches ORDER BY bid")
                    .fetch_all(&mut c)
                    .await
                    .unwrap();
                rows.iter().map(|r| r.get::<i64, _>(0)).collect::<Vec<i64>>()
            })
        };
        read(SOURCE_DB).into_iter().zip(read(TARGET_DB)).collect()
    }

    /// Waits (up to 60 s) until `done` holds.
    fn wait(&self, what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done() {
            assert!(Instant::now() < deadline, "{what}: not within 60 s");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn wait_for_copy(&self) {
        self.wait("the subscription's initial copy", || {
            let copied = self.balances();
            copied.len() == 5 && copied.iter().all(|(s, t)| s == t)
        });
    }

    fn diff(&self, extra: &[&str]) -> crate::util::Run {
        let source = format!("{}#pgbench_branches", self.cluster.url(SOURCE_DB));
        let target = format!("{}#pgbench_branches", self.cluster.url(TARGET_DB));
        let mut args = vec!["diff", &source, &target, "--key", "bid", "--format", "json", "-q"];
        args.extend(extra);
        recon(&args)
    }
}

/// A running pgbench, stopped when dropped (also when a test fails).
struct Writing(Child);

impl Drop for Writing {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[cfg_attr(
    not(recon_replica),
    ignore = "needs a PostgreSQL cluster for logical replication: set RECON_TEST_REPLICA_PORT"
)]
fn a_logical_replica_whose_subscription_is_disabled_while_pgbench_writes_is_mismatched_not_unstable() {
    let cluster = logical_cluster();
    let replica = Replica::set_up(cluster);
    let replicating = replica.diff(&["--recheck", "2", "--recheck-delay", "2s"]);
    assert_eq!(replicating.code, 0, "a replica caught up reconciles: {}", replicating.stdout);

    postgres(&replica.cluster.url(TARGET_DB), ["ALTER SUBSCRIPTION recon_subscription DISABLE"]);
    let pgbench = replica.write();
    replica.wait("pgbench moving every branch", || replica.balances().iter().all(|(s, t)| s != t));
    let stopped = replica.diff(&["--recheck", "2", "--recheck-delay", "2s", "--max-unstable", "5"]);
    drop(pgbench);
    replica.tear_down();

    assert_eq!(stopped.code, 1, "a stopped replica is not reconciled: {}\n{}", stopped.stdout, stopped.stderr);
    let report = stopped.json();
    let summary = &report["summary"];
    assert_eq!(
        (&summary["source_rows"], &summary["matched"], &summary["mismatched"]),
        (&Value::from(5), &Value::from(0), &Value::from(5)),
        "{summary:#}"
    );
    let drift = &report["drift"];
    assert_eq!(
        (&drift["rechecks"], &drift["transient"], &drift["unstable"]),
        (&Value::from(2), &Value::from(0), &Value::from(0))
    );
    assert_eq!(violations(&report), [("mismatched".to_string(), 5)]);
}
