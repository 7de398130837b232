//! Property: for random tables with randomly injected defects, written in random row order with random
//! batch and file boundaries, recon finds exactly the injected defects, in one pass as in two (`--strategy`);
//! and a side's fingerprint does not depend on the order of its rows.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use proptest::prelude::*;
use serde_json::Value;

use recon::progress::{LogFormat, Progress};
use recon::session::Session;
use recon::side::Sides;
use recon::spec::{Layers, Options, Origin, SessionSpec, TableSpec};

/// One row: key (NULL for a keyless row), an integer, an optional text and a float.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    key: Option<i64>,
    n: i64,
    text: Option<String>,
    x: f64,
}

/// What happens to one key on its way from source to target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Fate {
    Matched,
    Missing,
    Extra,
    Mismatched(usize),
    DuplicatedInTarget,
    DuplicatedInSource,
    DuplicatedThenLost,
    /// The same two rows on both sides: bucket fingerprints agree, yet both sides hold a duplicate key.
    DuplicatedOnBoth,
}

pub(crate) fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![
        4 => Just(Fate::Matched),
        1 => Just(Fate::Missing),
        1 => Just(Fate::Extra),
        1 => (0usize..3).prop_map(Fate::Mismatched),
        1 => Just(Fate::DuplicatedInTarget),
        1 => Just(Fate::DuplicatedInSource),
        1 => Just(Fate::DuplicatedThenLost),
        1 => Just(Fate::DuplicatedOnBoth),
    ]
}

pub(crate) fn row() -> impl Strategy<Value = (i64, Option<String>, f64)> {
    (
        any::<i32>().prop_map(i64::from),
        prop::option::of("[a-z ]{0,6}"),
        prop_oneof![Just(0.0), Just(f64::NAN), -1e6f64..1e6],
    )
}

/// The same logical value written differently: -0.0 for 0.0, another NaN payload.
fn restyled(x: f64) -> f64 {
    if x == 0.0 {
        -0.0
    } else if x.is_nan() {
        f64::from_bits(0x7ff8_0000_0000_0042)
    } else {
        x
    }
}

fn changed(row: &Row, column: usize) -> Row {
    let mut row = row.clone();
    match column {
        0 => row.n = row.n.wrapping_add(1),
        1 => {
            row.text = Some(match &row.text {
                None => String::new(),
                Some(t) => format!("{t}!"),
            })
        }
        _ => row.x = if row.x.is_nan() { 1.0 } else { row.x + 0.5 },
    }
    row
}

pub(crate) struct Case {
    pub(crate) source: Vec<Row>,
    pub(crate) target: Vec<Row>,
    pub(crate) expected: Expected,
}

#[derive(Debug, Default, PartialEq)]
pub(crate) struct Expected {
    pub(crate) matched: u64,
    missing: BTreeSet<i64>,
    extra: BTreeSet<i64>,
    mismatched: BTreeSet<i64>,
    dup_source: BTreeSet<i64>,
    dup_target: BTreeSet<i64>,
    column_mismatches: [u64; 3],
    null_keys: [u64; 2],
}

/// A key's fate and its row's values (integer, text, float).
pub(crate) type Draw = (Fate, (i64, Option<String>, f64));

pub(crate) fn build(fates: &[Draw], null_keys: (usize, usize)) -> Case {
    let (mut source, mut target, mut e) = (Vec::new(), Vec::new(), Expected::default());
    for (key, (fate, (n, text, x))) in fates.iter().enumerate() {
        let key = key as i64;
        let row = Row { key: Some(key), n: *n, text: text.clone(), x: *x };
        let same = Row { x: restyled(row.x), ..row.clone() };
        match fate {
            Fate::Matched => {
                source.push(row);
                target.push(same);
                e.matched += 1;
            }
            Fate::Missing => {
                source.push(row);
                e.missing.insert(key);
            }
            Fate::Extra => {
                target.push(row);
                e.extra.insert(key);
            }
            Fate::Mismatched(column) => {
                target.push(changed(&row, *column));
                source.push(row);
                e.mismatched.insert(key);
                e.column_mismatches[*column] += 1;
            }
            Fate::DuplicatedInTarget => {
                source.push(row.clone());
                target.extend([row, same]);
                e.dup_target.insert(key);
            }
            Fate::DuplicatedInSource => {
                source.extend([row.clone(), row]);
                target.push(same);
                e.dup_source.insert(key);
            }
            Fate::DuplicatedOnBoth => {
                source.extend([row.clone(), row]);
                target.extend([same.clone(), same]);
                e.dup_source.insert(key);
                e.dup_target.insert(key);
            }
            Fate::DuplicatedThenLost => {
                source.extend([row.clone(), row]);
                e.dup_source.insert(key);
                e.missing.insert(key);
            }
        }
    }
    let keyless = Row { key: None, n: 0, text: None, x: 0.0 };
    source.extend(std::iter::repeat_n(keyless.clone(), null_keys.0));
    target.extend(std::iter::repeat_n(keyless, null_keys.1));
    e.null_keys = [null_keys.0 as u64, null_keys.1 as u64];
    Case { source, target, expected: e }
}

