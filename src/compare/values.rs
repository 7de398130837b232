//! The row tier's second half: reads the few rows that findings name again, canonical as in pass one, and
//! compares mismatch candidates column by column with the same encodings the digests hashed.

use std::collections::HashMap;

use arrow::array::{Array, ArrayRef, UInt32Array};
use arrow::compute::{concat, take};

use super::classify::Candidate;
use super::Observer;
use crate::digest::digest_canonical;
use crate::digest::encode::{decode, encodings, Decoded};
use crate::error::{Error, Result};
use crate::finding::{Cause, Explained};
use crate::normalize::policy::Within;
use crate::normalize::{Canonical, SideColumns};
use crate::side::Sides;
use crate::source::{Dataset, Ordinal};

/// Canonical rows of one side read again, found by ordinal.
pub struct Fetched {
    ordinals: Vec<Ordinal>,
    pub rows: Canonical,
}

impl Fetched {
    /// Reads the `wanted` rows (ordinal and row hash) of one side again, canonical. `keys` are the canonical
    /// keys pass one kept for a database side (by first ordinal of each batch), used to ask for just those
    /// rows; files are re-read by ordinal.
    pub fn load(
        dataset: &Dataset,
        columns: &SideColumns,
        mut wanted: Vec<(Ordinal, u128)>,
        keys: &[(Ordinal, Vec<ArrayRef>)],
    ) -> Result<Fetched> {
        wanted.sort_unstable();
        wanted.dedup();
        if dataset.rereads_by_ordinal() {
            let ordinals: Vec<Ordinal> = wanted.iter().map(|(o, _)| *o).collect();
            let (batch, found) = dataset.fetch(&columns.projection, &ordinals)?;
            let rows = columns.canonical(&batch, &dataset.location)?;
            return Ok(Fetched { ordinals: found.values().to_vec(), rows });
        }
        let mut pending: HashMap<u128, Vec<Ordinal>> = HashMap::new();
        for (ordinal, row_hash) in &wanted {
            pending.entry(*row_hash).or_default().push(*ordinal);
        }
        let mut parts = Vec::new();
        // First ask for the wanted keys only; whatever that misses (a key changed by the policy, say) comes
        // from a full read of the same snapshot.
        let key_names: Vec<String> = columns.keys.iter().map(|k| k.name.clone()).collect();
        let key_rows: Vec<(&[ArrayRef], usize)> = wanted.iter().filter_map(|(o, _)| key_row(keys, *o)).collect();
        if !key_rows.is_empty() {
            if let Some(units) = dataset.read_keys(&columns.projection, &key_names, &key_rows)? {
                pick_by_row_hash(dataset, columns, units, &mut pending, &mut parts)?;
            }
        }
        let unfound = |pending: &HashMap<u128, Vec<Ordinal>>| pending.values().any(|o| !o.is_empty());
        if unfound(&pending) {
            pick_by_row_hash(dataset, columns, dataset.scan_units(&columns.projection)?, &mut pending, &mut parts)?;
        }
        if unfound(&pending) {
            return Err(Error::input(&dataset.location, "rows changed between two reads of the same snapshot"));
        }
        assemble(dataset, columns, parts)
    }

    /// The row index of `ordinal` in `rows`.
    pub fn row(&self, ordinal: Ordinal) -> Option<usize> {
        self.ordinals.binary_search(&ordinal).ok()
    }
}

/// The batch and row holding `ordinal` among batches listed by their first ordinal.
fn key_row(keys: &[(Ordinal, Vec<ArrayRef>)], ordinal: Ordinal) -> Option<(&[ArrayRef], usize)> {
    let at = keys.partition_point(|(first, _)| *first <= ordinal).checked_sub(1)?;
    let (first, arrays) = &keys[at];
    let row = (ordinal - first) as usize;
    (row < arrays.first()?.len()).then_some((arrays.as_slice(), row))
}

