//! The test harness: runs the `recon` binary from the repository root and captures what it printed; the
//! servers the tests reach and what they run there (`db`, `servers`), the files they write (`files`), and
//! `src/`'s import graph (`imports`).

use std::path::{Path, PathBuf};
use std::process::Command;

pub mod db;
pub mod files;
pub mod imports;
pub mod servers;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `recon ARGS` in the repository root.
pub fn recon(args: &[&str]) -> Run {
    recon_with(args, &[])
}

/// Runs `recon ARGS` with these environment variables set.
pub fn recon_with(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_recon"));
    // The terminal's width only where a test gives it: every other test reads the report as a pipe shows it.
    command.args(args).current_dir(root()).env_remove("COLUMNS").envs(env.iter().copied());
    let output = command.output().expect("run recon");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("scratch dir")
}

pub fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

pub const ORDERS: [&str; 5] = ["diff", "fixtures/orders/legacy.parquet", "fixtures/orders/new/", "--key", "order_id"];

pub const CUSTOMERS: [&str; 11] = [
    "diff",
    "fixtures/customers/crm.csv",
    "fixtures/customers/warehouse.arrow",
    "--key",
    "region,customer_no",
    "--csv-delimiter",
    ";",
    "--csv-null",
    "\\N",
    "--map",
    "phone=phone_number",
];

/// The args with more appended.
pub fn with<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}
