//! Rechecks: after the first pass, the keys that differ are read again on both sides, in fresh snapshots,
//! after a delay, up to N times. A key that no longer differs on a recheck was a row in flight (`transient`);
//! one that still differs after the last recheck and whose rows changed on both sides between every pair of
//! reads never stood still (`unstable`, under its own budget). The rest persisted: a row whose one side stood
//! still while the other moved is stale, not in flight (a stopped replica), and stays a finding of its category.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use serde_json::Value;

use crate::compare::{FindingKey, FindingKeys, Findings};
use crate::digest::Fingerprint;
use crate::error::{Error, Result};
use crate::finding::Category;
use crate::plan::Plan;
use crate::report::{self, Report};
use crate::session::Session;
use crate::side::{Side, Sides};
use crate::source::keyset::{KeyHashes, KeyRows};
use crate::source::Dataset;
use crate::spec::{KeySpec, TableSpec};

use super::Table;

/// What the rechecks found.
#[derive(Default)]
pub(super) struct Rechecked {
    /// The last read: its plan, report and findings (every key in it differed in every read).
    pub(super) last: Option<(Plan, Report, Findings)>,
    pub(super) done: u32,
    /// Keys of the first read's findings that no longer differed on a recheck.
    pub(super) transient: KeyHashes,
    pub(super) unstable: KeyHashes,
    pub(super) rows: Sides<u64>,
    /// Spent reading and comparing, delays left out.
    pub(super) seconds: f64,
}

/// Each key's rows on both sides at its latest read, and whether both sides held it in every read and both
/// changed between every pair of reads.
struct Track {
    state: Sides<Fingerprint>,
    moving: bool,
}

/// Whether a key's rows are on both sides: a key missing on one side is never unstable.
fn on_both(state: &Sides<Fingerprint>) -> bool {
    Side::BOTH.into_iter().all(|side| state[side].rows > 0)
}

/// Reads the keys of `first` again, up to `spec.drift.rechecks` times.
pub(super) fn recheck(
    spec: &TableSpec,
    session: &Session,
    table: &Table,
    plan: &Plan,
    first: &FindingKeys,
) -> Result<Rechecked> {
    let mut tracks: HashMap<u128, Track> = HashMap::new();
    for entry in &first.entries {
        tracks.insert(entry.key, Track { state: entry.state, moving: on_both(&entry.state) });
    }
    let mut keys = unique_keys(first)?;
    let mut out = Rechecked::default();
    while out.done < spec.drift.rechecks && !keys.is_empty() {
        tracing::info!(
            "{}recheck {} of {}: {} differing keys, in {:?}",
            super::line_prefix(&table.name),
            out.done + 1,
            spec.drift.rechecks,
            keys.len(),
            spec.drift.recheck_delay
        );
        std::thread::sleep(spec.drift.recheck_delay);
        let started = Instant::now();
        let mut fresh = reopen(spec, session, table, plan)?;
        super::window::narrow(&mut fresh, Some(&keys), None)?;
        let (report, findings) = super::pass(&fresh, session, &table.label, started)?;
        out.seconds += started.elapsed().as_secs_f64();
        out.done += 1;
        for side in Side::BOTH {
            out.rows[side] += findings.scans[side].rows;
        }
        let now = findings.keys.clone().unwrap_or_default();
        let states: HashMap<u128, Sides<Fingerprint>> = now.entries.iter().map(|e| (e.key, e.state)).collect();
        tracks.retain(|key, track| match states.get(key) {
            Some(state) => {
                let both_changed = Side::BOTH.into_iter().all(|side| state[side] != track.state[side]);
                track.moving &= on_both(state) && both_changed;
                track.state = *state;
                true
            }
            None => {
                out.transient.insert(*key);
                false
            }
        });
        keys = unique_keys(&now)?;
        out.last = Some((fresh, report, findings));
    }
    if out.done > 0 {
        out.unstable = tracks.iter().filter(|(_, t)| t.moving).map(|(k, _)| *k).collect();
    }
    Ok(out)
}

/// The keys of findings, each once.
pub(super) fn unique_keys(keys: &FindingKeys) -> Result<KeyRows> {
    KeyRows { hashes: keys.entries.iter().map(|e| e.key).collect(), arrays: keys.values.clone() }.unique()
}

