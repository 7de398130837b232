//! What a column profile asks a source to compute where its data is: per column a few aggregates, all in one
//! statement over the table (a database runs it; files are aggregated by DataFusion in `profile`), optionally
//! per group. Both paths answer with batches of the same layout, named here once.

pub use crate::spec::profile::Truncation;

/// The aggregates of one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnAggregates {
    /// The column's index in the dataset's schema.
    pub index: usize,
    /// Compared as text: extremes and distinct values by bytes, and the total length in characters.
    pub text: bool,
    /// `count(DISTINCT …)`: exact, so only where affordable.
    pub distinct: bool,
    /// `min` and `max`: text by byte order (binary collations), booleans false < true.
    pub extremes: bool,
    pub sum: Option<Sum>,
    /// Values without their trailing blanks (a `CHAR(n)` pair, see `normalize::Canon::Unpadded`).
    pub unpadded: bool,
    /// An empty string counts as NULL (`--empty-as-null`).
    pub empty_as_null: bool,
}

/// How a sum is added up: exactly (integers widened, decimals at their scale, as decimal text), or in
/// doubles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sum {
    Exact,
    Float,
}

/// What rows are grouped by: a column's values, or a date or timestamp column's month or day (as `2024-03`,
/// `2024-03-01` text; a zoned timestamp's in UTC, a naive one's as stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grouping {
    pub index: usize,
    pub unit: Option<Truncation>,
}

/// Everything one statement computes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregates {
    pub columns: Vec<ColumnAggregates>,
    pub group: Option<Grouping>,
}

/// The output columns' names, the same whichever engine computed them: `group` (when grouped), `rows`, then
/// per requested column `i` (its position in [`Aggregates::columns`]) `count_i` and whichever of
/// `distinct_i`, `min_i`, `max_i`, `sum_i`, `length_i` it asked for. Counts and lengths are Int64; `min` and
/// `max` have the column's type as the source reads it; an exact sum is decimal text (Utf8) or a decimal, a
/// float sum Float64; a truncated group is Utf8, else the column's type.
pub const GROUP: &str = "group";
pub const ROWS: &str = "rows";

/// The statistics a column may have, in the order the output carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Count,
    Distinct,
    Min,
    Max,
    Sum,
    Length,
}

impl Output {
    pub fn name(self, position: usize) -> String {
        let stat = match self {
            Output::Count => "count",
            Output::Distinct => "distinct",
            Output::Min => "min",
            Output::Max => "max",
            Output::Sum => "sum",
            Output::Length => "length",
        };
        format!("{stat}_{position}")
    }
}

impl ColumnAggregates {
    /// The outputs this column asks for, in output order.
    pub fn outputs(&self) -> Vec<Output> {
        let mut outputs = vec![Output::Count];
        if self.distinct {
            outputs.push(Output::Distinct);
        }
        if self.extremes {
            outputs.extend([Output::Min, Output::Max]);
        }
        if self.sum.is_some() {
            outputs.push(Output::Sum);
        }
        if self.text {
            outputs.push(Output::Length);
        }
        outputs
    }
}
