//! `--strategy` (DESIGN.md, "One pass or two"): whether a table's rows are read once, keeping every row's
//! 40-byte digest (in memory, spilled beyond the memory limit's share), or twice — bucket fingerprints first,
//! then only the rows of buckets that differ. Chosen before reading from the rows each side is known to hold,
//! and checked against the spill directory's free space, so that a run that cannot fit stops at once, saying
//! what would help, instead of filling the disk hours in.

use std::path::Path;

use crate::compare::buckets;
use crate::digest::spill::{self, Record};
use crate::digest::{self, tally_bits, Fingerprint, RowDigest, Select, SideDigest, SideTally, Tally, PARTITIONS};
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
/// (`free`: its free bytes, asked only when a strategy would spill). `auto` reads once while one pass's spill
/// fits in [`SPILL_SHARE`] of the free space (reading each side once beats reading it twice plus the rows of
/// differing buckets: at SF10 in 2 GB, 74 s against 119 s), and twice where it would not.
pub(super) fn choose(
    plan: &Plan,
    totals: &Sides<Option<Total>>,
    free: impl FnOnce(&Path) -> std::io::Result<u64>,
) -> Result<Choice> {
    let rows = known_rows(plan, totals);
    let memory = &plan.memory;
    let one_pass = rows.source.zip(rows.target).map(|(s, t)| one_pass_spill(Sides::new(s, t), memory));
    let two_pass = rows.source.map(|s| two_pass_spill(s, memory, keeps_key_hashes(plan)));
    let spills = |bytes: Option<u64>| bytes.is_some_and(|b| b > 0);
    let asks = match plan.strategy {
        Strategy::Auto | Strategy::OnePass => spills(one_pass),
        Strategy::TwoPass => spills(two_pass),
    };
    let free = match asks {
        true => Some(free(&plan.spill_dir).map_err(|e| Error::spill(&plan.spill_dir, e))?),
        false => None,
    };
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
        (Strategy::Auto, Some(spill)) => auto_spilling(spill, free.unwrap_or(0), memory),
    };
    let need = match choice.two_pass {
        true => two_pass,
        false => one_pass,
    };
    if let (Some(need), Some(free)) = (need.filter(|&n| n > 0), free) {
        if need > free {
            return Err(Error::spill_space(&plan.spill_dir, too_little(&choice, need, free, two_pass)));
        }
    }
    Ok(choice)
}

/// The share of the spill directory's free space one pass may fill under `auto`: the rest stays for others.
const SPILL_SHARE: f64 = 0.75;

/// `auto`'s choice when one pass would spill `spill` bytes and the spill directory has `free`.
fn auto_spilling(spill: u64, free: u64, memory: &Memory) -> Choice {
    let what = format!("{} of row digests beyond memory ({} a side)", size(spill), size(memory.digests_per_side));
    match spill as f64 <= free as f64 * SPILL_SHARE {
        true => Choice {
            two_pass: false,
            why: format!("one pass spills {what}, which fits in the {} free: each side is read once", size(free)),
        },
        false => Choice {
            two_pass: true,
            why: format!("one pass would spill {what}, more than 3/4 of the {} free: fingerprints first", size(free)),
        },
    }
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

/// What every pass over a table reads with.
pub(super) struct Reading<'a> {
    pub plan: &'a Plan,
    pub session: &'a Session,
    /// The table's name in progress and log lines.
    pub label: &'a str,
    pub sides: Sides<(&'a Dataset, &'a SideColumns)>,
    pub totals: Sides<Option<Total>>,
}

impl Reading<'_> {
    /// The rows the plan compares: a sample's, a key list's, or all.
    fn select(&self) -> Select<'_> {
        Select { sample: self.plan.sample.as_ref(), keys: self.plan.key_set.as_deref(), buckets: None }
    }

    /// Reads both sides, keeping the digests of the rows `select` keeps; `pass` names the pass of two.
    fn scan(&self, select: Select, pass: Option<&str>) -> Result<Sides<SideDigest>> {
        let progress = self.session.progress.table(self.label, pass, self.totals);
        let (budget, dir) = (self.plan.memory.digests_per_side, &self.plan.spill_dir);
        digest::scan(self.sides, select, budget, dir, &progress.counters)
    }

    /// The first of two passes: bucket fingerprints at `bits` bucket bits, and the source's key hashes.
    fn tally(&self, bits: u32) -> Result<Sides<SideTally>> {
        let plan = self.plan;
        let keys = keeps_key_hashes(plan).then(|| spill::Store::new(plan.memory.key_hashes, plan.spill_dir.clone()));
        let tallies = Sides::new(Tally::new(bits, keys), Tally::new(bits, None));
        let progress = self.session.progress.table(self.label, Some("pass 1/2, fingerprints"), self.totals);
        digest::tally(self.sides, self.select(), tallies, &progress.counters)
    }
}

