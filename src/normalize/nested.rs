//! Nested values — lists, structs, maps (and PostgreSQL arrays and composites, which sources read as lists and
//! structs) — compared as values: the policy applied inside, one canonical form per level.
//!
//! - a list (`List`, `LargeList`, `FixedSizeList`) against a list compares element by element, in order, each
//!   element under the canonical form of the two element types;
//! - a struct against a struct compares its fields **by name**, whatever their order on either side; a field
//!   only one side has is refused, naming it (`address.zip`): recon would otherwise have to invent its value;
//! - a map against a map compares its entries as a set of key-value pairs: their order never matters;
//! - a nested column against a flat one (JSON text included) is refused by name: JSON text against JSON text
//!   stays canonical JSON (see `declared.rs`), but recon does not parse JSON into a nested form.
//!
//! The encoding (`digest::encode`) keeps a NULL list, an empty list and a list holding one NULL apart.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, GenericListArray, MapArray, OffsetSizeTrait, StructArray};
use arrow::compute::cast_with_options;
use arrow::datatypes::{DataType, Field, FieldRef, Fields};
use arrow::error::ArrowError;

use super::policy::SidePolicy;
use super::{canonicalize, Canon, Resolution, STRICT};
use crate::error::{Error, Result};

/// Whether a type holds nested values.
pub(crate) fn is_nested(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::List(_)
            | DataType::LargeList(_)
            | DataType::FixedSizeList(..)
            | DataType::ListView(_)
            | DataType::LargeListView(_)
            | DataType::Struct(_)
            | DataType::Map(..)
    )
}

/// The element field of a list type.
fn element(data_type: &DataType) -> Option<&FieldRef> {
    match data_type {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => Some(f),
        _ => None,
    }
}

/// The key and value fields of a map type.
fn entries(data_type: &DataType) -> Option<(&FieldRef, &FieldRef)> {
    match data_type {
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(fields) if fields.len() == 2 => Some((&fields[0], &fields[1])),
            _ => None,
        },
        _ => None,
    }
}

/// How the parts of two nested values compare: `resolve_fields`, passed in by the caller that resolves whole
/// columns (`declared.rs`).
pub(crate) type Parts<'a> = &'a dyn Fn(&str, &Field, &Field) -> Result<Resolution>;

/// The canonical form of two nested types of the same kind, each part resolved by `parts`; `None` when they
/// are not of the same kind (the caller refuses them). `path` names the level (`address.city`, `tags[]`).
pub(crate) fn resolve(path: &str, source: &Field, target: &Field, parts: Parts) -> Option<Result<Resolution>> {
    let (s, t) = (source.data_type(), target.data_type());
    if let (Some(a), Some(b)) = (element(s), element(t)) {
        return Some(
            parts(&format!("{path}[]"), a, b)
                .map(|inner| Resolution { canon: Canon::List(Box::new(inner.canon)), lossy: inner.lossy }),
        );
    }
    if let (Some((sk, sv)), Some((tk, tv))) = (entries(s), entries(t)) {
        let map = || -> Result<Resolution> {
            let key = parts(&format!("{path}{{key}}"), sk, tk)?;
            let value = parts(&format!("{path}{{value}}"), sv, tv)?;
            let lossy = key.lossy || value.lossy;
            Ok(Resolution { canon: Canon::Map(Box::new(key.canon), Box::new(value.canon)), lossy })
        };
        return Some(map());
    }
    match (s, t) {
        (DataType::Struct(a), DataType::Struct(b)) => Some(structs(path, a, b, parts)),
        _ => None,
    }
}

/// Two structs' fields matched by name (exactly, else ignoring case when that is unambiguous), in the
/// source's order; a field on one side only is refused, named.
fn structs(path: &str, source: &Fields, target: &Fields, parts: Parts) -> Result<Resolution> {
    let mut members = Vec::with_capacity(source.len());
    let mut lossy = false;
    for field in source {
        let Some(other) = find(target, field.name()) else {
            return Err(only_on(path, field.name(), "source"));
        };
        let inner = parts(&format!("{path}.{}", field.name()), field, other)?;
        lossy |= inner.lossy;
        members.push((field.name().clone(), inner.canon));
    }
    if let Some(extra) = target.iter().find(|f| find(source, f.name()).is_none()) {
        return Err(only_on(path, extra.name(), "target"));
    }
    Ok(Resolution { canon: Canon::Struct(members), lossy })
}

