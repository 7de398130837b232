//! The audit config file (DESIGN.md, "Audits"): `[source]` and `[target]` URLs with `${VAR}` taken from the
//! environment, `[defaults]` holding any diff or audit option by its long name, and `[[table]]` entries that
//! refine a table, pair two names or skip one. Every mistake is reported at its file, line and column.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use crate::error::{Error, Result};
use crate::finding::SchemaCheckKind;
use crate::report::audit::SchemaCheck;
use crate::spec::options::AuditOptions;
use crate::spec::{Options, Places};

/// A config file, read and checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    /// The sides' URLs with `${VAR}` expanded (so they may hold passwords: never show them unmasked).
    pub source: Option<String>,
    pub target: Option<String>,
    pub defaults: Options,
    pub audit: AuditOptions,
    /// Where each `[defaults]` value is written, for errors about it.
    pub defaults_places: Places,
    pub tables: Vec<TableEntry>,
}

/// One `[[table]]` entry.
#[derive(Debug, Clone)]
pub struct TableEntry {
    /// The table's name on the source (or, for a table only the target has, on the target).
    pub source: Option<String>,
    /// The target's name, when it differs.
    pub target: Option<String>,
    pub skip: bool,
    /// A condition both sides' rows must meet (SQL, for database sides).
    pub filter: Option<String>,
    pub options: Options,
    /// Where each option's value is written.
    pub places: Places,
    /// Schema checks reviewed and accepted: `accept = [{check = "type_narrowed", column = "time_hour"}]`.
    pub accept: Vec<Acceptance>,
    /// Where the entry starts, for errors about it.
    pub at: Place,
}

/// A schema check accepted on one column of one table (DVT keeps such an allow-list of type mappings): a
/// reviewed change, shown as accepted in every output and not counted against `--max-schema-checks`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    pub check: SchemaCheckKind,
    /// The column as the check names it (a constraint's columns comma-separated).
    pub column: String,
    /// Where it is written, to say so when it accepts nothing.
    pub at: Place,
}

impl Acceptance {
    /// Whether this accepts `check`: the same check on the same column (or columns), ignoring case and blanks.
    pub fn covers(&self, check: &SchemaCheck) -> bool {
        let columns = |text: &str| text.split(',').map(|c| c.trim().to_lowercase()).collect::<Vec<_>>();
        check.check == self.check && check.column.as_deref().is_some_and(|c| columns(c) == columns(&self.column))
    }
}

/// A line and column of the file (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub line: usize,
    pub column: usize,
}

/// Keys of a `[[table]]` entry that are not options.
const ENTRY_KEYS: [&str; 5] = ["source", "target", "skip", "where", "accept"];
/// Options that hold for the whole run, not one table.
const SESSION_KEYS: [&str; 3] = ["memory_limit", "spill_dir", "threads"];

impl Config {
    pub fn read(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config> {
        let file = File { path, text };
        let root = DeTable::parse(text).map_err(|e| file.toml_error(&e))?;
        let root = root.into_inner();
        let mut config = Config {
            path: path.to_path_buf(),
            source: None,
            target: None,
            defaults: Options::default(),
            audit: AuditOptions::default(),
            defaults_places: Places::new(),
            tables: Vec::new(),
        };
        let (mut source_storage, mut target_storage) = (Vec::new(), Vec::new());
        for (key, value) in root.iter() {
            match key.get_ref().as_ref() {
                "source" => (config.source, source_storage) = file.side(value)?,
                "target" => (config.target, target_storage) = file.side(value)?,
                "defaults" => {
                    let table = file.table(value)?;
                    let known: BTreeSet<String> = option_keys().into_iter().chain(audit_keys()).collect();
                    file.only(table, &known, "[defaults]")?;
                    config.defaults = file.deserialize(value.clone(), "[defaults]")?;
                    config.audit = file.deserialize(value.clone(), "[defaults]")?;
                    config.defaults_places = file.places(table);
                }
                "table" => config.tables = file.entries(value)?,
                other => {
                    let sections = ["source", "target", "defaults", "table"];
                    let hint = crate::spelling::did_you_mean(other, sections);
                    return Err(file.at(
                        key.span(),
                        format!("unknown section {other:?}: expected source, target, defaults or table{hint}"),
                    ));
                }
            }
        }
        let table = &mut config.defaults.table;
        for (options, given) in
            [(&mut table.source_storage_option, source_storage), (&mut table.target_storage_option, target_storage)]
        {
            if !given.is_empty() {
                options.get_or_insert_default().extend(given);
            }
        }
        Ok(config)
    }
}

/// The file being read, to place errors.
struct File<'a> {
    path: &'a Path,
    text: &'a str,
}

