//! `--repair-sql`: recon writes the statements that would make the target equal the source, and never runs them.
//! Each test applies the script the way its owners would — with the target database's own client (`psql`,
//! `mysql`, `sqlite3`) — to a copy of the target, then runs recon again: the copy now holds exactly the source's
//! rows (equal fingerprints; a key the source itself duplicates stays duplicated on both sides). Then the refusals:
//! whatever cannot be repaired exactly is exit 2 before a row is read, or, in an audit, that table left out with
//! the reason.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::util::db::{serial, server};
use crate::util::{path, recon, scratch, Run};

/// A database engine the tests load through its own command-line client.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Postgres,
    Mariadb,
    Sqlite,
}

/// Where a test's tables live: a PostgreSQL schema, a MariaDB database or a SQLite file.
struct Place {
    kind: Kind,
    name: String,
    /// The SQLite files' directory.
    dir: PathBuf,
}

impl Place {
    fn new(kind: Kind, name: &str, dir: &Path) -> Place {
        Place { kind, name: name.to_string(), dir: dir.to_path_buf() }
    }

    fn file(&self) -> PathBuf {
        self.dir.join(format!("{}.db", self.name))
    }

    /// Creates the place afresh and runs `sql` in it.
    fn load(&self, sql: &str) {
        match self.kind {
            Kind::Postgres => {
                let setup = format!(
                    "DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0}; SET search_path = {0};\n{sql}",
                    self.name
                );
                client(self.kind, None, &setup);
            }
            Kind::Mariadb => {
                let setup = format!(
                    "DROP DATABASE IF EXISTS {0}; CREATE DATABASE {0} CHARACTER SET utf8mb4; USE {0}; \
                     SET time_zone = '+00:00';\n{sql}",
                    self.name
                );
                client(self.kind, None, &setup);
            }
            Kind::Sqlite => {
                let _ = std::fs::remove_file(self.file());
                client(self.kind, Some(&self.file()), sql);
            }
        }
    }

    /// A table's location (`None`: the whole place, for an audit).
    fn location(&self, table: Option<&str>) -> String {
        let table = table.map(|t| format!("#{t}")).unwrap_or_default();
        match self.kind {
            Kind::Postgres => {
                let pg = server("RECON_TEST_POSTGRES_URL");
                match table.strip_prefix('#') {
                    Some(t) => format!("{pg}#{}.{t}", self.name),
                    None => format!("{pg}#{}", self.name),
                }
            }
            Kind::Mariadb => format!("{}/{}{table}", mysql_base(), self.name),
            Kind::Sqlite => format!("sqlite://{}{table}", self.file().display()),
        }
    }

    /// A copy of this place, loaded with `sql` (the statements that built it), and `script` applied to it with the
    /// engine's client. A PostgreSQL script names its tables with their schema: the compared schema is renamed
    /// away (kept, untouched) and the copy takes its name; elsewhere the copy lives beside the original.
    fn copy_repaired(&self, sql: &str, script: &Path) -> Place {
        let copy = match self.kind {
            Kind::Postgres => {
                let kept = format!("{}_compared", self.name);
                client(
                    self.kind,
                    None,
                    &format!("DROP SCHEMA IF EXISTS {kept} CASCADE; ALTER SCHEMA {} RENAME TO {kept};", self.name),
                );
                Place::new(self.kind, &self.name, &self.dir)
            }
            _ => Place::new(self.kind, &format!("{}_copy", self.name), &self.dir),
        };
        copy.load(sql);
        let text = std::fs::read_to_string(script).expect("the script was written");
        let target = match self.kind {
            Kind::Sqlite => Some(copy.file()),
            _ => None,
        };
        let database = (self.kind == Kind::Mariadb).then(|| copy.name.clone());
        client_in(self.kind, target.as_deref(), database.as_deref(), &text);
        copy
    }
}

