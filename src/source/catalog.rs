//! Collections of tables, for audits: a database schema (from its catalog) or a directory whose data files and
//! subdirectories are tables. What is known of each table before reading it — where it lives, its size, its
//! keys, its constraints and sequences — comes from here, read once per side.

use std::path::Path;

use serde::Serialize;

use super::Format;
use crate::error::{Error, Result};

/// The tables of one side of an audit.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The collection's location with any password masked.
    pub location: String,
    /// `postgres`, `mysql`, `sqlite` or `directory`.
    pub kind: &'static str,
    pub tables: Vec<CatalogTable>,
}

/// One table of a collection.
#[derive(Debug, Clone)]
pub struct CatalogTable {
    /// The table's name as the catalog writes it (a file's stem, a directory's name).
    pub name: String,
    /// What [`super::Dataset::open`] takes to read this table; it may hold a password, never show it.
    pub location: String,
    /// Rows, or the catalog's estimate of them; else the bytes of its files: the largest tables start first.
    pub size: u64,
    pub keys: TableKeys,
    pub constraints: Constraints,
    pub sequences: Vec<Sequence>,
}

/// The keys a table declares, from which a comparison's key is discovered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TableKeys {
    pub primary_key: Option<Vec<String>>,
    /// Unique indexes or constraints whose columns are all NOT NULL.
    pub unique: Vec<UniqueKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UniqueKey {
    pub name: String,
    pub columns: Vec<String>,
}

/// The constraints a sign-off checks the target kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Constraints {
    pub not_null: Vec<String>,
    /// Unique constraints and indexes, the primary key's included.
    pub unique: Vec<UniqueKey>,
    pub foreign_keys: Vec<ForeignKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub referenced_table: String,
    pub referenced_columns: Vec<String>,
}

/// A column filled from a sequence (PostgreSQL `serial`/identity, MySQL `AUTO_INCREMENT`, SQLite
/// `AUTOINCREMENT`): the value the next insert takes, and the largest value the column holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sequence {
    pub column: String,
    /// The sequence's name (PostgreSQL), or the table's for AUTO_INCREMENT.
    pub name: String,
    pub next_value: Option<i128>,
    pub max_value: Option<i128>,
}

impl Catalog {
    /// The tables of a directory: each data file directly in it (`orders.parquet` is table `orders`) and each
    /// subdirectory holding data files (`customers/` is table `customers`). Hidden entries (`.`, `_`) are
    /// skipped, as when a directory is one table.
    pub fn directory(path: &Path) -> Result<Catalog> {
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
                if !holds_data(&entry_path)? {
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
            });
        }
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(twice) = tables.windows(2).find(|w| w[0].name.eq_ignore_ascii_case(&w[1].name)) {
            return Err(Error::input(
                path.display().to_string(),
                format!("two tables are named {} ({} and {})", twice[0].name, twice[0].location, twice[1].location),
            ));
        }
        Ok(Catalog { location: path.display().to_string(), kind: "directory", tables })
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
    fn two_files_of_one_name_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("orders.parquet"), b"").unwrap();
        std::fs::write(dir.path().join("orders.csv"), b"").unwrap();
        let error = Catalog::directory(dir.path()).unwrap_err().to_string();
        assert!(error.contains("two tables are named orders"), "{error}");
    }
}
