//! Schema checks a sign-off needs, from both catalogs and the table's report: what breaks after go-live
//! though every row arrived — a sequence behind its column (the first insert fails), NOT NULL, unique and
//! foreign-key constraints the target lost, and columns compared at a narrower type on one side.

use super::Job;
use crate::report::audit::{SchemaCheck, TableEntry};

/// The checks of one compared table.
pub(crate) fn of(job: &Job, entry: &TableEntry) -> Vec<SchemaCheck> {
    let (source, target) = (&job.tables.source, &job.tables.target);
    let to_target = |column: &str| target_name(&job.spec.map, column);
    let mut checks = Vec::new();
    let mut check = |check: &str, detail: String| {
        checks.push(SchemaCheck { table: job.name.clone(), check: check.into(), detail });
    };
    for sequence in &target.sequences {
        if let (Some(next), Some(max)) = (sequence.next_value, sequence.max_value) {
            if next <= max {
                let (name, column) = (&sequence.name, &sequence.column);
                check("sequence_behind", format!("{name} next value {next} <= max({column}) {max}"));
            }
        }
    }
    for difference in entry.report.iter().flat_map(|r| &r.schema.type_differences).filter(|d| d.narrows) {
        let detail = format!(
            "{}: {} in the source, {} in the target",
            difference.column, difference.source_type, difference.target_type
        );
        check("type_narrowed", detail);
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
            check("not_null_missing", format!("{column} is NOT NULL in the source, nullable in the target"));
        }
    }
    for unique in &source.constraints.unique {
        let columns: Vec<String> = unique.columns.iter().map(|c| to_target(c)).collect();
        if !target.constraints.unique.iter().any(|u| same_columns(&u.columns, &columns)) {
            check("unique_missing", format!("unique ({}) has no counterpart in the target", unique.columns.join(", ")));
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
            check("foreign_key_missing", detail);
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
