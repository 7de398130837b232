//! Hive-style partition directories (`year=2024/month=01/part-0.parquet`): the `key=value` names on a file's way
//! become columns of its rows, typed by all their values (whole numbers as bigint, `YYYY-MM-DD` as dates, else
//! text; `__HIVE_DEFAULT_PARTITION__` is NULL), so an export partitioned by a column compares against a table
//! that keeps the column.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch};

use crate::util::files::write_parquet;
use crate::util::{path, recon, scratch};

/// Orders 1-6 in three partitions: 2023/12 (1, 2), 2024/01 (3, 4, 5), 2024/02 (6), as Parquet.
fn partitioned_orders(dir: &Path) {
    for (year, month, ids) in [("2023", "12", &[1i64, 2][..]), ("2024", "01", &[3, 4, 5]), ("2024", "02", &[6])] {
        let part = dir.join(format!("year={year}/month={month}"));
        std::fs::create_dir_all(&part).unwrap();
        let amounts: Vec<f64> = ids.iter().map(|id| *id as f64 * 10.0).collect();
        let batch = RecordBatch::try_from_iter([
            ("order_id", Arc::new(Int64Array::from(ids.to_vec())) as ArrayRef),
            ("amount", Arc::new(Float64Array::from(amounts)) as ArrayRef),
        ])
        .unwrap();
        write_parquet(&part.join("part-0.parquet"), &batch);
    }
    // A writer's marker beside the partitions is not data.
    std::fs::write(dir.join("_SUCCESS"), "").unwrap();
}

/// The same orders as a table that keeps year and month as columns; `month_of_6` is where order 6 is said to be.
fn reference(dir: &Path, month_of_6: u32) -> String {
    let file = dir.join("reference.csv");
    let rows = [(1, 2023, 12), (2, 2023, 12), (3, 2024, 1), (4, 2024, 1), (5, 2024, 1), (6, 2024, month_of_6)];
    let mut text = String::from("order_id,amount,year,month\n");
    for (id, year, month) in rows {
        text.push_str(&format!("{id},{}.0,{year},{month}\n", id * 10));
    }
    std::fs::write(&file, text).unwrap();
    path(&file).to_string()
}

