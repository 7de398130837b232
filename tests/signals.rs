//! A scheduler's SIGTERM or a person's Ctrl-C sent to a running diff or audit: exit code 143 or 130, one line
//! on stderr saying what was finished and how to resume, and no output or temporary file left half-written.
//! Two audits on one `--state` directory: the second stops, naming the first.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::db::server;
use crate::util::{path, recon, scratch};

/// The table files `--state` holds, whole ones only: one being written is a temporary file beside them.
fn kept(state: &Path) -> usize {
    std::fs::read_dir(state)
        .map_or(0, |d| d.flatten().filter(|e| e.path().extension().is_some_and(|x| x == "json")).count())
}

/// Every name in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("a directory")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into())
        .collect();
    names.sort();
    names
}

fn start(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_recon"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("recon starts")
}

fn send(child: Child, signal: &str) -> Output {
    Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().expect("kill");
    child.wait_with_output().expect("recon ends")
}

/// Two directories of 40 identical CSV tables of 20,000 rows in `dir`, `source` and `target`: an audit of them
/// takes long enough to be stopped mid-way.
fn forty_tables(dir: &Path) {
    for side in ["source", "target"] {
        std::fs::create_dir(dir.join(side)).unwrap();
        for table in 0..40 {
            let rows: String = (0..20_000).map(|i| format!("{i},{},row {i}\n", i * 7 % 1000)).collect();
            std::fs::write(dir.join(side).join(format!("t{table:02}.csv")), format!("id,n,label\n{rows}")).unwrap();
        }
    }
}

/// The arguments of an audit of [`forty_tables`] in `dir` with `--state DIR/state`, and `more`.
fn audit_args(dir: &Path, more: &[&str]) -> Vec<String> {
    let (source, target, state) = (dir.join("source"), dir.join("target"), dir.join("state"));
    let mut args = vec!["audit", path(&source), path(&target), "--key", "id", "--state", path(&state), "-q"];
    args.extend_from_slice(more);
    args.into_iter().map(String::from).collect()
}

/// Starts an audit of [`forty_tables`] in `dir` and returns once it kept its first table in `--state`.
fn start_audit(dir: &Path, more: &[&str]) -> Child {
    let child = start(&audit_args(dir, more).iter().map(String::as_str).collect::<Vec<_>>());
    let started = Instant::now();
    while kept(&dir.join("state")) == 0 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

/// An audit of 40 tables stopped by `signal` once the first table is kept in `--state`.
fn audit_stopped_by(signal: &str, code: i32, said: &str) {
    let dir = scratch();
    forty_tables(dir.path());
    let state = dir.path().join("state");
    let (report, html, spill) =
        (dir.path().join("report.json"), dir.path().join("report.html"), dir.path().join("spill"));
    std::fs::create_dir(&spill).unwrap();
    let args = |more: &[&str]| audit_args(dir.path(), more);
    let outputs = ["--output", path(&report), "--html", path(&html), "--spill-dir", path(&spill)];
    let child = start_audit(dir.path(), &outputs);
    let output = send(child, signal);
    assert_eq!(output.status.code(), Some(code), "{signal}");
    let finished = kept(&state);
    assert!((1..40).contains(&finished), "{finished} tables kept");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let resume =
        format!("{finished} finished tables are kept in {}; rerun with the same --state to resume", state.display());
    assert!(stderr.contains(said) && stderr.trim_end().ends_with(&resume), "{stderr}");
    assert_eq!(names(dir.path()), ["source", "spill", "state", "target"], "no report, no temporary file");
    assert!(names(&spill).is_empty(), "the run's spill directory is gone: {:?}", names(&spill));
    // Whole state files, and the lock file the audit held.
    assert_eq!(names(&state).len(), finished + 1, "only whole state files: {:?}", names(&state));

    let rerun = recon(&args(&["--format", "json"]).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    let report = rerun.json();
    assert_eq!(report["stats"]["resumed"].as_u64(), Some(finished as u64));
    assert_eq!(report["summary"]["passed"], 40);
}

#[test]
fn ctrl_c_ends_an_audit_with_130_and_a_rerun_resumes_from_the_state() {
    audit_stopped_by("INT", 130, "interrupted (Ctrl-C) after ");
}

#[test]
fn sigterm_ends_an_audit_with_143_and_a_rerun_resumes_from_the_state() {
    audit_stopped_by("TERM", 143, "terminated (SIGTERM) after ");
}

/// Two cron entries that overlap: a second audit on a `--state` directory in use stops at once with exit 2
/// naming the first; once the first has ended, even killed, the directory is free and a rerun resumes from it.
#[test]
fn a_second_audit_on_a_state_directory_in_use_stops_naming_the_first() {
    let dir = scratch();
    forty_tables(dir.path());
    let first = start_audit(dir.path(), &[]);
    let second = recon(&audit_args(dir.path(), &[]).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(second.code, 2, "{}", second.stderr);
    let holder = format!("is in use by another recon audit (process {}, started ", first.id());
    assert!(second.stderr.contains(&holder), "{}", second.stderr);

    let killed = send(first, "KILL");
    assert_eq!(killed.status.code(), None, "killed by a signal");
    let rerun = recon(&audit_args(dir.path(), &["--format", "json"]).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert!(rerun.json()["stats"]["resumed"].as_u64() >= Some(1), "{}", rerun.stdout);
    assert_eq!(rerun.json()["summary"]["passed"], 40);
}

/// A diff (or profile: `command`) whose source query sleeps on the server, stopped by `signal` while it waits.
fn stopped_by(command: &str, signal: &str, code: i32, said: &str) {
    let url = server("RECON_TEST_POSTGRES_URL");
    let dir = scratch();
    let (target, report) = (dir.path().join("target.csv"), dir.path().join("report.json"));
    std::fs::write(&target, "id\n1\n2\n3\n").unwrap();
    let query = "SELECT g AS id FROM generate_series(1, 3) g, LATERAL (SELECT pg_sleep(2)) s";
    let args = [command, &url, path(&target), "--source-query", query, "--key", "id", "--output", path(&report), "-q"];
    let child = start(&args);
    std::thread::sleep(Duration::from_millis(1500));
    let output = send(child, signal);
    assert_eq!(output.status.code(), Some(code), "{signal}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(said)
            && stderr.trim_end().ends_with(&format!("no output was written; run the {command} again")),
        "{stderr}"
    );
    assert_eq!(names(dir.path()), ["target.csv"], "no report, no temporary file");
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn sigterm_ends_a_diff_with_143_and_writes_nothing() {
    stopped_by("diff", "TERM", 143, "terminated (SIGTERM) after ");
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn ctrl_c_ends_a_diff_with_130_and_writes_nothing() {
    stopped_by("diff", "INT", 130, "interrupted (Ctrl-C) after ");
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn sigterm_ends_a_profile_with_143_and_writes_nothing() {
    stopped_by("profile", "TERM", 143, "terminated (SIGTERM) after ");
}
