//! Every finding's key, not only the listed ones, when history or rechecks need them ([`crate::spec::Keep`]'s
//! `keys`): its identity (the key hash), category, each side's rows of it as read (to tell whether they changed
//! between two reads), a mismatch's differing columns when they were compared, and its canonical key values —
//! exact values, so that the key can be read again.
//!
//! No whole row is read for this. The residue's digests already name each finding's rows; a database side's
//! canonical keys are kept from pass one (`SideDigest::keys`), so its keys cost nothing more; a file side reads
//! back only its key columns, by ordinal. Only a keyless database side, whose "key" is the whole row, reads
//! whole rows again (by row hash, as the row tier does).

use std::collections::{HashMap, HashSet};

use arrow::array::{Array, ArrayRef, UInt32Array};
use arrow::datatypes::DataType;

use super::buckets::Residue;
use super::classify::{Candidate, Classes, Duplicate};
use super::values::{Fetched, Mismatch};
use crate::digest::{Fingerprint, RowDigest};
use crate::error::{Error, Result};
use crate::finding::Category;
use crate::normalize::policy::Tolerances;
use crate::normalize::{Canon, SideColumns};
use crate::plan::Plan;
use crate::side::{Side, Sides};
use crate::source::Ordinal;

/// One finding: a category and a key.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingKey {
    pub category: Category,
    /// The xxh3-128 key hash (keyless: of the whole row).
    pub key: u128,
    /// Each side's rows of the key when this pass read them: how many, and the sum of their row hashes.
    pub state: Sides<Fingerprint>,
    /// A row showing the key: its side and ordinal in this pass.
    pub anchor: (Side, Ordinal),
    /// A mismatch's differing compared columns (by index), when its rows were compared value by value.
    pub columns: Option<Vec<usize>>,
}

/// Every finding of a pass, with its key values: row `i` of `values` is `entries[i]`'s key.
#[derive(Debug, Clone, Default)]
pub struct FindingKeys {
    pub entries: Vec<FindingKey>,
    /// Canonical key values in key order (keyless: every compared column); empty when there are no findings.
    pub values: Vec<ArrayRef>,
}

impl FindingKeys {
    /// The entry a listed finding's row stands for.
    pub fn by_anchor(&self) -> HashMap<(Side, Ordinal), usize> {
        self.entries.iter().enumerate().map(|(i, e)| (e.anchor, i)).collect()
    }
}

/// Findings gathered group by group while the residue is classified.
#[derive(Default)]
pub(crate) struct Collector {
    entries: Vec<FindingKey>,
    /// Each entry's row hash at its anchor: a keyless database side finds its rows again by it.
    row_hashes: Vec<u128>,
}

impl Collector {
    /// The findings of one classified group.
    pub(crate) fn absorb(&mut self, group: &Residue, classes: &Classes) {
        let mut wanted: Vec<(Side, Ordinal, Category)> = Vec::new();
        wanted.extend(classes.missing.iter().map(|k| (Side::Source, k.ordinal, Category::MissingInTarget)));
        wanted.extend(classes.extra.iter().map(|k| (Side::Target, k.ordinal, Category::ExtraInTarget)));
        for d in &classes.duplicates {
            let Some((side, ordinal)) = d.shown_row() else { continue };
            for (category, count) in
                [(Category::DuplicateKeysSource, d.source_count), (Category::DuplicateKeysTarget, d.target_count)]
            {
                if count > 1 {
                    wanted.push((side, ordinal, category));
                }
            }
        }
        wanted.extend(classes.candidates.iter().map(|c| (Side::Source, c.source_ordinal, Category::Mismatched)));
        self.add(group, wanted);
    }

    /// Keyless: the whole rows one side holds more often than the other.
    pub(crate) fn absorb_keyless(&mut self, group: &Residue, counted: &[Duplicate]) {
        let wanted = counted
            .iter()
            .filter_map(|row| match (row.source_ordinal, row.target_ordinal) {
                (Some(o), _) if row.source_count > row.target_count => {
                    Some((Side::Source, o, Category::MissingInTarget))
                }
                (_, Some(o)) if row.target_count > row.source_count => Some((Side::Target, o, Category::ExtraInTarget)),
                _ => None,
            })
            .collect();
        self.add(group, wanted);
    }

