//! ④ Comparison: the fingerprint tier narrows both sides to the buckets that differ, DataFusion classifies
//! those keys, and the row tier reads back the rows that findings name to tell which columns differ.

pub mod buckets;
pub mod classify;
pub mod columns;
pub mod keys;
pub mod repair;
pub mod values;

use std::collections::HashMap;

use crate::digest::spill::Partition;
use crate::digest::{bucket_bits, Fingerprint, ScanStats, SideDigest};
use crate::error::{Error, Result};
use crate::finding::{Category, Explained, PerCategory};
use crate::normalize::SideColumns;
use crate::plan::Plan;
use crate::session::Memory;
use crate::side::{Side, Sides};
use crate::source::Ordinal;

pub use classify::{Duplicate, OneSided};
pub use keys::{FindingKey, FindingKeys};
pub use values::{Fetched, Mismatch};

/// What the comparison tells the explanations (the stage after it, `explain::Explainer`) as it finds each
/// differing value pair — a column's canonical encodings of both sides — so that every pair is explained in
/// bounded memory, and what it asks back: a pair's cause.
pub trait Observer {
    /// Why a differing pair of column `c` differs, counted, with each option tried on it.
    fn observe(&mut self, c: usize, source: &[u8], target: &[u8]) -> Explained;

    /// Why a differing pair differs, not counted (an example whose column pass counts it).
    fn cause(&self, c: usize, source: &[u8], target: &[u8]) -> Explained;

    /// Asked once after every pair was observed: whether some column wants its differing pairs again.
    fn second_pass(&mut self) -> bool;

    /// Whether column `c`'s differing pairs go through the second pass.
    fn in_second_pass(&self, c: usize) -> bool;

    /// One differing pair of column `c` again, in the second pass.
    fn observe_again(&mut self, c: usize, source: &[u8], target: &[u8]);

    /// After the last pair: decides what only every pair tells (a decimal column's rounding).
    fn settle(&mut self);

    /// A pair's cause once settled: `explained` as [`Observer::cause`] gave it, or what settling made of it.
    fn settled(&self, c: usize, source: &[u8], target: &[u8], explained: Explained) -> Explained;
}

/// Every difference found, with the canonical rows needed to show them. The lists hold the findings the
/// plan keeps (the first examples of each category by source position, or all of them); `counts` says how
/// many there are.
pub struct Findings {
    pub fingerprints: Sides<Fingerprint>,
    pub scans: Sides<ScanStats>,
    pub timings: CompareSeconds,
    pub matched: u64,
    pub counts: PerCategory<u64>,
    pub missing: Vec<OneSided>,
    pub extra: Vec<OneSided>,
    pub duplicates: Vec<Duplicate>,
    pub mismatched: Vec<Mismatch>,
    /// Mismatched keys per compared column, over every mismatch.
    pub column_mismatches: Vec<u64>,
    /// Rows whose key has a NULL part, all of them.
    pub null_keys: Sides<Vec<Ordinal>>,
    /// Rows read again: the mismatches compared value by value, and the rows findings show.
    pub fetched: Sides<Fetched>,
    /// Every finding's key, when the plan keeps them (history, rechecks).
    pub keys: Option<FindingKeys>,
}

/// Wall-clock seconds of the comparison's steps: the fingerprint tier (loading partitions, spilled ones
/// included), DataFusion's classification of the residue, and reading back the rows findings show.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct CompareSeconds {
    pub fingerprints: f64,
    pub classify: f64,
    pub reread: f64,
    /// The extra pass that tells which columns differ when too many rows differ to read back (else 0).
    pub columns: f64,
}

