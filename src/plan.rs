//! The resolved comparison: a [`TableSpec`] against both opened datasets — key and compared columns matched
//! across the two schemas, each pair's canonical form chosen, the sample pushed down where a database can
//! draw it. Built once, before any row is read, so bad settings fail fast.

use std::path::PathBuf;

use arrow::datatypes::{DataType, Schema};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::finding::KeySource;
use crate::normalize::policy::{SidePolicy, StringRules, Tolerance, Tolerances};
use crate::normalize::{fixed_char, resolve_fields, Canon, Resolution, SideColumns, DECLARED_TYPE, FRACTION_DIGITS};
use crate::sample::{Sample, Selection};
use crate::session::Memory;
use crate::side::{Side, Sides};
use crate::source::catalog::{TableKeys, UniqueKey};
use crate::source::dialect::delimiter_advice;
use crate::source::keyset::KeySet;
use crate::source::{read_json_schema, CsvOptions, Dataset, DbOptions, Format, JsonOptions, OpenOptions, ReadSettings};
use crate::spec::{Budgets, Keep, KeySpec, Policy, Precision, SampleSize, Strategy, TableSpec};

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

impl ColumnPair {
    /// The column's name and schema index on one side.
    pub fn on(&self, side: Side) -> (&str, usize) {
        match side {
            Side::Source => (&self.name, self.source_index),
            Side::Target => (&self.target_name, self.target_index),
        }
    }
}

/// Columns on one side only and pairs whose types differ: the report's `schema` section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SchemaDiff {
    pub only_in_source: Vec<String>,
    pub only_in_target: Vec<String>,
    pub type_differences: Vec<TypeDifference>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TypeDifference {
    pub column: String,
    pub source_type: String,
    pub target_type: String,
    pub lossy: bool,
    /// The target's type holds less than the source's (fewer digits, a coarser time unit, a shorter text, a
    /// narrower integer): values the source may hold would not fit. A sign-off's `type_narrowed` check.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub narrows: bool,
}

/// Everything the engine runs for one table, resolved.
pub struct Plan {
    pub datasets: Sides<Dataset>,
    /// Key column pairs; when keyless, every compared column (a row is its own key).
    pub key: Vec<ColumnPair>,
    pub key_source: KeySource,
    /// Whole rows compared as multisets: `columns` is empty and `key` holds every compared column.
    pub keyless: bool,
    pub columns: Vec<ColumnPair>,
    /// Every column both sides hold, compared or not, as (source index, target index) in source order (ascending
    /// source index): what a repair script's INSERT carries.
    pub shared: Vec<(usize, usize)>,
    pub schema: SchemaDiff,
    pub policy: Policy,
    side_policies: Sides<SidePolicy>,
    pub sample: Option<Sample>,
    /// The keys this comparison reads, or leaves out (rechecks, key lists, windows); `None`: every key.
    pub key_set: Option<std::sync::Arc<KeySet>>,
    pub budgets: Budgets,
    pub keep: Keep,
    pub memory: Memory,
    pub spill_dir: PathBuf,
    pub strategy: Strategy,
}

/// The names a comparison's findings are written under once its datasets have closed (`--diff-out`).
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Key columns as the source names them; when keyless, every compared column.
    pub key: Vec<String>,
    /// Compared non-key columns as the source names them, in the order findings index them.
    pub columns: Vec<String>,
    pub keyless: bool,
}

/// How each side of `spec` is opened.
pub fn open_options(spec: &TableSpec) -> Result<Sides<OpenOptions>> {
    let mut types = Vec::new();
    for (name, type_name) in &spec.csv.types {
        let data_type = crate::source::parse_csv_type(type_name).ok_or_else(|| {
            let known = crate::source::CSV_TYPES.join(", ");
            let hint = crate::spelling::did_you_mean(type_name, crate::source::CSV_TYPES);
            let message =
                format!("unknown type {type_name:?} for column {name} (the types: {known}, decimal(P,S)){hint}");
            Error::setting(spec.origins.setting("csv_type"), message)
        })?;
        types.push((name.clone(), data_type));
    }
    let csv = CsvOptions { delimiter: spec.csv.delimiter, quote: spec.csv.quote, null: spec.csv.null.clone(), types };
    let json =
        JsonOptions { schema: spec.json_schema.as_deref().map(read_json_schema).transpose()?.map(std::sync::Arc::new) };
    Ok(spec.sides.as_ref().map(|side| OpenOptions {
        csv: csv.clone(),
        json: json.clone(),
        storage: side.storage.clone(),
        db: DbOptions {
            query: side.query.clone(),
            connect_timeout: spec.connect_timeout,
            statement_timeout: spec.statement_timeout,
            snapshot: side.snapshot.clone(),
            connections: None,
            columns: None,
            estimate: None,
            read: ReadSettings { connections: spec.db_connections, sharing: spec.jobs * same_server(spec), threads: 1 },
        },
    }))
}

