//! A column profile of files, computed by DataFusion in one pass: the dataset's scan units stream into a
//! DataFusion table (one partition per thread, a few batches in flight each, so memory stays bounded whatever
//! the files hold), and one aggregate query answers in the layout a database's statement does
//! (`source::aggregates`). Exact sums are recon's own aggregate function ([`ExactSum`]): DataFusion's `sum`
//! wraps on overflow.

use std::sync::{Arc, Mutex};

use arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{i256, DataType, Decimal256Type, DecimalType, Field, FieldRef, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::streaming::StreamingTable;
use datafusion::common::{exec_err, ScalarValue};
use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::GreedyMemoryPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::error::{Error, Result};
use crate::normalize::policy::SidePolicy;
use crate::normalize::{canonicalize, Canon};
use crate::session::Session;
use crate::source::aggregates::{Aggregates, Output, Sum, Truncation, GROUP, ROWS};
use crate::source::{Dataset, ScanUnit};

/// Batches in flight per partition, between the thread reading the files and DataFusion.
const IN_FLIGHT: usize = 2;

/// A column's distinct values estimated (HyperLogLog) over its canonical values, so that two sides holding the
/// same values under the policy in different types give the same estimate.
pub(crate) struct Estimate {
    pub canon: Canon,
    pub policy: SidePolicy,
}

/// Computes `aggregates` over `dataset`'s files; `estimates[i]` asks for column `i`'s distinct values to be
/// estimated (its `distinct_i` output) where `aggregates` does not count them exactly.
pub(crate) fn aggregate(
    dataset: &Dataset,
    aggregates: &Aggregates,
    estimates: &[Option<Estimate>],
    session: &Session,
    memory: u64,
) -> Result<Vec<RecordBatch>> {
    let location = dataset.location.as_str();
    let mut projection: Vec<usize> = aggregates.columns.iter().map(|c| c.index).collect();
    projection.extend(aggregates.group.map(|g| g.index));
    projection.sort_unstable();
    projection.dedup();
    let adapter = Adapter::new(dataset, aggregates, estimates, &projection)?;
    let units = dataset.scan_units(&projection)?;
    let parts = session.threads().clamp(1, units.len().max(1));
    let (senders, partitions): (Vec<_>, Vec<_>) = (0..parts)
        .map(|_| {
            let (tx, rx) = mpsc::channel(IN_FLIGHT);
            let partition: Arc<dyn PartitionStream> =
                Arc::new(Partition { schema: adapter.schema.clone(), batches: Mutex::new(Some(rx)) });
            (tx, partition)
        })
        .unzip();
    let mut shares: Vec<Vec<ScanUnit>> = (0..parts).map(|_| Vec::new()).collect();
    for (i, unit) in units.into_iter().enumerate() {
        shares[i % parts].push(unit);
    }
    let sql = adapter.sql(aggregates);
    let query = async {
        let pool = GreedyMemoryPool::new(memory as usize);
        let runtime = RuntimeEnvBuilder::new().with_memory_pool(Arc::new(pool)).build_arc()?;
        let config = SessionConfig::new().with_target_partitions(parts);
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        ctx.register_table("profiled", Arc::new(StreamingTable::try_new(adapter.schema.clone(), partitions)?))?;
        ctx.register_udaf(AggregateUDF::from(ExactSum::new()));
        ctx.sql(&sql).await?.collect().await
    };
    std::thread::scope(|scope| {
        for (share, tx) in shares.into_iter().zip(senders) {
            let adapter = &adapter;
            scope.spawn(move || feed(share, adapter, &tx));
        }
        session.runtime().block_on(query)
    })
    .map_err(|e| match e {
        DataFusionError::External(inner) => match inner.downcast::<Error>() {
            Ok(error) => *error,
            Err(other) => Error::input(location, format!("profiling: {other}")),
        },
        other => Error::input(location, format!("profiling: {other}")),
    })
}

/// Reads `units` one after the other into `tx`; stops when DataFusion no longer listens (it failed, or
/// finished).
fn feed(units: Vec<ScanUnit>, adapter: &Adapter, tx: &mpsc::Sender<datafusion::error::Result<RecordBatch>>) {
    for unit in units {
        let batches = match unit.open() {
            Ok(batches) => batches,
            Err(error) => {
                let _ = tx.blocking_send(Err(DataFusionError::External(Box::new(error))));
                return;
            }
        };
        for batch in batches {
            let adapted = batch.and_then(|b| adapter.adapt(&b));
            let failed = adapted.is_err();
            if tx.blocking_send(adapted.map_err(|e| DataFusionError::External(Box::new(e)))).is_err() || failed {
                return;
            }
        }
    }
}

/// One partition of the profiled table: the batches one reading thread sends.
struct Partition {
    schema: SchemaRef,
    batches: Mutex<Option<mpsc::Receiver<datafusion::error::Result<RecordBatch>>>>,
}

impl std::fmt::Debug for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "profiled files")
    }
}

