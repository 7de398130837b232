//! Lakehouse tables keep files their log or metadata no longer counts: read as a directory of Parquet files they
//! give deleted rows back. recon reads a Delta Lake table through its log — at its latest version, a version
//! number or a time — with partition values as columns, deletion vectors applied (inline or in files) and each
//! version's schema (columns added later NULL in older files, renamed ones kept); Iceberg and Hudi tables are
//! refused by name. The Delta tables are written by Python's `deltalake` package (RECON_TEST_DELTALAKE), except
//! the committed deletion-vector fixtures (`fixtures/delta/make_deletion_vectors.py` says how they were made) and
//! the schema changes the package cannot make to a mapped table (written here as the protocol describes them).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::db::{postgres, serial, server, with_database};
use crate::util::{path, recon, scratch};

const SOURCE: &str = "fixtures/orders/legacy.parquet";
/// Orders 1-6 as a CSV file: what every Delta table here holds before rows are deleted.
const ORDERS: &str = "fixtures/delta/orders.csv";

/// Writes `fixtures/delta/orders.csv`'s six orders as version 0 of the Delta table at `sys.argv[1]`
/// (`storage_options` from `sys.argv[2]`, JSON), then deletes order 2 as version 1; prints a time between the two
/// commits.
const TWO_VERSIONS: &str = r#"
import datetime, json, sys, time
import pyarrow.csv
from deltalake import DeltaTable, write_deltalake
table, options = sys.argv[1], json.loads(sys.argv[2])
write_deltalake(table, pyarrow.csv.read_csv("fixtures/delta/orders.csv"), storage_options=options)
time.sleep(1.2)
between = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
time.sleep(1.2)
DeltaTable(table, storage_options=options).delete("order_id = 2")
print(between)
"#;