/// Reads both sides as `choice` says.
pub(super) fn read(reading: &Reading, choice: &Choice) -> Result<Read> {
    let report = StrategyReport {
        name: choice.name().into(),
        why: choice.why.clone(),
        passes: 1,
        spill_bytes: 0,
        rows_read_again: Sides::default(),
        buckets: None,
        buckets_read_again: None,
    };
    if choice.two_pass {
        return two_passes(reading, report);
    }
    let digests = reading.scan(reading.select(), None)?;
    let spill_bytes = digests.source.stats.spilled + digests.target.stats.spilled;
    Ok(Read { digests, matched: 0, report: StrategyReport { spill_bytes, ..report } })
}

/// Bucket fingerprints first; then, where some bucket differs (or may hide a repeated key) or some row has a
/// NULL key, both sides again, digesting only the rows of those buckets.
fn two_passes(reading: &Reading, mut report: StrategyReport) -> Result<Read> {
    let plan = reading.plan;
    let rows = known_rows(plan, &reading.totals);
    let bits = tally_bits(rows.source.max(rows.target), plan.memory.fingerprints);
    let mut first = reading.tally(bits)?;
    let (source, target) = (std::mem::take(&mut first.source.partitions), std::mem::take(&mut first.target.partitions));
    let reread = buckets::reread(source, target, first.source.keys.take(), bits)
        .map_err(|e| Error::spill(&plan.spill_dir, e))?;
    tracing::info!(
        "{}first pass: {} of {} buckets differ or may hide a repeated key",
        super::line_prefix(reading.label),
        reread.buckets.len(),
        1u64 << bits
    );
    report.spill_bytes = first.source.stats.spilled;
    report.buckets = Some(1 << bits);
    report.buckets_read_again = Some(reread.buckets.len());
    let digests = match reread.buckets.is_empty() && first.iter().all(|(_, side)| side.null_keys.is_empty()) {
        // Nothing to show, nothing to read again.
        true => first.map(|side| SideDigest {
            partitions: (0..PARTITIONS).map(|_| spill::Partition::default()).collect(),
            null_keys: Vec::new(),
            fingerprint: side.fingerprint,
            stats: side.stats,
            keys: Vec::new(),
        }),
        false => {
            let again = Select { buckets: Some(&reread.buckets), ..reading.select() };
            let mut second = reading.scan(again, Some("pass 2/2, reading differing buckets again"))?;
            for side in Side::BOTH {
                report.rows_read_again[side] = second[side].stats.rows;
                report.spill_bytes += second[side].stats.spilled;
                let location = &plan.datasets[side].location;
                fold_first(&mut second[side], &first[side], reread.again[side], location)?;
            }
            report.passes = 2;
            second
        }
    };
    Ok(Read { digests, matched: reread.matched, report })
}

/// Gives a side's second-pass digests what the first pass learned of the whole side: its fingerprint, and its
/// read and hash times and spill. The second pass must find in the buckets it read again what the first
/// fingerprinted there (`again`), besides the rows with a NULL key: else the data moved between the reads.
fn fold_first(second: &mut SideDigest, first: &SideTally, again: Fingerprint, location: &impl ToString) -> Result<()> {
    let mut expected = again;
    first.null_keys.iter().for_each(|(_, hash)| expected.add(*hash));
    if second.fingerprint != expected {
        return Err(Error::input(location.to_string(), "rows changed between the two passes' reads of the same data"));
    }
    second.fingerprint = first.fingerprint;
    second.stats.read += first.stats.read;
    second.stats.hash += first.stats.hash;
    second.stats.spilled += first.stats.spilled;
    Ok(())
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
    fn auto_reads_once_while_the_spill_fits_three_quarters_of_the_free_space() {
        let memory = Memory::of(2 << 30);
        let gib = 1u64 << 30;
        let fits = auto_spilling(3 * gib, 4 * gib, &memory);
        assert!(!fits.two_pass, "{fits:?}");
        assert_eq!(
            fits.why,
            "one pass spills 3.0 GiB of row digests beyond memory (512.0 MiB a side), which fits in the 4.0 GiB free: \
             each side is read once"
        );
        let tight = auto_spilling(3 * gib + 1, 4 * gib, &memory);
        assert!(tight.two_pass, "{tight:?}");
        assert!(tight.why.ends_with("more than 3/4 of the 4.0 GiB free: fingerprints first"), "{tight:?}");
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