/// Writes rows as Parquet files of `parts` pieces and row groups of `group` rows. The source stores `n` as
/// int32 where it fits, so widths differ across sides as they do in real migrations.
pub(crate) fn write(dir: &Path, rows: &[Row], parts: usize, group: usize, narrow: bool) {
    std::fs::create_dir_all(dir).unwrap();
    let chunk = rows.len().div_ceil(parts.max(1)).max(1);
    // An empty side is still one file, with its schema and no rows.
    let pieces: Vec<&[Row]> = if rows.is_empty() { vec![rows] } else { rows.chunks(chunk).collect() };
    for (i, piece) in pieces.into_iter().enumerate() {
        let key: ArrayRef = Arc::new(piece.iter().map(|r| r.key).collect::<Int64Array>());
        let n: ArrayRef = if narrow {
            Arc::new(piece.iter().map(|r| Some(r.n as i32)).collect::<Int32Array>())
        } else {
            Arc::new(piece.iter().map(|r| Some(r.n)).collect::<Int64Array>())
        };
        let text: ArrayRef = Arc::new(piece.iter().map(|r| r.text.clone()).collect::<StringArray>());
        let x: ArrayRef = Arc::new(piece.iter().map(|r| Some(r.x)).collect::<Float64Array>());
        let schema = Schema::new(vec![
            Field::new("key", DataType::Int64, true),
            Field::new("n", n.data_type().clone(), true),
            Field::new("text", DataType::Utf8, true),
            Field::new("x", DataType::Float64, true),
        ]);
        let batch = RecordBatch::try_new(Arc::new(schema), vec![key, n, text, x]).unwrap();
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(group.max(1))).build();
        let file = File::create(dir.join(format!("part-{i}.parquet"))).unwrap();
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    }
}

/// Runs the engine as a library caller would: options → specs → a session → the report.
fn audit(source: &Path, target: &Path, memory_limit: &str, strategy: &str) -> Value {
    let mut options = Options::default();
    options.table.key = Some(vec!["key".into()]);
    options.table.max_examples = Some(100_000);
    options.resources.memory_limit = Some(memory_limit.into());
    options.resources.strategy = Some(strategy.into());
    let mut layers = Layers::default();
    layers.push(&options, Origin::CommandLine).unwrap();
    let options = layers.options().unwrap();
    let session = Session::new(&SessionSpec::resolve(&options, &layers).unwrap(), Progress::new(LogFormat::Text, true));
    let sides = Sides::new(source, target).map(|p| recon::location::Location::parse(p.to_str().unwrap()).unwrap());
    let table = TableSpec::resolve(sides, &options, &layers).unwrap();
    let outcome = recon::diff(&table, &session.unwrap()).unwrap();
    serde_json::to_value(&outcome.report).unwrap()
}

fn keys(report: &Value, category: &str) -> BTreeSet<i64> {
    report["examples"][category].as_array().unwrap().iter().map(|e| e["key"]["key"].as_i64().unwrap()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn recon_recovers_exactly_the_injected_defects(
        fates in prop::collection::vec((fate(), row()), 0..300),
        null_keys in (0usize..3, 0usize..3),
        source_order in any::<u64>(),
        target_order in any::<u64>(),
        layout in (1usize..4, 1usize..4, 1usize..97, 1usize..97),
        spill in any::<bool>(),
    ) {
        // A memory limit of 4 KiB leaves room for about 25 digests a side: the rest go through disk. It also
        // makes the row tier classify a few partitions at a time and count columns in an extra pass.
        let memory_limit = if spill { "4KB" } else { "1GB" };
        let case = build(&fates, null_keys);
        let dir = tempfile::tempdir().unwrap();
        let (mut source, mut target) = (case.source.clone(), case.target.clone());
        shuffle(&mut source, source_order);
        shuffle(&mut target, target_order);
        let (source_dir, target_dir) = (dir.path().join("source"), dir.path().join("target"));
        write(&source_dir, &source, layout.0, layout.2, true);
        write(&target_dir, &target, layout.1, layout.3, false);
        let report = audit(&source_dir, &target_dir, memory_limit, "one-pass");
        let s = &report["summary"];
        let e = &case.expected;
        prop_assert_eq!(s["source_rows"].as_u64(), Some(case.source.len() as u64));
        prop_assert_eq!(s["target_rows"].as_u64(), Some(case.target.len() as u64));
        prop_assert_eq!(s["matched"].as_u64(), Some(e.matched));
        prop_assert_eq!(keys(&report, "missing_in_target"), e.missing.clone());
        prop_assert_eq!(keys(&report, "extra_in_target"), e.extra.clone());
        prop_assert_eq!(s["mismatched"].as_u64(), Some(e.mismatched.len() as u64));
        prop_assert_eq!(keys(&report, "mismatched"), e.mismatched.clone());
        prop_assert_eq!(keys(&report, "duplicate_keys_source"), e.dup_source.clone());
        prop_assert_eq!(keys(&report, "duplicate_keys_target"), e.dup_target.clone());
        prop_assert_eq!(s["null_keys_source"].as_u64(), Some(e.null_keys[0]));
        prop_assert_eq!(s["null_keys_target"].as_u64(), Some(e.null_keys[1]));
        let columns = &report["column_mismatches"];
        let counts = [columns["n"].as_u64(), columns["text"].as_u64(), columns["x"].as_u64()];
        prop_assert_eq!(counts, e.column_mismatches.map(Some));

        // Two passes (bucket fingerprints, then the rows of differing buckets): the same report, stats aside.
        let mut two = audit(&source_dir, &target_dir, memory_limit, "two-pass");
        prop_assert_eq!(&two["stats"]["strategy"]["name"], "two-pass");
        let mut one = report.clone();
        for r in [&mut one, &mut two] {
            r.as_object_mut().unwrap().remove("stats");
        }
        prop_assert_eq!(two, one);

        // The source in its original order, in one file: same fingerprint.
        let ordered_dir = dir.path().join("ordered");
        write(&ordered_dir, &case.source, 1, 1000, true);
        let again = audit(&ordered_dir, &target_dir, "1GB", "auto");
        prop_assert_eq!(&again["source"]["fingerprint"], &report["source"]["fingerprint"]);
    }
}

/// A deterministic Fisher-Yates shuffle driven by `seed` (splitmix64).
pub(crate) fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        items.swap(i, (z % (i as u64 + 1)) as usize);
    }
}
