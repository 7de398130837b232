//! The life of a finding from run to run: what a run sees is matched with the findings still open — `new` when
//! none is, `persisting` when one is — and an open finding the run no longer sees is `resolved` when the run's
//! scope covers its key, left open when it does not (or when rechecks found its key still moving), and
//! `superseded`, with every other open finding, when the key changed. A pure function of what the run saw and
//! what history held, so that each rule is tested without a history file.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::finding::{Category, Closing, FindingStatus};
use crate::sample::{Sample, Selection};
use crate::source::keyset::{KeyHashes, KeySet};

use super::keys::{column_types, key_arrays};
use super::{OpenFinding, Seen};

/// Which open findings a run's scope covers: keys it left out, the only keys it read, and keys it could not
/// read again.
#[derive(Debug, Default)]
pub struct Coverage {
    /// Left out by `--min-age`.
    pub except: Option<KeySet>,
    /// `--keys`: only these.
    pub listed: Option<KeySet>,
    /// Open findings whose key could not be read again.
    pub unreadable: KeyHashes,
}

/// For each of the `open` findings, whether the run covers its key: `coverage` keeps it, and a `sample` (when
/// the run sampled) draws it. `key_columns` are the latest comparable run's key columns (JSON), by which a
/// sample drawn on key text reads the stored keys.
pub fn covered(
    open: &[OpenFinding],
    coverage: &Coverage,
    sample: Option<&Sample>,
    key_columns: Option<&str>,
) -> Result<Vec<bool>> {
    let mut covered: Vec<bool> = open
        .iter()
        .map(|f| {
            coverage.except.as_ref().is_none_or(|e| e.keeps(f.key_hash))
                && coverage.listed.as_ref().is_none_or(|l| l.keeps(f.key_hash))
                && !coverage.unreadable.contains(&f.key_hash)
        })
        .collect();
    let (Some(sample), Some(key_columns)) = (sample, key_columns) else { return Ok(covered) };
    if open.is_empty() {
        return Ok(covered);
    }
    let sampled = match sample.selection {
        Selection::KeyHash => open.iter().map(|f| sample.keeps(f.key_hash)).collect(),
        Selection::KeyText => {
            let texts: Vec<&str> = open.iter().map(|f| f.key.as_str()).collect();
            let arrays = key_arrays(&texts, &column_types(key_columns)?)?;
            sample.keeps_by_text(&arrays).map_err(|e| Error::arrow("history keys", e))?
        }
    };
    covered.iter_mut().zip(sampled).for_each(|(c, s)| *c &= s);
    Ok(covered)
}

/// What history held of a table before the run.
pub struct Before<'a> {
    /// Its open findings.
    pub open: &'a [OpenFinding],
    /// The latest run had the same key form: its findings can be matched with this run's.
    pub comparable: bool,
    /// For each open finding, whether this run's scope covers its key ([`covered`]).
    pub covered: &'a [bool],
}

/// The run's findings against history.
#[derive(Debug, Default, PartialEq)]
pub struct Lifecycle {
    /// Each finding the run saw once, with the open finding it is (if any), to record.
    pub seen: Vec<Seen>,
    /// Open findings this run closes, and how.
    pub closed: Vec<(i64, Closing)>,
    /// Each finding's status (`new` or `persisting`) and when it was first seen (RFC 3339), by category and key.
    pub statuses: HashMap<(Category, u128), (FindingStatus, String)>,
    pub new: u64,
    pub persisting: u64,
    pub resolved: u64,
    pub superseded: u64,
    /// Open findings the run's scope did not cover: neither seen nor resolved.
    pub not_covered: u64,
    /// Findings not in the accepted baseline: new ones, and persisting ones not accepted.
    pub beyond_baseline: u64,
}

