//! The equivalence policy's options, each loosening one thing on purpose and nothing else.

use serde_json::Value;

use crate::util::{path, recon, scratch};

/// Writes two CSV files and diffs them by `id` with `options`; NULL is written \N so '' stays a string.
fn diff(source: &str, target: &str, options: &[&str]) -> Value {
    let dir = scratch();
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    std::fs::write(&a, source).unwrap();
    std::fs::write(&b, target).unwrap();
    let mut args = vec!["diff", path(&a), path(&b), "--key", "id", "--format", "json", "-q", "--csv-null", "\\N"];
    args.extend(options);
    let run = recon(&args);
    assert!(run.code < 2, "{}", run.stderr);
    run.json()
}

fn mismatched(report: &Value) -> u64 {
    report["summary"]["mismatched"].as_u64().unwrap()
}

#[test]
fn float_tolerances_forgive_small_differences_only() {
    let a = "id,x\n1,1.000\n2,100.0\n3,5.0\n";
    let b = "id,x\n1,1.004\n2,100.05\n3,5.03\n";
    assert_eq!(mismatched(&diff(a, b, &[])), 3);
    let abs = diff(a, b, &["--float-abs-tol", "0.01"]);
    assert_eq!(mismatched(&abs), 2, "1.000 vs 1.004 is within 0.01; 0.05 and 0.03 are not");
    assert_eq!(abs["policy"]["float_abs_tol"], 0.01);
    assert_eq!(mismatched(&diff(a, b, &["--float-rel-tol", "0.001"])), 2, "only 100 vs 100.05 is within 0.1%");
    assert_eq!(mismatched(&diff(a, b, &["--float-abs-tol", "0.05"])), 0);

    // With too little memory to read rows back, the column pass applies the same tolerance. Here every
    // pair straddles a bucket boundary of width 0.05 (so all are candidates) but only row 4 is 0.05 apart.
    let a = "id,x\n1,1.049\n2,2.049\n3,3.049\n4,4.02\n";
    let b = "id,x\n1,1.051\n2,2.051\n3,3.051\n4,4.08\n";
    let report = diff(a, b, &["--float-abs-tol", "0.05", "--memory-limit", "1KB", "--max-examples", "0"]);
    assert!(report["stats"]["seconds"]["compare_steps"]["columns"].as_f64().unwrap() > 0.0);
    assert_eq!(mismatched(&report), 1);
    assert_eq!(report["column_mismatches"]["x"], 1);
    assert_eq!(report["summary"]["matched"], 3);
}

#[test]
fn a_decimal_tolerance_forgives_small_differences_exactly_in_both_tiers() {
    // numeric(12,4) on both sides. Under 0.01: row 1 shares a hash bucket; rows 2, 3 and 5 straddle a bucket
    // boundary and the row tier finds them within it (3 and 5 exactly 0.01 apart); row 4 is 0.0101 apart.
    let a = "id,x\n1,1.0049\n2,2.0099\n3,3.0000\n4,4.0000\n5,-0.0050\n6,6.0000\n";
    let b = "id,x\n1,1.0051\n2,2.0100\n3,3.0100\n4,4.0101\n5,0.0050\n6,\\N\n";
    let typed = ["--csv-type", "x=decimal(12,4)"];
    assert_eq!(mismatched(&diff(a, b, &typed)), 6);
    let report = diff(a, b, &[&typed[..], &["--decimal-abs-tol", "0.01"]].concat());
    assert_eq!(mismatched(&report), 2, "row 4, and row 6 whose NULL no tolerance equals");
    assert_eq!(report["policy"]["decimal_abs_tol"], "0.01", "recorded exactly, as text");
    let streamed = diff(a, b, &[&typed[..], &["--decimal-abs-tol", "0.01", "--memory-limit", "1KB"]].concat());
    assert!(streamed["stats"]["seconds"]["compare_steps"]["columns"].as_f64().unwrap() > 0.0);
    assert_eq!((mismatched(&streamed), &streamed["summary"]["matched"]), (2, &serde_json::json!(4)));
    // Exact decimal arithmetic: as floats, 1.1 - 1.0 = 0.10000000000000009 > 0.1.
    let report = diff("id,x\n1,1.1\n", "id,x\n1,1.0\n", &["--csv-type", "x=decimal(5,1)", "--decimal-abs-tol", "1e-1"]);
    assert_eq!((mismatched(&report), &report["policy"]["decimal_abs_tol"]), (0, &serde_json::json!("0.1")));
    // Floats and integers are no decimals: the tolerance leaves them exact.
    assert_eq!(mismatched(&diff("id,f,i\n1,1.0,1\n", "id,f,i\n1,1.001,2\n", &["--decimal-abs-tol", "5"])), 1);
    // Without it the policy says nothing of it, as reports made before it did.
    assert!(diff(a, b, &typed)["policy"].get("decimal_abs_tol").is_none());
}

