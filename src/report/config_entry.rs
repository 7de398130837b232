//! An audit's suggestions as the `[[table]]` entry to paste into its config file: an option added to an
//! audit's command line applies to every table (`--map tzone=timezone` then fails on the tables without the
//! column), while an entry applies to its table alone. Each suggestion of an audit's table carries its own
//! entry in the JSON (`config`); the terminal, HTML and Markdown show one entry per table with every suggestion.

use super::audit::TableEntry;
use super::words::{alternatives, effect};
use crate::explain::{Suggestion, SuggestionKind};

/// What to do with an entry, as every rendering says it.
pub(crate) const PASTE: &str =
    "paste the entry into the audit's config file, or its settings into the table's [[table]] entry: an option on \
     the command line would apply to every table";

/// Gives each suggestion of a compared audit table the entry that applies it (`config`).
pub fn fill(entry: &mut TableEntry) {
    let mut header = format!("[[table]]\nsource = {}", quoted(&entry.name));
    if let Some(target) = entry.target_table.as_ref().filter(|t| !t.eq_ignore_ascii_case(&entry.name)) {
        header += &format!("\ntarget = {}", quoted(target));
    }
    let suggestions = entry.report.as_mut().and_then(|r| r.suggestions.as_mut());
    for suggestion in suggestions.into_iter().flatten() {
        let (key, value) = setting(suggestion);
        suggestion.config = Some(format!("{header}\n{key} = {value}"));
    }
}

/// A suggestion as a list of them shows it: the option (`--trim`), or in an audit the setting its table's entry
/// takes (`trim = true`).
pub(crate) fn shown(s: &Suggestion) -> String {
    match &s.config {
        Some(_) => {
            let (key, value) = setting(s);
            format!("{key} = {value}")
        }
        None => s.option.clone(),
    }
}

/// One entry applying every suggestion of a table, each setting's line followed by a comment saying what it
/// was proved to do (its other values and its note on comment lines below). A second value for a setting, or a
/// second time zone for one column, is an alternative and comes commented out (`# or: …`); `--map` pairs share
/// one `map` line. `None` outside an audit: no suggestion carries an entry.
pub(crate) fn entry(suggestions: &[Suggestion]) -> Option<String> {
    let config = suggestions.first()?.config.as_deref()?;
    let (header, _) = config.rsplit_once('\n')?;
    let mut out = format!("{header}\n");
    let mut written: Vec<(&str, &str)> = Vec::new();
    for s in suggestions.iter().filter(|s| s.kind != SuggestionKind::Map) {
        let (key, value) = setting(s);
        // The two zones of one column shift the same values: one or the other.
        let slot =
            if matches!(s.kind, SuggestionKind::SourceTz | SuggestionKind::TargetTz) { s.column.as_str() } else { "" };
        let taken = written.iter().any(|(k, c)| *k == key || (!slot.is_empty() && *c == slot));
        let line = if taken { format!("# or: {key} = {value}") } else { format!("{key} = {value}") };
        written.push((key, slot));
        out += &commented(&line, &[s]);
    }
    let maps: Vec<&Suggestion> = suggestions.iter().filter(|s| s.kind == SuggestionKind::Map).collect();
    if !maps.is_empty() {
        let pairs: Vec<String> = maps.iter().map(|s| setting(s).1).map(|v| v[2..v.len() - 2].to_string()).collect();
        out += &commented(&format!("map = {{ {} }}", pairs.join(", ")), &maps);
    }
    Some(out)
}

/// `line    # what it does`, then its suggestions' other values and notes as comment lines.
fn commented(line: &str, suggestions: &[&Suggestion]) -> String {
    let effects: Vec<String> = match suggestions {
        [one] => vec![effect(one)],
        many => many.iter().map(|s| format!("{}: {}", s.column, effect(s))).collect(),
    };
    let mut out = format!("{line}    # {}\n", effects.join("; "));
    for s in suggestions {
        if let Some(alternatives) = alternatives(s) {
            out += &format!("#   as well: {alternatives}\n");
        }
        if let Some(note) = &s.note {
            out += &format!("#   {note}\n");
        }
    }
    out
}

