//! Rechecks: after the first pass, the keys that differ are read again on both sides, in fresh snapshots,
//! after a delay, up to N times. A key that no longer differs on a recheck was a row in flight (`transient`);
//! one that still differs after the last recheck and whose rows changed between every pair of reads never
//! stood still (`unstable`, under its own budget); the rest persisted and are what the report counts.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::Value;

use crate::compare::{FindingKeys, Findings};
use crate::digest::Fingerprint;
use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::report::{self, Report};
use crate::session::Session;
use crate::side::{Side, Sides};
use crate::source::keyset::{KeyHashes, KeyRows};
use crate::source::Dataset;
use crate::spec::{Category, KeySpec, TableSpec};

use super::Table;

/// What the rechecks found.
#[derive(Default)]
pub(super) struct Rechecked {
    /// The last read: its plan, report and findings (every key in it differed in every read).
    pub(super) last: Option<(Plan, Report, Findings)>,
    pub(super) done: u32,
    pub(super) transient: u64,
    /// Keys gone on a recheck that matched there: they count as matched.
    pub(super) matched: u64,
    pub(super) unstable: KeyHashes,
    pub(super) rows: Sides<u64>,
    /// Spent reading and comparing, delays left out.
    pub(super) seconds: f64,
}

/// Each key's rows on both sides at its latest read, and whether they changed between every pair of reads.
struct Track {
    state: Sides<Fingerprint>,
    changed_every_time: bool,
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
        tracks.insert(entry.key, Track { state: entry.state, changed_every_time: true });
    }
    let mut keys = unique_keys(first)?;
    let mut out = Rechecked::default();
    while out.done < spec.drift.rechecks && !keys.is_empty() {
        tracing::info!(
            "recheck {} of {}: {} differing keys, in {:?}",
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
        out.matched += findings.matched;
        for side in Side::BOTH {
            out.rows[side] += findings.scans[side].rows;
        }
        let now = findings.keys.clone().unwrap_or_default();
        let states: HashMap<u128, Sides<Fingerprint>> = now.entries.iter().map(|e| (e.key, e.state)).collect();
        tracks.retain(|key, track| match states.get(key) {
            Some(state) => {
                track.changed_every_time &= *state != track.state;
                track.state = *state;
                true
            }
            None => {
                out.transient += 1;
                false
            }
        });
        keys = unique_keys(&now)?;
        out.last = Some((fresh, report, findings));
    }
    if out.done > 0 {
        out.unstable = tracks.iter().filter(|(_, t)| t.changed_every_time).map(|(k, _)| *k).collect();
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
            datasets[side].restrict(filter.clone());
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

/// The report once rechecks are done: the first read's rows, fingerprints and rows with NULL keys; the last
/// read's findings (those that persisted through every read), less the unstable ones, which have their own
/// count; keys gone on a recheck counted as matched when they matched there.
pub(super) fn settle(first: &mut Report, rechecked: &Rechecked, plan: &Plan, examples: usize) -> Result<Vec<Value>> {
    let Some((_, last, findings)) = &rechecked.last else { return Ok(Vec::new()) };
    let keys = findings.keys.clone().unwrap_or_default();
    let unstable = |key: u128| rechecked.unstable.contains(&key);
    // What the unstable keys contributed to the last read's counts and column counts.
    let mut less = std::collections::BTreeMap::<Category, u64>::new();
    let mut less_columns = vec![0u64; plan.columns.len()];
    let mut unstable_keys = Vec::new();
    let names: Vec<String> = plan.key.iter().map(|k| k.name.clone()).collect();
    for (row, entry) in keys.entries.iter().enumerate().filter(|(_, e)| unstable(e.key)) {
        let rows = |side: Side| entry.state[side].rows;
        // Keyless, a finding is a whole row held more often on one side: it counts each surplus row.
        let weight = if plan.keyless { rows(Side::Source).abs_diff(rows(Side::Target)) } else { 1 };
        *less.entry(entry.category).or_default() += weight;
        entry.columns.iter().flatten().for_each(|&c| less_columns[c] += 1);
        // Keyless, a key is a whole row: its values are not listed (nothing would redact them).
        if !plan.keyless && unstable_keys.len() < examples && !unstable_keys.iter().any(|(k, _)| *k == entry.key) {
            unstable_keys.push((entry.key, Value::Object(report::key_json(&names, &keys.values, row))));
        }
    }
    let counts = last.summary.counts.map(|category, count| match category {
        Category::NullKeysSource | Category::NullKeysTarget => first.summary.counts.get(category).copied().unwrap_or(0),
        _ => count.saturating_sub(less.get(&category).copied().unwrap_or(0)),
    });
    first.summary.counts = counts;
    first.summary.matched += rechecked.matched;
    if let (Some(columns), Some(last_columns)) = (&mut first.column_mismatches, &last.column_mismatches) {
        for (c, pair) in plan.columns.iter().enumerate() {
            let n = last_columns.get(&pair.name).and_then(Value::as_u64).unwrap_or(0);
            columns.insert(pair.name.clone(), Value::from(n.saturating_sub(less_columns[c])));
        }
    }
    let anchors = keys.by_anchor();
    let shown = |e: &report::Example| match e.anchor.and_then(|a| anchors.get(&a)) {
        Some(&i) => !unstable(keys.entries[i].key),
        None => true,
    };
    first.examples = first.examples.map(|category, mine| match category {
        Category::NullKeysSource | Category::NullKeysTarget => mine.clone(),
        _ => last.examples.get(category).into_iter().flatten().filter(|e| shown(e)).cloned().collect(),
    });
    first.sample = plan.sample.as_ref().map(|s| report::sample_report(&first.summary, s));
    first.verdict = report::verdict::verdict(&first.summary, &plan.budgets, first.sample.as_ref());
    Ok(unstable_keys.into_iter().map(|(_, v)| v).collect())
}
