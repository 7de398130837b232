//! One run per table at a time: the lock row naming the process that compares a table, and whether that
//! process is still alive (a run killed with SIGKILL leaves its row behind; the next run takes it over).

use std::fmt;

use sqlx::{Row, SqliteConnection};

const HOLDER: &str = include_str!("../../queries/history_lock_holder.sql");
const TAKE: &str = include_str!("../../queries/history_lock_take.sql");
const RELEASE: &str = include_str!("../../queries/history_lock_release.sql");

/// A process, named so that a reused pid is not mistaken for it: its pid, host, and start (the boot's id and
/// the process's start time since boot, from `/proc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Process {
    pid: i64,
    host: String,
    start: String,
}

/// Who holds a table's lock, and since when.
pub(super) struct Holder {
    pub(super) process: Process,
    pub(super) since: String,
}

impl Process {
    pub(super) fn current() -> Process {
        let pid = std::process::id();
        Process { pid: i64::from(pid), host: host(), start: start_of(pid).unwrap_or_default() }
    }

    /// Whether the process is alive. On another host recon cannot tell, so it is taken to be (the error then
    /// names the host).
    pub(super) fn alive(&self) -> bool {
        if self.host != host() {
            return true;
        }
        match u32::try_from(self.pid).ok().and_then(start_of) {
            Some(start) => start == self.start,
            // Without /proc (not Linux) every holder on this host counts as alive.
            None => !std::path::Path::new("/proc/self/stat").exists(),
        }
    }
}

impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "process {} on {}", self.pid, self.host)
    }
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// `boot id:start time` of a live process, from `/proc` (proc(5): field 22 of `/proc/PID/stat` is the start
/// time in clock ticks since boot; the command name before it is in parentheses and may hold spaces).
fn start_of(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    let start = after_name.split_whitespace().nth(19)?;
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap_or_default();
    Some(format!("{}:{start}", boot.trim()))
}

pub(super) async fn holder(conn: &mut SqliteConnection, table: &str) -> Result<Option<Holder>, sqlx::Error> {
    let row = sqlx::query(HOLDER).bind(table).fetch_optional(conn).await?;
    row.map(|r| {
        Ok(Holder {
            process: Process { pid: r.try_get(0)?, host: r.try_get(1)?, start: r.try_get(2)? },
            since: r.try_get(3)?,
        })
    })
    .transpose()
}

pub(super) async fn take(conn: &mut SqliteConnection, table: &str, me: &Process) -> Result<(), sqlx::Error> {
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    sqlx::query(TAKE).bind(table).bind(me.pid).bind(&me.host).bind(&me.start).bind(since).execute(conn).await?;
    Ok(())
}

pub(super) async fn release(conn: &mut SqliteConnection, table: &str, me: &Process) -> Result<(), sqlx::Error> {
    sqlx::query(RELEASE).bind(table).bind(me.pid).bind(&me.host).bind(&me.start).execute(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_made_up_one_is_not() {
        let me = Process::current();
        assert!(me.alive());
        let gone = Process { start: "not-a-boot:0".into(), ..me.clone() };
        assert!(!gone.alive());
        let elsewhere = Process { host: format!("{}-elsewhere", me.host), ..me };
        assert!(elsewhere.alive());
    }
}