/// How many sides of the table read from one server: 2 when both are databases there (they share its slots).
fn same_server(spec: &TableSpec) -> usize {
    use crate::location::Kind;
    match (spec.sides.source.location.kind(), spec.sides.target.location.kind()) {
        (Kind::Database(a), Kind::Database(b)) if a.server() == b.server() => 2,
        _ => 1,
    }
}

impl Plan {
    /// `keys` are what each side's table declares (from its catalog), from which the key may be discovered.
    pub fn resolve(
        spec: &TableSpec,
        mut datasets: Sides<Dataset>,
        keys: Sides<TableKeys>,
        memory: Memory,
        spill_dir: PathBuf,
    ) -> Result<Plan> {
        let side_policies = Sides::from_fn(|side| side_policy(&spec.policy, side));
        check_csv_types(spec, &datasets)?;
        let matcher = Matcher::new(spec, &datasets)?;
        let (key_indices, key_source) = decide_key(spec, &matcher, &keys)?;
        let Matched { key, columns, shared, schema } = match_columns(spec, &matcher, key_indices.as_deref())?;
        let keyless = key_indices.is_none();
        let p = &spec.policy;
        let tolerances = [
            (p.float_abs_tol.is_some(), "float_abs_tol", "float"),
            (p.float_rel_tol.is_some(), "float_rel_tol", "float"),
            (p.decimal_abs_tol.is_some(), "decimal_abs_tol", "decimal"),
        ];
        if let Some((_, field, kind)) = tolerances.iter().find(|(given, ..)| keyless && *given) {
            return Err(Error::setting(
                spec.origins.setting(field),
                format!("a keyless comparison matches whole rows exactly: {kind} tolerances need a key (--key)"),
            ));
        }
        let sample = match &spec.sample {
            Some(sample) => Some(push_down_sample(
                Sample::new(sample_rate(spec, sample.size, &datasets.source)?, sample.seed, sample.confidence),
                &key,
                &side_policies,
                &mut datasets,
            )?),
            None => None,
        };
        // What pass one fetches from a network store may be kept for the read-back in half the read-back's share
        // (idle until then); the read-back lets it go as it decodes it.
        datasets.iter().for_each(|(_, dataset)| dataset.keep_fetched(memory.readback / 4));
        Ok(Plan {
            datasets,
            key,
            key_source,
            keyless,
            columns,
            shared,
            schema,
            policy: spec.policy.clone(),
            side_policies,
            sample,
            key_set: None,
            budgets: spec.budgets.clone(),
            keep: spec.keep,
            memory,
            spill_dir,
            strategy: spec.strategy,
        })
    }

    /// Whether no key can repeat: a database declares it unique (the key is its primary key or a unique index),
    /// and canonical keys keep every value apart (no text rule, truncated timestamp or rounded value merges two,
    /// nor text read as something else: see [`Plan::key_keeps_equality`]).
    pub fn key_declared_unique(&self) -> bool {
        let declared = matches!(
            self.key_source,
            KeySource::SourcePrimaryKey | KeySource::TargetPrimaryKey | KeySource::UniqueIndex
        );
        let merging = |side: Side| self.side_policy(side).strings.any() || self.side_policy(side).precision.is_some();
        declared
            && !Side::BOTH.into_iter().any(merging)
            && self.key.iter().all(|pair| !pair.resolution.lossy)
            && Side::BOTH.into_iter().all(|side| self.key_keeps_equality(side))
    }

