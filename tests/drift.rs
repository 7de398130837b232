//! Runs over time on the real servers (DESIGN.md, "Runs over time"): a dual-write simulation whose rows in
//! flight are exactly transient and whose real drift is exactly what is counted; findings followed across runs
//! (new, persisting, resolved, first seen); key lists; windows by change time; `--since-last-run`; one run per
//! table at a time; and the history commands. PostgreSQL is the source and MariaDB the target unless a test
//! says otherwise; every table is named `drift_…`.

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::{Connection, Executor};

use crate::util::db::{block_on, mysql, postgres, serial, server};
use crate::util::{path, recon, scratch, Run};

/// A table on both servers: `id bigint` key, `name`, `amount`, and `updated_at`, the change time the
/// application writes on both sides (timestamptz in PostgreSQL, TIMESTAMP(6) in MariaDB, sessions in UTC).
struct Pair {
    pg: String,
    my: String,
    table: &'static str,
}

const OLD: &str = "2020-01-01 00:00:00";

impl Pair {
    fn new(table: &'static str, rows: i64) -> Pair {
        let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
        let pair = Pair { pg, my, table };
        pair.source(&[
            &format!("DROP TABLE IF EXISTS {table}"),
            &format!("CREATE TABLE {table} (id bigint PRIMARY KEY, name text, amount numeric(10,2), updated_at timestamptz NOT NULL)"),
            &format!("INSERT INTO {table} SELECT g, 'n' || g, g * 1.5, '{OLD}+00' FROM generate_series(1, {rows}) g"),
        ]);
        pair.target(&[
            &format!("DROP TABLE IF EXISTS {table}"),
            &format!("CREATE TABLE {table} (id bigint PRIMARY KEY, name text, amount decimal(10,2), updated_at timestamp(6) NOT NULL)"),
            &format!("INSERT INTO {table} SELECT seq, concat('n', seq), seq * 1.5, '{OLD}' FROM seq_1_to_{rows}"),
        ]);
        pair
    }

    fn source(&self, statements: &[&str]) {
        postgres(&self.pg, ["SET TIME ZONE 'UTC'"].iter().chain(statements));
    }

    fn target(&self, statements: &[&str]) {
        mysql(&self.my, ["SET time_zone = '+00:00'"].iter().chain(statements));
    }

    fn locations(&self) -> (String, String) {
        (format!("{}#{}", self.pg, self.table), format!("{}#{}", self.my, self.table))
    }

    /// `recon diff` of the pair with `extra` options, as JSON; exit 0 or 1.
    fn diff(&self, extra: &[&str]) -> Value {
        let run = self.run(extra);
        assert!(run.code == 0 || run.code == 1, "exit {}: {}", run.code, run.stderr);
        run.json()
    }

    fn run(&self, extra: &[&str]) -> Run {
        let (source, target) = self.locations();
        let mut args = vec!["diff", &source, &target, "--key", "id", "--format", "json", "-q"];
        args.extend(extra);
        recon(&args)
    }
}

/// The keys of a report's examples of one category.
pub fn example_ids(report: &Value, category: &str) -> Vec<i64> {
    let examples = report["examples"][category].as_array().cloned().unwrap_or_default();
    let mut ids: Vec<i64> = examples.iter().filter_map(|e| e["key"]["id"].as_i64()).collect();
    ids.sort_unstable();
    ids
}

/// Each example's (id, status, first seen) in a category.
fn statuses(report: &Value, category: &str) -> Vec<(i64, String, String)> {
    let examples = report["examples"][category].as_array().cloned().unwrap_or_default();
    let mut seen: Vec<(i64, String, String)> = examples
        .iter()
        .map(|e| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
            (e["key"]["id"].as_i64().unwrap_or_default(), text(&e["status"]), text(&e["first_seen"]))
        })
        .collect();
    seen.sort();
    seen
}

fn counts(report: &Value) -> (u64, u64, u64) {
    let n = |name: &str| report["drift"][name].as_u64().unwrap_or(u64::MAX);
    (n("new"), n("persisting"), n("resolved"))
}

