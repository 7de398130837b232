//! `--map a=b` suggested for a column the source has alone whose values equal, on the rows both sides hold,
//! those of a column the target has alone: a column renamed on the way, found rather than reported as one
//! column lost and one gained.

use std::collections::HashMap;

use super::suggestion::{Suggestion, SuggestionKind};
use crate::error::{Error, Result};
use crate::normalize::policy::Tolerances;
use crate::normalize::Canon;
use crate::plan::Plan;
use crate::side::{Side, Sides};

/// Source rows (by position) whose key the target holds that a `--map` suggestion is checked on.
pub(crate) const MAP_ROWS: usize = 1000;

/// `--map a=b` for a column only in the source whose values equal, under the policy, those of a column only in
/// the target: checked on the rows, among the first [`MAP_ROWS`] source rows by position, whose key each side
/// holds once (the target is read, key and unpaired columns only, until it has shown all those keys), and
/// suggested when every checked row agrees and some value is not NULL.
pub(crate) fn map_suggestions(plan: &Plan) -> Result<Vec<Suggestion>> {
    let schema = &plan.schema;
    if plan.keyless || schema.only_in_source.is_empty() || schema.only_in_target.is_empty() {
        return Ok(Vec::new());
    }
    let source = MapSide::read(plan, Side::Source, &schema.only_in_source, None)?;
    if source.keys.is_empty() {
        return Ok(Vec::new());
    }
    let target = MapSide::read(plan, Side::Target, &schema.only_in_target, Some(&source))?;
    // Rows of each side by key, keys held once on both sides only.
    let mut rows: HashMap<&[u8], Sides<Vec<usize>>> = HashMap::new();
    for (side, read) in [(Side::Source, &source), (Side::Target, &target)] {
        for (row, key) in read.keys.iter().enumerate() {
            rows.entry(key.as_slice()).or_default()[side].push(row);
        }
    }
    let mut matched: Vec<(usize, usize)> = rows
        .values()
        .filter(|r| r.source.len() == 1 && r.target.len() == 1)
        .map(|r| (r.source[0], r.target[0]))
        .collect();
    matched.sort_unstable();
    if matched.is_empty() {
        return Ok(Vec::new());
    }
    let mut suggestions = Vec::new();
    for (a, a_field) in source.fields.iter().enumerate() {
        let mut fitting = Vec::new();
        for (b, b_field) in target.fields.iter().enumerate() {
            let Ok(resolution) = crate::normalize::resolve_fields(a_field.name(), a_field, b_field) else { continue };
            let canon = &resolution.canon;
            let (Ok(x), Ok(y)) = (source.canonical(a, canon), target.canonical(b, canon)) else { continue };
            let agree = matched.iter().filter(|(s, t)| x[*s] == y[*t]).count();
            let some_value = matched.iter().any(|(s, _)| x[*s] != [crate::digest::encode::NULL]);
            if agree == matched.len() && some_value {
                fitting.push(b_field.name().clone());
            }
        }
        if let Some((first, others)) = fitting.split_first() {
            let mut suggestion =
                Suggestion::new(SuggestionKind::Map, Some(format!("{}={first}", a_field.name())), a_field.name(), 0);
            suggestion.resolves = matched.len() as u64;
            suggestion.checked = Some(matched.len() as u64);
            suggestion.alternatives = others.iter().map(|b| format!("{}={b}", a_field.name())).collect();
            suggestion.note = Some(format!(
                "{} only in the source equals {first} only in the target on {} rows whose key both sides hold \
                 (the first {MAP_ROWS} source rows at most)",
                a_field.name(),
                matched.len()
            ));
            suggestions.push(suggestion);
        }
    }
    Ok(suggestions)
}

/// One side's rows read for `--map` suggestions: canonical key encodings, and the raw columns found on it only.
struct MapSide {
    keys: Vec<Vec<u8>>,
    fields: Vec<arrow::datatypes::FieldRef>,
    columns: Vec<arrow::array::ArrayRef>,
    policy: crate::normalize::policy::SidePolicy,
}

