//! Which keys a pass reads: keys whose row changed within a window (read from both sides, so that a key whose
//! row changed on one side only is kept or left out on both), the keys a `--keys` file lists, the keys on one
//! side only (a keys-only pass), and narrowing a plan to such a set.

use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Array, ArrayRef, AsArray, UInt32Array};
use arrow::datatypes::{DataType, Int64Type, TimeUnit};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::history::keys::key_hashes;
use crate::normalize::policy::Tolerances;
use crate::normalize::{canonicalize, Canon, SideColumns};
use crate::plan::Plan;
use crate::session::Session;
use crate::side::{Side, Sides};
use crate::source::keyset::{KeyHashes, KeyList, KeyRows, KeySet};
use crate::source::narrow::Bound;
use crate::source::Dataset;
use crate::spec::{Keep, Repair, TableSpec};

/// The change-time column of each side, by schema index: the source's by name, the target's by `--map` or
/// by the same name.
pub(super) fn updated_columns(spec: &TableSpec, plan: &Plan, column: &str) -> Result<Sides<usize>> {
    let setting = spec.origins.setting("updated_column");
    let source = find(&plan.datasets.source, column, &setting)?;
    let mapped = spec.map.iter().find(|(from, _)| from.eq_ignore_ascii_case(column)).map(|(_, to)| to.as_str());
    let target = find(&plan.datasets.target, mapped.unwrap_or(column), &setting)?;
    Ok(Sides::new(source, target))
}

/// The change-time column `name` of `dataset`, which must be a timestamp.
fn find(dataset: &Dataset, name: &str, setting: &str) -> Result<usize> {
    let fields = dataset.schema.fields();
    let exact = fields.iter().position(|f| f.name() == name);
    let found = exact.or_else(|| fields.iter().position(|f| f.name().eq_ignore_ascii_case(name))).ok_or_else(|| {
        let hint = crate::spelling::did_you_mean(name, fields.iter().map(|f| f.name().as_str()));
        let message =
            format!("{name} is not a column of {}{hint} (name the target's with --map {name}=...)", dataset.location);
        Error::setting(setting, message)
    })?;
    let field = &fields[found];
    if !matches!(field.data_type(), DataType::Timestamp(..)) {
        let message = format!("{} of {} is {}, not a timestamp", field.name(), dataset.location, field.data_type());
        return Err(Error::setting(setting, message));
    }
    Ok(found)
}

/// The keys whose row changed at or after each side's bound, read from both sides, each key once; and the
/// rows each side read.
pub(super) fn changed_keys(
    plan: &Plan,
    updated: &Sides<usize>,
    bounds: &Sides<Bound>,
) -> Result<(KeyRows, Sides<u64>)> {
    let sides = Sides::join(|side| side_changed(plan, side, updated[side], &bounds[side])).transpose()?;
    let rows = Sides::new(sides.source.1, sides.target.1);
    let keys = sides.source.0.union(&sides.target.0)?;
    Ok((keys, rows))
}

