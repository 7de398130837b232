//! Where a side's rows live, parsed once from an argument or a config value before anything is opened, as
//! DataFusion's `ListingTableUrl` parses a URL into store and path: files on this machine or in an object store
//! (a file, a directory or prefix, a glob; a Delta table's version), a database table or query, an ODBC
//! connection. Stores and readers take the parsed value, never the string.
//!
//! A new kind of location is a new file here with a `parse` that claims the texts of its form, and one line in
//! [`Location::parse`]; [`FORMS`] lists it for errors.

mod database;
mod files;
pub(crate) mod fragment;
mod odbc;

use crate::error::{Error, Result};

pub use self::database::{Database, Engine};
pub use self::files::{Files, Store, Version};
pub use self::odbc::{Odbc, OdbcConnection};

/// The forms recon knows, as errors list them.
pub const FORMS: &str = "a file, directory or glob; postgres://, mysql://, mariadb://, sqlite://; s3://, gs://, \
                         az://, abfss://, https://; a Delta table as LOCATION@VERSION or LOCATION@TIME; odbc://DSN, \
                         odbc:CONNECTION-STRING";

/// A parsed location. It keeps the text as given, which may hold a password: only [`Location::masked`] (and
/// `Debug`/`Display`, which use it) ever show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Location {
    text: String,
    kind: Kind,
}

/// What a location names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Files on this machine or in an object store.
    Files(Files),
    /// A PostgreSQL, MySQL/MariaDB or SQLite table, or the database a query reads.
    Database(Database),
    /// A table behind an ODBC driver.
    Odbc(Odbc),
}

impl Location {
    /// Parses a location as written on the command line or in a config file. Only the form is checked here:
    /// whether the files, store or server exist is found when the location is opened.
    pub fn parse(text: &str) -> Result<Location> {
        if text.trim().is_empty() {
            return Err(Error::input("location", format!("empty; recon reads {FORMS}")));
        }
        let kind = match scheme(text) {
            Some(scheme) => {
                let parsed = database::parse(text, &scheme)
                    .or_else(|| files::parse_url(text, &scheme))
                    .or_else(|| odbc::parse_url(text, &scheme));
                match parsed {
                    Some(kind) => kind?,
                    None => return Err(unknown_scheme(text, &scheme)),
                }
            }
            None => match odbc::parse_connection_string(text) {
                Some(kind) => kind?,
                None => files::parse_path(text),
            },
        };
        Ok(Location { text: text.to_string(), kind })
    }

    /// A path on this machine taken as it is: a name a directory listed, never a glob or a version suffix.
    pub fn local(path: String) -> Location {
        let kind = Kind::Files(Files { store: Store::Local, path: path.clone(), glob: false, version: None });
        Location { text: path, kind }
    }

    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// The location with every credential hidden: the only form ever shown.
    pub fn masked(&self) -> String {
        crate::secrets::mask(&self.text)
    }

    /// The location as given, credentials and all: for a driver or a test, never for a person.
    pub fn as_given(&self) -> &str {
        &self.text
    }

