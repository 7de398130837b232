//! ④ Comparison: the fingerprint tier narrows both sides to the buckets that differ, DataFusion classifies
//! those keys, and the row tier reads back the rows that findings name to tell which columns differ.

pub mod buckets;
pub mod classify;
pub mod columns;
pub mod sample;
pub mod values;

use std::collections::HashMap;

use crate::cli::plan::AuditPlan;
use crate::digest::spill::Partition;
use crate::digest::{bucket_bits, Fingerprint, SideDigest};
use crate::error::{Error, Result};
use crate::normalize::SideColumns;
use crate::source::Ordinal;

pub use classify::{Duplicate, OneSided};
pub use values::{Fetched, Mismatch};

/// Every difference found, with the canonical rows needed to show them. The lists hold the findings the
/// report shows (the first `--max-examples` of each class, by source position; all of them for
/// `--diff-out`); `counts` says how many there are.
pub struct Findings {
    pub fingerprints: [Fingerprint; 2],
    pub scans: [crate::digest::ScanStats; 2],
    pub timings: CompareSeconds,
    pub matched: u64,
    pub counts: Counts,
    pub missing: Vec<OneSided>,
    pub extra: Vec<OneSided>,
    pub duplicates: Vec<Duplicate>,
    pub mismatched: Vec<Mismatch>,
    /// Mismatched keys per compared column, over every mismatch.
    pub column_mismatches: Vec<u64>,
    pub null_keys: [Vec<Ordinal>; 2],
    /// Rows read again: the mismatches compared value by value, and the rows the report or `--diff-out` shows.
    pub fetched: [Fetched; 2],
}

/// How many findings of each class, whether or not the lists hold them all.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub missing: u64,
    pub extra: u64,
    pub mismatched: u64,
    pub duplicate_keys_source: u64,
    pub duplicate_keys_target: u64,
}

/// Wall-clock seconds of the comparison's steps: the fingerprint tier (loading partitions, spilled ones
/// included), DataFusion's classification of the residue, and reading back the rows findings show.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct CompareSeconds {
    pub fingerprints: f64,
    pub classify: f64,
    pub reread: f64,
    /// The extra pass that tells which columns differ when too many rows differ to read back (else 0).
    pub columns: f64,
}

/// `columns` are each side's columns as pass one read them. Partitions are compared a few at a time and
/// their residue classified whenever it reaches what the memory limit allows, so a table where every row
/// differs is classified in bounded memory; the lists keep only what the report shows.
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
    let limits = Limits::new(plan, &scans);
    let bits = bucket_bits(fingerprints[0].rows.max(fingerprints[1].rows));
    let mut timings = CompareSeconds::default();
    let mut all =
        classify_in_groups(plan, [source.partitions, target.partitions], bits, limits, threads, &mut timings)?;
    // Too many mismatches to read back: read back those the report shows, count columns in an extra pass.
    let overflow = all.counts.mismatched > limits.candidates as u64;
    if overflow && plan.diff_out.is_some() {
        return Err(Error::setting(
            "--diff-out",
            format!(
                "{} mismatches are more than the memory limit lets recon read back; raise --memory-limit",
                all.counts.mismatched
            ),
        ));
    }
    if overflow {
        all.candidates.truncate(all.shown);
    }

    // Both sides read back at once.
    let started = std::time::Instant::now();
    let [source_wanted, target_wanted] = wanted_rows(&all, &null_keys);
    let load = |side: usize, ordinals: Vec<Ordinal>| -> Result<Fetched> {
        // A database finds rows again by row hash: every wanted row is in the residue or has a NULL key.
        let hashes: HashMap<Ordinal, u128> =
            all.hashes[side].iter().map(|(o, h)| (*o, *h)).chain(null_keys[side].iter().copied()).collect();
        let wanted = ordinals.into_iter().map(|o| (o, hashes.get(&o).copied().unwrap_or(0))).collect();
        Fetched::load(plan.dataset(side), columns[side], wanted, &kept_keys[side])
    };
    let (source_rows, target_rows) = rayon::join(|| load(0, source_wanted), || load(1, target_wanted));
    let fetched = [source_rows?, target_rows?];
    timings.reread = started.elapsed().as_secs_f64();

    let (mut mismatched, mut equal) = values::confirm(&all.candidates, [&fetched[0], &fetched[1]], columns[0])?;
    let mut column_mismatches = vec![0u64; plan.columns.len()];
    if overflow {
        let started = std::time::Instant::now();
        let rows = fingerprints[0].rows + fingerprints[1].rows;
        let counted = columns::count(plan, columns, &all.differing, rows)?;
        if counted.mismatched + counted.equal != all.counts.mismatched {
            return Err(Error::input("re-read", "rows changed between two reads of the same data"));
        }
        column_mismatches = counted.per_column;
        equal = counted.equal;
        timings.columns = started.elapsed().as_secs_f64();
    } else {
        for m in &mismatched {
            m.columns.iter().for_each(|&c| column_mismatches[c] += 1);
        }
    }
    let mut counts = all.counts;
    counts.mismatched -= equal;
    mismatched.truncate(all.shown);
    Ok(Findings {
        fingerprints,
        scans,
        timings,
        matched: all.matched + equal,
        counts,
        missing: all.missing,
        extra: all.extra,
        duplicates: all.duplicates,
        mismatched,
        column_mismatches,
        null_keys: null_keys.map(|rows| rows.into_iter().map(|(ordinal, _)| ordinal).collect()),
        fetched,
    })
}

