//! Collections of tables, for audits: a database schema (from its catalog) or a directory whose data files and
//! subdirectories are tables. What is known of each table before reading it — where it lives, its size, its
//! keys, its constraints and sequences — comes from here, read once per side, and with a database, the one
//! point in time every table of the side is read at (see `sql/catalog/mod.rs` for what each engine allows).

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::{sql, DbOptions, Format};
use crate::error::{Error, Result};

/// The tables of one side of an audit.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The collection's location with any password masked.
    pub location: String,
    pub kind: CollectionKind,
    /// Sorted by name.
    pub tables: Vec<CatalogTable>,
    /// PostgreSQL: the open transaction whose snapshot the side's tables import; it ends when the last clone
    /// of this catalog is dropped.
    snapshot: Option<Arc<sql::catalog::Snapshot>>,
}

/// What a side of an audit is: a database (by its engine) or a directory of files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionKind {
    Database(sql::Engine),
    Directory,
}

impl CollectionKind {
    /// `postgres`, `mysql`, `sqlite` or `directory`, as reports name it.
    pub fn name(self) -> &'static str {
        match self {
            CollectionKind::Database(engine) => engine.kind(),
            CollectionKind::Directory => "directory",
        }
    }
}

/// One table of a collection.
#[derive(Clone)]
pub struct CatalogTable {
    /// The table's name as the catalog writes it (a file's stem, a directory's name).
    pub name: String,
    /// What [`super::Dataset::open`] takes to read this table; it may hold a password, never show it (`Debug`
    /// masks it).
    pub location: String,
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
            .field("location", &crate::secrets::mask(&self.location))
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
    pub fn open(location: &str, options: &DbOptions, runtime: &tokio::runtime::Handle) -> Result<Catalog> {
        if let Some(db) = sql::parse_location(location) {
            let (masked, kind) = (db.masked.clone(), CollectionKind::Database(db.engine));
            let (tables, snapshot) = sql::catalog::open(db, options, runtime)?;
            return Ok(Catalog { location: masked, kind, tables, snapshot });
        }
        if location.contains("://") {
            return Err(Error::input(
                location,
                "unknown location scheme: use postgres://, mysql://, sqlite:// or a directory",
            ));
        }
        let path = Path::new(location);
        if !path.is_dir() {
            std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
            return Err(Error::input(location, "an audit compares a directory of tables or a database, not one file"));
        }
        Catalog::directory(path)
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
    pub fn directory(path: &Path) -> Result<Catalog> {
        let location = crate::secrets::mask(&path.display().to_string());
        super::refuse_lakehouse(&location, [path])?;
        let entries = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
        let mut tables = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(path, e))?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if file_name.starts_with(['.', '_']) {
                continue;
            }
            let entry_path = entry.path();
            let name = if entry_path.is_dir() {
                if !holds_data(&entry_path)? && super::Lakehouse::of(&entry_path).is_none() {
                    continue;
                }
                file_name
            } else if Format::of(&entry_path).is_some() {
                entry_path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or(file_name)
            } else {
                continue;
            };
            let location = display(&entry_path, entry_path.is_dir());
            tables.push(CatalogTable {
                name,
                location,
                size: bytes(&entry_path),
                keys: TableKeys::default(),
                constraints: Constraints::default(),
                sequences: Vec::new(),
                columns: None,
            });
        }
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(twice) = tables.windows(2).find(|w| w[0].name.eq_ignore_ascii_case(&w[1].name)) {
            return Err(Error::input(
                location,
                format!("two tables are named {} ({} and {})", twice[0].name, twice[0].location, twice[1].location),
            ));
        }
        Ok(Catalog { location, kind: CollectionKind::Directory, tables, snapshot: None })
    }
}

/// Whether a directory holds a data file (then it is one table, read as a whole).
fn holds_data(dir: &Path) -> Result<bool> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let hidden = entry.file_name().to_string_lossy().starts_with(['.', '_']);
        if !hidden && entry.path().is_file() && Format::of(&entry.path()).is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The bytes of a file, or of the files directly in a directory.
fn bytes(path: &Path) -> u64 {
    match std::fs::read_dir(path) {
        Ok(entries) => entries.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum(),
        Err(_) => std::fs::metadata(path).map_or(0, |m| m.len()),
    }
}

/// A path as a location: directories end with `/`, as people write them.
fn display(path: &Path, dir: bool) -> String {
    let text = path.display().to_string();
    if dir && !text.ends_with('/') {
        text + "/"
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let catalog = Catalog::directory(dir.path()).unwrap();
        let names: Vec<&str> = catalog.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["customers", "items", "orders"]);
        assert!(catalog.tables[1].location.ends_with("items/"));
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
        let error = Catalog::directory(dir.path()).unwrap_err().to_string();
        assert!(error.contains("two tables are named orders"), "{error}");
    }
}