    /// The database a database location names; `None` for others.
    pub fn database(&self) -> Option<&Database> {
        match &self.kind {
            Kind::Database(database) => Some(database),
            _ => None,
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Location({})", self.masked())
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

/// The scheme of a `scheme://…` text, lower-cased: letters, then letters, digits, `+`, `-` or `.`.
fn scheme(text: &str) -> Option<String> {
    let (scheme, _) = text.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// Every scheme some location kind claims, for "did you mean".
const SCHEMES: [&str; 12] =
    ["postgres", "postgresql", "mysql", "mariadb", "sqlite", "s3", "gs", "az", "abfss", "https", "http", "odbc"];

fn unknown_scheme(text: &str, scheme: &str) -> Error {
    let hint = crate::spelling::did_you_mean(scheme, SCHEMES);
    Error::input(text, format!("unknown location scheme {scheme}://{hint}; recon reads {FORMS}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(text: &str) -> Files {
        match Location::parse(text).unwrap().kind {
            Kind::Files(files) => files,
            other => panic!("{text} is not files: {other:?}"),
        }
    }

    #[test]
    fn paths_directories_and_globs_are_local_files() {
        let file = files("exports/orders.parquet");
        assert_eq!(
            (file.store, file.path.as_str(), file.glob, file.version),
            (Store::Local, "exports/orders.parquet", false, None)
        );
        assert!(files("exports/*.csv").glob);
        assert!(files("part-[0-9].parquet").glob);
        assert_eq!(files("exports/").path, "exports/");
        // Not a scheme recon knows with `://`, so a path: a credential in it stays masked when shown.
        assert_eq!(files("postgres:/root:pw@host/db#t").store, Store::Local);
        assert_eq!(files("C:relative").store, Store::Local);
    }

    #[test]
    fn object_store_urls_name_their_store_and_path() {
        let s3 = files("s3://bucket/exports/2026/");
        assert_eq!((s3.store, s3.path.as_str()), (Store::S3 { bucket: "bucket".into() }, "exports/2026/"));
        assert!(files("s3://bucket/exports/*.parquet").glob);
        assert_eq!(files("gs://b/k.csv").store, Store::Gcs { bucket: "b".into() });
        let az = files("az://container/dir/file.parquet");
        assert_eq!(
            (az.store, az.path.as_str()),
            (Store::Azure { container: "container".into(), account: None }, "dir/file.parquet")
        );
        let https = files("https://example.com/data/file.parquet");
        assert_eq!(
            (https.store, https.path.as_str()),
            (Store::Http { origin: "https://example.com".into() }, "data/file.parquet")
        );
    }

    #[test]
    fn an_abfss_url_holds_its_container_and_account_around_an_at() {
        let adls = files("abfss://raw@lake.dfs.core.windows.net/exports/orders/");
        let store = Store::Azure { container: "raw".into(), account: Some("lake".into()) };
        assert_eq!((adls.store, adls.path.as_str(), adls.version), (store, "exports/orders/", None));
        // The `@` is no version: nothing follows the authority.
        let bare = files("abfss://raw@lake.dfs.core.windows.net");
        assert_eq!((bare.path.as_str(), bare.version), ("", None));
        let versioned = files("abfss://raw@lake.dfs.core.windows.net/tables/orders@12");
        assert_eq!((versioned.path.as_str(), versioned.version), ("tables/orders", Some(Version::Number(12))));
    }

    #[test]
    fn a_delta_version_or_time_is_the_suffix_after_the_last_slash() {
        let number = files("lake/orders@42");
        assert_eq!((number.path.as_str(), number.version), ("lake/orders", Some(Version::Number(42))));
        let time = files("s3://bucket/lake/orders@2026-11-01T00:00:00Z");
        assert_eq!(time.path, "lake/orders");
        assert_eq!(time.version, Some(Version::Time("2026-11-01T00:00:00Z".into())));
        assert_eq!(files("lake/orders/@7").version, None, "a suffix names no table");
        // An `@` that is not followed by a version is part of a name, and one before the last `/` is too.
        assert_eq!(files("exports/orders@v2.parquet").version, None);
        assert_eq!(files("backup@3/orders.parquet").path, "backup@3/orders.parquet");
        assert_eq!(files("https://user@example.com/file.parquet").version, None);
        assert_eq!(files("lake/orders@2026-13-01T00:00:00Z").version, None, "no such month");
    }

    #[test]
    fn database_urls_name_engine_schema_and_table() {
        let location = Location::parse("postgres://u:secret@h:5432/db#sales.orders").unwrap();
        let Kind::Database(db) = location.kind() else { panic!("{location:?}") };
        assert_eq!(
            (db.engine, db.schema.as_deref(), db.table.as_deref()),
            (Engine::Postgres, Some("sales"), Some("orders"))
        );
        assert_eq!(location.masked(), "postgres://u:***@h:5432/db#sales.orders");
        assert_eq!(
            format!("{location:?} {location}"),
            "Location(postgres://u:***@h:5432/db#sales.orders) postgres://u:***@h:5432/db#sales.orders"
        );
        let maria = Location::parse("MariaDB://root@h/db#t").unwrap();
        let Kind::Database(db) = maria.kind() else { panic!() };
        assert_eq!((db.engine, db.url.as_str()), (Engine::Mysql, "mysql://root@h/db"));
        let sqlite = Location::parse("sqlite://shop.db#main.orders").unwrap();
        assert_eq!(sqlite.database().map(|d| d.engine), Some(Engine::Sqlite));
        // Versions are for tables of files: an `@` in a database URL's password stays part of it.
        let at = Location::parse("postgres://u:p@ss@h/db@5").unwrap();
        assert!(matches!(at.kind(), Kind::Database(_)));
    }

    #[test]
    fn locations_name_engine_schema_and_table() {
        let database = |text: &str| Location::parse(text).unwrap().database().cloned();
        let l = database("postgresql://u:p@h/db#sales.orders").unwrap();
        assert_eq!(
            (l.engine, l.schema.as_deref(), l.table.as_deref()),
            (Engine::Postgres, Some("sales"), Some("orders"))
        );
        let l = database("mariadb://root@h:3306/test#items").unwrap();
        assert_eq!(
            (l.engine, l.table.as_deref(), l.url.as_str()),
            (Engine::Mysql, Some("items"), "mysql://root@h:3306/test")
        );
        assert!(database("s3://bucket/x.parquet").is_none());
        assert!(database("sqlite://x.db").unwrap().table.is_none());
    }

    #[test]
    fn odbc_takes_a_dsn_or_a_connection_string() {
        let dsn = Location::parse("odbc://warehouse#sales.orders").unwrap();
        let Kind::Odbc(odbc) = dsn.kind() else { panic!() };
        assert_eq!(odbc.connection, OdbcConnection::Dsn("warehouse".into()));
        assert_eq!((odbc.schema.as_deref(), odbc.table.as_deref()), (Some("sales"), Some("orders")));
        let text = "odbc:Driver={PostgreSQL Unicode};Server=127.0.0.1;Uid=u;Pwd=hunter2;#public.orders";
        let string = Location::parse(text).unwrap();
        let Kind::Odbc(odbc) = string.kind() else { panic!() };
        let connection = "Driver={PostgreSQL Unicode};Server=127.0.0.1;Uid=u;Pwd=hunter2;";
        assert_eq!(odbc.connection, OdbcConnection::String(connection.into()));
        assert_eq!(odbc.table.as_deref(), Some("orders"));
        assert!(!string.masked().contains("hunter2"), "{}", string.masked());
        // A `#` inside a braced value is the value's, not the table's.
        let braced = Location::parse("odbc:Driver=x;Pwd={a#b};").unwrap();
        let Kind::Odbc(odbc) = braced.kind() else { panic!() };
        assert_eq!(
            (odbc.connection.clone(), odbc.table.clone()),
            (OdbcConnection::String("Driver=x;Pwd={a#b};".into()), None)
        );
        let escaped = Location::parse("odbc:Pwd={a}}#b};#t").unwrap();
        let Kind::Odbc(odbc) = escaped.kind() else { panic!() };
        assert_eq!(
            (odbc.connection.clone(), odbc.table.as_deref()),
            (OdbcConnection::String("Pwd={a}}#b};".into()), Some("t"))
        );
    }

    #[test]
    fn a_malformed_location_names_itself_masked_and_the_forms_recon_knows() {
        let error = Location::parse("warehouse://root:hunter2@h/db").unwrap_err().to_string();
        assert!(error.starts_with("warehouse://root:***@h/db: unknown location scheme warehouse://"), "{error}");
        assert!(error.contains(FORMS) && !error.contains("hunter2"), "{error}");
        let error = Location::parse("postgress://u@h/db#t").unwrap_err().to_string();
        assert!(error.contains("did you mean postgres?"), "{error}");
        for (text, expected) in [
            ("s3://", "s3:// names no bucket"),
            ("gs:///key", "gs:// names no bucket"),
            ("abfss://lake.dfs.core.windows.net/x", "abfss:// names container@account"),
            ("https:///file.parquet", "https:// names no host"),
            ("odbc://", "odbc:// names no DSN"),
            ("odbc:", "odbc: names no connection string"),
            ("", "location: empty"),
        ] {
            let error = Location::parse(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