fn only_on(path: &str, field: &str, side: &str) -> Error {
    Error::column(
        format!("{path}.{field}"),
        format!(
            "struct field {path}.{field} is only in the {side}: recon compares structs field by field, by name, \
             and will not guess a missing field's value; leave the column out with --exclude {}",
            root(path)
        ),
    )
}

/// A struct's field named `name`: the exact name, else the one field equal to it ignoring ASCII case.
fn find<'a>(fields: &'a Fields, name: &str) -> Option<&'a FieldRef> {
    fields.iter().find(|f| f.name() == name).or_else(|| {
        let mut same = fields.iter().filter(|f| f.name().eq_ignore_ascii_case(name));
        match (same.next(), same.next()) {
            (Some(f), None) => Some(f),
            _ => None,
        }
    })
}

/// The column a path starts from: `address` of `address.city`, `tags` of `tags[]`.
pub(crate) fn root(path: &str) -> &str {
    let end = path.find(['.', '[', '{']).unwrap_or(path.len());
    &path[..end]
}

/// One side's nested array in its canonical form: lists as `List` (or `LargeList`), structs with the
/// canonical fields in canonical order, maps with canonical keys and values; NULLs at every level kept.
pub(crate) fn canonical(array: &ArrayRef, canon: &Canon, policy: &SidePolicy) -> Result<ArrayRef, ArrowError> {
    if array.data_type() == &DataType::Null {
        // A column with no type (every value NULL): the encoding writes NULLs whatever the form.
        return Ok(array.clone());
    }
    match (canon, array.data_type()) {
        (Canon::List(inner), DataType::List(_)) => list(array.as_list::<i32>(), inner, policy),
        (Canon::List(inner), DataType::LargeList(_)) => list(array.as_list::<i64>(), inner, policy),
        (Canon::List(inner), DataType::FixedSizeList(field, _)) => {
            let listed = cast_with_options(array, &DataType::List(field.clone()), &STRICT)?;
            list(listed.as_list::<i32>(), inner, policy)
        }
        (Canon::Struct(members), DataType::Struct(_)) => {
            let array = array.as_struct();
            let mut fields = Vec::with_capacity(members.len());
            let mut columns = Vec::with_capacity(members.len());
            for (name, inner) in members {
                let (at, _) = array
                    .fields()
                    .iter()
                    .enumerate()
                    .find(|(_, f)| Some(*f) == find(array.fields(), name))
                    .ok_or_else(|| ArrowError::SchemaError(format!("no struct field {name}")))?;
                let column = canonicalize(array.column(at), inner, policy)?;
                fields.push(Field::new(name, column.data_type().clone(), true));
                columns.push(column);
            }
            Ok(Arc::new(StructArray::try_new(fields.into(), columns, array.nulls().cloned())?))
        }
        (Canon::Map(key, value), DataType::Map(..)) => {
            let map = array.as_map();
            let keys = canonicalize(map.keys(), key, policy)?;
            let values = canonicalize(map.values(), value, policy)?;
            let fields = Fields::from(vec![
                Field::new("key", keys.data_type().clone(), false),
                Field::new("value", values.data_type().clone(), true),
            ]);
            let entries = StructArray::try_new(fields.clone(), vec![keys, values], None)?;
            let field = Arc::new(Field::new("entries", DataType::Struct(fields), false));
            Ok(Arc::new(MapArray::try_new(field, map.offsets().clone(), entries, map.nulls().cloned(), false)?))
        }
        (canon, other) => Err(ArrowError::CastError(format!("cannot compare {other} as {canon:?}"))),
    }
}

