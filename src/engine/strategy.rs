//! `--strategy` (DESIGN.md, "One pass or two"): whether a table's rows are read once, keeping every row's
//! 40-byte digest (in memory, spilled beyond the memory limit's share), or twice — bucket fingerprints first,
//! then only the rows of buckets that differ. Chosen before reading from the rows each side is known to hold,
//! and checked against the spill directory's free space, so that a run that cannot fit stops at once, saying
//! what would help, instead of filling the disk hours in.

use std::path::Path;

use crate::compare::buckets;
use crate::digest::spill::{self, Record};
use crate::digest::{self, tally_bits, RowDigest, Select, SideDigest, Tally, PARTITIONS};
use crate::error::{Error, Result};
use crate::normalize::SideColumns;
use crate::plan::Plan;
use crate::progress::Total;
use crate::report::model::StrategyReport;
use crate::session::{Memory, Session};
use crate::side::{Side, Sides};
use crate::source::Dataset;
use crate::spec::Strategy;

const DIGEST_BYTES: u64 = <RowDigest as Record>::BYTES as u64;
const KEY_HASH_BYTES: u64 = <u64 as Record>::BYTES as u64;

/// The strategy a table is read with, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Choice {
    pub two_pass: bool,
    pub why: String,
}

impl Choice {
    pub fn name(&self) -> &'static str {
        match self.two_pass {
            true => Strategy::TwoPass.name(),
            false => Strategy::OnePass.name(),
        }
    }
}

/// The rows read, hashed and kept for the comparison, however many passes it took.
pub(super) struct Read {
    pub digests: Sides<SideDigest>,
    /// Source rows of buckets the first of two passes proved matched (never digested).
    pub matched: u64,
    pub report: StrategyReport,
}

/// What each side will hand the comparison, where known before reading: `None` for a side whose rows no one
/// counted, and for sides a sample or key list narrows (they digest fewer rows than they hold).
fn known_rows(plan: &Plan, totals: &Sides<Option<Total>>) -> Sides<Option<u64>> {
    let narrowed = plan.sample.is_some() || plan.key_set.is_some();
    totals.map(|total| match total {
        _ if narrowed => None,
        Some(Total::Exact(rows) | Total::Estimate(rows)) => Some(rows),
        None => None,
    })
}

/// Bytes one pass spills: each side's digests beyond its share of memory.
fn one_pass_spill(rows: Sides<u64>, memory: &Memory) -> u64 {
    rows.iter().map(|(_, &rows)| (rows * DIGEST_BYTES).saturating_sub(memory.digests_per_side)).sum()
}

/// Bytes two passes spill (beyond the second pass's digests of differing buckets, which a few defects keep
/// small): the source's key hashes beyond their share of memory, where kept.
fn two_pass_spill(source_rows: u64, memory: &Memory, keys_kept: bool) -> u64 {
    match keys_kept {
        true => (source_rows * KEY_HASH_BYTES).saturating_sub(memory.key_hashes),
        false => 0,
    }
}

/// Whether the first of two passes keeps the source's key hashes: unless a key cannot repeat (keyless: a
/// repeated row is just a row held twice; or a key its database declares unique).
fn keeps_key_hashes(plan: &Plan) -> bool {
    !plan.keyless && !plan.key_declared_unique()
}