impl PartitionStream for Partition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let taken = self.batches.lock().unwrap_or_else(|e| e.into_inner()).take();
        let stream = match taken {
            Some(mut rx) => futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed(),
            None => futures::stream::once(async {
                Err(DataFusionError::Internal("a profiled partition was read twice".into()))
            })
            .boxed(),
        };
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), stream))
    }
}

/// How the columns read from the files become the profiled table's: `c{i}` each requested column's values
/// (text as Utf8, without trailing blanks or with empty strings as NULL where asked), `l{i}` a text column's
/// lengths in characters, `k{i}` the canonical values a distinct estimate hashes, `g` the group.
struct Adapter {
    schema: SchemaRef,
    /// Per requested column: its position in the projected batch and what is derived from it.
    columns: Vec<Adapted>,
    /// The group's position in the projected batch and its truncation.
    group: Option<(usize, Option<Truncation>)>,
    location: String,
}

struct Adapted {
    at: usize,
    text: bool,
    unpadded: bool,
    empty_as_null: bool,
    /// What a distinct estimate hashes, when one is asked for.
    key: Option<Key>,
}

/// The values a HyperLogLog estimate hashes: the column's own (`c{i}`), or its canonical form (`k{i}`).
enum Key {
    Values,
    Canonical(Canon, SidePolicy),
}

impl Adapter {
    fn new(
        dataset: &Dataset,
        aggregates: &Aggregates,
        estimates: &[Option<Estimate>],
        projection: &[usize],
    ) -> Result<Adapter> {
        let at = |index: usize| projection.iter().position(|&p| p == index).unwrap_or_default();
        let mut fields = Vec::new();
        let mut columns = Vec::new();
        for (i, request) in aggregates.columns.iter().enumerate() {
            let data_type = dataset.schema.field(request.index).data_type().clone();
            let (text, rewritten) = (request.text, request.unpadded || request.empty_as_null);
            let values_type = if text && rewritten { DataType::Utf8 } else { data_type.clone() };
            fields.push(Field::new(format!("c{i}"), values_type.clone(), true));
            if text {
                fields.push(Field::new(format!("l{i}"), DataType::Int64, true));
            }
            let estimate = estimates.get(i).and_then(Option::as_ref).filter(|_| !request.distinct);
            // Text compared as stored is its own canonical form: hashed as it is read, as string views.
            let key = estimate.map(|e| match (text, &values_type) {
                (true, DataType::Utf8View) => Key::Values,
                _ => Key::Canonical(e.canon.clone(), e.policy.clone()),
            });
            if let Some(Key::Canonical(canon, _)) = &key {
                fields.push(Field::new(format!("k{i}"), estimate_type(canon), true));
            }
            columns.push(Adapted {
                at: at(request.index),
                text,
                unpadded: request.unpadded,
                empty_as_null: request.empty_as_null,
                key,
            });
        }
        let group = match aggregates.group {
            Some(group) => {
                let field = dataset.schema.field(group.index);
                let data_type = match group.unit {
                    Some(_) if !is_temporal(field.data_type()) => {
                        return Err(Error::setting(
                            "--profile-group-by",
                            format!(
                                "column {} of {} is {}, not a date or timestamp: group by it whole",
                                field.name(),
                                dataset.location,
                                field.data_type()
                            ),
                        ))
                    }
                    Some(_) => DataType::Utf8,
                    None => field.data_type().clone(),
                };
                fields.push(Field::new("g", data_type, true));
                Some((at(group.index), group.unit))
            }
            None => None,
        };
        let location = dataset.location.clone();
        Ok(Adapter { schema: Arc::new(Schema::new(fields)), columns, group, location })
    }

