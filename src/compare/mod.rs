//! ④ Comparison: the fingerprint tier narrows both sides to the buckets that differ, DataFusion classifies
//! those keys, and the row tier reads back the rows that findings name to tell which columns differ.

pub mod buckets;
pub mod classify;
pub mod sample;
pub mod values;

use std::collections::HashMap;

use crate::cli::plan::AuditPlan;
use crate::digest::{Fingerprint, SideDigest};
use crate::error::{Error, Result};
use crate::normalize::SideColumns;
use crate::source::Ordinal;

pub use classify::{Duplicate, OneSided};
pub use values::{Fetched, Mismatch};

/// Every difference found, with the canonical rows needed to show them.
pub struct Findings {
    pub fingerprints: [Fingerprint; 2],
    pub scans: [crate::digest::ScanStats; 2],
    pub timings: CompareSeconds,
    pub matched: u64,
    pub missing: Vec<OneSided>,
    pub extra: Vec<OneSided>,
    pub duplicates: Vec<Duplicate>,
    pub mismatched: Vec<Mismatch>,
    /// Mismatched keys per compared column, over all mismatches.
    pub column_mismatches: Vec<u64>,
    pub null_keys: [Vec<Ordinal>; 2],
    /// Rows read again: every mismatch, and the rows the report or `--diff-out` shows.
    pub fetched: [Fetched; 2],
}

/// Wall-clock seconds of the comparison's steps: the fingerprint tier (loading partitions, spilled ones
/// included), DataFusion's classification of the residue, and reading back the rows findings show.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct CompareSeconds {
    pub fingerprints: f64,
    pub classify: f64,
    pub reread: f64,
}

/// `columns` are each side's columns as pass one read them.
pub fn compare(
    plan: &AuditPlan,
    columns: [&SideColumns; 2],
    digests: [SideDigest; 2],
    threads: usize,
) -> Result<Findings> {
    let [mut source, mut target] = digests;
    let fingerprints = [source.fingerprint, target.fingerprint];
    let scans = [source.stats, target.stats];
    let kept_keys = [std::mem::take(&mut source.keys), std::mem::take(&mut target.keys)];
    let mut null_keys = [std::mem::take(&mut source.null_keys), std::mem::take(&mut target.null_keys)];
    for side in &mut null_keys {
        side.sort_unstable();
    }
    let started = std::time::Instant::now();
    let residue = buckets::residue(source, target)
        .map_err(|e| Error::input("spill", format!("cannot read spilled digests: {e}")))?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .build()
        .map_err(|e| Error::input("recon", format!("cannot start DataFusion's runtime: {e}")))?;
    let fingerprinted = started.elapsed();
    let classes = runtime.block_on(classify::classify(&residue.source, &residue.target, threads))?;
    let classified = started.elapsed();

    // Both sides read back at once.
    let [source_wanted, target_wanted] = wanted_rows(plan, &classes, &null_keys);
    let load = |side: usize, ordinals: Vec<Ordinal>| -> Result<Fetched> {
        // A database finds rows again by row hash: every wanted row is in the residue or has a NULL key.
        let residue_side = if side == 0 { &residue.source } else { &residue.target };
        let hashes: HashMap<Ordinal, u128> =
            residue_side.iter().map(|d| (d.ordinal, d.row())).chain(null_keys[side].iter().copied()).collect();
        let wanted = ordinals.into_iter().map(|o| (o, hashes.get(&o).copied().unwrap_or(0))).collect();
        Fetched::load(plan.dataset(side), columns[side], wanted, &kept_keys[side])
    };
    let (source_rows, target_rows) = rayon::join(|| load(0, source_wanted), || load(1, target_wanted));
    let fetched = [source_rows?, target_rows?];
    let timings = CompareSeconds {
        fingerprints: fingerprinted.as_secs_f64(),
        classify: (classified - fingerprinted).as_secs_f64(),
        reread: (started.elapsed() - classified).as_secs_f64(),
    };

    let (mismatched, equal) = values::confirm(&classes.candidates, [&fetched[0], &fetched[1]], columns[0])?;
    let mut column_mismatches = vec![0u64; plan.columns.len()];
    for m in &mismatched {
        for &c in &m.columns {
            column_mismatches[c] += 1;
        }
    }
    Ok(Findings {
        fingerprints,
        scans,
        timings,
        matched: residue.matched + classes.matched + equal,
        missing: classes.missing,
        extra: classes.extra,
        duplicates: classes.duplicates,
        mismatched,
        column_mismatches,
        null_keys: null_keys.map(|rows| rows.into_iter().map(|(ordinal, _)| ordinal).collect()),
        fetched,
    })
}

/// The rows each side must read again: every mismatch candidate, and of the other findings as many as the
/// report shows (all of them with `--diff-out`).
fn wanted_rows(
    plan: &AuditPlan,
    classes: &classify::Classes,
    null_keys: &[Vec<(Ordinal, u128)>; 2],
) -> [Vec<Ordinal>; 2] {
    let shown = if plan.diff_out.is_some() { usize::MAX } else { plan.max_examples };
    let mut wanted: [Vec<Ordinal>; 2] = [Vec::new(), Vec::new()];
    for c in &classes.candidates {
        wanted[0].push(c.source_ordinal);
        wanted[1].push(c.target_ordinal);
    }
    wanted[0].extend(classes.missing.iter().take(shown).map(|k| k.ordinal));
    wanted[1].extend(classes.extra.iter().take(shown).map(|k| k.ordinal));
    let duplicates = |on_side: fn(&Duplicate) -> bool| classes.duplicates.iter().filter(move |d| on_side(d));
    let source_dups = duplicates(|d| d.source_count > 1);
    let target_dups = duplicates(|d| d.target_count > 1);
    for (side, ordinal) in source_dups.take(shown).chain(target_dups.take(shown)).filter_map(Duplicate::shown_row) {
        wanted[side].push(ordinal);
    }
    for (side, rows) in null_keys.iter().enumerate() {
        wanted[side].extend(rows.iter().take(shown).map(|(ordinal, _)| *ordinal));
    }
    wanted
}
