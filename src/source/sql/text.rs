//! Rows that arrive as text (MySQL's text protocol) or as SQLite's dynamic values, built into Arrow batches:
//! each column is collected as text or bytes, then cast to its Arrow type by Arrow's own strict parsers.

use std::sync::Arc;

use arrow::array::{ArrayBuilder, ArrayRef, BinaryBuilder, RecordBatch, StringBuilder};
use arrow::compute::{cast_with_options, CastOptions};
use arrow::datatypes::{DataType, Field, Schema};

use futures::stream::BoxStream;
use futures::TryStreamExt;

use super::{send, sql_error, Sender, SqlColumn, BATCH_ROWS};
use crate::error::{Error, Result};
use crate::normalize::round_decimal;

/// One value of a row as the driver hands it over.
pub(crate) enum Cell<'a> {
    Null,
    Text(&'a str),
    Bytes(&'a [u8]),
}

enum Collector {
    Text(StringBuilder),
    Bytes(BinaryBuilder),
}

pub(crate) struct TextBatcher {
    /// Where the rows come from, masked: errors name it.
    location: String,
    columns: Vec<SqlColumn>,
    collectors: Vec<Collector>,
    /// Rows handed out in earlier batches, for error messages.
    done: usize,
}

impl TextBatcher {
    pub(crate) fn new(columns: &[SqlColumn], location: &str) -> TextBatcher {
        let collectors = columns.iter().map(|c| collector(&c.data_type)).collect();
        TextBatcher { location: location.to_string(), columns: columns.to_vec(), collectors, done: 0 }
    }

    /// Adds the value of `column` in the current row (all columns of a row before the next row); a decimal
    /// is rounded half away from zero to its column's scale (SQLite stores DECIMAL(12,2) values as REAL).
    pub(crate) fn push(&mut self, column: usize, cell: Cell<'_>) -> Result<()> {
        let row = self.done + self.rows() + 1;
        let SqlColumn { name, data_type, .. } = &self.columns[column];
        match (&mut self.collectors[column], cell) {
            (Collector::Text(b), Cell::Null) => b.append_null(),
            (Collector::Bytes(b), Cell::Null) => b.append_null(),
            (Collector::Bytes(b), Cell::Bytes(v)) => b.append_value(v),
            (Collector::Bytes(b), Cell::Text(v)) => b.append_value(v.as_bytes()),
            (Collector::Text(b), Cell::Text(text)) => append_text(b, text, data_type),
            (Collector::Text(b), Cell::Bytes(v)) => {
                let text = std::str::from_utf8(v)
                    .map_err(|_| Error::input(&self.location, format!("column {name}, row {row}: not valid UTF-8")))?;
                append_text(b, text, data_type)
            }
        }
        Ok(())
    }

    pub(crate) fn rows(&self) -> usize {
        match self.collectors.first() {
            Some(Collector::Text(b)) => b.len(),
            Some(Collector::Bytes(b)) => b.len(),
            None => 0,
        }
    }

    pub(crate) fn full(&self) -> bool {
        self.rows() >= BATCH_ROWS
    }

    /// The rows collected so far as a batch of the columns' Arrow types.
    pub(crate) fn finish(&mut self) -> Result<Option<RecordBatch>> {
        let rows = self.rows();
        if rows == 0 {
            return Ok(None);
        }
        let strict = CastOptions { safe: false, ..CastOptions::default() };
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        for (column, collector) in self.columns.iter().zip(&mut self.collectors) {
            let raw: ArrayRef = match collector {
                Collector::Text(b) => Arc::new(b.finish()),
                Collector::Bytes(b) => Arc::new(b.finish()),
            };
            let typed = cast_with_options(&raw, &column.data_type, &strict).map_err(|e| {
                let (first, last) = (self.done + 1, self.done + rows);
                let at =
                    format!("{}: column {} ({}), rows {first}..{last}", self.location, column.name, column.db_type);
                Error::arrow(at, e)
            })?;
            arrays.push(typed);
        }
        self.done += rows;
        let fields: Vec<Field> = self.columns.iter().map(|c| Field::new(&c.name, c.data_type.clone(), true)).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
            .map(Some)
            .map_err(|e| Error::arrow(&self.location, e))
    }
}

/// Drains a driver's row stream into batches handed to `tx`; `push_row` adds one row's values.
pub(crate) async fn stream_rows<R>(
    mut rows: BoxStream<'_, Result<R, sqlx::Error>>,
    columns: &[SqlColumn],
    tx: &Sender,
    location: &str,
    mut push_row: impl FnMut(&R, &mut TextBatcher) -> Result<()>,
) -> Result<()> {
    let mut batcher = TextBatcher::new(columns, location);
    while let Some(row) = rows.try_next().await.map_err(|e| sql_error(location, &e))? {
        push_row(&row, &mut batcher)?;
        if batcher.full() {
            send(tx, batcher.finish()?).await?;
        }
    }
    send(tx, batcher.finish()?).await
}

fn collector(data_type: &DataType) -> Collector {
    match data_type {
        DataType::Binary => Collector::Bytes(BinaryBuilder::new()),
        _ => Collector::Text(StringBuilder::new()),
    }
}

fn append_text(builder: &mut StringBuilder, text: &str, data_type: &DataType) {
    match data_type {
        DataType::Decimal128(_, scale) | DataType::Decimal256(_, scale) if *scale >= 0 && plain_decimal(text) => {
            builder.append_value(round_decimal(text, *scale as usize))
        }
        _ => builder.append_value(text),
    }
}

/// `-12.345`, `7`, `.5`: what [`round_decimal`] reads. Other text (empty, `-`, `1e5`, words) goes to Arrow's
/// strict cast as it is, which rejects what is not a number: rounded, `""` and `"-"` became `0`.
fn plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    digits(int_part) && digits(frac_part) && !(int_part.is_empty() && frac_part.is_empty())
}

