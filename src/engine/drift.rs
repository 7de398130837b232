//! One table comparison over time (DESIGN.md, "Runs over time"): the passes — which keys this run covers (a
//! window by change time, a key list, what changed since the last complete run), the first read, rechecks of
//! what differs — and the report's `drift` section. What history makes of the findings (new, persisting,
//! resolved, superseded) is `history::lifecycle`'s; what identifies a run, `history::identity`'s.
//!
//! The passes, in order, all on the plan's datasets (one snapshot per side) except the rechecks:
//! 1. with `--min-age`: the keys changed within it on either side (keys only, by change time) are left out;
//! 2. the keys to read: a `--keys` file's; or with `--max-age` the keys changed within it on either side and
//!    every finding still open; or with `--since-last-run` the keys changed since the previous complete run
//!    (less `--window-overlap`), every finding still open, and the keys a keys-only pass finds on one side only;
//! 3. the comparison of those keys (a database reads them by key: one hash semi-join per 50,000 keys);
//! 4. with `--recheck N`: the differing keys again, in fresh snapshots (`recheck.rs`);
//! 5. with `--history`: the findings matched with the open ones, and the run recorded in one transaction.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::recheck::{self, Rechecked};
use super::{window, Outcome, Table};
use crate::compare::FindingKeys;
use crate::error::{Error, Result};
use crate::finding::{Category, FindingStatus, StatusCounts};
use crate::history::identity::{rfc3339, run_name, Identity};
use crate::history::keys::{columns_json, key_texts};
use crate::history::lifecycle::{covered, lifecycle, Before, Coverage};
use crate::history::past::Past;
use crate::history::{History, RunRecord, Seen};
use crate::normalize::Canon;
use crate::plan::Plan;
use crate::report::drift::{Baseline, DriftReport, RunRef, WindowReport};
use crate::report::verdict::Verdict;
use crate::report::Report;
use crate::session::Session;
use crate::side::{Side, Sides};
use crate::source::keyset::{KeyHashes, KeyRows, KeySet};
use crate::source::narrow::Bound;
use crate::spec::{Scope, TableSpec};

/// Compares one table with history, rechecks, a window or a key list, as `spec.drift` says.
pub(super) fn compare(
    spec: &TableSpec,
    session: &Session,
    table: &Table,
    plan: Plan,
    started: Instant,
) -> Result<Outcome> {
    refuse_keyless(spec, &plan)?;
    let locations = Sides::new(plan.datasets.source.location.as_str(), plan.datasets.target.location.as_str());
    let key: Vec<String> = plan.key.iter().map(|k| k.name.clone()).collect();
    let key = (!plan.keyless).then_some(key.as_slice());
    let name = run_name(&table.name, spec.drift.name.as_deref(), locations, key);
    let mut history = match &spec.drift.history {
        Some(path) => Some(History::open(path, true, session.runtime())?),
        None => None,
    };
    if let Some(history) = &mut history {
        history.lock(&name)?;
    }
    let outcome = run(spec, session, table, &name, history.as_mut(), plan, started);
    if let Some(mut history) = history {
        let released = history.unlock(&name).and_then(|_| history.close());
        match (&outcome, released) {
            (Ok(_), Err(e)) => return Err(e),
            (Err(_), Err(e)) => tracing::warn!("{e}"),
            _ => {}
        }
    }
    outcome
}

/// Options that name or follow keys need a key (DESIGN.md, "Keys and keyless tables").
fn refuse_keyless(spec: &TableSpec, plan: &Plan) -> Result<()> {
    if !plan.keyless {
        return Ok(());
    }
    let d = &spec.drift;
    for (field, set) in [("keys", d.keys.is_some()), ("updated_column", d.window.column.is_some())] {
        if set {
            return Err(Error::setting(
                spec.origins.setting(field),
                format!(
                    "{} and {} are compared keyless (whole rows): this needs a key (--key)",
                    plan.datasets.source.location, plan.datasets.target.location
                ),
            ));
        }
    }
    Ok(())
}

