//! Keys found, not asked for (DESIGN.md, "Keys and keyless tables"): without `--key` and without a declared
//! key, whole rows are compared as multisets, each row counted with its multiplicity.

use serde_json::json;

use crate::util::{path, recon, scratch, with};

fn csv(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let file = dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    path(&file).to_string()
}

#[test]
fn files_without_a_key_are_compared_keyless_as_multisets() {
    let run = recon(&["diff", "fixtures/orders/legacy.parquet", "fixtures/orders/new/", "--format", "json", "-q"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["keyless"], true);
    assert_eq!(report["key_source"], "keyless");
    assert_eq!(report["key"], json!([]));
    // Whole rows: 7 and 13 gone, 9, 21 and 30 changed (one missing and one extra each), one of key 25's two
    // identical rows gone; 41, 42 and the keyless row new, one more copy of key 3's row.
    assert_eq!(
        report["summary"],
        json!({"source_rows": 41, "target_rows": 42, "matched": 35, "missing_in_target": 6, "extra_in_target": 7})
    );
    assert!(report.get("column_mismatches").is_none());
    let surplus = &report["examples"]["missing_in_target"][4];
    assert_eq!((surplus["key"]["order_id"].clone(), surplus["source_count"].clone()), (json!(25), json!(2)));
    assert_eq!(surplus["target_count"], 1);
    let violations: Vec<&str> =
        report["verdict"]["violations"].as_array().unwrap().iter().map(|v| v["check"].as_str().unwrap()).collect();
    assert_eq!(violations, ["missing_in_target", "extra_in_target"]);
}

#[test]
fn keyless_counts_rows_with_their_multiplicity_and_nulls_are_values() {
    let dir = scratch();
    let source = csv(&dir, "a.csv", "name,city\nann,\nann,\nbo,Oslo\ncy,Rome\n");
    let target = csv(&dir, "b.csv", "name,city\nann,\nbo,Oslo\nbo,Oslo\ncy,Rome\n");
    let report = recon(&["diff", &source, &target, "--format", "json", "-q"]).json();
    let summary = &report["summary"];
    assert_eq!((summary["matched"].clone(), summary["missing_in_target"].clone()), (json!(3), json!(1)));
    assert_eq!(summary["extra_in_target"], 1);
    assert_eq!(report["examples"]["missing_in_target"][0]["key"], json!({"name": "ann", "city": null}));
    assert_eq!(report["examples"]["extra_in_target"][0]["key"], json!({"name": "bo", "city": "Oslo"}));
    // The same multiset in another order reconciles.
    let shuffled = csv(&dir, "c.csv", "name,city\ncy,Rome\nann,\nbo,Oslo\nann,\n");
    assert_eq!(recon(&["diff", &source, &shuffled, "-q"]).code, 0);
}

#[test]
fn keyless_diff_out_writes_whole_rows_with_both_counts() {
    let dir = scratch();
    let source = csv(&dir, "a.csv", "n\n1\n1\n2\n");
    let target = csv(&dir, "b.csv", "n\n1\n3\n");
    let out = dir.path().join("diffs");
    let run = recon(&["diff", &source, &target, "--keyless", "--diff-out", path(&out), "-q"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let file = std::fs::File::open(out.join("missing_in_target.parquet")).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let names: Vec<String> = reader.schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(names, ["n", "source_count", "target_count"]);
    let rows: usize = reader.build().unwrap().map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 2, "row 1 (2 against 1) and row 2 (1 against 0)");
}

#[test]
fn options_that_need_a_key_stop_a_keyless_comparison() {
    let dir = scratch();
    let source = csv(&dir, "a.csv", "x\n1.0\n");
    let run = recon(&["diff", &source, &source, "--float-abs-tol", "0.1"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("keyless") && run.stderr.contains("--key"), "{}", run.stderr);
    let run = recon(&with(&["diff", &source, &source], &["--require-key"]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no primary key or unique index"), "{}", run.stderr);
}