fn list<O: OffsetSizeTrait>(
    array: &GenericListArray<O>,
    inner: &Canon,
    policy: &SidePolicy,
) -> Result<ArrayRef, ArrowError> {
    let values = canonicalize(array.values(), inner, policy)?;
    let field = Arc::new(Field::new_list_field(values.data_type().clone(), true));
    Ok(Arc::new(GenericListArray::<O>::try_new(field, array.offsets().clone(), values, array.nulls().cloned())?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::resolve;

    fn list_of(data_type: DataType) -> DataType {
        DataType::new_list(data_type, true)
    }

    fn structure(fields: &[(&str, DataType)]) -> DataType {
        DataType::Struct(fields.iter().map(|(n, t)| Field::new(*n, t.clone(), true)).collect())
    }

    #[test]
    fn lists_compare_their_elements_under_the_policy() {
        let r = resolve("tags", &list_of(DataType::Int32), &DataType::new_large_list(DataType::Int64, true)).unwrap();
        assert_eq!(r.canon, Canon::List(Box::new(Canon::Int)));
        let r = resolve("m", &list_of(DataType::Decimal128(10, 1)), &list_of(DataType::Decimal128(12, 2))).unwrap();
        assert_eq!(r.canon, Canon::List(Box::new(Canon::Decimal { precision: 38, scale: 2 })));
    }

    #[test]
    fn structs_match_fields_by_name_whatever_their_order() {
        let a = structure(&[("street", DataType::Utf8), ("zip", DataType::Int32)]);
        let b = structure(&[("zip", DataType::Int64), ("street", DataType::Utf8)]);
        let r = resolve("address", &a, &b).unwrap();
        assert_eq!(r.canon, Canon::Struct(vec![("street".into(), Canon::Text), ("zip".into(), Canon::Int)]));
    }

    #[test]
    fn a_struct_field_on_one_side_only_is_refused_by_name() {
        let a = structure(&[("street", DataType::Utf8), ("city", DataType::Utf8)]);
        let b = structure(&[("street", DataType::Utf8)]);
        let err = resolve("address", &a, &b).unwrap_err().to_string();
        assert!(err.contains("address.city is only in the source") && err.contains("--exclude address"), "{err}");
        let err = resolve("address", &b, &a).unwrap_err().to_string();
        assert!(err.contains("address.city is only in the target"), "{err}");
    }

    #[test]
    fn a_nested_column_against_a_flat_one_is_refused_by_name() {
        let err = resolve("tags", &list_of(DataType::Utf8), &DataType::Utf8).unwrap_err().to_string();
        assert!(err.contains("column tags") && err.contains("--exclude tags"), "{err}");
        let inner = structure(&[("a", list_of(DataType::Boolean))]);
        let err = resolve("s", &inner, &structure(&[("a", DataType::Boolean)])).unwrap_err().to_string();
        assert!(err.contains("column s.a") && err.contains("--exclude s"), "{err}");
    }

    #[test]
    fn a_struct_is_canonical_in_the_source_order_on_both_sides() {
        use arrow::array::{Int32Array, StringArray};
        let fields = |names: [&str; 2]| -> Fields {
            vec![Field::new(names[0], DataType::Utf8, true), Field::new(names[1], DataType::Int32, true)].into()
        };
        let canon = Canon::Struct(vec![("street".into(), Canon::Text), ("zip".into(), Canon::Int)]);
        let street: ArrayRef = Arc::new(StringArray::from(vec!["Main"]));
        let zip: ArrayRef = Arc::new(Int32Array::from(vec![7]));
        let a: ArrayRef =
            Arc::new(StructArray::new(fields(["street", "zip"]), vec![street.clone(), zip.clone()], None));
        let reordered = Fields::from(vec![fields(["x", "zip"])[1].clone(), fields(["street", "x"])[0].clone()]);
        let b: ArrayRef = Arc::new(StructArray::new(reordered, vec![zip, street], None));
        let policy = SidePolicy::default();
        let (a, b) = (canonical(&a, &canon, &policy).unwrap(), canonical(&b, &canon, &policy).unwrap());
        assert_eq!(a.as_ref(), b.as_ref());
    }

    #[test]
    fn a_fixed_size_list_is_canonical_as_a_list() {
        use arrow::array::{FixedSizeListArray, Int32Array, ListArray};
        let values: ArrayRef = Arc::new(Int32Array::from(vec![1, 2, 3, 4]));
        let item = Arc::new(Field::new_list_field(DataType::Int32, true));
        let fixed: ArrayRef = Arc::new(FixedSizeListArray::new(item.clone(), 2, values.clone(), None));
        let offsets = arrow::buffer::OffsetBuffer::from_lengths([2, 2]);
        let list: ArrayRef = Arc::new(ListArray::new(item, offsets, values, None));
        let canon = resolve("pairs", fixed.data_type(), list.data_type()).unwrap().canon;
        assert_eq!(canon, Canon::List(Box::new(Canon::Int)));
        let policy = SidePolicy::default();
        assert_eq!(
            canonical(&fixed, &canon, &policy).unwrap().as_ref(),
            canonical(&list, &canon, &policy).unwrap().as_ref()
        );
    }
}
