//! `--retries`: a table whose database connection dropped (a server restarted or shut down, a session killed)
//! is read again after a growing wait, in a fresh snapshot on fresh connections — so after an audit's shared
//! snapshot, not in it; the caller's report says how many times.

use std::time::Duration;

use super::Table;
use crate::error::Result;
use crate::side::{Side, Sides};
use crate::spec::TableSpec;

/// Runs `attempt`, and while it fails with a lost connection runs it again, up to `spec.retries` times, after
/// 1, 2, 4… seconds (at most 30), with a spec and table that read in fresh snapshots on fresh connections.
/// Returns its last result and how many retries it took.
pub fn retried<T>(
    spec: &TableSpec,
    table: &Table,
    mut attempt: impl FnMut(&TableSpec, &Table) -> Result<T>,
) -> (Result<T>, u32) {
    let mut result = attempt(spec, table);
    let mut made = 0;
    while made < spec.retries && result.as_ref().is_err_and(|e| e.is_disconnected()) {
        let wait = Duration::from_secs(1 << made.min(5)).min(Duration::from_secs(30));
        if let Err(error) = &result {
            tracing::warn!(
                "{}{error}; reading it again in {wait:?}, in a fresh snapshot",
                super::line_prefix(&table.label)
            );
        }
        std::thread::sleep(wait);
        made += 1;
        let mut fresh = spec.clone();
        for side in Side::BOTH {
            fresh.sides[side].snapshot = None;
        }
        result = attempt(&fresh, &Table { connections: Sides::default(), ..table.clone() });
    }
    (result, made)
}
