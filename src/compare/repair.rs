//! `--repair-sql`, the engine's half: whether a comparison can be repaired exactly by a script at all (decided
//! before a row is read), and, once it is compared, every row of every finding's key read back on both sides in
//! the snapshot the comparison read — raw, as each side holds it, not canonical — with the changes that make the
//! target's rows of those keys the source's. Plain data: `report::repair` renders it in the target's dialect.
//!
//! A key's rows are changed as a multiset: one row on each side is an UPDATE of the compared columns that differ;
//! otherwise every source row the target lacks is inserted (as many copies as are missing) and every target row
//! the source lacks is deleted (as many copies as are surplus), rows being equal when their row hashes are (the
//! key and the compared columns, canonical). A key on the target only is deleted whole. Keyless, a row is its own
//! key: surplus copies are inserted or deleted.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, UInt32Array};
use arrow::datatypes::{DataType, Field, Schema};

use super::{Findings, OneSided};
use crate::digest::digest_canonical;
use crate::digest::encode::encodings;
use crate::error::{Error, Result};
use crate::normalize::{SideColumns, UNREADABLE};
use crate::plan::Plan;
use crate::side::{Side, Sides};
use crate::source::{Dataset, Engine, Format, Ordinal, Writable};

/// What a repair script writes for one table, or why it writes nothing for it.
pub enum Repairable {
    Rows(Box<RepairRows>),
    Refused(String),
}

/// The rows a repair script writes, and where.
pub struct RepairRows {
    pub target: TargetTable,
    /// The source's rows the changes write, raw: one column per column both sides hold (compared or not), named
    /// as the target names it.
    pub source: RecordBatch,
    /// The target's rows the changes find again, raw: its key and compared columns (every compared column when
    /// keyless), as the target names them.
    pub target_rows: RecordBatch,
    /// The key's columns as the target names them; empty when keyless.
    pub key: Vec<String>,
    /// The compared columns as the target names them (keyless: every compared column).
    pub compared: Vec<String>,
    pub changes: Vec<Change>,
    /// Rows whose key has a NULL part, on each side: no change touches them (they are never matched by key).
    pub null_keys: Sides<u64>,
}

/// The table a script writes to.
pub struct TargetTable {
    pub engine: Engine,
    pub schema: Option<String>,
    pub name: String,
    /// Every column of the table, in table order.
    pub columns: Vec<TargetColumn>,
}

pub struct TargetColumn {
    pub name: String,
    /// The Arrow type recon reads it as.
    pub data_type: DataType,
    /// The type as declared, lower case (`numeric(12,2)`, `timestamp with time zone`, `json`).
    pub declared: String,
    pub writable: Writable,
}

/// One change to the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Insert the source row `row`, `copies` times.
    Insert { row: usize, copies: u64 },
    /// Set the columns `columns` (of the source batch) of the target row `target`, found by its key, to the
    /// source row `source`'s values.
    Update { target: usize, source: usize, columns: Vec<usize> },
    /// Delete target rows like `target`: every row of its key (`copies` is `None`), or `copies` rows equal to it
    /// in the key and every compared column.
    Delete { target: usize, copies: Option<u64> },
}

/// Why `plan` cannot be repaired exactly, if it cannot: known before a row is read.
pub fn refusal(plan: &Plan) -> Option<String> {
    if plan.sample.is_some() {
        return Some("--sample compares some keys only: a script would leave the others unchecked".into());
    }
    if let Some(option) = equating_option(&plan.policy) {
        return Some(format!(
            "{option} counts different values as equal: the target would keep values the source does not hold"
        ));
    }
    let target = &plan.datasets.target;
    if !matches!(target.format, Format::Database(_)) {
        return Some(format!(
            "the target is {} files: a script writes to a database table (--diff-out DIR writes every differing \
             record as Parquet)",
            target.format.kind()
        ));
    }
    if target.table_name().is_none() {
        return Some("the target is a query: a script writes to a table (name it with #table)".into());
    }
    let source = &plan.datasets.source;
    for &(s, _) in &plan.shared {
        let field = source.schema.field(s);
        if let Some(what) = field.metadata().get(UNREADABLE) {
            return Some(format!("column {} ({what}) cannot be read: inserted rows would lack it", field.name()));
        }
        if !has_literal(field.data_type()) {
            let (name, data_type) = (field.name(), field.data_type());
            return Some(format!("column {name} ({data_type}) has no SQL literal: inserted rows would lack it"));
        }
    }
    if plan.keyless {
        let compared: Vec<usize> = plan.key.iter().map(|p| p.target_index).collect();
        let unseen: Vec<&str> = (0..target.schema.fields().len())
            .filter(|t| !compared.contains(t))
            .map(|t| target.schema.field(t).name().as_str())
            .collect();
        if !unseen.is_empty() {
            return Some(format!(
                "keyless rows are told apart by every column, and the target's {} not compared: a DELETE could \
                 remove a copy that differs there (compare every column, or name a key with --key)",
                match unseen.as_slice() {
                    [one] => format!("column {one} is"),
                    many => format!("columns {} are", many.join(", ")),
                }
            ));
        }
    }
    None
}