/// Runs `script` with `python3` in the repository root, `args` after it; what it printed. A script that fails
/// fails the test.
fn python(script: &str, args: &[&str]) -> String {
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .current_dir(crate::util::root())
        .output()
        .expect("python3 runs (with `pip install deltalake pyarrow`)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "python failed: {stderr}");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// `recon diff ORDERS TABLE --key order_id --format json` (plus `more`): its exit code and report.
fn against_orders(table: &str, more: &[&str]) -> (i32, Value) {
    let args = [&["diff", ORDERS, table, "--key", "order_id", "--format", "json"][..], more].concat();
    let run = recon(&args);
    assert!(run.code == 0 || run.code == 1, "{table}: {}\n{}", run.stderr, run.stdout);
    (run.code, run.json())
}

/// The summary's matched and missing counts, and the target's kind and version.
fn read_as(report: &Value) -> (u64, u64, &str, u64) {
    let summary = &report["summary"];
    let target = &report["target"];
    (
        summary["matched"].as_u64().unwrap_or(u64::MAX),
        summary["missing_in_target"].as_u64().unwrap_or(u64::MAX),
        target["kind"].as_str().unwrap_or_default(),
        target["table_version"].as_u64().unwrap_or(u64::MAX),
    )
}

#[test]
#[cfg_attr(
    not(recon_deltalake),
    ignore = "needs --features delta and Python's deltalake: pip install deltalake, set RECON_TEST_DELTALAKE=1"
)]
fn a_delta_table_is_read_at_its_latest_version_a_version_number_or_a_time() {
    let dir = scratch();
    let table = path(&dir.path().join("orders")).to_string();
    let between = python(TWO_VERSIONS, &[&table, "{}"]);
    // Version 1 deleted order 2: its data file was rewritten, the old one is still there.
    let (code, latest) = against_orders(&table, &[]);
    assert_eq!((code, read_as(&latest)), (1, (5, 1, "delta", 1)), "{latest:#}");
    assert_eq!(latest["target"]["rows"], 5);
    let (code, first) = against_orders(&format!("{table}@0"), &[]);
    assert_eq!((code, read_as(&first)), (0, (6, 0, "delta", 0)), "{first:#}");
    let (code, then) = against_orders(&format!("{table}@{between}"), &[]);
    assert_eq!((code, read_as(&then)), (0, (6, 0, "delta", 0)), "{then:#}");
    // As the source side too, and against a database-like other side: any source compares with it.
    let run = recon(&["diff", &format!("{table}@1"), &format!("{table}@0"), "--key", "order_id", "--format", "json"]);
    let report = run.json();
    assert_eq!((run.code, report["summary"]["extra_in_target"].as_u64()), (1, Some(1)), "{report:#}");
    assert_eq!(
        (report["source"]["table_version"].as_u64(), report["target"]["table_version"].as_u64()),
        (Some(1), Some(0))
    );

    let run = recon(&["diff", ORDERS, &format!("{table}@7"), "--key", "order_id"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("orders@7") && run.stderr.contains("version 7"), "{}", run.stderr);
}

#[test]
#[cfg_attr(
    not(recon_deltalake),
    ignore = "needs --features delta and Python's deltalake: pip install deltalake, set RECON_TEST_DELTALAKE=1"
)]
fn a_partitioned_delta_table_gives_its_partition_values_as_columns() {
    let dir = scratch();
    let table = path(&dir.path().join("orders")).to_string();
    let reference = dir.path().join("reference.csv");
    let rows = "order_id,customer,amount,year,region\n1,ann,10.5,2024,eu\n2,bob,20.0,2024,us\n3,cy,30.25,2025,eu\n\
                4,dee,40.0,2025,\n5,eve,50.75,2024,eu\n6,fay,60.0,2025,us\n";
    std::fs::write(&reference, rows).unwrap();
    python(
        "import sys, pyarrow.csv\nfrom deltalake import write_deltalake\n\
         strings = pyarrow.csv.ConvertOptions(strings_can_be_null=True)\n\
         rows = pyarrow.csv.read_csv(sys.argv[2], convert_options=strings)\n\
         write_deltalake(sys.argv[1], rows, partition_by=['year', 'region'])",
        &[&table, path(&reference)],
    );
    assert!(Path::new(&table).join("year=2025/region=eu").is_dir(), "the table is partitioned");
    assert!(Path::new(&table).join("year=2025/region=__HIVE_DEFAULT_PARTITION__").is_dir(), "order 4's region is NULL");
    let run = recon(&["diff", path(&reference), &table, "--key", "order_id", "--format", "json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, run.stdout);
    let report = run.json();
    assert_eq!(report["summary"]["matched"], 6, "{report:#}");
    let compared: Vec<&str> = report["compared_columns"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(compared, ["customer", "amount", "year", "region"]);
}

/// Column mapping: the data files name their columns `col-<uuid>`; the table's names are in its schema.
#[test]
#[cfg_attr(
    not(recon_deltalake),
    ignore = "needs --features delta and Python's deltalake: pip install deltalake, set RECON_TEST_DELTALAKE=1"
)]
fn mapped_columns_are_named_as_the_table_names_them() {
    let dir = scratch();
    let table = path(&dir.path().join("orders")).to_string();
    python(
        "import sys, pyarrow.csv\nfrom deltalake import write_deltalake\n\
         mapped = {'delta.columnMapping.mode': 'name', 'delta.minReaderVersion': '2', 'delta.minWriterVersion': '5'}\n\
         write_deltalake(sys.argv[1], pyarrow.csv.read_csv(sys.argv[2]), configuration=mapped)",
        &[&table, ORDERS],
    );
    let (code, report) = against_orders(&table, &[]);
    assert_eq!((code, read_as(&report)), (0, (6, 0, "delta", 0)), "{report:#}");
    assert_eq!(report["compared_columns"], serde_json::json!(["customer", "amount"]));
    assert_eq!(report["source"]["fingerprint"], report["target"]["fingerprint"]);
}

/// Writes orders 1-3 as version 0 of the Delta table at `sys.argv[1]`, then appends orders 4-6 with a column
/// `note` the table did not have (`schema_mode="merge"`) as version 1: the first data file has no `note`.
const ADDED_COLUMN: &str = r#"
import sys, pyarrow as pa, pyarrow.csv
from deltalake import write_deltalake
orders = pyarrow.csv.read_csv("fixtures/delta/orders.csv")
write_deltalake(sys.argv[1], orders.slice(0, 3))
notes = orders.slice(3, 3).append_column("note", pa.array(["gift", None, "rush"]))
write_deltalake(sys.argv[1], notes, mode="append", schema_mode="merge")
"#;

/// The same evolution in a table with column mapping (`name` mode), then a rename: the `deltalake` package
/// writes the data (versions 0 and 2) but cannot change a mapped table's schema, so versions 1 (`note` added,
/// with the next column id and a physical name of its own) and 3 (`customer` renamed `client`, its physical
/// name kept) are metadata-only commits written here as the Delta protocol describes them.
const MAPPED_EVOLUTION: &str = r#"
import json, os, sys, time, pyarrow as pa, pyarrow.csv
from deltalake import write_deltalake
table = sys.argv[1]
log = os.path.join(table, "_delta_log")
mapped = {"delta.columnMapping.mode": "name", "delta.minReaderVersion": "2", "delta.minWriterVersion": "5"}
def commit(version, operation, change):
    actions = [json.loads(l) for v in range(version) for l in open(os.path.join(log, f"{v:020}.json")) if l.strip()]
    metadata = [a["metaData"] for a in actions if "metaData" in a][-1]
    schema = json.loads(metadata["schemaString"])
    change(schema["fields"], metadata["configuration"])
    metadata["schemaString"] = json.dumps(schema)
    info = {"commitInfo": {"timestamp": int(time.time() * 1000), "operation": operation}}
    with open(os.path.join(log, f"{version:020}.json"), "w") as f:
        f.write(json.dumps(info) + "\n" + json.dumps({"metaData": metadata}) + "\n")
def add_note(fields, configuration):
    column_id = int(configuration["delta.columnMapping.maxColumnId"]) + 1
    configuration["delta.columnMapping.maxColumnId"] = str(column_id)
    metadata = {"delta.columnMapping.id": column_id, "delta.columnMapping.physicalName": "col-note-added-later"}
    fields.append({"name": "note", "type": "string", "nullable": True, "metadata": metadata})
def rename(fields, configuration):
    next(f for f in fields if f["name"] == "customer")["name"] = "client"
orders = pyarrow.csv.read_csv("fixtures/delta/orders.csv")
write_deltalake(table, orders.slice(0, 3), configuration=mapped)
commit(1, "ADD COLUMNS", add_note)
write_deltalake(table, orders.slice(3, 3).append_column("note", pa.array(["gift", None, "rush"])), mode="append")
commit(3, "RENAME COLUMN", rename)
"#;

/// Orders 1-6 with the notes the evolved tables hold (orders 4 and 6), under `header`.
fn orders_with_notes(dir: &Path, header: &str) -> String {
    let file = dir.join(format!("{}.csv", header.replace(',', "_")));
    let rows = "1,ann,10.5,\n2,bob,20.0,\n3,cy,30.25,\n4,dee,40.0,gift\n5,eve,50.75,\n6,fay,60.0,rush\n";
    std::fs::write(&file, format!("{header}\n{rows}")).unwrap();
    path(&file).to_string()
}

/// `recon diff REFERENCE TABLE --key order_id --format json`: exit code, report, the compared columns.
fn compared(reference: &str, table: &str) -> (i32, Value, Vec<String>) {
    let run = recon(&["diff", reference, table, "--key", "order_id", "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{table}: {}\n{}", run.stderr, run.stdout);
    let report = run.json();
    let columns = report["compared_columns"].as_array().unwrap().iter().filter_map(Value::as_str).map(String::from);
    let columns = columns.collect();
    (run.code, report, columns)
}

/// A table whose version 1 added a column: the older file reads it as NULL, and version 0 reads with its own
/// schema, without the column.
#[test]
#[cfg_attr(
    not(recon_deltalake),
    ignore = "needs --features delta and Python's deltalake: pip install deltalake, set RECON_TEST_DELTALAKE=1"
)]
fn a_column_added_later_reads_as_null_in_the_older_files_and_each_version_has_its_own_schema() {
    let dir = scratch();
    let table = path(&dir.path().join("orders")).to_string();
    python(ADDED_COLUMN, &[&table]);
    let reference = orders_with_notes(dir.path(), "order_id,customer,amount,note");
    let (code, latest, columns) = compared(&reference, &table);
    assert_eq!((code, read_as(&latest)), (0, (6, 0, "delta", 1)), "{latest:#}");
    assert_eq!(columns, ["customer", "amount", "note"]);
    // A note where the older file has none is a mismatch on that row alone.
    let noted = std::fs::read_to_string(&reference).unwrap().replace("3,cy,30.25,", "3,cy,30.25,late");
    std::fs::write(&reference, noted).unwrap();
    let (code, report, _) = compared(&reference, &table);
    assert_eq!(
        (code, report["summary"]["mismatched"].as_u64(), example_keys(&report, "mismatched")),
        (1, Some(1), vec![3])
    );
    assert_eq!(report["examples"]["mismatched"][0]["columns"]["note"]["target"], Value::Null, "{report:#}");
    // Version 0: three orders, no note.
    let (code, first, columns) = compared(ORDERS, &format!("{table}@0"));
    assert_eq!((code, read_as(&first)), (1, (3, 3, "delta", 0)), "{first:#}");
    assert_eq!(columns, ["customer", "amount"]);
}

