//! Where two nested values differ: the first differing leaf, its path from the column (list positions 0-based
//! in brackets, struct fields after a dot, map keys in braces: `tags[3]`, `address.city`, `attrs{"color"}`), and the leaf's two encodings, so that a cause is decided on the leaf
//! values as on a flat column (a float rounded inside a struct is still `rounding`).
//!
//! Parts are walked in the canonical order: list elements by position, struct fields in the canonical field
//! order, map entries by their keys' encodings. Where the shapes differ — a NULL against a value, lists of
//! different lengths, a map key on one side only — the leaf is that level itself: its path names the first
//! position or key that only one side has, and its cause is decided on the two whole values.

use crate::digest::encode::{decode, Decoded, Nesting};
use crate::normalize::Canon;

/// The first differing leaf of two values of one column.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf<'a> {
    /// From the column's name: `tags[3]`, `address.city`; the column's name for a flat column.
    pub path: String,
    pub canon: &'a Canon,
    pub source: &'a [u8],
    pub target: &'a [u8],
}

/// The first leaf at which the encodings `source` and `target` of a column compared as `canon` differ; for
/// equal values or a flat column, the values themselves at the column's path.
pub fn first_difference<'a>(column: &str, canon: &'a Canon, source: &'a [u8], target: &'a [u8]) -> Leaf<'a> {
    let mut path = column.to_string();
    let (mut canon, mut source, mut target) = (canon.base(), source, target);
    loop {
        let Some((step, inner, a, b)) = step(canon, source, target) else {
            return Leaf { path, canon, source, target };
        };
        path.push_str(&step.text);
        if !step.descend {
            return Leaf { path, canon, source, target };
        }
        (canon, source, target) = (inner.base(), a, b);
    }
}

/// One level down: the path step to the first differing part, and whether both sides have it (else the
/// leaf is this level).
struct Step {
    text: String,
    descend: bool,
}

fn step<'a>(canon: &'a Canon, source: &'a [u8], target: &'a [u8]) -> Option<(Step, &'a Canon, &'a [u8], &'a [u8])> {
    if source == target {
        return None;
    }
    let (Some((a, _)), Some((b, _))) = (decode(source), decode(target)) else { return None };
    let (Decoded::Nested { kind: ka, .. }, Decoded::Nested { kind: kb, .. }) = (a, b) else { return None };
    let (pa, pb) = (a.parts(), b.parts());
    match (canon, ka, kb) {
        (Canon::List(inner), Nesting::List, Nesting::List) => {
            let at = pa.iter().zip(&pb).position(|(x, y)| x != y).unwrap_or(pa.len().min(pb.len()));
            let text = format!("[{at}]");
            match (pa.get(at), pb.get(at)) {
                (Some(x), Some(y)) => Some((Step { text, descend: true }, inner, x, y)),
                _ => Some((Step { text, descend: false }, canon, source, target)),
            }
        }
        (Canon::Struct(members), Nesting::Struct, Nesting::Struct) => {
            let at = pa.iter().zip(&pb).position(|(x, y)| x != y)?;
            let (name, inner) = members.get(at)?;
            Some((Step { text: format!(".{name}"), descend: true }, inner, pa[at], pb[at]))
        }
        (Canon::Map(key, value), Nesting::Map, Nesting::Map) => {
            let entries = |parts: &[&'a [u8]]| -> Vec<(&'a [u8], &'a [u8])> {
                parts.chunks(2).filter_map(|e| Some((*e.first()?, *e.get(1)?))).collect()
            };
            let (ea, eb) = (entries(&pa), entries(&pb));
            let mut keys: Vec<&[u8]> = ea.iter().chain(&eb).map(|(k, _)| *k).collect();
            keys.sort_unstable();
            keys.dedup();
            for k in keys {
                let find = |entries: &[(&'a [u8], &'a [u8])]| entries.iter().find(|(x, _)| *x == k).map(|(_, v)| *v);
                let text = format!("{{{}}}", key_text(key, k));
                match (find(&ea), find(&eb)) {
                    (Some(x), Some(y)) if x == y => continue,
                    (Some(x), Some(y)) => return Some((Step { text, descend: true }, value, x, y)),
                    _ => return Some((Step { text, descend: false }, canon, source, target)),
                }
            }
            None
        }
        _ => None,
    }
}

/// A map key as a path shows it: text quoted as JSON, numbers as they are, anything else as hex.
fn key_text(canon: &Canon, key: &[u8]) -> String {
    use super::causes::View;
    match decode(key).map(|(v, _)| View::of(canon, v)) {
        Some(View::Text(text)) => serde_json::Value::String(text.to_string()).to_string(),
        Some(View::Number(number)) => number.into_owned(),
        _ => hex(key),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Builder, Int64Builder, ListBuilder, MapBuilder, StringBuilder, StructArray};
    use arrow::datatypes::{DataType, Field};

    use super::*;
    use crate::digest::encode::encodings;

    fn lists(values: &[Option<Vec<Option<i64>>>]) -> Vec<Vec<u8>> {
        let mut builder = ListBuilder::new(Int64Builder::new());
        for v in values {
            match v {
                Some(items) => {
                    items.iter().for_each(|i| builder.values().append_option(*i));
                    builder.append(true)
                }
                None => builder.append(false),
            }
        }
        encodings(&builder.finish()).unwrap()
    }

    #[test]
    fn a_list_differs_at_its_first_differing_element_or_at_the_first_position_one_side_lacks() {
        let canon = Canon::List(Box::new(Canon::Int));
        let e = lists(&[
            Some(vec![Some(1), Some(2), Some(3)]),
            Some(vec![Some(1), Some(5), Some(3)]),
            Some(vec![Some(1)]),
            None,
        ]);
        let leaf = first_difference("tags", &canon, &e[0], &e[1]);
        assert_eq!((leaf.path.as_str(), leaf.canon), ("tags[1]", &Canon::Int));
        assert_eq!(decode(leaf.target).unwrap().0, Decoded::Int(5));
        let leaf = first_difference("tags", &canon, &e[0], &e[2]);
        assert_eq!((leaf.path.as_str(), leaf.source), ("tags[1]", &e[0][..]));
        let leaf = first_difference("tags", &canon, &e[0], &e[3]);
        assert_eq!((leaf.path.as_str(), leaf.target), ("tags", &e[3][..]), "a NULL list differs as a whole");
    }

    #[test]
    fn a_struct_differs_at_its_field_and_a_map_at_its_key() {
        let mut floats = Float64Builder::new();
        floats.append_value(1.5);
        floats.append_value(1.25);
        let column: ArrayRef = Arc::new(floats.finish());
        let structs = StructArray::from(vec![(Arc::new(Field::new("price", DataType::Float64, true)), column)]);
        let e = encodings(&structs).unwrap();
        let canon = Canon::Struct(vec![("price".into(), Canon::Float64)]);
        let leaf = first_difference("item", &canon, &e[0], &e[1]);
        assert_eq!((leaf.path.as_str(), leaf.canon), ("item.price", &Canon::Float64));

        let mut maps = MapBuilder::new(None, StringBuilder::new(), Int64Builder::new());
        for entries in [[("size", 1), ("color", 2)], [("color", 2), ("size", 3)]] {
            for (k, v) in entries {
                maps.keys().append_value(k);
                maps.values().append_value(v);
            }
            maps.append(true).unwrap();
        }
        let e = encodings(&maps.finish()).unwrap();
        let canon = Canon::Map(Box::new(Canon::Text), Box::new(Canon::Int));
        assert_eq!(first_difference("attrs", &canon, &e[0], &e[1]).path, "attrs{\"size\"}");
    }
}