    /// The projected batch as the profiled table's.
    fn adapt(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        let arrow_error = |e| Error::arrow(&self.location, e);
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for column in &self.columns {
            let raw = batch.column(column.at);
            if column.text {
                let values: ArrayRef = match column.unpadded || column.empty_as_null {
                    true => {
                        let text = cast(raw, &DataType::Utf8).map_err(arrow_error)?;
                        Arc::new(strip(text.as_string::<i32>(), column.unpadded, column.empty_as_null))
                    }
                    false => raw.clone(),
                };
                let lengths = lengths(&values).map_err(arrow_error)?;
                arrays.push(values);
                arrays.push(Arc::new(lengths));
            } else {
                arrays.push(raw.clone());
            }
            if let Some(Key::Canonical(canon, policy)) = &column.key {
                let canonical = canonicalize(raw, canon, policy).map_err(arrow_error)?;
                arrays.push(estimate_key(&canonical).map_err(arrow_error)?);
            }
        }
        if let Some((at, unit)) = self.group {
            let raw = batch.column(at);
            arrays.push(match unit {
                Some(unit) => Arc::new(truncated(raw, unit).map_err(arrow_error)?),
                None => raw.clone(),
            });
        }
        // Readers may hand a narrower physical type than the schema declares (Parquet decimals of up to 18
        // digits as Decimal64).
        let arrays = arrays
            .into_iter()
            .zip(self.schema.fields())
            .map(|(array, field)| match array.data_type() == field.data_type() {
                true => Ok(array),
                false => cast(&array, field.data_type()),
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(arrow_error)?;
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(arrow_error)
    }

    /// The query over the profiled table, its outputs named as `source::aggregates` names them.
    fn sql(&self, aggregates: &Aggregates) -> String {
        let mut list = Vec::new();
        if self.group.is_some() {
            list.push(format!("g AS \"{GROUP}\""));
        }
        list.push(format!("count(*) AS \"{ROWS}\""));
        for (i, request) in aggregates.columns.iter().enumerate() {
            for output in request.outputs() {
                let expression = match output {
                    Output::Count => format!("count(c{i})"),
                    Output::Distinct => format!("count(DISTINCT c{i})"),
                    Output::Min => format!("min(c{i})"),
                    Output::Max => format!("max(c{i})"),
                    Output::Sum if request.sum == Some(Sum::Exact) => format!("{}(c{i})", ExactSum::NAME),
                    Output::Sum => format!("sum(CAST(c{i} AS DOUBLE))"),
                    Output::Length => format!("sum(l{i})"),
                };
                list.push(format!("{expression} AS \"{}\"", output.name(i)));
            }
            let hashed = match &self.columns[i].key {
                Some(Key::Values) => Some(format!("c{i}")),
                Some(Key::Canonical(..)) => Some(format!("k{i}")),
                None => None,
            };
            if let Some(hashed) = hashed {
                list.push(format!("CAST(approx_distinct({hashed}) AS BIGINT) AS \"{}\"", Output::Distinct.name(i)));
            }
        }
        let group = if self.group.is_some() { " GROUP BY g" } else { "" };
        format!("SELECT {} FROM profiled{group}", list.join(", "))
    }
}

fn is_temporal(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Date32 | DataType::Date64 | DataType::Timestamp(..))
}

/// Text without trailing blanks and with empty strings as NULL, where asked.
fn strip(text: &StringArray, unpadded: bool, empty_as_null: bool) -> StringArray {
    if !(unpadded || empty_as_null) {
        return text.clone();
    }
    text.iter()
        .map(|v| {
            let v = v.map(|v| if unpadded { v.trim_end_matches(' ') } else { v });
            v.filter(|v| !(empty_as_null && v.is_empty()))
        })
        .collect()
}

/// The type an estimate hashes: the canonical type; text as string views (DataFusion hashes a short view and the
/// same string in a Utf8 array apart), floats as their bits (HyperLogLog hashes no floats; -0.0 is 0.0 and every
/// NaN one NaN under the policy).
fn estimate_type(canon: &Canon) -> DataType {
    match canon.base() {
        Canon::Float32 | Canon::Float64 => DataType::Int64,
        Canon::Int => DataType::Int64,
        Canon::Decimal { precision, scale } => DataType::Decimal128(*precision, *scale),
        Canon::Decimal256 { precision, scale } => DataType::Decimal256(*precision, *scale),
        Canon::Bool => DataType::Boolean,
        Canon::Date => DataType::Date32,
        Canon::Timestamp(unit) => DataType::Timestamp(*unit, None),
        Canon::TimestampDigits { .. } => DataType::Timestamp(TimeUnit::Microsecond, None),
        Canon::Time(unit) => match unit {
            TimeUnit::Second | TimeUnit::Millisecond => DataType::Time32(*unit),
            _ => DataType::Time64(*unit),
        },
        Canon::Binary => DataType::Binary,
        _ => DataType::Utf8View,
    }
}

/// A canonical array as [`estimate_type`] says.
fn estimate_key(canonical: &ArrayRef) -> Result<ArrayRef, arrow::error::ArrowError> {
    match canonical.data_type() {
        DataType::Float32 | DataType::Float64 => {
            let wide = cast(canonical, &DataType::Float64)?;
            let bits: Int64Array = wide
                .as_primitive::<arrow::datatypes::Float64Type>()
                .iter()
                .map(|v| {
                    v.map(|v| {
                        if v == 0.0 {
                            0
                        } else if v.is_nan() {
                            f64::NAN.to_bits() as i64
                        } else {
                            v.to_bits() as i64
                        }
                    })
                })
                .collect();
            Ok(Arc::new(bits))
        }
        DataType::Timestamp(unit, Some(_)) => cast(canonical, &DataType::Timestamp(*unit, None)),
        DataType::Utf8 | DataType::LargeUtf8 => cast(canonical, &DataType::Utf8View),
        DataType::BinaryView | DataType::LargeBinary => cast(canonical, &DataType::Binary),
        _ => Ok(canonical.clone()),
    }
}

/// The high bit of each of the 12 bytes a string view holds inline.
const INLINE_HIGH_BITS: u128 = 0x8080_8080_8080_8080_8080_8080;

/// Each text value's length in characters (NULL for NULL): from the offsets where every byte is ASCII.
fn lengths(text: &ArrayRef) -> Result<Int64Array, arrow::error::ArrowError> {
    let count = |s: &str| if s.is_ascii() { s.len() as i64 } else { s.chars().count() as i64 };
    Ok(match text.data_type() {
        DataType::Utf8 => {
            let strings = text.as_string::<i32>();
            match strings.value_data().is_ascii() {
                true => {
                    let lengths = strings.offsets().windows(2).map(|w| i64::from(w[1] - w[0]));
                    Int64Array::new(lengths.collect(), strings.nulls().cloned())
                }
                false => strings.iter().map(|v| v.map(count)).collect(),
            }
        }
        DataType::Utf8View => {
            let views = text.as_string_view();
            // A view's low 32 bits are its length; a string of up to 12 bytes is inline in the other 96.
            let inline_ascii = |v: u128| v as u32 > 12 || (v >> 32) & INLINE_HIGH_BITS == 0;
            let ascii = views.data_buffers().iter().all(|b| b.as_slice().is_ascii())
                && views.views().iter().all(|&v| inline_ascii(v));
            match ascii {
                true => Int64Array::new(
                    views.views().iter().map(|&v| i64::from(v as u32)).collect(),
                    views.nulls().cloned(),
                ),
                false => views.iter().map(|v| v.map(count)).collect(),
            }
        }
        _ => return lengths(&cast(text, &DataType::Utf8)?),
    })
}

/// Each date's or timestamp's month or day as text (`2024-03`): a zoned timestamp's in UTC, a naive one's as
/// stored, as the databases' own functions give them in a UTC session.
fn truncated(array: &ArrayRef, unit: Truncation) -> Result<StringArray, arrow::error::ArrowError> {
    let (days, ticks): (Option<ArrayRef>, Option<(ArrayRef, i64)>) = match array.data_type() {
        DataType::Date32 => (Some(cast(array, &DataType::Int32)?), None),
        DataType::Date64 => (None, Some((cast(array, &DataType::Int64)?, 1_000))),
        DataType::Timestamp(time_unit, _) => {
            (None, Some((cast(array, &DataType::Int64)?, crate::normalize::ticks_per_second(*time_unit))))
        }
        other => {
            return Err(arrow::error::ArrowError::CastError(format!("{other} has no month or day")));
        }
    };
    let format = |date: Option<chrono::NaiveDate>| date.map(|d| d.format(unit.pattern()).to_string());
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    Ok(match (days, ticks) {
        (Some(days), _) => days
            .as_primitive::<arrow::datatypes::Int32Type>()
            .iter()
            .map(|d| format(d.and_then(|d| epoch.checked_add_signed(chrono::Duration::days(d.into())))))
            .collect(),
        (None, Some((ticks, per_second))) => ticks
            .as_primitive::<arrow::datatypes::Int64Type>()
            .iter()
            .map(|t| {
                format(
                    t.map(|t| t.div_euclid(per_second * 86_400))
                        .and_then(|d| epoch.checked_add_signed(chrono::Duration::days(d))),
                )
            })
            .collect(),
        (None, None) => StringArray::new_null(array.len()),
    })
}

/// `recon_exact_sum(x)`: the exact sum of integers or decimals as decimal text at the input's scale, NULL for
/// no values; an error, never a wrapped value, beyond 76 digits.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ExactSum {
    signature: Signature,
}

