//! Runs over time, decided: the [`DriftSpec`] one table comparison carries (history file, rechecks, window,
//! key list) and the [`Scope`] vocabulary a run records. Validated here, so a bad combination fails before
//! anything is read. Its budgets, `--max-new` and `--max-unstable`, are the table's [`Budgets`](super::Budgets).

use std::path::PathBuf;
use std::time::Duration;

use super::{Layers, Options};
use crate::error::{Error, Result};
use crate::vocabulary::vocabulary;

vocabulary! {
    /// Which keys a run compared (DESIGN.md, "Runs over time"): only a run whose scope covers a key can
    /// resolve its finding.
    pub enum Scope ("scope") {
        /// Every key.
        Table = "table",
        /// Keys by their rows' change time: those changed within `--max-age`, or every key but those changed
        /// within `--min-age`.
        Window = "window",
        /// Keys changed since the previous complete run, the findings still open, and a keys-only pass over
        /// both sides: every key, incrementally.
        SinceLastRun = "since_last_run",
        /// A deterministic sample of keys.
        Sample = "sample",
        /// The keys a `--keys` file lists.
        Keys = "keys",
    }
}

vocabulary! {
    /// What changed in the spec since the previous run of a table (the report's `spec_changed`).
    pub enum SpecChange ("spec change") {
        /// The key or how its values are made canonical: earlier findings are closed as superseded.
        Key = "key",
        /// Columns, policy, filter: findings stay comparable, but one may resolve because of the new settings
        /// rather than a fix.
        Comparison = "comparison",
    }
}

/// Which rows a run reads by their change time (`--updated-column`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WindowSpec {
    /// The change-time column as the source names it (the target's through `--map`).
    pub column: Option<String>,
    pub min_age: Option<Duration>,
    pub max_age: Option<Duration>,
    pub since_last_run: bool,
    pub overlap: Duration,
}

/// Everything about a comparison that concerns other runs of it: where they are kept, rechecks, which keys
/// this one covers.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftSpec {
    pub history: Option<PathBuf>,
    pub rechecks: u32,
    pub recheck_delay: Duration,
    pub window: WindowSpec,
    /// `--keys FILE`.
    pub keys: Option<PathBuf>,
    /// The name runs are kept under; `None`: the table's (an audit's) or source, target and key (a diff's).
    pub name: Option<String>,
}

impl Default for DriftSpec {
    fn default() -> Self {
        DriftSpec {
            history: None,
            rechecks: 0,
            recheck_delay: Duration::from_secs(10),
            window: WindowSpec { overlap: Duration::from_secs(300), ..WindowSpec::default() },
            keys: None,
            name: None,
        }
    }
}

impl DriftSpec {
    pub fn resolve(options: &Options, layers: &Layers) -> Result<DriftSpec> {
        let d = &options.drift;
        let duration = |field: &str, text: &Option<String>| -> Result<Option<Duration>> {
            text.as_deref()
                .map(|t| parse_duration(t).ok_or_else(|| Error::setting(layers.setting(field), bad_duration(t))))
                .transpose()
        };
        let defaults = DriftSpec::default();
        let window = WindowSpec {
            column: d.updated_column.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string),
            min_age: duration("min_age", &d.min_age)?,
            max_age: duration("max_age", &d.max_age)?,
            since_last_run: d.since_last_run.unwrap_or(false),
            overlap: duration("window_overlap", &d.window_overlap)?.unwrap_or(defaults.window.overlap),
        };
        let spec = DriftSpec {
            history: d.history.clone(),
            rechecks: d.recheck.unwrap_or(0),
            recheck_delay: duration("recheck_delay", &d.recheck_delay)?.unwrap_or(defaults.recheck_delay),
            window,
            keys: d.keys.clone(),
            name: d.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string),
        };
        spec.check(options, layers)?;
        if let Some(path) = &spec.keys {
            check_key_list(path, layers)?;
        }
        Ok(spec)
    }

    /// Combinations that cannot mean anything, named by the settings that clash.
    fn check(&self, options: &Options, layers: &Layers) -> Result<()> {
        let w = &self.window;
        let windowed = [("min_age", w.min_age.is_some()), ("max_age", w.max_age.is_some())]
            .into_iter()
            .chain([("since_last_run", w.since_last_run)]);
        for (field, set) in windowed {
            if set && w.column.is_none() {
                return Err(Error::setting(
                    layers.setting(field),
                    "needs --updated-column: the column holding each row's change time",
                ));
            }
        }
        if w.since_last_run && self.history.is_none() {
            return Err(Error::setting(
                layers.setting("since_last_run"),
                "needs --history: the previous run's start and the findings still open are kept there",
            ));
        }
        if options.drift.max_new.is_some() && self.history.is_none() {
            return Err(Error::setting(
                layers.setting("max_new"),
                "needs --history: what is new is told against the runs kept there",
            ));
        }
        let sample = options.sampling.sample.is_some();
        let scopes = [
            ("keys", self.keys.is_some()),
            ("since_last_run", w.since_last_run),
            ("max_age", w.max_age.is_some()),
            ("sample", sample),
        ];
        let chosen: Vec<&str> = scopes.iter().filter(|(_, set)| *set).map(|(field, _)| *field).collect();
        if let [first, second, ..] = chosen.as_slice() {
            return Err(Error::setting(
                layers.setting(second),
                format!(
                    "a run compares one set of keys: {} and {} both choose it",
                    layers.setting(first),
                    layers.setting(second)
                ),
            ));
        }
        if let (Some(min), Some(max)) = (w.min_age, w.max_age) {
            if min >= max {
                return Err(Error::setting(layers.setting("min_age"), "must be shorter than --max-age"));
            }
        }
        Ok(())
    }

    /// Whether anything beyond a one-shot comparison was asked for.
    pub fn active(&self) -> bool {
        self.history.is_some() || self.rechecks > 0 || self.window.column.is_some() || self.keys.is_some()
    }

    /// The scope of a run under this spec (`sampled`: the comparison samples its keys).
    pub fn scope(&self, sampled: bool) -> Scope {
        let w = &self.window;
        if self.keys.is_some() {
            Scope::Keys
        } else if w.since_last_run {
            Scope::SinceLastRun
        } else if sampled {
            Scope::Sample
        } else if w.max_age.is_some() || w.min_age.is_some() {
            Scope::Window
        } else {
            Scope::Table
        }
    }
}

