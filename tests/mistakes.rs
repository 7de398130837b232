//! What recon says when a new user gets it wrong (issue 25): each message names the setting as it was given
//! and what was probably meant — a key list that is a column, a table in another schema, a misspelled name or
//! value, a CSV read with the wrong delimiter, a config value of the wrong type — and the README's forms work
//! as written.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{Field, Schema};

use crate::util::db::{mysql, postgres, serial, server};
use crate::util::files::write_parquet;
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
    let _serial = serial();
    postgres(
        &pg,
        [
            "DROP SCHEMA IF EXISTS recon_readme CASCADE",
            "CREATE SCHEMA recon_readme",
            "CREATE TABLE recon_readme.orders (order_id bigint PRIMARY KEY, region bigint, customer text)",
            "INSERT INTO recon_readme.orders VALUES (1, 1, 'Ann'), (2, 2, 'Bo'), (3, 1, 'Cy')",
        ],
    );
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

/// `--kye id` makes clap suggest `--keys`, a key-list file; `--keys id` said "id: No such file or directory".
#[test]
fn a_key_list_that_is_no_file_suggests_the_key() {
    refused(
        &recon(&["diff", "fixtures/orders/legacy.parquet", "fixtures/orders/new/", "--keys", "order_id"]),
        "--keys: order_id is not a file (a key list is a Parquet or CSV file of keys); did you mean --key order_id?",
    );
    let dir = scratch();
    let config = dir.path().join("audit.toml");
    std::fs::write(&config, format!("{SHOP}[[table]]\nsource = \"orders\"\nkeys = \"id\"\n")).unwrap();
    refused(
        &recon(&["audit", path(&config), "-q"]),
        &format!(
            "table orders: {}:7:8: keys in [[table]] orders: id is not a file (a key list is a Parquet or CSV file of \
             keys); did you mean key = [\"id\"]?",
            path(&config)
        ),
    );
}

/// The shop fixtures as an audit's two sides, for config files that need no server.
const SHOP: &str = "[source]\nurl = \"sqlite://fixtures/shop/legacy.db\"\n[target]\nurl = \"fixtures/shop/exports/\"\n";

