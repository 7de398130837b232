//! recon's hashing as DataFusion functions, so that a plan running on a cluster's executors computes exactly
//! what the local engine does: `recon_digest` hashes rows through [`digest::digest_batch`] and
//! `recon_fingerprint` sums them through [`Fingerprint`]. Both are stateless: they travel in plans by name, and
//! every role (client, scheduler, executors) registers them.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StructArray, UInt64Array};
use arrow::datatypes::{DataType, Field, FieldRef, Fields, UInt64Type};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, EmitTo, GroupsAccumulator, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::digest::{self, Fingerprint};

pub const DIGEST: &str = "recon_digest";
pub const PART: &str = "recon_digest_part";
pub const FINGERPRINT: &str = "recon_fingerprint";

/// The scalar functions, as each role registers them.
pub fn scalars() -> [Arc<ScalarUDF>; 2] {
    [digest(), part()]
}

pub fn digest() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::from(Digest::default()))
}

pub fn part() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::from(DigestPart::default()))
}

pub fn aggregate() -> Arc<AggregateUDF> {
    Arc::new(AggregateUDF::from(FingerprintUdaf::default()))
}

/// A row's digest: its key hash (NULL when a key part is NULL: such a row has no key) and its row hash, each as
/// two 64-bit halves, high first.
pub fn digest_fields() -> Fields {
    Fields::from(vec![
        Field::new("key_hi", DataType::UInt64, true),
        Field::new("key_lo", DataType::UInt64, true),
        Field::new("row_hi", DataType::UInt64, false),
        Field::new("row_lo", DataType::UInt64, false),
    ])
}

/// A bucket's fingerprint: its rows and the 128-bit wrapping sum of their row hashes, as two halves.
pub fn fingerprint_fields() -> Fields {
    Fields::from(vec![
        Field::new("rows", DataType::UInt64, false),
        Field::new("sum_hi", DataType::UInt64, false),
        Field::new("sum_lo", DataType::UInt64, false),
    ])
}

/// `recon_digest(whole_rows, keys, k1, …, kn, v1, …, vm)`: the canonical key columns `k` and hashable value
/// columns `v` of each row hashed as pass one hashes them; `keys` (a literal) says how many of the columns
/// are key columns, `whole_rows` (a literal) that the comparison is keyless.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Digest {
    signature: Signature,
}

