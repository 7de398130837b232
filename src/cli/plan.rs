//! The resolved audit: both datasets opened, key and compared columns matched across the two schemas, each
//! pair's canonical form chosen. Built once, before any row is read, so bad settings fail fast.

use std::path::PathBuf;
use std::time::Duration;

use arrow::datatypes::{DataType, Schema};
use serde::Serialize;

use super::{DiffArgs, OutputFormat};
use crate::compare::sample::{Sample, Selection};
use crate::error::{Error, Result};
use crate::normalize::policy::{parse_unit, Policy, SidePolicy, StringRules, Tolerance};
use crate::normalize::{resolve_fields, Canon, Resolution, SideColumns, DECLARED_TYPE};
use crate::progress::Log;
use crate::report::verdict::Budgets;
use crate::source::{CsvOptions, Dataset, DbOptions, Format, OpenOptions};

/// A column as it appears on both sides and how the pair is compared.
#[derive(Debug, Clone)]
pub struct ColumnPair {
    /// The source's name: the report names columns this way.
    pub name: String,
    pub target_name: String,
    pub source_index: usize,
    pub target_index: usize,
    pub source_type: DataType,
    pub target_type: DataType,
    pub resolution: Resolution,
}

/// Columns on one side only and pairs whose types differ: the report's `schema` section.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SchemaDiff {
    pub only_in_source: Vec<String>,
    pub only_in_target: Vec<String>,
    pub type_differences: Vec<TypeDifference>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TypeDifference {
    pub column: String,
    pub source_type: String,
    pub target_type: String,
    pub lossy: bool,
}

/// Everything an audit needs, resolved.
pub struct AuditPlan {
    pub source: Dataset,
    pub target: Dataset,
    pub key: Vec<ColumnPair>,
    pub columns: Vec<ColumnPair>,
    pub schema: SchemaDiff,
    pub policy: Policy,
    side_policies: [SidePolicy; 2],
    pub sample: Option<Sample>,
    /// Bytes the audit stays within.
    pub memory_limit: u64,
    pub spill_dir: PathBuf,
    pub budgets: Budgets,
    pub format: OutputFormat,
    pub output: Option<PathBuf>,
    pub diff_out: Option<PathBuf>,
    pub max_examples: usize,
    pub log: Log,
    /// Runs the datasets' database reads: declared last, so it is dropped after them.
    _runtime: tokio::runtime::Runtime,
}

impl AuditPlan {
    pub fn resolve(args: DiffArgs) -> Result<AuditPlan> {
        let csv = csv_options(&args)?;
        let (policy, side_policies) = policy(&args)?;
        let side = |query: &Option<String>| OpenOptions {
            csv: csv.clone(),
            db: DbOptions {
                query: query.clone(),
                connect_timeout: Duration::from_secs(args.connect_timeout.max(1)),
                statement_timeout: Duration::from_secs(args.statement_timeout),
            },
        };
        // One runtime for every database read of the audit; the plan owns it, the datasets use it.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("cannot start the database runtime: {e}")))?;
        // Both sides at once: opening reads footers, catalogs, or a CSV file's record ends.
        let (source, target) = rayon::join(
            || Dataset::open(&args.source, &side(&args.source_query), runtime.handle()),
            || Dataset::open(&args.target, &side(&args.target_query), runtime.handle()),
        );
        let (mut source, mut target) = (source?, target?);
        let (key, columns, schema) = match_columns(&args, &source, &target)?;
        let sample = sample(&args, &source)?
            .map(|sample| push_down_sample(sample, &key, &side_policies, [&mut source, &mut target]));
        let memory_limit = match &args.memory_limit {
            Some(text) => parse_size(text)
                .ok_or_else(|| Error::setting("--memory-limit", format!("{text:?} is not a size like 2GB or 512MB")))?,
            None => default_memory_limit(),
        };
        let spill_dir = args.spill_dir.clone().unwrap_or_else(std::env::temp_dir);
        let budgets = Budgets {
            missing_in_target: args.max_missing,
            extra_in_target: args.max_extra,
            mismatched: args.max_mismatched,
            duplicates: args.max_duplicates,
            null_keys: args.max_null_keys,
        };
        Ok(AuditPlan {
            source,
            target,
            key,
            columns,
            schema,
            policy,
            side_policies,
            sample,
            memory_limit,
            spill_dir,
            budgets,
            format: args.format,
            output: args.output,
            diff_out: args.diff_out,
            max_examples: args.max_examples,
            log: Log::new(args.log_format, args.quiet),
            _runtime: runtime,
        })
    }

