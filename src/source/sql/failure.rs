//! What a driver's error means for recon: a sentence without anything the driver might echo of the URL, and
//! whether the connection was lost (a fresh read, `--retries`, may not meet it again) or the failure would
//! happen again.

use crate::error::Error;
use crate::secrets::mask;

/// A driver error for `location`, as a sentence: [`Error::Disconnected`] when the connection was lost, which
/// a fresh read may not meet again.
pub(super) fn sql_error(location: &str, error: &sqlx::Error) -> Error {
    match lost(error) {
        true => Error::disconnected(location, describe(error)),
        false => Error::database(location, describe(error)),
    }
}

/// Whether the connection or its server went away: the socket closed, PostgreSQL's connection exceptions (class
/// 08) and operator interventions (57P: shutdown, crash, starting up, a killed session), MariaDB's server
/// shutdown (1053) and killed connection (1927). A statement timeout (57014) is not: it would time out again.
pub(super) fn lost(error: &sqlx::Error) -> bool {
    const MYSQL_LOST: [u16; 2] = [1053, 1927];
    match error {
        sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(e) => match e.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
            Some(mysql) => MYSQL_LOST.contains(&mysql.number()),
            None => e.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        },
        _ => false,
    }
}

/// A driver error as a sentence, without anything the driver might echo of the URL.
pub(super) fn describe(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(e) => e.message().to_string(),
        sqlx::Error::Io(e) => format!("cannot reach the server: {e}"),
        sqlx::Error::Configuration(e) => format!("bad connection URL: {}", mask(&e.to_string())),
        other => mask(&other.to_string()),
    }
}

/// Whether importing a snapshot failed because its exporting transaction ended (22023, invalid snapshot id).
pub(super) fn snapshot_gone(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.code().as_deref() == Some("22023"))
}
