//! Collections of tables, for audits: a database schema (from its catalog) or a directory whose data files and
//! subdirectories are tables. What is known of each table before reading it — where it lives, its size, its
//! keys, its constraints and sequences — comes from here, read once per side, and with a database, the one
//! point in time every table of the side is read at (see `sql/catalog/mod.rs` for what each engine allows).

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::{sql, DbOptions, Format};
use crate::error::{Error, Result};
use crate::location::{not_readable, Kind, Location};
use crate::storage::{Dir, Place, Storage};

/// The tables of one side of an audit.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The collection's location with any password masked.
    pub location: String,
    /// `postgres`, `mysql`, `sqlite` or `directory`.
    pub kind: &'static str,
    /// Sorted by name.
    pub tables: Vec<CatalogTable>,
    /// PostgreSQL: the open transaction whose snapshot the side's tables import; it ends when the last clone
    /// of this catalog is dropped.
    snapshot: Option<Arc<sql::catalog::Snapshot>>,
}

/// One table of a collection.
#[derive(Clone)]
pub struct CatalogTable {
    /// The table's name as the catalog writes it (a file's stem, a directory's name).
    pub name: String,
    /// What [`super::Dataset::open`] takes to read this table; it may hold a password (shown masked).
    pub location: Location,
    /// Rows, or the catalog's estimate of them; else the bytes of its files: the largest tables start first.
    /// PostgreSQL: `reltuples` (summed over the partitions of a partitioned table; the statistics system's
    /// live rows for a table never analyzed); MySQL/MariaDB: `information_schema.tables.table_rows` (InnoDB's
    /// estimate); SQLite: `count(*)`, as SQLite keeps no estimate.
    pub size: u64,
    pub keys: TableKeys,
    pub constraints: Constraints,
    pub sequences: Vec<Sequence>,
    /// A database table's columns, read with the catalog: opening the table takes them (see
    /// [`DbOptions::columns`]).
    pub columns: Option<sql::Columns>,
}

impl std::fmt::Debug for CatalogTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogTable")
            .field("name", &self.name)
            .field("location", &self.location)
            .field("size", &self.size)
            .field("keys", &self.keys)
            .field("constraints", &self.constraints)
            .field("sequences", &self.sequences)
            .finish()
    }
}

/// The keys a table declares, from which a comparison's key is discovered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TableKeys {
    /// The primary key's columns in key order.
    pub primary_key: Option<Vec<String>>,
    /// Unique indexes or constraints other than the primary key whose columns are all NOT NULL, by name. Only
    /// indexes that make whole rows unique count: not partial ones, nor those over expressions or column
    /// prefixes (MySQL `name(5)`); PostgreSQL `INCLUDE` columns are not part of the key.
    pub unique: Vec<UniqueKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UniqueKey {
    /// The engine's name for it, which differs between engines (MySQL and SQLite call a primary key
    /// `PRIMARY`, PostgreSQL `<table>_pkey`): compare constraints across engines by their columns.
    pub name: String,
    pub columns: Vec<String>,
}

/// The constraints a sign-off checks the target kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Constraints {
    /// NOT NULL columns in table order (SQLite: also primary key columns that cannot hold NULL: a rowid
    /// alias, or any of a WITHOUT ROWID or STRICT table).
    pub not_null: Vec<String>,
    /// Unique constraints and indexes over whole columns, nullable ones too: the primary key first, then by
    /// name.
    pub unique: Vec<UniqueKey>,
    /// By name, then columns.
    pub foreign_keys: Vec<ForeignKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignKey {
    /// The constraint's name; empty on SQLite, which keeps none.
    pub name: String,
    pub columns: Vec<String>,
    /// The referenced table's name, `schema.table` when it lives in another schema (database).
    pub referenced_table: String,
    /// The columns `columns` reference, one to one.
    pub referenced_columns: Vec<String>,
}

/// A column filled from a sequence (PostgreSQL `serial`/identity, MySQL `AUTO_INCREMENT`, SQLite
/// `AUTOINCREMENT`): the value the next insert takes, and the largest value the column holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sequence {
    pub column: String,
    /// The sequence's name (PostgreSQL), or the table's for MySQL AUTO_INCREMENT and SQLite AUTOINCREMENT.
    pub name: String,
    /// The value the next insert that leaves the column out takes, read without taking it (PostgreSQL:
    /// `pg_sequences`, never `nextval`); `None` when the database does not say (PostgreSQL: a sequence this
    /// user may not read). Sequences are not transactional: this is the current value, at or after the
    /// snapshot's, so a sequence ahead of its column is never reported behind by a race.
    pub next_value: Option<i128>,
    /// `max(column)` in the side's snapshot; `None` for an empty table.
    pub max_value: Option<i128>,
}