impl File<'_> {
    fn place(&self, offset: usize) -> Place {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Place { line, column }
    }

    fn at(&self, span: std::ops::Range<usize>, message: impl AsRef<str>) -> Error {
        let Place { line, column } = self.place(span.start);
        Error::config(self.path, line, column, message)
    }

    fn toml_error(&self, error: &toml::de::Error) -> Error {
        self.at(error.span().unwrap_or(0..0), error.message().trim())
    }

    fn table<'v, 'i>(&self, value: &'v Spanned<DeValue<'i>>) -> Result<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Ok(table),
            _ => Err(self.at(value.span(), "expected a table")),
        }
    }

    /// Refuses any key of `table` not in `known`.
    fn only(&self, table: &DeTable, known: &BTreeSet<String>, section: &str) -> Result<()> {
        for (key, _) in table.iter() {
            let name = key.get_ref().as_ref();
            if !known.contains(name) {
                let hint = if SESSION_KEYS.contains(&name) {
                    " (it holds for the whole run: set it in [defaults] or on the command line)"
                } else {
                    ""
                };
                let hint = match hint {
                    "" => crate::spelling::did_you_mean(name, known.iter().map(String::as_str)),
                    hint => hint.to_string(),
                };
                return Err(self.at(key.span(), format!("unknown key {name:?} in {section}{hint}")));
            }
        }
        Ok(())
    }

    /// A section's options; a value that does not fit is named at its place, as the command line names a flag's
    /// value that does not fit: `audit.toml:3:8: trim in [defaults]: "yes" is not true or false`.
    fn deserialize<'i, T: Deserialize<'i>>(&self, value: Spanned<DeValue<'i>>, section: &str) -> Result<T> {
        let (culprit, whole) = (self.culprit(&value), value.span());
        T::deserialize(ValueDeserializer::from(value)).map_err(|e| match culprit {
            Some((key, span, message)) => {
                let written = self.text.get(span.clone()).unwrap_or_default().trim();
                self.at(span, format!("{key} in {section}: {}", value_error(written, &message)))
            }
            None => self.at(e.span().unwrap_or(whole), format!("{section}: {}", e.message().trim())),
        })
    }

    /// The first key of a table whose value does not deserialize on its own into the options, with where its
    /// value is and why: serde's error on the whole table carries no place (flattened option groups lose it).
    fn culprit(&self, value: &Spanned<DeValue>) -> Option<(String, std::ops::Range<usize>, String)> {
        let DeValue::Table(table) = value.get_ref() else { return None };
        table.iter().find_map(|(key, item)| {
            let mut alone = DeTable::new();
            alone.insert(key.clone(), item.clone());
            let alone = Spanned::new(value.span(), DeValue::Table(alone));
            let error = Options::deserialize(ValueDeserializer::from(alone.clone()))
                .err()
                .or_else(|| AuditOptions::deserialize(ValueDeserializer::from(alone)).err())?;
            Some((key.get_ref().to_string(), item.span(), error.message().trim().to_string()))
        })
    }

    /// Where each key's value of `table` is.
    fn places(&self, table: &DeTable) -> Places {
        let at = |span: std::ops::Range<usize>| {
            let Place { line, column } = self.place(span.start);
            (line, column)
        };
        table.iter().map(|(key, value)| (key.get_ref().to_string(), at(value.span()))).collect()
    }

    /// `[source]` or `[target]`: its `url`, with `${VAR}` expanded, and its `[source.storage]` settings as
    /// `KEY=VALUE` (`${VAR}` expanded verbatim).
    fn side(&self, value: &Spanned<DeValue>) -> Result<(Option<String>, Vec<String>)> {
        let table = self.table(value)?;
        self.only(table, &["url".to_string(), "storage".to_string()].into(), "[source]/[target]")?;
        let url = table.get("url").ok_or_else(|| self.at(value.span(), "expected url = \"…\""))?;
        let url = match url.get_ref() {
            DeValue::String(text) => self.expand(text, url.span(), Expansion::of_url(text))?,
            _ => return Err(self.at(url.span(), "url must be a string")),
        };
        let mut storage = Vec::new();
        if let Some(settings) = table.get("storage") {
            for (key, value) in self.table(settings)?.iter() {
                let DeValue::String(text) = value.get_ref() else {
                    return Err(self.at(value.span(), format!("storage {} must be a string", key.get_ref())));
                };
                storage.push(format!("{}={}", key.get_ref(), self.expand(text, value.span(), Expansion::Verbatim)?));
            }
        }
        Ok((Some(url), storage))
    }

    /// `${VAR}` replaced by the variable's value, written as `expansion` says, and registered as a secret; an
    /// unset variable is an error naming it. `$$` is a literal `$`.
    fn expand(&self, text: &str, span: std::ops::Range<usize>, expansion: Expansion) -> Result<String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            if let Some(after) = after.strip_prefix('$') {
                out.push('$');
                rest = after;
            } else if let Some(body) = after.strip_prefix('{') {
                let end = body.find('}').ok_or_else(|| self.at(span.clone(), format!("unclosed ${{ in {text:?}")))?;
                let name = &body[..end];
                let value = std::env::var(name)
                    .map_err(|_| self.at(span.clone(), format!("environment variable {name} is not set")))?;
                crate::secrets::register(&value);
                match expansion {
                    Expansion::Url => {
                        out.extend(percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC))
                    }
                    // An ODBC attribute value in braces may hold `;`, `=` and `#`; `}` is doubled inside.
                    Expansion::Braced => {
                        let escaped = value.replace('}', "}}");
                        crate::secrets::register(&escaped);
                        out.push_str(&format!("{{{escaped}}}"));
                    }
                    Expansion::Verbatim => out.push_str(&value),
                }
                rest = &body[end + 1..];
            } else {
                out.push('$');
                rest = after;
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    fn entries(&self, value: &Spanned<DeValue>) -> Result<Vec<TableEntry>> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.at(value.span(), "expected [[table]] entries"));
        };
        let known: BTreeSet<String> = option_keys()
            .into_iter()
            .filter(|k| !SESSION_KEYS.contains(&k.as_str()))
            .chain(ENTRY_KEYS.map(String::from))
            .collect();
        let mut entries: Vec<TableEntry> = Vec::new();
        for item in items.iter() {
            let table = self.table(item)?;
            self.only(table, &known, "[[table]]")?;
            let text = |key: &str| self.string(table, key);
            let skip = match table.get("skip").map(|v| (v.get_ref(), v.span())) {
                None => false,
                Some((DeValue::Boolean(b), _)) => *b,
                Some((_, span)) => Err(self.at(span, "skip must be true or false"))?,
            };
            let mut rest = table.clone();
            for key in ENTRY_KEYS {
                rest.remove(key);
            }
            let (source, target) = (text("source")?, text("target")?);
            let section = format!("[[table]] {}", source.as_ref().or(target.as_ref()).map_or("", String::as_str));
            let places = self.places(&rest);
            let options = self.deserialize(Spanned::new(item.span(), DeValue::Table(rest)), section.trim_end())?;
            let entry = TableEntry {
                source,
                target,
                skip,
                filter: text("where")?,
                options,
                places,
                accept: self.acceptances(table.get("accept"))?,
                at: self.place(item.span().start),
            };
            if entry.source.is_none() && entry.target.is_none() {
                return Err(self.at(item.span(), "a [[table]] entry names its table: source = \"…\""));
            }
            if let Some(earlier) = entries.iter().find(|e| same_table(e, &entry)) {
                let first = earlier.at;
                return Err(self.at(
                    item.span(),
                    format!("a second [[table]] entry for the same table (the first is at line {})", first.line),
                ));
            }
            entries.push(entry);
        }
        Ok(entries)
    }

    /// The string under `key` of `table`, if there is one.
    fn string(&self, table: &DeTable, key: &str) -> Result<Option<String>> {
        match table.get(key).map(|v| (v.get_ref(), v.span())) {
            None => Ok(None),
            Some((DeValue::String(s), _)) => Ok(Some(s.to_string())),
            Some((_, span)) => Err(self.at(span, format!("{key} must be a string"))),
        }
    }

    /// A `[[table]]` entry's `accept = [{check = "…", column = "…"}, …]`.
    fn acceptances(&self, value: Option<&Spanned<DeValue>>) -> Result<Vec<Acceptance>> {
        const FORM: &str = "accept = [{check = \"type_narrowed\", column = \"…\"}, …]";
        let Some(value) = value else { return Ok(Vec::new()) };
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.at(value.span(), format!("expected {FORM}")));
        };
        let mut accepted = Vec::new();
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                return Err(self.at(item.span(), format!("expected {FORM}")));
            };
            self.only(table, &["check".to_string(), "column".to_string()].into(), "accept")?;
            let named = |key: &str| {
                self.string(table, key)?.ok_or_else(|| self.at(item.span(), format!("{key} is missing: {FORM}")))
            };
            let name = named("check")?;
            let Some(check) = SchemaCheckKind::parse(&name) else {
                let span = table.get("check").map_or(item.span(), |c| c.span());
                let names = SchemaCheckKind::ALL.map(SchemaCheckKind::name);
                let (known, hint) = (names.join(", "), crate::spelling::did_you_mean(&name, names));
                return Err(self.at(span, format!("unknown schema check {name:?} (the checks: {known}){hint}")));
            };
            accepted.push(Acceptance { check, column: named("column")?, at: self.place(item.span().start) });
        }
        Ok(accepted)
    }
}

