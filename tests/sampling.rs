//! Sampling: the same keys on both sides, rates with upper bounds, budgets checked against the bound.

use serde_json::Value;

use crate::util::{path, recon, scratch, with, ORDERS};

/// 10,000 keys; every 100th has a changed value in the target (1%).
fn pair(dir: &tempfile::TempDir) -> (String, String) {
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    let mut source = String::from("id,v\n");
    let mut target = String::from("id,v\n");
    for i in 0..10_000 {
        source += &format!("{i},{i}\n");
        target += &format!("{i},{}\n", if i % 100 == 0 { i + 1 } else { i });
    }
    std::fs::write(&a, source).unwrap();
    std::fs::write(&b, target).unwrap();
    (path(&a).to_string(), path(&b).to_string())
}

fn sampled(source: &str, target: &str, options: &[&str]) -> (i32, Value) {
    let mut args = vec!["diff", source, target, "--key", "id", "--format", "json", "-q"];
    args.extend(options);
    let run = recon(&args);
    assert!(run.code < 2, "{}", run.stderr);
    (run.code, run.json())
}

#[test]
fn both_sides_sample_the_same_keys() {
    let dir = scratch();
    let (a, b) = pair(&dir);
    let (_, report) = sampled(&a, &b, &["--sample", "20%", "--seed", "3"]);
    let s = &report["sample"];
    assert_eq!(s["rows_sampled_source"], s["rows_sampled_target"]);
    let n = s["rows_sampled_source"].as_u64().unwrap();
    assert!((1_700..2_300).contains(&n), "{n}");
    assert_eq!(report["summary"]["missing_in_target"], 0, "a sampled key is sampled on both sides");
    assert_eq!(report["summary"]["extra_in_target"], 0);
    assert_eq!(s["pushed_down"], false);
}

#[test]
fn rates_come_with_upper_bounds_and_percentage_budgets_use_them() {
    let dir = scratch();
    let (a, b) = pair(&dir);
    let (_, report) = sampled(&a, &b, &["--sample", "30%", "--confidence", "0.99"]);
    let rate = &report["sample"]["rates"]["mismatched"];
    let (observed, upper) = (rate["rate"].as_f64().unwrap(), rate["upper_bound"].as_f64().unwrap());
    assert!(observed > 0.002 && observed < 0.03, "{observed}");
    assert!(upper > observed && upper < 0.05, "{upper}");
    // The bound, not the observed rate, decides: a budget above the bound passes, one below it fails.
    let (code, _) = sampled(&a, &b, &["--sample", "30%", "--confidence", "0.99", "--max-mismatched", "5%"]);
    assert_eq!(code, 0);
    let (code, report) = sampled(&a, &b, &["--sample", "30%", "--confidence", "0.99", "--max-mismatched", "1%"]);
    assert_eq!(code, 1, "a 1% rate cannot be proven below 1%");
    assert!(report["verdict"]["violations"][0]["upper_bound"].as_f64().unwrap() > 0.01);
}

#[test]
fn a_full_sample_is_the_full_audit() {
    let full = recon(&with(&ORDERS, &["--format", "json"])).json();
    let sampled = recon(&with(&ORDERS, &["--format", "json", "--sample", "100%"])).json();
    assert_eq!(full["summary"], sampled["summary"]);
}

#[test]
fn a_count_sample_needs_a_known_row_count() {
    // Parquet footers and CSV files (whose record ends recon counts when it opens them) tell the row count.
    let report = recon(&with(&ORDERS, &["--format", "json", "--sample", "20"])).json();
    assert!((report["sample"]["requested_rate"].as_f64().unwrap() - 20.0 / 41.0).abs() < 1e-9);
    let dir = scratch();
    let (a, b) = pair(&dir);
    let (_, report) = sampled(&a, &b, &["--sample", "500"]);
    assert!((report["sample"]["requested_rate"].as_f64().unwrap() - 500.0 / 10_000.0).abs() < 1e-9);
    // An Arrow IPC file does not, short of a full read.
    let arrow = "fixtures/customers/warehouse.arrow";
    let run = recon(&["diff", arrow, arrow, "--key", "region,customer_no", "--sample", "5"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--sample") && run.stderr.contains("1%"), "{}", run.stderr);
}

#[test]
fn sample_size_prints_the_keys_needed() {
    let run = recon(&["sample-size", "--budget", "0.1%", "--confidence", "0.99"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout.trim(), "4603");
    let run = recon(&["sample-size", "--budget", "zero"]);
    assert_eq!(run.code, 2);
}
