//! JSON Lines sides (fixtures/jsonl, see fixtures/README.md): a mongoexport in canonical Extended JSON reconciles
//! with the same rows as Parquet, CSV and gzip; the migrated collection's relaxed export shows exactly its
//! documented defects, locally, in an audit of a directory and from S3; nested values compare as values; a bad
//! line, a JSON array and a bad `--json-schema` line are exit 2 naming the line.

use serde_json::Value;

use crate::object_stores::{as_local, Moto};
use crate::util::{path, recon, root, scratch, Run};

const ORDERS: &str = "fixtures/jsonl/orders.jsonl";
const MIGRATED: &str = "fixtures/jsonl/migrated.jsonl";

fn diff(source: &str, target: &str, more: &[&str]) -> Run {
    recon(&[&["diff", source, target, "--key", "_id", "--format", "json"][..], more].concat())
}

fn fails(run: &Run, needle: &str) {
    assert_eq!(run.code, 2, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stderr.contains(needle), "{needle:?} not in: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

/// The orders fixture with line `number` (1-based) replaced by `line`, in a scratch directory.
fn orders_with_line(dir: &tempfile::TempDir, number: usize, line: &str) -> String {
    let text = std::fs::read_to_string(root().join(ORDERS)).expect("the fixture");
    let mut lines: Vec<&str> = text.lines().collect();
    lines[number - 1] = line;
    let file = dir.path().join("orders.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").expect("write");
    path(&file).to_string()
}

/// `$oid` keys match Parquet text keys, `$numberDecimal` equals decimal(12,2), `$date` equals a millisecond
/// timestamp, `$binary` subtype 4 equals the UUID's text, `$numberInt`/`$numberLong` equal int32/int64: the
/// same 40 rows, the same fingerprint, whichever form holds them.
#[test]
fn a_mongoexport_reconciles_with_the_same_rows_as_parquet_csv_and_gzip() {
    for target in ["fixtures/jsonl/orders.parquet", "fixtures/jsonl/orders.jsonl.gz", "fixtures/jsonl/orders.csv"] {
        let run = diff(ORDERS, target, &[]);
        assert_eq!(run.code, 0, "{target}: {}", run.stderr);
        let report = run.json();
        assert_eq!(report["summary"]["matched"], 40, "{target}");
        assert_eq!(report["source"]["kind"], "jsonl");
        assert_eq!(report["source"]["rows"], 40, "blank lines are no rows");
        assert_eq!(report["source"]["fingerprint"], report["target"]["fingerprint"], "{target}");
        let compared = report["compared_columns"].as_array().expect("columns").len();
        assert_eq!(compared, 9, "{target}: every column but the key compared");
    }
    let run = diff(ORDERS, "fixtures/jsonl/orders.parquet", &[]);
    assert!(
        run.stderr.contains("amount Decimal128(38, 2), placed_at Timestamp(ms, \"+00:00\")"),
        "the inferred types are printed: {}",
        run.stderr
    );
}

#[test]
fn the_migrated_export_shows_exactly_its_documented_defects() {
    let run = diff("fixtures/jsonl/orders.parquet", MIGRATED, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let summary = &report["summary"];
    let counts = ["matched", "missing_in_target", "extra_in_target", "mismatched", "duplicate_keys_target"]
        .map(|category| summary[category].as_u64().expect(category));
    assert_eq!(counts, [35, 1, 1, 3, 1]);
    let columns = &report["column_mismatches"];
    assert_eq!([&columns["amount"], &columns["placed_at"], &columns["status"]], [1, 1, 1]);
    assert_eq!(columns.as_object().expect("columns").values().filter(|n| *n != 0).count(), 3);
    assert_eq!(report["mismatch_causes"]["status"]["case"], 1);
    assert_eq!(report["mismatch_causes"]["placed_at"]["time_shift"], 1);
    assert_eq!(report["examples"]["missing_in_target"][0]["key"]["_id"], "65f1a0c20000000000000007");
    assert_eq!(report["examples"]["extra_in_target"][0]["key"]["_id"], "65f1a0c20000000000000029");
}

#[test]
fn a_bad_line_is_exit_2_with_its_line_number_never_skipped() {
    let dir = scratch();
    let broken = orders_with_line(&dir, 30, r#"{"_id": {"$oid": "65f1a0c2000000000000001c"}, "order_no": 28,"#);
    fails(
        &diff(&broken, "fixtures/jsonl/orders.parquet", &[]),
        "orders.jsonl: line 30, column 61: EOF while parsing a value",
    );
    let not_an_object = orders_with_line(&dir, 12, r#"["65f1a0c2000000000000000b", 11]"#);
    fails(&diff(&not_an_object, ORDERS, &[]), "orders.jsonl: line 12 holds an array, not an object");
    let bad_wrapper =
        orders_with_line(&dir, 5, r#"{"_id": {"$oid": "65f1a0c20000000000000005"}, "views": {"$numberLong": "5x"}}"#);
    fails(
        &diff(&bad_wrapper, ORDERS, &[]),
        r#"orders.jsonl: line 5: views: {"$numberLong": "5x"} is not a valid Extended JSON $numberLong"#,
    );
}

#[test]
fn a_json_array_is_refused_by_name() {
    let dir = scratch();
    let file = dir.path().join("orders.jsonl");
    std::fs::write(&file, "[\n  {\"_id\": 1},\n  {\"_id\": 2}\n]\n").expect("write");
    fails(&diff(path(&file), ORDERS, &[]), "orders.jsonl: is a JSON array, not JSON Lines (one object a line)");
}

#[test]
fn a_json_schema_gives_the_columns_and_a_bad_line_of_it_is_named() {
    let dir = scratch();
    let schema = dir.path().join("orders.schema");
    let declared =
        "# the warehouse's types\n_id: text\norder_no: int32\namount: decimal(12,2)\nplaced_at: timestamptz\n\
                    status: text\nviews: int64\n";
    std::fs::write(&schema, declared).expect("write");
    let run = diff(ORDERS, "fixtures/jsonl/orders.parquet", &["--json-schema", path(&schema)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("amount Decimal128(12, 2), placed_at Timestamp(µs, \"+00:00\")"), "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["matched"], 40);
    let compared: Vec<&str> =
        report["compared_columns"].as_array().expect("columns").iter().filter_map(Value::as_str).collect();
    assert_eq!(compared, ["order_no", "amount", "placed_at", "status", "views"], "undeclared keys are not read");

    // A declared type a line's value does not fit names the line, without advice to give a schema.
    std::fs::write(&schema, "_id: text\nstatus: int64\n").expect("write");
    let run = diff(ORDERS, "fixtures/jsonl/orders.parquet", &["--json-schema", path(&schema)]);
    fails(&run, "orders.jsonl: line 1: status \"shipped\" does not fit int64");
    assert!(!run.stderr.contains("inferred"), "{}", run.stderr);

    std::fs::write(&schema, "_id: text\namount: decimel(12,2)\n").expect("write");
    let run = diff(ORDERS, "fixtures/jsonl/orders.parquet", &["--json-schema", path(&schema)]);
    fails(&run, "orders.schema:2:9: unknown type \"decimel\"");
}

/// A directory of JSON Lines files is a collection of tables (`migrated.ndjson.gz` is table `migrated`), read
/// against the Parquet files of the same names.
#[test]
fn an_audit_reads_a_directory_of_json_lines_files() {
    let dir = scratch();
    let (source, target) = (dir.path().join("mongo"), dir.path().join("lake"));
    std::fs::create_dir_all(&source).and_then(|()| std::fs::create_dir_all(&target)).expect("directories");
    let copy = |from: &str, to: std::path::PathBuf| std::fs::copy(root().join(from), to).expect("copy");
    copy(ORDERS, source.join("orders.jsonl"));
    let migrated = std::fs::read(root().join(MIGRATED)).expect("the fixture");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, &migrated).expect("gzip");
    std::fs::write(source.join("migrated.ndjson.gz"), encoder.finish().expect("gzip")).expect("write");
    copy("fixtures/jsonl/orders.parquet", target.join("orders.parquet"));
    copy("fixtures/jsonl/orders.parquet", target.join("migrated.parquet"));

    let run = recon(&["audit", path(&source), path(&target), "--key", "_id", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let tables: Vec<(&str, &str)> = report["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| (t["name"].as_str().expect("a name"), t["status"].as_str().expect("a status")))
        .collect();
    assert_eq!(tables, [("migrated", "fail"), ("orders", "pass")]);
    let migrated = &report["tables"][0]["report"]["summary"];
    assert_eq!([&migrated["missing_in_target"], &migrated["extra_in_target"], &migrated["mismatched"]], [1, 1, 3]);
    assert_eq!(migrated["duplicate_keys_source"], 1);
}

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn a_json_lines_side_on_s3_gives_the_local_report() {
    let moto = Moto::start(&[]);
    moto.upload(&["fixtures/jsonl/orders.jsonl.gz", MIGRATED]);
    let args = ["diff", "s3://recon/fixtures/jsonl/orders.jsonl.gz", "s3://recon/fixtures/jsonl/migrated.jsonl"];
    let run = moto.recon(&[&args[..], &["--key", "_id", "--format", "json"]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = as_local(&run, "s3://recon/");
    assert_eq!(report["summary"]["mismatched"], 3);
    let local = recon(&["diff", "fixtures/jsonl/orders.jsonl.gz", MIGRATED, "--key", "_id", "--format", "json"]);
    assert_eq!(report, as_local(&local, ""));
}

#[test]
fn a_json_file_is_not_guessed_at() {
    let dir = scratch();
    let file = dir.path().join("orders.json");
    std::fs::copy(root().join(ORDERS), &file).expect("copy");
    fails(&diff(path(&file), ORDERS, &[]), "a .json file holding one object a line is JSON Lines: rename it .jsonl");
}

/// Nested values compared as values: key order inside objects and wrapper forms do not matter, a changed
/// element is found at its path.
#[test]
fn nested_json_lines_values_are_compared_at_their_paths() {
    let dir = scratch();
    let write = |name: &str, lines: &[&str]| {
        let file = dir.path().join(name);
        std::fs::write(&file, lines.join("\n")).expect("write");
        path(&file).to_string()
    };
    let source = write(
        "a.jsonl",
        &[
            r#"{"_id": 1, "tags": ["a", "b"], "address": {"city": "Oslo", "zip": "0150"}}"#,
            r#"{"_id": 2, "tags": [], "address": {"city": "Bergen", "geo": [{"$numberDecimal": "60.39"}]}}"#,
        ],
    );
    let same = write(
        "b.jsonl",
        &[
            r#"{"address": {"zip": "0150", "city": "Oslo"}, "tags": ["a", "b"], "_id": {"$numberLong": "1"}}"#,
            r#"{"_id": 2, "tags": [], "address": {"geo": [{"$numberDecimal": "60.390"}], "city": "Bergen"}}"#,
        ],
    );
    let run = diff(&source, &same, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let changed = write(
        "c.jsonl",
        &[
            r#"{"_id": 1, "tags": ["a", "c"], "address": {"city": "Oslo", "zip": "0150"}}"#,
            r#"{"_id": 2, "tags": [], "address": {"city": "Bergen", "geo": [{"$numberDecimal": "60.39"}]}}"#,
        ],
    );
    let run = diff(&source, &changed, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["mismatched"], 1);
    assert_eq!(report["examples"]["mismatched"][0]["columns"]["tags"]["path"], "tags[1]");
}