/// A `;`-separated file read with the default `,` is one column named by its whole header line.
#[test]
fn a_csv_header_read_as_one_column_suggests_its_delimiter() {
    refused(
        &recon(&["diff", "fixtures/customers/crm.csv", "fixtures/customers/warehouse.arrow", "--key", "region,customer_no"]),
        "--key: column region is not in fixtures/customers/crm.csv (its columns: region;customer_no;name;Email;phone); \
         its header was read as one column holding ';': add --csv-delimiter ';'",
    );
    // Compared keyless, the column types line says it.
    let run = recon(&["diff", "fixtures/customers/crm.csv", "fixtures/customers/crm.csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = "recon: column types of fixtures/customers/crm.csv: region;customer_no;name;Email;phone Utf8 (its \
                header was read as one column holding ';': add --csv-delimiter ';')\n";
    assert!(run.stderr.contains(line), "{}", run.stderr);
    let dir = scratch();
    for (name, text, advice) in [
        ("tabs.csv", "id\tname\n1\tAnn\n", "holding a tab: add --csv-delimiter '\\t'"),
        ("pipes.csv", "id|name\n1|Ann\n", "holding '|': add --csv-delimiter '|'"),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let run = recon(&["diff", path(&file), path(&file), "--key", "id"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.ends_with(&format!("; its header was read as one column {advice}\n")), "{}", run.stderr);
    }
    // A file with the right delimiter gets a misspelled column suggested instead.
    refused(
        &recon(&["diff", "fixtures/orders/legacy.parquet", "fixtures/orders/new/", "--key", "orderid"]),
        "--key: column orderid is not in fixtures/orders/legacy.parquet (its columns: order_id, customer_id, amount, \
         currency, ordered_at, shipped, note, legacy_flag); did you mean order_id?",
    );
}

/// Values recon checks itself say what was probably meant, as clap does for its own.
#[test]
fn misspelled_values_are_suggested() {
    let diff = |more: &[&str]| {
        let base = ["diff", "fixtures/customers/crm.csv", "fixtures/customers/warehouse.arrow"];
        let common =
            ["--key", "region,customer_no", "--csv-delimiter", ";", "--csv-null", "\\N", "--map", "phone=phone_number"];
        recon(&base.iter().chain(&common).chain(more).copied().collect::<Vec<_>>())
    };
    refused(
        &diff(&["--source-tz", "Europe/Pari"]),
        "--source-tz: unknown time zone \"Europe/Pari\"; did you mean Europe/Paris?",
    );
    refused(
        &diff(&["--timestamp-precision", "mss"]),
        "--timestamp-precision: \"mss\" is not s, ms or us; did you mean ms?",
    );
    refused(
        &diff(&["--csv-type", "customer_no=flaot64"]),
        "--csv-type: unknown type \"flaot64\" for column customer_no (the types: bool, int8, int16, int32, int64, \
         uint64, float32, float64, text, date, timestamp, timestamptz, decimal(P,S)); did you mean float64?",
    );
    refused(
        &diff(&["--csv-type", "customer_nr=int64"]),
        "--csv-type: column customer_nr is not in fixtures/customers/crm.csv (its columns: region, customer_no, \
         name, Email, phone); did you mean customer_no?",
    );
}

/// A config file's value of the wrong type gets the command line's message at its line and column (it was
/// "data did not match any variant of untagged enum Written"), and a setting checked later is named where it
/// was written, not as the flag.
#[test]
fn config_values_are_named_at_their_place_as_the_command_line_names_them() {
    let dir = scratch();
    let config = dir.path().join("audit.toml");
    let audit = |text: &str| {
        std::fs::write(&config, format!("{SHOP}{text}")).unwrap();
        recon(&["audit", path(&config), "-q", "--format", "json"])
    };
    let at = |place: &str| format!("{}:{place}", path(&config));
    refused(
        &audit("[defaults]\nmemory_limit = true\n"),
        &format!("{}: memory_limit in [defaults]: \"true\" is not a size like 2GB or 512MB", at("6:16")),
    );
    refused(
        &audit("[defaults]\ntrim = \"yes\"\n"),
        &format!("{}: trim in [defaults]: \"yes\" is not true or false", at("6:8")),
    );
    refused(&audit("[defaults]\njobs = 0\n"), &format!("{}: jobs in [defaults]: must be 1 or more", at("6:8")));
    refused(
        &audit("[defaults]\nstate = \"/proc/no-such-dir/state\"\n"),
        &format!("{}: state in [defaults]: /proc/no-such-dir/state: cannot write in /proc: No such file or directory (os error 2)", at("6:9")),
    );
    let run = audit("[[table]]\nsource = \"orders\"\nkey = \"order_idd\"\nsample = true\n");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "recon: error: table orders: {}: sample in [[table]] orders: \"true\" is neither a share like 1% nor a count\n",
            at("8:10")
        )),
        "{}",
        run.stderr
    );
    let run = audit("[[table]]\nsource = \"orders\"\nkey = \"order_idd\"\n[[table]]\nsource = \"customers\"\nupdated_column = \"emial\"\n");
    assert_eq!(run.code, 2, "{}", run.stderr);
    let report = run.json();
    let orders = report["tables"].as_array().unwrap().iter().find(|t| t["name"] == "orders").unwrap();
    assert_eq!(
        orders["error"].as_str().unwrap(),
        format!(
            "{}: key in [[table]] orders: column order_idd is not in sqlite://fixtures/shop/legacy.db#orders (its \
             columns: id, customer_id, amount, ordered_at)",
            at("7:7")
        )
    );
    let customers = report["tables"].as_array().unwrap().iter().find(|t| t["name"] == "customers").unwrap();
    assert_eq!(
        customers["error"].as_str().unwrap(),
        format!(
            "{}: updated_column in [[table]] customers: emial is not a column of \
             sqlite://fixtures/shop/legacy.db#customers; did you mean email? (name the target's with --map emial=...)",
            at("10:18")
        )
    );
}