    /// One side's columns to read and their canonical forms; `side` 0 is the source, 1 the target.
    pub fn side_columns(&self, side: usize) -> SideColumns {
        let pick = |pairs: &[ColumnPair]| {
            pairs
                .iter()
                .map(|p| {
                    let (name, index) =
                        if side == 0 { (&p.name, p.source_index) } else { (&p.target_name, p.target_index) };
                    (name.clone(), index, p.resolution.canon.clone())
                })
                .collect()
        };
        let tolerance = (self.policy.float_abs_tol.is_some() || self.policy.float_rel_tol.is_some())
            .then_some(Tolerance { abs: self.policy.float_abs_tol, rel: self.policy.float_rel_tol });
        SideColumns::new(pick(&self.key), pick(&self.columns), self.side_policies[side].clone(), tolerance)
    }

    pub fn dataset(&self, side: usize) -> &Dataset {
        if side == 0 {
            &self.source
        } else {
            &self.target
        }
    }
}

/// A size such as `2GB`, `512MB`, `1.5GiB` or `1000000` (bytes); K, M, G and T count in powers of 1024.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim().to_ascii_uppercase();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale: u64 = match unit.trim().trim_end_matches('B').trim_end_matches('I') {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return None,
    };
    (number > 0.0).then_some((number * scale as f64) as u64)
}

/// Half the machine's memory, or 4 GiB where the system does not say.
fn default_memory_limit() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|info| {
        let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok()
    });
    total.map_or(4 << 30, |kib| kib * 1024 / 2)
}

fn sample(args: &DiffArgs, source: &Dataset) -> Result<Option<Sample>> {
    if !(args.confidence > 0.0 && args.confidence < 1.0) {
        return Err(Error::setting("--confidence", "must lie strictly between 0 and 1"));
    }
    let Some(text) = &args.sample else { return Ok(None) };
    let rate = match text.trim().strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().ok().map(|p| p / 100.0),
        None => {
            let count: u64 = text
                .trim()
                .parse()
                .map_err(|_| Error::setting("--sample", format!("{text:?} is neither 1% nor 50000")))?;
            let rows = source.count_rows()?.ok_or_else(|| {
                Error::setting(
                    "--sample",
                    format!("{} has no known row count: sample a share such as 1%", source.location),
                )
            })?;
            Some(if rows == 0 { 1.0 } else { (count as f64 / rows as f64).min(1.0) })
        }
    };
    match rate {
        Some(rate) if rate > 0.0 && rate <= 1.0 => Ok(Some(Sample::new(rate, args.seed, args.confidence))),
        _ => Err(Error::setting("--sample", format!("{text:?} must be a share in (0%, 100%] or a positive count"))),
    }
}

/// Draws the sample's keys by their text (MD5, which PostgreSQL and MySQL compute too) where that lets a
/// database side select the sampled rows itself, and says in the sample's note where it could not.
fn push_down_sample(
    mut sample: Sample,
    key: &[ColumnPair],
    policies: &[SidePolicy; 2],
    sides: [&mut Dataset; 2],
) -> Sample {
    let databases: Vec<usize> = (0..2).filter(|&s| matches!(sides[s].format, Format::Database(_))).collect();
    if databases.is_empty() {
        sample.note = "files cannot select rows by key: every row is read, keys drawn by recon's xxh3 key hash".into();
        return sample;
    }
    let unfit = key.iter().find(|k| match k.resolution.canon {
        Canon::Int => false,
        Canon::Text => policies.iter().any(|p| p.strings.any()),
        _ => true,
    });
    if let Some(unfit) = unfit {
        sample.note = format!(
            "key column {} is not an integer or text compared as stored, so no database can draw the same \
             keys: every row is read, keys drawn by recon's xxh3 key hash",
            unfit.name
        );
        return sample;
    }
    let threshold = sample.text_threshold();
    let conditions = [0, 1].map(|side| {
        let names: Vec<String> =
            key.iter().map(|k| if side == 0 { k.name.clone() } else { k.target_name.clone() }).collect();
        sides[side].sample_condition(&names, sample.seed, threshold)
    });
    if conditions.iter().all(Option::is_none) {
        sample.note = format!(
            "{} cannot draw keys by MD5 of their text: every row is read, keys drawn by recon's xxh3 key hash",
            databases.iter().map(|&s| sides[s].format.kind()).collect::<Vec<_>>().join(" and ")
        );
        return sample;
    }
    sample.selection = Selection::KeyText;
    let mut notes = Vec::new();
    for (side, condition) in conditions.into_iter().enumerate() {
        let (name, kind) = (["source", "target"][side], sides[side].format.kind());
        notes.push(match condition {
            Some(condition) => {
                sides[side].restrict(condition);
                sample.pushed_down[side] = true;
                format!("the {name} ({kind}) selected the sampled rows itself")
            }
            None => format!("recon read every row of the {name} ({kind}) and kept the same keys"),
        });
    }
    sample.note = format!("keys drawn by MD5 of the key text: {}", notes.join("; "));
    sample
}