/// Why a value does not fit, as the command line says it of a flag's value: serde's `invalid type: string
/// "yes", expected a boolean` becomes `"yes" is not true or false` (`written`: the value as the file writes it).
fn value_error(written: &str, message: &str) -> String {
    let expected = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: "));
    let Some((_, expected)) = expected.and_then(|m| m.rsplit_once(", expected ")) else { return message.to_string() };
    let words = match expected {
        "a boolean" => "true or false",
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more",
        "f32" | "f64" => "a number",
        "a string" => "text in quotes",
        other => other,
    };
    format!("{written} is not {words}")
}

fn same_table(a: &TableEntry, b: &TableEntry) -> bool {
    let same = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    };
    same(&a.source, &b.source) || same(&a.target, &b.target)
}

/// The names every option has in a config file (its long name, dashes as underscores).
fn option_keys() -> Vec<String> {
    keys_of(&Options::default())
}

fn audit_keys() -> Vec<String> {
    keys_of(&AuditOptions::default())
}

fn keys_of(options: &impl serde::Serialize) -> Vec<String> {
    match serde_json::to_value(options) {
        Ok(serde_json::Value::Object(fields)) => fields.into_iter().map(|(k, _)| k).collect(),
        _ => Vec::new(),
    }
}

/// How a `${VAR}` value is written into the text holding it.
#[derive(Clone, Copy)]
enum Expansion {
    /// Percent-encoded: a URL.
    Url,
    /// In braces: an ODBC connection string (`odbc:…;Pwd=${DB_PASSWORD};`), whatever the value holds.
    Braced,
    /// As it is: a storage setting.
    Verbatim,
}