/// A key list names the key as the source does; the target's name for it (by `--map`) is not in the list, and
/// the list's reader was told its type anyway: it stopped with "--csv-types: k.csv has no column order_id".
#[test]
fn a_key_list_naming_the_source_key_compares_a_target_that_maps_it() {
    let dir = scratch();
    let file = |name: &str, text: &str| {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        path(&file).to_string()
    };
    let (source, target) = (file("s.csv", "id,v\n1,a\n2,b\n3,c\n"), file("t.csv", "order_id,v\n1,a\n2,x\n3,c\n"));
    let keys = file("k.csv", "id\n2\n");
    let run =
        recon(&["diff", &source, &target, "--key", "id", "--map", "id=order_id", "--keys", &keys, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let summary = &run.json()["summary"];
    assert_eq!((summary["source_rows"].as_u64(), summary["mismatched"].as_u64()), (Some(1), Some(1)));
}

/// A table in another schema (`#flights` when it lives in `nyc`) said "no such table, or it has no columns":
/// now the schema searched, where a table of that name is, or the nearest name.
#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_table_not_in_the_schema_searched_is_found_where_it_is() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    postgres(
        &pg,
        [
            "DROP SCHEMA IF EXISTS recon_nyc CASCADE",
            "CREATE SCHEMA recon_nyc",
            "CREATE TABLE recon_nyc.recon_flights (id int PRIMARY KEY, carrier text)",
        ],
    );
    mysql(
        &my,
        [
            "DROP DATABASE IF EXISTS recon_nyc",
            "CREATE DATABASE recon_nyc",
            "CREATE TABLE recon_nyc.recon_flights (id int PRIMARY KEY, carrier text)",
        ],
    );
    let parquet = "fixtures/orders/legacy.parquet";
    let missing = |location: &str| recon(&["diff", location, parquet, "--key", "id", "-q"]);
    // The database RECON_TEST_MYSQL_URL names: `test` in CI, another where several runs share the server.
    let database = my.rsplit('/').next().and_then(|d| d.split('?').next()).unwrap_or_default();
    refused(
        &missing(&format!("{pg}#recon_flights")),
        &format!(
            "{pg}#recon_flights: no table recon_flights in schema public; a table of that name is in schema recon_nyc: \
             #recon_nyc.recon_flights"
        ),
    );
    refused(
        &missing(&format!("{pg}#recon_nyc.recon_flihgts")),
        &format!(
            "{pg}#recon_nyc.recon_flihgts: no table recon_flihgts in schema recon_nyc; did you mean recon_flights?"
        ),
    );
    refused(
        &missing(&format!("{my}#recon_flights")),
        &format!(
            "{my}#recon_flights: no table recon_flights in database {database}; a table of that name is in \
             database recon_nyc: #recon_nyc.recon_flights"
        ),
    );
    refused(
        &missing(&format!("{my}#recon_nyc.Recon_Flights")),
        &format!(
            "{my}#recon_nyc.Recon_Flights: no table Recon_Flights in database recon_nyc; did you mean recon_flights?"
        ),
    );
}

#[test]
fn a_misspelled_sqlite_table_or_config_entry_is_suggested() {
    refused(
        &recon(&["diff", "sqlite://fixtures/shop/legacy.db#ordres", "fixtures/shop/exports/orders.parquet", "-q"]),
        "sqlite://fixtures/shop/legacy.db#ordres: no table ordres; did you mean orders?",
    );
    let dir = scratch();
    let config = dir.path().join("audit.toml");
    std::fs::write(&config, format!("{SHOP}[[table]]\nsource = \"ordres\"\n")).unwrap();
    refused(
        &recon(&["audit", path(&config), "-q"]),
        &format!("{}:5:1: [[table]]: neither side has a table \"ordres\"; did you mean orders?", path(&config)),
    );
}