fn before(t: DateTime<Utc>, d: Duration, setting: &str) -> Result<DateTime<Utc>> {
    chrono::TimeDelta::from_std(d)
        .ok()
        .and_then(|d| t.checked_sub_signed(d))
        .ok_or_else(|| Error::setting(setting, format!("{d:?} reaches before any time recon can name")))
}

/// The keys a run reads, chosen before any row is read whole.
struct Chosen {
    scope: Scope,
    /// Only these keys (`None`: every key but those `coverage.except` leaves out).
    only: Option<KeyRows>,
    coverage: Coverage,
    window: WindowReport,
    /// Rows read as keys alone, per side.
    key_rows: Sides<u64>,
    keys_listed: Option<u64>,
    /// Rows with a NULL key part, per side, when a keys-only pass read every key.
    null_keys: Option<Sides<u64>>,
}

/// Reads what decides the run's keys: with `--min-age` the keys changed within it on either side (left out);
/// then a `--keys` file's keys, or the keys changed within `--max-age` or since the last complete run on either
/// side with every finding still open (and, since the last run, the keys a keys-only pass finds on one side
/// only).
#[allow(clippy::too_many_arguments)]
fn choose(
    spec: &TableSpec,
    session: &Session,
    table: &Table,
    name: &str,
    with_history: bool,
    past: &Past,
    clocks: Option<&Sides<DateTime<Utc>>>,
    plan: &mut Plan,
) -> Result<Chosen> {
    let drift = &spec.drift;
    let updated = match &drift.window.column {
        Some(column) => Some(window::updated_columns(spec, plan, column)?),
        None => None,
    };
    let zones = Sides::from_fn(|side| plan.side_columns(side).policy.zone);
    let bounds =
        |since: &Sides<DateTime<Utc>>| Sides::from_fn(|side| Bound { instant: since[side], zone: zones[side] });
    let ago = |age: Duration, setting: &str| -> Result<Sides<DateTime<Utc>>> {
        let clocks = clocks.ok_or_else(|| Error::internal("a window without the servers' clocks"))?;
        Ok(Sides::new(before(clocks.source, age, setting)?, before(clocks.target, age, setting)?))
    };
    let mut chosen = Chosen {
        scope: drift.scope(plan.sample.is_some()),
        only: None,
        coverage: Coverage::default(),
        window: WindowReport::default(),
        key_rows: Sides::default(),
        keys_listed: None,
        null_keys: None,
    };
    let add_rows = |total: &mut Sides<u64>, rows: Sides<u64>| Side::BOTH.into_iter().for_each(|s| total[s] += rows[s]);
    let changed = |since: Sides<DateTime<Utc>>, chosen: &mut Chosen, plan: &Plan| -> Result<(KeyRows, Sides<u64>)> {
        let updated = updated.as_ref().ok_or_else(|| Error::internal("a window without its column"))?;
        let (changed, rows) = window::changed_keys(plan, updated, &bounds(&since))?;
        add_rows(&mut chosen.key_rows, rows);
        Ok((changed, rows))
    };

    // Left out: keys whose row changed within --min-age, on either side.
    if let Some(min_age) = drift.window.min_age {
        let since = ago(min_age, "--min-age")?;
        let (left_out, _) = changed(since, &mut chosen, plan)?;
        chosen.window.left_out_since = Some(since.map(rfc3339));
        chosen.window.left_out_keys = Some(left_out.len() as u64);
        chosen.coverage.except = Some(KeySet::except(left_out.hashes.iter().copied()));
    }
    // Only: a key list, the keys changed within --max-age, or those changed since the last complete run.
    let since = match chosen.scope {
        Scope::Keys => {
            let path = drift.keys.as_ref().ok_or_else(|| Error::internal("a key list without its file"))?;
            let listed = window::listed_keys(path, spec, plan, session)?;
            chosen.keys_listed = Some(listed.len() as u64);
            chosen.coverage.listed = Some(KeySet::only(listed.hashes.iter().copied()));
            chosen.only = Some(listed);
            return Ok(chosen);
        }
        Scope::Window => match drift.window.max_age {
            Some(max_age) => ago(max_age, "--max-age")?,
            None => return Ok(chosen),
        },
        Scope::SinceLastRun => match past.complete {
            Some(complete) => {
                let overlap = drift.window.overlap;
                let before = |t| before(t, overlap, "--window-overlap");
                Sides::new(before(complete.source)?, before(complete.target)?)
            }
            None => {
                tracing::info!("{name}: no complete earlier run to start from: comparing every key");
                chosen.scope = Scope::Table;
                return Ok(chosen);
            }
        },
        Scope::Table | Scope::Sample => return Ok(chosen),
    };
    let (changed_keys, rows) = changed(since, &mut chosen, plan)?;
    chosen.window.changed_since = Some(since.map(rfc3339));
    chosen.window.changed_keys = Some(rows);
    let (open, unreadable) = past.open_keys(plan.keyless)?;
    chosen.window.open_findings_read = with_history.then_some(open.len() as u64);
    chosen.coverage.unreadable = unreadable;
    let mut only = changed_keys.union(&open)?;
    if chosen.scope == Scope::SinceLastRun {
        let (one_sided, rows, nulls) = super::pushdown::one_sided_keys(plan, session, &table.label, spec.pushdown)?;
        add_rows(&mut chosen.key_rows, rows);
        chosen.null_keys = Some(nulls);
        chosen.window.one_sided_keys = Some(one_sided.len() as u64);
        only = only.union(&one_sided)?;
    }
    chosen.only = Some(only);
    Ok(chosen)
}