#[test]
fn partition_values_are_columns_of_their_files_rows() {
    let dir = scratch();
    let orders = dir.path().join("orders");
    partitioned_orders(&orders);
    let same = reference(dir.path(), 2);
    let run = recon(&["diff", &same, path(&orders), "--key", "order_id", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["matched"], 6, "{report:#}");
    assert_eq!(report["target"]["rows"], 6);
    assert_eq!(report["compared_columns"], serde_json::json!(["amount", "year", "month"]));
    // `month=01` is the number 1: a table that says order 6 is in month 3 differs in that column only.
    let moved = reference(dir.path(), 3);
    let run = recon(&["diff", &moved, path(&orders), "--key", "order_id", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!((report["summary"]["matched"].as_u64(), report["summary"]["mismatched"].as_u64()), (Some(5), Some(1)));
    assert_eq!(report["column_mismatches"]["month"], 1, "{report:#}");
}

#[test]
fn text_dates_and_nulls_are_typed_by_all_their_values() {
    let dir = scratch();
    let events = dir.path().join("events");
    for (region, day, rows) in [
        ("eu", "2024-01-31", "id\n1\n2\n"),
        ("us%2Feast", "2024-02-01", "id\n3\n"),
        ("__HIVE_DEFAULT_PARTITION__", "2024-02-01", "id\n4\n"),
    ] {
        let part = events.join(format!("region={region}/day={day}"));
        std::fs::create_dir_all(&part).unwrap();
        std::fs::write(part.join("part-0.csv"), rows).unwrap();
    }
    let reference = dir.path().join("reference.csv");
    std::fs::write(
        &reference,
        "id,region,day\n1,eu,2024-01-31\n2,eu,2024-01-31\n3,us/east,2024-02-01\n4,,2024-02-01\n",
    )
    .unwrap();
    let args = ["diff", path(&reference), path(&events), "--key", "id", "--format", "json"];
    let run = recon(&args);
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, run.stdout);
    assert_eq!(run.json()["summary"]["matched"], 4);
}

#[test]
fn an_audit_finds_a_partitioned_table_by_its_directory() {
    let dir = scratch();
    for side in ["legacy", "new"] {
        partitioned_orders(&dir.path().join(side).join("orders"));
    }
    // The new side lost order 6's partition.
    std::fs::remove_dir_all(dir.path().join("new/orders/year=2024/month=02")).unwrap();
    let (legacy, new) = (dir.path().join("legacy"), dir.path().join("new"));
    let run = recon(&["audit", path(&legacy), path(&new), "--key", "order_id", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let orders = &report["tables"][0];
    assert_eq!((orders["name"].as_str(), orders["status"].as_str()), (Some("orders"), Some("fail")), "{report:#}");
    let summary = &orders["report"]["summary"];
    assert_eq!((summary["matched"].as_u64(), summary["missing_in_target"].as_u64()), (Some(5), Some(1)), "{report:#}");
}

fn refused(dir: &Path, says: &str) {
    let run = recon(&["diff", "fixtures/orders/legacy.parquet", path(dir), "--key", "order_id"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(says), "{says:?} not in: {}", run.stderr);
}

#[test]
fn partitions_that_do_not_say_one_thing_are_refused_naming_a_file() {
    let dir = scratch();
    let uneven = dir.path().join("uneven");
    partitioned_orders(&uneven);
    std::fs::create_dir_all(uneven.join("year=2025")).unwrap();
    std::fs::copy(uneven.join("year=2024/month=02/part-0.parquet"), uneven.join("year=2025/part-0.parquet")).unwrap();
    refused(&uneven, "year=2025/part-0.parquet: is partitioned by year= where the other files");

    let beside = dir.path().join("beside");
    partitioned_orders(&beside);
    std::fs::copy(beside.join("year=2024/month=02/part-0.parquet"), beside.join("year=2024/part-9.parquet")).unwrap();
    refused(&beside, "year=2024/part-9.parquet: lies beside partition directories");

    let twice = dir.path().join("twice");
    std::fs::create_dir_all(twice.join("order_id=1")).unwrap();
    std::fs::copy("fixtures/orders/legacy.parquet", twice.join("order_id=1/part-0.parquet")).unwrap();
    refused(&twice, "column order_id is both in the files and a partition directory's name");
}

/// The same partitions under an S3 prefix (a real S3-compatible server, moto): the same columns and counts.
#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn partitions_under_an_s3_prefix_are_columns_too() {
    use crate::object_stores::{Moto, BUCKET};
    let dir = scratch();
    let orders = dir.path().join("orders");
    partitioned_orders(&orders);
    let parts = ["year=2023/month=12", "year=2024/month=01", "year=2024/month=02"];
    let files: Vec<String> = parts.iter().map(|p| format!("{}/{p}/part-0.parquet", path(&orders))).collect();
    let moto = Moto::start(&[]);
    moto.upload(&files.iter().map(String::as_str).collect::<Vec<_>>());
    // Uploaded under keys equal to their paths, without the leading `/`.
    let prefix = format!("s3://{BUCKET}/{}/", path(&orders).trim_start_matches('/'));
    let same = reference(dir.path(), 2);
    let args = ["diff", &same, &prefix, "--key", "order_id", "--format", "json"];
    let run = moto.recon_sides(&args, &["--target-storage-option"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, run.stdout);
    let report = run.json();
    assert_eq!((report["summary"]["matched"].as_u64(), report["target"]["rows"].as_u64()), (Some(6), Some(6)));
    assert_eq!(report["compared_columns"], serde_json::json!(["amount", "year", "month"]));
}