/// `columns` are each side's columns as pass one read them. Partitions are compared a few at a time and
/// their residue classified whenever it reaches what the memory limit allows, so a table where every row
/// differs is classified in bounded memory; the lists keep only what the plan asks for.
pub fn compare(
    plan: &Plan,
    columns: Sides<&SideColumns>,
    digests: Sides<SideDigest>,
    threads: usize,
    runtime: &tokio::runtime::Handle,
    explainer: &mut dyn Observer,
) -> Result<Findings> {
    let Sides { source, target } = digests;
    let fingerprints = Sides::new(source.fingerprint, target.fingerprint);
    let scans = Sides::new(source.stats, target.stats);
    let kept_keys = Sides::new(source.keys, target.keys);
    let mut null_keys = Sides::new(source.null_keys, target.null_keys);
    null_keys.source.sort_unstable();
    null_keys.target.sort_unstable();
    let limits = Limits::new(plan, &scans);
    let bits = bucket_bits(fingerprints.source.rows.max(fingerprints.target.rows));
    let mut timings = CompareSeconds::default();
    let partitions = Sides::new(source.partitions, target.partitions);
    let mut all = classify_in_groups(plan, partitions, bits, limits, threads, runtime, &mut timings)?;
    // Too many mismatches to read back: read back those listed, count columns in an extra pass.
    let overflow = all.counts[Category::Mismatched] > limits.candidates as u64;
    if overflow && plan.keep.all {
        let option = if plan.keep.repair == crate::spec::Repair::Off { "--diff-out" } else { "--repair-sql" };
        return Err(Error::setting(
            option,
            format!(
                "{} mismatches are more than the memory limit lets recon read back; raise --memory-limit",
                all.counts[Category::Mismatched]
            ),
        ));
    }
    if overflow {
        all.candidates.truncate(all.listed);
    }

    // Both sides read back at once.
    let started = std::time::Instant::now();
    let wanted = wanted_rows(&all, &null_keys);
    let fetched = Sides::join(|side| {
        // A database finds rows again by row hash: every wanted row is in the residue or has a NULL key.
        let hashes: HashMap<Ordinal, u128> =
            all.hashes[side].iter().map(|(o, h)| (*o, *h)).chain(null_keys[side].iter().copied()).collect();
        let wanted = wanted[side].iter().map(|o| (*o, hashes.get(o).copied().unwrap_or(0))).collect();
        Fetched::load(&plan.datasets[side], columns[side], wanted, &kept_keys[side])
    })
    .transpose()?;
    timings.reread = started.elapsed().as_secs_f64();

    // Read back, the listed candidates are every mismatch (then they explain them all) or, on overflow, the
    // first few (then only their causes are asked, and the column pass explains every mismatch).
    let (mut mismatched, mut equal) =
        values::confirm(&all.candidates, fetched.as_ref(), columns.source, explainer, !overflow)?;
    let keys = match all.collector.take() {
        Some(collector) => {
            let kept = Sides::new(kept_keys.source.as_slice(), kept_keys.target.as_slice());
            Some(collector.finish(plan, columns, kept, &all.candidates, &mismatched)?)
        }
        None => None,
    };
    let mut column_mismatches = vec![0u64; plan.columns.len()];
    if overflow {
        let started = std::time::Instant::now();
        let rows = fingerprints.source.rows + fingerprints.target.rows;
        let counted = columns::count(plan, columns, &all.differing, rows, limits.row_bytes, explainer)?;
        if counted.mismatched + counted.equal != all.counts[Category::Mismatched] {
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
    counts[Category::Mismatched] -= equal;
    counts[Category::NullKeysSource] = null_keys.source.len() as u64;
    counts[Category::NullKeysTarget] = null_keys.target.len() as u64;
    mismatched.truncate(all.listed);
    explainer.settle();
    values::settle(&mut mismatched, fetched.as_ref(), explainer)?;
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
        keys,
    })
}