    /// Looks up each wanted row's digest in the group, then sums every row of those keys into their states.
    fn add(&mut self, group: &Residue, wanted: Vec<(Side, Ordinal, Category)>) {
        let rows = Sides::new(&group.source, &group.target);
        let needed: Sides<HashSet<Ordinal>> =
            Sides::from_fn(|side| wanted.iter().filter(|w| w.0 == side).map(|w| w.1).collect());
        let digests: Sides<HashMap<Ordinal, &RowDigest>> = Sides::from_fn(|side| {
            rows[side].iter().filter(|d| needed[side].contains(&d.ordinal)).map(|d| (d.ordinal, d)).collect()
        });
        let first = self.entries.len();
        for (side, ordinal, category) in wanted {
            let Some(digest) = digests[side].get(&ordinal) else { continue };
            self.entries.push(FindingKey {
                category,
                key: digest.key(),
                state: Sides::default(),
                anchor: (side, ordinal),
                columns: None,
            });
            self.row_hashes.push(digest.row());
        }
        let mut by_key: HashMap<u128, Vec<usize>> = HashMap::new();
        for (i, entry) in self.entries.iter().enumerate().skip(first) {
            by_key.entry(entry.key).or_default().push(i);
        }
        for side in Side::BOTH {
            for d in rows[side] {
                for &i in by_key.get(&d.key()).into_iter().flatten() {
                    self.entries[i].state[side].add(d.row());
                }
            }
        }
    }

    /// The findings with their key values. `compared` are the mismatch candidates compared value by value and
    /// `mismatched` those that differ: a compared candidate that turned out equal is no finding. `kept` are the
    /// canonical keys pass one kept of a database side.
    pub(crate) fn finish(
        mut self,
        plan: &Plan,
        columns: Sides<&SideColumns>,
        kept: Sides<&[(Ordinal, Vec<ArrayRef>)]>,
        compared: &[Candidate],
        mismatched: &[Mismatch],
    ) -> Result<FindingKeys> {
        let compared: HashSet<Ordinal> = compared.iter().map(|c| c.source_ordinal).collect();
        let differing: HashMap<Ordinal, &Vec<usize>> =
            mismatched.iter().map(|m| (m.source_ordinal, &m.columns)).collect();
        let mut keep = Vec::with_capacity(self.entries.len());
        for entry in &mut self.entries {
            let ordinal = entry.anchor.1;
            keep.push(match entry.category {
                Category::Mismatched if differing.contains_key(&ordinal) => {
                    entry.columns = differing.get(&ordinal).map(|c| c.to_vec());
                    true
                }
                Category::Mismatched => !compared.contains(&ordinal),
                _ => true,
            });
        }
        let mut kept_flags = keep.into_iter();
        let mut row_hashes = self.row_hashes.into_iter();
        let (mut entries, mut hashes) = (Vec::new(), Vec::new());
        for entry in self.entries {
            let (keep, hash) = (kept_flags.next().unwrap_or(false), row_hashes.next().unwrap_or(0));
            if keep {
                entries.push(entry);
                hashes.push(hash);
            }
        }
        if entries.is_empty() {
            return Ok(FindingKeys::default());
        }
        let values = key_values(plan, columns, kept, &entries, &hashes)?;
        Ok(FindingKeys { entries, values })
    }
}