/// The fingerprint tier over a few partitions at a time (a couple per thread), and DataFusion's classification
/// of the residue whenever it reaches `limits.group_rows`. A key's rows all sit in one partition, so each group
/// classifies its keys completely.
fn classify_in_groups(
    plan: &AuditPlan,
    [source, target]: [Vec<Partition>; 2],
    bits: u32,
    limits: Limits,
    threads: usize,
    timings: &mut CompareSeconds,
) -> Result<Classified> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .build()
        .map_err(|e| Error::input("recon", format!("cannot start DataFusion's runtime: {e}")))?;
    let mut all = Classified::new(limits, plan, bits);
    let mut pairs = source.into_iter().zip(target);
    let mut group = buckets::Residue::default();
    loop {
        let started = std::time::Instant::now();
        let chunk: Vec<_> = pairs.by_ref().take(threads.max(1) * 2).collect();
        let done = chunk.is_empty();
        group.absorb(
            buckets::residue(chunk, bits)
                .map_err(|e| Error::input("spill", format!("cannot read spilled digests: {e}")))?,
        );
        let fingerprinted = started.elapsed();
        timings.fingerprints += fingerprinted.as_secs_f64();
        all.matched += std::mem::take(&mut group.matched);
        if group.rows() >= limits.group_rows || (done && group.rows() > 0) {
            let classes = runtime.block_on(classify::classify(&group.source, &group.target, threads))?;
            all.absorb(std::mem::take(&mut group), classes, plan);
            timings.classify += (started.elapsed() - fingerprinted).as_secs_f64();
        }
        if done {
            return Ok(all);
        }
    }
}

/// What the memory limit allows the row tier.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Residue rows (both sides) classified at a time.
    group_rows: usize,
    /// Mismatch candidates read back and compared value by value.
    candidates: usize,
}

impl Limits {
    /// An eighth of the memory limit for the residue being classified (its digests, DataFusion's copy and
    /// hash tables: about 200 bytes a row), a quarter for the candidates' rows read back (both sides'
    /// canonical values and their encodings).
    fn new(plan: &AuditPlan, scans: &[crate::digest::ScanStats; 2]) -> Limits {
        let row_bytes = scans.iter().map(|s| s.bytes / s.rows.max(1)).max().unwrap_or(0);
        let candidate_bytes = 2 * (row_bytes + 48 * plan.columns.len() as u64) + 64;
        Limits {
            group_rows: (plan.memory_limit / 8 / 200).max(1) as usize,
            candidates: (plan.memory_limit / 4 / candidate_bytes).max(1) as usize,
        }
    }
}

/// The classes of every group so far: counts of all, lists of the first few (by source position).
struct Classified {
    limits: Limits,
    /// How many of each list the report shows; `usize::MAX` for `--diff-out`.
    shown: usize,
    counts: Counts,
    matched: u64,
    missing: Vec<OneSided>,
    extra: Vec<OneSided>,
    duplicates: Vec<Duplicate>,
    /// The first candidates by source position: as many as `limits.candidates`, or as the report shows.
    candidates: Vec<classify::Candidate>,
    /// The buckets sent to the row tier, for the column pass.
    differing: columns::Differing,
    /// Row hashes of the listed rows on each side: a database finds them again by row hash.
    hashes: [HashMap<Ordinal, u128>; 2],
}