/// The same comparison, opened again: fresh connections, so fresh snapshots (an audit's shared snapshot is
/// not reused), the key already decided kept.
fn reopen(spec: &TableSpec, session: &Session, table: &Table, first: &Plan) -> Result<Plan> {
    let mut options = crate::plan::open_options(spec)?;
    for side in Side::BOTH {
        options[side].db.snapshot = None;
    }
    let open = |side: Side| Dataset::open(&spec.sides[side].location, &options[side], session.runtime());
    let mut datasets = Sides::join(open).transpose()?;
    if let Some(filter) = &spec.filter {
        for side in Side::BOTH {
            datasets[side].restrict(filter.clone())?;
        }
    }
    let mut decided = spec.clone();
    decided.sample = None;
    decided.key = match first.keyless {
        true => KeySpec::Keyless,
        false => {
            KeySpec::Given { columns: first.key.iter().map(|k| k.name.clone()).collect(), source: first.key_source }
        }
    };
    let mut plan =
        crate::plan::Plan::resolve(&decided, datasets, Sides::default(), table.memory, session.spill_dir.clone())?;
    plan.key_source = first.key_source;
    plan.keep = first.keep;
    let same = |a: &[crate::plan::ColumnPair], b: &[crate::plan::ColumnPair]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.name == y.name && x.resolution.canon == y.resolution.canon)
    };
    if !same(&plan.key, &first.key) || !same(&plan.columns, &first.columns) {
        return Err(Error::input(
            &plan.datasets.source.location,
            "the compared columns or their types changed between the first read and a recheck",
        ));
    }
    Ok(plan)
}

/// The report once rechecks are done. Every count stays the first read's (its rows, fingerprints, NULL keys and
/// categories), settled by the rechecks: a finding gone on a recheck leaves its category, for matched when the
/// first read held its key on the source; an unstable one leaves it for its own count. So matched, mismatched,
/// missing, the source's duplicate and NULL-key rows and the unstable keys still account for the first read's
/// source rows. The examples are the last read's (the rows as they stand) of findings that kept their category.
pub(super) fn settle(
    first: &mut Report,
    first_keys: &FindingKeys,
    rechecked: &Rechecked,
    plan: &Plan,
    examples: usize,
) -> Result<Vec<Value>> {
    let Some((_, last, findings)) = &rechecked.last else { return Ok(Vec::new()) };
    let (transient, unstable) = (&rechecked.transient, &rechecked.unstable);
    // What the settled findings contributed to the first read's counts and column counts.
    let mut less = std::collections::BTreeMap::<Category, u64>::new();
    let mut less_columns = vec![0u64; plan.columns.len()];
    let mut now_matched = KeyHashes::default();
    let mut matched = 0;
    let mut unstable_keys = Vec::new();
    let names: Vec<String> = plan.key.iter().map(|k| k.name.clone()).collect();
    let settled = |e: &&FindingKey| transient.contains(&e.key) || unstable.contains(&e.key);
    for (row, entry) in first_keys.entries.iter().enumerate().filter(|(_, e)| settled(e)) {
        let rows = |side: Side| entry.state[side].rows;
        // Keyless, a finding is a whole row held more often on one side: it counts each surplus row.
        let weight = if plan.keyless { rows(Side::Source).abs_diff(rows(Side::Target)) } else { 1 };
        *less.entry(entry.category).or_default() += weight;
        entry.columns.iter().flatten().for_each(|&c| less_columns[c] += 1);
        if transient.contains(&entry.key) {
            matched += match plan.keyless {
                true => rows(Side::Source).saturating_sub(rows(Side::Target)),
                false => u64::from(rows(Side::Source) > 0 && now_matched.insert(entry.key)),
            };
        } else if !plan.keyless && unstable_keys.len() < examples && !unstable_keys.iter().any(|(k, _)| *k == entry.key)
        {
            // Keyless, a key is a whole row: its values are not listed (nothing would redact them).
            unstable_keys.push((entry.key, Value::Object(report::key_json(&names, &first_keys.values, row))));
        }
    }
    first.summary.counts = first.summary.counts.map(|category, count| match category {
        Category::NullKeysSource | Category::NullKeysTarget => *count,
        _ => count.saturating_sub(less.get(&category).copied().unwrap_or(0)),
    });
    first.summary.matched += matched;
    if let Some(columns) = &mut first.column_mismatches {
        for (c, pair) in plan.columns.iter().enumerate() {
            let n = columns.get(&pair.name).and_then(Value::as_u64).unwrap_or(0);
            columns.insert(pair.name.clone(), Value::from(n.saturating_sub(less_columns[c])));
        }
    }
    let kept: HashSet<(Category, u128)> =
        first_keys.entries.iter().filter(|e| !settled(e)).map(|e| (e.category, e.key)).collect();
    let last_keys = findings.keys.clone().unwrap_or_default();
    let anchors = last_keys.by_anchor();
    let shown = |category: Category, e: &report::Example| match e.anchor.and_then(|a| anchors.get(&a)) {
        Some(&i) => kept.contains(&(category, last_keys.entries[i].key)),
        None => true,
    };
    first.examples = first.examples.map(|category, mine| match category {
        Category::NullKeysSource | Category::NullKeysTarget => mine.clone(),
        _ => last.examples.get(category).into_iter().flatten().filter(|e| shown(category, e)).cloned().collect(),
    });
    first.sample = plan.sample.as_ref().map(|s| report::build::sample_report(&first.summary, s));
    Ok(unstable_keys.into_iter().map(|(_, v)| v).collect())
}
