//! Which tables an audit compares: both catalogs' tables matched by name ignoring case, pairs named by the
//! config file, `--tables` / `--skip-tables` globs and `skip = true` entries; a table on one side only is a
//! finding of its own. A `[[table]]` entry naming a table neither side has is an error at its line.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::config::TableEntry as ConfigEntry;
use super::AuditSpec;
use crate::error::{Error, Result};
use crate::finding::TableStatus;
use crate::side::{Side, Sides};
use crate::source::catalog::{Catalog, CatalogTable};

/// What becomes of one table.
pub(crate) enum Pair {
    Compare(Box<Compare>),
    Uncompared { name: String, status: TableStatus },
}

pub(crate) struct Compare {
    /// The source's name for the table.
    pub name: String,
    pub tables: Sides<CatalogTable>,
    pub entry: Option<ConfigEntry>,
}

/// Every table of both catalogs, once.
pub(crate) fn pair(spec: &AuditSpec, catalogs: &Sides<Catalog>) -> Result<Vec<Pair>> {
    let setting = |field: &str| spec.settings.setting(field);
    let (include, exclude) =
        (globs(&spec.tables, &setting("tables"))?, globs(&spec.skip_tables, &setting("skip_tables"))?);
    let wanted = |name: &str| {
        include.as_ref().is_none_or(|g| g.is_match(name)) && !exclude.as_ref().is_some_and(|g| g.is_match(name))
    };
    let entries: &[ConfigEntry] = spec.config.as_ref().map_or(&[], |c| &c.tables);
    let mut left = catalogs.as_ref().map(|c| c.tables.iter().collect::<Vec<&CatalogTable>>());
    let mut pairs = Vec::new();
    // Entries naming both sides pair two tables, whatever their names.
    for entry in entries {
        let (Some(source), Some(target)) = (&entry.source, &entry.target) else { continue };
        let found = Sides::new(take(&mut left.source, source), take(&mut left.target, target));
        match (found.source, found.target) {
            (Some(s), Some(t)) => pairs.push(decide(&s.name, Some(entry), Sides::new(s, t), &wanted)),
            (None, _) => {
                let hint = nearest(catalogs, Side::Source, source);
                return Err(not_found(spec, entry, format!("the source has no table {source:?}{hint}")));
            }
            (_, None) => {
                let hint = nearest(catalogs, Side::Target, target);
                return Err(not_found(spec, entry, format!("the target has no table {target:?}{hint}")));
            }
        }
    }
    // The rest by name: exactly, else ignoring case.
    while let Some(source) = left.source.first().copied() {
        left.source.remove(0);
        let entry = find_entry(entries, Side::Source, &source.name);
        match take(&mut left.target, &source.name) {
            Some(target) => pairs.push(decide(&source.name, entry, Sides::new(source, target), &wanted)),
            None => pairs.push(one_side(&source.name, entry, TableStatus::MissingInTarget, &wanted)),
        }
    }
    for target in left.target {
        let entry = find_entry(entries, Side::Target, &target.name);
        pairs.push(one_side(&target.name, entry, TableStatus::ExtraInTarget, &wanted));
    }
    for entry in entries.iter().filter(|e| e.target.is_none() || e.source.is_none()) {
        let name = entry.source.as_ref().or(entry.target.as_ref());
        let named =
            name.is_some_and(|n| catalogs.iter().any(|(_, c)| c.tables.iter().any(|t| t.name.eq_ignore_ascii_case(n))));
        if !named {
            let name = name.map_or("", String::as_str);
            let side = if entry.source.is_some() { Side::Source } else { Side::Target };
            let hint = nearest(catalogs, side, name);
            return Err(not_found(spec, entry, format!("neither side has a table {name:?}{hint}")));
        }
    }
    Ok(pairs)
}

/// Removes and returns the table named `name` (exactly, else the one matching ignoring case).
fn take<'a>(tables: &mut Vec<&'a CatalogTable>, name: &str) -> Option<&'a CatalogTable> {
    let at = tables.iter().position(|t| t.name == name).or_else(|| {
        let matches: Vec<usize> =
            tables.iter().enumerate().filter(|(_, t)| t.name.eq_ignore_ascii_case(name)).map(|(i, _)| i).collect();
        (matches.len() == 1).then(|| matches[0])
    })?;
    Some(tables.remove(at))
}

fn find_entry<'a>(entries: &'a [ConfigEntry], side: Side, name: &str) -> Option<&'a ConfigEntry> {
    entries.iter().find(|e| {
        let named = match side {
            Side::Source => e.source.as_ref().or(e.target.as_ref().filter(|_| e.source.is_none())),
            Side::Target => e.target.as_ref().or(e.source.as_ref().filter(|_| e.target.is_none())),
        };
        named.is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

fn decide(
    name: &str,
    entry: Option<&ConfigEntry>,
    tables: Sides<&CatalogTable>,
    wanted: &dyn Fn(&str) -> bool,
) -> Pair {
    if entry.is_some_and(|e| e.skip) || !wanted(name) {
        return Pair::Uncompared { name: name.to_string(), status: TableStatus::Skipped };
    }
    Pair::Compare(Box::new(Compare {
        name: name.to_string(),
        tables: tables.map(|t| t.clone()),
        entry: entry.cloned(),
    }))
}

fn one_side(name: &str, entry: Option<&ConfigEntry>, status: TableStatus, wanted: &dyn Fn(&str) -> bool) -> Pair {
    let skipped = entry.is_some_and(|e| e.skip) || !wanted(name);
    Pair::Uncompared { name: name.to_string(), status: if skipped { TableStatus::Skipped } else { status } }
}

fn globs(patterns: &[String], setting: &str) -> Result<Option<GlobSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = GlobBuilder::new(pattern.trim()).case_insensitive(true).build();
        set.add(glob.map_err(|e| Error::setting(setting, format!("{pattern:?}: {e}")))?);
    }
    set.build().map(Some).map_err(|e| Error::setting(setting, e.to_string()))
}

/// `; did you mean orders?` for the table of `side` nearest to a name it does not have.
fn nearest(catalogs: &Sides<Catalog>, side: Side, name: &str) -> String {
    crate::spelling::did_you_mean(name, catalogs[side].tables.iter().map(|t| t.name.as_str()))
}

/// A `[[table]]` entry that names what is not there, at the entry's place in the file.
fn not_found(spec: &AuditSpec, entry: &ConfigEntry, what: String) -> Error {
    let file = spec.config.as_ref().map(|c| c.path.clone()).unwrap_or_default();
    Error::config(&file, entry.at.line, entry.at.column, format!("[[table]]: {what}"))
}
