//! Finding keys as history keeps them: each key's canonical values as a JSON array of text (Arrow's own
//! rendering: exact for integers, decimals, dates, timestamps and text; binaries as hex), the key's columns
//! and canonical Arrow types once per run, and the way back to canonical Arrow arrays, so that an open
//! finding's key can be read again and hashed exactly as a comparison hashes it.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BinaryArray, StringArray};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::digest::digest_batch;
use crate::error::{Error, Result};

/// A key column as a run records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyColumn {
    pub name: String,
    /// The canonical Arrow type, as Arrow writes it.
    #[serde(rename = "type")]
    pub data_type: String,
}

/// The key columns of a comparison as JSON, from their names and canonical arrays.
pub fn columns_json(names: &[String], values: &[ArrayRef], types: &[DataType]) -> String {
    let columns: Vec<KeyColumn> = names
        .iter()
        .zip(types.iter().chain(std::iter::repeat(&DataType::Null)))
        .enumerate()
        .map(|(i, (name, fallback))| KeyColumn {
            name: name.clone(),
            data_type: values.get(i).map_or(fallback, |v| v.data_type()).to_string(),
        })
        .collect();
    serde_json::to_string(&columns).unwrap_or_else(|_| "[]".into())
}

/// The canonical types of the key columns a run recorded.
pub fn column_types(json: &str) -> Result<Vec<DataType>> {
    let columns: Vec<KeyColumn> =
        serde_json::from_str(json).map_err(|e| Error::internal(format!("history key columns {json:?}: {e}")))?;
    columns
        .iter()
        .map(|c| {
            c.data_type
                .parse::<DataType>()
                .map_err(|e| Error::internal(format!("history key type {}: {e}", c.data_type)))
        })
        .collect()
}

/// Each row's key as JSON text: `["7","O'Brien",null]`.
pub fn key_texts(values: &[ArrayRef]) -> Result<Vec<String>> {
    let rows = values.first().map_or(0, |v| v.len());
    let options = FormatOptions::default();
    let formatters: Vec<ArrayFormatter> = values
        .iter()
        .map(|v| ArrayFormatter::try_new(v.as_ref(), &options).map_err(|e| Error::arrow("history keys", e)))
        .collect::<Result<_>>()?;
    Ok((0..rows)
        .map(|row| {
            let parts: Vec<Value> = values
                .iter()
                .zip(&formatters)
                .map(|(v, f)| if v.is_null(row) { Value::Null } else { Value::String(f.value(row).to_string()) })
                .collect();
            Value::Array(parts).to_string()
        })
        .collect())
}

/// Keys kept as JSON text back as canonical arrays of `types`.
pub fn key_arrays(texts: &[&str], types: &[DataType]) -> Result<Vec<ArrayRef>> {
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(texts.len()); types.len()];
    for text in texts {
        let parts: Vec<Option<String>> = serde_json::from_str::<Vec<Value>>(text)
            .map_err(|e| Error::internal(format!("history key {text:?}: {e}")))?
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect();
        if parts.len() != types.len() {
            return Err(Error::internal(format!("history key {text:?} does not have {} values", types.len())));
        }
        for (column, part) in columns.iter_mut().zip(parts) {
            column.push(part);
        }
    }
    columns.into_iter().zip(types).map(|(values, data_type)| typed(values, data_type)).collect()
}

/// One column of key texts as its canonical type: parsed by Arrow's cast, hex for binaries.
fn typed(values: Vec<Option<String>>, data_type: &DataType) -> Result<ArrayRef> {
    if matches!(data_type, DataType::Binary) {
        let bytes: Vec<Option<Vec<u8>>> =
            values.iter().map(|v| v.as_deref().map(unhex).transpose()).collect::<Result<_>>()?;
        return Ok(Arc::new(BinaryArray::from_iter(bytes)));
    }
    let text: ArrayRef = Arc::new(StringArray::from(values));
    let strict = arrow::compute::CastOptions { safe: false, ..Default::default() };
    arrow::compute::cast_with_options(&text, data_type, &strict).map_err(|e| Error::arrow("history keys", e))
}

fn unhex(text: &str) -> Result<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| Error::internal(format!("history key {text:?} is not hex")))
        })
        .collect()
}

/// The key hash of each row of canonical key arrays, as pass one computes it (`whole_rows`: a keyless
/// comparison's whole-row key); `None` for a key with a NULL part.
pub fn key_hashes(keys: &[ArrayRef], whole_rows: bool) -> Result<Vec<Option<u128>>> {
    let rows = keys.first().map_or(0, |k| k.len());
    let mut hashes = vec![None; rows];
    digest_batch(keys, &[], whole_rows, 0, |d| hashes[d.ordinal as usize] = Some(d.key()), |_, _| {})
        .map_err(|e| Error::arrow("history keys", e))?;
    Ok(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Date32Array, Decimal128Array, Int64Array, TimestampMicrosecondArray};

    #[test]
    fn keys_round_trip_through_text_to_the_same_hash() {
        let values: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![Some(7), Some(-1), None])),
            Arc::new(StringArray::from(vec!["O'Brien \"x\"", "", "é"])),
            Arc::new(Decimal128Array::from(vec![12345, -5, 0]).with_precision_and_scale(12, 2).unwrap()),
            Arc::new(Date32Array::from(vec![0, 19000, -1])),
            Arc::new(TimestampMicrosecondArray::from(vec![1, 1_700_000_000_123_456, 0]).with_timezone("+00:00")),
            Arc::new(BinaryArray::from_vec(vec![b"\x00\xff", b"", b"ab"])),
        ];
        let types: Vec<DataType> = values.iter().map(|v| v.data_type().clone()).collect();
        let json =
            columns_json(&["a".into(), "b".into(), "c".into(), "d".into(), "e".into(), "f".into()], &values, &[]);
        assert_eq!(column_types(&json).unwrap(), types);
        let texts = key_texts(&values).unwrap();
        assert_eq!(texts[0], r#"["7","O'Brien \"x\"","123.45","1970-01-01","1970-01-01T00:00:00.000001Z","00ff"]"#);
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let back = key_arrays(&refs, &types).unwrap();
        for (a, b) in values.iter().zip(&back) {
            assert_eq!(a.as_ref(), b.as_ref());
        }
        let hashes = key_hashes(&back, false).unwrap();
        assert_eq!(hashes, key_hashes(&values, false).unwrap());
        assert!(hashes[0].is_some() && hashes[2].is_none(), "a NULL key part has no key hash");
    }
}