/// The first policy option that counts different values as equal, by its flag.
pub fn equating_option(policy: &crate::spec::Policy) -> Option<&'static str> {
    let p = policy;
    [
        (p.trim, "--trim"),
        (p.ignore_case, "--ignore-case"),
        (p.unicode_nfc, "--unicode-nfc"),
        (p.empty_as_null, "--empty-as-null"),
        (p.float_abs_tol.is_some(), "--float-abs-tol"),
        (p.float_rel_tol.is_some(), "--float-rel-tol"),
        (p.decimal_abs_tol.is_some(), "--decimal-abs-tol"),
        (p.source_tz.is_some(), "--source-tz"),
        (p.target_tz.is_some(), "--target-tz"),
        (p.timestamp_precision.is_some(), "--timestamp-precision"),
    ]
    .into_iter()
    .find(|(set, _)| *set)
    .map(|(_, flag)| flag)
}

/// Whether a script can write a value of this Arrow type as an SQL literal (nested values cannot).
pub fn has_literal(data_type: &DataType) -> bool {
    use DataType::*;
    match data_type {
        Dictionary(_, value) => has_literal(value),
        Null | Boolean | Utf8 | LargeUtf8 | Utf8View | Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => true,
        Date32 | Date64 | Timestamp(..) | Time32(_) | Time64(_) => true,
        Decimal32(..) | Decimal64(..) | Decimal128(..) | Decimal256(..) => true,
        t => t.is_integer() || t.is_floating(),
    }
}

/// One finding's key: how many rows each side holds, how many of them the changes need, and where one of them
/// was read (its ordinal, on a side that holds it once, lets a file side fetch it without a full read).
struct Wanted {
    key: u128,
    counts: Sides<u64>,
    need: Sides<u64>,
    /// A row of the finding among the comparison's read-back rows: its side and row there.
    anchor: (Side, usize),
    ordinals: Sides<Option<Ordinal>>,
}

/// Reads back every finding's rows and works out the changes. `findings` must hold every finding
/// ([`crate::spec::Keep::all`]); the datasets are still in the snapshot the comparison read.
pub fn read_back(plan: &Plan, findings: &Findings) -> Result<RepairRows> {
    let columns = Sides::from_fn(|side| plan.side_columns(side));
    let wanted = wanted(plan, findings, &columns)?;
    // The source's every shared column (an INSERT writes them all), the target's key and compared ones.
    let shared: Vec<usize> = plan.shared.iter().map(|(s, _)| *s).collect();
    let projections = Sides::new(shared, columns.target.projection.clone());
    let read = Sides::join(|side| {
        SideRows::read(&plan.datasets[side], &columns[side], &projections[side], side, &wanted, findings)
    })
    .transpose()?;
    let changes = changes(plan, &wanted, &read)?;
    let Sides { source, target: target_rows } = read;
    let source = renamed(plan, source.raw)?;
    let target = &plan.datasets.target;
    let writable = target.writable()?;
    let (schema, name) = target.table_name().ok_or_else(|| Error::internal("a repaired target names a table"))?;
    let Format::Database(engine) = target.format else {
        return Err(Error::internal("a repaired target is a database"));
    };
    let target_table = TargetTable {
        engine,
        schema: schema.map(str::to_string),
        name: name.to_string(),
        columns: target
            .schema
            .fields()
            .iter()
            .map(|f| TargetColumn {
                name: f.name().clone(),
                data_type: f.data_type().clone(),
                declared: f.metadata().get(crate::normalize::DECLARED_TYPE).cloned().unwrap_or_default(),
                writable: writable.iter().find(|w| w.name == *f.name()).cloned().unwrap_or_default(),
            })
            .collect(),
    };
    let names = |pairs: &[crate::plan::ColumnPair]| pairs.iter().map(|p| p.target_name.clone()).collect::<Vec<_>>();
    let (key, compared) =
        if plan.keyless { (Vec::new(), names(&plan.key)) } else { (names(&plan.key), names(&plan.columns)) };
    Ok(RepairRows {
        target: target_table,
        source,
        target_rows: target_rows.raw,
        key,
        compared,
        changes,
        null_keys: findings.null_keys.as_ref().map(|rows| rows.len() as u64),
    })
}