fn run(
    spec: &TableSpec,
    session: &Session,
    table: &Table,
    name: &str,
    mut history: Option<&mut History>,
    mut plan: Plan,
    started: Instant,
) -> Result<Outcome> {
    let drift = &spec.drift;
    let run_started = Utc::now();
    plan.keep.keys = history.is_some() || drift.rechecks > 0;
    let identity = Identity::of(spec, &plan);
    let past = match history.as_deref_mut() {
        Some(h) => Past::load(h, name, &identity)?,
        None => Past::default(),
    };
    let clocks = match history.is_some() || drift.window.column.is_some() {
        true => Some(Sides::join(|side| plan.datasets[side].server_now()).transpose()?),
        false => None,
    };
    let Chosen { scope, only, coverage, window: window_report, key_rows, keys_listed, null_keys } =
        choose(spec, session, table, name, history.is_some(), &past, clocks.as_ref(), &mut plan)?;
    window::narrow(&mut plan, only.as_ref(), coverage.except.as_ref())?;

    let (mut report, findings) = super::pass(&plan, session, &table.label, started)?;
    if let Some(nulls) = null_keys {
        // The keys-only pass read every row's key: its rows with a NULL key part are this run's.
        report.summary.counts = report.summary.counts.map(|category, &count| match category {
            Category::NullKeysSource => nulls.source,
            Category::NullKeysTarget => nulls.target,
            _ => count,
        });
    }
    let first_keys = findings.keys.clone().unwrap_or_default();
    let rechecked = match drift.rechecks > 0 && !first_keys.entries.is_empty() {
        true => recheck::recheck(spec, session, table, &plan, &first_keys)?,
        false => Rechecked::default(),
    };
    let unstable_keys = recheck::settle(&mut report, &first_keys, &rechecked, &plan, plan.keep.examples)?;
    let mut drift_report = DriftReport {
        history: None,
        run: None,
        previous_run: None,
        scope,
        rechecks: rechecked.done,
        findings: StatusCounts {
            transient: rechecked.transient.len() as u64,
            unstable: rechecked.unstable.len() as u64,
            ..StatusCounts::default()
        },
        keys_listed,
        window: (window_report != WindowReport::default()).then_some(window_report),
        not_covered: None,
        spec_changed: None,
        superseded: None,
        baseline: None,
        unstable_keys,
        rechecked_rows: (rechecked.done > 0).then_some(rechecked.rows),
        recheck_seconds: (rechecked.done > 0).then_some(rechecked.seconds),
    };
    report.stats.source.key_rows = key_rows.source;
    report.stats.target.key_rows = key_rows.target;
    let (transient, unstable) = (rechecked.transient.clone(), rechecked.unstable.clone());
    let (plan, findings) = match rechecked.last {
        Some((plan, _, findings)) => (plan, findings),
        None => (plan, findings),
    };
    let last_keys = findings.keys.clone().unwrap_or_default();
    if let Some(history) = history {
        let complete = match (scope, &clocks) {
            // Every key but those changed within --min-age was compared: every change before that is known.
            (Scope::Table | Scope::SinceLastRun, Some(clocks)) | (Scope::Window, Some(clocks))
                if drift.window.max_age.is_none() =>
            {
                Some(match drift.window.min_age {
                    Some(min_age) => Sides::new(
                        before(clocks.source, min_age, "--min-age")?,
                        before(clocks.target, min_age, "--min-age")?,
                    ),
                    None => *clocks,
                })
            }
            _ => None,
        };
        let context = Context { plan: &plan, name, run_started, identity: &identity, clocks, complete };
        let recorded = Recorded { keys: &first_keys, shown: &last_keys, transient: &transient, unstable: &unstable };
        remember(history, &context, &past, &coverage, &recorded, &mut report, &mut drift_report)?;
    } else {
        report.verdict = judge(&report, &drift_report, &plan);
    }
    report.drift = Some(drift_report);
    super::finish(report, plan, findings)
}