fn policy(args: &DiffArgs) -> Result<(Policy, [SidePolicy; 2])> {
    for (setting, value) in [("--float-abs-tol", args.float_abs_tol), ("--float-rel-tol", args.float_rel_tol)] {
        if value.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
            return Err(Error::setting(setting, "must be a finite number, 0 or more"));
        }
    }
    let zone = |setting: &str, name: &Option<String>| -> Result<Option<chrono_tz::Tz>> {
        name.as_deref()
            .map(|n| {
                n.parse::<chrono_tz::Tz>().map_err(|_| Error::setting(setting, format!("unknown time zone {n:?}")))
            })
            .transpose()
    };
    let precision = args
        .timestamp_precision
        .as_deref()
        .map(|p| {
            parse_unit(p).ok_or_else(|| Error::setting("--timestamp-precision", format!("{p:?} is not s, ms or us")))
        })
        .transpose()?;
    let strings = StringRules {
        trim: args.trim,
        ignore_case: args.ignore_case,
        unicode_nfc: args.unicode_nfc,
        empty_as_null: args.empty_as_null,
    };
    let side = |zone| SidePolicy { zone, precision, strings };
    let sides = [side(zone("--source-tz", &args.source_tz)?), side(zone("--target-tz", &args.target_tz)?)];
    let policy = Policy {
        float_abs_tol: args.float_abs_tol,
        float_rel_tol: args.float_rel_tol,
        source_tz: args.source_tz.clone(),
        target_tz: args.target_tz.clone(),
        timestamp_precision: args.timestamp_precision.clone(),
        trim: args.trim,
        ignore_case: args.ignore_case,
        unicode_nfc: args.unicode_nfc,
        empty_as_null: args.empty_as_null,
    };
    Ok((policy, sides))
}

fn csv_options(args: &DiffArgs) -> Result<CsvOptions> {
    let mut types = Vec::new();
    for spec in &args.csv_type {
        let (name, type_name) = spec
            .split_once('=')
            .ok_or_else(|| Error::setting("--csv-type", format!("expected COL=TYPE, got {spec:?}")))?;
        let data_type = crate::source::parse_csv_type(type_name)
            .ok_or_else(|| Error::setting("--csv-type", format!("unknown type {type_name:?} for column {name}")))?;
        types.push((name.trim().to_string(), data_type));
    }
    Ok(CsvOptions { delimiter: args.csv_delimiter, quote: args.csv_quote, null: args.csv_null.clone(), types })
}

/// Finds a column by name: an exact match first, else the one case-insensitive match.
fn find(schema: &Schema, name: &str, location: &str) -> Result<Option<usize>> {
    if let Ok(index) = schema.index_of(name) {
        return Ok(Some(index));
    }
    let matches: Vec<usize> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.name().eq_ignore_ascii_case(name))
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => {
            let names: Vec<&str> = many.iter().map(|i| schema.field(*i).name().as_str()).collect();
            Err(Error::column(
                name,
                format!("ambiguous in {location}: it matches {} ignoring case; use --map", names.join(", ")),
            ))
        }
    }
}

fn require(schema: &Schema, name: &str, location: &str) -> Result<usize> {
    find(schema, name, location)?.ok_or_else(|| {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        Error::column(name, format!("not found in {location} (its columns: {})", names.join(", ")))
    })
}

/// The declared length of a character type: `varchar(20)`, `character varying(20)`, `char(5)`.
fn text_length(declared: &str) -> Option<u32> {
    let lower = declared.to_ascii_lowercase();
    if !lower.contains("char") {
        return None;
    }
    let (_, rest) = lower.split_once('(')?;
    rest.split(')').next()?.trim().parse().ok()
}