/// Column mapping: a column added as metadata only (the older file lacks its physical name) reads as NULL
/// there, and a renamed column keeps its values under each version's name.
#[test]
#[cfg_attr(
    not(recon_deltalake),
    ignore = "needs --features delta and Python's deltalake: pip install deltalake, set RECON_TEST_DELTALAKE=1"
)]
fn a_mapped_table_reads_added_and_renamed_columns_at_each_version() {
    let dir = scratch();
    let table = path(&dir.path().join("orders")).to_string();
    python(MAPPED_EVOLUTION, &[&table]);
    let renamed = orders_with_notes(dir.path(), "order_id,client,amount,note");
    let (code, latest, columns) = compared(&renamed, &table);
    assert_eq!((code, read_as(&latest)), (0, (6, 0, "delta", 3)), "{latest:#}");
    assert_eq!(columns, ["client", "amount", "note"]);
    let before_rename = orders_with_notes(dir.path(), "order_id,customer,amount,note");
    let (code, second, columns) = compared(&before_rename, &format!("{table}@2"));
    assert_eq!((code, read_as(&second)), (0, (6, 0, "delta", 2)), "{second:#}");
    assert_eq!(columns, ["customer", "amount", "note"]);
    // Version 1 has the column and no file that holds it: orders 1-3, each note NULL.
    let (code, added, columns) = compared(&before_rename, &format!("{table}@1"));
    assert_eq!((code, read_as(&added)), (1, (3, 3, "delta", 1)), "{added:#}");
    assert_eq!(columns, ["customer", "amount", "note"]);
    let (code, first, columns) = compared(ORDERS, &format!("{table}@0"));
    assert_eq!((code, read_as(&first)), (1, (3, 3, "delta", 0)), "{first:#}");
    assert_eq!(columns, ["customer", "amount"]);
}