impl Catalog {
    /// The tables of an audit's side: a directory ([`Catalog::directory`]), a PostgreSQL schema
    /// (`postgres://…/db#schema`, schema `public` without one), a MySQL/MariaDB database (`mysql://…/db`) or a
    /// SQLite file (`sqlite://file.db`). A database's catalog is read with a few set-based queries in one
    /// read-only snapshot, on `runtime`; PostgreSQL's snapshot then stays open for the side's tables
    /// ([`Catalog::snapshot`]).
    ///
    /// A database lists its ordinary tables; a partitioned table is one table (PostgreSQL lists the parent, not
    /// its partitions). Views, materialized views, foreign and virtual tables are not listed: they hold no
    /// data of their own to sign off, and reading one re-runs its query; compare one with `recon diff`.
    pub fn open(location: &Location, options: &DbOptions, runtime: &tokio::runtime::Handle) -> Result<Catalog> {
        let files = match location.kind() {
            Kind::Database(db) => {
                let (masked, kind) = (db.masked.clone(), db.engine.kind());
                let (tables, snapshot) = sql::catalog::open(db.clone(), options, runtime)?;
                return Ok(Catalog { location: masked, kind, tables, snapshot });
            }
            Kind::Odbc(_) => return Err(not_readable(location, "an ODBC connection")),
            Kind::Files(files) => files,
        };
        let storage = Storage::open(location, files)?;
        match storage.place(&files.path)? {
            Place::Dir(dir) => Catalog::directory(&storage, &dir),
            Place::File(_) => Err(Error::input(
                location.masked(),
                "an audit compares a directory of tables or a database, not one file",
            )),
        }
    }

    /// The PostgreSQL snapshot every table of this side is to be read in: put it in each table's
    /// [`DbOptions::snapshot`]. `None` for other engines (MySQL/MariaDB and SQLite read each table in its own
    /// snapshot) and directories.
    pub fn snapshot(&self) -> Option<&str> {
        self.snapshot.as_deref().map(sql::catalog::Snapshot::id)
    }

    /// The tables of a directory: each data file directly in it (`orders.parquet` is table `orders`) and each
    /// subdirectory holding data files (`customers/` is table `customers`). Hidden entries (`.`, `_`) are
    /// skipped, as when a directory is one table. A subdirectory that is a lakehouse table is a table too,
    /// whether or not its data files lie directly in it: opening it fails, so the audit shows it as an error
    /// instead of reading its files or passing over it. A directory inside a lakehouse table is refused.
    pub fn directory(storage: &Storage, dir: &Dir) -> Result<Catalog> {
        let location = crate::secrets::mask(&dir.name);
        super::refuse_lakehouse(storage, &location, [dir.name.as_str()])?;
        let entries = storage.entries(dir)?;
        let mut tables = Vec::new();
        for sub in entries.dirs.iter().filter(|d| !super::hidden(super::file_name(&d.name))) {
            let files = storage.entries(sub)?.files;
            let holds_data =
                files.iter().any(|f| !super::hidden(super::file_name(&f.name)) && Format::of(&f.name).is_some());
            if !holds_data && super::Lakehouse::of(storage, sub)?.is_none() {
                continue;
            }
            let size = files.iter().map(|f| f.size).sum();
            tables.push(table(super::file_name(&sub.name).to_string(), sub.name.clone(), size));
        }
        for file in entries.files.iter().filter(|f| !super::hidden(super::file_name(&f.name))) {
            if Format::of(&file.name).is_none() {
                continue;
            }
            let file_name = super::file_name(&file.name);
            let name = Path::new(file_name).file_stem().map_or(file_name, |s| s.to_str().unwrap_or(file_name));
            tables.push(table(name.to_string(), file.name.clone(), file.size));
        }
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(twice) = tables.windows(2).find(|w| w[0].name.eq_ignore_ascii_case(&w[1].name)) {
            return Err(Error::input(
                location,
                format!("two tables are named {} ({} and {})", twice[0].name, twice[0].location, twice[1].location),
            ));
        }
        Ok(Catalog { location, kind: "directory", tables, snapshot: None })
    }
}

/// A table of a directory: a data file, or a subdirectory of them (its name ending in `/`, as people write
/// directories); its size is its files' bytes.
fn table(name: String, location: String, size: u64) -> CatalogTable {
    CatalogTable {
        name,
        location: Location::local(location),
        size,
        keys: TableKeys::default(),
        constraints: Constraints::default(),
        sequences: Vec::new(),
        columns: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory(path: &Path) -> Result<Catalog> {
        let location = Location::parse(path.to_str().unwrap()).unwrap();
        let Kind::Files(files) = location.kind() else { panic!("{location:?}") };
        let storage = Storage::open(&location, files)?;
        let Place::Dir(dir) = storage.place(&files.path)? else { panic!("{location:?}") };
        Catalog::directory(&storage, &dir)
    }

    #[test]
    fn files_and_data_directories_are_tables_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("orders.parquet"), b"").unwrap();
        std::fs::write(dir.path().join("customers.csv"), b"id\n").unwrap();
        std::fs::write(dir.path().join("README.md"), b"").unwrap();
        std::fs::write(dir.path().join("_SUCCESS.csv"), b"").unwrap();
        std::fs::create_dir(dir.path().join("items")).unwrap();
        std::fs::write(dir.path().join("items/part-0.parquet"), b"").unwrap();
        std::fs::create_dir(dir.path().join("empty")).unwrap();
        let catalog = directory(dir.path()).unwrap();
        let names: Vec<&str> = catalog.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["customers", "items", "orders"]);
        assert!(catalog.tables[1].location.as_given().ends_with("items/"));
    }

    #[test]
    fn a_catalog_is_shared_between_the_threads_of_an_audit() {
        fn shared<T: Send + Sync + Clone>() {}
        shared::<Catalog>();
    }

    #[test]
    fn two_files_of_one_name_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("orders.parquet"), b"").unwrap();
        std::fs::write(dir.path().join("orders.csv"), b"").unwrap();
        let error = directory(dir.path()).unwrap_err().to_string();
        assert!(error.contains("two tables are named orders"), "{error}");
    }
}
