//! What a catalog knows of each table before it is read — where it lives, its size, its keys, its constraints,
//! its sequences and (databases) its columns: plain facts, below every backend that reads them
//! (`mysql.rs`, `postgres.rs`, `sqlite.rs`) and the catalog that dispatches to them (`source/catalog.rs`).

use serde::Serialize;

use super::super::Columns;
use crate::location::Location;

/// One table of a collection.
#[derive(Clone)]
pub struct CatalogTable {
    /// The table's name as the catalog writes it (a file's stem, a directory's name).
    pub name: String,
    /// What [`crate::source::Dataset::open`] takes to read this table; it may hold a password (shown masked).
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
    /// [`DbOptions::columns`](crate::source::DbOptions::columns)).
    pub columns: Option<Columns>,
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