impl Classified {
    fn new(limits: Limits, plan: &AuditPlan, bits: u32) -> Classified {
        Classified {
            limits,
            shown: if plan.diff_out.is_some() { usize::MAX } else { plan.max_examples },
            counts: Counts::default(),
            matched: 0,
            missing: Vec::new(),
            extra: Vec::new(),
            duplicates: Vec::new(),
            candidates: Vec::new(),
            differing: columns::Differing::new(bits),
            hashes: [HashMap::new(), HashMap::new()],
        }
    }

    fn absorb(&mut self, group: buckets::Residue, classes: classify::Classes, plan: &AuditPlan) {
        let source_dups = classes.duplicates.iter().filter(|d| d.source_count > 1).count() as u64;
        let target_dups = classes.duplicates.iter().filter(|d| d.target_count > 1).count() as u64;
        self.counts.missing += classes.missing.len() as u64;
        self.counts.extra += classes.extra.len() as u64;
        self.counts.mismatched += classes.candidates.len() as u64;
        self.counts.duplicate_keys_source += source_dups;
        self.counts.duplicate_keys_target += target_dups;
        self.matched += classes.matched;

        let shown = self.shown;
        let first = |list: &mut Vec<OneSided>, more: Vec<OneSided>| {
            list.extend(more);
            list.sort_unstable_by_key(|k| k.ordinal);
            list.truncate(shown);
        };
        first(&mut self.missing, classes.missing);
        first(&mut self.extra, classes.extra);
        self.duplicates.extend(classes.duplicates);
        self.duplicates.sort_unstable_by_key(Duplicate::report_order);
        let (mut source_rank, mut target_rank) = (0, 0);
        self.duplicates.retain(|d| {
            let keep_source = d.source_count > 1 && source_rank < shown;
            let keep_target = d.target_count > 1 && target_rank < shown;
            source_rank += (d.source_count > 1) as usize;
            target_rank += (d.target_count > 1) as usize;
            keep_source || keep_target
        });
        self.candidates.extend(classes.candidates);
        self.candidates.sort_unstable_by_key(|c| c.source_ordinal);
        self.candidates.truncate(self.limits.candidates.max(self.shown));
        group.differing.iter().for_each(|&key_hi| self.differing.insert(key_hi));

        // Keep the row hashes of the rows still listed, for sides that are found again by row hash.
        for side in 0..2 {
            if plan.dataset(side).rereads_by_ordinal() {
                continue;
            }
            let listed: std::collections::HashSet<Ordinal> = self.listed(side).collect();
            self.hashes[side].retain(|o, _| listed.contains(o));
            let rows = if side == 0 { &group.source } else { &group.target };
            for d in rows.iter().filter(|d| listed.contains(&d.ordinal)) {
                self.hashes[side].insert(d.ordinal, d.row());
            }
        }
    }

    /// The rows of one side that the lists name.
    fn listed(&self, side: usize) -> impl Iterator<Item = Ordinal> + '_ {
        let one_sided = if side == 0 { &self.missing } else { &self.extra };
        let candidates =
            self.candidates.iter().map(move |c| if side == 0 { c.source_ordinal } else { c.target_ordinal });
        let duplicates =
            self.duplicates.iter().flat_map(move |d| if side == 0 { d.source_ordinal } else { d.target_ordinal });
        one_sided.iter().map(|k| k.ordinal).chain(candidates).chain(duplicates)
    }
}

/// The rows each side must read again: every listed mismatch candidate, and of the other findings as many as
/// the report shows (all of them with `--diff-out`).
fn wanted_rows(all: &Classified, null_keys: &[Vec<(Ordinal, u128)>; 2]) -> [Vec<Ordinal>; 2] {
    let shown = all.shown;
    let mut wanted: [Vec<Ordinal>; 2] = [Vec::new(), Vec::new()];
    for c in &all.candidates {
        wanted[0].push(c.source_ordinal);
        wanted[1].push(c.target_ordinal);
    }
    wanted[0].extend(all.missing.iter().map(|k| k.ordinal));
    wanted[1].extend(all.extra.iter().map(|k| k.ordinal));
    let duplicates = |on_side: fn(&Duplicate) -> bool| all.duplicates.iter().filter(move |d| on_side(d));
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