/// The config key and TOML value that apply `s`: `target_tz = "America/New_York"`, `trim = true`,
/// `float_abs_tol = 0.01`, `decimal_abs_tol = "0.01"`, `map = { tzone = "timezone" }`.
pub(crate) fn setting(s: &Suggestion) -> (&'static str, String) {
    let value = s.option.strip_prefix(s.kind.flag().as_str()).map_or("", str::trim);
    let toml = match s.kind {
        SuggestionKind::Map => {
            let (from, to) = value.split_once('=').unwrap_or((value, ""));
            format!("{{ {} = {} }}", key(from), quoted(to))
        }
        // A number in the file (`float_abs_tol` reads a float), as Rust prints it: TOML reads `1e-5` and `0.5`.
        SuggestionKind::FloatAbsTol => value.parse::<f64>().map_or_else(|_| quoted(value), |x| format!("{x:?}")),
        _ if value.is_empty() => "true".to_string(),
        _ => quoted(value),
    };
    (s.kind.name(), toml)
}

/// A TOML basic string: JSON's escapes are a subset of TOML's.
fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// A TOML key: bare when it can be, else quoted.
fn key(name: &str) -> String {
    let bare = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        name.to_string()
    } else {
        quoted(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::TableStatus;
    use crate::report::view::tests::orders_report;

    fn suggestion(kind: SuggestionKind, value: Option<&str>, column: &str, resolves: u64) -> Suggestion {
        Suggestion::new(kind, value.map(str::to_string), column, resolves)
    }

    #[test]
    fn each_suggestion_becomes_the_setting_a_table_entry_takes() {
        let mut tz = suggestion(SuggestionKind::TargetTz, Some("America/New_York"), "time_hour", 336_776);
        tz.alternatives = vec!["America/Toronto".into()];
        let suggestions = vec![
            tz,
            suggestion(SuggestionKind::SourceTz, Some("America/Chicago"), "time_hour", 10),
            suggestion(SuggestionKind::Trim, None, "name", 1),
            suggestion(SuggestionKind::FloatAbsTol, Some("0.00001"), "price", 2),
            suggestion(SuggestionKind::DecimalAbsTol, Some("0.01"), "amount", 3),
            suggestion(SuggestionKind::Map, Some("tzone=timezone"), "tzone", 0),
            suggestion(SuggestionKind::Map, Some("odd name=x\"y"), "odd name", 0),
        ];
        let mut report = orders_report();
        report.suggestions = Some(suggestions);
        let mut flights = TableEntry::compared("flights", "flights", "Flights_2013", &report);
        assert_eq!(flights.status, TableStatus::Fail);
        fill(&mut flights);
        let filled = flights.report.as_ref().and_then(|r| r.suggestions.clone()).unwrap();
        assert_eq!(
            filled[5].config.as_deref(),
            Some("[[table]]\nsource = \"flights\"\ntarget = \"Flights_2013\"\nmap = { tzone = \"timezone\" }")
        );
        assert_eq!(filled[2].config.as_deref().map(|c| c.lines().last()), Some(Some("trim = true")));
        assert_eq!(
            entry_text(&filled),
            "[[table]]
source = \"flights\"
target = \"Flights_2013\"
target_tz = \"America/New_York\"    # resolves 336776 mismatched rows of time_hour
#   as well: America/Toronto
# or: source_tz = \"America/Chicago\"    # resolves 10 mismatched rows of time_hour
trim = true    # resolves 1 mismatched row of name
float_abs_tol = 1e-5    # resolves 2 mismatched rows of price
decimal_abs_tol = \"0.01\"    # resolves 3 mismatched rows of amount
map = { tzone = \"timezone\", \"odd name\" = \"x\\\"y\" }    # tzone: resolves 0 mismatched rows of tzone; odd name: resolves 0 mismatched rows of odd name
"
        );
        // What is pasted reads back as one entry with every setting (the alternative commented out).
        let pasted: toml::Table = toml::from_str(&entry_text(&filled)).expect("the entry is TOML");
        let table = &pasted["table"].as_array().unwrap()[0];
        assert_eq!(
            (table["target"].as_str(), table["target_tz"].as_str()),
            (Some("Flights_2013"), Some("America/New_York"))
        );
        assert_eq!((table.get("source_tz"), table["float_abs_tol"].as_float()), (None, Some(1e-5)));
        assert_eq!(table["map"]["odd name"].as_str(), Some("x\"y"));
        // Outside an audit there is no entry: the options go on the command line.
        assert!(entry(&[suggestion(SuggestionKind::Trim, None, "name", 1)]).is_none());
    }

    fn entry_text(suggestions: &[Suggestion]) -> String {
        entry(suggestions).unwrap()
    }
}