    /// Whether key values `side` holds apart stay apart in their canonical form. A unique index compares them as
    /// the side declares them, so text read as something else folds distinct values into one key: `'a'` and
    /// `'a '` unpadded beside a `CHAR(n)` column, `'ABC…'` and `'abc…'` as UUIDs, `'1.0'` and `'1.00'` as decimals.
    pub fn key_keeps_equality(&self, side: Side) -> bool {
        self.key.iter().all(|pair| {
            let field = self.datasets[side].schema.field(pair.on(side).1);
            let text = matches!(field.data_type(), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
            match &pair.resolution.canon {
                Canon::Text => true,
                Canon::Unpadded(_) => field.metadata().get(DECLARED_TYPE).is_some_and(|d| fixed_char(d)),
                _ => !text,
            }
        })
    }

    /// What one side's canonicalization needs of the policy.
    pub fn side_policy(&self, side: Side) -> &SidePolicy {
        &self.side_policies[side]
    }

    /// The names findings are written under, kept when the datasets close.
    pub fn names(&self) -> Names {
        let names = |pairs: &[ColumnPair]| pairs.iter().map(|p| p.name.clone()).collect();
        Names { key: names(&self.key), columns: names(&self.columns), keyless: self.keyless }
    }

    /// One side's columns to read and their canonical forms.
    pub fn side_columns(&self, side: Side) -> SideColumns {
        let pick = |pairs: &[ColumnPair]| {
            pairs
                .iter()
                .map(|p| {
                    let (name, index) = p.on(side);
                    (name.to_string(), index, p.resolution.canon.clone())
                })
                .collect()
        };
        let p = &self.policy;
        let float = (p.float_abs_tol.is_some() || p.float_rel_tol.is_some())
            .then_some(Tolerance { abs: p.float_abs_tol, rel: p.float_rel_tol });
        let tolerances = Tolerances { float, decimal: p.decimal_abs_tol };
        let mut columns =
            SideColumns::new(pick(&self.key), pick(&self.columns), self.side_policies[side].clone(), tolerances);
        columns.whole_rows = self.keyless;
        columns
    }
}

/// A `--csv-type` names a column of every CSV side.
fn check_csv_types(spec: &TableSpec, datasets: &Sides<Dataset>) -> Result<()> {
    for (_, dataset) in datasets.iter().filter(|(_, d)| d.format == Format::Csv) {
        let names: Vec<&str> = dataset.schema.fields().iter().map(|f| f.name().as_str()).collect();
        if let Some((name, _)) = spec.csv.types.iter().find(|(name, _)| !names.contains(&name.as_str())) {
            return Err(Error::setting(spec.origins.setting("csv_type"), not_in(dataset, name)));
        }
    }
    Ok(())
}

/// The share of keys a sample takes: given, or a count turned into a share of the source's rows.
fn sample_rate(spec: &TableSpec, size: SampleSize, source: &Dataset) -> Result<f64> {
    match size {
        SampleSize::Share(share) => Ok(share),
        SampleSize::Count(count) => {
            let rows = source.count_rows()?.ok_or_else(|| {
                Error::setting(
                    spec.origins.setting("sample"),
                    format!("{} has no known row count: sample a share such as 1%", source.location),
                )
            })?;
            Ok(if rows == 0 { 1.0 } else { (count as f64 / rows as f64).min(1.0) })
        }
    }
}

/// What one side's canonicalization needs of the policy (validated when the spec was made).
fn side_policy(policy: &Policy, side: Side) -> SidePolicy {
    SidePolicy {
        zone: policy.zone(side),
        precision: policy.timestamp_precision.map(Precision::unit),
        strings: StringRules {
            trim: policy.trim,
            ignore_case: policy.ignore_case,
            unicode_nfc: policy.unicode_nfc,
            empty_as_null: policy.empty_as_null,
        },
    }
}

/// Draws the sample's keys by their text (MD5, which PostgreSQL and MySQL compute too) where that lets a
/// database side select the sampled rows itself, and says in the sample's note where it could not.
fn push_down_sample(
    mut sample: Sample,
    key: &[ColumnPair],
    policies: &Sides<SidePolicy>,
    datasets: &mut Sides<Dataset>,
) -> Result<Sample> {
    let databases: Vec<Side> =
        Side::BOTH.into_iter().filter(|&s| matches!(datasets[s].format, Format::Database(_) | Format::Odbc)).collect();
    if databases.is_empty() {
        sample.note = "files cannot select rows by key: every row is read, keys drawn by recon's xxh3 key hash".into();
        return Ok(sample);
    }
    let unfit = key.iter().find(|k| match k.resolution.canon {
        Canon::Int => false,
        Canon::Text => policies.iter().any(|(_, p)| p.strings.any()),
        _ => true,
    });
    if let Some(unfit) = unfit {
        sample.note = format!(
            "key column {} is not an integer or text compared as stored, so no database can draw the same \
             keys: every row is read, keys drawn by recon's xxh3 key hash",
            unfit.name
        );
        return Ok(sample);
    }
    let threshold = sample.text_threshold();
    let conditions = Sides::from_fn(|side| {
        let names: Vec<String> = key.iter().map(|k| k.on(side).0.to_string()).collect();
        datasets[side].sample_condition(&names, sample.seed, threshold)
    });
    if conditions.iter().all(|(_, c)| c.is_none()) {
        sample.note = format!(
            "{} cannot draw keys by MD5 of their text: every row is read, keys drawn by recon's xxh3 key hash",
            databases.iter().map(|&s| datasets[s].format.kind()).collect::<Vec<_>>().join(" and ")
        );
        return Ok(sample);
    }
    sample.selection = Selection::KeyText;
    let mut notes = Vec::new();
    for (side, condition) in Side::BOTH.into_iter().zip(conditions.into_array()) {
        let (name, kind) = (side.name(), datasets[side].format.kind());
        notes.push(match condition {
            Some(condition) => {
                datasets[side].restrict(condition)?;
                sample.pushed_down[side] = true;
                format!("the {name} ({kind}) selected the sampled rows itself")
            }
            None => format!("recon read every row of the {name} ({kind}) and kept the same keys"),
        });
    }
    sample.note = format!("keys drawn by MD5 of the key text: {}", notes.join("; "));
    Ok(sample)
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

/// The index of the column `setting` (as the user gave it: `--key`, `key in audit.toml …`) names in `dataset`.
fn require(dataset: &Dataset, name: &str, setting: &str) -> Result<usize> {
    let (schema, location) = (&dataset.schema, &dataset.location);
    find(schema, name, location)?.ok_or_else(|| Error::setting(setting, not_in(dataset, name)))
}

/// `column x is not in LOCATION (its columns: …)`, then what was probably meant: the delimiter a CSV header
/// read as one column holds, or the column nearest by spelling.
fn not_in(dataset: &Dataset, name: &str) -> String {
    let names: Vec<&str> = dataset.schema.fields().iter().map(|f| f.name().as_str()).collect();
    let hint = match delimiter_advice(dataset) {
        Some(advice) => format!("; {advice}"),
        None => crate::spelling::did_you_mean(name, names.iter().copied()),
    };
    format!("column {name} is not in {} (its columns: {}){hint}", dataset.location, names.join(", "))
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

/// Pairs source columns with target columns: `--map` first, then the same name (exactly, else ignoring case).
struct Matcher<'a> {
    datasets: &'a Sides<Dataset>,
    /// (source index, target index) of every `--map` pair.
    mapped: Vec<(usize, usize)>,
}

impl<'a> Matcher<'a> {
    fn new(spec: &TableSpec, datasets: &'a Sides<Dataset>) -> Result<Matcher<'a>> {
        let mut mapped = Vec::new();
        let setting = spec.origins.setting("map");
        for (from, to) in &spec.map {
            mapped.push((require(&datasets.source, from, &setting)?, require(&datasets.target, to, &setting)?));
        }
        Ok(Matcher { datasets, mapped })
    }

    fn schema(&self, side: Side) -> &Schema {
        self.datasets[side].schema.as_ref()
    }

    /// The index of the source column `setting` names.
    fn source(&self, name: &str, setting: &str) -> Result<usize> {
        require(&self.datasets.source, name, setting)
    }

    /// The target column a source column pairs with, if any.
    fn counterpart(&self, s: usize) -> Result<Option<usize>> {
        if let Some((_, t)) = self.mapped.iter().find(|(from, _)| *from == s) {
            return Ok(Some(*t));
        }
        let name = self.schema(Side::Source).field(s).name();
        find(self.schema(Side::Target), name, &self.datasets.target.location)
    }

    /// The source column a target column pairs with, if any.
    fn source_of(&self, t: usize) -> Result<Option<usize>> {
        for s in 0..self.schema(Side::Source).fields().len() {
            if self.counterpart(s)? == Some(t) {
                return Ok(Some(s));
            }
        }
        Ok(None)
    }

    fn pair(&self, s: usize) -> Result<ColumnPair> {
        let (s_field, target) = (self.schema(Side::Source).field(s), &self.datasets.target);
        let name = s_field.name().clone();
        let t = self.counterpart(s)?.ok_or_else(|| {
            let advice = delimiter_advice(target).unwrap_or(format!("name its counterpart with --map {name}=..."));
            Error::column(&name, format!("not found in {}; {advice}", target.location))
        })?;
        let t_field = self.schema(Side::Target).field(t);
        Ok(ColumnPair {
            resolution: resolve_fields(&name, s_field, t_field)?,
            name,
            target_name: t_field.name().clone(),
            source_index: s,
            target_index: t,
            source_type: s_field.data_type().clone(),
            target_type: t_field.data_type().clone(),
        })
    }

    /// Source indices of columns named on one side, or `None` when one has no counterpart on the source.
    fn on_source(&self, side: Side, names: &[String]) -> Result<Option<Vec<usize>>> {
        let mut indices = Vec::with_capacity(names.len());
        for name in names {
            let Some(index) = find(self.schema(side), name, &self.datasets[side].location)? else { return Ok(None) };
            let source = match side {
                Side::Source => Some(index),
                Side::Target => self.source_of(index)?,
            };
            match source {
                Some(s) => indices.push(s),
                None => return Ok(None),
            }
        }
        Ok(Some(indices))
    }
}

/// The key's source columns and where they came from (`None`: keyless), by the contract's one rule: the
/// columns given; else the source's primary key, the target's, then the unique index over NOT NULL columns
/// with the fewest columns (ties by name), on either side; else keyless, or an error under `--require-key`.
fn decide_key(spec: &TableSpec, matcher: &Matcher, keys: &Sides<TableKeys>) -> Result<(Option<Vec<usize>>, KeySource)> {
    let require = match &spec.key {
        KeySpec::Given { columns, source } => {
            let setting = spec.origins.setting("key");
            let indices: Vec<usize> = columns.iter().map(|k| matcher.source(k, &setting)).collect::<Result<_>>()?;
            return Ok((Some(indices), *source));
        }
        KeySpec::Keyless => return Ok((None, KeySource::Keyless)),
        KeySpec::Discover { require } => *require,
    };
    for (side, found) in [(Side::Source, KeySource::SourcePrimaryKey), (Side::Target, KeySource::TargetPrimaryKey)] {
        if let Some(primary) = &keys[side].primary_key {
            if let Some(indices) = matcher.on_source(side, primary)? {
                return Ok((Some(indices), found));
            }
        }
    }
    let mut unique: Vec<(&UniqueKey, Vec<usize>)> = Vec::new();
    for (side, side_keys) in keys.iter() {
        for index in &side_keys.unique {
            if let Some(indices) = matcher.on_source(side, &index.columns)? {
                unique.push((index, indices));
            }
        }
    }
    unique.sort_by(|(a, _), (b, _)| (a.columns.len(), &a.name).cmp(&(b.columns.len(), &b.name)));
    if let Some((_, indices)) = unique.into_iter().next() {
        return Ok((Some(indices), KeySource::UniqueIndex));
    }
    if require {
        return Err(Error::setting(
            spec.origins.setting("require_key"),
            format!(
                "{} and {} declare no primary key or unique index over NOT NULL columns: name the key with --key",
                matcher.datasets.source.location, matcher.datasets.target.location
            ),
        ));
    }
    Ok((None, KeySource::Keyless))
}

/// How the two sides' columns pair up.
struct Matched {
    /// The key pairs; when keyless, every compared column.
    key: Vec<ColumnPair>,
    columns: Vec<ColumnPair>,
    /// Every column both sides hold: (source index, target index).
    shared: Vec<(usize, usize)>,
    schema: SchemaDiff,
}

fn match_columns(spec: &TableSpec, matcher: &Matcher, key_indices: Option<&[usize]>) -> Result<Matched> {
    let (s_schema, t_schema) = (matcher.schema(Side::Source), matcher.schema(Side::Target));
    let key_indices = key_indices.unwrap_or_default();
    if let Some(repeated) = key_indices.iter().enumerate().find(|(i, k)| key_indices[..*i].contains(k)) {
        let name = s_schema.field(*repeated.1).name();
        return Err(Error::setting(spec.origins.setting("key"), format!("column {name} is named twice")));
    }
    let setting = spec.origins.setting("exclude");
    let excluded: Vec<usize> = spec.exclude.iter().map(|c| matcher.source(c, &setting)).collect::<Result<_>>()?;
    let candidates: Vec<usize> = if spec.columns.is_empty() {
        let mut shared = Vec::new();
        for s in 0..s_schema.fields().len() {
            if !key_indices.contains(&s) && matcher.counterpart(s)?.is_some() {
                shared.push(s);
            }
        }
        shared
    } else {
        let setting = spec.origins.setting("columns");
        spec.columns.iter().map(|c| matcher.source(c, &setting)).collect::<Result<_>>()?
    };
    let compared = candidates.into_iter().filter(|s| !excluded.contains(s) && !key_indices.contains(s));
    let compared: Vec<ColumnPair> = compared.map(|s| matcher.pair(s)).collect::<Result<_>>()?;
    let key: Vec<ColumnPair> = key_indices.iter().map(|&s| matcher.pair(s)).collect::<Result<_>>()?;
    // Keyless: every compared column is part of the whole row's identity.
    let (key, columns) = if key.is_empty() { (compared, Vec::new()) } else { (key, compared) };

    let mut shared = Vec::new();
    let mut only_in_source = Vec::new();
    for s in 0..s_schema.fields().len() {
        match matcher.counterpart(s)? {
            Some(t) => shared.push((s, t)),
            None => only_in_source.push(s_schema.field(s).name().clone()),
        }
    }
    let only_in_target = (0..t_schema.fields().len())
        .filter(|t| !shared.iter().any(|(_, paired)| paired == t))
        .map(|t| t_schema.field(t).name().clone())
        .collect();
    let type_differences = key.iter().chain(&columns).filter_map(|p| type_difference(p, s_schema, t_schema)).collect();
    Ok(Matched { key, columns, shared, schema: SchemaDiff { only_in_source, only_in_target, type_differences } })
}

/// How a pair's types differ, if they do in a way worth reporting.
fn type_difference(pair: &ColumnPair, s_schema: &Schema, t_schema: &Schema) -> Option<TypeDifference> {
    let declared = |schema: &Schema, index: usize| schema.field(index).metadata().get(DECLARED_TYPE).cloned();
    let (s_decl, t_decl) = (declared(s_schema, pair.source_index), declared(t_schema, pair.target_index));
    let show = |decl: Option<String>, arrow: &DataType| decl.unwrap_or_else(|| arrow.to_string());
    let truncates = match (s_decl.as_deref().and_then(text_length), t_decl.as_deref().and_then(text_length)) {
        (Some(s), Some(t)) => t < s,
        _ => false,
    };
    // Engines name the same type differently (`integer`, `int(11)`): only Arrow type changes, narrower text
    // columns and comparisons at a coarser precision than a side holds are differences.
    let digits = |schema: &Schema, index: usize| {
        schema.field(index).metadata().get(FRACTION_DIGITS).and_then(|d| d.parse::<u8>().ok())
    };
    let narrows = truncates
        || narrower(&pair.source_type, &pair.target_type)
        || matches!((digits(s_schema, pair.source_index), digits(t_schema, pair.target_index)), (Some(s), Some(t)) if t < s);
    (pair.source_type != pair.target_type || truncates || pair.resolution.lossy).then(|| TypeDifference {
        column: pair.name.clone(),
        source_type: show(s_decl, &pair.source_type),
        target_type: show(t_decl, &pair.target_type),
        lossy: pair.resolution.lossy || truncates,
        narrows,
    })
}

/// Whether the target's Arrow type holds less than the source's: fewer integer bits, fewer decimal digits or
/// scale, a 32-bit float for a 64-bit one, a coarser time unit, a date for a timestamp.
fn narrower(source: &DataType, target: &DataType) -> bool {
    use DataType::*;
    let ticks = |unit: &arrow::datatypes::TimeUnit| match unit {
        arrow::datatypes::TimeUnit::Second => 0,
        arrow::datatypes::TimeUnit::Millisecond => 3,
        arrow::datatypes::TimeUnit::Microsecond => 6,
        arrow::datatypes::TimeUnit::Nanosecond => 9,
    };
    let decimal = |t: &DataType| match t {
        Decimal32(p, s) | Decimal64(p, s) | Decimal128(p, s) | Decimal256(p, s) => Some((*p as i16 - *s as i16, *s)),
        _ => None,
    };
    match (source, target) {
        (s, t) if s.is_integer() && t.is_integer() => t.primitive_width() < s.primitive_width(),
        (Float64, Float32 | Float16) | (Float32, Float16) => true,
        (Timestamp(s, _), Timestamp(t, _)) | (Time64(s) | Time32(s), Time64(t) | Time32(t)) => ticks(t) < ticks(s),
        (Timestamp(..), Date32 | Date64) => true,
        (s, t) => match (decimal(s), decimal(t)) {
            (Some((s_int, s_scale)), Some((t_int, t_scale))) => t_int < s_int || t_scale < s_scale,
            _ => false,
        },
    }
}
