//! What `--help` ends with (examples and the exit codes), and the shell completions and man pages generated
//! from the clap definitions themselves, so that neither can drift from the options recon takes.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use super::Cli;
use crate::error::{Error, Result};

/// The exit codes, as the end of each command's help states them.
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0    reconciled: every category within its budget
  1    differences beyond a budget
  2    error: bad arguments or input, an unreachable database, an unreadable file (the message says where)
  130  interrupted (Ctrl-C)
  143  terminated (SIGTERM)"
    };
}

pub const RECON: &str = concat!(
    "Examples:
  recon diff legacy.parquet exports/orders/ --key order_id
  recon diff 'postgres://app@db/shop#public.orders' 'mysql://app@new-db/shop#orders' --html report.html
  recon audit 'postgres://app@db/shop#public' 'mysql://app@new-db/shop' --junit junit.xml
  recon audit audit.toml --format json --output audit.json
  recon profile 'postgres://app@db/shop#public.lineitem' exports/lineitem/
  recon history nightly.db --open
  recon completions bash > ~/.local/share/bash-completion/completions/recon

",
    exit_codes!()
);

pub const DIFF: &str = concat!(
    "Examples:
  recon diff legacy.parquet exports/orders/ --key order_id
  recon diff a.csv b.csv --key region,invoice_no --max-mismatched 0.1% --format json --output report.json
  recon diff 'sqlite://legacy.db#orders' exports/orders/ --html report.html --markdown summary.md
  recon diff \"$SHOP_URL\" exports/orders/ --source-query 'SELECT * FROM orders WHERE NOT test' --key id
  recon diff 'postgres://app@db/shop#public.orders' 'mysql://app@new-db/shop#orders' --repair-sql repair.sql

",
    exit_codes!()
);

pub const PROFILE: &str = concat!(
    "Examples:
  recon profile 'postgres://app@db/shop#public.lineitem' exports/lineitem/
  recon profile legacy.parquet 'mysql://app@new-db/shop#orders' --profile-group-by ordered_at:month
  recon profile a.csv b.csv --columns amount,note --profile-tolerance 0.001% --format json

Per column, on each side: count, nulls, distinct values (exact up to --profile-distinct-limit rows, estimated
beyond), min, max, sum (exact for integers and decimals) and mean text length, computed inside each database
in one statement (DataFusion over files) and compared under the equivalence policy. Exit 1 when a statistic
differs.

",
    exit_codes!()
);

pub const AUDIT: &str = concat!(
    "Examples:
  recon audit 'postgres://app@db/shop#public' 'mysql://app@new-db/shop' --jobs 4
  recon audit sqlite://legacy.db exports/ --skip-tables 'tmp_*' --html audit.html
  recon audit audit.toml --state audit-state/ --junit junit.xml
  recon audit 'postgres://app@db/shop#public' 'mysql://app@new-db/shop' --repair-sql repair.sql

A key list names one table's keys: give it as keys = \"FILE\" in that table's [[table]] entry of a config
file. --source-query, --target-query and --name are recon diff's.

",
    exit_codes!()
);

pub const HISTORY: &str = "Examples:
  recon history nightly.db --last 5
  recon history nightly.db --open --table orders --format json
  recon history nightly.db --html trend.html
  recon history accept nightly.db --table orders
  recon history prune nightly.db --keep 30

Exit codes: 0 done, 2 error (no such file, an unknown or ambiguous --table).";

pub const VERIFY: &str = "Examples:
  recon verify evidence/report.json
  recon verify evidence/report.json --public-key signer.pub.pem

The files a report names are found relative to its directory: an evidence folder moved whole still verifies.
Without --public-key a signature is only checked against the key the report names, which shows it intact,
not who made it.

Exit codes: 0 verified, 1 something differs (the line of each check says what), 2 error (an unreadable file,
not a recon report with an integrity block, a key file that is not an Ed25519 public key).";

/// The shells `recon completions` writes for.
pub use clap_complete::Shell;

/// The completion script for `shell` (built in memory: clap_complete panics on a failed write, and stdout may
/// be a pipe that closes early).
pub fn completions(shell: Shell) -> String {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "recon", &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

/// Writes recon(1), the page of the whole program, to `out`.
pub fn man_page(out: &mut dyn Write) -> Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out).map_err(|e| Error::io("stdout", e))
}

/// Writes recon.1 and a page per command (recon-diff.1, recon-audit.1, …) into `dir`.
pub fn man_pages(dir: &Path) -> Result<()> {
    clap_mangen::generate_to(Cli::command(), dir).map_err(|e| Error::io(dir, e))
}