/// Reads `units` and keeps the rows whose row hash is pending: rows with equal row hashes are equal in
/// every compared value, so any of them shows the finding.
fn pick_by_row_hash(
    dataset: &Dataset,
    columns: &SideColumns,
    units: Vec<crate::source::ScanUnit>,
    pending: &mut HashMap<u128, Vec<Ordinal>>,
    parts: &mut Vec<(Vec<Ordinal>, Canonical)>,
) -> Result<()> {
    for unit in units {
        for batch in unit.open()? {
            let canonical = columns.canonical(&batch?, &dataset.location)?;
            let (mut keyed, mut keyless) = (Vec::new(), Vec::new());
            digest_canonical(
                columns,
                &canonical,
                &dataset.location,
                0,
                |d| keyed.push((d.ordinal, d.row())),
                |o, h| keyless.push((o, h)),
            )?;
            let mut picked: Vec<(u32, Ordinal)> = Vec::new();
            for (row, row_hash) in keyed.into_iter().chain(keyless) {
                if let Some(ordinal) = pending.get_mut(&row_hash).and_then(Vec::pop) {
                    picked.push((row as u32, ordinal));
                }
            }
            if !picked.is_empty() {
                let indices = UInt32Array::from(picked.iter().map(|(row, _)| *row).collect::<Vec<_>>());
                let rows = Canonical {
                    keys: take_all(&canonical.keys, &indices, &dataset.location)?,
                    values: take_all(&canonical.values, &indices, &dataset.location)?,
                };
                parts.push((picked.into_iter().map(|(_, o)| o).collect(), rows));
            }
        }
    }
    Ok(())
}

fn take_all(arrays: &[ArrayRef], indices: &UInt32Array, location: &str) -> Result<Vec<ArrayRef>> {
    arrays.iter().map(|a| take(a.as_ref(), indices, None).map_err(|e| Error::arrow(location, e))).collect()
}

/// The picked rows as one canonical set, sorted by ordinal.
fn assemble(dataset: &Dataset, columns: &SideColumns, parts: Vec<(Vec<Ordinal>, Canonical)>) -> Result<Fetched> {
    if parts.is_empty() {
        let schema = dataset.schema.project(&columns.projection).map_err(|e| Error::arrow(&dataset.location, e))?;
        let empty = arrow::array::RecordBatch::new_empty(std::sync::Arc::new(schema));
        return Ok(Fetched { ordinals: Vec::new(), rows: columns.canonical(&empty, &dataset.location)? });
    }
    let ordinals: Vec<Ordinal> = parts.iter().flat_map(|(o, _)| o.iter().copied()).collect();
    let join = |pick: fn(&Canonical) -> &Vec<ArrayRef>| -> Result<Vec<ArrayRef>> {
        (0..pick(&parts[0].1).len())
            .map(|i| {
                let arrays: Vec<&dyn Array> = parts.iter().map(|(_, c)| pick(c)[i].as_ref()).collect();
                concat(&arrays).map_err(|e| Error::arrow(&dataset.location, e))
            })
            .collect()
    };
    let (keys, values) = (join(|c| &c.keys)?, join(|c| &c.values)?);
    let mut order: Vec<u32> = (0..ordinals.len() as u32).collect();
    order.sort_unstable_by_key(|&i| ordinals[i as usize]);
    let order = UInt32Array::from(order);
    let mut sorted = ordinals;
    sorted.sort_unstable();
    let rows = Canonical {
        keys: take_all(&keys, &order, &dataset.location)?,
        values: take_all(&values, &order, &dataset.location)?,
    };
    Ok(Fetched { ordinals: sorted, rows })
}

/// A key whose single source and target rows differ, the compared columns (by index) that differ, and why
/// each differs (in the same order).
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub source_ordinal: Ordinal,
    pub target_ordinal: Ordinal,
    pub columns: Vec<usize>,
    pub causes: Vec<Explained>,
}

