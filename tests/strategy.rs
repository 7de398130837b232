//! `--strategy`: a two-pass run gives exactly the one-pass report, apart from `stats` — on the bundled fixtures,
//! keyed and keyless, and on a pair holding keys repeated identically on both sides and NULL keys — and `auto`
//! reads once while the rows known beforehand say one pass's spill fits the disk. Database sides too, whose
//! findings are read back by key after the second pass.

use serde_json::Value;

use crate::util::{path, recon, scratch, with, CUSTOMERS, ORDERS};

/// The report of `args` under `strategy`, and its `stats.strategy`, after checking the exit code.
fn run(args: &[&str], strategy: &str, code: i32) -> (Value, Value) {
    let run = recon(&with(args, &["--strategy", strategy, "--format", "json", "-q"]));
    assert_eq!(run.code, code, "{}", run.stderr);
    let mut report = run.json();
    let stats = report.as_object_mut().expect("report is an object").remove("stats").expect("stats");
    (report, stats["strategy"].clone())
}

/// Both strategies on `args`: equal reports but for `stats`; returns both `stats.strategy`.
fn same_report(args: &[&str], code: i32) -> (Value, Value) {
    let (one, one_stats) = run(args, "one-pass", code);
    let (two, two_stats) = run(args, "two-pass", code);
    assert_eq!(two, one, "{args:?}");
    assert_eq!(one_stats["name"], "one-pass");
    assert_eq!(one_stats["passes"], 1);
    assert_eq!(two_stats["name"], "two-pass");
    assert_eq!(two_stats["why"], "--strategy two-pass");
    (one_stats, two_stats)
}

#[test]
fn two_passes_give_the_orders_report_keyed_and_keyless() {
    // 41 rows against 42: duplicates, a NULL key, mismatches; every row's bucket is read again or matched.
    let (_, keyed) = same_report(&ORDERS, 1);
    assert_eq!(keyed["passes"], 2);
    assert_eq!(keyed["rows_read_again"], serde_json::json!({"source": 41, "target": 42}));
    // In 4 KB a quarter a side holds 25 of one pass's digests of 41 keyed rows: the rest spill (whole partition chunks, as the
    // threads hand them over). Two passes digest only the rows of the 8 buckets of 256 that differ, which fit.
    let (one, two) = same_report(&with(&ORDERS, &["--memory-limit", "4KB"]), 1);
    assert!(one["spill_bytes"].as_u64().unwrap() >= 2 * 16 * 40, "{one}");
    assert_eq!(two["spill_bytes"], 0);
    assert_eq!((two["buckets"].as_u64(), two["buckets_read_again"].as_u64()), (Some(256), Some(8)));
    // Without --key two files are compared keyless, as multisets of whole rows.
    let keyless = ["diff", "fixtures/orders/legacy.parquet", "fixtures/orders/new/"];
    same_report(&keyless, 1);
    same_report(&with(&keyless, &["--memory-limit", "4KB"]), 1);
    same_report(&CUSTOMERS, 1);
}

/// A CSV pair of 300 keys: key 7 twice on both sides, identical (equal fingerprints, still a duplicate), key 5
/// twice in the source only, key 9 changed, key 11 missing, key 400 extra, and rows with a NULL key.
fn duplicates_pair(dir: &std::path::Path) -> [String; 2] {
    let row = |id: i64, n: i64| format!("{id},{n},row {id}\n");
    let mut source: String = "id,n,label\n".into();
    let mut target = source.clone();
    for id in 0..300 {
        source += &row(id, id * 3);
        if id != 11 {
            target += &row(id, if id == 9 { 1 } else { id * 3 });
        }
    }
    source += &(row(7, 21) + &row(5, 15) + ",1,no key\n,2,no key\n");
    target += &(row(7, 21) + &row(400, 0) + ",1,no key\n");
    [("source.csv", source), ("target.csv", target)].map(|(name, body)| {
        let file = dir.join(name);
        std::fs::write(&file, body).unwrap();
        path(&file).to_string()
    })
}

#[test]
fn two_passes_find_a_key_repeated_identically_on_both_sides() {
    let dir = scratch();
    let [source, target] = duplicates_pair(dir.path());
    for memory in ["1GB", "4KB"] {
        let args = ["diff", &source, &target, "--key", "id", "--memory-limit", memory];
        let (_, stats) = same_report(&args, 1);
        assert_eq!(stats["passes"], 2);
        let (report, _) = run(&args, "two-pass", 1);
        let summary = &report["summary"];
        let counts: Vec<u64> = ["matched", "missing_in_target", "extra_in_target", "mismatched"]
            .iter()
            .chain(&["duplicate_keys_source", "duplicate_keys_target", "null_keys_source", "null_keys_target"])
            .map(|c| summary[c].as_u64().unwrap())
            .collect();
        // 300 keys: 296 matched, 11 missing, 400 extra, 9 mismatched; 5 and 7 repeated in the source, 7 in the target.
        assert_eq!(counts, [296, 1, 1, 1, 2, 1, 2, 1], "{memory}: {summary}");
        let shown = |category: &str| -> Vec<i64> {
            let examples = report["examples"][category].as_array().unwrap();
            examples.iter().map(|e| e["key"]["id"].as_i64().unwrap()).collect()
        };
        assert_eq!(shown("duplicate_keys_source"), [5, 7]);
        assert_eq!(shown("duplicate_keys_target"), [7]);
    }
}