/// A `CHAR(n)` value without its trailing blanks, which SQL does not count (PostgreSQL's cast of `char(n)` to
/// text drops them; MySQL strips them on read unless its `sql_mode` has `PAD_CHAR_TO_FULL_LENGTH`).
pub(crate) fn trim_blanks(value: &[u8]) -> &[u8] {
    let end = value.iter().rposition(|b| *b != b' ').map_or(0, |i| i + 1);
    &value[..end]
}

#[cfg(test)]
mod property {
    use arrow::datatypes::TimeUnit;
    use proptest::prelude::*;

    use super::*;

    /// The Arrow types MySQL's and SQLite's values are read as.
    fn data_type() -> impl Strategy<Value = DataType> {
        prop::sample::select(vec![
            DataType::Int64,
            DataType::UInt64,
            DataType::Float64,
            DataType::Decimal128(12, 2),
            DataType::Decimal128(10, 0),
            DataType::Decimal256(50, 5),
            DataType::Date32,
            DataType::Timestamp(TimeUnit::Microsecond, None),
            DataType::Boolean,
            DataType::Utf8,
        ])
    }

    /// Text a server could send for a number or a date, damaged or not, or any text.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof!["[-+0-9.eE: é]{0,10}", any::<String>()]
    }

    proptest! {
        // Failing cases are kept in proptest-regressions/source/sql/text.txt and run first.
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// Any text as a value of any type: a value or an error naming the table, never a panic; and a decimal
        /// read from text that is not a number is an error, never a number.
        #[test]
        fn any_text_gives_a_value_or_an_error_naming_the_table(data_type in data_type(), values in prop::collection::vec(text(), 1..4)) {
            let column = SqlColumn::new("v".into(), "t".into(), "t".into(), data_type.clone());
            let mut batcher = TextBatcher::new(&[column], "mysql://db/t");
            for value in &values {
                batcher.push(0, Cell::Text(value))?;
            }
            match batcher.finish() {
                Ok(_) if matches!(data_type, DataType::Decimal128(..) | DataType::Decimal256(..)) => {
                    for value in &values {
                        prop_assert!(value.trim().parse::<f64>().is_ok(), "{:?} read as a decimal", value);
                    }
                }
                Ok(_) => {}
                Err(e) => prop_assert!(e.to_string().contains("mysql://db/t: column v"), "{}", e),
            }
        }
    }
}