/// An application writing to both systems: each change goes to the source at once and to the target after a
/// lag, with the same change time. Says when the source has the first batch.
fn dual_writer(pair: &Pair, stop: mpsc::Receiver<()>, ready: mpsc::Sender<()>) -> std::thread::JoinHandle<usize> {
    let (pg, my, table) = (pair.pg.clone(), pair.my.clone(), pair.table);
    std::thread::spawn(move || {
        block_on(async move {
            let mut source = sqlx::PgConnection::connect(&pg).await.unwrap();
            let mut target = sqlx::MySqlConnection::connect(&my).await.unwrap();
            source.execute("SET TIME ZONE 'UTC'").await.unwrap();
            target.execute("SET time_zone = '+00:00'").await.unwrap();
            let stamp = || chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.6f").to_string();
            // Batch 0, rows 100..=109, in flight for 4 s: recon's first read sees them on the source only.
            let at = stamp();
            let batch = format!(
                "UPDATE {table} SET name = concat('v1-', id), updated_at = '{at}' WHERE id BETWEEN 100 AND 109"
            );
            source.execute(batch.as_str()).await.unwrap();
            ready.send(()).unwrap();
            let mut pending: Vec<(Instant, String)> = vec![(Instant::now() + Duration::from_secs(4), batch)];
            // Row 150 is rewritten every 300 ms and reaches the target 1.5 s later: it never stands still.
            let mut next_hot = Instant::now();
            let mut writes = 0;
            while stop.try_recv().is_err() {
                if Instant::now() >= next_hot {
                    writes += 1;
                    let at = stamp();
                    let hot = format!("UPDATE {table} SET name = 'hot-{writes}', updated_at = '{at}' WHERE id = 150");
                    source.execute(hot.as_str()).await.unwrap();
                    pending.push((Instant::now() + Duration::from_millis(1500), hot));
                    next_hot += Duration::from_millis(300);
                }
                let now = Instant::now();
                for (_, sql) in pending.iter().filter(|(due, _)| *due <= now) {
                    target.execute(sql.as_str()).await.unwrap();
                }
                pending.retain(|(due, _)| *due > now);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            // Every write reaches the target in the end.
            for (_, sql) in pending {
                target.execute(sql.as_str()).await.unwrap();
            }
            writes
        })
    })
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn during_dual_writes_rows_in_flight_are_transient_a_hot_row_is_unstable_and_only_real_drift_counts() {
    let _serial = serial();
    let pair = Pair::new("drift_dual", 300);
    // The real drift: three values changed, two rows lost and one row added on the target only.
    pair.target(&[
        "UPDATE drift_dual SET amount = amount + 1 WHERE id IN (10, 11, 12)",
        "DELETE FROM drift_dual WHERE id IN (20, 21)",
        "INSERT INTO drift_dual VALUES (1000, 'stray', 1, '2020-01-01')",
    ]);
    let (stop, stopped) = mpsc::channel();
    let (ready, started) = mpsc::channel();
    let writer = dual_writer(&pair, stopped, ready);
    started.recv().unwrap();
    let report = pair.diff(&["--recheck", "2", "--recheck-delay", "6s"]);
    stop.send(()).unwrap();
    assert!(writer.join().unwrap() > 10, "the hot row was written all along");

    let drift = &report["drift"];
    assert_eq!(drift["rechecks"], 2, "{drift:#}");
    assert_eq!(drift["transient"], 10, "batch 0 was in flight at the first read only: {drift:#}");
    assert_eq!(drift["unstable"], 1, "{drift:#}");
    assert_eq!(drift["unstable_keys"][0]["id"], 150);
    let summary = &report["summary"];
    assert_eq!(
        (&summary["mismatched"], &summary["missing_in_target"], &summary["extra_in_target"]),
        (&Value::from(3), &Value::from(2), &Value::from(1)),
        "{summary:#}"
    );
    assert_eq!(example_ids(&report, "mismatched"), vec![10, 11, 12]);
    // 300 source rows: 3 mismatched, 2 missing, 1 unstable; the 10 transient ones matched on the recheck.
    assert_eq!(summary["matched"], 294, "{summary:#}");
    assert_eq!(report["column_mismatches"]["amount"], 3);
    assert_eq!(report["column_mismatches"]["name"], 0, "the hot row's column is not counted");
    let checks: Vec<&str> =
        report["verdict"]["violations"].as_array().unwrap().iter().filter_map(|v| v["check"].as_str()).collect();
    assert!(checks.contains(&"unstable") && checks.contains(&"mismatched"), "{checks:?}");
    let passed = pair.diff(&[
        "--max-mismatched",
        "3",
        "--max-missing",
        "2",
        "--max-extra",
        "1",
        "--max-unstable",
        "1",
        "--recheck",
        "1",
        "--recheck-delay",
        "1s",
    ]);
    assert_eq!(passed["verdict"]["pass"], true, "{:#}", passed["verdict"]);
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn findings_are_new_persisting_or_resolved_across_runs_and_a_key_list_resolves_only_its_keys() {
    let _serial = serial();
    let pair = Pair::new("drift_runs", 100);
    let dir = scratch();
    let file = dir.path().join("history.db");
    let history = path(&file);
    fn with<'a>(history: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        [&["--history", history][..], extra].concat()
    }

    pair.target(&["UPDATE drift_runs SET amount = 0 WHERE id IN (1, 2)", "DELETE FROM drift_runs WHERE id = 3"]);
    let one = pair.diff(&with(history, &[]));
    assert_eq!(counts(&one), (3, 0, 0), "{:#}", one["drift"]);
    assert_eq!(one["drift"]["previous_run"], Value::Null);
    let first = one["examples"]["mismatched"][0]["first_seen"].as_str().unwrap().to_string();
    assert_eq!(statuses(&one, "mismatched"), vec![(1, "new".into(), first.clone()), (2, "new".into(), first.clone())]);

    // Fixed: 1. New: a mismatch at 4 and a stray row 500.
    pair.target(&[
        "UPDATE drift_runs SET amount = 1.5 WHERE id = 1",
        "UPDATE drift_runs SET name = 'x' WHERE id = 4",
        "INSERT INTO drift_runs VALUES (500, 'stray', 1, '2020-01-01')",
    ]);
    let two = pair.diff(&with(history, &[]));
    assert_eq!(counts(&two), (2, 2, 1), "{:#}", two["drift"]);
    assert_eq!(two["drift"]["previous_run"]["id"], one["drift"]["run"]);
    let second = two["examples"]["mismatched"].as_array().unwrap().iter().find(|e| e["key"]["id"] == 4).unwrap()
        ["first_seen"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(first, second);
    assert_eq!(
        statuses(&two, "mismatched"),
        vec![(2, "persisting".into(), first.clone()), (4, "new".into(), second.clone())]
    );
    assert_eq!(statuses(&two, "missing_in_target"), vec![(3, "persisting".into(), first.clone())]);
    assert_eq!(statuses(&two, "extra_in_target"), vec![(500, "new".into(), second.clone())]);

    // Both mismatches fixed, but the key list names only 2: only 2 resolves.
    pair.target(&["UPDATE drift_runs SET amount = 3.0 WHERE id = 2", "UPDATE drift_runs SET name = 'n4' WHERE id = 4"]);
    let keys = dir.path().join("keys.csv");
    std::fs::write(&keys, "id\n2\n").unwrap();
    let three = pair.diff(&with(history, &["--keys", path(&keys)]));
    assert_eq!(three["drift"]["scope"], "keys");
    assert_eq!(counts(&three), (0, 0, 1), "{:#}", three["drift"]);
    assert_eq!(three["drift"]["not_covered"], 3, "4, 3 and 500 stay open");
    assert_eq!((three["summary"]["source_rows"].as_u64(), three["verdict"]["pass"].as_bool()), (Some(1), Some(true)));

    let four = pair.diff(&with(history, &[]));
    assert_eq!(counts(&four), (0, 2, 1), "4 resolves now: {:#}", four["drift"]);
    assert_eq!(statuses(&four, "missing_in_target"), vec![(3, "persisting".into(), first.clone())]);
    assert_eq!(statuses(&four, "extra_in_target"), vec![(500, "persisting".into(), second)]);

    let trend = recon(&["history", history, "--format", "json"]);
    assert_eq!(trend.code, 0, "{}", trend.stderr);
    let table = &trend.json()["tables"][0];
    let runs: Vec<(u64, u64, u64)> = table["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["new"].as_u64().unwrap(), r["persisting"].as_u64().unwrap(), r["resolved"].as_u64().unwrap()))
        .collect();
    assert_eq!(runs, vec![(0, 2, 1), (0, 0, 1), (2, 2, 1), (3, 0, 0)], "newest first");
    assert_eq!(table["open_findings"], json!({"extra_in_target": 1, "missing_in_target": 1}));
    let text = recon(&["history", history, "--last", "2"]);
    assert!(text.stdout.contains("open findings: 2 (extra_in_target 1, missing_in_target 1)"), "{}", text.stdout);
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_row_changed_on_one_side_within_min_age_is_left_out_on_both_sides() {
    let _serial = serial();
    let pair = Pair::new("drift_age", 100);
    // 5 changed a moment ago on the source only (its write has not reached the target yet); 7 is old drift.
    pair.source(&["UPDATE drift_age SET name = 'fresh', updated_at = now() WHERE id = 5"]);
    pair.target(&["UPDATE drift_age SET amount = 0 WHERE id = 7"]);
    let all = pair.diff(&[]);
    assert_eq!(example_ids(&all, "mismatched"), vec![5, 7]);
    let aged = pair.diff(&["--updated-column", "updated_at", "--min-age", "1h"]);
    assert_eq!(example_ids(&aged, "mismatched"), vec![7]);
    assert_eq!(
        (&aged["summary"]["source_rows"], &aged["summary"]["target_rows"]),
        (&Value::from(99), &Value::from(99))
    );
    assert_eq!(aged["drift"]["scope"], "window");
    assert_eq!(aged["drift"]["window"]["left_out_keys"], 1);
    // A change on the target only is left out alike; with --max-age only the recent keys are compared.
    pair.target(&["UPDATE drift_age SET name = 'fresh too', updated_at = now() WHERE id = 9"]);
    let aged = pair.diff(&["--updated-column", "updated_at", "--min-age", "1h"]);
    assert_eq!((example_ids(&aged, "mismatched"), aged["summary"]["source_rows"].as_u64()), (vec![7], Some(98)));
    let recent = pair.diff(&["--updated-column", "updated_at", "--max-age", "1h"]);
    assert_eq!(example_ids(&recent, "mismatched"), vec![5, 9]);
    assert_eq!(recent["stats"]["source"]["rows"], 2, "only the recent rows are read");
    // Options that need a key stop a keyless comparison.
    let (source, target) = pair.locations();
    for option in [&["--updated-column", "updated_at"][..], &["--keys", "fixtures/orders/legacy.parquet"]] {
        let run = recon(&[&["diff", &source, &target, "--keyless", "-q"][..], option].concat());
        assert_eq!(run.code, 2, "{option:?}: {}", run.stderr);
        assert!(run.stderr.contains("keyless"), "{}", run.stderr);
    }
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn since_last_run_reads_changed_rows_and_keys_finds_a_deletion_and_resolves_a_fixed_finding() {
    let _serial = serial();
    let pair = Pair::new("drift_since", 1000);
    let dir = scratch();
    let file = dir.path().join("history.db");
    let incremental = ["--history", path(&file), "--updated-column", "updated_at", "--since-last-run"];
    pair.target(&["UPDATE drift_since SET amount = 0 WHERE id = 10"]);
    // No complete run yet: the first compares every key.
    let one = pair.diff(&incremental);
    assert_eq!((one["drift"]["scope"].as_str(), counts(&one)), (Some("table"), (1, 0, 0)), "{:#}", one["drift"]);

    // 10 fixed without its change time moving; 100..=104 changed on both sides; 200 changed differently on
    // each; 300 deleted on the target only, which no change time records.
    std::thread::sleep(Duration::from_millis(50));
    pair.target(&["UPDATE drift_since SET amount = 15 WHERE id = 10", "DELETE FROM drift_since WHERE id = 300"]);
    let at = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.6f");
    pair.source(&[&format!(
        "UPDATE drift_since SET name = 'moved', updated_at = '{at}' WHERE id BETWEEN 100 AND 104 OR id = 200"
    )]);
    pair.target(&[
        &format!("UPDATE drift_since SET name = 'moved', updated_at = '{at}' WHERE id BETWEEN 100 AND 104"),
        &format!("UPDATE drift_since SET name = 'other', updated_at = '{at}' WHERE id = 200"),
    ]);
    let two = pair.diff(&[&incremental[..], &["--window-overlap", "0s"]].concat());
    let drift = &two["drift"];
    assert_eq!(drift["scope"], "since_last_run", "{drift:#}");
    assert_eq!(counts(&two), (2, 0, 1), "{drift:#}");
    assert_eq!(example_ids(&two, "mismatched"), vec![200]);
    assert_eq!(example_ids(&two, "missing_in_target"), vec![300]);
    let window = &drift["window"];
    assert_eq!(window["changed_keys"], json!({"source": 6, "target": 6}));
    assert_eq!((&window["open_findings_read"], &window["one_sided_keys"]), (&Value::from(1), &Value::from(1)));
    // Rows read whole: the 6 changed, the open finding 10 and the deleted 300 (gone from the target).
    let stats = &two["stats"];
    assert_eq!((stats["source"]["rows"].as_u64(), stats["target"]["rows"].as_u64()), (Some(8), Some(7)), "{stats:#}");
    // Keys read alone: the window's, then every key of each side.
    assert_eq!((stats["source"]["key_rows"].as_u64(), stats["target"]["key_rows"].as_u64()), (Some(1006), Some(1005)));
    // The next run starts where this one began (with the default overlap, five minutes before).
    let three = pair.diff(&[&incremental[..], &["--window-overlap", "0s"]].concat());
    assert_eq!(three["drift"]["window"]["changed_keys"], json!({"source": 0, "target": 0}), "{:#}", three["drift"]);
    assert_eq!(counts(&three), (0, 2, 0));
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn two_runs_of_one_table_never_overlap() {
    let _serial = serial();
    let pair = Pair::new("drift_lock", 50);
    pair.target(&["UPDATE drift_lock SET amount = 0 WHERE id = 1"]);
    let dir = scratch();
    let file = dir.path().join("history.db");
    let (source, target) = pair.locations();
    let args = ["diff", &source, &target, "--key", "id", "-q", "--history", path(&file)];
    // The first run waits in its recheck while holding the table.
    let first = Command::new(env!("CARGO_BIN_EXE_recon"))
        .args(args)
        .args(["--recheck", "1", "--recheck-delay", "5s"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_lock(&file);
    let second = recon(&args);
    assert_eq!(second.code, 2, "{}", second.stderr);
    assert!(second.stderr.contains("is being compared by another run"), "{}", second.stderr);
    // Another table in the same file runs meanwhile.
    let other = recon(&[&args[..], &["--name", "drift_lock, again"]].concat());
    assert_eq!(other.code, 1, "{}", other.stderr);
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(1), "{}", String::from_utf8_lossy(&first.stderr));
    // Released: the next run goes ahead.
    assert_eq!(recon(&args).code, 1);
}

/// Waits until some run holds a table of the history file.
fn wait_for_lock(file: &std::path::Path) {
    let url = format!("sqlite://{}", file.display());
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        let held: Option<i64> = file
            .exists()
            .then(|| {
                block_on(async {
                    let mut c = sqlx::SqliteConnection::connect(&url).await.ok()?;
                    sqlx::query_scalar("SELECT count(*) FROM locks").fetch_one(&mut c).await.ok()
                })
            })
            .flatten();
        if held.unwrap_or(0) > 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no run took a lock in {}", file.display());
}

/// Two CSV files with a key column `id`, the target's rows changed as `change` says.
fn csv_pair(dir: &std::path::Path, change: impl Fn(i64) -> Option<String>) -> (String, String) {
    let (source, target) = (dir.join("source.csv"), dir.join("target.csv"));
    let mut s = String::from("id,name\n");
    let mut t = String::from("id,name\n");
    for id in 1..=20 {
        s += &format!("{id},n{id}\n");
        if let Some(name) = change(id) {
            t += &format!("{id},{name}\n");
        }
    }
    std::fs::write(&source, s).unwrap();
    std::fs::write(&target, t).unwrap();
    (path(&source).to_string(), path(&target).to_string())
}

#[test]
fn an_accepted_baseline_keeps_a_known_backlog_from_failing_max_new() {
    let dir = scratch();
    let history = dir.path().join("h.db");
    let (h, keys) = (path(&history), dir.path().join("keys.parquet"));
    let backlog = |id: i64| match id {
        3 => None,
        4 => Some("changed".to_string()),
        _ => Some(format!("n{id}")),
    };
    let (source, target) = csv_pair(dir.path(), backlog);
    let keyed = |key: &str, extra: &[&str]| {
        let base =
            ["diff", &source, &target, "--key", key, "--format", "json", "-q", "--history", h, "--name", "backlog"];
        let run = recon(&[&base[..], extra].concat());
        assert!(run.code < 2, "{}", run.stderr);
        run
    };
    let run = |extra: &[&str]| keyed("id", extra);
    let one = run(&[]);
    assert_eq!(one.code, 1);
    let accept = recon(&["history", "accept", h]);
    assert_eq!((accept.code, accept.stdout.as_str()), (0, "backlog: baseline of 2 open findings\n"));
    // The backlog is accepted: with --max-new 0 (category budgets unlimited) the run passes.
    let two = run(&["--max-new", "0"]);
    assert_eq!(two.code, 0, "{}", two.stdout);
    assert_eq!(two.json()["drift"]["baseline"]["beyond"], 0);
    // A new defect is beyond the baseline, run after run, until accepted or fixed.
    csv_pair(dir.path(), |id| if id == 9 { Some("new".into()) } else { backlog(id) });
    for _ in 0..2 {
        let three = run(&["--max-new", "0"]);
        let violation = &three.json()["verdict"]["violations"][0];
        assert_eq!((three.code, &violation["check"], &violation["actual"]), (1, &Value::from("new"), &Value::from(1)));
    }
    // A --diff-out file is a key list: after a fix, the record is verified alone.
    let out = dir.path().join("out");
    run(&["--diff-out", path(&out)]);
    std::fs::copy(out.join("mismatched.parquet"), &keys).unwrap();
    let listed = run(&["--keys", path(&keys)]);
    assert_eq!(listed.json()["drift"]["keys_listed"], 2, "4 and 9");
    // A changed comparison keeps findings comparable and says so; a changed key supersedes them.
    let excluded = run(&["--exclude", "name"]).json();
    assert_eq!(
        (&excluded["drift"]["spec_changed"], &excluded["drift"]["resolved"]),
        (&Value::from("comparison"), &Value::from(2))
    );
    let rekeyed = keyed("id,name", &[]).json();
    assert_eq!(rekeyed["drift"]["spec_changed"], "key");
    assert_eq!(rekeyed["drift"]["superseded"], 1, "{:#}", rekeyed["drift"]);
    // Pruning keeps the latest run of each table; the file's trend says so.
    let pruned = recon(&["history", "prune", h, "--keep", "1"]);
    assert_eq!(pruned.code, 0, "{}", pruned.stderr);
    let trend = recon(&["history", h, "--format", "json"]).json();
    assert_eq!(trend["tables"][0]["runs"].as_array().map(Vec::len), Some(1));
}

#[test]
fn the_documents_show_findings_over_time() {
    let dir = scratch();
    let (history, html, markdown) = (dir.path().join("h.db"), dir.path().join("r.html"), dir.path().join("r.md"));
    let (source, target) =
        csv_pair(dir.path(), |id| if id == 4 { Some("changed".into()) } else { Some(format!("n{id}")) });
    let run = |extra: &[&str]| {
        let base = ["diff", &source, &target, "--key", "id", "-q", "--history", path(&history)];
        let run = recon(&[&base[..], extra].concat());
        assert_eq!(run.code, 1, "{}", run.stderr);
    };
    run(&[]);
    csv_pair(dir.path(), |id| match id {
        4 | 7 => Some("changed".into()),
        _ => Some(format!("n{id}")),
    });
    run(&["--html", path(&html), "--markdown", path(&markdown)]);
    let html = std::fs::read_to_string(html).unwrap();
    let row = "<td>table</td><td>#1, ";
    assert!(html.contains("<h2>Over time</h2>") && html.contains(row), "{html}");
    let counts = "<td class=\"n\">1</td><td class=\"n\">1</td><td class=\"n\">0</td><td class=\"n\">0</td>";
    assert!(html.contains(counts), "1 new, 1 persisting, 0 resolved, 0 transient: {html}");
    let markdown = std::fs::read_to_string(markdown).unwrap();
    assert!(
        markdown.contains("### Over time\n\n| scope | new | persisting | resolved | transient | unstable | notes |\n")
    );
    assert!(markdown.contains("| table | 1 | 1 | 0 | 0 | 0 |  |\n"), "{markdown}");
}

#[test]
fn history_settings_that_cannot_work_are_errors_naming_them() {
    let dir = scratch();
    let missing = dir.path().join("none.db");
    let run = recon(&["history", path(&missing)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no such history file"), "{}", run.stderr);
    let base = ["diff", "fixtures/orders/legacy.parquet", "fixtures/orders/new/", "--key", "order_id"];
    for (extra, says) in [
        (&["--since-last-run", "--updated-column", "x"][..], "--since-last-run: needs --history"),
        (&["--min-age", "1h"], "--min-age: needs --updated-column"),
        (&["--recheck-delay", "soon"], "--recheck-delay: \"soon\" is not a duration"),
        (&["--max-new", "1"], "--max-new: needs --history"),
        (&["--updated-column", "nope", "--max-age", "1d"], "--updated-column: nope is not a column"),
    ] {
        let run = recon(&[&base[..], extra].concat());
        assert_eq!(run.code, 2, "{extra:?}");
        assert!(run.stderr.contains(says), "{extra:?}: {}", run.stderr);
    }
}

#[test]
fn sqlite_windows_read_change_times_stored_as_text_unix_seconds_or_julian_days() {
    let dir = scratch();
    let make = |name: &str, changes: &[&str]| {
        let file = dir.path().join(name);
        block_on(async {
            let url = format!("sqlite://{}?mode=rwc", file.display());
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, updated_at DATETIME NOT NULL)")
                .await
                .unwrap();
            for id in 1..=10 {
                c.execute(format!("INSERT INTO t VALUES ({id}, 'n{id}', '2020-01-01 00:00:00')").as_str())
                    .await
                    .unwrap();
            }
            for change in changes {
                c.execute(*change).await.unwrap();
            }
        });
        format!("sqlite://{}#t", file.display())
    };
    // Changed just now, the change time stored in each of SQLite's three forms; 5 on the target only.
    let source = make(
        "source.db",
        &[
            "UPDATE t SET name = 'new', updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 2",
            "UPDATE t SET name = 'new', updated_at = CAST(strftime('%s', 'now') AS INTEGER) WHERE id = 3",
            "UPDATE t SET name = 'new', updated_at = julianday('now') WHERE id = 4",
        ],
    );
    let target = make("target.db", &["UPDATE t SET name = 'new', updated_at = unixepoch() WHERE id = 5"]);
    let run = |extra: &[&str]| {
        let run = windowed(&source, &target, extra);
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.json()
    };
    let recent = run(&["--max-age", "1h"]);
    assert_eq!(example_ids(&recent, "mismatched"), vec![2, 3, 4, 5]);
    assert_eq!(recent["drift"]["window"]["changed_keys"], json!({"source": 3, "target": 1}));
    assert_eq!(recent["stats"]["source"]["rows"], 4, "read by key");
    let aged = windowed(&source, &target, &["--min-age", "1h"]);
    assert_eq!(aged.code, 0, "{}", aged.stdout);
    assert_eq!(aged.json()["summary"]["matched"], 6);
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn a_zone_less_change_time_is_read_in_the_side_zone() {
    let _serial = serial();
    let pg = server("RECON_TEST_POSTGRES_URL");
    block_on(async {
        let mut c = sqlx::PgConnection::connect(&pg).await.unwrap();
        for s in [
            "DROP TABLE IF EXISTS drift_naive",
            "CREATE TABLE drift_naive (id int PRIMARY KEY, updated_at timestamp NOT NULL)",
            "INSERT INTO drift_naive VALUES (1, '2020-01-01'), (2, now() AT TIME ZONE 'America/New_York')",
        ] {
            c.execute(s).await.unwrap();
        }
    });
    let table = format!("{pg}#drift_naive");
    let left_out = |zone: &[&str]| {
        let run = windowed(&table, &table, &[&["--min-age", "1h"][..], zone].concat());
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.json()["drift"]["window"]["left_out_keys"].as_u64()
    };
    // Row 2 changed a moment ago in New York; read as UTC its time lies hours in the past.
    assert_eq!(left_out(&["--source-tz", "America/New_York", "--target-tz", "America/New_York"]), Some(1));
    assert_eq!(left_out(&[]), Some(0));
}

/// `recon diff SOURCE TARGET` by `id`, windowed by `updated_at`, with `extra` options.
fn windowed(source: &str, target: &str, extra: &[&str]) -> Run {
    let base = ["diff", source, target, "--key", "id", "--format", "json", "-q", "--updated-column", "updated_at"];
    recon(&[&base[..], extra].concat())
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn more_keys_than_one_statement_holds_are_read_in_several_and_kept_apart() {
    let _serial = serial();
    let rows = recon::source::KEYS_PER_STATEMENT as i64 + 10_000;
    let pair = Pair::new("drift_many", rows);
    pair.target(&["UPDATE drift_many SET amount = 0 WHERE id % 1000 = 0", "DELETE FROM drift_many WHERE id = 7"]);
    let dir = scratch();
    let keys = dir.path().join("keys.csv");
    let listed: String = (1..=rows).map(|id| format!("{id}\n")).collect();
    std::fs::write(&keys, format!("id\n{listed}")).unwrap();
    let history = dir.path().join("h.db");
    let report =
        pair.diff(&["--keys", path(&keys), "--history", path(&history), "--recheck", "1", "--recheck-delay", "0s"]);
    let summary = &report["summary"];
    assert_eq!(summary["source_rows"].as_i64(), Some(rows), "{summary:#}");
    assert_eq!((summary["mismatched"].as_i64(), summary["missing_in_target"].as_u64()), (Some(rows / 1000), Some(1)));
    assert_eq!(report["drift"]["new"].as_i64(), Some(rows / 1000 + 1), "{:#}", report["drift"]);
    assert_eq!(report["drift"]["rechecked_rows"]["source"].as_i64(), Some(rows / 1000 + 1));
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn an_audit_keeps_each_table_under_its_name_in_one_history_file() {
    let _serial = serial();
    let (a, b) = (Pair::new("drift_audit_a", 20), Pair::new("drift_audit_b", 20));
    b.target(&["DELETE FROM drift_audit_b WHERE id = 4"]);
    let dir = scratch();
    let history = dir.path().join("audits.db");
    let (source, target) = (format!("{}#public", a.pg), a.my.clone());
    let audit = |extra: &[&str]| {
        let base = ["audit", &source, &target, "--tables", "drift_audit_*", "--format", "json", "-q", "--jobs", "2"];
        let run = recon(&[&base[..], &["--history", path(&history)], extra].concat());
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.json()
    };
    audit(&[]);
    a.target(&["UPDATE drift_audit_a SET amount = 0 WHERE id = 2"]);
    let second = audit(&[]);
    let drift = |name: &str| {
        let tables = second["tables"].as_array().unwrap();
        tables.iter().find(|t| t["name"] == name).unwrap()["report"]["drift"].clone()
    };
    // Each table's findings are its own: a's new mismatch, b's missing row seen again.
    let (a_drift, b_drift) = (drift("drift_audit_a"), drift("drift_audit_b"));
    assert_eq!(a_drift["history"], "drift_audit_a");
    assert_eq!(counts(&json!({ "drift": a_drift })), (1, 0, 0));
    assert_eq!(counts(&json!({ "drift": b_drift })), (0, 1, 0));
    let totals = json!({"tables": 2, "new": 1, "persisting": 1, "resolved": 0, "transient": 0, "unstable": 0});
    assert_eq!(second["summary"]["drift"], totals);
    let base = ["audit", &source, &target, "--tables", "drift_audit_*", "-q", "--history", path(&history)];
    let terminal = recon(&base);
    let line = "over time: 2 tables run over time; 0 new, 2 persisting, 0 resolved; 0 transient, 0 unstable\n";
    assert!(terminal.stdout.contains(line), "{}", terminal.stdout);
    // A key list names one table's keys: an audit takes it only in that table's [[table]] entry.
    let keys = dir.path().join("keys.csv");
    std::fs::write(&keys, "id\n2\n").unwrap();
    let listed = recon(&["audit", &source, &target, "--tables", "drift_audit_*", "-q", "--keys", path(&keys)]);
    assert_eq!(listed.code, 2, "{}", listed.stderr);
    assert!(listed.stderr.contains("--keys: a key list holds one table's keys"), "{}", listed.stderr);
    let trend = recon(&["history", path(&history), "--format", "json"]).json();
    let names: Vec<&str> = trend["tables"].as_array().unwrap().iter().filter_map(|t| t["table"].as_str()).collect();
    assert_eq!(names, vec!["drift_audit_a", "drift_audit_b"]);
}
