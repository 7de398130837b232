//! Servers the tests start themselves when absent, so that a fresh machine runs every test (`.ci/run` runs as
//! root): a PostgreSQL cluster of the tests' own with `wal_level = logical`, for logical replication, on the
//! port RECON_TEST_REPLICA_PORT names, and one on the next port that a test may restart. Without the variable a test that needs the server is built as ignored
//! (`build.rs`); a server that cannot be had fails it, never skips it.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use sqlx::{Connection, Row};

use super::db::block_on;

/// A PostgreSQL cluster as Debian's postgresql-common names it.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub version: String,
    pub name: String,
    pub port: u16,
}

impl Cluster {
    /// One of its databases, as the superuser `postgres` over TCP.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// A program of the cluster's PostgreSQL version, such as `pgbench`.
    pub fn program(&self, name: &str) -> PathBuf {
        PathBuf::from(format!("/usr/lib/postgresql/{}/bin/{name}", self.version))
    }
}

/// The cluster on port RECON_TEST_REPLICA_PORT, with `wal_level = logical`: created (`pg_createcluster`,
/// trusting TCP connections from this machine, as a test server may) and started when absent; checked once
/// per test run.
pub fn logical_cluster() -> Cluster {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(|| ensure_logical_cluster(replica_port())) {
        Ok(cluster) => cluster.clone(),
        Err(why) => panic!("{why}"),
    }
}

fn replica_port() -> u16 {
    match std::env::var("RECON_TEST_REPLICA_PORT").map(|port| port.parse()) {
        Ok(Ok(port)) => port,
        _ => {
            panic!("RECON_TEST_REPLICA_PORT must be a port under CI=true (and the tests built with it): see the README")
        }
    }
}

/// A cluster of the tests' own that a test may stop and start (`restart`): on the port after
/// RECON_TEST_REPLICA_PORT, created and started when absent, so that no other test's server goes down.
pub fn restartable_cluster() -> Cluster {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(|| ensure_cluster(replica_port() + 1, &[])) {
        Ok(cluster) => cluster.clone(),
        Err(why) => panic!("{why}"),
    }
}

impl Cluster {
    /// Stops the cluster at once (open sessions are cut), then starts it again and waits until it is ready.
    pub fn restart(&self) {
        let stop =
            run("pg_ctlcluster", &["--skip-systemctl-redirect", &self.version, &self.name, "stop", "-m", "fast"]);
        let start =
            stop.and_then(|_| run("pg_ctlcluster", &["--skip-systemctl-redirect", &self.version, &self.name, "start"]));
        start.and_then(|_| wait_until_ready(self.port)).unwrap_or_else(|why| panic!("{why}"));
    }
}

/// The cluster on `port`, created (with these `--pgoption`s) and started when absent, and ready.
fn ensure_cluster(port: u16, options: &[&str]) -> Result<Cluster, String> {
    let (cluster, online) = match listed_on(port)? {
        Some(found) => found,
        None => (create(port, options)?, false),
    };
    if !online {
        let (version, name) = (cluster.version.as_str(), cluster.name.as_str());
        run("pg_ctlcluster", &["--skip-systemctl-redirect", version, name, "start"])?;
    }
    wait_until_ready(port)?;
    Ok(cluster)
}

fn ensure_logical_cluster(port: u16) -> Result<Cluster, String> {
    let cluster = ensure_cluster(port, &["wal_level=logical"])?;
    let level = block_on(async {
        let mut c = sqlx::PgConnection::connect(&cluster.url("postgres")).await?;
        sqlx::query("SHOW wal_level").fetch_one(&mut c).await?.try_get::<String, _>(0)
    })
    .map_err(|e| format!("cluster {} on port {port}: {e}", cluster.name))?;
    match level.as_str() {
        "logical" => Ok(cluster),
        _ => Err(format!("cluster {} on port {port} has wal_level = {level}: it needs logical", cluster.name)),
    }
}