/// Matches what a run `started` (RFC 3339) saw — `found`, each finding once per category and key, those
/// rechecks settled left out — with the open findings `before` it. An open finding whose key is `moving`
/// (unstable on rechecks) stays open unseen.
pub fn lifecycle(found: Vec<Seen>, before: &Before, moving: &KeyHashes, started: &str) -> Lifecycle {
    let open_by: HashMap<(Category, u128), &OpenFinding> = match before.comparable {
        true => before.open.iter().map(|f| ((f.category, f.key_hash), f)).collect(),
        false => HashMap::new(),
    };
    let mut out = Lifecycle::default();
    for finding in found {
        let id = (finding.category, finding.key_hash);
        if out.statuses.contains_key(&id) {
            continue;
        }
        let open = open_by.get(&id);
        let status = match open {
            Some(f) => {
                out.persisting += 1;
                (FindingStatus::Persisting, f.first_seen_at.clone())
            }
            None => {
                out.new += 1;
                (FindingStatus::New, started.to_string())
            }
        };
        out.beyond_baseline += u64::from(open.is_none_or(|f| !f.accepted));
        out.statuses.insert(id, status);
        out.seen.push(Seen { open: open.map(|f| f.id), ..finding });
    }
    for (finding, &covered) in before.open.iter().zip(before.covered) {
        if !before.comparable {
            out.closed.push((finding.id, Closing::Superseded));
            out.superseded += 1;
        } else if out.statuses.contains_key(&(finding.category, finding.key_hash)) || moving.contains(&finding.key_hash)
        {
            // Seen again, or still changing: open either way.
        } else if covered {
            out.closed.push((finding.id, Closing::Resolved));
            out.resolved += 1;
        } else {
            out.not_covered += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(id: i64, category: Category, key_hash: u128, accepted: bool) -> OpenFinding {
        OpenFinding {
            id,
            category,
            key_hash,
            key: format!("[\"{key_hash}\"]"),
            first_seen: 1,
            first_seen_at: "2026-12-01T02:00:00.000000Z".into(),
            accepted,
        }
    }

    fn found(category: Category, key_hash: u128) -> Seen {
        Seen { category, key_hash, key: format!("[\"{key_hash}\"]"), columns: None, open: None }
    }

    const STARTED: &str = "2026-12-02T02:00:00.000000Z";

    #[test]
    fn a_finding_seen_again_persists_one_seen_first_is_new_and_one_gone_is_resolved() {
        let history = [open(1, Category::Mismatched, 7, false), open(2, Category::MissingInTarget, 8, false)];
        let before = Before { open: &history, comparable: true, covered: &[true, true] };
        let run = vec![found(Category::Mismatched, 7), found(Category::Mismatched, 9), found(Category::Mismatched, 9)];
        let life = lifecycle(run, &before, &KeyHashes::default(), STARTED);
        assert_eq!((life.new, life.persisting, life.resolved, life.superseded, life.not_covered), (1, 1, 1, 0, 0));
        assert_eq!(life.seen.iter().map(|s| (s.key_hash, s.open)).collect::<Vec<_>>(), [(7, Some(1)), (9, None)]);
        assert_eq!(life.closed, [(2, Closing::Resolved)]);
        let status = |key| life.statuses[&(Category::Mismatched, key)].clone();
        assert_eq!(status(7), (FindingStatus::Persisting, "2026-12-01T02:00:00.000000Z".to_string()));
        assert_eq!(status(9), (FindingStatus::New, STARTED.to_string()));
    }

    #[test]
    fn the_same_key_in_another_category_is_another_finding() {
        let history = [open(1, Category::MissingInTarget, 7, false)];
        let before = Before { open: &history, comparable: true, covered: &[true] };
        let life = lifecycle(vec![found(Category::Mismatched, 7)], &before, &KeyHashes::default(), STARTED);
        assert_eq!((life.new, life.persisting, life.resolved), (1, 0, 1));
    }

    #[test]
    fn an_open_finding_outside_the_scope_or_still_moving_stays_open() {
        let history = [open(1, Category::Mismatched, 7, false), open(2, Category::Mismatched, 8, false)];
        let before = Before { open: &history, comparable: true, covered: &[false, true] };
        let moving = KeyHashes::from_iter([8]);
        let life = lifecycle(Vec::new(), &before, &moving, STARTED);
        assert_eq!((life.resolved, life.not_covered), (0, 1));
        assert!(life.closed.is_empty());
    }

    #[test]
    fn a_changed_key_supersedes_every_open_finding_and_sees_all_as_new() {
        let history = [open(1, Category::Mismatched, 7, false), open(2, Category::Mismatched, 8, false)];
        let before = Before { open: &history, comparable: false, covered: &[true, false] };
        let life = lifecycle(vec![found(Category::Mismatched, 7)], &before, &KeyHashes::default(), STARTED);
        assert_eq!((life.new, life.persisting, life.superseded), (1, 0, 2));
        assert_eq!(life.closed, [(1, Closing::Superseded), (2, Closing::Superseded)]);
    }

    #[test]
    fn only_findings_outside_the_baseline_count_beyond_it() {
        let history = [open(1, Category::Mismatched, 7, true), open(2, Category::Mismatched, 8, false)];
        let before = Before { open: &history, comparable: true, covered: &[true, true] };
        let run = vec![found(Category::Mismatched, 7), found(Category::Mismatched, 8), found(Category::Mismatched, 9)];
        let life = lifecycle(run, &before, &KeyHashes::default(), STARTED);
        assert_eq!((life.new, life.persisting, life.beyond_baseline), (1, 2, 2));
    }

    #[test]
    fn without_a_sample_or_an_earlier_key_the_scope_alone_decides() {
        let history = [open(1, Category::Mismatched, 7, false), open(2, Category::Mismatched, 8, false)];
        let coverage = Coverage { listed: Some(KeySet::only([7])), ..Coverage::default() };
        assert_eq!(covered(&history, &coverage, None, None).unwrap(), [true, false]);
        let coverage = Coverage { unreadable: KeyHashes::from_iter([7]), ..Coverage::default() };
        assert_eq!(covered(&history, &coverage, None, None).unwrap(), [false, true]);
    }
}