fn match_columns(
    args: &DiffArgs,
    source: &Dataset,
    target: &Dataset,
) -> Result<(Vec<ColumnPair>, Vec<ColumnPair>, SchemaDiff)> {
    let (s_schema, t_schema) = (source.schema.as_ref(), target.schema.as_ref());
    let mut mapped = Vec::new();
    for spec in &args.map {
        let (from, to) =
            spec.split_once('=').ok_or_else(|| Error::setting("--map", format!("expected SRC=TGT, got {spec:?}")))?;
        let from = require(s_schema, from.trim(), &source.location)?;
        let to = require(t_schema, to.trim(), &target.location)?;
        mapped.push((from, to));
    }
    // The target column each source column pairs with, if any.
    let counterpart = |s: usize| -> Result<Option<usize>> {
        if let Some((_, t)) = mapped.iter().find(|(from, _)| *from == s) {
            return Ok(Some(*t));
        }
        find(t_schema, s_schema.field(s).name(), &target.location)
    };
    let pair = |s: usize| -> Result<ColumnPair> {
        let name = s_schema.field(s).name().clone();
        let t = counterpart(s)?.ok_or_else(|| {
            Error::column(
                &name,
                format!("not found in {}; name its counterpart with --map {name}=...", target.location),
            )
        })?;
        let (source_type, target_type) = (s_schema.field(s).data_type().clone(), t_schema.field(t).data_type().clone());
        let resolution = resolve_fields(&name, s_schema.field(s), t_schema.field(t))?;
        Ok(ColumnPair {
            name,
            target_name: t_schema.field(t).name().clone(),
            source_index: s,
            target_index: t,
            source_type,
            target_type,
            resolution,
        })
    };

    let key_indices: Vec<usize> =
        args.key.iter().map(|k| require(s_schema, k.trim(), &source.location)).collect::<Result<_>>()?;
    if let Some(repeated) = key_indices.iter().enumerate().find(|(i, k)| key_indices[..*i].contains(k)) {
        let name = s_schema.field(*repeated.1).name();
        return Err(Error::setting("--key", format!("column {name} is named twice")));
    }
    let key: Vec<ColumnPair> = key_indices.iter().map(|&s| pair(s)).collect::<Result<_>>()?;
    let excluded: Vec<usize> =
        args.exclude.iter().map(|c| require(s_schema, c.trim(), &source.location)).collect::<Result<_>>()?;

    let candidates: Vec<usize> = if args.columns.is_empty() {
        let mut shared = Vec::new();
        for s in 0..s_schema.fields().len() {
            if !key_indices.contains(&s) && counterpart(s)?.is_some() {
                shared.push(s);
            }
        }
        shared
    } else {
        args.columns.iter().map(|c| require(s_schema, c.trim(), &source.location)).collect::<Result<_>>()?
    };
    let columns: Vec<ColumnPair> = candidates
        .into_iter()
        .filter(|s| !excluded.contains(s) && !key_indices.contains(s))
        .map(pair)
        .collect::<Result<_>>()?;

    let mut paired_targets = Vec::new();
    let mut only_in_source = Vec::new();
    for s in 0..s_schema.fields().len() {
        match counterpart(s)? {
            Some(t) => paired_targets.push(t),
            None => only_in_source.push(s_schema.field(s).name().clone()),
        }
    }
    let only_in_target = (0..t_schema.fields().len())
        .filter(|t| !paired_targets.contains(t))
        .map(|t| t_schema.field(t).name().clone())
        .collect();
    let declared = |schema: &Schema, index: usize| schema.field(index).metadata().get(DECLARED_TYPE).cloned();
    let type_differences = key
        .iter()
        .chain(&columns)
        .filter_map(|p| {
            let (s_decl, t_decl) = (declared(s_schema, p.source_index), declared(t_schema, p.target_index));
            let show = |decl: Option<String>, arrow: &DataType| decl.unwrap_or_else(|| arrow.to_string());
            let truncates = match (s_decl.as_deref().and_then(text_length), t_decl.as_deref().and_then(text_length)) {
                (Some(s), Some(t)) => t < s,
                _ => false,
            };
            // Engines name the same type differently (`integer`, `int(11)`): only Arrow type changes and
            // narrower text columns are differences.
            (p.source_type != p.target_type || truncates || p.resolution.lossy).then(|| TypeDifference {
                column: p.name.clone(),
                source_type: show(s_decl, &p.source_type),
                target_type: show(t_decl, &p.target_type),
                lossy: p.resolution.lossy || truncates,
            })
        })
        .collect();
    Ok((key, columns, SchemaDiff { only_in_source, only_in_target, type_differences }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(parse_size("2GB"), Some(2 << 30));
        assert_eq!(parse_size("512mb"), Some(512 << 20));
        assert_eq!(parse_size("1.5GiB"), Some(3 << 29));
        assert_eq!(parse_size("1000"), Some(1000));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("0"), None);
    }
}