#[test]
fn equal_tables_are_read_once_even_in_two_passes() {
    let (report, stats) =
        run(&["diff", "fixtures/orders/legacy.parquet", "fixtures/orders/legacy.parquet"], "two-pass", 0);
    assert_eq!(report["summary"]["matched"], 41);
    assert_eq!(stats["passes"], 1);
    assert_eq!(stats["buckets_read_again"], 0);
    assert_eq!(stats["rows_read_again"], serde_json::json!({"source": 0, "target": 0}));
}

#[test]
fn auto_reads_once_while_the_spill_fits_the_disk() {
    let (_, roomy) = run(&ORDERS, "auto", 1);
    assert_eq!(roomy["name"], "one-pass");
    assert!(roomy["why"].as_str().unwrap().starts_with("both sides' row digests fit in memory"), "{roomy}");
    // 4 KB: a quarter a side holds 25 digests of the 41 and 42 rows; the rest spills to a disk with room
    // (where it would not fit, tests/disk_full.rs has auto read twice).
    let (_, tight) = run(&with(&ORDERS, &["--memory-limit", "4KB"]), "auto", 1);
    assert_eq!(tight["name"], "one-pass");
    let why = tight["why"].as_str().unwrap();
    assert!(
        why.starts_with("one pass spills 1.2 KiB of row digests beyond memory (1.0 KiB a side), which fits"),
        "{why}"
    );
    assert!(why.ends_with("free: each side is read once"), "{why}");
    // A sample digests fewer rows than the sides hold: not known beforehand, read once.
    let sampled = with(&ORDERS, &["--memory-limit", "4KB", "--sample", "50%"]);
    let (_, sample) = run(&sampled, "auto", 1);
    assert_eq!(sample["name"], "one-pass");
}

#[test]
fn an_unknown_strategy_is_exit_2_with_the_names() {
    let run = recon(&with(&ORDERS, &["--strategy", "two-passes", "-q"]));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("\"two-passes\" is not auto, one-pass or two-pass; did you mean two-pass?"),
        "{}",
        run.stderr
    );
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn two_passes_over_postgresql_give_the_one_pass_report() {
    let url = crate::util::db::server("RECON_TEST_POSTGRES_URL");
    let _serial = crate::util::db::serial();
    crate::util::db::postgres(
        &url,
        [
            "DROP TABLE IF EXISTS strategy_src, strategy_dst, strategy_nokey",
            "CREATE TABLE strategy_src (id int PRIMARY KEY, n int, t text)",
            "CREATE TABLE strategy_dst (id int PRIMARY KEY, n int, t text)",
            "CREATE TABLE strategy_nokey (id int, n int, t text)",
            "INSERT INTO strategy_src SELECT i, i * 3, 'r' || i FROM generate_series(1, 5000) i",
            "INSERT INTO strategy_dst SELECT i, CASE WHEN i % 500 = 0 THEN 1 ELSE i * 3 END, 'r' || i \
             FROM generate_series(2, 5001) i",
            "INSERT INTO strategy_nokey SELECT * FROM strategy_src",
            "INSERT INTO strategy_nokey VALUES (7, 21, 'r7'), (NULL, 1, 'x')",
        ],
    );
    let table = |name: &str| format!("{url}#{name}");
    let (src, dst, nokey) = (table("strategy_src"), table("strategy_dst"), table("strategy_nokey"));
    // The source's primary key is the key (found, not given): no key can repeat, no key hash is kept.
    let (_, declared) = same_report(&["diff", &src, &dst, "--memory-limit", "64KB"], 1);
    assert_eq!((declared["spill_bytes"].as_u64(), declared["buckets_read_again"].as_u64()), (Some(0), Some(10)));
    // Key 7 twice on the source, identically, and a NULL key: key hashes kept (and spilled in 64 KB).
    let (_, kept) = same_report(&["diff", &nokey, &src, "--key", "id", "--memory-limit", "64KB"], 1);
    assert!(kept["spill_bytes"].as_u64().unwrap() > 0, "{kept}");
    let (report, _) = run(&["diff", &nokey, &dst, "--key", "id", "--memory-limit", "64KB"], "two-pass", 1);
    let summary = &report["summary"];
    let counts = ["matched", "missing_in_target", "extra_in_target", "mismatched", "duplicate_keys_source"]
        .map(|c| summary[c].as_u64().unwrap());
    assert_eq!(counts, [4988, 1, 1, 10, 1], "{summary}");
    assert_eq!(report["examples"]["mismatched"][0]["columns"]["n"]["target"], "1");
}
