//! Catalogs of whole databases on the real servers, through the library (`recon audit` is built on them): the
//! tables of a PostgreSQL schema, a MariaDB database and a SQLite file with exactly their keys, constraints and
//! sequences (a partitioned table once, views never, a nullable unique index never a key, a sequence behind its
//! column found); one table's keys for `recon diff` without `--key`; and every PostgreSQL table of a side read
//! in the catalog's one snapshot.
//!
//! Each test builds its own schema (`recon_catalog_test`, `recon_catalog_snapshot`) or file, so it never meets
//! another test's tables; they hold the database tests' lock all the same, as those count the servers' writes.

use recon::location::Location;
use recon::source::catalog::Catalog;
use recon::source::{Dataset, DbOptions, OpenOptions};
use serde_json::{json, Value};
use sqlx::{Connection, Executor};

use crate::util::db::{
    block_on, mysql, mysql_writes, pg_writes, postgres, serial, server, with_database, with_password,
};
use crate::util::scratch;

/// A location as a test writes it.
fn at(text: &str) -> Location {
    Location::parse(text).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

/// Each table of a catalog as JSON, the location with its base URL written `URL`: what the tests compare.
fn described(catalog: &Catalog, base: &str) -> Value {
    let tables: Vec<Value> = catalog
        .tables
        .iter()
        .map(|t| {
            json!({
                "name": t.name,
                "location": t.location.as_given().replacen(base, "URL", 1),
                "size": t.size,
                "keys": t.keys,
                "constraints": t.constraints,
                "sequences": t.sequences,
            })
        })
        .collect();
    Value::Array(tables)
}

/// Every table's location opens it (a dotted name too), with as many rows as the catalog says, and the table
/// alone declares the keys the catalog found for it, and estimates its rows as the catalog did (progress lines'
/// totals; SQLite keeps no estimate, its catalog counts).
fn opens_every_table(catalog: &Catalog, runtime: &tokio::runtime::Runtime) {
    for table in &catalog.tables {
        let dataset = Dataset::open(&table.location, &OpenOptions::default(), runtime.handle()).unwrap();
        assert_eq!(dataset.count_rows().unwrap(), Some(table.size), "{}", table.name);
        assert_eq!(dataset.keys().unwrap(), table.keys, "{}", table.name);
        let estimate = (catalog.kind.name() != "sqlite").then_some(table.size);
        assert_eq!(dataset.estimate_rows(), estimate, "{}", table.name);
    }
    columns_read_alike(catalog, runtime.handle());
}

/// A table opened with the columns its catalog read (as an audit opens it) is typed exactly as the table
/// opened by itself: the same Arrow types, declared types, fraction digits and cuts.
pub(crate) fn columns_read_alike(catalog: &Catalog, runtime: &tokio::runtime::Handle) {
    for table in &catalog.tables {
        let alone = Dataset::open(&table.location, &OpenOptions::default(), runtime).unwrap();
        let mut options = OpenOptions::default();
        options.db.columns = table.columns.clone();
        let with_catalog = Dataset::open(&table.location, &options, runtime).unwrap();
        assert_eq!(with_catalog.schema, alone.schema, "{}", table.name);
    }
}

/// A table with nothing declared.
fn bare(name: &str, location: &str, size: u64) -> Value {
    json!({"name": name, "location": location, "size": size,
           "keys": {"primary_key": null, "unique": []},
           "constraints": {"not_null": [], "unique": [], "foreign_keys": []}, "sequences": []})
}

const PG_SCHEMA: &[&str] = &[
    "DROP SCHEMA IF EXISTS recon_catalog_test CASCADE",
    "CREATE SCHEMA recon_catalog_test",
    "SET search_path = recon_catalog_test",
    "CREATE TABLE orders (id serial PRIMARY KEY, customer text NOT NULL, placed date)",
    "CREATE TABLE order_lines (order_id int NOT NULL REFERENCES orders (id), line_no int NOT NULL, \
     product text NOT NULL, qty int, PRIMARY KEY (order_id, line_no))",
    "CREATE TABLE products (sku text NOT NULL, code text NOT NULL, name text, barcode text, \
     CONSTRAINT products_code_key UNIQUE (code) INCLUDE (name))",
    "CREATE UNIQUE INDEX products_sku ON products (sku)",
    "CREATE UNIQUE INDEX products_barcode ON products (barcode)",
    "CREATE UNIQUE INDEX products_named ON products (name) WHERE name IS NOT NULL",
    "CREATE UNIQUE INDEX products_lower_sku ON products (lower(sku))",
    "CREATE TABLE events_log (n bigint GENERATED ALWAYS AS IDENTITY, at timestamp, message text)",
    "CREATE TABLE measurements (id bigserial, taken_on date NOT NULL, value numeric, PRIMARY KEY (id, taken_on)) \
     PARTITION BY RANGE (taken_on)",
    "CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    "CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    r#"CREATE TABLE "odd.name" (v int)"#,
    "CREATE VIEW order_totals AS SELECT order_id, sum(qty) AS total FROM order_lines GROUP BY order_id",
    // Three ids from the sequence, then two given explicitly past it: the sequence is behind max(id).
    "INSERT INTO orders (customer) VALUES ('a'), ('b'), ('c')",
    "INSERT INTO orders (id, customer) VALUES (10, 'd'), (11, 'e')",
    "INSERT INTO order_lines VALUES (1, 1, 'x', 1), (1, 2, 'y', 2), (10, 1, 'z', 3)",
    "INSERT INTO products VALUES ('s1', 'c1', 'n1', NULL), ('s2', 'c2', NULL, NULL)",
    "INSERT INTO events_log (at, message) VALUES ('2024-01-01', 'a'), ('2024-01-01', 'a')",
    "INSERT INTO measurements (taken_on, value) VALUES ('2024-05-01', 1), ('2025-05-01', 2), ('2025-06-01', 3)",
    r#"INSERT INTO "odd.name" VALUES (1)"#,
    // Exact row estimates, so that sizes can be compared.
    "ANALYZE orders, order_lines, products, events_log, measurements, \"odd.name\"",
];

fn products_keys(unique: &[(&str, &str)]) -> Value {
    let mut unique = unique.to_vec();
    unique.sort();
    let unique: Vec<Value> = unique.iter().map(|(name, column)| json!({"name": name, "columns": [column]})).collect();
    Value::Array(unique)
}

/// How an engine names what the test schemas declare alike.
struct Names {
    /// What a table's location is, `URL` standing for the catalog's URL, before the table's name.
    location: &'static str,
    /// The primary key's name, given the table's.
    primary_key: fn(&str) -> String,
    /// The name of the foreign key of order_lines, and of the unique constraint of products.code.
    foreign_key: &'static str,
    code_key: &'static str,
    /// The name of the sequence of orders.id, and its next value.
    orders_sequence: (&'static str, i64),
}

/// The tables every engine's test schema has: order_lines (a composite primary key and a foreign key), orders
/// (a sequence behind max(id) where the engine allows it: at 4 against 11) and products (no primary key; unique
/// indexes over NOT NULL columns, and one over a nullable column that is no key).
fn shared_tables(names: &Names) -> [Value; 3] {
    let location = |table: &str| format!("{}{table}", names.location);
    let primary = |table: &str, columns: &[&str]| json!([{"name": (names.primary_key)(table), "columns": columns}]);
    let (sequence, next) = names.orders_sequence;
    [
        json!({"name": "order_lines", "location": location("order_lines"), "size": 3,
               "keys": {"primary_key": ["order_id", "line_no"], "unique": []},
               "constraints": {"not_null": ["order_id", "line_no", "product"],
                               "unique": primary("order_lines", &["order_id", "line_no"]),
                               "foreign_keys": [{"name": names.foreign_key, "columns": ["order_id"],
                                                 "referenced_table": "orders", "referenced_columns": ["id"]}]},
               "sequences": []}),
        json!({"name": "orders", "location": location("orders"), "size": 5,
               "keys": {"primary_key": ["id"], "unique": []},
               "constraints": {"not_null": ["id", "customer"], "unique": primary("orders", &["id"]), "foreign_keys": []},
               "sequences": [{"column": "id", "name": sequence, "next_value": next, "max_value": 11}]}),
        json!({"name": "products", "location": location("products"), "size": 2,
               "keys": {"primary_key": null, "unique": products_keys(&[(names.code_key, "code"), ("products_sku", "sku")])},
               "constraints": {"not_null": ["sku", "code"],
                               "unique": products_keys(&[("products_barcode", "barcode"), (names.code_key, "code"),
                                                         ("products_sku", "sku")]),
                               "foreign_keys": []},
               "sequences": []}),
    ]
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn a_postgres_schema_lists_its_tables_once_with_keys_constraints_and_sequences() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = serial();
    postgres(&pg, PG_SCHEMA);
    let runtime = runtime();
    let url = with_password(&pg).unwrap_or_else(|| pg.clone());
    let catalog =
        Catalog::open(&at(&format!("{url}#recon_catalog_test")), &DbOptions::default(), &[], runtime.handle()).unwrap();
    assert_eq!(catalog.kind.name(), "postgres");
    assert!(catalog.snapshot().is_some());
    let names = Names {
        location: "URL#recon_catalog_test.",
        primary_key: |table| format!("{table}_pkey"),
        foreign_key: "order_lines_order_id_fkey",
        code_key: "products_code_key",
        orders_sequence: ("orders_id_seq", 4),
    };
    let mut expected = json!([
        {"name": "events_log", "location": "URL#recon_catalog_test.events_log", "size": 2,
         "keys": {"primary_key": null, "unique": []},
         "constraints": {"not_null": ["n"], "unique": [], "foreign_keys": []},
         "sequences": [{"column": "n", "name": "events_log_n_seq", "next_value": 3, "max_value": 2}]},
        {"name": "measurements", "location": "URL#recon_catalog_test.measurements", "size": 3,
         "keys": {"primary_key": ["id", "taken_on"], "unique": []},
         "constraints": {"not_null": ["id", "taken_on"],
                         "unique": [{"name": "measurements_pkey", "columns": ["id", "taken_on"]}], "foreign_keys": []},
         "sequences": [{"column": "id", "name": "measurements_id_seq", "next_value": 4, "max_value": 3}]},
        bare("odd.name", r#"URL#recon_catalog_test."odd.name""#, 1),
    ]);
    expected.as_array_mut().unwrap().extend(shared_tables(&names));
    assert_eq!(described(&catalog, &url), expected);
    opens_every_table(&catalog, &runtime);
    // The password shows nowhere but in the tables' locations.
    if url != pg {
        let shown = format!("{catalog:?}");
        assert!(!shown.contains("s3cr3t-pw") && shown.contains("***"), "{shown}");
        assert!(!catalog.location.contains("s3cr3t-pw"));
    }
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn a_postgres_table_read_in_the_catalog_snapshot_misses_rows_committed_after_it() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let _serial = serial();
    postgres(
        &pg,
        [
            "DROP SCHEMA IF EXISTS recon_catalog_snapshot CASCADE",
            "CREATE SCHEMA recon_catalog_snapshot",
            "CREATE TABLE recon_catalog_snapshot.items (id int PRIMARY KEY)",
            "INSERT INTO recon_catalog_snapshot.items VALUES (1), (2)",
        ],
    );
    let runtime = runtime();
    let catalog =
        Catalog::open(&at(&format!("{pg}#recon_catalog_snapshot")), &DbOptions::default(), &[], runtime.handle())
            .unwrap();
    let snapshot = catalog.snapshot().expect("PostgreSQL exports its snapshot").to_string();
    postgres(&pg, ["INSERT INTO recon_catalog_snapshot.items VALUES (3)"]);

    let location = &catalog.tables[0].location.clone();
    let in_snapshot =
        OpenOptions { db: DbOptions { snapshot: Some(snapshot.clone()), ..Default::default() }, ..Default::default() };
    let dataset = Dataset::open(location, &in_snapshot, runtime.handle()).unwrap();
    assert_eq!(dataset.count_rows().unwrap(), Some(2), "the row committed after the catalog is not seen");
    let now = Dataset::open(location, &OpenOptions::default(), runtime.handle()).unwrap();
    assert_eq!(now.count_rows().unwrap(), Some(3));

    // The snapshot lives as long as the catalog: once the server has seen its connection close, it cannot be
    // imported.
    drop(catalog);
    let started = std::time::Instant::now();
    let error = loop {
        match Dataset::open(location, &in_snapshot, runtime.handle()) {
            Err(error) => break error.to_string(),
            Ok(_) if started.elapsed() < std::time::Duration::from_secs(10) => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            Ok(_) => panic!("the snapshot outlived its catalog"),
        }
    };
    assert!(error.contains("snapshot"), "{error}");
}

const MY_SCHEMA: &[&str] = &[
    "DROP DATABASE IF EXISTS recon_catalog_test",
    "CREATE DATABASE recon_catalog_test",
    "USE recon_catalog_test",
    "CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(20) NOT NULL, placed DATE)",
    "CREATE TABLE order_lines (order_id INT NOT NULL, line_no INT NOT NULL, product VARCHAR(20) NOT NULL, \
     qty INT, PRIMARY KEY (order_id, line_no), \
     CONSTRAINT order_lines_order FOREIGN KEY (order_id) REFERENCES orders (id))",
    "CREATE TABLE products (sku VARCHAR(20) NOT NULL, code VARCHAR(20) NOT NULL, name VARCHAR(40), \
     barcode VARCHAR(20), UNIQUE KEY products_code_key (code), UNIQUE KEY products_sku (sku), \
     UNIQUE KEY products_barcode (barcode), UNIQUE KEY products_name_prefix (name(5)))",
    "CREATE TABLE events_log (at DATETIME, message TEXT)",
    "CREATE TABLE measurements (id BIGINT NOT NULL, taken_on DATE NOT NULL, value DECIMAL(10,2), \
     PRIMARY KEY (id, taken_on)) PARTITION BY RANGE (YEAR(taken_on)) \
     (PARTITION p2024 VALUES LESS THAN (2025), PARTITION p2025 VALUES LESS THAN (2026))",
    "CREATE TABLE `odd.name` (v INT)",
    "CREATE VIEW order_totals AS SELECT order_id, SUM(qty) AS total FROM order_lines GROUP BY order_id",
    "CREATE SEQUENCE invoice_numbers",
    "INSERT INTO orders (customer) VALUES ('a'), ('b'), ('c')",
    "INSERT INTO orders (id, customer) VALUES (10, 'd'), (11, 'e')",
    // InnoDB refuses to move the counter to or below max(id): it stays at 12.
    "ALTER TABLE orders AUTO_INCREMENT = 4",
    "INSERT INTO order_lines VALUES (1, 1, 'x', 1), (1, 2, 'y', 2), (10, 1, 'z', 3)",
    "INSERT INTO products VALUES ('s1', 'c1', 'n1', NULL), ('s2', 'c2', NULL, NULL)",
    "INSERT INTO events_log VALUES ('2024-01-01', 'a'), ('2024-01-01', 'a')",
    "INSERT INTO measurements VALUES (1, '2024-05-01', 1), (2, '2025-05-01', 2), (3, '2025-06-01', 3)",
    "INSERT INTO `odd.name` VALUES (1)",
    "ANALYZE TABLE orders, order_lines, products, events_log, measurements, `odd.name`",
];

#[test]
#[cfg_attr(not(recon_mysql), ignore = "needs MariaDB or MySQL: set RECON_TEST_MYSQL_URL")]
fn a_mariadb_database_lists_its_tables_with_keys_constraints_and_auto_increments() {
    let my = server("RECON_TEST_MYSQL_URL");
    let _serial = serial();
    mysql(&my, MY_SCHEMA);
    let runtime = runtime();
    let url = with_database(&my, "recon_catalog_test");
    let catalog = Catalog::open(&at(&url), &DbOptions::default(), &[], runtime.handle()).unwrap();
    assert_eq!(catalog.kind.name(), "mysql");
    assert!(catalog.snapshot().is_none(), "MariaDB cannot share a snapshot");
    let names = Names {
        location: "URL#",
        primary_key: |_| "PRIMARY".to_string(),
        foreign_key: "order_lines_order",
        code_key: "products_code_key",
        orders_sequence: ("orders", 12),
    };
    let mut expected = json!([
        bare("events_log", "URL#events_log", 2),
        {"name": "measurements", "location": "URL#measurements", "size": 3,
         "keys": {"primary_key": ["id", "taken_on"], "unique": []},
         "constraints": {"not_null": ["id", "taken_on"],
                         "unique": [{"name": "PRIMARY", "columns": ["id", "taken_on"]}], "foreign_keys": []},
         "sequences": []},
        bare("odd.name", r#"URL#"odd.name""#, 1),
    ]);
    expected.as_array_mut().unwrap().extend(shared_tables(&names));
    assert_eq!(described(&catalog, &url), expected);
    opens_every_table(&catalog, &runtime);
}

#[test]
fn a_sqlite_file_lists_its_tables_with_rowid_aliases_and_autoincrement() {
    let dir = scratch();
    let file = dir.path().join("legacy.db");
    let statements = [
        "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer TEXT NOT NULL, placed DATE)",
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)",
        "CREATE TABLE order_lines (order_id INTEGER NOT NULL REFERENCES orders, line_no INTEGER NOT NULL, \
         product TEXT NOT NULL, qty INTEGER, PRIMARY KEY (order_id, line_no)) WITHOUT ROWID",
        "CREATE TABLE products (sku TEXT NOT NULL, code TEXT NOT NULL, name TEXT, barcode TEXT, UNIQUE (code))",
        "CREATE UNIQUE INDEX products_sku ON products (sku)",
        "CREATE UNIQUE INDEX products_barcode ON products (barcode)",
        "CREATE UNIQUE INDEX products_named ON products (name) WHERE name IS NOT NULL",
        "CREATE UNIQUE INDEX products_lower_sku ON products (lower(sku))",
        // A text primary key may hold NULL in an ordinary table, not in a STRICT one.
        "CREATE TABLE tags (tag TEXT PRIMARY KEY, label TEXT)",
        "CREATE TABLE codes (code TEXT PRIMARY KEY) STRICT",
        "CREATE TABLE events_log (at DATETIME, message TEXT)",
        r#"CREATE TABLE "odd.name" (v INTEGER)"#,
        "CREATE VIEW order_totals AS SELECT order_id, sum(qty) AS total FROM order_lines GROUP BY order_id",
        "CREATE VIRTUAL TABLE notes USING fts5(body)",
        "INSERT INTO orders (customer) VALUES ('a'), ('b'), ('c')",
        "INSERT INTO orders (id, customer) VALUES (10, 'd'), (11, 'e')",
        // A counter lowered by hand: SQLite still takes max(id) + 1 next.
        "UPDATE sqlite_sequence SET seq = 2 WHERE name = 'orders'",
        "INSERT INTO customers VALUES (1, 'x'), (2, 'y')",
        "INSERT INTO order_lines VALUES (1, 1, 'x', 1), (1, 2, 'y', 2), (10, 1, 'z', 3)",
        "INSERT INTO products VALUES ('s1', 'c1', 'n1', NULL), ('s2', 'c2', NULL, NULL)",
        "INSERT INTO events_log VALUES ('2024-01-01', 'a'), ('2024-01-01', 'a')",
        r#"INSERT INTO "odd.name" VALUES (1)"#,
        "INSERT INTO notes VALUES ('a note')",
    ];
    block_on(async {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", file.display())).await.unwrap();
        for statement in statements {
            c.execute(statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
    });
    let runtime = runtime();
    let url = format!("sqlite://{}", file.display());
    let catalog = Catalog::open(&at(&url), &DbOptions::default(), &[], runtime.handle()).unwrap();
    assert_eq!(catalog.kind.name(), "sqlite");
    let primary = |columns: &[&str]| json!([{"name": "PRIMARY", "columns": columns}]);
    let names = Names {
        location: "URL#",
        primary_key: |_| "PRIMARY".to_string(),
        foreign_key: "",
        code_key: "sqlite_autoindex_products_1",
        orders_sequence: ("orders", 12),
    };
    let mut expected = json!([
        {"name": "codes", "location": "URL#codes", "size": 0,
         "keys": {"primary_key": ["code"], "unique": []},
         "constraints": {"not_null": ["code"], "unique": primary(&["code"]), "foreign_keys": []}, "sequences": []},
        {"name": "customers", "location": "URL#customers", "size": 2,
         "keys": {"primary_key": ["id"], "unique": []},
         "constraints": {"not_null": ["id"], "unique": primary(&["id"]), "foreign_keys": []}, "sequences": []},
        bare("events_log", "URL#events_log", 2),
        bare("odd.name", r#"URL#"odd.name""#, 1),
        {"name": "tags", "location": "URL#tags", "size": 0,
         "keys": {"primary_key": ["tag"], "unique": []},
         "constraints": {"not_null": [], "unique": primary(&["tag"]), "foreign_keys": []}, "sequences": []},
    ]);
    let tables = expected.as_array_mut().unwrap();
    let tags = tables.pop().unwrap();
    tables.extend(shared_tables(&names));
    tables.push(tags);
    assert_eq!(described(&catalog, &url), expected);
    opens_every_table(&catalog, &runtime);
}

/// `recon diff` without `--key` asks one table for its keys: the catalog's answer for that table alone.
fn declared_keys(location: &str, options: &OpenOptions) -> Value {
    let runtime = runtime();
    let dataset = Dataset::open(&at(location), options, runtime.handle()).unwrap();
    serde_json::to_value(dataset.keys().unwrap()).unwrap()
}

fn no_keys() -> Value {
    json!({"primary_key": null, "unique": []})
}

/// A table's estimate of its rows, as progress lines show it; a query and a file have none (a file counts them
/// exactly, or not at all).
fn estimate(location: &str, options: &OpenOptions) -> Option<u64> {
    Dataset::open(&at(location), options, runtime().handle()).unwrap().estimate_rows()
}

#[test]
fn a_file_declares_no_keys() {
    let dir = scratch();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, "id\n1\n").unwrap();
    assert_eq!(declared_keys(csv.to_str().unwrap(), &OpenOptions::default()), no_keys());
    assert_eq!(estimate(csv.to_str().unwrap(), &OpenOptions::default()), None);
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn one_postgres_table_declares_its_keys_and_a_query_none() {
    let pg = server("RECON_TEST_POSTGRES_URL");
    let none = no_keys();
    let products = json!({"primary_key": null,
                          "unique": products_keys(&[("products_code_key", "code"), ("products_sku", "sku")])});
    let order_lines = json!({"primary_key": ["order_id", "line_no"], "unique": []});
    let query = |sql: &str| OpenOptions {
        db: DbOptions { query: Some(sql.into()), ..Default::default() },
        ..Default::default()
    };
    let _serial = serial();
    postgres(&pg, PG_SCHEMA);
    let table = |t: &str| format!("{pg}#recon_catalog_test.{t}");
    assert_eq!(declared_keys(&table("products"), &OpenOptions::default()), products);
    assert_eq!(declared_keys(&table("order_lines"), &OpenOptions::default()), order_lines);
    assert_eq!(declared_keys(&table("events_log"), &OpenOptions::default()), none);
    // A partition keeps the keys its parent gave it.
    let partition = json!({"primary_key": ["id", "taken_on"], "unique": []});
    assert_eq!(declared_keys(&table("measurements_2024"), &OpenOptions::default()), partition);
    assert_eq!(declared_keys(&pg, &query("SELECT 1 AS id")), none);
    assert_eq!(estimate(&pg, &query("SELECT 1 AS id")), None);
    // A partitioned table's estimate sums its partitions'.
    assert_eq!(estimate(&table("measurements"), &OpenOptions::default()), Some(3));
}

#[test]
fn a_file_or_one_table_instead_of_a_collection_is_an_error() {
    let runtime = runtime();
    let dir = scratch();
    let file = dir.path().join("one.csv");
    std::fs::write(&file, "id\n1\n").unwrap();
    let error = Catalog::open(&at(file.to_str().unwrap()), &DbOptions::default(), &[], runtime.handle()).unwrap_err();
    assert!(error.to_string().contains("not one file"), "{error}");
    let error = Catalog::open(&at("sqlite://x.db#orders"), &DbOptions::default(), &[], runtime.handle()).unwrap_err();
    assert!(error.to_string().contains("an audit takes the whole file"), "{error}");
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn a_missing_postgres_schema_or_one_table_instead_of_a_schema_is_an_error() {
    let runtime = runtime();
    let pg = server("RECON_TEST_POSTGRES_URL");
    let url = with_password(&pg).unwrap_or_else(|| pg.clone());
    let error =
        Catalog::open(&at(&format!("{url}#recon_no_such_schema")), &DbOptions::default(), &[], runtime.handle())
            .unwrap_err()
            .to_string();
    assert!(error.contains("there is no schema recon_no_such_schema") && !error.contains("s3cr3t-pw"), "{error}");
    let error = Catalog::open(&at(&format!("{url}#public.orders")), &DbOptions::default(), &[], runtime.handle())
        .unwrap_err()
        .to_string();
    assert!(error.contains("an audit takes a schema"), "{error}");
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn reading_catalogs_and_keys_in_a_snapshot_writes_nothing() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    postgres(&pg, PG_SCHEMA);
    mysql(&my, MY_SCHEMA);
    std::thread::sleep(std::time::Duration::from_millis(700)); // PostgreSQL publishes statistics every 500 ms
    let before = (pg_writes(&pg), mysql_writes(&my));
    let runtime = runtime();
    for location in [format!("{pg}#recon_catalog_test"), with_database(&my, "recon_catalog_test")] {
        let catalog = Catalog::open(&at(&location), &DbOptions::default(), &[], runtime.handle()).unwrap();
        let snapshot = catalog.snapshot().map(str::to_string);
        let options = OpenOptions { db: DbOptions { snapshot, ..Default::default() }, ..Default::default() };
        for table in &catalog.tables {
            let dataset = Dataset::open(&table.location, &options, runtime.handle()).unwrap();
            dataset.keys().unwrap();
            dataset.count_rows().unwrap();
        }
    }
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert_eq!(pg_writes(&pg), before.0, "PostgreSQL write counters moved");
    assert_eq!(mysql_writes(&my), before.1, "MariaDB write counters moved");
}

/// Tables in the timing schema: each with a serial primary key, a unique NOT NULL column and ten rows.
const TIMED_TABLES: usize = 200;

/// The time `Catalog::open` takes over 200 tables on each server, best and median of 5 (the tables are made
/// once, in `recon_catalog_timing`). A measurement, not a check:
/// `cargo test --test tests catalog::catalog_read_time -- --ignored --nocapture`.
#[test]
#[ignore]
fn catalog_read_time_for_200_tables() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    let dir = scratch();
    let lite = dir.path().join("timing.db");
    let create = |n: usize, serial: &str| {
        format!("CREATE TABLE t{n:03} (id {serial} PRIMARY KEY, code VARCHAR(20) NOT NULL UNIQUE, v INT)")
    };
    let insert = |n: usize| {
        let rows: Vec<String> = (1..=10).map(|i| format!("({i}, 'c{i}', {i})")).collect();
        format!("INSERT INTO t{n:03} (id, code, v) VALUES {}", rows.join(", "))
    };
    block_on(async {
        let mut c = sqlx::PgConnection::connect(&pg).await.unwrap();
        let made: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'recon_catalog_timing'")
            .fetch_one(&mut c)
            .await
            .unwrap();
        if made as usize != TIMED_TABLES {
            c.execute("DROP SCHEMA IF EXISTS recon_catalog_timing CASCADE").await.unwrap();
            c.execute("CREATE SCHEMA recon_catalog_timing").await.unwrap();
            c.execute("SET search_path = recon_catalog_timing").await.unwrap();
            for n in 0..TIMED_TABLES {
                c.execute(create(n, "serial").as_str()).await.unwrap();
                c.execute(insert(n).as_str()).await.unwrap();
            }
            c.execute("ANALYZE").await.unwrap();
        }
        let mut c = sqlx::MySqlConnection::connect(&my).await.unwrap();
        let made: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'recon_catalog_timing'",
        )
        .fetch_one(&mut c)
        .await
        .unwrap();
        if made as usize != TIMED_TABLES {
            c.execute("DROP DATABASE IF EXISTS recon_catalog_timing").await.unwrap();
            c.execute("CREATE DATABASE recon_catalog_timing").await.unwrap();
            c.execute("USE recon_catalog_timing").await.unwrap();
            for n in 0..TIMED_TABLES {
                c.execute(create(n, "INT AUTO_INCREMENT").as_str()).await.unwrap();
                c.execute(insert(n).as_str()).await.unwrap();
            }
        }
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", lite.display())).await.unwrap();
        for n in 0..TIMED_TABLES {
            c.execute(create(n, "INTEGER").replace("PRIMARY KEY", "PRIMARY KEY AUTOINCREMENT").as_str()).await.unwrap();
            c.execute(insert(n).as_str()).await.unwrap();
        }
    });
    let runtime = runtime();
    for location in [
        format!("{pg}#recon_catalog_timing"),
        with_database(&my, "recon_catalog_timing"),
        format!("sqlite://{}", lite.display()),
    ] {
        let mut times: Vec<std::time::Duration> = (0..5)
            .map(|_| {
                let started = std::time::Instant::now();
                let catalog = Catalog::open(&at(&location), &DbOptions::default(), &[], runtime.handle()).unwrap();
                assert_eq!(catalog.tables.len(), TIMED_TABLES);
                assert!(catalog.tables.iter().all(|t| t.sequences.len() == 1 && t.keys.unique.len() == 1));
                started.elapsed()
            })
            .collect();
        times.sort();
        println!("{}: {TIMED_TABLES} tables, best {:.1?}, median {:.1?}", location, times[0], times[2]);
    }
}