/// Chooses how `plan`'s table is read, and checks that the spill it needs fits in the spill directory
/// (`free`: its free bytes, asked only when the strategy spills).
pub(super) fn choose(
    plan: &Plan,
    totals: &Sides<Option<Total>>,
    free: impl FnOnce(&Path) -> std::io::Result<u64>,
) -> Result<Choice> {
    let rows = known_rows(plan, totals);
    let memory = &plan.memory;
    let one_pass = rows.source.zip(rows.target).map(|(s, t)| one_pass_spill(Sides::new(s, t), memory));
    let two_pass = rows.source.map(|s| two_pass_spill(s, memory, keeps_key_hashes(plan)));
    let choice = match (plan.strategy, one_pass) {
        (Strategy::OnePass, _) => Choice { two_pass: false, why: "--strategy one-pass".into() },
        (Strategy::TwoPass, _) => Choice { two_pass: true, why: "--strategy two-pass".into() },
        (Strategy::Auto, None) => Choice {
            two_pass: false,
            why: "the rows are not known before reading: one pass, spilling the digests beyond memory".into(),
        },
        (Strategy::Auto, Some(0)) => Choice {
            two_pass: false,
            why: format!("both sides' row digests fit in memory ({} a side)", size(memory.digests_per_side)),
        },
        (Strategy::Auto, Some(spill)) => Choice {
            two_pass: true,
            why: format!(
                "one pass would spill {} of row digests beyond memory ({} a side): fingerprints first",
                size(spill),
                size(memory.digests_per_side)
            ),
        },
    };
    let need = match choice.two_pass {
        true => two_pass,
        false => one_pass,
    };
    if let Some(need) = need.filter(|&n| n > 0) {
        let free = free(&plan.spill_dir).map_err(|e| Error::spill(&plan.spill_dir, e))?;
        if need > free {
            return Err(Error::spill_space(&plan.spill_dir, too_little(&choice, need, free, two_pass)));
        }
    }
    Ok(choice)
}

/// What a strategy needing `need` bytes in a directory with `free` says, and what would help.
fn too_little(choice: &Choice, need: u64, free: u64, two_pass: Option<u64>) -> String {
    let (what, others) = match choice.two_pass {
        true => ("two passes need", String::new()),
        false => (
            "one pass needs",
            match two_pass {
                Some(0) => ", or --strategy two-pass (which spills nothing here)".to_string(),
                Some(n) if n < free => format!(", or --strategy two-pass (which needs {})", size(n)),
                _ => String::new(),
            },
        ),
    };
    format!(
        "{what} about {} of spill space and {} is free: give --spill-dir a directory with more room, \
         raise --memory-limit{others}",
        size(need),
        size(free)
    )
}

/// A directory's free bytes, as an unprivileged user may fill them.
pub(super) fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    let stat = rustix::fs::statvfs(dir)?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// Bytes as the messages say them: `3.7 MiB`, `48.0 GiB`.
fn size(bytes: u64) -> String {
    let b = bytes as f64;
    match bytes {
        0..0x10_0000 => format!("{:.1} KiB", b / 1024.0),
        0x10_0000..0x4000_0000 => format!("{:.1} MiB", b / f64::from(1 << 20)),
        _ => format!("{:.1} GiB", b / f64::from(1 << 30)),
    }
}

