//! `--diff-out DIR`: every differing record as Parquet, one file per category, each written whole then
//! renamed into place. Keys and values are canonical: the values exactly as compared.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt32Array, UInt64Array};
use arrow::compute::take;
use arrow::datatypes::{Field, Schema};
use parquet::arrow::ArrowWriter;

use super::write_atomically;
use crate::compare::{Duplicate, Fetched, Findings, OneSided};
use crate::error::{Error, Result};
use crate::plan::Names;
use crate::source::Ordinal;

/// The files `--diff-out` writes (a keyless table's: the first two).
const FILES: [&str; 6] =
    ["missing_in_target", "extra_in_target", "null_keys_source", "null_keys_target", "duplicate_keys", "mismatched"];

/// Every file or none: when one cannot be written (a full disk), those of this run and of any run before are
/// removed, and the directory too if this run made it, so that no set of files mixes runs or lacks some.
pub fn write(dir: &Path, named: &Names, findings: &Findings) -> Result<()> {
    let made = !dir.exists();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let written = write_files(dir, named, findings);
    if written.is_err() {
        for name in FILES {
            // Best effort: the error to report is the one that stopped the writing.
            let _ = std::fs::remove_file(dir.join(format!("{name}.parquet")));
        }
        if made {
            let _ = std::fs::remove_dir(dir);
        }
    }
    written
}

fn write_files(dir: &Path, named: &Names, findings: &Findings) -> Result<()> {
    let key_names = &named.key;
    let (source, target) = (&findings.fetched.source, &findings.fetched.target);

    let missing: Vec<Ordinal> = findings.missing.iter().map(|k| k.ordinal).collect();
    let extra: Vec<Ordinal> = findings.extra.iter().map(|k| k.ordinal).collect();
    if named.keyless {
        // Whole rows, each with how often each side holds it.
        let counted = |list: &[OneSided], fetched, ordinals: &[Ordinal], mine: &str, theirs: &str| -> Result<Columns> {
            let (mut names, mut columns) = keys_of(key_names, fetched, ordinals)?;
            let counts: [Vec<u64>; 2] =
                [list.iter().map(|k| k.count).collect(), list.iter().map(|k| k.other_count).collect()];
            for (name, count) in [mine, theirs].into_iter().zip(counts) {
                names.push(name.to_string());
                columns.push(Arc::new(UInt64Array::from(count)));
            }
            Ok((names, columns))
        };
        let rows = counted(&findings.missing, source, &missing, "source_count", "target_count")?;
        write_file(dir, "missing_in_target", rows)?;
        return write_file(
            dir,
            "extra_in_target",
            counted(&findings.extra, target, &extra, "target_count", "source_count")?,
        );
    }
    write_file(dir, "missing_in_target", keys_of(key_names, source, &missing)?)?;
    write_file(dir, "extra_in_target", keys_of(key_names, target, &extra)?)?;
    write_file(dir, "null_keys_source", keys_of(key_names, source, &findings.null_keys.source)?)?;
    write_file(dir, "null_keys_target", keys_of(key_names, target, &findings.null_keys.target)?)?;

    // Duplicates: the key from whichever side has it, with both counts.
    let mut parts = Vec::new();
    let (mut source_counts, mut target_counts) = (Vec::new(), Vec::new());
    for (side, fetched) in findings.fetched.iter() {
        let shown_here: Vec<&Duplicate> =
            findings.duplicates.iter().filter(|d| d.shown_row().is_some_and(|(s, _)| s == side)).collect();
        let ordinals: Vec<Ordinal> = shown_here.iter().filter_map(|d| d.shown_row()).map(|(_, o)| o).collect();
        parts.push(keys_of(key_names, fetched, &ordinals)?);
        source_counts.extend(shown_here.iter().map(|d| d.source_count));
        target_counts.extend(shown_here.iter().map(|d| d.target_count));
    }
    let (mut names, mut columns) = concat_parts(parts)?;
    names.push("source_count".into());
    columns.push(Arc::new(UInt64Array::from(source_counts)));
    names.push("target_count".into());
    columns.push(Arc::new(UInt64Array::from(target_counts)));
    write_file(dir, "duplicate_keys", (names, columns))?;

    // Mismatches: the key, which columns differ, and both sides' values of every compared column.
    let s_rows: Vec<u32> = rows_of(source, findings.mismatched.iter().map(|m| m.source_ordinal))?;
    let t_rows: Vec<u32> = rows_of(target, findings.mismatched.iter().map(|m| m.target_ordinal))?;
    let (mut names, mut columns) =
        keys_of(key_names, source, &findings.mismatched.iter().map(|m| m.source_ordinal).collect::<Vec<_>>())?;
    let differing: StringArray = findings
        .mismatched
        .iter()
        .map(|m| Some(m.columns.iter().map(|&c| named.columns[c].as_str()).collect::<Vec<_>>().join(",")))
        .collect();
    names.push("differing_columns".into());
    columns.push(Arc::new(differing));
    let (s_idx, t_idx) = (UInt32Array::from(s_rows), UInt32Array::from(t_rows));
    for (c, name) in named.columns.iter().enumerate() {
        names.push(format!("{name}__source"));
        columns.push(take(source.rows.values[c].as_ref(), &s_idx, None).map_err(|e| Error::arrow("--diff-out", e))?);
        names.push(format!("{name}__target"));
        columns.push(take(target.rows.values[c].as_ref(), &t_idx, None).map_err(|e| Error::arrow("--diff-out", e))?);
    }
    write_file(dir, "mismatched", (names, columns))
}

type Columns = (Vec<String>, Vec<ArrayRef>);

fn rows_of(fetched: &Fetched, ordinals: impl Iterator<Item = Ordinal>) -> Result<Vec<u32>> {
    ordinals
        .map(|o| {
            fetched
                .row(o)
                .map(|r| r as u32)
                .ok_or_else(|| Error::internal("--diff-out: a differing row was not read back"))
        })
        .collect()
}

fn keys_of(names: &[String], fetched: &Fetched, ordinals: &[Ordinal]) -> Result<Columns> {
    let indices = UInt32Array::from(rows_of(fetched, ordinals.iter().copied())?);
    let columns = fetched
        .rows
        .keys
        .iter()
        .map(|k| take(k.as_ref(), &indices, None).map_err(|e| Error::arrow("--diff-out", e)))
        .collect::<Result<_>>()?;
    Ok((names.to_vec(), columns))
}

fn concat_parts(parts: Vec<Columns>) -> Result<Columns> {
    let names = parts[0].0.clone();
    let mut columns = Vec::new();
    for c in 0..names.len() {
        let arrays: Vec<&dyn arrow::array::Array> = parts.iter().map(|p| p.1[c].as_ref()).collect();
        columns.push(arrow::compute::concat(&arrays).map_err(|e| Error::arrow("--diff-out", e))?);
    }
    Ok((names, columns))
}

fn write_file(dir: &Path, name: &str, (names, columns): Columns) -> Result<()> {
    let path = dir.join(format!("{name}.parquet"));
    let location = path.display().to_string();
    let fields: Vec<Field> =
        names.iter().zip(&columns).map(|(n, c)| Field::new(n, c.data_type().clone(), true)).collect();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| Error::arrow(&location, e))?;
    write_atomically(&path, |file| {
        let mut writer = ArrowWriter::try_new(file, batch.schema(), None).map_err(std::io::Error::other)?;
        writer.write(&batch).map_err(std::io::Error::other)?;
        writer.close().map_err(std::io::Error::other)?;
        Ok(())
    })
}