/// The cluster `pg_lsclusters` lists on `port`, and whether it is online.
fn listed_on(port: u16) -> Result<Option<(Cluster, bool)>, String> {
    let listed = run("pg_lsclusters", &["--no-header"])?;
    for line in listed.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if let [version, name, listed_port, status, ..] = fields[..] {
            if listed_port == port.to_string() {
                let cluster = Cluster { version: version.into(), name: name.into(), port };
                return Ok(Some((cluster, status.starts_with("online"))));
            }
        }
    }
    Ok(None)
}

/// A new cluster of the newest PostgreSQL installed, named after its port, with these `--pgoption`s.
fn create(port: u16, options: &[&str]) -> Result<Cluster, String> {
    let installed = std::fs::read_dir("/usr/lib/postgresql").map_err(|e| format!("/usr/lib/postgresql: {e}"))?;
    let version = installed
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .max()
        .ok_or("no PostgreSQL server in /usr/lib/postgresql")?
        .to_string();
    let cluster = Cluster { version, name: format!("recon_{port}"), port };
    let port_text = port.to_string();
    let mut args = vec![cluster.version.as_str(), &cluster.name, "--port", &port_text];
    for option in options {
        args.extend(["--pgoption", option]);
    }
    args.extend(["--", "--auth-host=trust"]);
    run("pg_createcluster", &args)?;
    Ok(cluster)
}