/// One side's changed keys (canonical, as the comparison makes them) and how many rows it read.
fn side_changed(plan: &Plan, side: Side, updated: usize, bound: &Bound) -> Result<(KeyRows, u64)> {
    let dataset = &plan.datasets[side];
    // A timestamp: `updated_columns` found it.
    let field = dataset.schema.field(updated);
    let mut policy = plan.side_columns(side).policy;
    // The change time is compared as stored, at microseconds, whatever --timestamp-precision says of values.
    policy.precision = None;
    let keys: Vec<_> =
        plan.key.iter().map(|k| (k.on(side).0.to_string(), k.on(side).1, k.resolution.canon.clone())).collect();
    let time = vec![(field.name().clone(), updated, Canon::Timestamp(TimeUnit::Microsecond))];
    let columns = SideColumns::new(keys, time, policy, Tolerances::default());
    // A side that reads changed rows itself applies the window; files are read whole and the window applied here.
    let applied = dataset.capabilities.changed_since;
    let units = match applied {
        true => dataset.changed_units(&columns.projection, updated, bound)?,
        false => dataset.scan_units(&columns.projection)?,
    };
    let since = bound.instant.timestamp_micros();
    let parts = units
        .into_par_iter()
        .map(|unit| -> Result<(Vec<KeyRows>, u64)> {
            let (mut parts, mut rows) = (Vec::new(), 0);
            for batch in unit.open()? {
                let batch = batch?;
                rows += batch.num_rows() as u64;
                let canonical = columns.canonical(&batch, &dataset.location)?;
                let keep: Option<Vec<bool>> = if applied {
                    None
                } else {
                    // Files: the window is applied here, to the instant each change time means.
                    let micros = arrow::compute::cast(&canonical.values[0], &DataType::Int64)
                        .map_err(|e| Error::arrow(&dataset.location, e))?;
                    let micros = micros.as_primitive::<Int64Type>();
                    Some((0..micros.len()).map(|r| micros.is_valid(r) && micros.value(r) >= since).collect())
                };
                parts.push(keys_of(&canonical.keys, keep.as_deref(), &dataset.location)?);
            }
            Ok((parts, rows))
        })
        .collect::<Result<Vec<_>>>()?;
    let rows = parts.iter().map(|(_, r)| r).sum();
    let mut all = KeyRows::default();
    for part in parts.iter().flat_map(|(p, _)| p) {
        all = all.union(part)?;
    }
    Ok((all, rows))
}

/// The rows of canonical key arrays that `keep` keeps (all when `None`) and whose key has no NULL part, each key
/// once.
fn keys_of(keys: &[ArrayRef], keep: Option<&[bool]>, location: &str) -> Result<KeyRows> {
    let hashes = key_hashes(keys, false)?;
    let mut seen = KeyHashes::default();
    let mut picked = Vec::new();
    let mut picked_hashes = Vec::new();
    for (row, hash) in hashes.iter().enumerate() {
        if let Some(hash) = hash.filter(|_| keep.is_none_or(|k| k[row])) {
            if seen.insert(hash) {
                picked.push(row as u32);
                picked_hashes.push(hash);
            }
        }
    }
    let indices = UInt32Array::from(picked);
    let arrays = keys
        .iter()
        .map(|k| arrow::compute::take(k.as_ref(), &indices, None).map_err(|e| Error::arrow(location, e)))
        .collect::<Result<_>>()?;
    Ok(KeyRows { hashes: picked_hashes, arrays })
}

/// The keys a `--keys` file lists: its columns named as the key's source (or target) columns, each value cast to
/// the source column's type and made canonical as the source's are.
pub(super) fn listed_keys(path: &std::path::Path, spec: &TableSpec, plan: &Plan, session: &Session) -> Result<KeyRows> {
    let setting = spec.origins.setting("keys");
    let location =
        path.to_str().ok_or_else(|| Error::setting(&setting, format!("{} is not a UTF-8 path", path.display())))?;
    if location.contains("://") {
        return Err(Error::setting(&setting, format!("{location}: a key list is a Parquet or CSV file")));
    }
    let mut options = crate::plan::open_options(spec)?.source;
    // Key values are read as text from CSV (a leading zero or a long number must survive), then cast.
    for key in &plan.key {
        options.csv.types.push((key.name.clone(), DataType::Utf8));
        options.csv.types.push((key.target_name.clone(), DataType::Utf8));
    }
    let dataset = Dataset::open(&crate::location::Location::parse(location)?, &options, session.runtime())?;
    let mut indices = Vec::with_capacity(plan.key.len());
    for key in &plan.key {
        let fields = dataset.schema.fields();
        let found = [&key.name, &key.target_name]
            .iter()
            .find_map(|name| fields.iter().position(|f| f.name().eq_ignore_ascii_case(name)));
        let names: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
        indices.push(found.ok_or_else(|| {
            Error::setting(
                &setting,
                format!("{location} has no key column {} (its columns: {})", key.name, names.join(", ")),
            )
        })?);
    }
    let mut projection = indices.clone();
    projection.sort_unstable();
    projection.dedup();
    let policy = plan.side_columns(Side::Source).policy;
    let strict = arrow::compute::CastOptions { safe: false, ..Default::default() };
    let mut all = KeyRows::default();
    for unit in dataset.scan_units(&projection)? {
        for batch in unit.open()? {
            let batch = batch?;
            let mut keys = Vec::with_capacity(plan.key.len());
            for (key, index) in plan.key.iter().zip(&indices) {
                let column = batch.column(projection.binary_search(index).unwrap_or_default());
                let at = || format!("--keys {location}: column {}", key.name);
                let typed = arrow::compute::cast_with_options(column, &key.source_type, &strict)
                    .map_err(|e| Error::arrow(at(), e))?;
                keys.push(canonicalize(&typed, &key.resolution.canon, &policy).map_err(|e| Error::arrow(at(), e))?);
            }
            all = all.union(&keys_of(&keys, None, location)?)?;
        }
    }
    Ok(all)
}