/// Orders 1-3 as version 0 of the Delta table at `sys.argv[1]`, then orders 4-6 in a file whose `amount` is a
/// 32-bit float (the table says double), added by hand as version 1: files that disagree on a column's type.
const DISAGREEING_TYPES: &str = r#"
import json, os, sys, pyarrow as pa, pyarrow.csv, pyarrow.parquet as pq
from deltalake import write_deltalake
table = sys.argv[1]
orders = pyarrow.csv.read_csv("fixtures/delta/orders.csv")
write_deltalake(table, orders.slice(0, 3))
narrow = orders.slice(3, 3).set_column(2, "amount", orders.slice(3, 3).column("amount").cast(pa.float32()))
pq.write_table(narrow, os.path.join(table, "narrow.parquet"))
add = {"path": "narrow.parquet", "partitionValues": {}, "size": os.path.getsize(os.path.join(table, "narrow.parquet")),
       "modificationTime": 0, "dataChange": True}
with open(os.path.join(table, "_delta_log", f"{1:020}.json"), "w") as f:
    f.write(json.dumps({"add": add}) + "\n")
"#;

#[test]
#[cfg_attr(
    not(recon_deltalake),
    ignore = "needs --features delta and Python's deltalake: pip install deltalake, set RECON_TEST_DELTALAKE=1"
)]
fn files_that_disagree_on_a_columns_type_are_refused_naming_both() {
    let dir = scratch();
    let table = path(&dir.path().join("orders")).to_string();
    python(DISAGREEING_TYPES, &[&table]);
    refused(
        &["diff", ORDERS, &table, "--key", "order_id"],
        "recon does not read a Delta table whose files disagree on a column's type",
    );
    let run = recon(&["diff", ORDERS, &table, "--key", "order_id"]);
    assert!(run.stderr.contains("narrow.parquet") && run.stderr.contains("column amount is Float"), "{}", run.stderr);
    // Version 0 holds one of them only.
    let (code, first) = against_orders(&format!("{table}@0"), &[]);
    assert_eq!((code, read_as(&first)), (1, (3, 3, "delta", 0)), "{first:#}");
}

