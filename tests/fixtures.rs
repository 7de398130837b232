//! The bundled fixtures (documented in fixtures/README.md) give exactly their expected reports.

use serde_json::{json, Value};

use crate::util::{recon, root, with, CUSTOMERS, ORDERS};

fn expected(name: &str) -> Value {
    let text =
        std::fs::read_to_string(root().join("fixtures").join(name).join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

/// The report without its `stats` (timings and memory differ from run to run; everything else must not).
fn without_stats(mut report: Value) -> Value {
    report.as_object_mut().expect("report is an object").remove("stats");
    report
}

/// An audit report without its `stats` and its tables' (timings differ from run to run).
fn audit_without_stats(mut report: Value) -> Value {
    let object = report.as_object_mut().expect("report is an object");
    object.remove("stats");
    for table in object["tables"].as_array_mut().expect("tables") {
        if let Some(report) = table.get_mut("report") {
            *report = without_stats(report.take());
        }
    }
    report
}

#[test]
fn the_shop_audit_is_exactly_the_expected_one() {
    let run = recon(&["audit", "sqlite://fixtures/shop/legacy.db", "fixtures/shop/exports/", "--format", "json", "-q"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(audit_without_stats(run.json()), expected("shop"));
}

#[test]
fn the_shop_audit_resumes_from_its_state_with_the_same_report() {
    let dir = crate::util::scratch();
    let state = dir.path().join("state");
    let args = [
        "audit",
        "sqlite://fixtures/shop/legacy.db",
        "fixtures/shop/exports/",
        "--format",
        "json",
        "-q",
        "--jobs",
        "2",
    ];
    let with_state = with(&args, &["--state", crate::util::path(&state)]);
    let first = recon(&with_state).json();
    let again = recon(&with_state).json();
    assert_eq!(again["stats"]["resumed"], 4);
    assert_eq!(audit_without_stats(again), expected("shop"));
    assert_eq!(audit_without_stats(first), expected("shop"));
}

#[test]
fn orders_report_is_exactly_the_expected_one() {
    let run = recon(&with(&ORDERS, &["--format", "json"]));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(without_stats(run.json()), expected("orders"));
}

#[test]
fn a_tiny_memory_limit_spills_classifies_in_groups_and_changes_nothing() {
    // 1 KiB: digests go to disk, the residue is classified a few partitions at a time, and only one
    // mismatched row fits to be read back, so the extra column pass counts which columns differ.
    let report = recon(&with(&ORDERS, &["--format", "json", "--memory-limit", "1KB"])).json();
    assert!(report["stats"]["source"]["spilled_bytes"].as_u64().unwrap() > 0);
    assert!(report["stats"]["seconds"]["compare_steps"]["columns"].as_f64().unwrap() > 0.0);
    assert_eq!(without_stats(report), expected("orders"));
}

#[test]
fn stats_count_rows_and_bytes_read() {
    let stats = recon(&with(&ORDERS, &["--format", "json"])).json()["stats"].clone();
    assert_eq!(stats["source"]["rows"], 41);
    assert_eq!(stats["target"]["rows"], 42);
    assert!(stats["source"]["bytes"].as_u64().unwrap() > 41 * 8);
    assert!(stats["seconds"]["total"].as_f64().unwrap() > 0.0);
    assert!(stats["peak_memory_bytes"].as_u64().unwrap() > 1 << 20);
}

#[test]
fn orders_findings_sit_on_the_documented_keys() {
    let report = recon(&with(&ORDERS, &["--format", "json"])).json();
    let keys = |category: &str| -> Vec<Value> {
        report["examples"][category].as_array().unwrap().iter().map(|e| e["key"]["order_id"].clone()).collect()
    };
    assert_eq!(keys("missing_in_target"), [json!(7), json!(13)]);
    assert_eq!(keys("extra_in_target"), [json!(41), json!(42)]);
    assert_eq!(keys("mismatched"), [json!(9), json!(21), json!(30)]);
    assert_eq!(keys("duplicate_keys_source"), [json!(25)]);
    assert_eq!(keys("duplicate_keys_target"), [json!(3)]);
    assert_eq!(keys("null_keys_target"), [Value::Null]);
    assert_eq!(
        report["examples"]["mismatched"][2]["columns"]["note"],
        json!({"source": null, "target": "", "cause": "null_vs_empty"})
    );
    assert_eq!(report["summary"]["matched"], 33);
}

#[test]
fn customers_report_is_exactly_the_expected_one() {
    let run = recon(&with(&CUSTOMERS, &["--format", "json"]));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(without_stats(run.json()), expected("customers"));
}

#[test]
fn a_trailing_space_is_a_mismatch_and_shown_quoted_in_the_table() {
    let run = recon(&CUSTOMERS);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("\"Ann \""), "{}", run.stdout);
    assert!(run.stdout.contains("NOT RECONCILED"), "{}", run.stdout);
}

#[test]
fn budgets_that_cover_every_difference_reconcile_with_exit_0() {
    let budgets = [
        "--max-missing",
        "2",
        "--max-extra",
        "5%",
        "--max-mismatched",
        "3",
        "--max-duplicates",
        "1",
        "--max-null-keys",
        "1",
    ];
    let run = recon(&with(&ORDERS, &with(&budgets, &["--format", "json"])));
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["verdict"], json!({"pass": true, "exit_code": 0, "violations": []}));
}

#[test]
fn a_budget_one_short_fails_with_exit_1_naming_the_check() {
    let budgets = [
        "--max-missing",
        "1",
        "--max-extra",
        "2",
        "--max-mismatched",
        "3",
        "--max-duplicates",
        "1",
        "--max-null-keys",
        "1",
    ];
    let run = recon(&with(&ORDERS, &with(&budgets, &["--format", "json"])));
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["verdict"]["violations"], json!([{"check": "missing_in_target", "actual": 2, "allowed": 1}]));
}

#[test]
fn a_dataset_against_itself_reconciles() {
    let run = recon(&[
        "diff",
        "fixtures/orders/new/",
        "fixtures/orders/new/part-*.parquet",
        "--key",
        "order_id",
        "--format",
        "json",
        "--max-duplicates",
        "1",
        "--max-null-keys",
        "1",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["source"]["fingerprint"], report["target"]["fingerprint"]);
    assert_eq!(report["summary"]["mismatched"], 0);
    assert_eq!(report["summary"]["duplicate_keys_source"], 1);
}

#[test]
fn excluded_and_selected_columns_are_honoured() {
    let report = recon(&with(&ORDERS, &["--exclude", "note,shipped", "--format", "json"])).json();
    assert_eq!(report["compared_columns"], json!(["customer_id", "amount", "currency", "ordered_at"]));
    assert_eq!(report["summary"]["mismatched"], 1);
    let report = recon(&with(&ORDERS, &["--columns", "note", "--format", "json"])).json();
    assert_eq!(report["compared_columns"], json!(["note"]));
    assert_eq!(report["summary"]["mismatched"], 2);
}