/// The fingerprint tier over a few partitions at a time (a couple per thread), and DataFusion's classification
/// of the residue whenever it reaches `limits.group_rows`. A key's rows all sit in one partition, so each group
/// classifies its keys completely.
fn classify_in_groups(
    plan: &Plan,
    partitions: Sides<Vec<Partition>>,
    bits: u32,
    limits: Limits,
    threads: usize,
    runtime: &tokio::runtime::Handle,
    timings: &mut CompareSeconds,
) -> Result<Classified> {
    let classifier = classify::Classifier::new(threads, plan.memory.datafusion, &plan.spill_dir)?;
    let mut all = Classified::new(limits, plan, bits);
    let mut pairs = partitions.source.into_iter().zip(partitions.target);
    let mut group = buckets::Residue::default();
    loop {
        let started = std::time::Instant::now();
        let chunk: Vec<_> = pairs.by_ref().take(threads.max(1) * 2).collect();
        let done = chunk.is_empty();
        group.absorb(buckets::residue(chunk, bits, plan.keyless).map_err(|e| Error::spill(&plan.spill_dir, e))?);
        let fingerprinted = started.elapsed();
        timings.fingerprints += fingerprinted.as_secs_f64();
        all.matched += std::mem::take(&mut group.matched);
        if group.rows() >= limits.group_rows || (done && group.rows() > 0) {
            if plan.keyless {
                let counted = runtime.block_on(classifier.count_rows(&group.source, &group.target))?;
                if let Some(collector) = &mut all.collector {
                    collector.absorb_keyless(&group, &counted);
                }
                all.absorb_keyless(counted);
            } else {
                all.absorb(&group, runtime.block_on(classifier.classify(&group.source, &group.target))?);
            }
            all.keep_hashes(&group, plan);
            group = buckets::Residue::default();
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
    /// The larger side's Arrow bytes per row: what a row's encodings take, about.
    row_bytes: u64,
}

impl Limits {
    /// The residue's rows that fit [`Memory::classify`], and the candidates whose rows (both sides' canonical
    /// values and their encodings) fit [`Memory::readback`].
    fn new(plan: &Plan, scans: &Sides<ScanStats>) -> Limits {
        let row_bytes = scans.iter().map(|(_, s)| s.bytes / s.rows.max(1)).max().unwrap_or(0);
        let candidate_bytes = 2 * (row_bytes + 48 * plan.columns.len() as u64) + 64;
        Limits {
            group_rows: (plan.memory.classify / Memory::RESIDUE_ROW_BYTES).max(1) as usize,
            candidates: (plan.memory.readback / candidate_bytes).max(1) as usize,
            row_bytes,
        }
    }
}

/// The classes of every group so far: counts of all, lists of the first few (by source position).
struct Classified {
    limits: Limits,
    /// How many of each category are listed with their rows.
    listed: usize,
    counts: PerCategory<u64>,
    matched: u64,
    missing: Vec<OneSided>,
    extra: Vec<OneSided>,
    duplicates: Vec<Duplicate>,
    /// The first candidates by source position: as many as `limits.candidates`, or as the report shows.
    candidates: Vec<classify::Candidate>,
    /// The buckets sent to the row tier, for the column pass.
    differing: columns::Differing,
    /// Row hashes of the listed rows on each side: a database finds them again by row hash.
    hashes: Sides<HashMap<Ordinal, u128>>,
    /// Every finding's key, when the plan keeps them.
    collector: Option<keys::Collector>,
}

impl Classified {
    fn new(limits: Limits, plan: &Plan, bits: u32) -> Classified {
        Classified {
            limits,
            listed: plan.keep.listed(),
            counts: PerCategory::default(),
            matched: 0,
            missing: Vec::new(),
            extra: Vec::new(),
            duplicates: Vec::new(),
            candidates: Vec::new(),
            differing: columns::Differing::new(bits),
            hashes: Sides::default(),
            collector: plan.keep.keys.then(keys::Collector::default),
        }
    }

    fn absorb(&mut self, group: &buckets::Residue, classes: classify::Classes) {
        if let Some(collector) = &mut self.collector {
            collector.absorb(group, &classes);
        }
        let source_dups = classes.duplicates.iter().filter(|d| d.source_count > 1).count() as u64;
        let target_dups = classes.duplicates.iter().filter(|d| d.target_count > 1).count() as u64;
        self.counts[Category::MissingInTarget] += classes.missing.len() as u64;
        self.counts[Category::ExtraInTarget] += classes.extra.len() as u64;
        self.counts[Category::Mismatched] += classes.candidates.len() as u64;
        self.counts[Category::DuplicateKeysSource] += source_dups;
        self.counts[Category::DuplicateKeysTarget] += target_dups;
        self.matched += classes.matched;

        let shown = self.listed;
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
        self.candidates.truncate(self.limits.candidates.max(self.listed));
        group.differing.iter().for_each(|&key_hi| self.differing.insert(key_hi));
    }

    /// Keyless: rows one side holds more often than the other are missing or extra, once per surplus row.
    fn absorb_keyless(&mut self, counted: Vec<Duplicate>) {
        for row in counted {
            let (s, t) = (row.source_count, row.target_count);
            self.matched += s.min(t);
            let surplus = match (row.source_ordinal, row.target_ordinal) {
                (Some(ordinal), _) if s > t => Some((Category::MissingInTarget, ordinal, s, t)),
                (_, Some(ordinal)) if t > s => Some((Category::ExtraInTarget, ordinal, t, s)),
                _ => None,
            };
            if let Some((category, ordinal, count, other_count)) = surplus {
                self.counts[category] += count - other_count;
                let list = if category == Category::MissingInTarget { &mut self.missing } else { &mut self.extra };
                list.push(OneSided { ordinal, count, other_count });
            }
        }
        for list in [&mut self.missing, &mut self.extra] {
            list.sort_unstable_by_key(|k| k.ordinal);
            list.truncate(self.listed);
        }
    }

    /// Keeps the row hashes of the rows still listed, for sides that are found again by row hash.
    fn keep_hashes(&mut self, group: &buckets::Residue, plan: &Plan) {
        let rows = Sides::new(&group.source, &group.target);
        for side in Side::BOTH {
            if plan.datasets[side].rereads_by_ordinal() {
                continue;
            }
            let listed: std::collections::HashSet<Ordinal> = self.rows_listed(side).collect();
            self.hashes[side].retain(|o, _| listed.contains(o));
            for d in rows[side].iter().filter(|d| listed.contains(&d.ordinal)) {
                self.hashes[side].insert(d.ordinal, d.row());
            }
        }
    }

    /// The rows of one side that the lists name.
    fn rows_listed(&self, side: Side) -> impl Iterator<Item = Ordinal> + '_ {
        let one_sided = match side {
            Side::Source => &self.missing,
            Side::Target => &self.extra,
        };
        let candidates = self.candidates.iter().map(move |c| c.ordinal(side));
        let duplicates = self.duplicates.iter().flat_map(move |d| d.ordinal(side));
        one_sided.iter().map(|k| k.ordinal).chain(candidates).chain(duplicates)
    }
}

/// The rows each side must read again: every listed mismatch candidate, and of the other findings as many as
/// are listed.
fn wanted_rows(all: &Classified, null_keys: &Sides<Vec<(Ordinal, u128)>>) -> Sides<Vec<Ordinal>> {
    let shown = all.listed;
    let mut wanted: Sides<Vec<Ordinal>> = Sides::default();
    for c in &all.candidates {
        wanted.source.push(c.source_ordinal);
        wanted.target.push(c.target_ordinal);
    }
    wanted.source.extend(all.missing.iter().map(|k| k.ordinal));
    wanted.target.extend(all.extra.iter().map(|k| k.ordinal));
    let duplicates = |on_side: fn(&Duplicate) -> bool| all.duplicates.iter().filter(move |d| on_side(d));
    let source_dups = duplicates(|d| d.source_count > 1);
    let target_dups = duplicates(|d| d.target_count > 1);
    for (side, ordinal) in source_dups.take(shown).chain(target_dups.take(shown)).filter_map(Duplicate::shown_row) {
        wanted[side].push(ordinal);
    }
    for (side, rows) in null_keys.iter() {
        wanted[side].extend(rows.iter().take(shown).map(|(ordinal, _)| *ordinal));
    }
    wanted
}
