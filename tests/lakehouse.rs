//! A lakehouse table (Delta Lake, Iceberg, Hudi) keeps files its log or metadata no longer counts: read as a
//! directory of Parquet files it gives deleted rows back. recon refuses such a table, whichever way it is
//! named, with exit code 2 and a message saying what it is, until it reads these formats.

use std::path::Path;

use crate::util::{path, recon, scratch};

const SOURCE: &str = "fixtures/orders/legacy.parquet";

/// A Delta table of two data files, as a writer leaves it: the parts, and the log that says which are live.
fn delta_table(dir: &Path) {
    std::fs::create_dir_all(dir.join("_delta_log")).unwrap();
    for part in ["part-0.parquet", "part-1.parquet"] {
        std::fs::copy(Path::new("fixtures/orders/new").join(part), dir.join(part)).unwrap();
    }
    let commit = r#"{"add":{"path":"part-0.parquet","size":1,"modificationTime":0,"dataChange":true}}"#;
    std::fs::write(dir.join("_delta_log/00000000000000000000.json"), commit).unwrap();
}

fn refused(args: &[&str], says: &str) {
    let run = recon(args);
    assert_eq!(run.code, 2, "{args:?}\nstdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stderr.contains(says), "{says:?} not in: {}", run.stderr);
    assert!(run.stderr.contains("compare an export of it"), "{}", run.stderr);
}

#[test]
fn a_delta_table_is_refused_as_a_directory_or_a_glob_never_read_as_files() {
    let dir = scratch();
    let table = dir.path().join("orders");
    delta_table(&table);
    let table = format!("{}/", path(&table));
    refused(&["diff", SOURCE, &table, "--key", "order_id"], "a Delta Lake table (it holds _delta_log/)");
    refused(&["diff", &table, SOURCE, "--key", "order_id"], "a Delta Lake table (it holds _delta_log/)");
    let glob = format!("{table}part-*.parquet");
    refused(&["diff", SOURCE, &glob, "--key", "order_id"], "inside a Delta Lake table");
    // A file named alone is that file: read, as the user asked.
    let part = format!("{table}part-0.parquet");
    assert_eq!(recon(&["diff", SOURCE, &part, "--key", "order_id", "--quiet"]).code, 1);
}

#[test]
fn a_partition_directory_of_a_delta_table_is_refused() {
    let dir = scratch();
    delta_table(dir.path());
    let partition = dir.path().join("region=eu");
    std::fs::create_dir(&partition).unwrap();
    std::fs::copy("fixtures/orders/new/part-0.parquet", partition.join("part-0.parquet")).unwrap();
    refused(&["diff", SOURCE, path(&partition), "--key", "order_id"], "inside a Delta Lake table");
    let glob = format!("{}/*/*.parquet", path(dir.path()));
    refused(&["diff", SOURCE, &glob, "--key", "order_id"], "inside a Delta Lake table");
}

#[test]
fn iceberg_and_hudi_tables_are_refused_and_a_plain_metadata_directory_is_not() {
    let dir = scratch();
    let iceberg = dir.path().join("iceberg");
    std::fs::create_dir_all(iceberg.join("data")).unwrap();
    std::fs::create_dir_all(iceberg.join("metadata")).unwrap();
    std::fs::copy(SOURCE, iceberg.join("data/00000-0-a.parquet")).unwrap();
    std::fs::write(iceberg.join("metadata/v1.metadata.json"), "{}").unwrap();
    refused(&["diff", SOURCE, path(&iceberg.join("data")), "--key", "order_id"], "inside an Iceberg table");
    refused(&["diff", SOURCE, path(&iceberg), "--key", "order_id"], "an Iceberg table (it holds metadata/)");

    let hudi = dir.path().join("hudi");
    std::fs::create_dir_all(hudi.join(".hoodie")).unwrap();
    std::fs::copy(SOURCE, hudi.join("part-0.parquet")).unwrap();
    refused(&["diff", SOURCE, path(&hudi), "--key", "order_id"], "a Hudi table (it holds .hoodie/)");

    // An export whose table happens to be called metadata is read (exit 1: the fixture's own duplicate key).
    let export = dir.path().join("export");
    std::fs::create_dir_all(export.join("metadata")).unwrap();
    std::fs::copy(SOURCE, export.join("metadata/part-0.parquet")).unwrap();
    std::fs::copy(SOURCE, export.join("orders.parquet")).unwrap();
    assert_eq!(recon(&["diff", SOURCE, path(&export), "--key", "order_id", "--quiet"]).code, 1);
}

/// In an audit, a table that is a lakehouse table is that table's error (the other tables are compared, the
/// audit exits 2), even when its data files lie in partitions only; a collection that is one is refused.
#[test]
fn an_audit_shows_a_lakehouse_table_as_its_error_and_refuses_a_collection_that_is_one() {
    let dir = scratch();
    for side in ["legacy", "new"] {
        let collection = dir.path().join(side);
        std::fs::create_dir_all(&collection).unwrap();
        std::fs::copy(SOURCE, collection.join("orders.parquet")).unwrap();
        let events = collection.join("events");
        delta_table(&events);
        let partition = events.join("day=1");
        std::fs::create_dir(&partition).unwrap();
        for part in ["part-0.parquet", "part-1.parquet"] {
            std::fs::rename(events.join(part), partition.join(part)).unwrap();
        }
    }
    let (legacy, new) = (dir.path().join("legacy"), dir.path().join("new"));
    // The fixture holds one duplicated key: within budget, orders passes.
    let budget = ["--max-duplicates", "1"];
    let run =
        recon(&[&["audit", path(&legacy), path(&new), "--key", "order_id", "--format", "json"][..], &budget].concat());
    assert_eq!(run.code, 2, "{}", run.stderr);
    let report = run.json();
    let tables = report["tables"].as_array().unwrap();
    let status = |name: &str| tables.iter().find(|t| t["name"] == name).map(|t| t["status"].clone());
    assert_eq!(status("orders"), Some("pass".into()), "{report:#}");
    assert_eq!(status("events"), Some("error".into()), "{report:#}");
    let events = tables.iter().find(|t| t["name"] == "events").unwrap();
    assert!(events["error"].as_str().unwrap().contains("a Delta Lake table (it holds _delta_log/)"), "{events}");

    let events = path(&legacy.join("events")).to_string();
    refused(&["audit", &events, path(&new)], "a Delta Lake table (it holds _delta_log/)");
}