/// The keys-only pass of `--since-last-run`: both sides' key columns, read whole and compared as the comparison
/// compares keys, to find keys on one side only (rows deleted or inserted without their change time moving)
/// and duplicated keys. Returns those keys, the rows each side read, and the rows with a NULL key part on each
/// side (a narrowed read never sees them: it asks for keys).
pub(super) fn one_sided_keys(
    plan: &mut Plan,
    session: &Session,
    label: &str,
) -> Result<(KeyRows, Sides<u64>, Sides<u64>)> {
    let columns = std::mem::take(&mut plan.columns);
    let keep = std::mem::replace(&mut plan.keep, Keep { examples: 0, all: false, keys: true, repair: Repair::Off });
    let pass = super::pass(plan, session, label, Instant::now());
    plan.columns = columns;
    plan.keep = keep;
    let (_, findings) = pass?;
    let rows = Sides::from_fn(|side| findings.scans[side].rows);
    let null_keys = Sides::from_fn(|side| findings.null_keys[side].len() as u64);
    let keys = findings.keys.unwrap_or_default();
    let rows_of = KeyRows { hashes: keys.entries.iter().map(|e| e.key).collect(), arrays: keys.values };
    Ok((rows_of.unique()?, rows, null_keys))
}

/// Whether a database can be asked for exactly the rows of canonical key values: keys whose canonical form is
/// the value as stored (integers, decimals, dates, booleans, variable-length text under no string rule). Others
/// are read whole and kept by key hash after reading: a row asked for by a value it does not hold would be
/// taken for missing. A key where either side is fixed-length `CHAR(n)` is compared without trailing blanks
/// (`Canon::Unpadded`), which SQLite keeps and compares (https://sqlite.org/datatype3.html) and a `varchar`
/// may hold, so it is not asked for by key either.
fn reads_keys_exactly(plan: &Plan) -> bool {
    let p = &plan.policy;
    let string_rules = p.trim || p.ignore_case || p.unicode_nfc || p.empty_as_null;
    !plan.keyless
        && plan.key.iter().all(|k| match k.resolution.canon {
            Canon::Int | Canon::Decimal { .. } | Canon::Decimal256 { .. } | Canon::Date | Canon::Bool => true,
            Canon::Text => !string_rules,
            _ => false,
        })
}

/// Narrows `plan` to the keys of `only` (all keys when `None`), less those `except` leaves out.
pub(super) fn narrow(plan: &mut Plan, only: Option<&KeyRows>, except: Option<&KeySet>) -> Result<()> {
    let set = match (only, except) {
        (None, None) => return Ok(()),
        (None, Some(except)) => except.clone(),
        (Some(only), except) => {
            let set = KeySet::only(only.hashes.iter().copied());
            except.map_or(set.clone(), |e| set.without(e))
        }
    };
    plan.key_set = Some(Arc::new(set));
    let Some(only) = only else { return Ok(()) };
    if !reads_keys_exactly(plan) {
        return Ok(());
    }
    let keys = Arc::new(match except {
        Some(except) => only.filter(|h| except.keeps(h))?,
        None => only.clone(),
    });
    for side in Side::BOTH {
        let names = plan.key.iter().map(|k| k.on(side).0.to_string()).collect();
        let list = KeyList { names, keys: keys.clone() };
        let dataset = &mut plan.datasets[side];
        if !(dataset.capabilities.narrow_to_keys && dataset.restrict_keys(&list)?) {
            tracing::info!("{}: reads every row and keeps the listed keys", dataset.location);
        }
    }
    Ok(())
}