fn wait_until_ready(port: u16) -> Result<(), String> {
    let port_text = port.to_string();
    for _ in 0..60 {
        if run("pg_isready", &["-q", "-h", "127.0.0.1", "-p", &port_text]).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    Err(format!("the PostgreSQL cluster on port {port} did not accept connections within 60 s"))
}

/// Runs a program to its end: what it printed, or why it failed.
fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let output = Command::new(program).args(args).output().map_err(|e| format!("{program}: {e}"))?;
    match output.status.success() {
        true => Ok(String::from_utf8_lossy(&output.stdout).into_owned()),
        false => Err(format!("{program} {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr).trim())),
    }
}

/// A hot standby of `primary` two ports after it (the next is the server-restart tests' cluster), made once with `pg_basebackup -R` into a cluster of its own
/// (`pg_createcluster`, its data directory replaced by the backup) and started when offline.
pub fn standby_of(primary: &Cluster) -> Cluster {
    static STANDBY: OnceLock<Result<Cluster, String>> = OnceLock::new();
    match STANDBY.get_or_init(|| ensure_standby(primary)) {
        Ok(cluster) => cluster.clone(),
        Err(why) => panic!("{why}"),
    }
}

fn ensure_standby(primary: &Cluster) -> Result<Cluster, String> {
    let port = primary.port + 2;
    let (cluster, online) = match listed_on(port)? {
        Some(found) => found,
        None => {
            let cluster = Cluster { version: primary.version.clone(), name: format!("recon_standby_{port}"), port };
            let port_text = port.to_string();
            run(
                "pg_createcluster",
                &[&cluster.version, &cluster.name, "--port", &port_text, "--", "--auth-host=trust"],
            )?;
            let data = format!("/var/lib/postgresql/{}/{}", cluster.version, cluster.name);
            // Emptied, not removed: the directory stays the server's own (mode 0700, owner postgres).
            for entry in std::fs::read_dir(&data).map_err(|e| format!("{data}: {e}"))? {
                let path = entry.map_err(|e| format!("{data}: {e}"))?.path();
                let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
                removed.map_err(|e| format!("{}: {e}", path.display()))?;
            }
            let primary_port = primary.port.to_string();
            let backup =
                [&primary.program("pg_basebackup").display().to_string(), "-h", "127.0.0.1", "-p", &primary_port];
            let command = format!("{} -U postgres -D {data} -R -X stream", backup.join(" "));
            run("runuser", &["-u", "postgres", "--", "sh", "-c", &command])?;
            (cluster, false)
        }
    };
    if !online {
        run("pg_ctlcluster", &["--skip-systemctl-redirect", &cluster.version, &cluster.name, "start"])?;
    }
    wait_until_ready(port)?;
    let recovering = block_on(async {
        let mut c = sqlx::PgConnection::connect(&cluster.url("postgres")).await?;
        sqlx::query("SELECT pg_is_in_recovery()").fetch_one(&mut c).await?.try_get::<bool, _>(0)
    })
    .map_err(|e| format!("standby {} on port {port}: {e}", cluster.name))?;
    match recovering {
        true => Ok(cluster),
        false => Err(format!("cluster {} on port {port} is not a standby", cluster.name)),
    }
}

/// Waits until `standby` has replayed everything `primary` has written so far (at most 60 s).
pub fn wait_for_replay(primary: &Cluster, standby: &Cluster) {
    let written: String = block_on(async {
        let mut c = sqlx::PgConnection::connect(&primary.url("postgres")).await?;
        sqlx::query_scalar("SELECT pg_current_wal_lsn()::text").fetch_one(&mut c).await
    })
    .expect("the primary's WAL position");
    for _ in 0..600 {
        let caught_up: bool = block_on(async {
            let mut c = sqlx::PgConnection::connect(&standby.url("postgres")).await?;
            sqlx::query_scalar("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn").bind(&written).fetch_one(&mut c).await
        })
        .expect("the standby's replay position");
        if caught_up {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the standby on port {} did not replay {written} within 60 s", standby.port);
}

/// A port nothing listens on now, for a server a test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// Waits until `name`, just started, accepts connections on `port` (at most 30 s, else the test fails).
pub fn wait_for_port(name: &str, port: u16) {
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "{name} did not answer on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A MariaDB server of one test's own, in a data directory of its own on a free port, that the test may stop
/// and start (`restart`) without taking the shared server down. Stopped when dropped.
pub struct OwnMariaDb {
    dir: tempfile::TempDir,
    pub port: u16,
    server: std::process::Child,
}

impl OwnMariaDb {
    /// A new server (`mariadb-install-db`, then `mariadbd` as root with no password), ready.
    pub fn start() -> OwnMariaDb {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = dir.path().join("data");
        let install = Command::new("mariadb-install-db")
            .args(["--no-defaults", "--user=root", "--auth-root-authentication-method=normal"])
            .arg(format!("--datadir={}", data.display()))
            .output()
            .expect("mariadb-install-db runs");
        assert!(install.status.success(), "mariadb-install-db: {}", String::from_utf8_lossy(&install.stderr));
        let port = free_port();
        let server = spawn_mariadbd(dir.path(), port);
        let own = OwnMariaDb { dir, port, server };
        own.wait_until_ready();
        own
    }

    pub fn url(&self, database: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{database}", self.port)
    }

    /// Shuts the server down (open sessions are cut: MariaDB tells them the server is shutting down), then
    /// starts it again on the same data and port, ready.
    pub fn restart(&mut self) {
        self.stop();
        self.server = spawn_mariadbd(self.dir.path(), self.port);
        self.wait_until_ready();
    }

    fn stop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.server.id().to_string()]).status();
        let _ = self.server.wait();
    }

    fn wait_until_ready(&self) {
        for _ in 0..120 {
            if let Ok(c) = block_on(sqlx::MySqlConnection::connect(&self.url("mysql"))) {
                // Closed, not dropped, so that the server counts no aborted client.
                return block_on(c.close()).expect("closed");
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!("the test's own MariaDB on port {} did not start within 60 s", self.port);
    }
}

impl Drop for OwnMariaDb {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn_mariadbd(dir: &std::path::Path, port: u16) -> std::process::Child {
    Command::new("mariadbd")
        .args(["--no-defaults", "--user=root", "--bind-address=127.0.0.1", "--skip-log-bin"])
        .arg(format!("--datadir={}", dir.join("data").display()))
        .arg(format!("--port={port}"))
        .arg(format!("--socket={}", dir.join("sock").display()))
        .arg(format!("--pid-file={}", dir.join("pid").display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("mariadbd starts")
}
