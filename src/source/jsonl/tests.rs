//! The JSON Lines reader on files written here: parts read by threads give the rows of a whole read at their
//! ordinals, rows are read again by ordinal, nested values become the Arrow lists and structs declared or
//! inferred, and bad lines stop the read at their line number.

use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Float64Type, Int64Type, TimestampMillisecondType};

use super::super::reader::Reader;
use super::*;

fn write(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    (dir, path)
}

/// A file read through its store in parts of `part_bytes`, marked every `mark_bytes`.
fn open_sized(
    path: &std::path::Path,
    options: &JsonOptions,
    part_bytes: u64,
    mark_bytes: u64,
) -> Result<Arc<JsonlFiles>> {
    open_sampled(path, options, Sizes { part_bytes, mark_bytes, sample: INFER_LINES })
}

fn open_sampled(path: &std::path::Path, options: &JsonOptions, sizes: Sizes) -> Result<Arc<JsonlFiles>> {
    let location = crate::location::Location::parse(path.to_str().expect("a UTF-8 path")).expect("a location");
    let crate::location::Kind::Files(files) = location.kind() else { panic!("{location:?}") };
    let storage = Storage::open(&location, files, &[]).expect("a store");
    let Ok(crate::storage::Place::File(file)) = storage.place(&files.path) else { panic!("{location:?}") };
    JsonlFiles::open_sized(storage, vec![file], options, sizes)
}

fn whole(path: &std::path::Path) -> Result<Arc<JsonlFiles>> {
    open_sized(path, &JsonOptions::default(), u64::MAX / 2, u64::MAX / 2)
}

/// Every unit's rows, with the unit's first ordinal (units without rows left out).
fn read_units(files: &Arc<JsonlFiles>) -> Result<Vec<(Ordinal, RecordBatch)>> {
    let projection: Vec<usize> = (0..files.schema().fields().len()).collect();
    let mut read = Vec::new();
    for unit in files.scan_units(&projection)? {
        let (first, batches) = unit.open_at()?;
        let batches: Vec<RecordBatch> = batches.collect::<Result<_>>()?;
        if let Some(batch) = batches.first() {
            read.push((first, arrow::compute::concat_batches(&batch.schema(), &batches).expect("concat")));
        }
    }
    Ok(read)
}

fn all_rows(files: &Arc<JsonlFiles>) -> Result<RecordBatch> {
    let parts: Vec<RecordBatch> = read_units(files)?.into_iter().map(|(_, b)| b).collect();
    Ok(arrow::compute::concat_batches(&parts[0].schema(), &parts).expect("concat"))
}

/// 500 orders, with blank lines (some CRLF), strings holding escaped line feeds and braces, keys in varying
/// order, and a key absent now and then.
fn orders() -> String {
    let mut text = String::new();
    for id in 0..500 {
        let note = match id % 4 {
            0 => r#""two\nlines {not an object}""#.to_string(),
            1 => "null".to_string(),
            _ => format!("\"plain {id}\""),
        };
        match id % 3 {
            0 => text.push_str(&format!("{{\"id\": {id}, \"note\": {note}, \"n\": {}}}\r\n", id * 7)),
            1 => text.push_str(&format!("{{\"n\": {}, \"id\": {id}, \"note\": {note}}}\n", id * 7)),
            _ => text.push_str(&format!("{{\"id\": {id}, \"n\": {}}}\n", id * 7)),
        }
        if id % 37 == 0 {
            text.push_str("\n   \r\n");
        }
    }
    text
}

fn ids(batch: &RecordBatch) -> Vec<i64> {
    batch.column(0).as_primitive::<Int64Type>().values().to_vec()
}

#[test]
fn a_file_read_in_parts_gives_the_rows_of_the_whole_file_at_their_ordinals() {
    let (_dir, path) = write("orders.jsonl", &orders());
    let whole = all_rows(&whole(&path).expect("open")).expect("whole");
    assert_eq!(ids(&whole), (0..500).collect::<Vec<i64>>());
    let names: Vec<String> = whole.schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(names, ["id", "note", "n"]);
    assert_eq!(whole.column(1).as_string::<i32>().value(0), "two\nlines {not an object}");
    assert!(whole.column(1).is_null(1) && whole.column(1).is_null(2), "null and absent are NULL");

    for (part_bytes, mark_bytes) in [(64, 16), (100, 16), (1024, 64), (4096, 1 << 20)] {
        let parted = open_sized(&path, &JsonOptions::default(), part_bytes, mark_bytes).expect("open");
        let parts = read_units(&parted).expect("parts");
        let mut next = 0u64;
        for (first, batch) in &parts {
            assert_eq!(*first, next, "parts of {part_bytes} bytes: each starts after the last row of the one before");
            next += batch.num_rows() as u64;
        }
        let rows: Vec<RecordBatch> = parts.into_iter().map(|(_, b)| b).collect();
        assert_eq!(arrow::compute::concat_batches(&rows[0].schema(), &rows).expect("concat"), whole);
        assert_eq!(parted.count_rows().expect("count"), Some(500));
    }
}