/// A recon built without the `delta` feature reads no Delta table, and says how to get one that does.
#[test]
#[cfg(not(feature = "delta"))]
fn without_the_delta_feature_a_delta_table_is_refused_saying_how_to_get_it() {
    let run = recon(&["diff", ORDERS, "fixtures/delta/deletion_vectors", "--key", "order_id"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cargo install recon --features delta"), "{}", run.stderr);
}

#[test]
#[cfg_attr(not(feature = "delta"), ignore = "needs --features delta")]
fn deletion_vectors_leave_their_rows_out() {
    // Version 1 marks orders 2 and 5 deleted in a deletion vector; the data file still holds all six.
    let (code, latest) = against_orders("fixtures/delta/deletion_vectors", &[]);
    assert_eq!((code, read_as(&latest)), (1, (4, 2, "delta", 1)), "{latest:#}");
    let missing: Vec<&Value> =
        latest["examples"]["missing_in_target"].as_array().unwrap().iter().map(|e| &e["key"]["order_id"]).collect();
    assert_eq!(missing, [2, 5]);
    let text = recon(&["diff", ORDERS, "fixtures/delta/deletion_vectors", "--key", "order_id"]).stdout;
    assert!(text.contains("target: fixtures/delta/deletion_vectors (delta version 1, 4 rows, "), "{text}");
    let (code, first) = against_orders("fixtures/delta/deletion_vectors@0", &[]);
    assert_eq!((code, read_as(&first)), (0, (6, 0, "delta", 0)), "{first:#}");
    // The rows that differ are read again by their place among the kept rows.
    let changed = scratch();
    let csv = changed.path().join("orders.csv");
    std::fs::write(&csv, std::fs::read_to_string(ORDERS).unwrap().replace("6,fay,60.0", "6,fay,61.0")).unwrap();
    let run = recon(&["diff", path(&csv), "fixtures/delta/deletion_vectors", "--key", "order_id", "--format", "json"]);
    let report = run.json();
    assert_eq!((run.code, report["summary"]["mismatched"].as_u64()), (1, Some(1)), "{report:#}");
    let example = &report["examples"]["mismatched"][0];
    assert_eq!(
        (&example["key"]["order_id"], &example["columns"]["amount"]["target"]),
        (&6.into(), &"60.0".into()),
        "{example:#}"
    );
}

/// Deletion vectors as Spark and Databricks store them: each file's in `ab/deletion_vector_<uuid>.bin`, the
/// first file's (order 2) at offset 1, the second's (orders 4 and 6) at offset 43.
const FILE_DELETIONS: &str = "fixtures/delta/deletion_vectors_file";

/// The keys of a report's examples of `kind`, as numbers.
fn example_keys(report: &Value, kind: &str) -> Vec<u64> {
    let examples = report["examples"][kind].as_array().map(Vec::as_slice).unwrap_or_default();
    examples.iter().filter_map(|e| e["key"]["order_id"].as_u64()).collect()
}

#[test]
#[cfg_attr(not(feature = "delta"), ignore = "needs --features delta")]
fn deletion_vectors_stored_in_a_file_leave_their_rows_out() {
    let (code, latest) = against_orders(FILE_DELETIONS, &[]);
    assert_eq!((code, read_as(&latest)), (1, (3, 3, "delta", 2)), "{latest:#}");
    assert_eq!(example_keys(&latest, "missing_in_target"), [2, 4, 6]);
    assert_eq!(latest["target"]["rows"], 3);
    // Version 1, before the deletion, holds both files whole.
    let (code, before) = against_orders(&format!("{FILE_DELETIONS}@1"), &[]);
    assert_eq!((code, read_as(&before)), (0, (6, 0, "delta", 1)), "{before:#}");
    // The data files read as plain Parquet (without the log) still hold every row.
    let plain = scratch();
    for entry in std::fs::read_dir(FILE_DELETIONS).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().is_some_and(|e| e == "parquet") {
            std::fs::copy(&file, plain.path().join(file.file_name().unwrap())).unwrap();
        }
    }
    let (code, files) = against_orders(path(plain.path()), &[]);
    assert_eq!((code, files["summary"]["matched"].as_u64()), (0, Some(6)), "{files:#}");
    // A kept row that differs is read again past the deleted rows before it (order 5 is row 1 of the second file).
    let changed = scratch();
    let csv = changed.path().join("orders.csv");
    std::fs::write(&csv, std::fs::read_to_string(ORDERS).unwrap().replace("5,eve,50.75", "5,eve,50.5")).unwrap();
    let run = recon(&["diff", path(&csv), FILE_DELETIONS, "--key", "order_id", "--format", "json"]);
    let report = run.json();
    assert_eq!((run.code, example_keys(&report, "mismatched")), (1, vec![5]), "{report:#}");
    assert_eq!(report["examples"]["mismatched"][0]["columns"]["amount"]["target"], "50.75", "{report:#}");
}

/// The same deletion vectors named by an absolute path (storage type `p`) inside the table; one outside the table
/// is refused by name, as a data file outside it is.
#[test]
#[cfg_attr(not(feature = "delta"), ignore = "needs --features delta")]
fn deletion_vectors_at_an_absolute_path_leave_their_rows_out_inside_the_table_only() {
    let dir = scratch();
    let table = dir.path().join("orders");
    copy_dir(Path::new(FILE_DELETIONS), &table);
    std::fs::create_dir(table.join("vectors")).unwrap();
    let vectors = table.join("vectors/all of them.bin");
    std::fs::rename(table.join("ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin"), &vectors).unwrap();
    let commit = table.join("_delta_log/00000000000000000002.json");
    let relative = std::fs::read_to_string(&commit).unwrap();
    let absolute = |url: &str| {
        let named = relative.replace(
            "\"storageType\": \"u\", \"pathOrInlineDv\": \"ab^-aqEH.-t@S}K{vb[*k^\"",
            &format!("\"storageType\": \"p\", \"pathOrInlineDv\": \"{url}\""),
        );
        assert_ne!(named, relative, "the commit names the vectors absolutely");
        std::fs::write(&commit, named).unwrap();
    };
    absolute(&format!("file://{}/vectors/all%20of%20them.bin", path(&table)));
    let (code, report) = against_orders(path(&table), &[]);
    assert_eq!((code, read_as(&report)), (1, (3, 3, "delta", 2)), "{report:#}");
    assert_eq!(example_keys(&report, "missing_in_target"), [2, 4, 6]);

    let outside = dir.path().join("vectors.bin");
    std::fs::rename(&vectors, &outside).unwrap();
    absolute(&format!("file://{}", path(&outside)));
    refused(&["diff", ORDERS, path(&table), "--key", "order_id"], "its deletion vector lies outside the table");
}

/// A deletion vector file that is missing, cut short or altered (its checksum no longer matches) is exit 2
/// naming the table, never a read of rows the table deleted.
#[test]
#[cfg_attr(not(feature = "delta"), ignore = "needs --features delta")]
fn a_deletion_vector_file_missing_cut_short_or_altered_is_exit_2() {
    let dir = scratch();
    let table = dir.path().join("orders");
    copy_dir(Path::new(FILE_DELETIONS), &table);
    let vectors = table.join("ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin");
    let bytes = std::fs::read(&vectors).unwrap();
    let mut altered = bytes.clone();
    altered[60] ^= 1; // inside the second vector's bitmap
    for (case, content) in [("cut short", Some(bytes[..50].to_vec())), ("altered", Some(altered)), ("missing", None)] {
        match content {
            Some(content) => std::fs::write(&vectors, content).unwrap(),
            None => std::fs::remove_file(&vectors).unwrap(),
        }
        let run = recon(&["diff", ORDERS, path(&table), "--key", "order_id", "--format", "json"]);
        assert_eq!(run.code, 2, "{case}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{case}: no report: {}", run.stdout);
        assert!(run.stderr.contains(path(&table)) && run.stderr.contains("deletion_vector"), "{case}: {}", run.stderr);
    }
}

#[test]
#[cfg_attr(not(feature = "delta"), ignore = "needs --features delta")]
fn a_delta_log_that_does_not_parse_is_exit_2_naming_its_file() {
    let dir = scratch();
    let table = dir.path().join("orders");
    copy_dir(Path::new("fixtures/delta/deletion_vectors"), &table);
    std::fs::write(table.join("_delta_log/00000000000000000001.json"), "{\"add\": {\"path\": \n").unwrap();
    let run = recon(&["diff", ORDERS, path(&table), "--key", "order_id"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let file = format!(
        "{}/_delta_log/00000000000000000001.json: line 1: a Delta Lake log entry that does not parse",
        path(&table)
    );
    assert!(run.stderr.contains(&file), "{}", run.stderr);
}

#[test]
#[cfg_attr(not(feature = "delta"), ignore = "needs --features delta")]
fn a_reader_feature_recon_cannot_read_is_refused_by_name() {
    let dir = scratch();
    let table = dir.path().join("orders");
    copy_dir(Path::new("fixtures/delta/deletion_vectors"), &table);
    let commit = table.join("_delta_log/00000000000000000001.json");
    let text = std::fs::read_to_string(&commit).unwrap();
    std::fs::write(
        &commit,
        text.replace(
            "\"readerFeatures\": [\"deletionVectors\"]",
            "\"readerFeatures\": [\"deletionVectors\", \"madeUpFeature\"]",
        ),
    )
    .unwrap();
    let run = recon(&["diff", ORDERS, path(&table), "--key", "order_id"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(path(&table)) && run.stderr.contains("madeUpFeature"), "{}", run.stderr);
    // The version before the feature was turned on reads.
    assert_eq!(recon(&["diff", ORDERS, &format!("{}@0", path(&table)), "--key", "order_id", "--quiet"]).code, 0);
}

#[test]
fn a_version_names_a_delta_table_only() {
    let run = recon(&["diff", ORDERS, "fixtures/orders/new@3", "--key", "order_id"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("fixtures/orders/new@3: a version (@N or @TIME) picks a version of a Delta Lake table"),
        "{}",
        run.stderr
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        match entry.file_type().unwrap().is_dir() {
            true => copy_dir(&entry.path(), &to.join(entry.file_name())),
            false => drop(std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap()),
        }
    }
}

fn refused(args: &[&str], says: &str) {
    let run = recon(args);
    assert_eq!(run.code, 2, "{args:?}\nstdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stderr.contains(says), "{says:?} not in: {}", run.stderr);
}

#[test]
fn a_directory_or_glob_inside_a_delta_table_is_refused_never_read_as_files() {
    let dir = scratch();
    let table = dir.path().join("orders");
    copy_dir(Path::new("fixtures/delta/deletion_vectors"), &table);
    let partition = table.join("region=eu");
    std::fs::create_dir(&partition).unwrap();
    std::fs::copy("fixtures/orders/new/part-0.parquet", partition.join("part-0.parquet")).unwrap();
    let inside = "inside a Delta Lake table";
    refused(&["diff", SOURCE, path(&partition), "--key", "order_id"], inside);
    refused(&["diff", SOURCE, &format!("{}/*.parquet", path(&table)), "--key", "order_id"], inside);
    refused(&["diff", SOURCE, &format!("{}/*/*.parquet", path(&table)), "--key", "order_id"], inside);
    // A collection that is a Delta table is one table, not a collection.
    refused(&["audit", path(&table), path(dir.path())], "an audit compares a directory of tables");
}

#[test]
fn iceberg_and_hudi_tables_are_refused_and_a_plain_metadata_directory_is_not() {
    let dir = scratch();
    let iceberg = dir.path().join("iceberg");
    std::fs::create_dir_all(iceberg.join("data")).unwrap();
    std::fs::create_dir_all(iceberg.join("metadata")).unwrap();
    std::fs::copy(SOURCE, iceberg.join("data/00000-0-a.parquet")).unwrap();
    std::fs::write(iceberg.join("metadata/v1.metadata.json"), "{}").unwrap();
    let not_read = "which recon does not read: compare an export of it";
    refused(&["diff", SOURCE, path(&iceberg.join("data")), "--key", "order_id"], "inside an Iceberg table");
    refused(
        &["diff", SOURCE, path(&iceberg), "--key", "order_id"],
        &format!("an Iceberg table (it holds metadata/), {not_read}"),
    );

    let hudi = dir.path().join("hudi");
    std::fs::create_dir_all(hudi.join(".hoodie")).unwrap();
    std::fs::copy(SOURCE, hudi.join("part-0.parquet")).unwrap();
    refused(
        &["diff", SOURCE, path(&hudi), "--key", "order_id"],
        &format!("a Hudi table (it holds .hoodie/), {not_read}"),
    );

    // An export whose table happens to be called metadata is read (exit 1: the fixture's own duplicate key).
    let export = dir.path().join("export");
    std::fs::create_dir_all(export.join("metadata")).unwrap();
    std::fs::copy(SOURCE, export.join("metadata/part-0.parquet")).unwrap();
    std::fs::copy(SOURCE, export.join("orders.parquet")).unwrap();
    assert_eq!(recon(&["diff", SOURCE, path(&export), "--key", "order_id", "--quiet"]).code, 1);
}

/// In an audit, an Iceberg table is that table's error (the other tables are compared, the audit exits 2), even
/// when its data files lie in a subdirectory only.
#[test]
fn an_audit_shows_an_iceberg_table_as_its_error() {
    let dir = scratch();
    for side in ["legacy", "new"] {
        let collection = dir.path().join(side);
        std::fs::create_dir_all(collection.join("events/metadata")).unwrap();
        std::fs::create_dir_all(collection.join("events/data")).unwrap();
        std::fs::write(collection.join("events/metadata/v1.metadata.json"), "{}").unwrap();
        std::fs::copy(SOURCE, collection.join("events/data/part-0.parquet")).unwrap();
        std::fs::copy(SOURCE, collection.join("orders.parquet")).unwrap();
    }
    let (legacy, new) = (dir.path().join("legacy"), dir.path().join("new"));
    // The fixture holds one duplicated key: within budget, orders passes.
    let args = ["audit", path(&legacy), path(&new), "--key", "order_id", "--format", "json", "--max-duplicates", "1"];
    let run = recon(&args);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let report = run.json();
    let tables = report["tables"].as_array().unwrap();
    let status = |name: &str| tables.iter().find(|t| t["name"] == name).map(|t| t["status"].clone());
    assert_eq!(status("orders"), Some("pass".into()), "{report:#}");
    assert_eq!(status("events"), Some("error".into()), "{report:#}");
    let events = tables.iter().find(|t| t["name"] == "events").unwrap();
    assert!(events["error"].as_str().unwrap().contains("an Iceberg table (it holds metadata/)"), "{events}");
}

const DELTA_AUDIT: &[&str] = &[
    "DROP SCHEMA IF EXISTS recon_delta_audit CASCADE",
    "CREATE SCHEMA recon_delta_audit",
    "CREATE TABLE recon_delta_audit.orders (order_id bigint PRIMARY KEY, customer text, amount double precision)",
    "INSERT INTO recon_delta_audit.orders VALUES (1, 'ann', 10.5), (2, 'bob', 20.0), (3, 'cy', 30.25),
       (4, 'dee', 40.0), (5, 'eve', 50.75), (6, 'fay', 60.0)",
    "CREATE TABLE recon_delta_audit.customers (customer text PRIMARY KEY, region text)",
    "INSERT INTO recon_delta_audit.customers VALUES ('ann', 'eu'), ('bob', 'us'), ('cy', 'eu')",
];

/// A directory of Delta tables (orders at version 1, which deleted order 2; customers partitioned by region)
/// against the PostgreSQL schema they were loaded into: orders has one row more there, customers is the same.
#[test]
#[cfg_attr(
    not(all(recon_deltalake, recon_postgres)),
    ignore = "needs --features delta, Python's deltalake and PostgreSQL: set RECON_TEST_DELTALAKE and RECON_TEST_POSTGRES_URL"
)]
fn an_audit_of_a_directory_of_delta_tables_against_postgres() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = serial();
    postgres(&pg, DELTA_AUDIT);
    let dir = scratch();
    let lake = dir.path().join("lake");
    python(TWO_VERSIONS, &[path(&lake.join("orders")), "{}"]);
    python(
        "import sys, pyarrow as pa\nfrom deltalake import write_deltalake\n\
         rows = pa.table({'customer': ['ann', 'bob', 'cy'], 'region': ['eu', 'us', 'eu']})\n\
         write_deltalake(sys.argv[1], rows, partition_by=['region'])",
        &[path(&lake.join("customers"))],
    );
    let target = format!("{}#recon_delta_audit", with_database(&pg, pg.rsplit('/').next().unwrap_or("test")));
    let run = recon(&["audit", path(&lake), &target, "--format", "json"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stderr, run.stdout);
    let report = run.json();
    let table = |name: &str| report["tables"].as_array().unwrap().iter().find(|t| t["name"] == name).cloned().unwrap();
    let (orders, customers) = (table("orders"), table("customers"));
    assert_eq!((orders["status"].as_str(), customers["status"].as_str()), (Some("fail"), Some("pass")), "{report:#}");
    let summary = &orders["report"]["summary"];
    assert_eq!((summary["matched"].as_u64(), summary["extra_in_target"].as_u64()), (Some(5), Some(1)), "{report:#}");
    assert_eq!(orders["report"]["source"]["table_version"], 1);
    assert_eq!(customers["report"]["summary"]["matched"], 3);
}

/// The two-version table written into a real S3-compatible server (moto), read there at each version.
#[test]
#[cfg_attr(
    not(all(recon_deltalake, recon_moto)),
    ignore = "needs --features delta, Python's deltalake and moto_server: set RECON_TEST_DELTALAKE and RECON_TEST_MOTO"
)]
fn a_delta_table_in_s3_is_read_at_each_version() {
    use crate::object_stores::{Moto, BUCKET, SECRET};
    let moto = Moto::start(&[]);
    moto.put_unsigned(&format!("/{BUCKET}"), b"");
    let options = serde_json::json!({
        "AWS_ENDPOINT_URL": moto.endpoint(), "AWS_ALLOW_HTTP": "true", "AWS_S3_ALLOW_UNSAFE_RENAME": "true",
        "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": SECRET,
    });
    let table = format!("s3://{BUCKET}/lake/orders");
    python(TWO_VERSIONS, &[&table, &options.to_string()]);
    let target = ["--target-storage-option"];
    for (version, expected) in [("", (1, (5, 1, "delta", 1))), ("@0", (0, (6, 0, "delta", 0)))] {
        let location = format!("{table}{version}");
        let args = ["diff", ORDERS, &location, "--key", "order_id", "--format", "json"];
        let run = moto.recon_sides(&args, &target);
        assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
        let report = run.json();
        assert_eq!((run.code, read_as(&report)), expected, "{location}: {report:#}\n{}", run.stderr);
        assert_eq!(report["target"]["location"], location);
    }
}

/// The table whose deletion vectors lie in a `.bin` file, read from a real S3-compatible server (moto): each
/// vector is fetched from the object by its range.
#[test]
#[cfg_attr(
    not(all(feature = "delta", recon_moto)),
    ignore = "needs --features delta and moto_server: set RECON_TEST_MOTO"
)]
fn deletion_vectors_in_a_file_are_read_from_s3() {
    use crate::object_stores::{Moto, BUCKET};
    let moto = Moto::start(&[]);
    let mut files = Vec::new();
    let mut pending = vec![std::path::PathBuf::from(FILE_DELETIONS)];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(crate::util::root().join(&dir)).unwrap() {
            let name = dir.join(entry.as_ref().unwrap().file_name());
            match entry.unwrap().file_type().unwrap().is_dir() {
                true => pending.push(name),
                false => files.push(name.to_str().unwrap().to_string()),
            }
        }
    }
    assert_eq!(files.len(), 6, "three commits, two data files, one deletion vector file: {files:?}");
    moto.upload(&files.iter().map(String::as_str).collect::<Vec<_>>());
    let table = format!("s3://{BUCKET}/{FILE_DELETIONS}");
    let args = ["diff", ORDERS, &table, "--key", "order_id", "--format", "json"];
    let run = moto.recon_sides(&args, &["--target-storage-option"]);
    let report = run.json();
    assert_eq!((run.code, read_as(&report)), (1, (3, 3, "delta", 2)), "{report:#}\n{}", run.stderr);
    assert_eq!(example_keys(&report, "missing_in_target"), [2, 4, 6]);
}
