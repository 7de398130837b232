//! Hive-style partition directories (`year=2024/month=01/part-0.parquet`), as Spark, Hive, pyarrow and most
//! exports write them: a directory's `key=value` subdirectories are walked down to the data files, and each
//! `key=value` on a file's way becomes a column of its rows. Values are typed by one rule over all of a
//! column's values (see [`Partitions::columns`]).

use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field};

use super::{file_name, hidden, Format};
use crate::error::{Error, Result};
use crate::storage::{Dir, Storage, StoreFile};

/// Hive's name for a NULL partition value.
const NULL_VALUE: &str = "__HIVE_DEFAULT_PARTITION__";

/// The data files under a directory of partitions, and each file's partition values.
pub(crate) struct Partitions {
    pub files: Vec<StoreFile>,
    /// The partition keys, outermost first: the same for every file.
    pub keys: Vec<String>,
    /// Per file, its value of each key (`None`: Hive's NULL).
    pub values: Vec<Vec<Option<String>>>,
}

/// A `key=value` directory name: its key and (percent-decoded) value.
fn partition(dir: &Dir) -> Option<(String, Option<String>)> {
    let name = file_name(&dir.name);
    let (key, value) = name.split_once('=')?;
    if key.is_empty() || hidden(name) {
        return None;
    }
    let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy().into_owned();
    Some((key.to_string(), (value != NULL_VALUE).then_some(value)))
}

/// Whether `dirs` (a directory's subdirectories) hold a partition directory.
pub(crate) fn has_partitions(dirs: &[Dir]) -> bool {
    dirs.iter().any(|d| partition(d).is_some())
}

/// The files under `dir`'s partition directories, when it has any (`None` when it has none: a plain
/// directory). A directory holding both data files and partitions, or files under different keys, is an error
/// naming a file.
pub(crate) fn list(storage: &Storage, dir: &Dir, location: &str) -> Result<Option<Partitions>> {
    let entries = storage.entries(dir)?;
    if !has_partitions(&entries.dirs) {
        return Ok(None);
    }
    let mut found = Partitions { files: Vec::new(), keys: Vec::new(), values: Vec::new() };
    let mut pending = vec![(dir.clone(), Vec::new())];
    while let Some((dir, path)) = pending.pop() {
        let entries = storage.entries(&dir)?;
        let files: Vec<StoreFile> = entries
            .files
            .into_iter()
            .filter(|f| !hidden(file_name(&f.name)) && Format::of(&f.name).is_some())
            .collect();
        let parts: Vec<(Dir, (String, Option<String>))> =
            entries.dirs.into_iter().filter_map(|d| partition(&d).map(|p| (d, p))).collect();
        if let (Some(file), false) = (files.first(), parts.is_empty()) {
            return Err(Error::input(
                &file.name,
                format!(
                    "lies beside partition directories ({}) of {location}: a file's partition would be unknown",
                    parts[0].0.name
                ),
            ));
        }
        for file in files {
            found.add(file, &path, location)?;
        }
        // Pushed in reverse so that directories are walked in name order.
        for (sub, part) in parts.into_iter().rev() {
            let mut path = path.clone();
            path.push(part);
            pending.push((sub, path));
        }
    }
    Ok(Some(found))
}

impl Partitions {
    /// Files outside any partition directory.
    pub(crate) fn none(files: Vec<StoreFile>) -> Partitions {
        let values = vec![Vec::new(); files.len()];
        Partitions { files, keys: Vec::new(), values }
    }

    fn add(&mut self, file: StoreFile, path: &[(String, Option<String>)], location: &str) -> Result<()> {
        let keys: Vec<&str> = path.iter().map(|(k, _)| k.as_str()).collect();
        if self.files.is_empty() {
            self.keys = keys.iter().map(|k| k.to_string()).collect();
        } else if keys != self.keys {
            return Err(Error::input(
                &file.name,
                format!(
                    "is partitioned by {} where the other files of {location} are by {}: one table has one set of partition keys",
                    shown(&keys),
                    shown(&self.keys)
                ),
            ));
        }
        self.values.push(path.iter().map(|(_, v)| v.clone()).collect());
        self.files.push(file);
        Ok(())
    }

    /// Each key's column and every file's value of it. A key is typed by all its values: `bigint` when each is
    /// a whole number (`month=01` is 1), `date` when each is a `YYYY-MM-DD` date, else text; NULLs fit every type.
    pub(crate) fn columns(&self) -> (Vec<Field>, Vec<Vec<ArrayRef>>) {
        let mut fields = Vec::with_capacity(self.keys.len());
        let mut values: Vec<Vec<ArrayRef>> = vec![Vec::with_capacity(self.keys.len()); self.files.len()];
        for (k, key) in self.keys.iter().enumerate() {
            let column: Vec<Option<&str>> = self.values.iter().map(|v| v[k].as_deref()).collect();
            let typed = typed(&column);
            fields.push(Field::new(key, typed.first().map_or(DataType::Utf8, |a| a.data_type().clone()), true));
            for (file, value) in typed.into_iter().enumerate() {
                values[file].push(value);
            }
        }
        (fields, values)
    }
}

/// Each value as an array of one element, all of the type that fits every value.
fn typed(values: &[Option<&str>]) -> Vec<ArrayRef> {
    let parsed = |parse: fn(&str) -> Option<()>| values.iter().flatten().all(|v| parse(v).is_some());
    if parsed(|v| v.parse::<i64>().ok().map(drop)) {
        return values.iter().map(|v| Arc::new(Int64Array::from(vec![v.and_then(|v| v.parse().ok())])) as _).collect();
    }
    let date = |v: &str| {
        let day = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()?;
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
        i32::try_from((day - epoch).num_days()).ok()
    };
    if values.iter().flatten().all(|v| v.len() == 10 && date(v).is_some()) {
        return values.iter().map(|v| Arc::new(Date32Array::from(vec![v.and_then(date)])) as _).collect();
    }
    values.iter().map(|v| Arc::new(StringArray::from(vec![*v])) as _).collect()
}

fn shown(keys: &[impl AsRef<str>]) -> String {
    match keys.is_empty() {
        true => "nothing".to_string(),
        false => keys.iter().map(|k| format!("{}=", k.as_ref())).collect::<Vec<_>>().join("/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_typed_by_all_its_values() {
        let types = |values: &[Option<&str>]| typed(values)[0].data_type().clone();
        assert_eq!(types(&[Some("2024"), Some("01"), None]), DataType::Int64);
        assert_eq!(types(&[Some("2024-01-31"), None]), DataType::Date32);
        assert_eq!(types(&[Some("2024-01-31"), Some("2024-02-30")]), DataType::Utf8, "no such day");
        assert_eq!(types(&[Some("01"), Some("eu")]), DataType::Utf8);
        assert_eq!(types(&[None]), DataType::Int64);
        let month = typed(&[Some("01")]);
        assert_eq!(month[0].as_any().downcast_ref::<Int64Array>().unwrap().value(0), 1);
    }
}
