//! ODBC locations: a data source name (`odbc://DSN#schema.table`) or a whole connection string
//! (`odbc:Driver={…};Server=…;#schema.table`); without `#table`, a query's rows or an audit's tables.

use super::{fragment, Kind};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Odbc {
    pub connection: OdbcConnection,
    pub schema: Option<String>,
    pub table: Option<String>,
}

/// How the driver manager is reached: a DSN from `odbc.ini`, or a connection string (it may hold a password:
/// never shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OdbcConnection {
    Dsn(String),
    String(String),
}

/// `odbc://DSN[#table]`, if `scheme` is `odbc`.
pub(super) fn parse_url(text: &str, scheme: &str) -> Option<Result<Kind>> {
    if scheme != "odbc" {
        return None;
    }
    let (dsn, table) = split_table(&text[scheme.len() + 3..]);
    if dsn.is_empty() {
        return Some(Err(Error::input(text, "odbc:// names no DSN")));
    }
    Some(Ok(odbc(OdbcConnection::Dsn(dsn.to_string()), table)))
}

/// `odbc:CONNECTION-STRING[#table]`, if `text` starts so (any case).
pub(super) fn parse_connection_string(text: &str) -> Option<Result<Kind>> {
    let prefix = text.get(..5).filter(|p| p.eq_ignore_ascii_case("odbc:"))?;
    let (connection, table) = split_table(&text[prefix.len()..]);
    if connection.trim().is_empty() {
        return Some(Err(Error::input(text, "odbc: names no connection string")));
    }
    Some(Ok(odbc(OdbcConnection::String(connection.to_string()), table)))
}

fn odbc(connection: OdbcConnection, table: Option<&str>) -> Kind {
    let (schema, table) = match table.filter(|t| !t.is_empty()).map(fragment::split) {
        Some((schema, table)) => (schema, Some(table)),
        None => (None, None),
    };
    Kind::Odbc(Odbc { connection, schema, table })
}

/// Splits `connection#table` at the first `#` outside braces: a braced value (`Pwd={a#b}`, with `}}` for a
/// `}` in it) may hold one.
fn split_table(text: &str) -> (&str, Option<&str>) {
    let bytes = text.as_bytes();
    let (mut braced, mut at) = (false, 0);
    while at < bytes.len() {
        match (braced, bytes[at]) {
            (true, b'}') if bytes.get(at + 1) == Some(&b'}') => at += 1,
            (true, b'}') => braced = false,
            (false, b'{') => braced = true,
            (false, b'#') => return (&text[..at], Some(&text[at + 1..])),
            _ => {}
        }
        at += 1;
    }
    (text, None)
}
