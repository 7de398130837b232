//! Reaching an ODBC data source: the driver manager's one environment, the connection string with the driver
//! options that keep values faithful, and the read-only transaction a table is read in — a snapshot where the
//! engine gives one without blocking writers, else READ COMMITTED, said in the report.

use arrow_odbc::odbc_api;
use odbc_api::sys::{ConnectionAttribute, Pointer};
use odbc_api::{Connection, ConnectionOptions, DriverSpecificConnectionOptions, SetConnectionAttributeArgs};

use crate::error::{Error, Result};
use crate::location::{Odbc, OdbcConnection};
use crate::normalize::Cut;

/// The engine behind a driver, by the name it gives (`SQLGetInfo(SQL_DBMS_NAME)`): what recon knows of its
/// SQL beyond ODBC's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
    Sqlite,
    Other,
}

impl Dialect {
    fn of(dbms: &str) -> Dialect {
        let dbms = dbms.to_ascii_lowercase();
        if dbms.contains("postgres") {
            Dialect::Postgres
        } else if dbms.contains("mysql") || dbms.contains("mariadb") {
            Dialect::Mysql
        } else if dbms.contains("sqlite") {
            Dialect::Sqlite
        } else {
            Dialect::Other
        }
    }
}

/// One connection inside the transaction its table is read in.
pub(crate) struct Session {
    pub(crate) conn: Connection<'static>,
    pub(crate) dialect: Dialect,
    /// The identifier quote the driver names (`"`, MySQL's `` ` ``).
    pub(crate) quote: char,
    /// Whether the transaction reads one snapshot (every statement sees the same rows).
    pub(crate) snapshot: bool,
    /// How the server cuts timestamps to their declared fraction digits.
    pub(crate) cut: Cut,
    /// MySQL/MariaDB: the connection's database (`SQL_ATTR_CURRENT_CATALOG`).
    pub(crate) database: Option<String>,
}

impl Session {
    /// `name` quoted as an identifier.
    pub(crate) fn quote(&self, name: &str) -> String {
        let q = self.quote;
        format!("{q}{}{q}", name.replace(q, &format!("{q}{q}")))
    }

    /// Runs a statement that returns no rows this reader reads.
    pub(crate) fn run(&self, sql: &str) -> std::result::Result<(), odbc_api::Error> {
        self.conn.execute(sql, (), None).map(|_| ())
    }
}

/// SQL_MODE_READ_ONLY for SQL_ATTR_ACCESS_MODE (sqlext.h).
const READ_ONLY: usize = 1;

/// The connection attributes set before connecting: read-only access (a hint many drivers honour: a write is
/// then refused by the driver or the server, not only never sent).
struct ReadOnly;

impl DriverSpecificConnectionOptions<'static> for ReadOnly {
    fn attributes(&self) -> impl Iterator<Item = SetConnectionAttributeArgs<'static>> {
        // SAFETY: SQL_ATTR_ACCESS_MODE takes an integer passed in the pointer itself, no memory.
        let args =
            unsafe { SetConnectionAttributeArgs::new(ConnectionAttribute::ACCESS_MODE, READ_ONLY as Pointer, 0) };
        std::iter::once(args)
    }
}

/// Connects to the data source `odbc` names and opens a read-only transaction; errors name `masked`.
pub(crate) fn connect(odbc: &Odbc, masked: &str, login_timeout: std::time::Duration) -> Result<Session> {
    let env = odbc_api::environment().map_err(|e| Error::database(masked, describe(&e)))?;
    let (text, driver) = match &odbc.connection {
        OdbcConnection::Dsn(dsn) => {
            let sources = env.data_sources().map_err(|e| Error::database(masked, describe(&e)))?;
            let source = sources.iter().find(|s| s.server_name.eq_ignore_ascii_case(dsn)).ok_or_else(|| {
                Error::input(
                    masked,
                    format!(
                        "no ODBC data source named {dsn} (odbc.ini: $ODBCINI, ~/.odbc.ini, $ODBCSYSINI/odbc.ini; \
                         `odbcinst -q -s` lists them)"
                    ),
                )
            })?;
            (format!("DSN={};", odbc_api::escape_attribute_value(dsn)), source.driver.clone())
        }
        OdbcConnection::String(text) => {
            let driver = attribute(text, "driver").unwrap_or_default();
            (text.clone(), driver)
        }
    };
    let text = with_options(&text, &driver);
    let options = ConnectionOptions {
        login_timeout_sec: Some(login_timeout.as_secs().clamp(1, u64::from(u32::MAX)) as u32),
        ..Default::default()
    };
    // SAFETY: SQL_ATTR_ACCESS_MODE is a Core-level attribute every ODBC driver takes (a driver may ignore it).
    let conn = unsafe { env.connect_with_connection_string_and_driver_specific_options(&text, options, ReadOnly) }
        .map_err(|e| Error::database(masked, describe(&e)))?;
    let dbms = conn.database_management_system_name().map_err(|e| Error::database(masked, describe(&e)))?;
    let dialect = Dialect::of(&dbms);
    let quote = conn.identifier_quote_char().ok().flatten().filter(|q| !q.is_whitespace()).unwrap_or('"');
    let database = match dialect {
        Dialect::Mysql => conn.current_catalog().ok().filter(|c| !c.is_empty()),
        _ => None,
    };
    let mut session = Session { conn, dialect, quote, snapshot: false, cut: Cut::Round, database };
    begin(&mut session)
        .map_err(|e| Error::database(masked, format!("opening a read-only transaction: {}", describe(&e))))?;
    Ok(session)
}

