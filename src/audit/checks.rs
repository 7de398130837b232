//! Schema checks a sign-off needs, from both catalogs and the table's report: what breaks after go-live
//! though every row arrived — a sequence behind its column (the first insert fails), NOT NULL, unique and
//! foreign-key constraints the target lost, and columns compared at a narrower type on one side. A check the
//! table's `[[table]]` entry accepts is marked so, and does not count against the budget.

use super::Job;
use crate::finding::SchemaCheckKind;
use crate::report::audit::{SchemaCheck, TableEntry};

/// The checks of one compared table, those its config entry accepts marked so.
pub(crate) fn of(job: &Job, entry: &TableEntry) -> Vec<SchemaCheck> {
    let mut checks = found(job, entry);
    for check in &mut checks {
        check.accepted = job.accept.iter().any(|a| a.covers(check));
    }
    for unused in job.accept.iter().filter(|a| !checks.iter().any(|c| a.covers(c))) {
        tracing::warn!(
            "table {}: accept {} on {} (line {}) accepts nothing: no such check was found",
            job.name,
            unused.check,
            unused.column,
            unused.at.line
        );
    }
    checks
}

fn found(job: &Job, entry: &TableEntry) -> Vec<SchemaCheck> {
    let (source, target) = (&job.tables.source, &job.tables.target);
    let to_target = |column: &str| target_name(&job.spec.map, column);
    let mut checks = Vec::new();
    let mut check = |check: SchemaCheckKind, column: String, detail: String| {
        let (table, column) = (job.name.clone(), Some(column));
        checks.push(SchemaCheck { table, check, column, detail, accepted: false });
    };
    for sequence in &target.sequences {
        if let (Some(next), Some(max)) = (sequence.next_value, sequence.max_value) {
            if next <= max {
                let (name, column) = (&sequence.name, &sequence.column);
                let detail = format!("{name} next value {next} <= max({column}) {max}");
                check(SchemaCheckKind::SequenceBehind, column.clone(), detail);
            }
        }
    }
    for difference in entry.report.iter().flat_map(|r| &r.schema.type_differences).filter(|d| d.narrows) {
        let detail = format!(
            "{}: {} in the source, {} in the target",
            difference.column, difference.source_type, difference.target_type
        );
        check(SchemaCheckKind::TypeNarrowed, difference.column.clone(), detail);
    }
    if !job.target_constrains {
        return checks;
    }
    // A column the target lacks altogether is in the report's schema section already, not a lost constraint.
    let only_in_source = entry.report.iter().flat_map(|r| &r.schema.only_in_source).collect::<Vec<_>>();
    for column in &source.constraints.not_null {
        let mapped = to_target(column);
        let absent = only_in_source.iter().any(|c| c.eq_ignore_ascii_case(column));
        if !absent && !contains(&target.constraints.not_null, &mapped) {
            let detail = format!("{column} is NOT NULL in the source, nullable in the target");
            check(SchemaCheckKind::NotNullMissing, column.clone(), detail);
        }
    }
    for unique in &source.constraints.unique {
        let columns: Vec<String> = unique.columns.iter().map(|c| to_target(c)).collect();
        if !target.constraints.unique.iter().any(|u| same_columns(&u.columns, &columns)) {
            let detail = format!("unique ({}) has no counterpart in the target", unique.columns.join(", "));
            check(SchemaCheckKind::UniqueMissing, unique.columns.join(","), detail);
        }
    }
    for key in &source.constraints.foreign_keys {
        let columns: Vec<String> = key.columns.iter().map(|c| to_target(c)).collect();
        let kept = target.constraints.foreign_keys.iter().any(|k| {
            same_columns(&k.columns, &columns) && k.referenced_table.eq_ignore_ascii_case(&key.referenced_table)
        });
        if !kept {
            let detail = format!(
                "foreign key ({}) → {} has no counterpart in the target",
                key.columns.join(", "),
                key.referenced_table
            );
            check(SchemaCheckKind::ForeignKeyMissing, key.columns.join(","), detail);
        }
    }
    checks
}

/// The target's name for a source column: mapped, else the same name.
fn target_name(map: &[(String, String)], column: &str) -> String {
    map.iter().find(|(from, _)| from.eq_ignore_ascii_case(column)).map_or(column, |(_, to)| to).to_string()
}

fn contains(columns: &[String], column: &str) -> bool {
    columns.iter().any(|c| c.eq_ignore_ascii_case(column))
}

fn same_columns(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|c| contains(b, c))
}