/// `mysql://user@host:port` of RECON_TEST_MYSQL_URL, without its database.
fn mysql_base() -> String {
    let url = server("RECON_TEST_MYSQL_URL");
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

fn client(kind: Kind, sqlite: Option<&Path>, sql: &str) {
    client_in(kind, sqlite, None, sql)
}

/// Runs `sql` with the engine's own client, as a person applies a script: psql stopping at the first error,
/// mysql in `database` (it stops at the first error by itself), sqlite3 with -bail.
fn client_in(kind: Kind, sqlite: Option<&Path>, database: Option<&str>, sql: &str) {
    let mut command = match kind {
        Kind::Postgres => {
            let mut c = Command::new("psql");
            c.args([server("RECON_TEST_POSTGRES_URL").as_str(), "-X", "-q", "-v", "ON_ERROR_STOP=1"]);
            // Notices (a DROP that cascades) are no failure.
            c.env("PGOPTIONS", "-c client_min_messages=warning");
            c
        }
        Kind::Mariadb => {
            let url = server("RECON_TEST_MYSQL_URL");
            let rest = url.split_once("://").expect("a URL").1;
            let (credentials, address) =
                rest.split('/').next().unwrap_or(rest).rsplit_once('@').unwrap_or(("root", rest));
            let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
            let (host, port) = address.split_once(':').unwrap_or((address, "3306"));
            let mut c = Command::new("mysql");
            c.args(["-h", host, "-P", port, "-u", user]);
            if !password.is_empty() {
                c.arg(format!("--password={password}"));
            }
            c.args(database);
            c
        }
        Kind::Sqlite => {
            // Foreign keys enforced, as a careful owner would apply it (SQLite leaves them off by default).
            let mut c = Command::new("sqlite3");
            c.args(["-bail", "-cmd", "PRAGMA foreign_keys = ON"]).arg(sqlite.expect("a SQLite file"));
            c
        }
    };
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{kind:?}'s client: {e}"));
    use std::io::Write;
    child.stdin.take().expect("stdin").write_all(sql.as_bytes()).expect("client takes the SQL");
    let output = child.wait_with_output().expect("client ran");
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "{kind:?} client failed: {}\n{sql}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The type each engine declares for a kind of column.
fn types(kind: Kind) -> [&'static str; 9] {
    match kind {
        Kind::Postgres => [
            "varchar(10)",
            "integer",
            "text",
            "numeric(12,2)",
            "double precision",
            "boolean",
            "date",
            "timestamptz",
            "bytea",
        ],
        Kind::Mariadb => {
            ["varchar(10)", "int", "text", "decimal(12,2)", "double", "boolean", "date", "timestamp(6) NULL", "blob"]
        }
        Kind::Sqlite => {
            ["VARCHAR(10)", "INTEGER", "TEXT", "DECIMAL(12,2)", "REAL", "BOOLEAN", "DATE", "TIMESTAMPTZ", "BLOB"]
        }
    }
}

/// Bytes as each engine writes them.
fn bytes(kind: Kind, hex: &str) -> String {
    match kind {
        Kind::Postgres => format!("'\\x{hex}'::bytea"),
        _ => format!("X'{hex}'"),
    }
}

/// An instant as each engine writes it (MariaDB's session is in UTC).
fn instant(kind: Kind, utc: &str) -> String {
    match kind {
        Kind::Postgres => format!("'{utc}+00'"),
        Kind::Mariadb => format!("'{utc}'"),
        Kind::Sqlite => format!("'{utc}+00:00'"),
    }
}

/// `items`: keyed by (region, no) without a declared key, so that either side may repeat a key. Every category,
/// each documented: eu/1 matched; eu/2 missing; eu/3 mismatched in name and amount; eu/4 twice in the source
/// (the target holds one of the two); eu/5 twice in the source, not in the target; us/1 twice in the target (one
/// surplus copy); us/2 in the target once as in the source and once stale; us/3 twice on both sides, one row
/// differing; eu/9 and us/9 (twice) only in the target; a row with a NULL key, the same on both sides.
fn items(kind: Kind, target: bool) -> String {
    let [region, int, text, decimal, double, boolean, date, timestamp, blob] = types(kind);
    let mut rows = vec![
        format!(
            "('eu', 1, 'same', 1.50, 0.1, TRUE, '2024-01-01', {}, {})",
            instant(kind, "2024-01-01 10:00:00"),
            bytes(kind, "00ff")
        ),
        "('us', 2, 'kept', 7.00, 7.0, TRUE, NULL, NULL, NULL)".into(),
        "('us', 3, 'a', 8.00, 8.0, TRUE, NULL, NULL, NULL)".into(),
        "(NULL, 7, 'no key', 0, 0, FALSE, NULL, NULL, NULL)".into(),
        format!("('eu', 4, 'first', 4.00, 4.0, TRUE, '2024-01-04', {}, NULL)", instant(kind, "2024-01-04 00:00:00.5")),
        "('us', 1, 'copied', 6.00, 6.0, TRUE, NULL, NULL, NULL)".into(),
    ];
    if target {
        rows.extend([
            "('eu', 3, 'CHANGED', 3.10, -2.5, NULL, NULL, NULL, NULL)".to_string(),
            "('us', 1, 'copied', 6.00, 6.0, TRUE, NULL, NULL, NULL)".into(),
            "('us', 2, 'stale', 7.00, 7.0, TRUE, NULL, NULL, NULL)".into(),
            "('us', 3, 'c', 8.00, 8.0, TRUE, NULL, NULL, NULL)".into(),
            "('eu', 9, 'extra', 9.00, 9.0, FALSE, NULL, NULL, NULL)".into(),
            "('us', 9, 'extra twice', 9.00, 9.0, FALSE, NULL, NULL, NULL)".into(),
            "('us', 9, 'extra twice', 9.00, 9.0, FALSE, NULL, NULL, NULL)".into(),
        ]);
    } else {
        let twice = format!(
            "('eu', 5, 'twice', 5.00, 5.0, FALSE, '2024-01-05', {}, NULL)",
            instant(kind, "2024-01-05 00:00:00")
        );
        rows.extend([
            format!(
                "('eu', 2, 'missing', 2.50, 1e300, FALSE, '1999-12-31', {}, {})",
                instant(kind, "2024-02-29 23:59:59.999999"),
                bytes(kind, "")
            ),
            "('eu', 3, 'changed', 3.00, -2.5, NULL, NULL, NULL, NULL)".into(),
            format!(
                "('eu', 4, 'second', 4.10, 4.0, TRUE, '2024-01-04', {}, NULL)",
                instant(kind, "2024-01-04 00:00:00.5")
            ),
            twice.clone(),
            twice,
            "('us', 3, 'b', 8.00, 8.0, TRUE, NULL, NULL, NULL)".into(),
        ]);
    }
    format!(
        "CREATE TABLE items (region {region}, no {int}, name {text}, amount {decimal}, price {double}, active {boolean}, \
         born {date}, seen {timestamp}, data {blob});\nINSERT INTO items VALUES\n  {};\n",
        rows.join(",\n  ")
    )
}

/// `pairs`, compared keyless: the source holds x/1 three times, y/2 once and a row of NULLs; the target x/1 once,
/// y/2 twice, z/3 once and the same row of NULLs.
fn pairs(kind: Kind, target: bool) -> String {
    let [_, int, text, ..] = types(kind);
    let rows = match target {
        false => "('x', 1), ('x', 1), ('x', 1), ('y', 2), (NULL, NULL)",
        true => "('x', 1), ('y', 2), ('y', 2), ('z', 3), (NULL, NULL)",
    };
    format!("CREATE TABLE pairs (a {text}, b {int});\nINSERT INTO pairs VALUES {rows};\n")
}

/// `recon diff` with the JSON report on stdout.
fn diff(source: &str, target: &str, more: &[&str]) -> (Run, Value) {
    let mut args = vec!["diff", source, target, "--format", "json", "-q"];
    args.extend(more);
    let run = recon(&args);
    assert!(run.code == 0 || run.code == 1, "recon diff {source} {target}: {}", run.stderr);
    let report = run.json();
    (run, report)
}

fn counts(report: &Value) -> Vec<(String, u64)> {
    let summary = report["summary"].as_object().expect("a summary");
    summary.iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0))).collect()
}