/// Opens the table's transaction: the strongest isolation that never blocks or aborts a writer, read-only,
/// with the session's time zone UTC.
///
/// PostgreSQL: REPEATABLE READ READ ONLY, its snapshot isolation (SERIALIZABLE could make writers fail with
/// serialization errors). MySQL/MariaDB: a consistent InnoDB snapshot, READ ONLY. SQLite: one deferred
/// transaction, which reads one snapshot. Others: the driver's default isolation (READ COMMITTED on the
/// engines recon knows of), not a snapshot.
fn begin(session: &mut Session) -> std::result::Result<(), odbc_api::Error> {
    match session.dialect {
        Dialect::Postgres => {
            session.conn.set_autocommit(false)?;
            // psqlodbc sends BEGIN before the first statement, so SET TRANSACTION is the transaction's first.
            session.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
            session.run("SET LOCAL TIME ZONE 'UTC'")?;
            session.cut = Cut::RoundFrom2000;
            session.snapshot = true;
        }
        Dialect::Mysql => {
            session.run("SET SESSION time_zone = '+00:00'")?;
            session.run("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")?;
            session.cut = mysql_cut(session)?;
            session.run("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")?;
            session.snapshot = true;
        }
        Dialect::Sqlite => {
            session.conn.set_autocommit(false)?;
            session.snapshot = true;
        }
        Dialect::Other => session.conn.set_autocommit(false)?,
    }
    Ok(())
}

/// How a MySQL or MariaDB server cuts fraction digits (see `queries/mysql_server.sql`).
fn mysql_cut(session: &Session) -> std::result::Result<Cut, odbc_api::Error> {
    use odbc_api::Cursor;
    let mut cursor = session.conn.execute(crate::source::sql::MYSQL_SERVER, (), None)?;
    let (mut version, mut mode) = (Vec::new(), Vec::new());
    if let Some(cursor) = cursor.as_mut() {
        if let Some(mut row) = cursor.next_row()? {
            row.get_text(1, &mut version)?;
            row.get_text(2, &mut mode)?;
        }
    }
    let (version, mode) = (String::from_utf8_lossy(&version), String::from_utf8_lossy(&mode));
    Ok(crate::source::sql::cut_of(&version, &mode))
}

/// The connection string with the options that make values faithful, for the drivers recon knows, unless the
/// string sets them itself:
///
/// - psqlodbc: `BoolsAsChar=0` (booleans as SQL_BIT, not `'1'`/`'0'` text), `TextAsLongVarchar=1` and
///   `UnknownsAsLongVarchar=1` with `MaxLongVarcharSize` at recon's limit (text is read whole up to it, and a
///   longer value is refused, never cut), `UseDeclareFetch=1` (rows fetched by a cursor in batches, not the
///   whole result held in memory by the driver), `CommLog=0` and `Debug=0` (no statement logs in `/tmp`);
/// - MariaDB Connector/ODBC: `NO_CACHE=1` (rows streamed, not cached by the driver);
/// - SQLite ODBC: `NoCreat=1` (a missing file is an error, never created), `BigInt=1` (INTEGER as 64 bits).
fn with_options(text: &str, driver: &str) -> String {
    let driver = driver.to_ascii_lowercase();
    let max_text = super::MAX_TEXT.to_string();
    let options: Vec<(&str, &str)> = if driver.contains("postgres") || driver.contains("psql") {
        vec![
            ("BoolsAsChar", "0"),
            ("TextAsLongVarchar", "1"),
            ("UnknownsAsLongVarchar", "1"),
            ("MaxLongVarcharSize", &max_text),
            ("UseDeclareFetch", "1"),
            ("Fetch", "10000"),
            // Debian's odbcinst.ini turns the communication log on: it would write every statement to /tmp.
            ("CommLog", "0"),
            ("Debug", "0"),
        ]
    } else if driver.contains("maria") || driver.contains("mysql") {
        vec![("NO_CACHE", "1")]
    } else if driver.contains("sqlite") {
        vec![("NoCreat", "1"), ("BigInt", "1")]
    } else {
        Vec::new()
    };
    let mut text = text.trim().to_string();
    if !text.is_empty() && !text.ends_with(';') {
        text.push(';');
    }
    for (key, value) in options {
        if attribute(&text, key).is_none() {
            text.push_str(&format!("{key}={value};"));
        }
    }
    text
}

