//! `recon history` read by a person: `--open` lists the open findings themselves (which keys, which columns,
//! since when), and `--table` takes a diff's short table or file name instead of the whole
//! `SOURCE -> TARGET by KEY` it is kept under, refusing a name that fits several.

use serde_json::json;

use crate::util::{path, recon, scratch, ORDERS};

const ORDERS_RUN: &str = "fixtures/orders/legacy.parquet -> fixtures/orders/new/ by order_id";

/// The orders fixture's nine findings (fixtures/README.md), as `--open` lists them: by category, then as
/// first seen; integer keys as numbers.
fn orders_findings(accepted: bool) -> serde_json::Value {
    let finding = |category: &str, id: i64, columns: Option<&[&str]>| {
        let mut line = json!({"table": ORDERS_RUN, "category": category, "key": {"order_id": id}});
        if let Some(columns) = columns {
            line["columns"] = json!(columns);
        }
        line["accepted"] = json!(accepted);
        line
    };
    json!([
        finding("duplicate_keys_source", 25, None),
        finding("duplicate_keys_target", 3, None),
        finding("extra_in_target", 41, None),
        finding("extra_in_target", 42, None),
        finding("mismatched", 9, Some(&["amount"])),
        finding("mismatched", 21, Some(&["shipped", "note"])),
        finding("mismatched", 30, Some(&["note"])),
        finding("missing_in_target", 7, None),
        finding("missing_in_target", 13, None),
    ])
}

/// `--open`'s findings without their times (which are the run's).
fn open_findings(history: &str, table: &str) -> serde_json::Value {
    let run = recon(&["history", history, "--open", "--table", table, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut list = run.json()["open_findings"].clone();
    for line in list.as_array_mut().unwrap() {
        let line = line.as_object_mut().unwrap();
        let (first, last) = (line.remove("first_seen").unwrap(), line.remove("last_seen").unwrap());
        assert!(first.as_str().unwrap().ends_with('Z') && first == last, "one run saw it first and last");
    }
    list
}

#[test]
fn open_findings_are_listed_with_their_keys_and_columns_and_a_short_name_finds_the_table() {
    let dir = scratch();
    let history = dir.path().join("h.db");
    let history = path(&history);
    let run = recon(&[&ORDERS[..], &["--history", history, "-q"]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);

    // The source file's name, its stem, and the target directory's name all find the one table.
    for name in ["legacy.parquet", "legacy", "NEW", ORDERS_RUN] {
        assert_eq!(open_findings(history, name), orders_findings(false), "--table {name}");
    }
    let table = recon(&["history", history, "--open"]).stdout;
    assert!(table.starts_with(&format!("{ORDERS_RUN}: 9 open findings\n")), "{table}");
    assert!(table.contains("│ mismatched            ┆ order_id=21 ┆ shipped, note ┆ "), "{table}");

    let accepted = recon(&["history", "accept", history, "--table", "legacy"]);
    assert_eq!(accepted.stdout, format!("{ORDERS_RUN}: baseline of 9 open findings\n"), "{}", accepted.stderr);
    assert_eq!(open_findings(history, "legacy"), orders_findings(true));
    assert!(recon(&["history", history, "--open"]).stdout.contains("┆ accepted │\n"));

    // A second pair from the same source: `legacy` now fits both, `new` still one.
    let same = ["diff", "fixtures/orders/legacy.parquet", "fixtures/orders/legacy.parquet", "--key", "order_id"];
    assert_eq!(recon(&[&same[..], &["--history", history, "-q"]].concat()).code, 1, "key 25 is duplicated");
    let ambiguous = recon(&["history", history, "--table", "legacy"]);
    assert_eq!(ambiguous.code, 2);
    let both =
        "fixtures/orders/legacy.parquet -> fixtures/orders/legacy.parquet by order_id; ".to_string() + ORDERS_RUN;
    assert_eq!(ambiguous.stderr, format!("recon: error: --table: legacy matches 2 tables, give one whole: {both}\n"));
    assert_eq!(recon(&["history", history, "--table", "new", "--last", "1"]).code, 0);
    let unknown = recon(&["history", history, "--open", "--table", "orders"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains(&format!("has no runs of orders (tables: {both})")), "{}", unknown.stderr);
    let empty = recon(&["history", history, "--open", "--table", "legacy.parquet -> fixtures/orders/legacy.parquet"]);
    assert_eq!(empty.code, 2, "a part of a name is not a name");
}

#[test]
fn a_history_without_open_findings_says_so() {
    let dir = scratch();
    let history = dir.path().join("h.db");
    let crm = "fixtures/customers/crm.csv";
    let same = ["diff", crm, crm, "--key", "region,customer_no", "--csv-delimiter", ";"];
    assert_eq!(recon(&[&same[..], &["--history", path(&history), "-q"]].concat()).code, 0);
    let run = recon(&["history", path(&history), "--open"]);
    assert_eq!(run.stdout, format!("{}: no open findings\n", path(&history)));
    let json = recon(&["history", path(&history), "--open", "--format", "json"]).json();
    assert_eq!(json["open_findings"], json!([]));
    let both = recon(&["history", path(&history), "--open", "--last", "3"]);
    assert_eq!(both.code, 2, "--open lists findings, not runs: {}", both.stderr);
}