/// Reads both sides as `choice` says; `progress` opens a progress line for a pass (named for the second of two).
pub(super) fn read(
    plan: &Plan,
    session: &Session,
    label: &str,
    sides: Sides<(&Dataset, &SideColumns)>,
    totals: Sides<Option<Total>>,
    choice: &Choice,
) -> Result<Read> {
    let select = Select { sample: plan.sample.as_ref(), keys: plan.key_set.as_deref(), buckets: None };
    let scan = |select: Select, pass: Option<&str>| {
        let progress = session.progress.table(label, pass, totals);
        digest::scan(sides, select, plan.memory.digests_per_side, &plan.spill_dir, &progress.counters)
    };
    if !choice.two_pass {
        let digests = scan(select, None)?;
        let report = StrategyReport {
            name: choice.name().into(),
            why: choice.why.clone(),
            passes: 1,
            spill_bytes: digests.source.stats.spilled + digests.target.stats.spilled,
            rows_read_again: Sides::default(),
            buckets: None,
            buckets_read_again: None,
        };
        return Ok(Read { digests, matched: 0, report });
    }

    // Pass one: bucket fingerprints, and the source's key hashes.
    let rows = known_rows(plan, &totals);
    let bits = tally_bits(rows.source.max(rows.target), plan.memory.fingerprints);
    let keys = keeps_key_hashes(plan).then(|| spill::Store::new(plan.memory.key_hashes, plan.spill_dir.clone()));
    let tallies = Sides::new(Tally::new(bits, keys), Tally::new(bits, None));
    let first = {
        let progress = session.progress.table(label, Some("pass 1/2, fingerprints"), totals);
        digest::tally(sides, select, tallies, &progress.counters)?
    };
    let Sides { source, target } = first;
    let reread = buckets::reread(source.partitions, target.partitions, source.keys, bits)
        .map_err(|e| Error::spill(&plan.spill_dir, e))?;
    let (first_stats, fingerprints) =
        (Sides::new(source.stats, target.stats), Sides::new(source.fingerprint, target.fingerprint));
    let null_keys = Sides::new(source.null_keys, target.null_keys);
    tracing::info!(
        "{}first pass: {} of {} buckets differ or may hide a repeated key",
        super::line_prefix(label),
        reread.buckets.len(),
        1u64 << bits
    );
    let mut report = StrategyReport {
        name: choice.name().into(),
        why: choice.why.clone(),
        passes: 1,
        spill_bytes: first_stats.source.spilled,
        rows_read_again: Sides::default(),
        buckets: Some(1 << bits),
        buckets_read_again: Some(reread.buckets.len()),
    };
    // Every bucket equal and no row with a NULL key: nothing to show, nothing to read again.
    let digests = if reread.buckets.is_empty() && null_keys.iter().all(|(_, rows)| rows.is_empty()) {
        Sides::from_fn(|side| SideDigest {
            partitions: (0..PARTITIONS).map(|_| spill::Partition::default()).collect(),
            null_keys: Vec::new(),
            fingerprint: fingerprints[side],
            stats: first_stats[side],
            keys: Vec::new(),
        })
    } else {
        let again = Select { buckets: Some(&reread.buckets), ..select };
        let mut second = scan(again, Some("pass 2/2, reading differing buckets again"))?;
        for side in Side::BOTH {
            // The second pass digests what the first fingerprinted in those buckets, or the data moved.
            let mut expected = reread.again[side];
            null_keys[side].iter().for_each(|(_, hash)| expected.add(*hash));
            let digest = &mut second[side];
            if digest.fingerprint != expected {
                let location = plan.datasets[side].location.to_string();
                return Err(Error::input(location, "rows changed between the two passes' reads of the same data"));
            }
            report.rows_read_again[side] = digest.stats.rows;
            report.spill_bytes += digest.stats.spilled;
            digest.fingerprint = fingerprints[side];
            digest.stats.read += first_stats[side].read;
            digest.stats.hash += first_stats[side].hash;
            digest.stats.spilled += first_stats[side].spilled;
        }
        report.passes = 2;
        second
    };
    Ok(Read { digests, matched: reread.matched, report })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_strategy_spills_what_exceeds_its_share_of_memory() {
        let memory = Memory::of(2 << 30);
        // SF100's lineitem in 2 GB: 24 GB of digests a side less 512 MiB each; 4.8 GB of key hashes less 512 MiB.
        let rows = 600_037_902;
        assert_eq!(one_pass_spill(Sides::new(rows, rows), &memory), 2 * (rows * 40 - (512 << 20)));
        assert_eq!(two_pass_spill(rows, &memory, true), rows * 8 - (512 << 20));
        assert_eq!(two_pass_spill(rows, &memory, false), 0);
        assert_eq!(one_pass_spill(Sides::new(1000, 13_421_772), &memory), 0);
    }

    #[test]
    fn too_little_room_says_how_much_and_what_helps() {
        let one = Choice { two_pass: false, why: String::new() };
        let (gib, mib) = (1u64 << 30, 1u64 << 20);
        assert_eq!(
            too_little(&one, 47 * gib, 30 * gib, Some(4 * gib)),
            "one pass needs about 47.0 GiB of spill space and 30.0 GiB is free: give --spill-dir a directory with \
             more room, raise --memory-limit, or --strategy two-pass (which needs 4.0 GiB)"
        );
        assert!(too_little(&one, 47 * gib, 3 * gib, Some(4 * gib)).ends_with("raise --memory-limit"));
        assert!(too_little(&one, 3 * mib, mib, Some(0)).ends_with("or --strategy two-pass (which spills nothing here)"));
        let two = Choice { two_pass: true, why: String::new() };
        assert_eq!(
            too_little(&two, 4 * gib, 512 * mib, None),
            "two passes need about 4.0 GiB of spill space and 512.0 MiB is free: give --spill-dir a directory with \
             more room, raise --memory-limit"
        );
    }
}