/// Every finding's key, in report order: missing, extra, mismatched, duplicated.
fn wanted(plan: &Plan, findings: &Findings, columns: &Sides<SideColumns>) -> Result<Vec<Wanted>> {
    // The key hash of each row the comparison read back, by its row there.
    let key_hashes = Sides::from_fn(|side| {
        let fetched = &findings.fetched[side];
        let mut hashes = vec![None; fetched.rows.keys.first().map_or(0, |k| k.len())];
        let location = &plan.datasets[side].location;
        digest_canonical(
            &columns[side],
            &fetched.rows,
            location,
            0,
            |d| hashes[d.ordinal as usize] = Some(d.key()),
            |_, _| {},
        )
        .map(|()| hashes)
    })
    .transpose()?;
    let mut wanted: Vec<Wanted> = Vec::new();
    let mut seen: HashSet<u128> = HashSet::new();
    let mut add = |side: Side, ordinal: Ordinal, counts: Sides<u64>, ordinals: Sides<Option<Ordinal>>| -> Result<()> {
        let row = findings.fetched[side]
            .row(ordinal)
            .ok_or_else(|| Error::internal("--repair-sql: a finding's row was not read back"))?;
        let key = key_hashes[side][row].ok_or_else(|| Error::internal("--repair-sql: a finding has a NULL key"))?;
        if !seen.insert(key) {
            return Ok(());
        }
        let need = match plan.keyless {
            // Copies of a row are equal: one of them stands for all.
            true => Sides::from_fn(|s| (s == side) as u64),
            false => counts,
        };
        wanted.push(Wanted { key, counts, need, anchor: (side, row), ordinals });
        Ok(())
    };
    let one_sided = |side: Side, k: &OneSided| match side {
        Side::Source => Sides::new(k.count, k.other_count),
        Side::Target => Sides::new(k.other_count, k.count),
    };
    for (side, list) in [(Side::Source, &findings.missing), (Side::Target, &findings.extra)] {
        for k in list {
            let ordinals = Sides::from_fn(|s| (s == side).then_some(k.ordinal));
            add(side, k.ordinal, one_sided(side, k), ordinals)?;
        }
    }
    for m in &findings.mismatched {
        let ordinals = Sides::new(Some(m.source_ordinal), Some(m.target_ordinal));
        add(Side::Source, m.source_ordinal, Sides::new(1, 1), ordinals)?;
    }
    for d in &findings.duplicates {
        let Some((side, ordinal)) = d.shown_row() else { continue };
        // Several rows on a side: only a full read (or a read by key) finds them all.
        let ordinals = Sides::from_fn(|s| d.ordinal(s).filter(|_| d.count(s) == 1));
        add(side, ordinal, Sides::new(d.source_count, d.target_count), ordinals)?;
    }
    Ok(wanted)
}

/// One side's rows of the wanted keys, raw and in the projection read, with each row's key and row hash and
/// its compared columns' canonical encodings.
struct SideRows {
    raw: RecordBatch,
    keys: Vec<u128>,
    hashes: Vec<u128>,
    /// Per compared column, each row's canonical encoding.
    encodings: Vec<Vec<Vec<u8>>>,
}