impl ExactSum {
    pub(crate) const NAME: &'static str = "recon_exact_sum";

    pub(crate) fn new() -> ExactSum {
        ExactSum { signature: Signature::any(1, Volatility::Immutable) }
    }
}

/// The scale an input's values have: a decimal's, 0 for integers.
fn scale_of(data_type: &DataType) -> datafusion::error::Result<i8> {
    match data_type {
        DataType::Decimal32(_, s)
        | DataType::Decimal64(_, s)
        | DataType::Decimal128(_, s)
        | DataType::Decimal256(_, s) => Ok(*s),
        t if t.is_integer() => Ok(0),
        other => exec_err!("{} adds integers and decimals, not {other}", ExactSum::NAME),
    }
}

impl AggregateUDFImpl for ExactSum {
    fn name(&self) -> &str {
        ExactSum::NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> datafusion::error::Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn accumulator(&self, args: AccumulatorArgs) -> datafusion::error::Result<Box<dyn Accumulator>> {
        Ok(Box::new(ExactSumAccumulator {
            sum: i256::ZERO,
            seen: false,
            scale: scale_of(args.expr_fields[0].data_type())?,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> datafusion::error::Result<Vec<FieldRef>> {
        let scale = scale_of(args.input_fields[0].data_type())?;
        let name = datafusion::logical_expr::utils::format_state_name(args.name, "sum");
        Ok(vec![Arc::new(Field::new(name, DataType::Decimal256(76, scale), true))])
    }
}

#[derive(Debug)]
struct ExactSumAccumulator {
    sum: i256,
    seen: bool,
    scale: i8,
}

impl ExactSumAccumulator {
    /// Adds `value` to the sum, checked.
    fn add(&mut self, value: i256) -> datafusion::error::Result<()> {
        match self.sum.checked_add(value) {
            Some(sum) => self.sum = sum,
            None => return exec_err!("a sum exceeds 76 digits"),
        }
        self.seen = true;
        Ok(())
    }

    /// Adds every value of `values` (integers, or decimals at the sum's scale) as it is stored: a batch of
    /// 64-bit integers is added up in 128 bits first (8,192 of them cannot overflow it).
    fn add_all(&mut self, values: &ArrayRef) -> datafusion::error::Result<()> {
        use arrow::datatypes::{Decimal128Type, Int64Type, UInt64Type};
        if values.null_count() == values.len() {
            return Ok(());
        }
        match values.data_type() {
            DataType::Decimal256(..) => {
                for value in values.as_primitive::<Decimal256Type>().iter().flatten() {
                    self.add(value)?;
                }
                Ok(())
            }
            DataType::Decimal128(..) => {
                for value in values.as_primitive::<Decimal128Type>().iter().flatten() {
                    self.add(i256::from_i128(value))?;
                }
                Ok(())
            }
            DataType::UInt64 => self.add(i256::from_i128(integer_sum(values.as_primitive::<UInt64Type>()))),
            t if t.is_integer() => {
                let wide = cast(values, &DataType::Int64)?;
                self.add(i256::from_i128(integer_sum(wide.as_primitive::<Int64Type>())))
            }
            // Decimal32 and Decimal64 at the same scale.
            _ => self.add_all(&cast(values, &DataType::Decimal128(38, self.scale))?),
        }
    }
}

/// The sum of a batch of 64-bit integers in 128 bits (8,192 of them cannot overflow it), straight over the
/// values where none is NULL.
fn integer_sum<T: arrow::datatypes::ArrowPrimitiveType>(values: &arrow::array::PrimitiveArray<T>) -> i128
where
    T::Native: Into<i128>,
{
    match values.null_count() {
        0 => values.values().iter().map(|&v| v.into()).sum(),
        _ => values.iter().flatten().map(Into::into).sum(),
    }
}

impl Accumulator for ExactSumAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> datafusion::error::Result<()> {
        self.add_all(&values[0])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> datafusion::error::Result<()> {
        self.add_all(&states[0])
    }

    fn state(&mut self) -> datafusion::error::Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Decimal256(self.seen.then_some(self.sum), 76, self.scale)])
    }

    fn evaluate(&mut self) -> datafusion::error::Result<ScalarValue> {
        Ok(ScalarValue::Utf8(self.seen.then(|| Decimal256Type::format_decimal(self.sum, 76, self.scale))))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_sums_never_wrap_and_keep_the_scale() {
        let mut sum = ExactSumAccumulator { sum: i256::ZERO, seen: false, scale: 0 };
        let big: ArrayRef = Arc::new(arrow::array::Int64Array::from(vec![Some(i64::MAX), None, Some(i64::MAX)]));
        sum.update_batch(&[big]).unwrap();
        assert_eq!(sum.evaluate().unwrap(), ScalarValue::Utf8(Some("18446744073709551614".into())));
        let mut none = ExactSumAccumulator { sum: i256::ZERO, seen: false, scale: 2 };
        assert_eq!(none.evaluate().unwrap(), ScalarValue::Utf8(None));
        let cents: ArrayRef =
            Arc::new(arrow::array::Decimal128Array::from(vec![150, -25]).with_precision_and_scale(12, 2).unwrap());
        none.update_batch(&[cents]).unwrap();
        assert_eq!(none.evaluate().unwrap(), ScalarValue::Utf8(Some("1.25".into())));
    }

    #[test]
    fn lengths_count_characters_whether_the_text_is_ascii_or_not() {
        let values = [Some("ab"), None, Some("a longer ascii value"), Some("")];
        let accented = [Some("zoë"), None, Some("émile, longer than twelve"), Some("")];
        for (text, expected) in
            [(values, [Some(2), None, Some(20), Some(0)]), (accented, [Some(3), None, Some(25), Some(0)])]
        {
            let utf8: ArrayRef = Arc::new(StringArray::from(text.to_vec()));
            let views: ArrayRef = Arc::new(arrow::array::StringViewArray::from(text.to_vec()));
            for array in [utf8, views] {
                assert_eq!(lengths(&array).unwrap().iter().collect::<Vec<_>>(), expected, "{array:?}");
            }
        }
    }

    #[test]
    fn months_and_days_of_dates_and_instants() {
        let days: ArrayRef = Arc::new(arrow::array::Date32Array::from(vec![Some(0), Some(-1), None]));
        let months = truncated(&days, Truncation::Month).unwrap();
        assert_eq!(months.iter().collect::<Vec<_>>(), [Some("1970-01"), Some("1969-12"), None]);
        let instants: ArrayRef = Arc::new(
            arrow::array::TimestampSecondArray::from(vec![1_709_251_199, 1_709_251_200]).with_timezone("+00:00"),
        );
        let days = truncated(&instants, Truncation::Day).unwrap();
        assert_eq!(days.iter().collect::<Vec<_>>(), [Some("2024-02-29"), Some("2024-03-01")]);
    }
}