#[test]
fn rows_read_again_by_ordinal_come_from_their_marks() {
    let (_dir, path) = write("orders.jsonl", &orders());
    let files = open_sized(&path, &JsonOptions::default(), 1024, 16).expect("open");
    assert!(files.marks(0).expect("marks").len() > 100);
    let wanted = [0u64, 1, 36, 37, 38, 301, 302, 499];
    let batch = files.fetch(0, &[0, 2], &wanted).expect("fetch");
    assert_eq!(ids(&batch), wanted.iter().map(|&r| r as i64).collect::<Vec<_>>());
    assert_eq!(batch.column(1).as_primitive::<Int64Type>().value(7), 499 * 7);
}

#[test]
fn a_compressed_file_is_one_streamed_part() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("orders.jsonl.zst");
    std::fs::write(&path, zstd::encode_all(orders().as_bytes(), 3).expect("zstd")).expect("write");
    let files = open_sized(&path, &JsonOptions::default(), 100, 16).expect("open");
    assert_eq!(files.scan_units(&[0]).expect("units").len(), 1);
    assert_eq!(ids(&all_rows(&files).expect("read")), (0..500).collect::<Vec<i64>>());
    assert_eq!(files.count_rows().expect("count"), None);
    assert_eq!(ids(&files.fetch(0, &[0], &[3, 400]).expect("fetch")), [3, 400]);
}

#[test]
fn mongoexport_extended_json_is_read_as_its_types() {
    let text = concat!(
        r#"{"_id": {"$oid": "5f1d7a3b9c1e4a2b3c4d5e6f"}, "amount": {"$numberDecimal": "12.50"}, "#,
        r#""placed": {"$date": "2024-03-01T12:30:00.250Z"}, "qty": {"$numberInt": "3"}, "#,
        r#""views": {"$numberLong": "9007199254740993"}, "ratio": {"$numberDouble": "NaN"}, "#,
        r#""customer": {"$binary": {"base64": "Wm5l0oS0TU6QhCV9OIeqHw==", "subType": "04"}}}"#,
        "\n",
        r#"{"_id": {"$oid": "5f1d7a3b9c1e4a2b3c4d5e70"}, "amount": {"$numberDecimal": "7"}, "#,
        r#""placed": {"$date": {"$numberLong": "0"}}, "qty": {"$numberInt": "4"}, "views": 5, "ratio": 0.5, "#,
        r#""customer": {"$uuid": "5A6E65D2-84B4-4D4E-9084-257D3887AA1F"}}"#,
        "\n",
    );
    let (_dir, path) = write("orders.jsonl", text);
    let files = whole(&path).expect("open");
    let types: Vec<String> =
        files.schema().fields().iter().map(|f| format!("{} {}", f.name(), schema::type_name(f.data_type()))).collect();
    assert_eq!(
        types,
        [
            "_id text",
            "amount decimal(38,2)",
            "placed timestamptz (milliseconds)",
            "qty int32",
            "views int64",
            "ratio float64",
            "customer text"
        ]
    );
    let rows = all_rows(&files).expect("read");
    assert_eq!(rows.column(0).as_string::<i32>().value(1), "5f1d7a3b9c1e4a2b3c4d5e70");
    let amount = arrow::util::display::array_value_to_string(rows.column(1), 0).expect("a decimal");
    assert_eq!(amount, "12.50");
    assert_eq!(rows.column(2).as_primitive::<TimestampMillisecondType>().values(), &[1_709_296_200_250, 0]);
    assert_eq!(rows.column(4).as_primitive::<Int64Type>().value(0), 9_007_199_254_740_993);
    assert!(rows.column(5).as_primitive::<Float64Type>().value(0).is_nan());
    let customers = rows.column(6).as_string::<i32>();
    assert_eq!((customers.value(0), customers.value(1)), ("5a6e65d2-84b4-4d4e-9084-257d3887aa1f", customers.value(0)));
}