/// The value of attribute `key` (any case) in a connection string, braces removed.
fn attribute(text: &str, key: &str) -> Option<String> {
    let mut rest = text;
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=')?;
        let (value, next) = match after.strip_prefix('{') {
            Some(braced) => {
                let end = braced_end(braced);
                let value = braced[..end].replace("}}", "}");
                let next = braced.get(end + 1..).unwrap_or("");
                (value, next.split_once(';').map_or("", |(_, n)| n))
            }
            None => match after.split_once(';') {
                Some((value, next)) => (value.to_string(), next),
                None => (after.to_string(), ""),
            },
        };
        if name.trim().eq_ignore_ascii_case(key) {
            return Some(value);
        }
        rest = next;
    }
    None
}

/// Where a braced value (after its `{`) ends: its `}` that is not `}}`.
fn braced_end(braced: &str) -> usize {
    let bytes = braced.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        match (bytes[at], bytes.get(at + 1)) {
            (b'}', Some(b'}')) => at += 2,
            (b'}', _) => return at,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// A driver's error reading from `location`: a lost connection (SQLSTATE class 08, connection exception) is
/// told apart, as a fresh read may not meet it again (`--retries`).
pub(crate) fn read_error(location: &str, error: &odbc_api::Error) -> Error {
    let lost = matches!(error, odbc_api::Error::Diagnostics { record, .. } if record.state.0.starts_with(b"08"));
    match lost {
        true => Error::disconnected(location, describe(error)),
        false => Error::database(location, describe(error)),
    }
}

/// A driver manager's or driver's error as a sentence, its secrets masked (a driver may echo the string).
pub(crate) fn describe(error: &odbc_api::Error) -> String {
    let text = match error {
        odbc_api::Error::Diagnostics { record, .. } => {
            let message = String::from_utf8_lossy(&record.message).trim_end_matches('\0').trim().to_string();
            format!("{message} (SQLSTATE {})", String::from_utf8_lossy(&record.state.0))
        }
        other => other.to_string(),
    };
    crate::secrets::mask(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_found_braced_or_plain_in_any_case() {
        let text = "Driver={PostgreSQL Unicode};Server=h;PWD={a;b}}c};uid=u";
        assert_eq!(attribute(text, "driver").as_deref(), Some("PostgreSQL Unicode"));
        assert_eq!(attribute(text, "Pwd").as_deref(), Some("a;b}c"));
        assert_eq!(attribute(text, "UID").as_deref(), Some("u"));
        assert_eq!(attribute(text, "port"), None);
    }

    #[test]
    fn driver_options_are_added_unless_given() {
        let pg = with_options("Driver={PostgreSQL Unicode};BoolsAsChar=1", "PostgreSQL Unicode");
        assert!(pg.starts_with("Driver={PostgreSQL Unicode};BoolsAsChar=1;TextAsLongVarchar=1;"), "{pg}");
        assert!(!pg.contains("BoolsAsChar=0"), "{pg}");
        assert_eq!(with_options("DSN=x", "SQLite3"), "DSN=x;NoCreat=1;BigInt=1;");
        assert_eq!(with_options("DSN=x;", "Oracle 21"), "DSN=x;");
    }

    #[test]
    fn dialects_by_the_name_the_driver_gives() {
        assert_eq!(Dialect::of("PostgreSQL"), Dialect::Postgres);
        assert_eq!(Dialect::of("MariaDB"), Dialect::Mysql);
        assert_eq!(Dialect::of("SQLite"), Dialect::Sqlite);
        assert_eq!(Dialect::of("Microsoft SQL Server"), Dialect::Other);
    }
}
