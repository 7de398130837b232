//! What the explanations propose: an option that reconciles some of a column's mismatches, with how many it
//! was proved to resolve, and the kinds of option there are.

use serde::{Deserialize, Serialize};

use crate::vocabulary::vocabulary;

vocabulary! {
    /// What kind of change a suggestion makes (one per policy option, and `--map`).
    pub enum SuggestionKind ("suggestion") {
        Trim = "trim",
        IgnoreCase = "ignore_case",
        UnicodeNfc = "unicode_nfc",
        EmptyAsNull = "empty_as_null",
        TimestampPrecision = "timestamp_precision",
        FloatAbsTol = "float_abs_tol",
        DecimalAbsTol = "decimal_abs_tol",
        SourceTz = "source_tz",
        TargetTz = "target_tz",
        Map = "map",
    }
}

impl SuggestionKind {
    /// The command-line flag, to which a value may follow.
    pub fn flag(self) -> String {
        format!("--{}", self.name().replace('_', "-"))
    }
}

/// An option that reconciles some of a column's mismatches, with how many it was proved to resolve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Ready to paste: `--target-tz America/New_York`, `--trim`, `--map phone=phone_number`.
    pub option: String,
    pub kind: SuggestionKind,
    /// The column (as the source names it) whose mismatches it resolves.
    pub column: String,
    /// Mismatched rows whose value in `column` the option makes equal (for `--map`: checked rows that agree).
    pub resolves: u64,
    /// Other values of the option that resolve exactly as many (time zones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    /// Rows the option explains but cannot resolve (a zone: wall times in a repeated hour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unresolvable: Option<u64>,
    /// `--map`: how many rows were checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// In an audit, the `[[table]]` entry that applies it to this table alone (an option on an audit's command
    /// line applies to every table): filled by `report::config_entry`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
}

impl Suggestion {
    pub(crate) fn new(kind: SuggestionKind, value: Option<String>, column: &str, resolves: u64) -> Suggestion {
        let option = match value {
            Some(value) => format!("{} {value}", kind.flag()),
            None => kind.flag(),
        };
        Suggestion {
            option,
            kind,
            column: column.to_string(),
            resolves,
            alternatives: Vec::new(),
            unresolvable: None,
            checked: None,
            note: None,
            config: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_render_as_flags() {
        for kind in SuggestionKind::ALL {
            assert_eq!(SuggestionKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(SuggestionKind::TargetTz.flag(), "--target-tz");
        assert_eq!(SuggestionKind::FloatAbsTol.flag(), "--float-abs-tol");
    }
}
