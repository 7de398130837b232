//! Collections of tables, for audits: a database schema (from its catalog) or a directory whose data files and
//! subdirectories are tables. What is known of each table before reading it — where it lives, its size, its
//! keys, its constraints and sequences — comes from here, read once per side, and with a database, the one
//! point in time every table of the side is read at (see `sql/catalog/mod.rs` for what each engine allows).

use std::path::Path;
use std::sync::Arc;

pub use super::sql::catalog::facts::{CatalogTable, Constraints, ForeignKey, Sequence, TableKeys, UniqueKey};
use super::{sql, DbOptions, Format};
use crate::error::{Error, Result};
use crate::location::{Kind, Location};
use crate::storage::{Dir, Place, Storage};

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
    /// An ODBC data source (cargo feature `odbc`).
    Odbc,
    Directory,
}

impl CollectionKind {
    /// `postgres`, `mysql`, `sqlite` or `directory`, as reports name it.
    pub fn name(self) -> &'static str {
        match self {
            CollectionKind::Database(engine) => engine.kind(),
            CollectionKind::Odbc => "odbc",
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
    /// `storage` is the side's object-store settings (`KEY=VALUE`).
    pub fn open(
        location: &Location,
        options: &DbOptions,
        storage: &[(String, String)],
        runtime: &tokio::runtime::Handle,
    ) -> Result<Catalog> {
        let files = match location.kind() {
            Kind::Database(db) => {
                let (masked, kind) = (db.masked.clone(), CollectionKind::Database(db.engine));
                let (tables, snapshot) = sql::catalog::open(db.clone(), options, runtime)?;
                return Ok(Catalog { location: masked, kind, tables, snapshot });
            }
            Kind::Odbc(odbc) => return Catalog::odbc(location, odbc, options),
            Kind::Files(files) => files,
        };
        let storage = Storage::open(location, files, storage)?;
        match storage.place(&files.path)? {
            Place::Dir(dir) => Catalog::directory(&storage, &dir),
            Place::File(_) => Err(Error::input(
                location.masked(),
                "an audit compares a directory of tables or a database, not one file",
            )),
        }
    }

    /// The tables of an ODBC data source (see `odbc/collection.rs`).
    #[cfg(feature = "odbc")]
    fn odbc(location: &Location, odbc: &crate::location::Odbc, options: &DbOptions) -> Result<Catalog> {
        let masked = location.masked();
        let tables = super::odbc::collection::tables(odbc, &masked, options)?;
        Ok(Catalog { location: masked, kind: CollectionKind::Odbc, tables, snapshot: None })
    }

    #[cfg(not(feature = "odbc"))]
    fn odbc(location: &Location, _: &crate::location::Odbc, _: &DbOptions) -> Result<Catalog> {
        Err(super::odbc_not_built(location))
    }

    /// The PostgreSQL snapshot every table of this side is to be read in: put it in each table's
    /// [`DbOptions::snapshot`]. `None` for other engines (MySQL/MariaDB and SQLite read each table in its own
    /// snapshot) and directories.
    pub fn snapshot(&self) -> Option<&str> {
        self.snapshot.as_deref().map(sql::catalog::Snapshot::id)
    }

    /// The tables of a directory: each data file directly in it (`orders.parquet` is table `orders`) and each
    /// subdirectory holding data files or Hive-style partition directories (`customers/` is table `customers`). Hidden entries (`.`, `_`) are
    /// skipped, as when a directory is one table. A subdirectory that is a lakehouse table is a table too,
    /// whether or not its data files lie directly in it: a Delta table is read through its log, an Iceberg or
    /// Hudi table fails to open, so the audit shows it as an error instead of reading its files or passing over
    /// it. A directory inside a lakehouse table is refused.
    pub fn directory(storage: &Storage, dir: &Dir) -> Result<Catalog> {
        let location = crate::secrets::mask(&dir.name);
        super::refuse_lakehouse(storage, &location, [dir.name.as_str()])?;
        let entries = storage.entries(dir)?;
        let mut tables = Vec::new();
        for sub in entries.dirs.iter().filter(|d| !super::hidden(super::file_name(&d.name))) {
            let sub_entries = storage.entries(sub)?;
            let files = sub_entries.files;
            let holds_data =
                files.iter().any(|f| !super::hidden(super::file_name(&f.name)) && Format::of(&f.name).is_some())
                    || super::hive::has_partitions(&sub_entries.dirs);
            if !holds_data && super::Lakehouse::of(storage, sub)?.is_none() {
                continue;
            }
            let size = files.iter().map(|f| f.size).sum();
            tables.push(table(super::file_name(&sub.name).to_string(), storage.location(&sub.name)?, size));
        }
        for file in entries.files.iter().filter(|f| !super::hidden(super::file_name(&f.name))) {
            if Format::of(&file.name).is_none() {
                continue;
            }
            let file_name = super::file_name(&file.name);
            let name = Path::new(file_name).file_stem().map_or(file_name, |s| s.to_str().unwrap_or(file_name));
            tables.push(table(name.to_string(), storage.location(&file.name)?, file.size));
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

/// A table of a directory: a data file, or a subdirectory of them (its name ending in `/`, as people write
/// directories); its size is its files' bytes.
fn table(name: String, location: Location, size: u64) -> CatalogTable {
    CatalogTable {
        name,
        location,
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
        let storage = Storage::open(&location, files, &[])?;
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