/// Nested values become Arrow lists and structs: inferred from the sample, or as a schema file declares them.
#[test]
fn nested_values_become_the_declared_lists_and_structs() {
    let text = concat!(
        r#"{"id": 1, "tags": ["a", "b"], "address": {"city": "Oslo", "geo": {"lat": 59.9}}, "lines": [{"sku": "x", "qty": 2}]}"#,
        "\n",
        r#"{"id": 2, "tags": [], "address": {"city": null, "zip": "0150"}, "lines": [{"sku": "y"}, {"qty": {"$numberLong": "5"}}]}"#,
        "\n",
        r#"{"id": 3, "tags": null, "lines": [null]}"#,
        "\n",
    );
    let (dir, path) = write("nested.jsonl", text);
    let inferred = whole(&path).expect("open");
    let types: Vec<String> = inferred
        .schema()
        .fields()
        .iter()
        .map(|f| format!("{}: {}", f.name(), schema::type_name(f.data_type())))
        .collect();
    assert_eq!(
        types,
        [
            "id: int64",
            "tags: list<text>",
            "address: struct<city: text, geo: struct<lat: float64>, zip: text>",
            "lines: list<struct<sku: text, qty: int64>>"
        ]
    );
    let rows = all_rows(&inferred).expect("read");
    let tags = rows.column(1).as_list::<i32>();
    assert_eq!((tags.value_length(0), tags.value_length(1), tags.is_null(2)), (2, 0, true));
    assert_eq!(tags.value(0).as_string::<i32>().value(1), "b");
    let address = rows.column(2).as_struct();
    assert!(address.is_null(2) && !address.is_null(1));
    assert_eq!(address.column_by_name("zip").expect("zip").as_string::<i32>().value(1), "0150");
    let geo = address.column_by_name("geo").expect("geo").as_struct();
    assert_eq!(geo.column(0).as_primitive::<Float64Type>().value(0), 59.9);
    let lines = rows.column(3).as_list::<i32>();
    let second = lines.value(1);
    let second = second.as_struct();
    assert_eq!(second.column_by_name("qty").expect("qty").as_primitive::<Int64Type>().value(1), 5);
    assert!(second.column_by_name("qty").expect("qty").is_null(0));
    assert!(lines.value(2).is_null(0), "a list holding one NULL");

    let schema_file = dir.path().join("nested.schema");
    std::fs::write(
        &schema_file,
        "id: int32\ntags: list<text>\naddress: struct<city: text>\nlines: list<struct<qty: decimal(10,1)>>\n",
    )
    .expect("write");
    let declared = Arc::new(schema::read(&schema_file).expect("a schema"));
    let given =
        open_sized(&path, &JsonOptions { schema: Some(declared.clone()) }, u64::MAX / 2, u64::MAX / 2).expect("open");
    let rows = all_rows(&given).expect("read");
    assert_eq!(rows.schema().fields(), declared.fields(), "undeclared keys (geo, zip, sku) are left out");
    let qty = rows.column(3).as_list::<i32>().value(1);
    let qty = arrow::util::display::array_value_to_string(qty.as_struct().column(0), 1).expect("a decimal");
    assert_eq!(qty, "5.0");
    assert_eq!(rows.column(2).as_struct().column(0).data_type(), &DataType::Utf8);
    let _: &Field = declared.field(0);
}

#[test]
fn a_bad_line_stops_the_read_at_its_line_number_in_whole_and_parted_reads() {
    let mut text = orders();
    text.push_str("{\"id\": 500, \"note\": \"x\", \"n\": }\n");
    let (_dir, path) = write("orders.jsonl", &text);
    let lines = text.lines().count();
    let expected = format!("orders.jsonl: line {lines}, column 31: expected value");
    for (part_bytes, mark_bytes) in [(u64::MAX / 2, u64::MAX / 2), (512, 16)] {
        let files = open_sampled(&path, &JsonOptions::default(), Sizes { part_bytes, mark_bytes, sample: 100 });
        let error = read_units(&files.expect("open")).unwrap_err().to_string();
        assert!(error.ends_with(&expected), "{error}");
    }
    let in_the_sample = whole(&path).err().expect("refused when the columns are inferred").to_string();
    assert!(in_the_sample.ends_with(&expected), "{in_the_sample}");
}

/// Columns inferred from a sample: a later line that holds another type, or a key the sample did not show,
/// stops the read at its line and says how to give the columns; in the sample, inference itself names it.
#[test]
fn a_later_value_that_does_not_fit_the_sample_names_its_line_and_the_remedy() {
    let lines = orders().lines().count();
    let read = |tail: &str, sample: u64| {
        let (_dir, path) = write("orders.jsonl", &format!("{}{tail}", orders()));
        let sizes = Sizes { part_bytes: 512, mark_bytes: 16, sample };
        open_sampled(&path, &JsonOptions::default(), sizes)
            .and_then(|files| read_units(&files))
            .unwrap_err()
            .to_string()
    };
    let remedy = "(columns were inferred from the first 100 lines: give them with --json-schema FILE)";
    let other_type = "{\"id\": 500, \"note\": 12, \"n\": 1}\n";
    assert!(read(other_type, 100)
        .ends_with(&format!("orders.jsonl: line {}: note 12 does not fit text {remedy}", lines + 1)));
    assert!(read("{\"id\": 501, \"extra\": true}\n", 100)
        .ends_with(&format!("orders.jsonl: line {}: extra is a key the sample did not show {remedy}", lines + 1)));
    assert!(read(other_type, INFER_LINES).ends_with(&format!(
        "orders.jsonl: line {}: note holds int64 where earlier values hold text: give the columns with --json-schema FILE",
        lines + 1
    )));
}

#[test]
fn a_json_array_is_refused_by_name() {
    for text in ["[{\"id\": 1},\n {\"id\": 2}]\n", "\u{feff}\n  [\n  {\"id\": 1}\n]\n"] {
        let (_dir, path) = write("orders.jsonl", text);
        let error = whole(&path).err().expect("refused").to_string();
        assert!(error.contains("orders.jsonl: is a JSON array, not JSON Lines"), "{error}");
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, true)]));
        let given = open_sized(&path, &JsonOptions { schema: Some(schema) }, 1024, 16).err().expect("refused");
        assert!(given.to_string().contains("is a JSON array, not JSON Lines"), "{given}");
    }
}