impl SideRows {
    /// Reads `side`'s rows of the wanted keys: by key from a database, by ordinal from files when each wanted
    /// key has one known row there, else in a full read that keeps the rows whose key hash is wanted.
    fn read(
        dataset: &Dataset,
        columns: &SideColumns,
        projection: &[usize],
        side: Side,
        wanted: &[Wanted],
        findings: &Findings,
    ) -> Result<SideRows> {
        let mut need: HashMap<u128, u64> =
            wanted.iter().filter(|w| w.need[side] > 0).map(|w| (w.key, w.need[side])).collect();
        let mut parts = Vec::new();
        let location = &dataset.location;
        if !need.is_empty() {
            let by_ordinal: Option<Vec<Ordinal>> = match dataset.rereads_by_ordinal() {
                true => wanted
                    .iter()
                    .filter(|w| w.need[side] > 0)
                    .map(|w| w.ordinals[side].filter(|_| w.need[side] == 1))
                    .collect(),
                false => None,
            };
            if let Some(mut ordinals) = by_ordinal {
                ordinals.sort_unstable();
                ordinals.dedup();
                let (batch, _) = dataset.fetch(projection, &ordinals)?;
                keep_wanted(columns, projection, &batch, location, &mut need, &mut parts)?;
            } else {
                let key_names: Vec<String> = columns.keys.iter().map(|k| k.name.clone()).collect();
                let key_rows: Vec<(&[ArrayRef], usize)> = wanted
                    .iter()
                    .filter(|w| w.need[side] > 0)
                    .map(|w| (findings.fetched[w.anchor.0].rows.keys.as_slice(), w.anchor.1))
                    .collect();
                let units = match dataset.read_keys(projection, &key_names, &key_rows)? {
                    Some(units) => units,
                    None => dataset.scan_units(projection)?,
                };
                for unit in units {
                    for batch in unit.open()? {
                        keep_wanted(columns, projection, &batch?, location, &mut need, &mut parts)?;
                    }
                }
            }
        }
        let schema = Arc::new(dataset.schema.project(projection).map_err(|e| Error::arrow(location, e))?);
        let raw = match parts.is_empty() {
            true => RecordBatch::new_empty(schema.clone()),
            false => {
                let batches: Vec<RecordBatch> = parts.iter().map(|p: &Part| p.raw.clone()).collect();
                arrow::compute::concat_batches(&batches[0].schema(), &batches).map_err(|e| Error::arrow(location, e))?
            }
        };
        let mut rows =
            SideRows { raw, keys: Vec::new(), hashes: Vec::new(), encodings: vec![Vec::new(); columns.values.len()] };
        for part in parts {
            rows.keys.extend(part.keys);
            rows.hashes.extend(part.hashes);
            for (all, more) in rows.encodings.iter_mut().zip(part.encodings) {
                all.extend(more);
            }
        }
        Ok(rows)
    }
}

/// Some rows of one batch that wanted keys still needed.
struct Part {
    raw: RecordBatch,
    keys: Vec<u128>,
    hashes: Vec<u128>,
    encodings: Vec<Vec<Vec<u8>>>,
}

/// Keeps the rows of `batch` (read with `projection`) whose key is still needed, up to the rows needed.
fn keep_wanted(
    columns: &SideColumns,
    projection: &[usize],
    batch: &RecordBatch,
    location: &str,
    need: &mut HashMap<u128, u64>,
    parts: &mut Vec<Part>,
) -> Result<()> {
    // The comparison's own columns, where they sit among those read.
    let positions: Vec<usize> = columns
        .projection
        .iter()
        .map(|i| {
            projection
                .iter()
                .position(|p| p == i)
                .ok_or_else(|| Error::internal("--repair-sql: a compared column was not read"))
        })
        .collect::<Result<_>>()?;
    let compared = batch.project(&positions).map_err(|e| Error::arrow(location, e))?;
    let canonical = columns.canonical(&compared, location)?;
    let mut picked: Vec<(u32, u128, u128)> = Vec::new();
    digest_canonical(
        columns,
        &canonical,
        location,
        0,
        |d| {
            if let Some(left) = need.get_mut(&d.key()).filter(|left| **left > 0) {
                *left -= 1;
                picked.push((d.ordinal as u32, d.key(), d.row()));
            }
        },
        |_, _| {},
    )?;
    if picked.is_empty() {
        return Ok(());
    }
    let indices = UInt32Array::from(picked.iter().map(|p| p.0).collect::<Vec<_>>());
    let raw = arrow::compute::take_record_batch(batch, &indices).map_err(|e| Error::arrow(location, e))?;
    let encodings = canonical
        .values
        .iter()
        .map(|values| {
            let taken = arrow::compute::take(values.as_ref(), &indices, None).map_err(|e| Error::arrow(location, e))?;
            encodings(taken.as_ref()).map_err(|e| Error::arrow(location, e))
        })
        .collect::<Result<_>>()?;
    parts.push(Part {
        raw,
        keys: picked.iter().map(|p| p.1).collect(),
        hashes: picked.iter().map(|p| p.2).collect(),
        encodings,
    });
    Ok(())
}

