//! Nested values compared as values: a PostgreSQL table of arrays (1-D and 2-D, NULL elements, empty arrays,
//! NULL arrays), composites (one holding an array) and `jsonb` against the same data as a Parquet file with
//! list, struct and list-of-list columns reconciles to zero; one defect per nesting level is found at its
//! path with its cause; a NULL list, an empty list and a list of one NULL are told apart; an array whose
//! subscripts do not start at 1 is never taken for a list; Parquet structs whose fields come in another order
//! and maps whose entries come in another order are equal; MariaDB JSON stays canonical JSON and is refused,
//! by name, against a list.
//!
//! The fixture, written by [`PG_TABLE`] and [`rows`] alike (the Parquet file is written by the test):
//!
//! | id | tags | scores (`int4[]` / `list<int64>`) | grid (`int4[][]`) | prices (`numeric(10,2)[]` / `list<decimal(12,3)>`) | address (street, city, zip) | contact (name, phones) | doc (`jsonb` / JSON text) |
//! |---|---|---|---|---|---|---|---|
//! | 1 | {a,b} | {1,2,3} | {{1,2},{3,4}} | {1.50,2.25} | (Main St, Oslo, 123) | (Ann, {555-0101,555-0102}) | {"b": 1, "a": [1, 2]} |
//! | 2 | {} | {NULL} | {} | {} | NULL | (Bob, {}) | NULL |
//! | 3 | NULL | {1,NULL,3} | {{NULL,5}} | NULL | (Elm, NULL, NULL) | NULL | [1, {"x": null}] |
//! | 4 | {x,y,z} | NULL | NULL | {0.10} | (NULL, NULL, NULL) | (Cy, NULL) | {} |

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, Decimal128Builder, Float64Array, Int32Builder, Int64Array, Int64Builder, ListArray, ListBuilder,
    MapBuilder, RecordBatch, StringArray, StringBuilder, StructArray,
};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Field, Fields, Schema};
use serde_json::json;

use crate::util::db::{mysql, postgres, serial, server};
use crate::util::files::write_parquet;
use crate::util::{path, recon, scratch};

/// The PostgreSQL side of the fixture (the table in the module's documentation).
const PG_TABLE: &[&str] = &[
    "DROP TABLE IF EXISTS recon_nested",
    "DROP TYPE IF EXISTS recon_contact",
    "DROP TYPE IF EXISTS recon_address",
    "CREATE TYPE recon_address AS (street text, city text, zip int4)",
    "CREATE TYPE recon_contact AS (name text, phones text[])",
    "CREATE TABLE recon_nested (id int8 PRIMARY KEY, tags text[], scores int4[], grid int4[][], \
     prices numeric(10,2)[], address recon_address, contact recon_contact, doc jsonb)",
    r#"INSERT INTO recon_nested VALUES
       (1, '{a,b}', '{1,2,3}', '{{1,2},{3,4}}', '{1.50,2.25}', ROW('Main St', 'Oslo', 123),
        ROW('Ann', '{555-0101,555-0102}'), '{"b": 1, "a": [1, 2]}'),
       (2, '{}', '{NULL}', '{}', '{}', NULL, ROW('Bob', '{}'), NULL),
       (3, NULL, '{1,NULL,3}', '{{NULL,5}}', NULL, ROW('Elm', NULL, NULL), NULL, '[1, {"x": null}]'),
       (4, '{x,y,z}', NULL, NULL, '{0.10}', ROW(NULL, NULL, NULL), ROW('Cy', NULL), '{}')"#,
];

type Texts = Option<Vec<Option<&'static str>>>;