/// Each entry's canonical key values, gathered side by side, then put in entry order.
fn key_values(
    plan: &Plan,
    columns: Sides<&SideColumns>,
    kept: Sides<&[(Ordinal, Vec<ArrayRef>)]>,
    entries: &[FindingKey],
    row_hashes: &[u128],
) -> Result<Vec<ArrayRef>> {
    let mut per_side: Vec<Vec<ArrayRef>> = Vec::with_capacity(2);
    for side in Side::BOTH {
        let wanted: Vec<(Ordinal, u128)> =
            entries.iter().zip(row_hashes).filter(|(e, _)| e.anchor.0 == side).map(|(e, h)| (e.anchor.1, *h)).collect();
        per_side.push(side_keys(plan, side, columns[side], kept[side], &wanted)?);
    }
    // (side, row within that side's arrays), in entry order.
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(entries.len());
    let mut rows_so_far = [0usize; 2];
    for entry in entries {
        let s = if entry.anchor.0 == Side::Source { 0 } else { 1 };
        order.push((s, rows_so_far[s]));
        rows_so_far[s] += 1;
    }
    let width = columns.source.keys.len();
    let mut values = Vec::with_capacity(width);
    for c in 0..width {
        // Both sides hold the same canonical values, but an integer may be 32 bits wide on one and 64 on the
        // other: one type per column.
        let canon = &columns.source.keys[c].canon;
        let present: Vec<&ArrayRef> = per_side.iter().filter(|a| !a.is_empty()).map(|a| &a[c]).collect();
        let to = match canon {
            Canon::Int => DataType::Int64,
            _ => present.first().map_or(DataType::Null, |a| a.data_type().clone()),
        };
        let cast: Vec<ArrayRef> = per_side
            .iter()
            .map(|arrays| match arrays.get(c) {
                Some(a) => arrow::compute::cast(a, &to).map_err(|e| Error::arrow("finding keys", e)),
                None => Ok(arrow::array::new_empty_array(&to)),
            })
            .collect::<Result<_>>()?;
        let refs: Vec<&dyn Array> = cast.iter().map(|a| a.as_ref()).collect();
        values.push(arrow::compute::interleave(&refs, &order).map_err(|e| Error::arrow("finding keys", e))?);
    }
    Ok(values)
}

/// The canonical keys of the `wanted` rows (ordinal, row hash) of one side, in that order.
fn side_keys(
    plan: &Plan,
    side: Side,
    columns: &SideColumns,
    kept: &[(Ordinal, Vec<ArrayRef>)],
    wanted: &[(Ordinal, u128)],
) -> Result<Vec<ArrayRef>> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let dataset = &plan.datasets[side];
    if !kept.is_empty() {
        // Pass one kept every batch's keys: pick the rows straight from them.
        let mut picks = Vec::with_capacity(wanted.len());
        for (ordinal, _) in wanted {
            let at = kept.partition_point(|(first, _)| first <= ordinal).checked_sub(1);
            let found = at.filter(|&b| (*ordinal - kept[b].0) < kept[b].1.first().map_or(0, |a| a.len()) as u64);
            let b = found.ok_or_else(|| Error::internal("a finding's key was not kept in pass one"))?;
            picks.push((b, (*ordinal - kept[b].0) as usize));
        }
        return (0..columns.keys.len())
            .map(|c| {
                let arrays: Vec<&dyn Array> = kept.iter().map(|(_, a)| a[c].as_ref()).collect();
                arrow::compute::interleave(&arrays, &picks).map_err(|e| Error::arrow(&dataset.location, e))
            })
            .collect();
    }
    // Files read back only their key columns, by ordinal; a keyless database side whole rows, by row hash.
    let read = if dataset.rereads_by_ordinal() { keys_only(columns) } else { columns.clone() };
    let fetched = Fetched::load(dataset, &read, wanted.to_vec(), kept)?;
    let rows: Vec<u32> = wanted
        .iter()
        .map(|(o, _)| {
            fetched.row(*o).map(|r| r as u32).ok_or_else(|| Error::internal("a finding's key was not read back"))
        })
        .collect::<Result<_>>()?;
    let indices = UInt32Array::from(rows);
    fetched
        .rows
        .keys
        .iter()
        .map(|k| arrow::compute::take(k.as_ref(), &indices, None).map_err(|e| Error::arrow(&dataset.location, e)))
        .collect()
}

/// One side's key columns alone, canonical as in pass one.
fn keys_only(columns: &SideColumns) -> SideColumns {
    let keys = columns.keys.iter().map(|k| (k.name.clone(), columns.projection[k.position], k.canon.clone())).collect();
    let mut only = SideColumns::new(keys, Vec::new(), columns.policy.clone(), Tolerances::default());
    only.whole_rows = columns.whole_rows;
    only
}
