//! `recon audit` on the real servers: a MariaDB schema migrated to PostgreSQL with defects in some tables, a
//! keyless table with duplicated rows, a table on each side only, a renamed table paired by the config file,
//! a lagging sequence and lost constraints, one table with a column recon cannot read; exact statuses and
//! counts, resuming from `--state`, secrets that never show, and config mistakes named at their line.

use serde_json::{json, Value};

use crate::util::db::{mysql, postgres, serial, server, with_database};
use crate::util::{path, recon_with, scratch, Run};

const MARIADB: &[&str] = &[
    "DROP DATABASE IF EXISTS recon_audit_src",
    "CREATE DATABASE recon_audit_src",
    "USE recon_audit_src",
    "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, email VARCHAR(80))",
    "INSERT INTO customers VALUES (1, 'Ann', 'ann@example.com'), (2, 'Bo', NULL), (3, 'Cy', 'cy@example.com')",
    "CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL,
       note VARCHAR(50), FOREIGN KEY (customer_id) REFERENCES customers (id))",
    "INSERT INTO orders (customer_id, amount, note) VALUES (1, 10.00, NULL), (2, 20.50, 'gift'), (3, 30.00, NULL),
       (1, 40.25, NULL), (2, 50.00, 'call first'), (3, 60.00, NULL)",
    "CREATE TABLE order_lines (order_id INT NOT NULL, line_no INT NOT NULL, product VARCHAR(20) NOT NULL,
       qty INT NOT NULL, PRIMARY KEY (order_id, line_no))",
    "INSERT INTO order_lines VALUES (1, 1, 'pen', 2), (1, 2, 'ink', 1), (2, 1, 'pad', 5), (3, 1, 'pen', 1)",
    "CREATE TABLE events (kind VARCHAR(20), at DATETIME)",
    "INSERT INTO events VALUES ('login', '2024-01-01 10:00:00'), ('login', '2024-01-01 10:00:00'),
       ('logout', '2024-01-01 11:00:00'), ('login', NULL)",
    "CREATE TABLE products (code VARCHAR(10) NOT NULL, name VARCHAR(30), UNIQUE KEY products_code (code))",
    "INSERT INTO products VALUES ('P1', 'pen'), ('P2', 'ink'), ('P3', 'pad')",
    "CREATE TABLE legacy_flags (id INT PRIMARY KEY, flag TINYINT(1))",
    "INSERT INTO legacy_flags VALUES (1, 1)",
    "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT, tags TEXT)",
    "INSERT INTO notes VALUES (1, 'hello', '{a,b}')",
];

const POSTGRES: &[&str] = &[
    "DROP SCHEMA IF EXISTS recon_audit_dst CASCADE",
    "CREATE SCHEMA recon_audit_dst",
    "SET search_path TO recon_audit_dst",
    "CREATE TABLE customers (id int PRIMARY KEY, name varchar(50) NOT NULL, email varchar(80))",
    "INSERT INTO customers VALUES (1, 'Ann', 'ann@example.com'), (2, 'Bo', NULL), (3, 'Cy', 'cy@example.com')",
    // Loaded with explicit ids and no setval afterwards: the classic cut-over bug. No foreign key either.
    "CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2) NOT NULL,
       note varchar(50))",
    "INSERT INTO orders VALUES (1, 1, 10.00, NULL), (2, 2, 20.50, 'gift'), (3, 3, 30.00, NULL),
       (4, 1, 40.52, NULL), (5, 2, 50.00, 'call first')",
    "SELECT setval('orders_id_seq', 2)",
    // product lost its NOT NULL; one line too many.
    "CREATE TABLE order_lines (order_id int NOT NULL, line_no int NOT NULL, product varchar(20), qty int NOT NULL,
       PRIMARY KEY (order_id, line_no))",
    "INSERT INTO order_lines VALUES (1, 1, 'pen', 2), (1, 2, 'ink', 1), (2, 1, 'pad', 5), (3, 1, 'pen', 1),
       (3, 2, 'ink', 4)",
    // One of the two identical logins is gone.
    "CREATE TABLE events (kind varchar(20), at timestamp)",
    "INSERT INTO events VALUES ('login', '2024-01-01 10:00:00'), ('logout', '2024-01-01 11:00:00'), ('login', NULL)",
    "CREATE TABLE products_v2 (code varchar(10) NOT NULL UNIQUE, name varchar(30))",
    "INSERT INTO products_v2 VALUES ('P3', 'pad'), ('P1', 'pen'), ('P2', 'ink')",
    "CREATE TABLE etl_runs (id int)",
    "CREATE TABLE notes (id int PRIMARY KEY, body text, tags text[])",
    "INSERT INTO notes VALUES (1, 'hello', '{a,b}')",
];

