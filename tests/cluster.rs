//! `--cluster` (feature `cluster`): a real cluster of this build's processes on this machine — one
//! `recon scheduler`, two `recon executor`s on ports of their own — gives exactly the reports a local run gives,
//! and says which engine ran, on the bundled fixtures and on the property test's random tables with injected
//! defects; what a cluster cannot read is exit 2 naming it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::{ArrayRef, Int64Array, RecordBatch};
use serde_json::Value;

use crate::property::{build, fate, row, shuffle, write, Draw};
use crate::util::files::write_parquet;
use crate::util::servers::{free_port, wait_for_port};
use crate::util::{path, recon, root, scratch, with, Run, CUSTOMERS, ORDERS};

/// A recon node process, killed when dropped.
struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `recon ARGS` in `dir`: relative paths in plans are opened from there.
fn node(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Node {
    let child = Command::new(env!("CARGO_BIN_EXE_recon"))
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start a recon node");
    Node(child)
}

/// One scheduler and two executors, each on free ports, started in `dir`.
struct Cluster {
    url: String,
    _scheduler: Node,
    executors: Vec<Node>,
}

impl Cluster {
    fn start(executor_timeout: u64, dir: &Path) -> Cluster {
        Cluster::start_with(executor_timeout, dir, &[])
    }

    /// [`Cluster::start`] with `env` in every node's environment (an object store's credentials).
    fn start_with(executor_timeout: u64, dir: &Path, env: &[(&str, &str)]) -> Cluster {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let timeout = executor_timeout.to_string();
        let scheduler = node(&["scheduler", "--bind", &bind, "--executor-timeout", &timeout], dir, env);
        wait_for_port("recon scheduler", port);
        let executors = (0..2)
            .map(|_| {
                let (flight, grpc) = (free_port(), free_port());
                let executor = node(
                    &[
                        "executor",
                        "--scheduler",
                        &bind,
                        "--bind",
                        &format!("127.0.0.1:{flight}"),
                        "--grpc-port",
                        &grpc.to_string(),
                        "--slots",
                        "2",
                        "--heartbeat",
                        "1",
                    ],
                    dir,
                    env,
                );
                wait_for_port("recon executor", flight);
                wait_for_port("recon executor (gRPC)", grpc);
                executor
            })
            .collect();
        Cluster { url: format!("df://{bind}"), _scheduler: scheduler, executors }
    }

    /// `recon ARGS --cluster URL --format json`, once both executors have joined (they register as they start).
    fn diff(&self, args: &[&str]) -> Run {
        let started = Instant::now();
        loop {
            let run = recon(&with(args, &["--cluster", &self.url, "--format", "json"]));
            let joined = run.code != 2 && run.json()["engine"]["executors"] == 2;
            if joined || started.elapsed() > Duration::from_secs(30) {
                return run;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

/// A report without what differs from run to run (`stats`) and the engine that ran it.
fn comparable(run: &Run) -> Value {
    let mut report = run.json();
    let object = report.as_object_mut().expect("a report is an object");
    object.remove("stats");
    object.remove("engine");
    report
}

/// An audit report without what differs from run to run, its tables' included.
fn audit_comparable(run: &Run) -> Value {
    let mut report = run.json();
    report.as_object_mut().expect("a report is an object").remove("stats");
    for table in report["tables"].as_array_mut().expect("an audit lists tables") {
        let table = table["report"].as_object_mut().expect("a table has its report");
        table.remove("stats");
        table.remove("engine");
    }
    report
}

/// The stages the log said `job` finished (`cluster: source fingerprints: stage 1 of 2 done`), and of how many.
fn stages_said(stderr: &str, job: &str) -> (Vec<usize>, usize) {
    let (mut done, mut of) = (Vec::new(), 0);
    for line in stderr.lines() {
        let Some((_, said)) = line.split_once(&format!("cluster: {job}: stage ")) else { continue };
        let Some((stage, stages)) = said.trim_end_matches(" done").split_once(" of ") else { continue };
        done.push(stage.parse().expect("a stage number"));
        of = stages.parse().expect("a stage count");
    }
    (done, of)
}

fn local(args: &[&str]) -> Run {
    recon(&with(args, &["--format", "json"]))
}

#[test]
fn a_cluster_gives_the_local_reports() {
    let cluster = Cluster::start(180, &root());
    let orders = cluster.diff(&ORDERS);
    assert_eq!(orders.code, 1, "{}", orders.stderr);
    assert_eq!(
        orders.json()["engine"],
        serde_json::json!({"kind": "ballista", "scheduler": cluster.url, "executors": 2})
    );
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string("fixtures/orders/expected.json").unwrap()).unwrap();
    assert_eq!(comparable(&orders), expected);
    assert_eq!(comparable(&orders), comparable(&local(&ORDERS)));
    // Each job's stages, as the scheduler counted them done: every one, in order, once.
    for job in ["source fingerprints", "target fingerprints", "source differing rows", "target differing rows"] {
        let (done, of) = stages_said(&orders.stderr, job);
        assert!(of >= 1 && done == (1..=of).collect::<Vec<_>>(), "{job}: stages {done:?} of {of}\n{}", orders.stderr);
    }

    // CSV beside Arrow IPC, with a dialect, a column map and a composite key.
    let customers = cluster.diff(&CUSTOMERS);
    assert_eq!(customers.code, 1, "{}", customers.stderr);
    assert_eq!(comparable(&customers), comparable(&local(&CUSTOMERS)));

    // Keyless: whole rows as multisets.
    let keyless = ["diff", "fixtures/orders/legacy.parquet", "fixtures/orders/new/", "--keyless"];
    let run = cluster.diff(&keyless);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(comparable(&run), comparable(&local(&keyless)));
    assert_eq!(run.json()["keyless"], true);

    // An audit of two directories: each table's report as a local audit's.
    let dirs = scratch();
    for (side, file) in [("a", "fixtures/orders/legacy.parquet"), ("b", "fixtures/orders/new/part-0.parquet")] {
        std::fs::create_dir(dirs.path().join(side)).unwrap();
        std::fs::copy(file, dirs.path().join(side).join("orders.parquet")).unwrap();
    }
    let (a, b) = (dirs.path().join("a"), dirs.path().join("b"));
    let audit = ["audit", path(&a), path(&b), "--key", "order_id"];
    let run = recon(&with(&audit, &["--cluster", &cluster.url, "--format", "json"]));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["tables"][0]["report"]["engine"]["kind"], "ballista", "{}", run.stdout);
    assert_eq!(audit_comparable(&run), audit_comparable(&local(&audit)));

    // A table against itself: every bucket equal; the key repeated alike on both sides is still found.
    let same = [
        "diff",
        "fixtures/orders/new/",
        "fixtures/orders/new/part-*.parquet",
        "--key",
        "order_id",
        "--max-duplicates",
        "1",
        "--max-null-keys",
        "1",
    ];
    let run = cluster.diff(&same);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["duplicate_keys_source"], 1);
    assert_eq!(run.json()["summary"]["mismatched"], 0);
    assert_eq!(comparable(&run), comparable(&local(&same)));
}

#[test]
fn what_a_cluster_cannot_read_is_exit_2_naming_it() {
    // The nodes run elsewhere: in a directory where the fixtures' relative paths lead nowhere.
    let elsewhere = scratch();
    let cluster = Cluster::start(180, elsewhere.path());
    let run = recon(&with(&ORDERS, &["--cluster", &cluster.url]));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("fixtures/orders/legacy.parquet"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);

    // Databases are read by recon itself.
    let sqlite = elsewhere.path().join("shop.db");
    let url = format!("sqlite://{}#orders", path(&sqlite));
    crate::util::db::sqlite(&sqlite, ["CREATE TABLE orders (order_id INTEGER PRIMARY KEY, amount TEXT)"]);
    let run = recon(&["diff", &url, &url, "--cluster", &cluster.url]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--cluster") && run.stderr.contains("not files"), "{}", run.stderr);

    // No scheduler there.
    let nowhere = format!("df://127.0.0.1:{}", free_port());
    let run = recon(&with(&ORDERS, &["--cluster", &nowhere]));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(&nowhere), "{}", run.stderr);
}

/// A side of `files` Parquet files of `rows` rows each (`id`, `amount`), the amount of row `changed` off by one.
fn side(dir: &Path, files: usize, rows: usize, changed: Option<usize>) {
    std::fs::create_dir_all(dir).unwrap();
    for file in 0..files {
        let ids: Vec<i64> = (0..rows).map(|r| (file * rows + r) as i64).collect();
        let amounts: Vec<i64> = ids.iter().map(|&id| id * 3 + i64::from(Some(id as usize) == changed)).collect();
        let batch = RecordBatch::try_from_iter([
            ("id", Arc::new(Int64Array::from(ids)) as ArrayRef),
            ("amount", Arc::new(Int64Array::from(amounts)) as ArrayRef),
        ])
        .unwrap();
        write_parquet(&dir.join(format!("part-{file}.parquet")), &batch);
    }
}

/// The property test's random tables with injected defects (`property.rs`), shuffled and split into files and row
/// groups at random: each cluster report is the local one, whose counts the property test proves exact.
#[test]
fn random_tables_with_injected_defects_give_the_local_reports() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let cluster = Cluster::start(180, &root());
    let config = Config { cases: 8, failure_persistence: None, ..Config::default() };
    let draws = (
        prop::collection::vec((fate(), row()), 0..300),
        (0usize..3, 0usize..3),
        (any::<u64>(), any::<u64>()),
        (1usize..4, 1usize..4, 1usize..97, 1usize..97),
    );
    let run =
        |(fates, null_keys, orders, layout): (Vec<Draw>, (usize, usize), (u64, u64), (usize, usize, usize, usize))| {
            let case = build(&fates, null_keys);
            let (mut source, mut target) = (case.source, case.target);
            shuffle(&mut source, orders.0);
            shuffle(&mut target, orders.1);
            let dir = scratch();
            let (source_dir, target_dir) = (dir.path().join("source"), dir.path().join("target"));
            write(&source_dir, &source, layout.0, layout.2, true);
            write(&target_dir, &target, layout.1, layout.3, false);
            let args = ["diff", path(&source_dir), path(&target_dir), "--key", "key", "--max-examples", "100000"];
            let (expected, run) = (local(&args), cluster.diff(&args));
            prop_assert!(expected.code <= 1 && run.code == expected.code, "{}\n{}", expected.stderr, run.stderr);
            prop_assert_eq!(&expected.json()["summary"]["matched"], case.expected.matched);
            prop_assert_eq!(comparable(&run), comparable(&expected));
            Ok(())
        };
    TestRunner::new(config).run(&draws, run).unwrap();
}

/// An executor killed while a comparison runs: the run ends with the local run's report, or with exit 2 and no
/// report (recon's scheduler cancels the jobs in flight once the executor misses its heartbeats).
#[test]
fn a_killed_executor_gives_the_local_report_or_exit_2_and_no_report() {
    let dir = scratch();
    let (source, target) = (dir.path().join("source"), dir.path().join("target"));
    side(&source, 8, 100_000, None);
    side(&target, 8, 100_000, Some(123_456));
    let args = ["diff", path(&source), path(&target), "--key", "id"];
    let expected = comparable(&local(&args));
    assert_eq!(expected["summary"]["mismatched"], 1);
    let mut cluster = Cluster::start(3, &root());
    assert_eq!(cluster.diff(&ORDERS).json()["engine"]["executors"], 2, "both executors joined");
    let run = std::thread::scope(|scope| {
        let running = scope.spawn(|| recon(&with(&args, &["--cluster", &cluster.url, "--format", "json"])));
        std::thread::sleep(Duration::from_millis(300));
        cluster.executors.remove(0);
        running.join().unwrap()
    });
    match run.code {
        1 => assert_eq!(comparable(&run), expected),
        2 => assert!(run.stdout.is_empty(), "no report: {}", run.stdout),
        code => panic!("exit {code}: {}", run.stderr),
    }
}

/// Object-store sides: each node reads them with the credentials of its own environment (none travel in the plans).
#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn object_store_sides_give_the_local_report() {
    use crate::object_stores::{Moto, SECRET};
    let moto = Moto::start(&[]);
    moto.upload(&[
        "fixtures/orders/legacy.parquet",
        "fixtures/orders/new/part-0.parquet",
        "fixtures/orders/new/part-1.parquet",
    ]);
    let endpoint = moto.endpoint();
    let env = [
        ("AWS_ENDPOINT", endpoint.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ];
    let cluster = Cluster::start_with(180, &root(), &env);
    let args =
        ["diff", "s3://recon/fixtures/orders/legacy.parquet", "s3://recon/fixtures/orders/new/", "--key", "order_id"];
    let local = crate::util::recon_with(&with(&args, &["--format", "json"]), &env);
    assert_eq!(local.code, 1, "{}", local.stderr);
    let started = Instant::now();
    let run = loop {
        let run = crate::util::recon_with(&with(&args, &["--format", "json", "--cluster", &cluster.url]), &env);
        if (run.code != 2 && run.json()["engine"]["executors"] == 2) || started.elapsed() > Duration::from_secs(30) {
            break run;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(comparable(&run), comparable(&local));
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
}
