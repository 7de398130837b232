//! Reaching an ODBC data source: the driver manager's one environment, the connection string with the driver
//! options that keep values faithful, and the read-only transaction a table is read in — a snapshot where the
//! engine gives one without blocking writers, else READ COMMITTED, said in the report.

use arrow_odbc::odbc_api;
use odbc_api::sys::{ConnectionAttribute, Pointer};
use odbc_api::{Connection, ConnectionOptions, DriverSpecificConnectionOptions, SetConnectionAttributeArgs};

use super::rows::query;
use crate::error::{Error, Result};
use crate::location::{Odbc, OdbcConnection};
use crate::normalize::Cut;

type OdbcResult<T> = std::result::Result<T, odbc_api::Error>;

/// The engine behind a driver, by the name it gives (`SQLGetInfo(SQL_DBMS_NAME)`): what recon knows of its
/// SQL beyond ODBC's, and how a table's transaction is opened on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
    Sqlite,
    /// SQL Server and Azure SQL.
    SqlServer,
    Oracle,
    /// Db2 on any platform.
    Db2,
    Snowflake,
    Other,
}

impl Dialect {
    /// The engine a DBMS name stands for, as the engines' own drivers name them: psqlodbc "PostgreSQL",
    /// Connector/ODBC "MySQL" or "MariaDB", SQLite ODBC "SQLite"; Microsoft's drivers (and FreeTDS against
    /// Microsoft's servers) "Microsoft SQL Server"; Oracle's "Oracle"; IBM's "DB2/" and the platform on Linux,
    /// UNIX and Windows ("DB2/LINUXX8664", "DB2/NT64", "DB2/AIX64"), "DB2" on z/OS, "DB2/400 SQL" on IBM i;
    /// Snowflake's "Snowflake".
    fn of(dbms: &str) -> Dialect {
        match dbms.trim().to_ascii_lowercase() {
            d if d.contains("postgres") => Dialect::Postgres,
            d if d.contains("mysql") || d.contains("mariadb") => Dialect::Mysql,
            d if d.contains("sqlite") => Dialect::Sqlite,
            d if d.contains("microsoft sql server") => Dialect::SqlServer,
            d if d.starts_with("oracle") => Dialect::Oracle,
            d if d.starts_with("db2") => Dialect::Db2,
            d if d.contains("snowflake") => Dialect::Snowflake,
            _ => Dialect::Other,
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
    pub(crate) fn run(&self, sql: &str) -> OdbcResult<()> {
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

/// One step of opening a table's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Autocommit off: the next statement begins the transaction, which lasts until recon rolls it back.
    AutocommitOff,
    /// A statement, run as it is.
    Run(&'static str),
}

/// How a table's transaction is opened on an engine, and whether its statements all read one snapshot.
#[derive(Debug, PartialEq, Eq)]
struct Opening {
    steps: &'static [Step],
    snapshot: bool,
}

/// The strongest isolation each engine gives a reader without blocking or aborting a writer, read-only where
/// the engine says so, with the session's time zone UTC where recon converts zoned values; `snapshot_allowed`
/// is whether a SQL Server database allows SNAPSHOT isolation (asked of SQL Server only).
///
/// - PostgreSQL: REPEATABLE READ READ ONLY, its snapshot isolation (SERIALIZABLE could make writers fail with
///   serialization errors); psqlodbc sends BEGIN before the first statement, so SET TRANSACTION is its first.
/// - MySQL/MariaDB: a consistent InnoDB snapshot, READ ONLY (a non-transactional table has none: see
///   [`table_snapshot`]).
/// - SQLite: one deferred transaction, which reads one snapshot from its first statement on.
/// - SQL Server: SNAPSHOT where the database allows it (`ALLOW_SNAPSHOT_ISOLATION ON`), set while autocommit
///   is still on (a transaction begun at another level cannot switch to SNAPSHOT, error 3951); otherwise the
///   connection's default, READ COMMITTED, not a snapshot: with `READ_COMMITTED_SNAPSHOT ON` each statement
///   reads one point in time (the full read is one statement), but the counts and the rows read again by key
///   are later statements. It is left unset: Azure Synapse takes no `SET TRANSACTION ISOLATION LEVEL` but
///   READ UNCOMMITTED.
/// - Oracle: SET TRANSACTION READ ONLY, the first statement of the transaction: transaction-level read
///   consistency, every statement as of its start, from undo, without locks.
/// - Db2: the driver's isolation, cursor stability (READ COMMITTED) by default, not a snapshot: Db2 has no
///   snapshot isolation, and its repeatable levels (RS, RR) hold share locks that make writers wait.
/// - Snowflake: READ COMMITTED, the only isolation it has for tables: each statement sees what was committed
///   when it began, even inside one transaction.
/// - Others: the driver's default isolation (READ COMMITTED on most engines), not a snapshot.
fn opening(dialect: Dialect, snapshot_allowed: bool) -> Opening {
    use Step::{AutocommitOff, Run};
    let (steps, snapshot): (&'static [Step], bool) = match dialect {
        Dialect::Postgres => (
            &[
                AutocommitOff,
                Run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"),
                Run("SET LOCAL TIME ZONE 'UTC'"),
            ],
            true,
        ),
        Dialect::Mysql => (
            &[
                Run("SET SESSION time_zone = '+00:00'"),
                Run("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"),
                Run("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"),
            ],
            true,
        ),
        Dialect::Sqlite => (&[AutocommitOff], true),
        Dialect::SqlServer if snapshot_allowed => {
            (&[Run("SET TRANSACTION ISOLATION LEVEL SNAPSHOT"), AutocommitOff], true)
        }
        Dialect::Oracle => (&[AutocommitOff, Run("SET TRANSACTION READ ONLY")], true),
        Dialect::SqlServer | Dialect::Db2 | Dialect::Snowflake | Dialect::Other => (&[AutocommitOff], false),
    };
    Opening { steps, snapshot }
}

/// Opens the table's transaction as [`opening`] says for its engine, after asking the server what that needs
/// (SQL Server: whether SNAPSHOT is allowed; MySQL/MariaDB: how it cuts fraction digits).
fn begin(session: &mut Session) -> OdbcResult<()> {
    let snapshot_allowed = match session.dialect {
        Dialect::SqlServer => sql_server_allows_snapshot(session),
        _ => false,
    };
    session.cut = match session.dialect {
        Dialect::Postgres => Cut::RoundFrom2000,
        Dialect::Mysql => mysql_cut(session)?,
        _ => Cut::Round,
    };
    let opening = opening(session.dialect, snapshot_allowed);
    for step in opening.steps {
        match step {
            Step::AutocommitOff => session.conn.set_autocommit(false)?,
            Step::Run(sql) => session.run(sql)?,
        }
    }
    session.snapshot = opening.snapshot;
    Ok(())
}

/// Whether the SQL Server database the connection uses allows SNAPSHOT isolation; not where the server cannot
/// say (a SQL Server-like engine without `sys.databases` or its column): the read is then not a snapshot, and
/// says so.
fn sql_server_allows_snapshot(session: &Session) -> bool {
    let Ok(rows) = query(&session.conn, SQL_SERVER_SNAPSHOT_STATE, &[]) else { return false };
    rows.first().and_then(|row| row.first().cloned().flatten()).is_some_and(|state| state.trim() == "1")
}

/// Whether a table is read in its transaction's snapshot: as the transaction is, except a MySQL/MariaDB table
/// of a storage engine without transactions (MyISAM, Aria, MEMORY, CSV), which every statement reads as it
/// is when it runs.
pub(crate) fn table_snapshot(session: &Session, catalog: Option<&str>, table: &str) -> OdbcResult<bool> {
    if !session.snapshot || session.dialect != Dialect::Mysql {
        return Ok(session.snapshot);
    }
    let rows = query(&session.conn, crate::source::sql::MYSQL_TRANSACTIONAL, &[catalog, Some(table)])?;
    let engine = rows.first().and_then(|row| row.first().cloned().flatten());
    Ok(engine.is_none_or(|transactions| transactions.trim().eq_ignore_ascii_case("yes")))
}

const SQL_SERVER_SNAPSHOT_STATE: &str = include_str!("../../../queries/odbc_sqlserver_snapshot_state.sql");

/// How a MySQL or MariaDB server cuts fraction digits (see `queries/mysql_server.sql`).
fn mysql_cut(session: &Session) -> OdbcResult<Cut> {
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
        let names = [
            ("PostgreSQL", Dialect::Postgres),
            ("MariaDB", Dialect::Mysql),
            ("MySQL", Dialect::Mysql),
            ("SQLite", Dialect::Sqlite),
            ("Microsoft SQL Server", Dialect::SqlServer),
            ("Oracle", Dialect::Oracle),
            ("DB2/LINUXX8664", Dialect::Db2),
            ("DB2/NT64", Dialect::Db2),
            ("DB2", Dialect::Db2),
            ("DB2/400 SQL", Dialect::Db2),
            ("Snowflake", Dialect::Snowflake),
            ("ACCESS", Dialect::Other),
            ("", Dialect::Other),
        ];
        for (name, dialect) in names {
            assert_eq!(Dialect::of(name), dialect, "{name}");
        }
    }

    #[test]
    fn the_three_tested_engines_open_their_snapshots_as_before() {
        use Step::{AutocommitOff, Run};
        let postgres = opening(Dialect::Postgres, false);
        assert_eq!(
            postgres.steps,
            [
                AutocommitOff,
                Run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"),
                Run("SET LOCAL TIME ZONE 'UTC'")
            ]
        );
        let mysql = opening(Dialect::Mysql, false);
        assert_eq!(mysql.steps.last(), Some(&Run("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")));
        assert!(!mysql.steps.contains(&AutocommitOff), "MySQL begins its transaction with START TRANSACTION");
        assert_eq!(opening(Dialect::Sqlite, false), Opening { steps: &[AutocommitOff], snapshot: true });
        assert!(postgres.snapshot && mysql.snapshot);
    }

    #[test]
    fn sql_server_reads_a_snapshot_only_where_the_database_allows_one() {
        use Step::{AutocommitOff, Run};
        let allowed = opening(Dialect::SqlServer, true);
        // The isolation is set before the transaction begins: a transaction cannot switch to SNAPSHOT.
        assert_eq!(allowed.steps, [Run("SET TRANSACTION ISOLATION LEVEL SNAPSHOT"), AutocommitOff]);
        assert!(allowed.snapshot);
        assert_eq!(opening(Dialect::SqlServer, false), Opening { steps: &[AutocommitOff], snapshot: false });
    }

    #[test]
    fn oracle_reads_one_snapshot_and_db2_snowflake_and_the_rest_none() {
        use Step::{AutocommitOff, Run};
        let oracle = opening(Dialect::Oracle, false);
        assert_eq!(oracle, Opening { steps: &[AutocommitOff, Run("SET TRANSACTION READ ONLY")], snapshot: true });
        for dialect in [Dialect::Db2, Dialect::Snowflake, Dialect::Other] {
            // Only SQL Server asks whether a snapshot is allowed: the answer changes nothing elsewhere.
            for allowed in [false, true] {
                assert_eq!(
                    opening(dialect, allowed),
                    Opening { steps: &[AutocommitOff], snapshot: false },
                    "{dialect:?}"
                );
            }
        }
    }
}
