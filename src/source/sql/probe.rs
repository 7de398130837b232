//! Connecting, said at once and explained when it fails: `connecting to … (timeout 30 s)` on stderr before the
//! first connection to a server, and, when the server does not answer as the URL's scheme says, what answers
//! there instead of a driver's protocol error (`unexpected response from SSLRequest: 0x64`) or thirty silent
//! seconds: a PostgreSQL URL pointed at MySQL's port, a MySQL URL at PostgreSQL's (both wait for the other
//! to speak first), a port nothing answers on.
//!
//! The probe is one TCP connection that sends PostgreSQL's SSLRequest and reads what comes back: a PostgreSQL
//! server answers one byte, `S` or `N`; a MySQL or MariaDB server greets every connection at once with its
//! handshake packet (protocol 10 and its version), whatever the client sent. It is made only once a
//! connection has failed, or when a MySQL server has not greeted within [`GREETING`], and sends nothing else.

use std::collections::BTreeSet;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::Engine;
use crate::location::Database;

/// How long a MySQL client waits for the server's greeting before asking what listens there: a MySQL server
/// greets as soon as it accepts the connection, a PostgreSQL server never speaks first.
pub(super) const GREETING: Duration = Duration::from_secs(2);
/// How long the probe waits at most to connect, and then for an answer (never longer than the connection
/// timeout the user gave).
const PROBE_WAIT: Duration = Duration::from_secs(5);
/// PostgreSQL's SSLRequest: length 8, then the code 80877103 (https://www.postgresql.org/docs/15/protocol-message-formats.html).
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 4, 210, 22, 47];

/// What the probe found at a server's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Found {
    Postgres,
    /// MySQL or MariaDB, with its name and version as it gives them (`MariaDB 10.11.6`).
    Mysql(String),
    /// Something answered, neither PostgreSQL nor MySQL.
    Other,
    /// The connection was accepted, then nothing came back.
    Silent,
    /// No connection: refused, or nothing answered at all.
    Unreachable,
}

/// Says `connecting to URL (timeout 30 s)` (masked, without the table) the first time this process connects to
/// a server: a server that never answers is otherwise 30 seconds of silence.
pub(super) fn announce(location: &Database, timeout: Duration) {
    static ANNOUNCED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    if location.engine == Engine::Sqlite {
        return;
    }
    let server = location.masked.split('#').next().unwrap_or_default().to_string();
    if ANNOUNCED.lock().unwrap_or_else(|e| e.into_inner()).insert(server.clone()) {
        tracing::info!("connecting to {server} (timeout {} s)", timeout.as_secs());
    }
}

/// The host and TCP port a location connects to; `None` for SQLite and a Unix socket.
fn address(location: &Database) -> Option<(String, u16)> {
    match location.engine {
        Engine::Postgres => {
            let options = sqlx::postgres::PgConnectOptions::from_str(&location.url).ok()?;
            options.get_socket().is_none().then(|| (options.get_host().to_string(), options.get_port()))
        }
        Engine::Mysql => {
            let options = sqlx::mysql::MySqlConnectOptions::from_str(&location.url).ok()?;
            options.get_socket().is_none().then(|| (options.get_host().to_string(), options.get_port()))
        }
        Engine::Sqlite => None,
    }
}

/// What listens at `location`'s address, waiting at most `timeout` (or [`PROBE_WAIT`]) for each step; `None`
/// where it has no address (SQLite, a socket).
pub(super) async fn identify(location: &Database, timeout: Duration) -> Option<(u16, Found)> {
    let (host, port) = address(location)?;
    let wait = timeout.min(PROBE_WAIT);
    let connected = tokio::time::timeout(wait, tokio::net::TcpStream::connect((host.as_str(), port))).await;
    let Ok(Ok(mut stream)) = connected else { return Some((port, Found::Unreachable)) };
    let mut answer = [0u8; 256];
    let read = async {
        stream.write_all(&SSL_REQUEST).await?;
        stream.read(&mut answer).await
    };
    let found = match tokio::time::timeout(wait, read).await {
        Err(_) => Found::Silent,
        Ok(Err(_)) | Ok(Ok(0)) => Found::Other,
        Ok(Ok(n)) => classify(&answer[..n]),
    };
    Some((port, found))
}

