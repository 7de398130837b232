//! Collections of tables, for audits: a database schema (from its catalog) or a directory whose data files and
//! subdirectories are tables. What is known of each table before reading it — where it lives, its size, its
//! keys, its constraints and sequences — comes from here, read once per side, and with a database, the one
//! point in time every table of the side is read at (see `sql/catalog/mod.rs` for what each engine allows).

use std::path::Path;
use std::sync::Arc;

pub use super::sql::catalog::facts::{CatalogTable, Constraints, ForeignKey, Sequence, TableKeys, UniqueKey};
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