const SECRET: &str = "hunter2-s3cr3t";

struct Servers {
    mariadb: String,
    postgres: String,
}

fn servers() -> Servers {
    let (my, pg) = (server("RECON_TEST_MYSQL_URL"), server("RECON_TEST_POSTGRES_URL"));
    mysql(&my, MARIADB);
    postgres(&pg, POSTGRES);
    let mariadb = with_database(&my, "recon_audit_src");
    // Trust authentication accepts any password: this one comes from the environment, and must never show.
    let postgres = pg.replacen("://postgres@", "://postgres:${RECON_AUDIT_SECRET}@", 1) + "#recon_audit_dst";
    Servers { mariadb, postgres }
}

fn config(dir: &tempfile::TempDir, servers: &Servers, more: &str) -> String {
    let file = dir.path().join("audit.toml");
    let text = format!(
        "[source]\nurl = \"{}\"\n[target]\nurl = \"{}\"\n[defaults]\njobs = 2\n\n[[table]]\nsource = \"products\"\ntarget = \"products_v2\"\n{more}",
        servers.mariadb, servers.postgres
    );
    std::fs::write(&file, text).unwrap();
    path(&file).to_string()
}

fn audit(args: &[&str]) -> Run {
    recon_with(args, &[("RECON_AUDIT_SECRET", SECRET)])
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    let tables = report["tables"].as_array().expect("tables");
    tables.iter().map(|t| (t["name"].as_str().unwrap().into(), t["status"].as_str().unwrap().into())).collect()
}