/// The source's rows and the repaired copy's are the same multiset: equal fingerprints and row counts.
fn assert_same_rows(report: &Value) {
    assert_eq!(report["source"]["fingerprint"], report["target"]["fingerprint"], "{report:#}");
    assert_eq!(report["summary"]["source_rows"], report["summary"]["target_rows"]);
}

/// Every category repaired on one target engine, from a source on another.
fn every_category_is_repaired(source_kind: Kind, target_kind: Kind, name: &str) {
    let dir = scratch();
    let source = Place::new(source_kind, &format!("rp_{name}_src"), dir.path());
    let target = Place::new(target_kind, &format!("rp_{name}_tgt"), dir.path());
    source.load(&items(source_kind, false));
    let target_sql = items(target_kind, true);
    target.load(&target_sql);
    let script = dir.path().join("repair.sql");
    let key = ["--key", "region,no", "--repair-sql", path(&script)];
    let (run, before) = diff(&source.location(Some("items")), &target.location(Some("items")), &key);
    assert_eq!(run.code, 1);
    let expected_before = [
        ("source_rows", 12),
        ("target_rows", 13),
        ("matched", 1),
        ("missing_in_target", 2),
        ("extra_in_target", 2),
        ("mismatched", 1),
        ("duplicate_keys_source", 3),
        ("duplicate_keys_target", 4),
        ("null_keys_source", 1),
        ("null_keys_target", 1),
    ];
    let expected_before: Vec<(String, u64)> = expected_before.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    assert_eq!(counts(&before), expected_before);
    let text = std::fs::read_to_string(&script).unwrap();
    // Only the differing columns of the mismatched row are set.
    let update: Vec<&str> = text.lines().filter(|l| l.starts_with("UPDATE")).collect();
    assert_eq!(update.len(), 1, "{text}");
    let quote = if target_kind == Kind::Mariadb { '`' } else { '"' };
    let set = update[0].split(" WHERE ").next().unwrap();
    assert!(set.ends_with(&format!("SET {quote}name{quote} = 'changed', {quote}amount{quote} = 3.00")), "{set}");
    assert!(
        text.contains("left alone: rows with a NULL key part, never matched by key (1 in the source, 1 in the target)")
    );

    let copy = target.copy_repaired(&target_sql, &script);
    let (run, after) = diff(&source.location(Some("items")), &copy.location(Some("items")), &["--key", "region,no"]);
    assert_eq!(run.code, 1, "the source's own duplicates remain: {}", run.stdout);
    assert_same_rows(&after);
    let summary = &after["summary"];
    for (category, count) in [
        ("matched", 5),
        ("missing_in_target", 0),
        ("extra_in_target", 0),
        ("mismatched", 0),
        ("duplicate_keys_source", 3),
        ("duplicate_keys_target", 3),
        ("null_keys_target", 1),
    ] {
        assert_eq!(summary[category], count, "{category}: {summary}");
    }

    // Keyless: surplus copies inserted and deleted until both hold the same multiset of rows.
    source.load(&pairs(source_kind, false));
    let target_sql = pairs(target_kind, true);
    target.load(&target_sql);
    let keyless = ["--keyless", "--repair-sql", path(&script)];
    let (_, before) = diff(&source.location(Some("pairs")), &target.location(Some("pairs")), &keyless);
    assert_eq!(
        (&before["summary"]["missing_in_target"], &before["summary"]["extra_in_target"]),
        (&2.into(), &2.into())
    );
    let copy = target.copy_repaired(&target_sql, &script);
    let (run, after) = diff(&source.location(Some("pairs")), &copy.location(Some("pairs")), &["--keyless"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_same_rows(&after);
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_postgres_target_repaired_from_mariadb_equals_it() {
    let _serial = serial();
    every_category_is_repaired(Kind::Mariadb, Kind::Postgres, "pg");
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_mariadb_target_repaired_from_postgres_equals_it() {
    let _serial = serial();
    every_category_is_repaired(Kind::Postgres, Kind::Mariadb, "my");
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn a_sqlite_target_repaired_from_postgres_equals_it() {
    let _serial = serial();
    every_category_is_repaired(Kind::Postgres, Kind::Sqlite, "lite");
}

/// `customers` ← `orders` ← `order_lines`, by foreign keys, with identity (PostgreSQL), AUTO_INCREMENT (MariaDB) or
/// AUTOINCREMENT (SQLite) ids. The source holds customers 1–3, orders 10 (of 1), 20 and 30 (of 3), and lines of
/// each order; the target lacks customer 3 and order 30 with its two lines, has order 20 under customer 2, and
/// holds customer 9 with order 90 and its line, which the source does not.
fn shop(kind: Kind, target: bool) -> String {
    let (id, overriding) = match kind {
        Kind::Postgres => ("integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY", " OVERRIDING SYSTEM VALUE"),
        Kind::Mariadb => ("int AUTO_INCREMENT PRIMARY KEY", ""),
        Kind::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", ""),
    };
    let (customers, orders, lines) = match target {
        false => (
            "(1, 'Ann'), (2, 'Bob'), (3, 'Cy')",
            "(10, 1, 10.00), (20, 3, 20.00), (30, 3, 30.00)",
            "(10, 1, 'pen'), (20, 1, 'ink'), (30, 1, 'pad'), (30, 2, 'cap')",
        ),
        true => (
            "(1, 'Ann'), (2, 'Bob'), (9, 'Old')",
            "(10, 1, 10.00), (20, 2, 20.00), (90, 9, 90.00)",
            "(10, 1, 'pen'), (20, 1, 'ink'), (90, 1, 'old')",
        ),
    };
    format!(
        "CREATE TABLE customers (id {id}, name text);
CREATE TABLE orders (id {id}, customer_id integer NOT NULL REFERENCES customers (id), total decimal(10,2));
CREATE TABLE order_lines (order_id integer NOT NULL REFERENCES orders (id), line integer NOT NULL, item text,
                          PRIMARY KEY (order_id, line));
INSERT INTO customers (id, name){overriding} VALUES {customers};
INSERT INTO orders (id, customer_id, total){overriding} VALUES {orders};
INSERT INTO order_lines VALUES {lines};
"
    )
}

/// Runs `recon audit` with the JSON report on stdout.
fn audit(args: &[&str]) -> (Run, Value) {
    let mut all = vec!["audit"];
    all.extend(args);
    all.extend(["--format", "json", "-q"]);
    let run = recon(&all);
    assert!(run.code == 0 || run.code == 1, "recon audit: {}", run.stderr);
    let report = run.json();
    (run, report)
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    let tables = report["tables"].as_array().expect("tables");
    tables
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_string(), t["status"].as_str().unwrap().to_string()))
        .collect()
}

/// Where in the script a comment line first appears.
fn at(text: &str, line: &str) -> usize {
    text.find(&format!("\n{line}\n")).unwrap_or_else(|| panic!("no {line:?} in:\n{text}"))
}

/// An audit of the related tables repaired in one script, in foreign-key order; the copy then passes, and takes
/// new rows without an id clash (its identity, AUTO_INCREMENT or AUTOINCREMENT counter is past the inserted ids).
fn related_tables_are_repaired(source_kind: Kind, target_kind: Kind, name: &str) {
    let dir = scratch();
    let source = Place::new(source_kind, &format!("rp_{name}_shop_src"), dir.path());
    let target = Place::new(target_kind, &format!("rp_{name}_shop_tgt"), dir.path());
    source.load(&shop(source_kind, false));
    let target_sql = shop(target_kind, true);
    target.load(&target_sql);
    let script = dir.path().join("repair.sql");
    let (run, _) = audit(&[&source.location(None), &target.location(None), "--repair-sql", path(&script)]);
    assert_eq!(run.code, 1);
    let text = std::fs::read_to_string(&script).unwrap();
    // Parents are inserted first; the changed order is moved to customer 3 once it exists; children go first.
    assert!(at(&text, "-- insert customers") < at(&text, "-- insert orders"), "{text}");
    assert!(at(&text, "-- insert orders") < at(&text, "-- insert order_lines"));
    assert!(at(&text, "-- insert order_lines") < at(&text, "-- update orders"));
    assert!(at(&text, "-- update orders") < at(&text, "-- delete order_lines"));
    assert!(at(&text, "-- delete order_lines") < at(&text, "-- delete orders"));
    assert!(at(&text, "-- delete orders") < at(&text, "-- delete customers"));
    if target_kind == Kind::Postgres {
        assert!(text.contains("OVERRIDING SYSTEM VALUE VALUES"), "{text}");
        assert!(text.contains("SELECT pg_catalog.setval("), "{text}");
    }

    let copy = target.copy_repaired(&target_sql, &script);
    let (run, after) = audit(&[&source.location(None), &copy.location(None)]);
    assert_eq!(run.code, 0, "{after:#}");
    let passed: Vec<(String, String)> =
        ["customers", "order_lines", "orders"].iter().map(|t| (t.to_string(), "pass".to_string())).collect();
    assert_eq!(statuses(&after), passed);
    let database = (copy.kind == Kind::Mariadb).then_some(copy.name.as_str());
    let schema = match copy.kind {
        Kind::Postgres => format!("SET search_path = {};", copy.name),
        _ => String::new(),
    };
    let file = (copy.kind == Kind::Sqlite).then(|| copy.file());
    client_in(copy.kind, file.as_deref(), database, &format!("{schema} INSERT INTO customers (name) VALUES ('New');"));
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn an_audit_of_related_postgres_tables_is_repaired_in_foreign_key_order() {
    let _serial = serial();
    related_tables_are_repaired(Kind::Postgres, Kind::Postgres, "pg");
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn an_audit_of_related_mariadb_tables_is_repaired_in_foreign_key_order() {
    let _serial = serial();
    related_tables_are_repaired(Kind::Postgres, Kind::Mariadb, "my");
}

#[test]
fn an_audit_of_related_sqlite_tables_is_repaired_in_foreign_key_order() {
    related_tables_are_repaired(Kind::Sqlite, Kind::Sqlite, "lite");
}

/// Text as each engine reads it from its UTF-8 bytes: the fixtures hold no literal a quoting bug could share.
fn text(kind: Kind, value: &str) -> String {
    let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
    match kind {
        Kind::Postgres => format!("convert_from('\\x{hex}'::bytea, 'UTF8')"),
        Kind::Mariadb => format!("CONVERT(X'{hex}' USING utf8mb4)"),
        Kind::Sqlite => format!("CAST(X'{hex}' AS TEXT)"),
    }
}

/// Strings that break naive quoting: quotes, backslashes (MariaDB's default sql_mode reads them as escapes),
/// comment and statement markers, control characters, Unicode beyond the BMP, combining marks, right-to-left
/// text, separators a line reader may split on, a byte-order mark, the empty string and the word NULL.
const NASTY: [&str; 20] = [
    "O'Brien",
    "''",
    "\\",
    "\\'",
    "C:\\dir\\",
    "a\\nb",
    "\"double\" `tick`",
    "semi; -- not a comment /* nor this */",
    "line\nbreak",
    "tab\there",
    "cr\rhere",
    "bell\u{7}",
    "🎉 emoji",
    "e\u{301} combining",
    "שלום",
    "\u{2028}sep",
    "\u{feff}bom",
    "",
    "NULL",
    "%_% ? $1 :x",
];

/// One torture row: its values as an engine's literals (text and bytes by their bytes).
fn torture_row(kind: Kind, i: usize, t: &str, extreme: bool) -> String {
    let bytes_of = |i: usize| -> String {
        let all: Vec<u8> = if i == 0 { (0..=255).collect() } else { [NASTY[i].as_bytes(), &[0, 255]].concat() };
        all.iter().map(|b| format!("{b:02x}")).collect()
    };
    let n = match i % 4 {
        0 if extreme => "9999999999999999999999999999.9999999999",
        0 => "99999.9999999999",
        1 => "-0.0000000001",
        2 => "0",
        _ => "12345.6789",
    };
    let f =
        ["1.7976931348623157e308", "-1.5e-300", "2.2250738585072014e-308", "-0.0", "0.30000000000000004", "2.0"][i % 6];
    // 32-bit floats, written as the doubles that hold them exactly (a 64-bit column holds just that).
    let r = ["3.4028234663852886e38", "1.100000023841858", "-0.0", "1.1754943508222875e-38"][i % 4];
    let float = |v: &str| match kind {
        Kind::Postgres => format!("'{v}'"),
        Kind::Mariadb if v.contains('e') => v.to_string(),
        Kind::Mariadb => format!("{v}e0"),
        Kind::Sqlite => v.to_string(),
    };
    let ts =
        ["1000-01-01 00:00:00.000001", "9999-12-31 23:59:59.999999", "1970-01-01 00:00:00", "2024-02-29 12:34:56.5"]
            [i % 4];
    let d = ["1000-01-01", "9999-12-31", "2024-02-29", "1970-01-01"][i % 4];
    format!(
        "({}, {i}, {}, {}, {n}, {}, {}, {}, '{d}')",
        text(kind, NASTY[i]),
        text(kind, t),
        bytes(kind, &bytes_of(i)),
        float(f),
        float(r),
        instant(kind, ts)
    )
}

/// `torture`, keyed by (k, id): every string of [`NASTY`] as a key and a value, bytes 0–255, numbers at their
/// types' edges, timestamps at the ends of their range (and one written at +05:30 in the source). The target
/// holds row 0 with other text (an UPDATE), row 3 twice (a surplus copy matched on every column), an extra row
/// keyed by nasty text, and lacks every other row.
fn torture(kind: Kind, target: bool, extreme: bool) -> String {
    let types = match kind {
        Kind::Postgres => {
            "k text, id integer, t text, b bytea, n numeric(38,10), f double precision, r real, ts timestamptz, d date"
        }
        Kind::Mariadb => {
            "k varchar(100), id int, t text, b blob, n decimal(38,10), f double, r float, ts datetime(6) NULL, d date"
        }
        Kind::Sqlite => "k TEXT, id INTEGER, t TEXT, b BLOB, n DECIMAL(38,10), f REAL, r REAL, ts TIMESTAMPTZ, d DATE",
    };
    let mut rows: Vec<String> = Vec::new();
    if target {
        rows.push(torture_row(kind, 0, "was other text", extreme));
        rows.push(torture_row(kind, 3, NASTY[4], extreme));
        rows.push(torture_row(kind, 3, NASTY[4], extreme));
        rows.push(format!("({}, 99, NULL, NULL, NULL, NULL, NULL, NULL, NULL)", text(kind, "O'Brien\\ extra\r")));
    } else {
        rows.extend((0..NASTY.len()).map(|i| torture_row(kind, i, NASTY[(i + 1) % NASTY.len()], extreme)));
        rows.push(format!("({}, 98, NULL, NULL, NULL, NULL, NULL, NULL, NULL)", text(kind, "all NULL")));
        if kind == Kind::Postgres {
            rows.push(format!(
                "({}, 97, NULL, NULL, NULL, NULL, NULL, '2024-03-10 02:30:00+05:30', NULL)",
                text(kind, "zone")
            ));
        }
    }
    format!("CREATE TABLE torture ({types});\nINSERT INTO torture VALUES\n  {};\n", rows.join(",\n  "))
}

/// The torture table repaired from PostgreSQL into `target_kind`: zero differences after.
fn torture_survives(target_kind: Kind, name: &str, special_floats: bool) {
    let dir = scratch();
    let source = Place::new(Kind::Postgres, &format!("rp_{name}_torture_src"), dir.path());
    let target = Place::new(target_kind, &format!("rp_{name}_torture_tgt"), dir.path());
    let extreme = target_kind != Kind::Sqlite; // SQLite keeps 15 significant digits of a decimal
    let mut source_sql = torture(Kind::Postgres, false, extreme);
    if special_floats {
        source_sql.push_str(
            "INSERT INTO torture (k, id, f, r) VALUES ('nan', 1, 'NaN', 'NaN'), ('inf', 2, 'Infinity', '-Infinity');\n",
        );
    }
    source.load(&source_sql);
    let target_sql = torture(target_kind, true, extreme);
    target.load(&target_sql);
    let script = dir.path().join("repair.sql");
    let key = ["--key", "k,id"];
    let mut first = key.to_vec();
    first.extend(["--repair-sql", path(&script)]);
    let (_, before) = diff(&source.location(Some("torture")), &target.location(Some("torture")), &first);
    let summary = &before["summary"];
    let extra_rows = if special_floats { 2 } else { 0 };
    assert_eq!(summary["missing_in_target"], 20 + extra_rows, "{summary}");
    assert_eq!((&summary["extra_in_target"], &summary["mismatched"]), (&1.into(), &1.into()), "{summary}");
    assert_eq!(summary["duplicate_keys_target"], 1);
    let text = std::fs::read_to_string(&script).unwrap();
    assert_eq!(text.lines().filter(|l| l.starts_with("UPDATE")).count(), 1, "{text}");
    assert!(text.contains("LIMIT 1"), "the surplus copy of row 3 is found by every column:\n{text}");
    let copy = target.copy_repaired(&target_sql, &script);
    let (run, after) = diff(&source.location(Some("torture")), &copy.location(Some("torture")), &key);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, std::fs::read_to_string(&script).unwrap());
    assert_same_rows(&after);
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn quotes_backslashes_binary_unicode_and_extreme_numbers_survive_into_postgres() {
    let _serial = serial();
    torture_survives(Kind::Postgres, "pg", true);
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn quotes_backslashes_binary_unicode_and_extreme_numbers_survive_into_mariadb() {
    let _serial = serial();
    torture_survives(Kind::Mariadb, "my", false);
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn quotes_backslashes_binary_unicode_and_extreme_numbers_survive_into_sqlite() {
    let _serial = serial();
    torture_survives(Kind::Sqlite, "lite", false);
}

/// Runs recon expecting exit 2 before any row is read (recon logs "read and hashed" once it has read both sides),
/// with `reason` in the message, and no script written.
fn assert_refused(args: &[&str], script: &Path, reason: &str) {
    let run = recon(args);
    assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(reason), "{args:?}: expected {reason:?} in:\n{}", run.stderr);
    assert!(!run.stderr.contains("read and hashed"), "{args:?} read rows before refusing:\n{}", run.stderr);
    assert!(!script.exists(), "{args:?} wrote {}", script.display());
}

#[test]
fn what_cannot_be_repaired_exactly_is_refused_before_a_row_is_read() {
    let dir = scratch();
    let source = Place::new(Kind::Sqlite, "refused_src", dir.path());
    source.load("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b');");
    let target = Place::new(Kind::Sqlite, "refused_tgt", dir.path());
    target.load("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, note TEXT); INSERT INTO t VALUES (1, 'A', 'x');");
    let script = dir.path().join("repair.sql");
    let (s, t) = (source.location(Some("t")), target.location(Some("t")));
    let equating = [
        (&["--trim"][..], "--trim"),
        (&["--ignore-case"], "--ignore-case"),
        (&["--unicode-nfc"], "--unicode-nfc"),
        (&["--empty-as-null"], "--empty-as-null"),
        (&["--float-abs-tol", "0.1"], "--float-abs-tol"),
        (&["--float-rel-tol", "0.1"], "--float-rel-tol"),
        (&["--decimal-abs-tol", "0.01"], "--decimal-abs-tol"),
        (&["--source-tz", "Europe/Paris"], "--source-tz"),
        (&["--target-tz", "UTC"], "--target-tz"),
        (&["--timestamp-precision", "ms"], "--timestamp-precision"),
    ];
    for (options, option) in equating {
        let mut args = vec!["diff", &s, &t, "--repair-sql", path(&script)];
        args.extend(options);
        let reason = format!("--repair-sql: {option} counts different values as equal");
        assert_refused(&args, &script, &reason);
    }
    let refused = [
        (&["--sample", "50%"][..], "--repair-sql: --sample compares some keys only"),
        (&["--redact"], "--repair-sql: --redact hides every value from every output"),
        (&["--keyless"], "keyless rows are told apart by every column, and the target's column note is not compared"),
    ];
    for (options, reason) in refused {
        let mut args = vec!["diff", &s, &t, "--repair-sql", path(&script)];
        args.extend(options);
        assert_refused(&args, &script, reason);
    }

    // Files as the target: --diff-out is the answer there.
    let files = ["diff", "fixtures/orders/legacy.parquet", "fixtures/orders/new/", "--key", "order_id"];
    let mut args = files.to_vec();
    args.extend(["--repair-sql", path(&script)]);
    assert_refused(&args, &script, "the target is parquet files: a script writes to a database table (--diff-out DIR");

    // A source value no SQL literal can hold (a list), even in a column left out of the comparison.
    use arrow::array::{ArrayRef, Int64Array, ListArray, RecordBatch};
    let ids: ArrayRef = std::sync::Arc::new(Int64Array::from(vec![1, 2]));
    let tags: ArrayRef =
        std::sync::Arc::new(ListArray::from_iter_primitive::<arrow::datatypes::Int32Type, _, _>(vec![
            Some(vec![Some(1)]),
            None,
        ]));
    let batch = RecordBatch::try_from_iter([("id", ids), ("name", tags)]).unwrap();
    let lists = dir.path().join("lists.parquet");
    crate::util::files::write_parquet(&lists, &batch);
    let args = ["diff", path(&lists), &t, "--key", "id", "--exclude", "name", "--repair-sql", path(&script)];
    assert_refused(&args, &script, "column name (List(");

    // An audit refuses at once what no table could be repaired under; a directory target, likewise.
    let (s, t) = (source.location(None), target.location(None));
    let audit = ["audit", &s, &t, "--repair-sql", path(&script)];
    assert_refused(
        &[&audit[..], &["--trim"]].concat(),
        &script,
        "--repair-sql: --trim counts different values as equal",
    );
    let exports = dir.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    let to_files = ["audit", &s, path(&exports), "--repair-sql", path(&script)];
    assert_refused(&to_files, &script, "is a directory of files: a script writes to database tables");
}

/// A table whose `[[table]]` entry counts different values as equal is left out of an audit's script, named
/// with the reason; the other tables are repaired.
#[test]
fn an_audit_leaves_out_the_table_it_cannot_repair_and_says_why() {
    let dir = scratch();
    let shop = |target: bool| {
        let note = if target { "'  draft '" } else { "'draft'" };
        shop(Kind::Sqlite, target)
            + &format!(
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, {note});\n"
            )
    };
    let source = Place::new(Kind::Sqlite, "left_src", dir.path());
    source.load(&shop(false));
    let target = Place::new(Kind::Sqlite, "left_tgt", dir.path());
    let target_sql = shop(true);
    target.load(&target_sql);
    let config = dir.path().join("audit.toml");
    let (s, t) = (source.location(None), target.location(None));
    let toml =
        format!("[source]\nurl = \"{s}\"\n[target]\nurl = \"{t}\"\n[[table]]\nsource = \"notes\"\ntrim = true\n");
    std::fs::write(&config, toml).unwrap();
    let script = dir.path().join("repair.sql");
    let (run, _) = audit(&[path(&config), "--repair-sql", path(&script)]);
    assert_eq!(run.code, 1);
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.contains("-- NOT REPAIRED: notes: --trim counts different values as equal"), "{text}");
    let copy = target.copy_repaired(&target_sql, &script);
    let (_, after) = audit(&[&s, &copy.location(None)]);
    let expected: Vec<(String, String)> =
        [("customers", "pass"), ("notes", "fail"), ("order_lines", "pass"), ("orders", "pass")]
            .iter()
            .map(|(t, s)| (t.to_string(), s.to_string()))
            .collect();
    assert_eq!(statuses(&after), expected);
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn values_the_target_cannot_hold_and_columns_recon_cannot_read_are_refused() {
    let _serial = serial();
    let dir = scratch();
    let script = dir.path().join("repair.sql");
    let source = Place::new(Kind::Postgres, "rp_refused_src", dir.path());
    source.load(
        "CREATE TABLE t (id integer PRIMARY KEY, f double precision, span int4range);
                 INSERT INTO t VALUES (1, 'NaN', '[1,2)');",
    );
    let target = Place::new(Kind::Mariadb, "rp_refused_tgt", dir.path());
    target.load("CREATE TABLE t (id int PRIMARY KEY, f double, span text);");
    let (s, t) = (source.location(Some("t")), target.location(Some("t")));
    // A range column is left out of the comparison, but an inserted row would lack it.
    let args = ["diff", &s, &t, "--exclude", "span", "--repair-sql", path(&script)];
    assert_refused(
        &args,
        &script,
        "column span (PostgreSQL type int4range (a range)) cannot be read: inserted rows would lack it",
    );
    // NaN has no place in MariaDB: the comparison stands (its verdict printed), the script is not written.
    client(Kind::Postgres, None, "ALTER TABLE rp_refused_src.t DROP COLUMN span;");
    client_in(Kind::Mariadb, None, Some("rp_refused_tgt"), "ALTER TABLE t DROP COLUMN span;");
    let run = recon(&["diff", &s, &t, "--repair-sql", path(&script)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.contains("NOT RECONCILED"), "{}", run.stdout);
    assert!(run.stderr.contains("--repair-sql: column f: MySQL and MariaDB cannot store NaN"), "{}", run.stderr);
    assert!(!script.exists());
}

/// `nul`: text holding NUL characters (which PostgreSQL text cannot), in keys and values. The target holds key
/// `plain` with another value and an extra key ending in NUL.
fn nul(kind: Kind, target: bool) -> String {
    let [_, int, ..] = types(kind);
    let rows = match target {
        false => format!("({}, 1, {}), ('plain', 2, {})", text(kind, "a\0b"), text(kind, "x\0y"), text(kind, "\0")),
        true => format!("('plain', 2, 'other'), ({}, 3, NULL)", text(kind, "z\0")),
    };
    let key = if kind == Kind::Mariadb { "varchar(10)" } else { "TEXT" };
    format!("CREATE TABLE nul (k {key}, id {int}, t text);\nINSERT INTO nul VALUES {rows};\n")
}

fn nul_survives(target_kind: Kind, name: &str) {
    let dir = scratch();
    let source = Place::new(Kind::Sqlite, &format!("rp_{name}_nul_src"), dir.path());
    source.load(&nul(Kind::Sqlite, false));
    let target = Place::new(target_kind, &format!("rp_{name}_nul_tgt"), dir.path());
    let target_sql = nul(target_kind, true);
    target.load(&target_sql);
    let script = dir.path().join("repair.sql");
    let (s, t) = (source.location(Some("nul")), target.location(Some("nul")));
    let (_, before) = diff(&s, &t, &["--key", "k,id", "--repair-sql", path(&script)]);
    let summary = &before["summary"];
    assert_eq!([&summary["missing_in_target"], &summary["extra_in_target"], &summary["mismatched"]], [1, 1, 1]);
    let copy = target.copy_repaired(&target_sql, &script);
    let (run, after) = diff(&s, &copy.location(Some("nul")), &["--key", "k,id"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_same_rows(&after);
}

#[test]
fn nul_characters_survive_into_sqlite() {
    nul_survives(Kind::Sqlite, "lite");
}

#[test]
#[cfg_attr(not(recon_mysql), ignore = "needs MariaDB or MySQL: set RECON_TEST_MYSQL_URL")]
fn nul_characters_survive_into_mariadb() {
    let _serial = serial();
    nul_survives(Kind::Mariadb, "my");
}

/// A Parquet source of `(region, no, name, amount)` rows, amount in cents as decimal(12,2).
fn parquet_items(path: &Path, rows: &[(&str, i64, &str, i128)]) {
    use arrow::array::{ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let regions: ArrayRef = Arc::new(StringArray::from(rows.iter().map(|r| r.0).collect::<Vec<_>>()));
    let names: ArrayRef = Arc::new(StringArray::from(rows.iter().map(|r| r.2).collect::<Vec<_>>()));
    let numbers: ArrayRef = Arc::new(Int64Array::from(rows.iter().map(|r| r.1).collect::<Vec<_>>()));
    let cents = Decimal128Array::from(rows.iter().map(|r| r.3).collect::<Vec<_>>()).with_precision_and_scale(12, 2);
    let amounts: ArrayRef = Arc::new(cents.unwrap());
    let batch =
        RecordBatch::try_from_iter([("region", regions), ("no", numbers), ("name", names), ("amount", amounts)])
            .unwrap();
    crate::util::files::write_parquet(path, &batch);
}

/// Files as the source: rows found again by position when each finding's key has one row there, by a full read
/// of the files when a key repeats; either way the SQLite target ends equal to them.
#[test]
fn a_parquet_source_repairs_a_sqlite_target() {
    let dir = scratch();
    let target_sql = "CREATE TABLE items (region TEXT, no INTEGER, name TEXT, amount DECIMAL(12,2));
INSERT INTO items VALUES ('eu', 1, 'same', 1.50), ('eu', 3, 'CHANGED', 3.10), ('eu', 9, 'extra', 9.00),
                         ('us', 1, 'copied', 6.00), ('us', 1, 'copied', 6.00);\n";
    let target = Place::new(Kind::Sqlite, "parquet_tgt", dir.path());
    let single = [
        ("eu", 1, "same", 150),
        ("eu", 2, "O'Brien \\ missing", 250),
        ("eu", 3, "changed", 300),
        ("us", 1, "copied", 600),
    ];
    let repeated =
        [&single[..], &[("eu", 2, "O'Brien \\ missing", 250), ("eu", 4, "twice", 400), ("eu", 4, "twice", 400)]]
            .concat();
    for (name, rows, duplicated) in [("single", &single[..], 0), ("repeated", &repeated[..], 2)] {
        let source = dir.path().join(format!("{name}.parquet"));
        parquet_items(&source, rows);
        target.load(target_sql);
        let script = dir.path().join(format!("{name}.sql"));
        let (s, t) = (path(&source), target.location(Some("items")));
        let (_, before) = diff(s, &t, &["--key", "region,no", "--repair-sql", path(&script)]);
        assert_eq!(before["summary"]["mismatched"], 1, "{name}");
        let copy = target.copy_repaired(target_sql, &script);
        let (_, after) = diff(s, &copy.location(Some("items")), &["--key", "region,no"]);
        assert_same_rows(&after);
        let summary = &after["summary"];
        assert_eq!([&summary["missing_in_target"], &summary["extra_in_target"], &summary["mismatched"]], [0, 0, 0]);
        assert_eq!([&summary["duplicate_keys_source"], &summary["duplicate_keys_target"]], [duplicated, duplicated]);
    }
}