/// The table's verdict once its runs over time are counted: its categories (settled by rechecks), the unstable
/// keys, and with history what is new.
fn judge(report: &Report, drift: &DriftReport, plan: &Plan) -> Verdict {
    crate::report::build::verdict(&report.summary, report.sample.as_ref(), Some(drift), &plan.budgets)
}

/// What a run is, for history.
struct Context<'a> {
    plan: &'a Plan,
    name: &'a str,
    run_started: DateTime<Utc>,
    identity: &'a Identity,
    clocks: Option<Sides<DateTime<Utc>>>,
    complete: Option<Sides<DateTime<Utc>>>,
}

/// What the run found, for history: the first read's findings, less the keys a recheck found transient or
/// unstable (each finding in the category the report counts it in); and the findings of the read whose rows
/// the examples show.
struct Recorded<'a> {
    keys: &'a FindingKeys,
    shown: &'a FindingKeys,
    transient: &'a KeyHashes,
    unstable: &'a KeyHashes,
}

/// Matches the run's findings with the open ones (new or persisting), resolves the open ones its scope covers
/// and no longer sees, checks `--max-new`, records the run in one transaction and marks the report's examples.
#[allow(clippy::too_many_arguments)]
fn remember(
    history: &mut History,
    context: &Context,
    past: &Past,
    coverage: &Coverage,
    recorded: &Recorded,
    report: &mut Report,
    drift: &mut DriftReport,
) -> Result<()> {
    let (plan, keys) = (context.plan, recorded.keys);
    let started = rfc3339(context.run_started);
    let texts = key_texts(&keys.values)?;
    let names = |columns: &Option<Vec<usize>>| {
        columns
            .as_ref()
            .map(|c| Value::from(c.iter().map(|&i| plan.columns[i].name.clone()).collect::<Vec<_>>()).to_string())
    };
    let settled = |key: &u128| recorded.transient.contains(key) || recorded.unstable.contains(key);
    let found = keys.entries.iter().zip(texts).filter(|(entry, _)| !settled(&entry.key));
    let found = found.map(|(entry, key)| Seen {
        category: entry.category,
        key_hash: entry.key,
        key,
        columns: names(&entry.columns),
        open: None,
    });
    let key_columns = past.comparable.then(|| past.latest.as_ref().map(|l| l.key_columns.as_str())).flatten();
    let covered = covered(&past.open, coverage, plan.sample.as_ref(), key_columns)?;
    let before = Before { open: &past.open, comparable: past.comparable, covered: &covered };
    let life = lifecycle(found.collect(), &before, recorded.unstable, &started);
    let baseline = history.baseline(context.name)?;
    drift.findings.new = Some(life.new);
    drift.findings.persisting = Some(life.persisting);
    drift.findings.resolved = Some(life.resolved);
    drift.baseline = baseline.map(|accepted| Baseline { accepted, beyond: life.beyond_baseline });
    report.verdict = judge(report, drift, plan);
    let key_names: Vec<String> = plan.key.iter().map(|k| k.name.clone()).collect();
    let record = RunRecord {
        table: context.name.to_string(),
        started: started.clone(),
        scope: drift.scope,
        identity: context.identity.clone(),
        key_columns: match (&past.latest, keys.values.is_empty(), past.comparable) {
            // No finding to read types from: keep what the last comparable run recorded.
            (Some(latest), true, true) => latest.key_columns.clone(),
            _ => columns_json(&key_names, &keys.values, &canonical_types(plan)?),
        },
        locations: Sides::new(plan.datasets.source.location.clone(), plan.datasets.target.location.clone()),
        clocks: context.clocks.map(|c| c.map(rfc3339)),
        complete: context.complete.map(|c| c.map(rfc3339)),
        rechecks: drift.rechecks,
        summary: serde_json::to_value(&report.summary).map_err(|e| Error::internal(e.to_string()))?,
        verdict: report.verdict.clone(),
        counts: drift.findings,
        superseded: life.superseded,
    };
    let id = history.record(&record, &life.seen, &life.closed)?;
    drift.history = Some(context.name.to_string());
    drift.run = Some(id);
    drift.previous_run = Some(past.latest.as_ref().map(|l| RunRef { id: l.id, started: l.started.clone() }));
    drift.not_covered = (life.not_covered > 0).then_some(life.not_covered);
    drift.spec_changed = past.spec_changed;
    drift.superseded = (life.superseded > 0).then_some(life.superseded);
    annotate(report, recorded.shown, &life.statuses);
    Ok(())
}

