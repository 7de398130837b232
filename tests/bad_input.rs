//! Bad input stops recon with exit code 2 and a message naming the file, column, row or setting at fault.

use std::io::Write;

use crate::util::{path, recon, scratch, Run};

fn fails(run: &Run, needles: &[&str]) {
    assert_eq!(run.code, 2, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    for needle in needles {
        assert!(run.stderr.contains(needle), "{needle:?} not in: {}", run.stderr);
    }
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

fn file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
    let p = dir.path().join(name);
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    path(&p).to_string()
}

const GOOD: &str = "fixtures/orders/legacy.parquet";

#[test]
fn a_missing_file_is_named() {
    fails(&recon(&["diff", GOOD, "fixtures/nope.parquet", "--key", "order_id"]), &["fixtures/nope.parquet"]);
}

#[test]
fn an_unknown_key_column_is_named_with_the_columns_that_exist() {
    fails(&recon(&["diff", GOOD, GOOD, "--key", "orderid"]), &["orderid", "order_id, customer_id"]);
}

#[test]
fn a_key_column_named_twice_is_refused() {
    fails(&recon(&["diff", GOOD, GOOD, "--key", "order_id", "--key", "order_id"]), &["--key", "order_id", "twice"]);
}

#[test]
fn a_corrupt_parquet_file_is_named() {
    let dir = scratch();
    let bad = file(&dir, "broken.parquet", b"PAR1 this is not parquet at all PAR1");
    fails(&recon(&["diff", GOOD, &bad, "--key", "order_id"]), &["broken.parquet"]);
}

/// A directory of Parquet files is one table: a file whose columns differ is refused naming it and the first file
/// (only a Delta table's log says which columns a file written before a schema change lacks).
#[test]
fn a_parquet_directory_whose_files_differ_in_columns_is_refused_naming_both() {
    let dir = scratch();
    std::fs::copy("fixtures/orders/new/part-0.parquet", dir.path().join("part-0.parquet")).unwrap();
    std::fs::copy("fixtures/jsonl/orders.parquet", dir.path().join("part-1.parquet")).unwrap();
    fails(
        &recon(&["diff", GOOD, path(dir.path()), "--key", "order_id"]),
        &["part-1.parquet: its columns differ from those of", "part-0.parquet", "must share one schema"],
    );
}

#[test]
fn a_non_utf8_csv_names_the_file_and_line() {
    let dir = scratch();
    let bad = file(&dir, "latin1.csv", b"id,name\n1,ok\n2,caf\xe9\n");
    let good = file(&dir, "good.csv", b"id,name\n1,ok\n2,cafe\n");
    fails(&recon(&["diff", &good, &bad, "--key", "id"]), &["latin1.csv", "UTF"]);
}

#[test]
fn an_empty_csv_is_refused() {
    let dir = scratch();
    let empty = file(&dir, "empty.csv", b"");
    let good = file(&dir, "good.csv", b"id\n1\n");
    fails(&recon(&["diff", &good, &empty, "--key", "id"]), &["empty.csv", "header"]);
}

#[test]
fn a_value_that_does_not_fit_the_inferred_type_names_file_and_line() {
    let dir = scratch();
    let mut text = String::from("id,n\n");
    for i in 0..100_010 {
        text += &format!("{i},{i}\n");
    }
    text += "100010,abc\n";
    let late = file(&dir, "late.csv", text.as_bytes());
    let good = file(&dir, "good.csv", b"id,n\n1,1\n");
    fails(&recon(&["diff", &good, &late, "--key", "id"]), &["late.csv", "abc", "line"]);
}

#[test]
fn columns_that_cannot_be_compared_are_named() {
    let dir = scratch();
    let a = file(&dir, "a.csv", b"id,v\n1,true\n");
    let b = file(&dir, "b.csv", b"id,v\n1,2024-01-01\n");
    fails(&recon(&["diff", &a, &b, "--key", "id"]), &["column v", "Boolean", "Date32", "--exclude v"]);
}

#[test]
fn bad_settings_are_named() {
    fails(&recon(&["diff", GOOD, GOOD, "--key", "order_id", "--max-missing", "lots"]), &["--max-missing", "lots"]);
    fails(&recon(&["diff", GOOD, GOOD, "--key", "order_id", "--map", "nonsense"]), &["--map", "SRC=TGT"]);
    fails(&recon(&["diff", GOOD, GOOD, "--key", "order_id", "--csv-type", "x=money"]), &["--csv-type", "money"]);
    fails(&recon(&["diff", GOOD, GOOD, "--require-key"]), &["--require-key", "--key"]);
    fails(&recon(&["diff", GOOD, GOOD, "--key", "order_id", "--keyless"]), &["--keyless"]);
}

#[test]
fn an_empty_directory_is_refused() {
    let dir = scratch();
    fails(
        &recon(&["diff", GOOD, path(dir.path()), "--key", "order_id"]),
        &["no Parquet, CSV, Arrow or JSON Lines files"],
    );
}

#[test]
fn a_case_insensitive_ambiguity_is_an_error() {
    let dir = scratch();
    let a = file(&dir, "a.csv", b"id,Name,NAME\n1,x,y\n");
    let b = file(&dir, "b.csv", b"id,name\n1,x\n");
    fails(&recon(&["diff", &b, &a, "--key", "id"]), &["name", "ambiguous", "Name, NAME"]);
}

#[test]
fn diff_out_refuses_to_write_part_of_the_mismatches() {
    let dir = scratch();
    let out = dir.path().join("diffs");
    let run = recon(&[
        "diff",
        GOOD,
        "fixtures/orders/new/",
        "--key",
        "order_id",
        "--memory-limit",
        "1KB",
        "--diff-out",
        path(&out),
    ]);
    fails(&run, &["--diff-out", "--memory-limit"]);
    assert!(!out.join("mismatched.parquet").exists(), "no partial diff files");
}

/// ODBC locations in a recon built without the `odbc` feature stop with exit 2 saying how to get one that
/// reads them, never read as a path.
#[test]
#[cfg(not(feature = "odbc"))]
fn without_the_odbc_feature_an_odbc_location_says_how_to_get_it() {
    let cases = ["odbc://warehouse#orders", "odbc:Driver={PostgreSQL Unicode};Pwd=hunter2;#orders"];
    for location in cases {
        let run = recon(&["diff", GOOD, location, "--key", "order_id"]);
        fails(&run, &["an ODBC connection: this recon was built without ODBC", "cargo install --features odbc"]);
        assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    }
}

#[test]
fn an_unknown_scheme_is_named() {
    let run = recon(&["diff", GOOD, "warehouse://orders", "--key", "order_id"]);
    fails(&run, &["warehouse://orders: unknown location scheme warehouse://; recon reads a file, directory or glob"]);
}