fn table<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["tables"].as_array().unwrap().iter().find(|t| t["name"] == name).expect("table in report")
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_migrated_schema_is_audited_table_by_table_into_one_verdict() {
    let _serial = serial();
    let servers = servers();
    let dir = scratch();
    let config = config(&dir, &servers, "");
    let html = dir.path().join("audit.html");
    let run = audit(&["audit", &config, "--format", "json", "--html", path(&html)]);
    assert_eq!(run.code, 2, "one table could not be compared: {}", run.stderr);
    let report = run.json();
    assert_eq!(report["kind"], "audit");
    let expected = [
        ("customers", "pass"),
        ("etl_runs", "extra_in_target"),
        ("events", "fail"),
        ("legacy_flags", "missing_in_target"),
        ("notes", "error"),
        ("order_lines", "fail"),
        ("orders", "fail"),
        ("products", "pass"),
    ];
    assert_eq!(statuses(&report), expected.map(|(n, s)| (n.to_string(), s.to_string())));
    assert_eq!(
        report["summary"],
        json!({"tables": 8, "passed": 2, "failed": 3, "errors": 1, "skipped": 0, "missing_tables": 1,
               "extra_tables": 1, "source_rows": 20, "target_rows": 19, "matched": 17, "missing_in_target": 2,
               "extra_in_target": 1, "mismatched": 1, "duplicate_keys_source": 0, "duplicate_keys_target": 0,
               "null_keys_source": 0, "null_keys_target": 0})
    );
    // Keys found, not asked for: the primary key, a composite one, a unique index, none.
    let key = |name: &str| {
        let report = &table(&report, name)["report"];
        (report["key"].clone(), report["key_source"].clone())
    };
    assert_eq!(key("orders"), (json!(["id"]), json!("source_primary_key")));
    assert_eq!(key("order_lines"), (json!(["order_id", "line_no"]), json!("source_primary_key")));
    assert_eq!(key("products"), (json!(["code"]), json!("unique_index")));
    assert_eq!(key("events"), (json!([]), json!("keyless")));
    let products = table(&report, "products");
    assert_eq!(
        (products["source_table"].clone(), products["target_table"].clone()),
        (json!("products"), json!("products_v2"))
    );
    let orders = &table(&report, "orders")["report"]["summary"];
    assert_eq!((orders["mismatched"].clone(), orders["missing_in_target"].clone()), (json!(1), json!(1)));
    assert_eq!(table(&report, "events")["report"]["summary"]["missing_in_target"], 1);
    let error = table(&report, "notes")["error"].as_str().unwrap();
    assert!(error.contains("tags") && error.contains("--exclude"), "{error}");
    let checks: Vec<[&str; 3]> = report["schema_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| ["table", "check", "column"].map(|field| c[field].as_str().unwrap()))
        .collect();
    let expected_checks = [
        ["order_lines", "not_null_missing", "product"],
        ["orders", "foreign_key_missing", "customer_id"],
        ["orders", "sequence_behind", "id"],
    ];
    assert_eq!(checks, expected_checks);
    let behind = report["schema_checks"].as_array().unwrap().iter().find(|c| c["check"] == "sequence_behind").unwrap();
    assert_eq!(behind["detail"], "orders_id_seq next value 3 <= max(id) 5");
    // The secret went into the URL and nowhere else.
    let written = std::fs::read_to_string(&html).unwrap();
    for output in [&run.stdout, &run.stderr, &written] {
        assert!(!output.contains(SECRET), "the secret shows");
    }
    assert!(report["target"]["location"].as_str().unwrap().contains("postgres:***@"));
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_rerun_with_state_skips_finished_tables_and_retries_errors() {
    let _serial = serial();
    let servers = servers();
    let dir = scratch();
    let state = dir.path().join("state");
    let config = config(&dir, &servers, "");
    let args = |config: &str| audit(&["audit", config, "--format", "json", "--state", path(&state), "-q"]);
    let first = args(&config).json();
    assert_eq!(first["stats"]["resumed"], 0);
    // Same settings: the six compared tables that finished are reported from the state; notes is tried again.
    let second = args(&config).json();
    assert_eq!(second["stats"]["resumed"], 5);
    assert_eq!(table(&second, "notes")["status"], "error");
    assert_eq!(second["summary"], first["summary"]);
    // Leaving the unreadable column out changes notes' settings only: it is compared, the rest resumed.
    let fixed = self::config(&dir, &servers, "[[table]]\nsource = \"notes\"\nexclude = [\"tags\"]\n");
    let third = args(&fixed).json();
    assert_eq!(third["stats"]["resumed"], 5);
    assert_eq!(table(&third, "notes")["status"], "pass");
    assert_eq!(third["verdict"]["exit_code"], 1);
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn config_mistakes_are_named_at_file_line_and_column() {
    let _serial = serial();
    let servers = servers();
    let dir = scratch();
    let config = config(&dir, &servers, "\n[[table]]\nsource = \"no_such_table\"\nkey = [\"id\"]\n");
    let run = audit(&["audit", &config]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("audit.toml:12:1: [[table]]: neither side has a table \"no_such_table\""),
        "{}",
        run.stderr
    );
    let unset = dir.path().join("unset.toml");
    std::fs::write(&unset, "[source]\nurl = \"mysql://root:${RECON_UNSET_FOR_TEST}@localhost/x\"\n").unwrap();
    let run = audit(&["audit", path(&unset)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unset.toml:2:7: environment variable RECON_UNSET_FOR_TEST is not set"),
        "{}",
        run.stderr
    );
}

/// The nyc migration's reviewed change: `time_hour` went from timestamptz to datetime (no zone, whole
/// seconds), and `dep_delay` lost a decimal place. Both are `type_narrowed`; the config accepts the first by
/// name on its column, so only the second counts against the budget, and every output says which is which.
#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_schema_check_accepted_on_its_column_is_shown_as_accepted_and_not_counted() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    postgres(
        &pg,
        [
            "DROP SCHEMA IF EXISTS recon_accept_src CASCADE",
            "CREATE SCHEMA recon_accept_src",
            "CREATE TABLE recon_accept_src.flights (id bigint PRIMARY KEY, time_hour timestamptz NOT NULL,
               dep_delay numeric(6,2))",
            "INSERT INTO recon_accept_src.flights VALUES (1, '2013-01-01 10:00:00+00', 2.5),
               (2, '2013-01-01 11:00:00+00', -1.0), (3, '2013-01-02 05:00:00+00', NULL)",
        ],
    );
    mysql(
        &my,
        [
            "DROP DATABASE IF EXISTS recon_accept_dst",
            "CREATE DATABASE recon_accept_dst",
            "CREATE TABLE recon_accept_dst.flights (id bigint PRIMARY KEY, time_hour datetime NOT NULL,
               dep_delay decimal(6,1))",
            "INSERT INTO recon_accept_dst.flights VALUES (1, '2013-01-01 10:00:00', 2.5),
               (2, '2013-01-01 11:00:00', -1.0), (3, '2013-01-02 05:00:00', NULL)",
        ],
    );
    let dir = scratch();
    let run = |accept: &str, extra: &[&str]| {
        let file = dir.path().join("nyc.toml");
        let text = format!(
            "[source]\nurl = \"{pg}#recon_accept_src\"\n[target]\nurl = \"{}\"\n\n[[table]]\nsource = \"flights\"\n{accept}",
            with_database(&my, "recon_accept_dst")
        );
        std::fs::write(&file, text).unwrap();
        audit(&[&["audit", path(&file)][..], extra].concat())
    };
    let time_hour = json!({"table": "flights", "check": "type_narrowed", "column": "time_hour",
                           "detail": "time_hour: timestamp with time zone in the source, datetime in the target"});
    let dep_delay = json!({"table": "flights", "check": "type_narrowed", "column": "dep_delay",
                           "detail": "dep_delay: numeric(6,2) in the source, decimal(6,1) in the target"});
    let over = |actual: u64| json!([{"check": "schema_checks", "actual": actual, "allowed": 0}]);

    let plain = run("", &["--format", "json", "-q"]);
    assert_eq!(plain.code, 1, "{}", plain.stderr);
    let report = plain.json();
    assert_eq!(table(&report, "flights")["status"], "pass", "every row arrived");
    assert_eq!(report["schema_checks"], json!([time_hour, dep_delay]));
    assert_eq!(report["verdict"]["violations"], over(2));

    let accept = "accept = [{check = \"type_narrowed\", column = \"Time_Hour\"}]\n";
    let accepted = run(accept, &["--format", "json", "-q"]);
    assert_eq!(accepted.code, 1, "{}", accepted.stderr);
    let report = accepted.json();
    let mut time_hour_accepted = time_hour.clone();
    time_hour_accepted["accepted"] = json!(true);
    assert_eq!(report["schema_checks"], json!([time_hour_accepted, dep_delay]));
    assert_eq!(report["verdict"]["violations"], over(1), "the accepted check is not counted");

    let (html, markdown, junit) = (dir.path().join("a.html"), dir.path().join("a.md"), dir.path().join("a.xml"));
    let outputs = ["--max-schema-checks", "1", "--html", path(&html), "--markdown", path(&markdown)];
    let signed = run(accept, &[&outputs[..], &["--junit", path(&junit)]].concat());
    assert_eq!(signed.code, 0, "{}\n{}", signed.stdout, signed.stderr);
    assert!(
        signed.stdout.contains("┆ type_narrowed (accepted) ┆ time_hour: timestamp with time zone"),
        "{}",
        signed.stdout
    );
    assert!(signed.stdout.contains("┆ type_narrowed            ┆ dep_delay: numeric"), "{}", signed.stdout);
    let html = std::fs::read_to_string(html).unwrap();
    assert!(
        html.contains(
            "<td class=\"word\">type_narrowed <em>(accepted)</em></td><td>time_hour: timestamp with time zone"
        ),
        "{html}"
    );
    let markdown = std::fs::read_to_string(markdown).unwrap();
    assert!(markdown.contains("### Schema checks\n\n| table | check | column | detail | |\n"), "{markdown}");
    let row = "| flights | type\\_narrowed | time\\_hour | time\\_hour: timestamp with time zone in the source, \
               datetime in the target | accepted |\n";
    assert!(markdown.contains(row), "{markdown}");
    let junit = std::fs::read_to_string(junit).unwrap();
    assert!(junit.contains("flights: type_narrowed (accepted): time_hour: timestamp with time zone"), "{junit}");

    // An acceptance that no check matches (a fixed column, a typo) says so, and accepts nothing.
    let stale = run("accept = [{check = \"type_narrowed\", column = \"dep_time\"}]\n", &["--format", "json"]);
    assert_eq!(stale.json()["verdict"]["violations"], over(2));
    let warning = "table flights: accept type_narrowed on dep_time (line 8) accepts nothing: no such check was found";
    assert!(stale.stderr.contains(warning), "{}", stale.stderr);
    let unknown = run("accept = [{check = \"type_change\", column = \"time_hour\"}]\n", &[]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("nyc.toml:8:20: unknown schema check \"type_change\" (the checks: "),
        "{}",
        unknown.stderr
    );
}
