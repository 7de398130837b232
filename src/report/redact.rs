//! `--redact`: the values in a report's examples replaced by a short keyed hash, so that a report attached to
//! a ticket carries no personal data, while equal values still look equal within it.
//!
//! One transformation of the [`Report`] (of each table's report in an [`AuditReport`]), applied before any
//! writer runs, so no output — JSON, terminal table, HTML, JUnit, Markdown — can show what it removed. Keys,
//! counts and column names stay; a keyless comparison's "key" is the whole row, so its values go too. NULL
//! stays NULL: it holds no data, and NULL against `""` is often the very difference to see.
//!
//! The hash is HMAC-SHA-256 under a 256-bit key drawn from the operating system's generator for each run and
//! never written anywhere: within one report a value always gets the same hash, but nobody — recon included —
//! can compute a hash of a guessed value to look it up, nor match hashes across two runs. Eight hex digits
//! (32 bits) are shown: enough that two of the few thousand values a report shows collide with odds below
//! one in a thousand, short enough to read in a table cell.

use ring::hmac;
use ring::rand::SystemRandom;
use serde_json::Value;

use super::audit::AuditReport;
use super::{Example, Report};
use crate::error::{Error, Result};
use crate::profile::{ColumnProfile, Pair, Profile};

/// Hex digits of the hash shown (see the module's note on 32 bits).
const SHOWN_HEX_DIGITS: usize = 8;

/// Replaces values by their keyed hash; one per run, so equal values look equal across a whole audit.
pub struct Redactor {
    key: hmac::Key,
}

impl Redactor {
    /// A redactor under a fresh random key.
    pub fn random() -> Result<Redactor> {
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &SystemRandom::new())
            .map_err(|_| Error::internal("--redact: the system's random generator failed"))?;
        Ok(Redactor { key })
    }

    /// `#` and the first hex digits of the value's HMAC.
    pub fn hash(&self, text: &str) -> String {
        let tag = hmac::sign(&self.key, text.as_bytes());
        let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        format!("#{}", &hex[..SHOWN_HEX_DIGITS])
    }

    /// A JSON value with every scalar but NULL replaced by its hash (objects and arrays keep their shape).
    pub fn value(&self, value: &Value) -> Value {
        match value {
            Value::Null => Value::Null,
            Value::Array(items) => Value::Array(items.iter().map(|v| self.value(v)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), self.value(v))).collect()),
            // Hashed as JSON text, so that `7` and `"7"` stay distinct.
            scalar => Value::String(self.hash(&scalar.to_string())),
        }
    }

    /// Redacts a diff report's examples in place and marks it redacted.
    pub fn report(&self, report: &mut Report) {
        let keyless = report.keyless;
        report.examples =
            report.examples.map(|_, examples| examples.iter().map(|e| self.example(e, keyless)).collect());
        if let Some(profile) = &mut report.profile {
            self.profile(profile);
        }
        report.redacted = true;
    }

    /// Redacts every table report of an audit.
    pub fn audit(&self, audit: &mut AuditReport) {
        for report in audit.tables.iter_mut().filter_map(|t| t.report.as_mut()) {
            self.report(report);
        }
    }

    /// `--redact`: the values a profile shows — extremes, and the groups of a column grouped whole — as keyed
    /// hashes; counts, sums and lengths are no one's data.
    pub fn profile(&self, profile: &mut Profile) {
        let hash = |pair: &mut Option<Pair<Value>>| {
            if let Some(pair) = pair {
                (pair.source, pair.target) = (self.value(&pair.source), self.value(&pair.target));
            }
        };
        let columns = |columns: &mut crate::profile::Named<ColumnProfile>| {
            for (_, column) in &mut columns.0 {
                hash(&mut column.min);
                hash(&mut column.max);
            }
        };
        columns(&mut profile.columns);
        let whole = profile.group_by.as_deref().is_some_and(|g| !g.ends_with(":month") && !g.ends_with(":day"));
        for group in &mut profile.groups {
            columns(&mut group.columns);
            if whole {
                group.group = self.value(&group.group);
            }
        }
    }

    fn example(&self, example: &Example, keyless: bool) -> Example {
        let mut example = example.clone();
        if keyless {
            example.key = self.value(&example.key);
        }
        for column in &mut example.columns {
            column.values = column.values.as_ref().map(|v| self.value(v));
            column.path = column.path.as_deref().map(|p| self.path(p));
        }
        example
    }

    /// A nested value's path with every map key (the values in braces: `attrs{"color"}`) hashed; list
    /// positions and field names are no data and stay.
    fn path(&self, path: &str) -> String {
        let mut out = String::with_capacity(path.len());
        let mut rest = path;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..=open]);
            let key = &rest[open + 1..];
            let len = key_len(key);
            out.push_str(&self.hash(&key[..len]));
            rest = &key[len..];
        }
        out.push_str(rest);
        out
    }
}

/// The length of a map key at the start of `text`, up to its closing brace: a JSON string (whose escapes
/// and braces are skipped), or anything up to the first `}`.
fn key_len(text: &str) -> usize {
    if !text.starts_with('"') {
        return text.find('}').unwrap_or(text.len());
    }
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => return i + 1,
            _ => {}
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn redactor(key: &[u8]) -> Redactor {
        Redactor { key: hmac::Key::new(hmac::HMAC_SHA256, key) }
    }

    #[test]
    fn equal_values_hash_alike_under_one_key_and_apart_under_another() {
        let (a, b) = (redactor(b"one"), redactor(b"two"));
        assert_eq!(a.hash("Ann"), a.hash("Ann"));
        assert_ne!(a.hash("Ann"), a.hash("Ann "));
        assert_ne!(a.hash("Ann"), b.hash("Ann"));
        let hash = a.hash("Ann");
        assert_eq!(hash.len(), 1 + SHOWN_HEX_DIGITS);
        assert!(hash.starts_with('#') && hash[1..].chars().all(|c| c.is_ascii_hexdigit()), "{hash}");
    }

    #[test]
    fn null_stays_and_shapes_stay() {
        let r = redactor(b"k");
        let redacted = r.value(&json!({"id": 7, "name": "Ann", "gone": null, "flag": true}));
        assert_eq!(redacted["gone"], Value::Null);
        assert_eq!(redacted["id"], json!(r.hash("7")));
        assert_eq!(redacted["name"], json!(r.hash("\"Ann\"")));
        assert_ne!(r.value(&json!(7)), r.value(&json!("7")));
    }

    #[test]
    fn a_path_keeps_positions_and_field_names_and_hashes_map_keys() {
        let r = redactor(b"k");
        let path = r#"order.attrs{"a}\"b"}[2].x{7}"#;
        let expected = format!("order.attrs{{{}}}[2].x{{{}}}", r.hash(r#""a}\"b""#), r.hash("7"));
        assert_eq!(r.path(path), expected);
    }
}