/// What the first bytes a server sent say it is.
fn classify(bytes: &[u8]) -> Found {
    match bytes {
        [b'S'] | [b'N'] => Found::Postgres,
        // A MySQL packet: 3 bytes of length, sequence 0, then protocol version 10 and the server's version.
        [_, _, _, 0, 10, version @ ..] => {
            let version = version.split(|b| *b == 0).next().unwrap_or_default();
            Found::Mysql(server_name(&String::from_utf8_lossy(version)))
        }
        // An error packet before the greeting: a blocked host, too many connections.
        [_, _, _, 0, 0xff, ..] => Found::Mysql("MySQL or MariaDB".to_string()),
        _ => Found::Other,
    }
}

/// `MariaDB 10.11.6` for MariaDB's `5.5.5-10.11.6-MariaDB-0+deb12u1`, `MySQL 8.0.36` for MySQL's `8.0.36`.
fn server_name(version: &str) -> String {
    match version.split_once("-MariaDB") {
        Some((number, _)) => format!("MariaDB {}", number.trim_start_matches("5.5.5-")),
        None => format!("MySQL {version}"),
    }
}

/// What to say when the server at `port` answered `found` to a client of `engine` that got no connection:
/// `None` when it is the server the URL says, which failed for another reason.
pub(super) fn wrong_server(engine: Engine, port: u16, found: &Found) -> Option<String> {
    let expected = if engine == Engine::Postgres { "PostgreSQL" } else { "MySQL or MariaDB" };
    let answered = format!("port {port} answered, but not as {expected}");
    match (engine, found) {
        (Engine::Postgres, Found::Mysql(server)) => Some(format!("{answered}: it is {server} (a mysql:// URL?)")),
        (Engine::Mysql, Found::Postgres) => Some(format!("{answered}: it is PostgreSQL (a postgres:// URL?)")),
        (_, Found::Other) => Some(format!("{answered} (is the port right?)")),
        _ => None,
    }
}

/// Why no connection came within `timeout`, from what the probe found.
pub(super) fn no_connection(engine: Engine, timeout: Duration, probed: Option<(u16, Found)>) -> String {
    let waited = format!("no connection within {} s", timeout.as_secs());
    match probed {
        Some((port, found)) => match wrong_server(engine, port, &found) {
            Some(wrong) => wrong,
            None => match found {
                Found::Silent => {
                    format!("{waited}: port {port} accepted the connection, then said nothing (is the port right?)")
                }
                Found::Unreachable => {
                    format!("{waited}: nothing answered on port {port} (a wrong host or port, or a firewall?)")
                }
                _ => waited,
            },
        },
        None => waited,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bytes_say_which_server_answered() {
        assert_eq!(classify(b"N"), Found::Postgres);
        assert_eq!(classify(b"S"), Found::Postgres);
        let mariadb = b"\x5b\x00\x00\x00\x0a5.5.5-10.11.6-MariaDB-0+deb12u1\x00\x2a\x00";
        assert_eq!(classify(mariadb), Found::Mysql("MariaDB 10.11.6".into()));
        assert_eq!(classify(b"\x4a\x00\x00\x00\x0a8.0.36\x00\x08"), Found::Mysql("MySQL 8.0.36".into()));
        assert_eq!(classify(b"HTTP/1.1 400 Bad Request\r\n"), Found::Other);
        assert_eq!(
            wrong_server(Engine::Postgres, 3307, &Found::Mysql("MariaDB 10.11.6".into())).as_deref(),
            Some("port 3307 answered, but not as PostgreSQL: it is MariaDB 10.11.6 (a mysql:// URL?)")
        );
        assert_eq!(wrong_server(Engine::Postgres, 5432, &Found::Postgres), None);
        assert_eq!(
            no_connection(Engine::Postgres, Duration::from_secs(30), Some((5432, Found::Unreachable))),
            "no connection within 30 s: nothing answered on port 5432 (a wrong host or port, or a firewall?)"
        );
    }
}