/// Compares each candidate's two rows column by column: equal encodings, or floats or decimals within the
/// column's tolerance. Returns the confirmed mismatches and how many candidates turned out equal. With `counted`,
/// each differing pair goes through `explainer` and the second pass it asks for; else only its cause is asked.
pub(crate) fn confirm(
    candidates: &[Candidate],
    fetched: Sides<&Fetched>,
    columns: &SideColumns,
    explainer: &mut dyn Observer,
    counted: bool,
) -> Result<(Vec<Mismatch>, u64)> {
    let Sides { source, target } = fetched;
    let width = source.rows.values.len();
    let mut per_column = Vec::with_capacity(width);
    for c in 0..width {
        let (a, b) = (&source.rows.values[c], &target.rows.values[c]);
        per_column.push([encode_all(a.as_ref())?, encode_all(b.as_ref())?]);
    }
    let mut mismatches = Vec::new();
    let mut equal = 0;
    for candidate in candidates {
        let (s, t) = match (source.row(candidate.source_ordinal), target.row(candidate.target_ordinal)) {
            (Some(s), Some(t)) => (s, t),
            _ => return Err(Error::internal("a row seen in the first pass was not read back")),
        };
        let differing: Vec<usize> = (0..width)
            .filter(|&c| differ(columns.values[c].tolerance, &per_column[c][0][s], &per_column[c][1][t]))
            .collect();
        if differing.is_empty() {
            equal += 1;
        } else {
            let pair = |c: usize| (&per_column[c][0][s][..], &per_column[c][1][t][..]);
            let causes = match counted {
                true => differing.iter().map(|&c| explainer.observe(c, pair(c).0, pair(c).1)).collect(),
                false => differing.iter().map(|&c| explainer.cause(c, pair(c).0, pair(c).1)).collect(),
            };
            mismatches.push(Mismatch {
                source_ordinal: candidate.source_ordinal,
                target_ordinal: candidate.target_ordinal,
                causes,
                columns: differing,
            });
        }
    }
    if counted && explainer.second_pass() {
        for m in &mismatches {
            let rows = (source.row(m.source_ordinal), target.row(m.target_ordinal));
            let (Some(s), Some(t)) = rows else { continue };
            for &c in &m.columns {
                if explainer.in_second_pass(c) {
                    explainer.observe_again(c, &per_column[c][0][s], &per_column[c][1][t]);
                }
            }
        }
    }
    Ok((mismatches, equal))
}

/// The causes of the listed mismatches once `explainer` has seen every pair and settled: a decimal column's
/// rounding is decided over all its pairs (`rounding`).
pub(crate) fn settle(mismatches: &mut [Mismatch], fetched: Sides<&Fetched>, explainer: &dyn Observer) -> Result<()> {
    for m in mismatches {
        let (Some(s), Some(t)) = (fetched.source.row(m.source_ordinal), fetched.target.row(m.target_ordinal)) else {
            return Err(Error::internal("a mismatched row was not read back"));
        };
        // Only a pair seen as `other` may change: no other is read again.
        for (&c, explained) in m.columns.iter().zip(&mut m.causes).filter(|(_, e)| e.cause == Cause::Other) {
            let value = |rows: &Fetched, row: usize| encode_all(rows.rows.values[c].slice(row, 1).as_ref());
            let (a, b) = (value(fetched.source, s)?, value(fetched.target, t)?);
            *explained = explainer.settled(c, &a[0], &b[0], *explained);
        }
    }
    Ok(())
}

/// Whether two encodings of one column's values differ under its tolerance: the row tier's one test, for the
/// rows read back and the streaming column pass alike. Without a tolerance, any two encodings that differ.
pub(crate) fn differ(tolerance: Option<Within>, a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return false;
    }
    let (Some(tolerance), Some((x, _)), Some((y, _))) = (tolerance, decode(a), decode(b)) else { return true };
    let within = match (tolerance, x, y) {
        (Within::Float(t), Decoded::Float(x), Decoded::Float(y)) => t.equal(x, y),
        (Within::Float(t), Decoded::Float32(x), Decoded::Float32(y)) => t.equal(x.into(), y.into()),
        (Within::Decimal(t), x, y) => match (x.decimal(), y.decimal()) {
            (Some((s1, x)), Some((s2, y))) => s1 == s2 && t.equal(x, y),
            _ => false,
        },
        _ => false,
    };
    !within
}

fn encode_all(array: &dyn Array) -> Result<Vec<Vec<u8>>> {
    encodings(array).map_err(|e| Error::arrow("re-read", e))
}