impl Expansion {
    /// How a side's `url` takes its variables: an ODBC location brace-quoted, others percent-encoded.
    fn of_url(text: &str) -> Expansion {
        match text.get(..5) {
            Some(prefix) if prefix.eq_ignore_ascii_case("odbc:") => Expansion::Braced,
            _ => Expansion::Url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(Path::new("audit.toml"), text)
    }

    #[test]
    fn a_full_config_reads_into_layers() {
        std::env::set_var("RECON_CONFIG_TEST_PASSWORD", "p@ss/word");
        let config = parse(
            r#"
[source]
url = "postgres://app:${RECON_CONFIG_TEST_PASSWORD}@db:5432/shop#public"
[target]
url = "sqlite://new.db"
[defaults]
max_mismatched = "0.01%"
trim = true
jobs = 4
[[table]]
source = "orders"
target = "orders_v2"
key = ["order_id"]
exclude = ["etl_loaded_at"]
map = { phone = "phone_number" }
max_missing = 10
[[table]]
source = "audit_log"
skip = true
"#,
        )
        .unwrap();
        assert_eq!(config.source.as_deref(), Some("postgres://app:p%40ss%2Fword@db:5432/shop#public"));
        assert_eq!(config.defaults.policy.trim, Some(true));
        assert_eq!(config.audit.jobs, Some(4));
        let orders = &config.tables[0];
        assert_eq!((orders.source.as_deref(), orders.target.as_deref()), (Some("orders"), Some("orders_v2")));
        assert_eq!(orders.options.table.map, Some(vec!["phone=phone_number".to_string()]));
        assert_eq!(orders.at, Place { line: 10, column: 1 });
        assert!(config.tables[1].skip);
        assert_eq!(crate::secrets::mask("p@ss/word"), "***");
    }

    #[test]
    fn an_odbc_connection_string_takes_its_variables_in_braces_as_secrets() {
        std::env::set_var("RECON_CONFIG_TEST_ODBC_PASSWORD", "a;b}c");
        let config = parse(
            "[source]\nurl = \"odbc:Driver={PostgreSQL Unicode};Uid=app;Pwd=${RECON_CONFIG_TEST_ODBC_PASSWORD};#public\"\n",
        )
        .unwrap();
        let url = config.source.as_deref().unwrap();
        assert_eq!(url, "odbc:Driver={PostgreSQL Unicode};Uid=app;Pwd={a;b}}c};#public");
        assert_eq!(
            crate::secrets::mask(&format!("x {url} y")),
            "x odbc:Driver={PostgreSQL Unicode};Uid=app;Pwd=***;#public y"
        );
        assert_eq!(crate::secrets::mask("a;b}}c"), "***");
    }

    #[test]
    fn mistakes_are_named_at_their_line_and_column() {
        let error = |text: &str| parse(text).unwrap_err().to_string();
        assert_eq!(
            error("[defaults]\ntrim = true\nmax_mismatchd = 3\n"),
            "audit.toml:3:1: unknown key \"max_mismatchd\" in [defaults]; did you mean max_mismatched?"
        );
        assert_eq!(
            error("[defaults]\nmax_missing = \"lots\"\n"),
            "audit.toml:2:15: max_missing in [defaults]: \"lots\" is neither a count like 10 nor a share like 0.1%"
        );
        assert!(error("[[table]]\nsource = \"a\"\n[[table]]\nsource = \"A\"\n")
            .contains("audit.toml:3:1: a second [[table]] entry"));
        assert!(error("[[table]]\nsource = \"a\"\nthreads = 2\n").contains("audit.toml:3:1: unknown key \"threads\""));
        assert_eq!(
            error("[source]\nurl = \"mysql://u:${RECON_UNSET_VARIABLE}@h/db\"\n"),
            "audit.toml:2:7: environment variable RECON_UNSET_VARIABLE is not set"
        );
        assert!(error("[defaults\n").starts_with("audit.toml:1:"));
    }

    /// A value the file gives a type the option does not take gets the message the command line gives the same
    /// value, at the value's place (serde's own was "data did not match any variant of untagged enum Written").
    #[test]
    fn a_value_of_the_wrong_type_is_named_as_the_command_line_names_it() {
        let error = |text: &str| parse(&format!("[defaults]\n{text}\n")).unwrap_err().to_string();
        assert_eq!(error("trim = \"yes\""), "audit.toml:2:8: trim in [defaults]: \"yes\" is not true or false");
        assert_eq!(
            error("jobs = \"four\""),
            "audit.toml:2:8: jobs in [defaults]: \"four\" is not a whole number, 0 or more"
        );
        assert_eq!(error("seed = -1"), "audit.toml:2:8: seed in [defaults]: -1 is not a whole number, 0 or more");
        assert_eq!(
            error("float_abs_tol = \"x\""),
            "audit.toml:2:17: float_abs_tol in [defaults]: \"x\" is not a number"
        );
        assert_eq!(
            error("max_missing = true"),
            "audit.toml:2:15: max_missing in [defaults]: \"true\" is neither a count like 10 nor a share like 0.1%"
        );
        assert_eq!(
            error("csv_delimiter = \";;\""),
            "audit.toml:2:17: csv_delimiter in [defaults]: expected one ASCII character, got \";;\""
        );
        assert_eq!(
            error("map = { a = 1 }"),
            "audit.toml:2:7: map in [defaults]: a = 1: a column name is text in quotes"
        );
        assert_eq!(
            error("key = 5"),
            "audit.toml:2:7: key in [defaults]: expected a list of names such as [\"a\", \"b\"], or \"a,b\""
        );
        let error = parse("[[table]]\nsource = \"orders\"\nmax_extra = false\n").unwrap_err().to_string();
        assert_eq!(
            error,
            "audit.toml:3:13: max_extra in [[table]] orders: \"false\" is neither a count like 10 nor a share like 0.1%"
        );
        // Text settings take any scalar as its text, for their own check to judge (`sample = true` as `--sample
        // true`); names take the command line's comma-separated text too.
        let config = parse("[defaults]\nsample = true\nkey = \"region,customer_no\"\n").unwrap();
        assert_eq!(config.defaults.sampling.sample.as_deref(), Some("true"));
        assert_eq!(config.defaults.table.key, Some(vec!["region".to_string(), "customer_no".to_string()]));
        assert_eq!(config.defaults_places.get("sample"), Some(&(2, 10)));
    }

    #[test]
    fn an_entry_accepts_named_checks_on_named_columns() {
        let config = parse(
            "[[table]]\nsource = \"flights\"\naccept = [{check = \"type_narrowed\", column = \"time_hour\"},\n  \
             {check = \"unique_missing\", column = \"carrier, flight\"}]\n",
        )
        .unwrap();
        let accept = &config.tables[0].accept;
        assert_eq!((accept[0].check.name(), accept[0].column.as_str()), ("type_narrowed", "time_hour"));
        let check = |check: &str, column: &str| SchemaCheck {
            table: "flights".into(),
            check: SchemaCheckKind::parse(check).unwrap(),
            column: Some(column.into()),
            detail: String::new(),
            accepted: false,
        };
        assert!(accept[0].covers(&check("type_narrowed", "TIME_HOUR")));
        assert!(!accept[0].covers(&check("type_narrowed", "dep_delay")));
        assert!(!accept[0].covers(&check("not_null_missing", "time_hour")));
        assert!(accept[1].covers(&check("unique_missing", "Carrier,Flight")), "a constraint's columns, blanks aside");
        assert_eq!(accept[1].at, Place { line: 4, column: 3 });

        let error = |text: &str| parse(&format!("[[table]]\nsource = \"flights\"\n{text}\n")).unwrap_err().to_string();
        assert_eq!(
            error("accept = [{check = \"type_narrowed\"}]"),
            "audit.toml:3:11: column is missing: accept = [{check = \"type_narrowed\", column = \"…\"}, …]"
        );
        assert_eq!(
            error("accept = [{check = \"type_narrowed\", columns = \"a\"}]").as_str(),
            "audit.toml:3:37: unknown key \"columns\" in accept; did you mean column?"
        );
        assert!(error("accept = \"type_narrowed\"").starts_with("audit.toml:3:10: expected accept = [{check"));
        assert!(error("accept = [{check = 1, column = \"a\"}]").starts_with("audit.toml:3:20: check must be a string"));
    }
}
