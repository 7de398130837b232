//! One side's statistics, read from the batches its aggregate statement (or DataFusion query) answered: per
//! group (one for a whole table), its rows and each column's count, distinct values, extremes, sum and length.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type};
use arrow::util::display::{ArrayFormatter, FormatOptions};

use crate::error::{Error, Result};
use crate::source::aggregates::{Aggregates, Output, GROUP, ROWS};

/// How a side's distinct count was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Exact,
    /// DataFusion's HyperLogLog over the canonical values (2¹⁴ registers).
    HyperLogLog,
    /// PostgreSQL's planner statistics (`pg_stats.n_distinct`), from the last ANALYZE's sample.
    PgStats,
}

impl Counted {
    /// The relative standard error of the count; `None` where the method states none.
    pub fn error(self) -> Option<f64> {
        match self {
            Counted::Exact => Some(0.0),
            // 1.04 / √m for m registers (Flajolet et al., 2007); DataFusion's `approx_distinct` has 2¹⁴.
            Counted::HyperLogLog => Some(1.04 / 128.0),
            Counted::PgStats => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Counted::Exact => "exact",
            Counted::HyperLogLog => "hyperloglog",
            Counted::PgStats => "pg_stats",
        }
    }
}

/// A sum as a side computed it.
#[derive(Debug, Clone, PartialEq)]
pub enum SumValue {
    /// Decimal text, exact.
    Exact(String),
    Float(f64),
}

/// One column's statistics in one group.
#[derive(Debug, Clone, Default)]
pub struct ColumnStats {
    pub count: u64,
    pub distinct: Option<(u64, Counted)>,
    /// One-value arrays of the side's own type (NULL when the group holds no value).
    pub min: Option<ArrayRef>,
    pub max: Option<ArrayRef>,
    pub sum: Option<SumValue>,
    /// Characters in all the values of a text column.
    pub length: Option<u64>,
}

/// One group's statistics (the whole table's when not grouped).
#[derive(Debug, Clone, Default)]
pub struct GroupStats {
    /// The group's value: a one-value array (a month's or day's text, or the column's value).
    pub key: Option<ArrayRef>,
    pub rows: u64,
    pub columns: Vec<ColumnStats>,
}

/// Reads every group of the answer to `aggregates`; `estimated` says how the distinct counts the statement
/// did not count exactly were found (and `pg_stats` holds PostgreSQL's, given apart).
pub fn read(
    batches: &[RecordBatch],
    aggregates: &Aggregates,
    estimated: &[Option<Counted>],
    pg_stats: &[Option<u64>],
    location: &str,
) -> Result<Vec<GroupStats>> {
    let mut groups = Vec::new();
    for batch in batches {
        let column = |name: &str| -> Result<&ArrayRef> {
            batch.column_by_name(name).ok_or_else(|| Error::internal(format!("profile of {location}: no {name}")))
        };
        let integers = |name: &str| -> Result<Vec<Option<i64>>> {
            let array = cast(column(name)?, &DataType::Int64).map_err(|e| Error::arrow(location, e))?;
            Ok(array.as_primitive::<Int64Type>().iter().collect())
        };
        let rows = integers(ROWS)?;
        let mut per_column = Vec::new();
        for (i, request) in aggregates.columns.iter().enumerate() {
            let outputs = request.outputs();
            let wanted = |output: Output| outputs.contains(&output);
            let count = integers(&Output::Count.name(i))?;
            // Counted exactly by the statement, estimated by DataFusion's HyperLogLog (the same output), or
            // taken from PostgreSQL's statistics.
            let how = if request.distinct { Some(Counted::Exact) } else { estimated.get(i).copied().flatten() };
            let distinct = match how {
                Some(Counted::Exact | Counted::HyperLogLog) => Some(integers(&Output::Distinct.name(i))?),
                _ => None,
            };
            let lengths = if wanted(Output::Length) { Some(integers(&Output::Length.name(i))?) } else { None };
            let extremes = if wanted(Output::Min) {
                Some((column(&Output::Min.name(i))?.clone(), column(&Output::Max.name(i))?.clone()))
            } else {
                None
            };
            let sums = if wanted(Output::Sum) { Some(column(&Output::Sum.name(i))?) } else { None };
            let mut stats = Vec::with_capacity(batch.num_rows());
            for row in 0..batch.num_rows() {
                let distinct = match (how, &distinct) {
                    (Some(how), Some(counts)) => counts[row].map(|n| (n.max(0) as u64, how)),
                    (Some(Counted::PgStats), None) => pg_stats.get(i).copied().flatten().map(|n| (n, Counted::PgStats)),
                    _ => None,
                };
                stats.push(ColumnStats {
                    count: count[row].unwrap_or(0).max(0) as u64,
                    distinct,
                    min: extremes.as_ref().map(|(min, _)| min.slice(row, 1)),
                    max: extremes.as_ref().map(|(_, max)| max.slice(row, 1)),
                    sum: sums.map(|s| sum_value(s, row, location)).transpose()?.flatten(),
                    length: lengths.as_ref().map(|l| l[row].unwrap_or(0).max(0) as u64),
                });
            }
            per_column.push(stats);
        }
        let keys = batch.column_by_name(GROUP);
        for row in 0..batch.num_rows() {
            groups.push(GroupStats {
                key: keys.map(|k| k.slice(row, 1)),
                rows: rows[row].unwrap_or(0).max(0) as u64,
                columns: per_column.iter().map(|stats| stats[row].clone()).collect(),
            });
        }
    }
    if groups.is_empty() && aggregates.group.is_none() {
        return Err(Error::internal(format!("profile of {location}: the aggregate answered no row")));
    }
    Ok(groups)
}

/// A sum as its side gave it: text, an integer or a decimal is exact, a float is a float; NULL (no values) is
/// none.
fn sum_value(array: &ArrayRef, row: usize, location: &str) -> Result<Option<SumValue>> {
    if array.is_null(row) {
        return Ok(None);
    }
    Ok(Some(match array.data_type() {
        DataType::Float64 => SumValue::Float(array.as_primitive::<arrow::datatypes::Float64Type>().value(row)),
        DataType::Float32 => SumValue::Float(array.as_primitive::<arrow::datatypes::Float32Type>().value(row).into()),
        _ => {
            let formatter = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default())
                .map_err(|e| Error::arrow(location, e))?;
            SumValue::Exact(formatter.value(row).to_string())
        }
    }))
}