impl Default for Digest {
    fn default() -> Self {
        Digest { signature: Signature::variadic_any(Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for Digest {
    fn name(&self) -> &str {
        DIGEST
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(digest_fields()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (whole_rows, keys) = match (args.args.first(), args.args.get(1)) {
            (
                Some(ColumnarValue::Scalar(ScalarValue::Boolean(Some(whole_rows)))),
                Some(ColumnarValue::Scalar(ScalarValue::UInt64(Some(keys)))),
            ) => (*whole_rows, *keys as usize),
            _ => return exec_err!("{DIGEST} takes (whole_rows boolean, keys uint64, columns…) with literal flags"),
        };
        let columns = ColumnarValue::values_to_arrays(&args.args[2..])?;
        if keys == 0 || keys > columns.len() {
            return exec_err!("{DIGEST}: {keys} key columns of {}", columns.len());
        }
        let (key_columns, values) = columns.split_at(keys);
        Ok(ColumnarValue::Array(digest_rows(key_columns, values, whole_rows, args.number_rows)?))
    }
}

/// The digest of every row of a batch, in row order.
fn digest_rows(keys: &[ArrayRef], values: &[ArrayRef], whole_rows: bool, rows: usize) -> Result<ArrayRef> {
    let (mut key_hi, mut key_lo) = (vec![0u64; rows], vec![0u64; rows]);
    let (mut row_hi, mut row_lo) = (vec![0u64; rows], vec![0u64; rows]);
    let mut keyed = vec![true; rows];
    let mut null_keys = Vec::new();
    digest::digest_batch(
        keys,
        values,
        whole_rows,
        0,
        |d| {
            let r = d.ordinal as usize;
            (key_hi[r], key_lo[r], row_hi[r], row_lo[r]) = (d.key_hi, d.key_lo, d.row_hi, d.row_lo);
        },
        |ordinal, row_hash| null_keys.push((ordinal as usize, row_hash)),
    )?;
    for (r, row_hash) in null_keys {
        keyed[r] = false;
        (row_hi[r], row_lo[r]) = ((row_hash >> 64) as u64, row_hash as u64);
    }
    let nulls = arrow::buffer::NullBuffer::from(keyed);
    let nullable = |v: Vec<u64>| Arc::new(UInt64Array::new(v.into(), Some(nulls.clone()))) as ArrayRef;
    let plain = |v: Vec<u64>| Arc::new(UInt64Array::from(v)) as ArrayRef;
    let columns = vec![nullable(key_hi), nullable(key_lo), plain(row_hi), plain(row_lo)];
    Ok(Arc::new(StructArray::try_new(digest_fields(), columns, None)?))
}

/// `recon_digest_part(d, i)`: field `i` (a literal) of a digest. DataFusion's `get_field` would do, but its
/// optimizer moves `get_field` below the projection that made `d`, copying `recon_digest` into each of the four
/// fields: every row would be hashed four times.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DigestPart {
    signature: Signature,
}

impl Default for DigestPart {
    fn default() -> Self {
        DigestPart { signature: Signature::any(2, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for DigestPart {
    fn name(&self) -> &str {
        PART
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::UInt64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match args.args.as_slice() {
            [ColumnarValue::Array(digest), ColumnarValue::Scalar(ScalarValue::UInt64(Some(field)))]
                if (*field as usize) < digest_fields().len() =>
            {
                Ok(ColumnarValue::Array(digest.as_struct().column(*field as usize).clone()))
            }
            _ => exec_err!("{PART} takes ({DIGEST}(…), field number)"),
        }
    }
}

/// `recon_fingerprint(row_hi, row_lo)`: a group's [`Fingerprint`], its rows and wrapped sum of row hashes.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct FingerprintUdaf {
    signature: Signature,
}

impl Default for FingerprintUdaf {
    fn default() -> Self {
        FingerprintUdaf { signature: Signature::exact(vec![DataType::UInt64, DataType::UInt64], Volatility::Immutable) }
    }
}

impl AggregateUDFImpl for FingerprintUdaf {
    fn name(&self) -> &str {
        FINGERPRINT
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(fingerprint_fields()))
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Fingerprints(vec![Fingerprint::default()])))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let named = |f: &FieldRef| Arc::new(f.as_ref().clone().with_name(format_state_name(args.name, f.name())));
        Ok(fingerprint_fields().iter().map(named).collect())
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(Fingerprints(Vec::new())))
    }
}

/// One fingerprint per group (a plain accumulator is the one group 0).
#[derive(Debug)]
struct Fingerprints(Vec<Fingerprint>);

impl Fingerprints {
    fn grow(&mut self, groups: usize) {
        if self.0.len() < groups {
            self.0.resize(groups, Fingerprint::default());
        }
    }

    /// Adds row hashes (`hi`, `lo`) to the groups `groups` names, one group per row.
    fn add(&mut self, hi: &ArrayRef, lo: &ArrayRef, groups: impl Iterator<Item = usize>) {
        let (hi, lo) = (hi.as_primitive::<UInt64Type>(), lo.as_primitive::<UInt64Type>());
        for (row, group) in groups.enumerate() {
            self.0[group].add(((hi.value(row) as u128) << 64) | lo.value(row) as u128);
        }
    }

    /// Merges partial fingerprints (`rows`, `hi`, `lo` columns) into the groups `groups` names.
    fn merge(&mut self, states: &[ArrayRef], groups: impl Iterator<Item = usize>) -> Result<()> {
        let [rows, hi, lo] = states else { return exec_err!("{FINGERPRINT}: a state has three columns") };
        let (rows, hi, lo) =
            (rows.as_primitive::<UInt64Type>(), hi.as_primitive::<UInt64Type>(), lo.as_primitive::<UInt64Type>());
        for (row, group) in groups.enumerate() {
            let sum = ((hi.value(row) as u128) << 64) | lo.value(row) as u128;
            self.0[group].merge(&Fingerprint { rows: rows.value(row), sum });
        }
        Ok(())
    }

    fn columns(fingerprints: &[Fingerprint]) -> Vec<ArrayRef> {
        let column =
            |f: fn(&Fingerprint) -> u64| Arc::new(fingerprints.iter().map(f).collect::<UInt64Array>()) as ArrayRef;
        vec![column(|f| f.rows), column(|f| (f.sum >> 64) as u64), column(|f| f.sum as u64)]
    }
}

impl GroupsAccumulator for Fingerprints {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        if opt_filter.is_some() {
            return exec_err!("{FINGERPRINT} takes no FILTER clause");
        }
        self.grow(total_num_groups);
        let [hi, lo] = values else { return exec_err!("{FINGERPRINT} takes (row_hi, row_lo)") };
        self.add(hi, lo, group_indices.iter().copied());
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let emitted = emit_to.take_needed(&mut self.0);
        Ok(Arc::new(StructArray::try_new(fingerprint_fields(), Self::columns(&emitted), None)?))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(Self::columns(&emit_to.take_needed(&mut self.0)))
    }

    fn merge_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_num_groups: usize) -> Result<()> {
        self.grow(total_num_groups);
        self.merge(values, group_indices.iter().copied())
    }

    /// Each row as a group of its own: one row, its hash as the sum.
    fn convert_to_state(&self, values: &[ArrayRef], opt_filter: Option<&BooleanArray>) -> Result<Vec<ArrayRef>> {
        if opt_filter.is_some() {
            return exec_err!("{FINGERPRINT} takes no FILTER clause");
        }
        let [hi, lo] = values else { return exec_err!("{FINGERPRINT} takes (row_hi, row_lo)") };
        let ones: ArrayRef = Arc::new(UInt64Array::from(vec![1u64; hi.len()]));
        Ok(vec![ones, hi.clone(), lo.clone()])
    }

    fn size(&self) -> usize {
        self.0.capacity() * std::mem::size_of::<Fingerprint>()
    }
}

impl Accumulator for Fingerprints {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let [hi, lo] = values else { return exec_err!("{FINGERPRINT} takes (row_hi, row_lo)") };
        self.add(hi, lo, std::iter::repeat_n(0, hi.len()));
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let array = StructArray::try_new(fingerprint_fields(), Self::columns(&self.0), None)?;
        ScalarValue::try_from_array(&array, 0)
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.0.capacity() * std::mem::size_of::<Fingerprint>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Self::columns(&self.0).iter().map(|column| ScalarValue::try_from_array(column, 0)).collect()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let rows = states.first().map_or(0, |s| s.len());
        self.merge(states, std::iter::repeat_n(0, rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};

    /// The function's hashes are the local engine's, NULL keys included.
    #[test]
    fn the_digest_function_hashes_as_pass_one() {
        let keys: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(3)]));
        let values: ArrayRef = Arc::new(StringArray::from(vec!["a", "b", "c"]));
        let (mut local, mut keyless) = (Vec::new(), Vec::new());
        digest::digest_batch(
            std::slice::from_ref(&keys),
            std::slice::from_ref(&values),
            false,
            0,
            |d| local.push(d),
            |o, h| keyless.push((o, h)),
        )
        .unwrap();
        let out = digest_rows(&[keys], &[values], false, 3).unwrap();
        let out = out.as_struct();
        let column = |i: usize| out.column(i).as_primitive::<UInt64Type>().clone();
        assert_eq!(column(0).null_count(), 1);
        assert_eq!((column(0).value(0), column(1).value(0)), (local[0].key_hi, local[0].key_lo));
        assert_eq!((column(2).value(2), column(3).value(2)), (local[1].row_hi, local[1].row_lo));
        assert_eq!(((column(2).value(1) as u128) << 64) | column(3).value(1) as u128, keyless[0].1);
    }

    /// Partial fingerprints merged give the fingerprint of all rows, whatever the grouping of the parts.
    #[test]
    fn merged_fingerprints_equal_one_pass() {
        let hi: ArrayRef = Arc::new(UInt64Array::from(vec![u64::MAX, 7, u64::MAX]));
        let lo: ArrayRef = Arc::new(UInt64Array::from(vec![u64::MAX, 1, 2]));
        let mut whole = Fingerprints(Vec::new());
        GroupsAccumulator::update_batch(&mut whole, &[hi.clone(), lo.clone()], &[0, 0, 0], None, 1).unwrap();
        let mut parts = Fingerprints(Vec::new());
        GroupsAccumulator::update_batch(&mut parts, &[hi.slice(0, 1), lo.slice(0, 1)], &[0], None, 1).unwrap();
        let mut rest = Fingerprints(Vec::new());
        GroupsAccumulator::update_batch(&mut rest, &[hi.slice(1, 2), lo.slice(1, 2)], &[0, 0], None, 1).unwrap();
        let state = GroupsAccumulator::state(&mut rest, EmitTo::All).unwrap();
        GroupsAccumulator::merge_batch(&mut parts, &state, &[0], 1).unwrap();
        let mut expected = Fingerprint::default();
        for (h, l) in [(u64::MAX, u64::MAX), (7, 1), (u64::MAX, 2)] {
            expected.add(((h as u128) << 64) | l as u128);
        }
        assert_eq!(whole.0, vec![expected]);
        assert_eq!(parts.0, vec![expected]);
        assert_eq!(expected.rows, 3);
    }
}