/// The changes that make the target's rows of each wanted key the source's, in the order the keys are wanted.
fn changes(plan: &Plan, wanted: &[Wanted], read: &Sides<SideRows>) -> Result<Vec<Change>> {
    let rows_of = |side: Side| {
        let mut by_key: HashMap<u128, Vec<usize>> = HashMap::new();
        for (row, key) in read[side].keys.iter().enumerate() {
            by_key.entry(*key).or_default().push(row);
        }
        by_key
    };
    let by_key = Sides::from_fn(rows_of);
    // Where each compared column's source value sits in the source batch of shared columns.
    let source_column = |c: usize| plan.shared.iter().position(|&(s, _)| s == plan.columns[c].source_index);
    let mut changes = Vec::new();
    for w in wanted {
        let rows = Sides::from_fn(|side| by_key[side].get(&w.key).cloned().unwrap_or_default());
        for side in Side::BOTH {
            if rows[side].len() as u64 != w.need[side] {
                return Err(Error::input(
                    &plan.datasets[side].location,
                    format!(
                        "read back {} rows of a key where the comparison counted {}: the data changed while recon read it",
                        rows[side].len(),
                        w.need[side]
                    ),
                ));
            }
        }
        let (s, t) = (w.counts.source, w.counts.target);
        match (plan.keyless, s, t) {
            (true, ..) if s > t => changes.push(Change::Insert { row: rows.source[0], copies: s - t }),
            (true, ..) => changes.push(Change::Delete { target: rows.target[0], copies: Some(t - s) }),
            (false, 1, 1) => {
                let (a, b) = (rows.source[0], rows.target[0]);
                let differing: Vec<usize> = (0..plan.columns.len())
                    .filter(|&c| read.source.encodings[c][a] != read.target.encodings[c][b])
                    .map(|c| {
                        source_column(c).ok_or_else(|| Error::internal("--repair-sql: a compared column is not shared"))
                    })
                    .collect::<Result<_>>()?;
                if !differing.is_empty() {
                    changes.push(Change::Update { target: b, source: a, columns: differing });
                }
            }
            (false, _, 0) => changes.extend(rows.source.iter().map(|&row| Change::Insert { row, copies: 1 })),
            (false, 0, _) => changes.push(Change::Delete { target: rows.target[0], copies: None }),
            (false, ..) => changes.extend(multiset_changes(&rows, read)),
        }
    }
    Ok(changes)
}

/// A duplicated key's rows as multisets: each source row the target holds fewer copies of is inserted that many
/// times more; each target row the source holds fewer copies of is deleted that many times.
fn multiset_changes(rows: &Sides<Vec<usize>>, read: &Sides<SideRows>) -> Vec<Change> {
    let groups = |side: Side| {
        let mut order: Vec<(u128, usize, u64)> = Vec::new();
        for &row in &rows[side] {
            let hash = read[side].hashes[row];
            match order.iter_mut().find(|(h, ..)| *h == hash) {
                Some((_, _, count)) => *count += 1,
                None => order.push((hash, row, 1)),
            }
        }
        order
    };
    let (source, target) = (groups(Side::Source), groups(Side::Target));
    let count = |groups: &[(u128, usize, u64)], hash: u128| groups.iter().find(|g| g.0 == hash).map_or(0, |g| g.2);
    let mut changes = Vec::new();
    for &(hash, row, n) in &target {
        let surplus = n.saturating_sub(count(&source, hash));
        if surplus > 0 {
            changes.push(Change::Delete { target: row, copies: Some(surplus) });
        }
    }
    for &(hash, row, n) in &source {
        let missing = n.saturating_sub(count(&target, hash));
        if missing > 0 {
            changes.push(Change::Insert { row, copies: missing });
        }
    }
    changes
}

/// The source's raw rows (read with every shared column) with each column named as the target names it.
fn renamed(plan: &Plan, raw: RecordBatch) -> Result<RecordBatch> {
    let target = &plan.datasets.target.schema;
    let fields: Vec<Field> = plan
        .shared
        .iter()
        .zip(raw.schema().fields())
        .map(|((_, t), field)| Field::new(target.field(*t).name(), field.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), raw.columns().to_vec())
        .map_err(|e| Error::arrow(&plan.datasets.source.location, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_values_have_no_literal() {
        assert!(has_literal(&DataType::Decimal128(38, 10)));
        assert!(has_literal(&DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))));
        let list = DataType::List(Arc::new(Field::new("item", DataType::Int64, true)));
        assert!(!has_literal(&list));
    }
}