/// A key list names a file (or a directory or glob of them) before anything is read: `--keys id`, typed for
/// `--key id` (clap suggests `--keys` for a misspelled `--kye`), says so instead of "id: No such file".
fn check_key_list(path: &std::path::Path, layers: &Layers) -> Result<()> {
    let text = path.to_string_lossy();
    if path.exists() || text.contains(['*', '?', '[']) || text.contains("://") {
        return Ok(());
    }
    let columns = path.extension().is_none() && !text.contains(['/', '\\']);
    let hint = match columns {
        true => {
            let names: Vec<String> = text.split(',').map(|c| format!("{:?}", c.trim())).collect();
            let key = layers.origins().written("keys", "key", &text, &format!("[{}]", names.join(", ")));
            format!("; did you mean {key}?")
        }
        false => String::new(),
    };
    Err(Error::setting(
        layers.setting("keys"),
        format!("{text} is not a file (a key list is a Parquet or CSV file of keys){hint}"),
    ))
}

fn bad_duration(text: &str) -> String {
    format!("{text:?} is not a duration like 30s, 5m, 2h or 1d")
}

/// A duration such as `500ms`, `30s`, `5m`, `2h`, `1d`, or a number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok().filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
    let seconds = match unit.trim() {
        "ms" => number / 1000.0,
        "" | "s" => number,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        "d" => number * 86_400.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Origin;

    fn resolve(set: impl FnOnce(&mut Options)) -> Result<DriftSpec> {
        let mut options = Options::default();
        set(&mut options);
        let mut layers = Layers::default();
        layers.push(&options, Origin::CommandLine)?;
        DriftSpec::resolve(&layers.options()?, &layers)
    }

    #[test]
    fn durations_read_as_written() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("-1s"), None);
    }

    #[test]
    fn settings_that_need_others_name_what_is_missing() {
        let error = resolve(|o| o.drift.min_age = Some("1h".into())).unwrap_err().to_string();
        assert!(error.starts_with("--min-age: needs --updated-column"), "{error}");
        let error = resolve(|o| {
            o.drift.since_last_run = Some(true);
            o.drift.updated_column = Some("updated_at".into());
        })
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("--since-last-run: needs --history"), "{error}");
        let error = resolve(|o| {
            o.drift.keys = Some("k.csv".into());
            o.sampling.sample = Some("1%".into());
        })
        .unwrap_err()
        .to_string();
        assert!(error.contains("--keys and --sample both choose it"), "{error}");
    }

    /// `--kye id` → clap suggests `--keys` → `--keys id` said "id: No such file or directory".
    #[test]
    fn a_key_list_that_is_no_file_suggests_the_key() {
        let error = |keys: &str| resolve(|o| o.drift.keys = Some(keys.into())).unwrap_err().to_string();
        assert_eq!(
            error("id"),
            "--keys: id is not a file (a key list is a Parquet or CSV file of keys); did you mean --key id?"
        );
        assert_eq!(
            error("region,customer_no"),
            "--keys: region,customer_no is not a file (a key list is a Parquet or CSV file of keys); did you mean \
             --key region,customer_no?"
        );
        assert_eq!(error("keys.csv"), "--keys: keys.csv is not a file (a key list is a Parquet or CSV file of keys)");
        assert!(resolve(|o| o.drift.keys = Some("fixtures/orders/legacy.parquet".into())).is_ok());
    }

    #[test]
    fn scopes_follow_the_options() {
        let spec = resolve(|_| {}).unwrap();
        assert!(!spec.active());
        assert_eq!(spec.scope(false), Scope::Table);
        assert_eq!(spec.scope(true), Scope::Sample);
        let spec = resolve(|o| {
            o.drift.updated_column = Some("u".into());
            o.drift.min_age = Some("10m".into());
        })
        .unwrap();
        assert_eq!(spec.scope(false), Scope::Window);
        assert_eq!(spec.window.overlap, Duration::from_secs(300));
        assert!(Scope::ALL.iter().all(|s| Scope::parse(s.name()) == Some(*s)));
    }
}
