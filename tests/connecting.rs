//! Connecting to a database, said at once and explained when it fails (issue 25): a server that answers in
//! another protocol is named (a PostgreSQL URL on MariaDB's port and the reverse, on the real servers), a port
//! that accepts and then says nothing is not 30 silent seconds, and a closed port is refused at once.

use crate::util::db::server;
use crate::util::{recon, Run};

/// The other ports this run may use: nothing listens on the first; the second is the silent listener's.
const CLOSED_PORT: u16 = 5441;
const SILENT_PORT: u16 = 5442;

/// `URL` with its port replaced.
fn on_port(url: &str, port: u16) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (credentials, host) = authority.rsplit_once('@').map_or(("", authority), |(c, h)| (c, h));
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let at = if credentials.is_empty() { String::new() } else { format!("{credentials}@") };
    format!("{scheme}://{at}{host}:{port}/{path}")
}

/// `recon diff URL#t fixtures… --connect-timeout SECONDS`: what it printed, which must be the announcement
/// of the connection and then one error.
fn connect(url: &str, timeout: &str) -> Run {
    let run = recon(&["diff", &format!("{url}#t"), "fixtures/orders/legacy.parquet", "--connect-timeout", timeout]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let server = url.replacen(":hunter2@", ":***@", 1);
    let announced = format!("recon: connecting to {server} (timeout {timeout} s)\n");
    assert!(run.stderr.starts_with(&announced), "{announced:?} first, in: {}", run.stderr);
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    run
}

fn error(run: &Run) -> &str {
    run.stderr.lines().last().unwrap_or_default()
}

/// A PostgreSQL URL on MariaDB's port said `unexpected response from SSLRequest: 0x64
/// (sqlx_postgres::connection::tls:95)`; a MySQL URL on PostgreSQL's port waited out the timeout, as both
/// clients wait for the server to speak first.
#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_server_of_the_other_kind_is_named() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let my_port: u16 = my.rsplit_once(':').unwrap().1.split('/').next().unwrap().parse().unwrap();
    let pg_port: u16 = pg.rsplit_once(':').unwrap().1.split('/').next().unwrap().parse().unwrap();
    let pg_on_my = on_port(&pg.replacen("://postgres@", "://postgres:hunter2@", 1), my_port);
    let run = connect(&pg_on_my, "30");
    let expected = format!("port {my_port} answered, but not as PostgreSQL: it is MariaDB ");
    assert!(error(&run).contains(&expected) && error(&run).ends_with(" (a mysql:// URL?)"), "{}", run.stderr);
    let run = connect(&format!("{pg_on_my}?sslmode=disable"), "30");
    assert!(error(&run).contains(&expected), "{}", run.stderr);
    // Told as soon as the server has not greeted for a moment, not after the 30 s timeout.
    let run = connect(&on_port(&my, pg_port), "30");
    assert_eq!(
        error(&run),
        format!(
            "recon: error: {}#t: port {pg_port} answered, but not as MySQL or MariaDB: it is PostgreSQL (a postgres:// \
             URL?)",
            on_port(&my, pg_port)
        )
    );
}

#[test]
fn a_port_that_accepts_and_says_nothing_or_is_closed_is_named() {
    let listener = std::net::TcpListener::bind(("127.0.0.1", SILENT_PORT)).expect("the silent port is free");
    // Accepts every connection and keeps it open, saying nothing.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    for url in [format!("postgres://app@127.0.0.1:{SILENT_PORT}/db"), format!("mysql://app@127.0.0.1:{SILENT_PORT}/db")]
    {
        let run = connect(&url, "1");
        assert_eq!(
            error(&run),
            format!(
                "recon: error: {url}#t: no connection within 1 s: port {SILENT_PORT} accepted the connection, then said \
                 nothing (is the port right?)"
            )
        );
    }
    let closed = format!("postgres://app@127.0.0.1:{CLOSED_PORT}/db");
    let run = connect(&closed, "30");
    assert_eq!(
        error(&run),
        format!("recon: error: {closed}#t: cannot reach the server: Connection refused (os error 111)")
    );
}