#[test]
fn a_decimal_tolerance_is_read_from_a_config_file_as_text_or_number() {
    let dir = scratch();
    for side in ["src", "dst"] {
        std::fs::create_dir(dir.path().join(side)).unwrap();
    }
    std::fs::write(dir.path().join("src/prices.csv"), "id,x\n1,71.2627\n2,3.0999\n").unwrap();
    std::fs::write(dir.path().join("dst/prices.csv"), "id,x\n1,71.2600\n2,3.1000\n").unwrap();
    for (written, code) in [("\"0.01\"", 0), ("0.01", 0), ("0.001", 1), ("\"a cent\"", 2)] {
        let config = dir.path().join("audit.toml");
        let text = format!(
            "[source]\nurl = \"{}\"\n[target]\nurl = \"{}\"\n[defaults]\nkey = [\"id\"]\n\
             csv_type = [\"x=decimal(12,4)\"]\ndecimal_abs_tol = {written}\n",
            path(&dir.path().join("src")),
            path(&dir.path().join("dst"))
        );
        std::fs::write(&config, text).unwrap();
        let run = recon(&["audit", path(&config), "--format", "json", "-q"]);
        assert_eq!(run.code, code, "{written}: {}{}", run.stdout, run.stderr);
        if code == 2 {
            assert!(run.stderr.contains("decimal_abs_tol in") && run.stderr.contains("[defaults]"), "{}", run.stderr);
        } else {
            let policy = &run.json()["tables"][0]["report"]["policy"];
            assert_eq!(policy["decimal_abs_tol"], written.trim_matches('"'), "{policy}");
        }
    }
}

#[test]
fn string_rules_each_forgive_their_own_difference() {
    let a = "id,s\n1,Ann\n2,ann\n3,\"\"\n4,Caf\u{e9}\n";
    let b = "id,s\n1,Ann \n2,ANN\n3,\\N\n4,Cafe\u{301}\n";
    assert_eq!(mismatched(&diff(a, b, &[])), 4);
    assert_eq!(mismatched(&diff(a, b, &["--trim"])), 3);
    assert_eq!(mismatched(&diff(a, b, &["--ignore-case"])), 3);
    assert_eq!(mismatched(&diff(a, b, &["--empty-as-null"])), 3);
    assert_eq!(mismatched(&diff(a, b, &["--unicode-nfc"])), 3);
    assert_eq!(mismatched(&diff(a, b, &["--trim", "--ignore-case", "--empty-as-null", "--unicode-nfc"])), 0);
}

#[test]
fn zone_less_timestamps_are_read_in_their_sides_zone() {
    let paris = "id,t\n1,2024-07-01T14:00:00\n2,2024-01-15T09:30:00\n";
    let utc = "id,t\n1,2024-07-01T12:00:00\n2,2024-01-15T08:30:00\n";
    assert_eq!(mismatched(&diff(paris, utc, &[])), 2);
    let report = diff(paris, utc, &["--source-tz", "Europe/Paris"]);
    assert_eq!(mismatched(&report), 0, "summer +02:00, winter +01:00");
    assert_eq!(report["policy"]["source_tz"], "Europe/Paris");
}

#[test]
fn timestamp_precision_truncates_both_sides() {
    let a = "id,t\n1,2024-07-01T12:00:00.123456\n2,2024-07-01T12:00:00.123\n";
    let b = "id,t\n1,2024-07-01T12:00:00.123999\n2,2024-07-01T12:00:01.123\n";
    assert_eq!(mismatched(&diff(a, b, &[])), 2);
    assert_eq!(mismatched(&diff(a, b, &["--timestamp-precision", "ms"])), 1);
    assert_eq!(mismatched(&diff(a, b, &["--timestamp-precision", "s"])), 1);
}

