//! What a run is, for history: the name a table's runs are kept under, and what makes the findings of two runs
//! comparable — the key and how its values are made canonical (`key_form`: when it changes, earlier findings
//! are superseded), and everything that decides what a finding is (`spec_hash`: when only it changes, findings
//! stay comparable but one may resolve because of the new settings rather than a fix).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use xxhash_rust::xxh3::xxh3_128;

use crate::digest::encode::ENCODING_VERSION;
use crate::normalize::Canon;
use crate::plan::{ColumnPair, Plan};
use crate::side::Sides;
use crate::spec::{SpecChange, TableSpec};

/// The name a comparison's runs are kept under: an audit's table name (`--name` names a diff's runs: in an audit
/// it would give every table one name), else `--name`, else source, target and key (`None`: keyless).
pub fn run_name(audit_table: &str, given: Option<&str>, locations: Sides<&str>, key: Option<&[String]>) -> String {
    if !audit_table.is_empty() {
        return audit_table.to_string();
    }
    if let Some(name) = given {
        return name.to_string();
    }
    let key = key.map_or_else(|| "whole rows".to_string(), |columns| columns.join(","));
    format!("{} -> {} by {key}", locations.source, locations.target)
}

/// An instant as history and reports write it: RFC 3339, UTC, microseconds.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The two hashes that tell whether runs' findings are comparable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub key_form: String,
    pub spec_hash: String,
}

impl Identity {
    /// The identity of comparing `spec` as `plan` resolved it. Text settings count toward the key form only
    /// when a key column is text-like, time settings only when one holds times.
    pub fn of(spec: &TableSpec, plan: &Plan) -> Identity {
        let pair = |c: &ColumnPair| json!([c.name, c.target_name, format!("{:?}", c.resolution.canon)]);
        let p = &plan.policy;
        let texty = plan
            .key
            .iter()
            .any(|k| matches!(k.resolution.canon.base(), Canon::Text | Canon::Uuid | Canon::Json | Canon::Parsed(_)));
        let timed = plan.key.iter().any(|k| {
            matches!(
                k.resolution.canon,
                Canon::Timestamp(_) | Canon::TimestampDigits { .. } | Canon::Time(_) | Canon::Parsed(_)
            )
        });
        let key_form = json!({
            "encoding": ENCODING_VERSION,
            "keyless": plan.keyless,
            "key": plan.key.iter().map(pair).collect::<Vec<_>>(),
            "strings": texty.then(|| json!([p.trim, p.ignore_case, p.unicode_nfc, p.empty_as_null])),
            "times": timed.then(|| json!([p.source_tz, p.target_tz, p.timestamp_precision])),
        });
        let whole = json!({
            "key_form": key_form,
            "columns": plan.columns.iter().map(pair).collect::<Vec<_>>(),
            "policy": p,
            "filter": spec.filter,
            "queries": [spec.sides.source.query, spec.sides.target.query],
        });
        Identity { key_form: hash(&key_form), spec_hash: hash(&whole) }
    }

    /// What changed since a run of identity `earlier`, if anything.
    pub fn change_since(&self, earlier: &Identity) -> Option<SpecChange> {
        if self.key_form != earlier.key_form {
            Some(SpecChange::Key)
        } else if self.spec_hash != earlier.spec_hash {
            Some(SpecChange::Comparison)
        } else {
            None
        }
    }
}

/// 128 bits of xxh3 over the JSON text, as 32 hex digits.
fn hash(value: &Value) -> String {
    format!("{:032x}", xxh3_128(value.to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_kept_under_the_audit_table_the_given_name_or_the_sides_and_key() {
        let sides = Sides::new("legacy.parquet", "postgres://app:***@db/shop#orders");
        let key = ["region".to_string(), "order_id".to_string()];
        assert_eq!(run_name("orders", Some("nightly"), sides, Some(&key)), "orders");
        assert_eq!(run_name("", Some("nightly"), sides, Some(&key)), "nightly");
        assert_eq!(
            run_name("", None, sides, Some(&key)),
            "legacy.parquet -> postgres://app:***@db/shop#orders by region,order_id"
        );
        assert_eq!(
            run_name("", None, sides, None),
            "legacy.parquet -> postgres://app:***@db/shop#orders by whole rows"
        );
    }

    #[test]
    fn a_changed_key_form_outranks_a_changed_comparison() {
        let identity =
            |key_form: &str, spec_hash: &str| Identity { key_form: key_form.into(), spec_hash: spec_hash.into() };
        let earlier = identity("k1", "s1");
        assert_eq!(identity("k1", "s1").change_since(&earlier), None);
        assert_eq!(identity("k1", "s2").change_since(&earlier), Some(SpecChange::Comparison));
        assert_eq!(identity("k2", "s2").change_since(&earlier), Some(SpecChange::Key));
    }

    #[test]
    fn instants_are_written_in_utc_to_the_microsecond() {
        let t = DateTime::parse_from_rfc3339("2026-12-01T03:04:05.123456789+01:00").unwrap().to_utc();
        assert_eq!(rfc3339(t), "2026-12-01T02:04:05.123456Z");
    }
}
