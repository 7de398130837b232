//! Where reports go: stdout, `--output` (whole or not at all), `--diff-out` Parquet files.

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