#[test]
fn exact_numbers_compare_by_value_across_types() {
    // 1.80 (decimal) = 1.8 (float) at the decimal's scale; 2 (integer) = 2.0 (float); 0.1+0.2 ≠ 0.3 as floats.
    let a = "id,d,i,f\n1,1.80,2,0.30000000000000004\n";
    let b = "id,d,i,f\n1,1.8,2.0,0.3\n";
    let report = diff(a, b, &["--csv-type", "d=decimal(10,2)"]);
    assert_eq!(report["column_mismatches"], serde_json::json!({"d": 0, "i": 0, "f": 1}));
    assert_eq!(report["schema"]["type_differences"][0]["lossy"], true);
}

#[test]
fn bad_policy_values_are_refused() {
    let run = recon(&[
        "diff",
        "fixtures/orders/legacy.parquet",
        "fixtures/orders/legacy.parquet",
        "--key",
        "order_id",
        "--source-tz",
        "Mars/Olympus",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--source-tz") && run.stderr.contains("Mars/Olympus"), "{}", run.stderr);
    let run = recon(&[
        "diff",
        "fixtures/orders/legacy.parquet",
        "fixtures/orders/legacy.parquet",
        "--key",
        "order_id",
        "--timestamp-precision",
        "ns",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--timestamp-precision"), "{}", run.stderr);
    for (value, more) in [("-0.01", None), ("0,01", None), ("0.01", Some("--keyless"))] {
        let (legacy, option) = ("fixtures/orders/legacy.parquet", format!("--decimal-abs-tol={value}"));
        let mut args = vec!["diff", legacy, legacy, &option];
        args.extend(more.or(Some("--key=order_id")));
        let run = recon(&args);
        assert_eq!(run.code, 2, "{value}: {}", run.stderr);
        assert!(run.stderr.contains("--decimal-abs-tol"), "{}", run.stderr);
    }
}

#[test]
fn sqlite_declared_json_and_decimal_types_decide_how_values_compare() {
    use sqlx::{Connection, Executor};
    let dir = scratch();
    let db = dir.path().join("shop.db");
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", db.display())).await.unwrap();
        c.execute("CREATE TABLE a (id INTEGER, doc JSON, price DECIMAL(10,2), ok BOOLEAN)").await.unwrap();
        c.execute("CREATE TABLE b (id INTEGER, doc JSON, price DECIMAL(10,2), ok BOOLEAN)").await.unwrap();
        // price stored as REAL 0.285 on one side and INTEGER-free text '0.29' on the other.
        c.execute(r#"INSERT INTO a VALUES (1, '{"b": 1, "a": [1, 2]}', 0.285, 1), (2, '{}', 1.8, 0)"#).await.unwrap();
        c.execute(r#"INSERT INTO b VALUES (1, '{"a":[1,2],"b":1}', '0.29', 1), (2, '{ }', 1.80, 0)"#).await.unwrap();
    });
    let (a, b) = (format!("sqlite://{}#a", db.display()), format!("sqlite://{}#b", db.display()));
    let run = recon(&["diff", &a, &b, "--key", "id", "--format", "json", "-q"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["summary"]["matched"], 2);

    // The same through a query: its columns are described by the driver.
    let url = format!("sqlite://{}", db.display());
    let query = "SELECT id, doc, ok FROM a WHERE id = 1";
    let run = recon(&["diff", &url, &b, "--source-query", query, "--key", "id", "--format", "json", "-q"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["matched"], 1);
    assert_eq!(report["summary"]["extra_in_target"], 1);
    assert_eq!(report["schema"]["only_in_target"], serde_json::json!(["price"]));
}

#[test]
fn decimals_compare_by_value_however_parquet_stores_them() {
    // The same decimal(15,2), decimal(9,2) and nullable decimal(5,1) values, stored as INT64 and INT32 in one
    // file and as big-endian FIXED_LEN_BYTE_ARRAY (as pyarrow and Spark write them) in the other. Row 3's `d`
    // differs by one cent, and its `n` is -0.5 against NULL; rows 2 and 4 have NULL `n` on both sides.
    use parquet::data_type::{ByteArray, FixedLenByteArray, FixedLenByteArrayType, Int32Type, Int64Type};
    let dir = scratch();
    let (a, b) = (dir.path().join("ints.parquet"), dir.path().join("fixed.parquet"));
    let ids = [1i64, 2, 3, 4];
    let (d, e) = ([-123_456_789_012i64, 0, 1_999, 9_999_999_999_999], [-12_345i32, 7, 0, 999_999_999]);
    let changed = |v: &[i64]| [v[0], v[1], v[2] + 1, v[3]];
    let fixed = |v: &[i64], width: usize| -> Vec<FixedLenByteArray> {
        v.iter().map(|x| ByteArray::from(x.to_be_bytes()[8 - width..].to_vec()).into()).collect()
    };
    write_parquet(
        &a,
        "message m { required int64 id; required int64 d (DECIMAL(15,2)); required int32 e (DECIMAL(9,2));
                     optional int32 n (DECIMAL(5,1)); }",
        |column, writer| match column {
            0 => writer.typed::<Int64Type>().write_batch(&ids, None, None).map(drop),
            1 => writer.typed::<Int64Type>().write_batch(&d, None, None).map(drop),
            2 => writer.typed::<Int32Type>().write_batch(&e, None, None).map(drop),
            _ => writer.typed::<Int32Type>().write_batch(&[15, -5], Some(&[1, 0, 1, 0]), None).map(drop),
        },
    );
    write_parquet(
        &b,
        "message m { required int64 id; required fixed_len_byte_array(7) d (DECIMAL(15,2));
                     required fixed_len_byte_array(4) e (DECIMAL(9,2)); optional fixed_len_byte_array(3) n (DECIMAL(5,1)); }",
        |column, writer| match column {
            0 => writer.typed::<Int64Type>().write_batch(&ids, None, None).map(drop),
            1 => writer.typed::<FixedLenByteArrayType>().write_batch(&fixed(&changed(&d), 7), None, None).map(drop),
            2 => {
                let e: Vec<i64> = e.iter().map(|&v| v as i64).collect();
                writer.typed::<FixedLenByteArrayType>().write_batch(&fixed(&e, 4), None, None).map(drop)
            }
            // NULL where the other side has -0.5: one more mismatch, in row 3 as well.
            _ => writer.typed::<FixedLenByteArrayType>().write_batch(&fixed(&[15], 3), Some(&[1, 0, 0, 0]), None).map(drop),
        },
    );
    let run = recon(&["diff", path(&a), path(&b), "--key", "id", "--format", "json", "-q"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["matched"], 3);
    assert_eq!(report["column_mismatches"], serde_json::json!({"d": 1, "e": 0, "n": 1}));
    let example = &report["examples"]["mismatched"][0];
    assert_eq!(example["key"], serde_json::json!({"id": 3}));
    assert_eq!(example["columns"]["d"], serde_json::json!({"source": "19.99", "target": "20.00", "cause": "other"}));
    assert_eq!(example["columns"]["n"], serde_json::json!({"source": "-0.5", "target": null, "cause": "other"}));
}

/// Writes one row group of `schema` (Parquet's message syntax), each column by `write(index, writer)`.
fn write_parquet(
    path: &std::path::Path,
    schema: &str,
    mut write: impl FnMut(usize, &mut parquet::file::writer::SerializedColumnWriter<'_>) -> parquet::errors::Result<()>,
) {
    let schema = std::sync::Arc::new(parquet::schema::parser::parse_message_type(schema).unwrap());
    let file = std::fs::File::create(path).unwrap();
    let mut writer = parquet::file::writer::SerializedFileWriter::new(file, schema, Default::default()).unwrap();
    let mut group = writer.next_row_group().unwrap();
    let mut index = 0;
    while let Some(mut column) = group.next_column().unwrap() {
        write(index, &mut column).unwrap();
        column.close().unwrap();
        index += 1;
    }
    group.close().unwrap();
    writer.close().unwrap();
}