/// One row of the fixture as the Parquet side holds it.
#[derive(Clone)]
struct Row {
    id: i64,
    tags: Texts,
    scores: Option<Vec<Option<i64>>>,
    grid: Option<Vec<Option<Vec<Option<i32>>>>>,
    /// Unscaled, at scale 3.
    prices: Option<Vec<Option<i128>>>,
    /// Street, city, zip.
    address: Option<(Option<&'static str>, Option<&'static str>, Option<i64>)>,
    /// Name, phones.
    contact: Option<(Option<&'static str>, Texts)>,
    doc: Option<&'static str>,
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            id: 1,
            tags: Some(vec![Some("a"), Some("b")]),
            scores: Some(vec![Some(1), Some(2), Some(3)]),
            grid: Some(vec![Some(vec![Some(1), Some(2)]), Some(vec![Some(3), Some(4)])]),
            prices: Some(vec![Some(1500), Some(2250)]),
            address: Some((Some("Main St"), Some("Oslo"), Some(123))),
            contact: Some((Some("Ann"), Some(vec![Some("555-0101"), Some("555-0102")]))),
            doc: Some(r#"{"a":[1,2],"b":1}"#),
        },
        Row {
            id: 2,
            tags: Some(vec![]),
            scores: Some(vec![None]),
            grid: Some(vec![]),
            prices: Some(vec![]),
            address: None,
            contact: Some((Some("Bob"), Some(vec![]))),
            doc: None,
        },
        Row {
            id: 3,
            tags: None,
            scores: Some(vec![Some(1), None, Some(3)]),
            grid: Some(vec![Some(vec![None, Some(5)])]),
            prices: None,
            address: Some((Some("Elm"), None, None)),
            contact: None,
            doc: Some(r#"[1, {"x": null}]"#),
        },
        Row {
            id: 4,
            tags: Some(vec![Some("x"), Some("y"), Some("z")]),
            scores: None,
            grid: None,
            prices: Some(vec![Some(100)]),
            address: Some((None, None, None)),
            contact: Some((Some("Cy"), None)),
            doc: Some("{}"),
        },
    ]
}

fn texts(values: impl Iterator<Item = Texts>) -> ListArray {
    let mut builder = ListBuilder::new(StringBuilder::new());
    for value in values {
        builder.append_option(value);
    }
    builder.finish()
}

/// The rows as a batch; `address_order` is the order of the address struct's fields (street, city, zip by
/// name); `extra` adds a map and a struct of a float, which PostgreSQL has no column for.
fn batch(rows: &[Row], address_order: [&str; 3], extra: Option<(&[Vec<(&str, i64)>], &[f64])>) -> RecordBatch {
    let mut scores = ListBuilder::new(Int64Builder::new());
    let mut grid = ListBuilder::new(ListBuilder::new(Int32Builder::new()));
    let mut prices = ListBuilder::new(Decimal128Builder::new().with_data_type(DataType::Decimal128(12, 3)));
    for row in rows {
        scores.append_option(row.scores.clone());
        match &row.grid {
            None => grid.append(false),
            Some(lists) => {
                for list in lists {
                    grid.values().append_option(list.clone());
                }
                grid.append(true);
            }
        }
        prices.append_option(row.prices.clone());
    }
    let valid = |present: Vec<bool>| Some(NullBuffer::from(present));
    let address_column = |name: &str| -> ArrayRef {
        let part = |f: fn(&(Option<&'static str>, Option<&'static str>, Option<i64>)) -> Option<&'static str>| {
            Arc::new(rows.iter().map(|r| r.address.as_ref().and_then(f)).collect::<StringArray>()) as ArrayRef
        };
        match name {
            "street" => part(|a| a.0),
            "city" => part(|a| a.1),
            _ => Arc::new(rows.iter().map(|r| r.address.and_then(|a| a.2)).collect::<Int64Array>()),
        }
    };
    let address_fields: Vec<(Arc<Field>, ArrayRef)> = address_order
        .iter()
        .map(|name| {
            let column = address_column(name);
            (Arc::new(Field::new(*name, column.data_type().clone(), true)), column)
        })
        .collect();
    let (fields, columns): (Vec<_>, Vec<_>) = address_fields.into_iter().unzip();
    let address =
        StructArray::new(Fields::from(fields), columns, valid(rows.iter().map(|r| r.address.is_some()).collect()));
    let names: ArrayRef = Arc::new(rows.iter().map(|r| r.contact.as_ref().and_then(|c| c.0)).collect::<StringArray>());
    let phones: ArrayRef = Arc::new(texts(rows.iter().map(|r| r.contact.as_ref().and_then(|c| c.1.clone()))));
    let contact = StructArray::new(
        Fields::from(vec![
            Field::new("name", DataType::Utf8, true),
            Field::new("phones", phones.data_type().clone(), true),
        ]),
        vec![names, phones],
        valid(rows.iter().map(|r| r.contact.is_some()).collect()),
    );
    let mut columns: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(rows.iter().map(|r| r.id).collect::<Int64Array>())),
        ("tags", Arc::new(texts(rows.iter().map(|r| r.tags.clone())))),
        ("scores", Arc::new(scores.finish())),
        ("grid", Arc::new(grid.finish())),
        ("prices", Arc::new(prices.finish())),
        ("address", Arc::new(address)),
        ("contact", Arc::new(contact)),
        ("doc", Arc::new(rows.iter().map(|r| r.doc).collect::<StringArray>())),
    ];
    if let Some((maps, weights)) = extra {
        let mut attrs = MapBuilder::new(None, StringBuilder::new(), Int64Builder::new());
        for entries in maps {
            for (key, value) in entries {
                attrs.keys().append_value(key);
                attrs.values().append_value(*value);
            }
            attrs.append(true).unwrap();
        }
        let weight: ArrayRef = Arc::new(Float64Array::from(weights.to_vec()));
        let measure = StructArray::from(vec![(Arc::new(Field::new("weight", DataType::Float64, true)), weight)]);
        columns.push(("attrs", Arc::new(attrs.finish())));
        columns.push(("measure", Arc::new(measure)));
    }
    let schema = Schema::new(
        columns.iter().map(|(name, c)| Field::new(*name, c.data_type().clone(), *name != "id")).collect::<Vec<_>>(),
    );
    RecordBatch::try_new(Arc::new(schema), columns.into_iter().map(|(_, c)| c).collect()).unwrap()
}