/// The canonical type of each key column, for the run's record when no finding shows one: the source's type
/// made canonical (integers 64 bits wide, as finding keys are kept).
fn canonical_types(plan: &Plan) -> Result<Vec<arrow::datatypes::DataType>> {
    let policy = plan.side_columns(Side::Source).policy;
    plan.key
        .iter()
        .map(|k| {
            let empty = arrow::array::new_empty_array(&k.source_type);
            let canonical = crate::normalize::canonicalize(&empty, &k.resolution.canon, &policy)
                .map_err(|e| Error::arrow(format!("key column {}", k.name), e))?;
            Ok(match k.resolution.canon {
                Canon::Int => arrow::datatypes::DataType::Int64,
                _ => canonical.data_type().clone(),
            })
        })
        .collect()
}

/// Gives each example of a finding its status and when it was first seen.
fn annotate(report: &mut Report, keys: &FindingKeys, statuses: &HashMap<(Category, u128), (FindingStatus, String)>) {
    let anchors = keys.by_anchor();
    report.examples = report.examples.map(|category, examples| {
        examples
            .iter()
            .map(|example| {
                let mut example = example.clone();
                let key = example.anchor.and_then(|a| anchors.get(&a)).map(|&i| keys.entries[i].key);
                if let Some((status, first_seen)) = key.and_then(|k| statuses.get(&(category, k))) {
                    example.status = Some(*status);
                    example.first_seen = Some(first_seen.clone());
                }
                example
            })
            .collect()
    });
}
