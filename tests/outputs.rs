//! Where reports go: stdout, `--output` (whole or not at all), `--diff-out` Parquet files; every output path
//! checked before a row is read, the files written named on stderr, and the verdict printed even when a file
//! could not be written after all.

use std::fs::File;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::util::{path, recon, scratch, with, ORDERS};

fn parquet_rows(file: &std::path::Path) -> (usize, Vec<String>) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(file).expect("diff-out file")).expect("parquet");
    let names = builder.schema().fields().iter().map(|f| f.name().clone()).collect();
    let rows = builder.build().expect("reader").map(|b| b.expect("batch").num_rows()).sum();
    (rows, names)
}

#[test]
fn output_writes_the_json_report_while_stdout_shows_the_table() {
    let dir = scratch();
    let report = dir.path().join("report.json");
    let run = recon(&with(&ORDERS, &["--output", path(&report)]));
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("missing_in_target"));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["summary"]["missing_in_target"], 2);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only the report, no temporary file");
}

#[test]
fn output_into_a_missing_directory_is_an_error_and_writes_nothing() {
    let dir = scratch();
    let report = dir.path().join("no/such/dir/report.json");
    let run = recon(&with(&ORDERS, &["--output", path(&report)]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no/such/dir"), "{}", run.stderr);
    assert!(!report.exists());
}

#[test]
fn diff_out_holds_every_differing_key() {
    let dir = scratch();
    let out = dir.path().join("diffs");
    let run = recon(&with(&ORDERS, &["--diff-out", path(&out), "--max-examples", "1"]));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(parquet_rows(&out.join("missing_in_target.parquet")), (2, vec!["order_id".into()]));
    assert_eq!(parquet_rows(&out.join("extra_in_target.parquet")).0, 2);
    assert_eq!(parquet_rows(&out.join("null_keys_target.parquet")).0, 1);
    assert_eq!(parquet_rows(&out.join("null_keys_source.parquet")).0, 0);
    let (rows, names) = parquet_rows(&out.join("duplicate_keys.parquet"));
    assert_eq!((rows, names), (2, vec!["order_id".into(), "source_count".into(), "target_count".into()]));
    let (rows, names) = parquet_rows(&out.join("mismatched.parquet"));
    assert_eq!(rows, 3);
    assert_eq!(&names[..4], ["order_id", "differing_columns", "customer_id__source", "customer_id__target"]);
}

#[test]
fn json_logs_are_one_object_a_line_on_stderr_errors_included() {
    let run = recon(&with(&ORDERS, &["--log-format", "json"]));
    let lines: Vec<serde_json::Value> =
        run.stderr.lines().map(|l| serde_json::from_str(l).expect("a JSON log line")).collect();
    assert!(lines.iter().all(|l| l["level"] == "info" && l["message"].is_string()), "{}", run.stderr);
    assert!(!lines.is_empty());
    let run = recon(&["diff", "nope.parquet", "nope.parquet", "--key", "k", "--log-format", "json"]);
    assert_eq!(run.code, 2);
    let line: serde_json::Value = serde_json::from_str(run.stderr.trim()).expect("one JSON error line");
    assert_eq!(line["level"], "error");
    assert!(line["message"].as_str().unwrap().contains("nope.parquet"));
}

#[test]
fn quiet_means_nothing_on_stderr() {
    let run = recon(&with(&ORDERS, &["--quiet"]));
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "");
}

/// Regression: when no bucket differs the row tier classifies nothing, and NULL-key rows were then not read
/// back for their examples ("an example row was not read back").
#[test]
fn null_key_rows_are_shown_when_nothing_else_differs() {
    let dir = scratch();
    let file = dir.path().join("same.csv");
    std::fs::write(&file, "id,v\n1,a\n,b\n").unwrap();
    let same = path(&file);
    let run = recon(&["diff", same, same, "--key", "id", "--format", "json", "-q"]);
    assert!(run.code < 2, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["matched"], 1);
    assert_eq!(report["examples"]["null_keys_source"], serde_json::json!([{"key": {"id": null}}]));
}

/// Every file and directory a run would write, asked for where it cannot be: the option and the path named,
/// exit 2, before a row is read, and nothing left behind.
#[test]
fn every_output_path_is_checked_before_a_row_is_read() {
    let dir = scratch();
    let missing = dir.path().join("no/such/dir/report");
    let under_a_file = dir.path().join("a-file/diffs");
    std::fs::write(dir.path().join("a-file"), "").unwrap();
    let cases = [
        ("--output", path(&missing), "there is no directory"),
        ("--html", path(&missing), "there is no directory"),
        ("--junit", path(&missing), "there is no directory"),
        ("--markdown", path(&missing), "there is no directory"),
        ("--output", path(dir.path()), "is a directory: name a file"),
        ("--diff-out", path(&under_a_file), "a-file is not a directory"),
    ];
    for (flag, target, why) in cases {
        let run = recon(&with(&ORDERS, &[flag, target]));
        assert_eq!(run.code, 2, "{flag}");
        let error = format!("recon: error: {flag}: {target}: ");
        assert!(run.stderr.contains(&error) && run.stderr.contains(why), "{flag}: {}", run.stderr);
        assert!(!run.stderr.contains("read and hashed"), "{flag} was checked after reading: {}", run.stderr);
    }
    let state =
        recon(&["audit", "sqlite://fixtures/shop/legacy.db", "fixtures/shop/exports/", "--state", path(&under_a_file)]);
    assert_eq!(state.code, 2);
    assert!(
        state.stderr.contains("recon: error: --state: ") && state.stderr.contains("is not a directory"),
        "{}",
        state.stderr
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["a-file"], "the checks left files behind");
}

/// Regression: the message of a file that could not be written named tempfile's random temporary file
/// (`… at path "/proc/.tmpdHLJ9d"`) instead of only the directory asked for.
#[test]
fn an_unwritable_directory_is_named_without_a_temporary_file() {
    let run = recon(&with(&ORDERS, &["--output", "/proc/report.json"]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--output: /proc/report.json: cannot write in /proc: "), "{}", run.stderr);
    assert!(!run.stderr.contains(".tmp") && !run.stderr.contains("at path"), "{}", run.stderr);
}

#[test]
fn the_files_written_are_named_on_stderr() {
    let dir = scratch();
    let (json, html, diffs) = (dir.path().join("r.json"), dir.path().join("r.html"), dir.path().join("diffs"));
    let run = recon(&with(&ORDERS, &["--output", path(&json), "--html", path(&html), "--diff-out", path(&diffs)]));
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The JSON report last: its integrity block names the files written before it.
    let wrote = format!("recon: wrote {}, {}, {}\n", path(&diffs), path(&html), path(&json));
    assert!(run.stderr.ends_with(&wrote), "{}", run.stderr);
}

/// A file that passes the check but cannot be written in the end (here a directory stands where a
/// `--diff-out` file goes): the verdict is printed all the same, the other files are written, and recon exits
/// 2 naming the file.
#[test]
fn a_file_that_cannot_be_written_after_all_leaves_the_verdict_standing() {
    let dir = scratch();
    let (diffs, json) = (dir.path().join("diffs"), dir.path().join("r.json"));
    std::fs::create_dir_all(diffs.join("missing_in_target.parquet/taken")).unwrap();
    let run = recon(&with(&ORDERS, &["--diff-out", path(&diffs), "--output", path(&json)]));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stdout.lines().last().unwrap().starts_with("NOT RECONCILED: missing_in_target 2 > 0"),
        "{}",
        run.stdout
    );
    let lost = format!("{}: ", diffs.join("missing_in_target.parquet").display());
    assert!(run.stderr.contains(&lost) && run.stderr.contains("the verdict above stands"), "{}", run.stderr);
    assert!(run.stderr.contains(&format!("recon: wrote {}\n", path(&json))), "{}", run.stderr);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&json).unwrap()).unwrap()["verdict"]
            ["exit_code"],
        1
    );

    // An audit writes each table's records under DIR/<table>/: one that cannot be is lost alone.
    let taken = dir.path().join("audit");
    std::fs::create_dir_all(taken.join("orders/missing_in_target.parquet/taken")).unwrap();
    let audit =
        recon(&["audit", "sqlite://fixtures/shop/legacy.db", "fixtures/shop/exports/", "--diff-out", path(&taken)]);
    assert_eq!(audit.code, 2, "{}", audit.stderr);
    assert!(audit.stdout.lines().last().unwrap().starts_with("NOT RECONCILED: "), "{}", audit.stdout);
    assert!(audit.stderr.contains("orders/missing_in_target.parquet: "), "{}", audit.stderr);
    assert!(taken.join("customers/mismatched.parquet").exists());
}