fn diff(source: &str, target: &str) -> (i32, serde_json::Value) {
    let run = recon(&["diff", source, target, "--key", "id", "--format", "json", "-q"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    (run.code, run.json())
}

/// The mismatched examples as `{id: {column: {source, target, cause, path}}}`.
fn mismatches(report: &serde_json::Value) -> serde_json::Value {
    let examples = report["examples"]["mismatched"].as_array().cloned().unwrap_or_default();
    let by_id: serde_json::Map<String, serde_json::Value> =
        examples.iter().map(|e| (e["key"]["id"].to_string(), e["columns"].clone())).collect();
    serde_json::Value::Object(by_id)
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn postgres_arrays_composites_and_jsonb_equal_the_same_parquet_nested_columns_and_each_defect_has_its_path() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = serial();
    postgres(&pg, PG_TABLE);
    let source = format!("{pg}#public.recon_nested");
    let dir = scratch();
    let same = dir.path().join("same.parquet");
    write_parquet(&same, &batch(&rows(), ["zip", "city", "street"], None));
    let (code, report) = diff(&source, path(&same));
    assert_eq!(code, 0, "{:#}", report["examples"]);
    assert_eq!(report["summary"]["matched"], 4, "{:#}", report["summary"]);

    // One defect per nesting level, each in its own row: a top-level list element, a struct field, a list
    // inside a struct, an element of a 2-D array.
    let mut changed = rows();
    changed[0].tags = Some(vec![Some("a"), Some("B")]);
    changed[0].address = Some((Some("Main St"), Some("Oslo "), Some(123)));
    changed[0].contact = Some((Some("Ann"), Some(vec![Some("555-0101"), Some("555-01")])));
    changed[2].grid = Some(vec![Some(vec![None, Some(6)])]);
    changed[3].prices = Some(vec![Some(101)]);
    let defects = dir.path().join("defects.parquet");
    write_parquet(&defects, &batch(&changed, ["street", "city", "zip"], None));
    let (code, report) = diff(&source, path(&defects));
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["mismatched"], 3, "{:#}", report["examples"]);
    assert_eq!(
        mismatches(&report),
        json!({
            "1": {
                "tags": {"source": "[a, b]", "target": "[a, B]", "cause": "case", "path": "tags[1]"},
                "address": {
                    "source": "{street: Main St, city: Oslo, zip: 123}",
                    "target": "{street: Main St, city: Oslo , zip: 123}",
                    "cause": "whitespace",
                    "path": "address.city"
                },
                "contact": {
                    "source": "{name: Ann, phones: [555-0101, 555-0102]}",
                    "target": "{name: Ann, phones: [555-0101, 555-01]}",
                    "cause": "truncation",
                    "path": "contact.phones[1]"
                }
            },
            "3": {"grid": {"source": "[[NULL, 5]]", "target": "[[NULL, 6]]", "cause": "other", "path": "grid[0][1]"}},
            "4": {"prices": {"source": "[0.100]", "target": "[0.101]", "cause": "rounding", "path": "prices[0]"}}
        })
    );

    // The terminal, Markdown and HTML show the path and the values as Arrow writes them.
    let (markdown, html) = (dir.path().join("summary.md"), dir.path().join("report.html"));
    let outputs = ["--markdown", path(&markdown), "--html", path(&html)];
    let run = recon(&[&["diff", &source, path(&defects), "--key", "id"][..], &outputs].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("contact.phones[1]") && run.stdout.contains("[a, B]"), "{}", run.stdout);
    let markdown = std::fs::read_to_string(&markdown).unwrap();
    assert!(markdown.contains(r"| contact.phones\[1\] |") && markdown.contains(r"\[555-0101, 555-01\]"), "{markdown}");
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains("<td>contact.phones[1]</td>") && html.contains("555-01]"), "{html}");
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn a_null_list_an_empty_list_and_a_list_of_one_null_are_three_values() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = serial();
    postgres(&pg, PG_TABLE);
    let mut changed = rows();
    // Row 2 holds tags {} and scores {NULL}; row 3 holds tags NULL; row 4 holds contact.phones NULL.
    changed[1].tags = None;
    changed[1].scores = Some(vec![]);
    changed[2].tags = Some(vec![None]);
    changed[3].contact = Some((Some("Cy"), Some(vec![])));
    let dir = scratch();
    let target = dir.path().join("t.parquet");
    write_parquet(&target, &batch(&changed, ["street", "city", "zip"], None));
    let (_, report) = diff(&format!("{pg}#public.recon_nested"), path(&target));
    assert_eq!(report["summary"]["mismatched"], 3, "{:#}", report["examples"]);
    assert_eq!(
        mismatches(&report),
        json!({
            "2": {
                "tags": {"source": "[]", "target": null, "cause": "null_vs_empty"},
                "scores": {"source": "[NULL]", "target": "[]", "cause": "other", "path": "scores[0]"}
            },
            "3": {"tags": {"source": null, "target": "[NULL]", "cause": "other"}},
            "4": {
                "contact": {
                    "source": "{name: Cy, phones: NULL}",
                    "target": "{name: Cy, phones: []}",
                    "cause": "null_vs_empty",
                    "path": "contact.phones"
                }
            }
        })
    );
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn an_array_whose_subscripts_do_not_start_at_1_is_never_taken_for_a_list() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = serial();
    postgres(
        &pg,
        [
            "DROP TABLE IF EXISTS recon_bounds",
            "CREATE TABLE recon_bounds (id int8 PRIMARY KEY, scores int4[])",
            "INSERT INTO recon_bounds VALUES (1, '{1,2,3}'), (2, '[0:2]={1,2,3}')",
        ],
    );
    let dir = scratch();
    let target = dir.path().join("t.parquet");
    let mut scores = ListBuilder::new(Int64Builder::new());
    scores.append_value([Some(1), Some(2), Some(3)]);
    scores.append_value([Some(1), Some(2), Some(3)]);
    let ids: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
    write_parquet(
        &target,
        &RecordBatch::try_from_iter([("id", ids), ("scores", Arc::new(scores.finish()) as ArrayRef)]).unwrap(),
    );
    let run = recon(&["diff", &format!("{pg}#public.recon_bounds"), path(&target), "--key", "id"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("scores") && run.stderr.contains("subscripts start at 0"), "{}", run.stderr);
}

#[test]
fn parquet_structs_in_another_field_order_and_maps_in_another_entry_order_are_equal() {
    let dir = scratch();
    let maps = [vec![("size", 1), ("color", 2)], vec![], vec![("a", 1)], vec![("b", 2), ("c", 3)]];
    let reordered = [vec![("color", 2), ("size", 1)], vec![], vec![("a", 1)], vec![("c", 3), ("b", 2)]];
    let weights = [1.25, 2.0, 3.5, 0.0];
    let (a, b) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
    write_parquet(&a, &batch(&rows(), ["street", "city", "zip"], Some((&maps, &weights))));
    write_parquet(&b, &batch(&rows(), ["zip", "street", "city"], Some((&reordered, &weights))));
    let (code, report) = diff(path(&a), path(&b));
    assert_eq!((code, report["summary"]["matched"].clone()), (0, json!(4)), "{:#}", report["examples"]);

    // A map entry's value and a float inside a struct: found at their paths, the float as `rounding`.
    let changed = [vec![("color", 2), ("size", 7)], vec![], vec![("a", 1)], vec![("c", 3), ("b", 2)]];
    let c = dir.path().join("c.parquet");
    write_parquet(&c, &batch(&rows(), ["zip", "street", "city"], Some((&changed, &[1.2500001, 2.0, 3.5, 0.0]))));
    let (code, report) = diff(path(&a), path(&c));
    assert_eq!(code, 1);
    assert_eq!(
        mismatches(&report),
        json!({"1": {
            "attrs": {"source": "{size: 1, color: 2}", "target": "{color: 2, size: 7}", "cause": "other", "path": "attrs{\"size\"}"},
            "measure": {"source": "{weight: 1.25}", "target": "{weight: 1.2500001}", "cause": "rounding", "path": "measure.weight"}
        }})
    );
}

#[test]
fn a_struct_field_on_one_side_only_and_a_list_against_text_are_refused_by_name() {
    let dir = scratch();
    let (a, b) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
    let full = batch(&rows(), ["street", "city", "zip"], None);
    write_parquet(&a, &full);
    let narrow = batch(&rows(), ["street", "city", "zip"], None);
    let address = narrow.column_by_name("address").unwrap().as_any().downcast_ref::<StructArray>().unwrap();
    let (fields, columns, nulls) = address.clone().into_parts();
    let without_zip = StructArray::new(fields[..2].to_vec().into(), columns[..2].to_vec(), nulls);
    let schema = Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("address", without_zip.data_type().clone(), true),
        Field::new("tags", DataType::Utf8, true),
    ]);
    let tags: ArrayRef = Arc::new(StringArray::from(vec!["[a, b]"; 4]));
    let columns = vec![full.column(0).clone(), Arc::new(without_zip) as ArrayRef, tags];
    write_parquet(&b, &RecordBatch::try_new(Arc::new(schema), columns).unwrap());
    let run = recon(&["diff", path(&a), path(&b), "--key", "id", "--columns", "address"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("address.zip is only in the source"), "{}", run.stderr);
    let run = recon(&["diff", path(&a), path(&b), "--key", "id", "--columns", "tags"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("column tags") && run.stderr.contains("--exclude tags"), "{}", run.stderr);
}

#[test]
#[cfg_attr(not(recon_mysql), ignore = "needs MariaDB: set RECON_TEST_MYSQL_URL")]
fn mariadb_json_is_compared_as_json_and_refused_against_a_nested_column_by_name() {
    let my = server("RECON_TEST_MYSQL_URL");
    let _serial = serial();
    mysql(
        &my,
        [
            "DROP TABLE IF EXISTS recon_nested_json",
            "CREATE TABLE recon_nested_json (id bigint PRIMARY KEY, tags JSON)",
            r#"INSERT INTO recon_nested_json VALUES (1, '["a", "b"]'), (2, '{"k": [1, 2]}')"#,
        ],
    );
    let dir = scratch();
    let (lists, json_file) = (dir.path().join("lists.parquet"), dir.path().join("json.parquet"));
    let ids: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
    let tags: ArrayRef = Arc::new(texts([Some(vec![Some("a"), Some("b")]), Some(vec![])].into_iter()));
    write_parquet(&lists, &RecordBatch::try_from_iter([("id", ids.clone()), ("tags", tags)]).unwrap());
    let json_text: ArrayRef = Arc::new(StringArray::from(vec![r#"[ "a","b" ]"#, r#"{ "k":[1,2] }"#]));
    write_parquet(&json_file, &RecordBatch::try_from_iter([("id", ids), ("tags", json_text)]).unwrap());
    let source = format!("{my}#recon_nested_json");
    let (code, report) = diff(&source, path(&json_file));
    assert_eq!((code, report["summary"]["matched"].clone()), (0, json!(2)), "{:#}", report["examples"]);
    let run = recon(&["diff", &source, path(&lists), "--key", "id"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("column tags") && run.stderr.contains("JSON text is compared with JSON text only"),
        "{}",
        run.stderr
    );
}

/// The fixture as a `mongoexport` writes it: Extended JSON ids and decimals, nested arrays and sub-documents.
const JSONL_ROWS: [&str; 4] = [
    r#"{"id": {"$numberLong": "1"}, "tags": ["a", "b"], "scores": [1, 2, 3], "grid": [[1, 2], [3, 4]], "prices": [{"$numberDecimal": "1.50"}, {"$numberDecimal": "2.25"}], "address": {"street": "Main St", "city": "Oslo", "zip": 123}, "contact": {"name": "Ann", "phones": ["555-0101", "555-0102"]}, "doc": {"b": 1, "a": [1, 2]}}"#,
    r#"{"id": {"$numberLong": "2"}, "tags": [], "scores": [null], "grid": [], "prices": [], "address": null, "contact": {"name": "Bob", "phones": []}, "doc": null}"#,
    r#"{"id": {"$numberLong": "3"}, "tags": null, "scores": [1, null, 3], "grid": [[null, 5]], "prices": null, "address": {"street": "Elm", "city": null, "zip": null}, "contact": null, "doc": [1, {"x": null}]}"#,
    r#"{"id": {"$numberLong": "4"}, "tags": ["x", "y", "z"], "scores": null, "grid": null, "prices": [{"$numberDecimal": "0.10"}], "address": {"street": null, "city": null, "zip": null}, "contact": {"name": "Cy"}, "doc": {}}"#,
];

const JSONL_SCHEMA: &str = "id: int64\ntags: list<text>\nscores: list<int64>\ngrid: list<list<int32>>\n\
    prices: list<decimal(12,2)>\naddress: struct<street: text, city: text, zip: int64>\n\
    contact: struct<name: text, phones: list<text>>\ndoc: text\n";

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn postgres_arrays_composites_and_jsonb_equal_the_same_extended_json_lines_and_a_defect_has_its_path() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = serial();
    postgres(&pg, PG_TABLE);
    let source = format!("{pg}#public.recon_nested");
    let dir = scratch();
    let schema = dir.path().join("nested.schema");
    std::fs::write(&schema, JSONL_SCHEMA).unwrap();
    let diff_jsonl = |lines: &[String]| {
        let file = dir.path().join("export.jsonl");
        std::fs::write(&file, lines.join("\n") + "\n").unwrap();
        let args =
            ["diff", &source, path(&file), "--key", "id", "--json-schema", path(&schema), "--format", "json", "-q"];
        let run = recon(&args);
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
        (run.code, run.json())
    };
    let same: Vec<String> = JSONL_ROWS.iter().map(|line| line.to_string()).collect();
    let (code, report) = diff_jsonl(&same);
    assert_eq!(code, 0, "{:#}", report["examples"]);
    assert_eq!(report["summary"]["matched"], 4, "{:#}", report["summary"]);

    // A struct field inside a document and an element of a 2-D array, each in its own row.
    let mut changed = same.clone();
    changed[0] = changed[0].replace(r#""city": "Oslo""#, r#""city": "Oslo ""#);
    changed[2] = changed[2].replace("[[null, 5]]", "[[null, 6]]");
    let (code, report) = diff_jsonl(&changed);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["mismatched"], 2, "{:#}", report["examples"]);
    let found = mismatches(&report);
    assert_eq!(found["1"]["address"]["path"], "address.city", "{found:#}");
    assert_eq!(found["1"]["address"]["cause"], "whitespace", "{found:#}");
    assert_eq!(found["3"]["grid"]["path"], "grid[0][1]", "{found:#}");
}