/// In an audit, `--map tzone=timezone` added to the command applies to every table and fails on those without
/// the column: a suggestion is given as the `[[table]]` entry to paste, and pasted, it reconciles its table
/// alone.
#[test]
fn an_audit_suggests_the_table_entry_to_paste_and_pasted_it_reconciles_that_table() {
    let dir = scratch();
    let (source, target) = (dir.path().join("legacy"), dir.path().join("new"));
    for (side, flights) in [
        (&source, "id,tzone,carrier\n1,America/New_York,AA\n2,America/Chicago,UA\n"),
        (&target, "id,timezone,carrier\n1,America/New_York,AA \n2,America/Chicago,UA\n"),
    ] {
        std::fs::create_dir(side).unwrap();
        std::fs::write(side.join("flights.csv"), flights).unwrap();
        std::fs::write(side.join("airports.csv"), "id,name\n1,JFK\n2,ORD\n").unwrap();
    }
    let config = dir.path().join("audit.toml");
    let head = format!(
        "[source]\nurl = \"{}/\"\n[target]\nurl = \"{}/\"\n[defaults]\nkey = \"id\"\n",
        path(&source),
        path(&target)
    );
    std::fs::write(&config, &head).unwrap();
    let (markdown, html, junit) =
        (dir.path().join("summary.md"), dir.path().join("audit.html"), dir.path().join("junit.xml"));
    let documents = ["--markdown", path(&markdown), "--html", path(&html), "--junit", path(&junit)];
    let run = recon(&[&["audit", path(&config), "-q"][..], &documents].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let entry = "[[table]]
source = \"flights\"
trim = true    # resolves 1 mismatched row of carrier
map = { tzone = \"timezone\" }    # equal on 2 of 2 rows checked
#   tzone only in the source equals timezone only in the target on 2 rows whose key both sides hold (the first \
     1000 source rows at most)
";
    let shown: String = entry.lines().map(|line| format!("  {line}\n")).collect();
    assert!(
        run.stdout.contains(&format!(
            "suggestions (each tried on the mismatched rows; paste the entry into the audit's config file, or its \
             settings into the table's [[table]] entry: an option on the command line would apply to every table):\n{shown}"
        )),
        "{}",
        run.stdout
    );
    let markdown = std::fs::read_to_string(&markdown).unwrap();
    assert!(markdown.contains(&format!("```\n{entry}```\n")), "{markdown}");
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains("<pre class=\"paste\"><code>[[table]]\nsource = &quot;flights&quot;\ntrim = true"), "{html}");
    let junit = std::fs::read_to_string(&junit).unwrap();
    assert!(junit.contains("suggested: trim = true (resolves 1 mismatched row of carrier)"), "{junit}");
    let run = recon(&["audit", path(&config), "--format", "json", "-q"]);
    let report = run.json();
    let flights = report["tables"].as_array().unwrap().iter().find(|t| t["name"] == "flights").unwrap();
    let configs: Vec<&str> =
        flights["report"]["suggestions"].as_array().unwrap().iter().map(|s| s["config"].as_str().unwrap()).collect();
    assert_eq!(
        configs,
        [
            "[[table]]\nsource = \"flights\"\ntrim = true",
            "[[table]]\nsource = \"flights\"\nmap = { tzone = \"timezone\" }"
        ]
    );
    // Pasted as given, the entry reconciles flights and leaves airports as it was.
    std::fs::write(&config, format!("{head}{entry}")).unwrap();
    let run = recon(&["audit", path(&config), "-q"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    // A diff keeps suggesting options for its command.
    let run = recon(&[
        "diff",
        &format!("{}/flights.csv", path(&source)),
        &format!("{}/flights.csv", path(&target)),
        "--key",
        "id",
        "-q",
    ]);
    assert!(run.stdout.contains("  --trim    resolves 1 mismatched row of carrier\n"), "{}", run.stdout);
}
