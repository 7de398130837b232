//! What recon says when a new user gets it wrong (issue 25): each message names the setting as it was given
//! and what was probably meant — a key list that is a column, a table in another schema, a misspelled name or
//! value, a CSV read with the wrong delimiter, a config value of the wrong type — and the README's forms work
//! as written.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{Field, Schema};

use crate::catalog::run_pg;
use crate::databases::{block_on, server, write_parquet, SERIAL};
use crate::util::{path, recon, recon_with, scratch, Run};

/// Exit code 2 and exactly this error on stderr.
fn refused(run: &Run, message: &str) {
    assert_eq!(run.code, 2, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert_eq!(run.stderr, format!("recon: error: {message}\n"));
}

/// The README's `RECON_SOURCE_URL=… recon diff --source-query '…' TARGET`: with the source in the environment,
/// the one location given is the target (it was taken for the source, and clap asked for a TARGET).
#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn the_readme_form_with_the_source_in_the_environment_takes_one_location_as_the_target() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    block_on(run_pg(
        &pg,
        &[
            "DROP SCHEMA IF EXISTS recon_readme CASCADE",
            "CREATE SCHEMA recon_readme",
            "CREATE TABLE recon_readme.orders (order_id bigint PRIMARY KEY, region bigint, customer text)",
            "INSERT INTO recon_readme.orders VALUES (1, 1, 'Ann'), (2, 2, 'Bo'), (3, 1, 'Cy')",
        ],
    ));
    let dir = scratch();
    let exports = dir.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(vec![1, 3])),
        Arc::new(Int64Array::from(vec![1, 1])),
        Arc::new(StringArray::from(vec!["Ann", "Cy"])),
    ];
    let fields: Vec<Field> = ["order_id", "region", "customer"]
        .iter()
        .zip(&columns)
        .map(|(n, c)| Field::new(*n, c.data_type().clone(), true))
        .collect();
    let eu = exports.join("orders_eu.parquet");
    write_parquet(&eu, &RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap());
    // The schema is the connection's search path, so the query reads as the README writes it.
    let url = format!("{pg}?options=-c%20search_path%3Drecon_readme");
    let query = "SELECT * FROM orders WHERE region = 1";
    let run = recon_with(
        &["diff", "--source-query", query, path(&eu), "--key", "order_id", "--format", "json"],
        &[("RECON_SOURCE_URL", &url)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(
        (report["source"]["kind"].as_str(), report["target"]["kind"].as_str()),
        (Some("postgres"), Some("parquet"))
    );
    assert_eq!(report["summary"]["matched"], 2);
    // The target in the environment: the one location given is the source.
    let run = recon_with(
        &["diff", path(&eu), "--target-query", query, "--key", "order_id", "--format", "json"],
        &[("RECON_TARGET_URL", &url)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["target"]["kind"], "postgres");
    // Both in the environment and one location given: which side it is cannot be told.
    let both = [("RECON_SOURCE_URL", url.as_str()), ("RECON_TARGET_URL", url.as_str())];
    refused(
        &recon_with(&["diff", path(&eu), "--key", "order_id"], &both),
        "recon diff: one location given, but RECON_SOURCE_URL and RECON_TARGET_URL are both set: give both \
         locations, or neither",
    );
}

#[test]
fn a_missing_location_shows_both_forms() {
    refused(
        &recon(&["diff", "fixtures/orders/legacy.parquet", "--key", "order_id"]),
        "TARGET: missing: recon diff SOURCE TARGET, or RECON_SOURCE_URL=… recon diff TARGET",
    );
}