impl MapSide {
    /// The source's first [`MAP_ROWS`] rows, or the target's rows holding the source's keys (`wanted`).
    fn read(plan: &Plan, side: Side, names: &[String], wanted: Option<&MapSide>) -> Result<MapSide> {
        let dataset = &plan.datasets[side];
        let side_columns = plan.side_columns(side);
        let schema = &dataset.schema;
        let extra: Vec<usize> = names.iter().filter_map(|n| schema.index_of(n).ok()).collect();
        let key_triples: Vec<(String, usize, Canon)> = plan
            .key
            .iter()
            .map(|p| {
                let (name, index) = p.on(side);
                (name.to_string(), index, p.resolution.canon.clone())
            })
            .collect();
        let values = extra.iter().map(|&i| (schema.field(i).name().clone(), i, Canon::Text)).collect();
        let columns =
            crate::normalize::SideColumns::new(key_triples, values, side_columns.policy.clone(), Tolerances::default());
        let wanted_keys: Option<std::collections::HashSet<&[u8]>> =
            wanted.map(|w| w.keys.iter().map(Vec::as_slice).collect());
        let mut out = MapSide {
            keys: Vec::new(),
            fields: extra.iter().map(|&i| schema.fields()[i].clone()).collect(),
            columns: Vec::new(),
            policy: side_columns.policy.clone(),
        };
        let mut parts: Vec<Vec<arrow::array::ArrayRef>> = Vec::new();
        let mut found = 0;
        'units: for unit in dataset.scan_units(&columns.projection)? {
            for batch in unit.open()? {
                let batch = batch?;
                let keys: Vec<arrow::array::ArrayRef> = columns
                    .keys
                    .iter()
                    .map(|k| {
                        crate::normalize::canonicalize(batch.column(k.position), &k.canon, &columns.policy)
                            .map_err(|e| Error::arrow(&dataset.location, e))
                    })
                    .collect::<Result<_>>()?;
                let encoded: Vec<Vec<u8>> = row_keys(&keys).map_err(|e| Error::arrow(&dataset.location, e))?;
                let keep: Vec<u32> = match &wanted_keys {
                    None => (0..encoded.len().min(MAP_ROWS - out.keys.len()) as u32).collect(),
                    Some(wanted) => {
                        (0..encoded.len() as u32).filter(|&r| wanted.contains(encoded[r as usize].as_slice())).collect()
                    }
                };
                let indices = arrow::array::UInt32Array::from(keep.clone());
                let taken: Vec<arrow::array::ArrayRef> = columns
                    .values
                    .iter()
                    .map(|c| {
                        arrow::compute::take(batch.column(c.position).as_ref(), &indices, None)
                            .map_err(|e| Error::arrow(&dataset.location, e))
                    })
                    .collect::<Result<_>>()?;
                parts.push(taken);
                out.keys.extend(keep.iter().map(|&r| encoded[r as usize].clone()));
                found += keep.len();
                let done = match &wanted_keys {
                    None => out.keys.len() >= MAP_ROWS,
                    Some(wanted) => found >= wanted.len(),
                };
                if done {
                    break 'units;
                }
            }
        }
        for c in 0..out.fields.len() {
            let arrays: Vec<&dyn arrow::array::Array> = parts.iter().map(|p| p[c].as_ref()).collect();
            let joined = match arrays.is_empty() {
                true => arrow::array::new_empty_array(out.fields[c].data_type()),
                false => arrow::compute::concat(&arrays).map_err(|e| Error::arrow(&dataset.location, e))?,
            };
            out.columns.push(joined);
        }
        Ok(out)
    }

    /// Column `c` in the canonical form `canon`, as each row's encoding.
    fn canonical(&self, c: usize, canon: &Canon) -> Result<Vec<Vec<u8>>> {
        let array = crate::normalize::canonicalize(&self.columns[c], canon, &self.policy)
            .map_err(|e| Error::arrow("--map suggestion", e))?;
        crate::digest::encode::encodings(array.as_ref()).map_err(|e| Error::arrow("--map suggestion", e))
    }
}

/// Each row's canonical key columns, encoded one after another.
fn row_keys(keys: &[arrow::array::ArrayRef]) -> arrow::error::Result<Vec<Vec<u8>>> {
    let rows = keys.first().map_or(0, |k| k.len());
    let mut out = vec![Vec::new(); rows];
    for key in keys {
        for (row, encoding) in crate::digest::encode::encodings(key.as_ref())?.into_iter().enumerate() {
            out[row].extend(encoding);
        }
    }
    Ok(out)
}
