//! The database servers the tests reach and what they run there: each server's URL (from the variables
//! `.ci/run` sets), one test at a time on the servers' shared tables, statements run in order on PostgreSQL,
//! MariaDB or a SQLite file, and the servers' write counters (recon never writes to what it audits).
//!
//! Server URLs come from RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL. Without them a test that needs
//! one is built as ignored, with the reason (`build.rs` sets a cfg per server URL at build time); under CI
//! (CI=true) a missing or unreachable server fails it.

use std::sync::{Mutex, MutexGuard};

use sqlx::{Connection, Executor};

/// Database tests share tables and server counters: one at a time.
pub static SERIAL: Mutex<()> = Mutex::new(());

/// Holds [`SERIAL`] for as long as the guard lives (a test that panicked holding it leaves it usable).
pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The server URL in `variable`. A test calling it is ignored at build time when the variable is not set
/// (`build.rs`), so reaching here without it means CI=true, where a missing server fails the run.
pub fn server(variable: &str) -> String {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!("{variable} must be set under CI=true (and the tests built with it): see the README's Tests"),
    }
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(future)
}

/// Runs `statements` in order on the PostgreSQL database at `url`; a statement that fails fails the test,
/// named.
pub fn postgres<S: AsRef<str>>(url: &str, statements: impl IntoIterator<Item = S>) {
    block_on(async {
        let mut c = sqlx::PgConnection::connect(url).await.expect("PostgreSQL reachable");
        run(&mut c, statements).await
    })
}

/// Runs `statements` in order on the MariaDB database at `url`.
pub fn mysql<S: AsRef<str>>(url: &str, statements: impl IntoIterator<Item = S>) {
    block_on(async {
        let mut c = sqlx::MySqlConnection::connect(url).await.expect("MariaDB reachable");
        run(&mut c, statements).await;
        // Closed, not dropped: MariaDB counts a dropped connection as an aborted client (parallel_reads.rs);
        // a statement may have ended the session itself.
        let _ = c.close().await;
    })
}

/// Two MariaDB tables of the same two rows, `{prefix}_myisam` and `{prefix}_innodb`: MyISAM is not transactional,
/// so the consistent snapshot recon opens holds none of its rows and each statement (the full read, the count, a
/// recheck) reads the table as it is then; InnoDB's rows are in the snapshot.
pub fn myisam_and_innodb(url: &str, prefix: &str) {
    let (myisam, innodb) = (format!("{prefix}_myisam"), format!("{prefix}_innodb"));
    mysql(
        url,
        [
            format!("DROP TABLE IF EXISTS {myisam}, {innodb}"),
            format!("CREATE TABLE {myisam} (id int PRIMARY KEY, v varchar(10)) ENGINE=MyISAM"),
            format!("INSERT INTO {myisam} VALUES (1, 'x'), (2, 'y')"),
            format!("CREATE TABLE {innodb} (id int PRIMARY KEY, v varchar(10)) ENGINE=InnoDB"),
            format!("INSERT INTO {innodb} VALUES (1, 'x'), (2, 'y')"),
        ],
    );
}

/// Runs `statements` in order on the SQLite file at `path`, made when it is not there.
pub fn sqlite<S: AsRef<str>>(path: &std::path::Path, statements: impl IntoIterator<Item = S>) {
    block_on(async {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut c = sqlx::SqliteConnection::connect(&url).await.expect("SQLite file writable");
        run(&mut c, statements).await
    })
}

async fn run<C, S>(c: &mut C, statements: impl IntoIterator<Item = S>)
where
    for<'c> &'c mut C: Executor<'c>,
    S: AsRef<str>,
{
    for statement in statements {
        let statement = statement.as_ref();
        c.execute(statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

/// The URL naming another database on the same server.
pub fn with_database(url: &str, database: &str) -> String {
    let (url, query) = url.split_once('?').map_or((url, ""), |(u, q)| (u, q));
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let host = rest.split('/').next().unwrap_or(rest);
    let query = if query.is_empty() { String::new() } else { format!("?{query}") };
    format!("{scheme}://{host}/{database}{query}")
}

/// The same URL with a password added to its user (trust authentication ignores it), to check that it never
/// shows; `None` when the URL has no user or a password already.
pub fn with_password(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let (user, host) = rest.split_once('@')?;
    (!user.contains(':') && !user.contains('/')).then(|| format!("{scheme}://{user}:s3cr3t-pw@{host}"))
}

pub fn pg_writes(url: &str) -> i64 {
    block_on(async {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar::<_, i64>(
            "SELECT (tup_inserted + tup_updated + tup_deleted)::bigint FROM pg_stat_database WHERE datname = current_database()",
        )
        .fetch_one(&mut c)
        .await
        .unwrap()
    })
}

pub fn mysql_writes(url: &str) -> i64 {
    block_on(async {
        let mut c = sqlx::MySqlConnection::connect(url).await.unwrap();
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_insert','Com_update','Com_delete','Com_create_table','Com_drop_table','Com_alter_table','Handler_write','Handler_update','Handler_delete')",
        )
        .fetch_all(&mut c)
        .await
        .unwrap();
        rows.iter().map(|(_, v)| v.parse::<i64>().unwrap()).sum()
    })
}
