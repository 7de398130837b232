//! `--pushdown`: the fingerprint tier run inside the databases (DESIGN.md, "Fingerprints in the databases").
//! Both servers fingerprint every bucket of key hashes over canonical value text; buckets that differ are split
//! and fingerprinted again while they hold many rows; then only the rows of the buckets still differing are
//! read, and recon's own pass classifies them. Rows in equal buckets count as matched without being read, so
//! the report's totals are a full read's. A side of files against a database is hashed by recon itself, in the
//! same encoding (`files.rs`).

mod files;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use arrow::datatypes::TimeUnit;

use super::{finish, pass_adjusted, run, Outcome};
use crate::digest::Fingerprint;
use crate::error::{Error, Result};
use crate::location::Kind;
use crate::normalize::Canon;
use crate::plan::{ColumnPair, Plan};
use crate::report::model::PushdownReport;
use crate::session::Session;
use crate::side::{Side, Sides};
use crate::source::fingerprints::{Bucket, BucketRequest, Form, ENCODING};
use crate::source::keyset::KeyRows;
use crate::source::{Dataset, Format, Wire};
use crate::spec::{Pushdown, TableSpec};

/// A differing bucket holding more rows than this (on its larger side) may be split and fingerprinted again
/// rather than read: a bucket's fingerprint costs about as many bytes as one row, so splitting a bucket of n
/// rows 16 or 256 ways costs far less than reading n rows once n is a few dozen.
const SPLIT_ROWS: u64 = 32;
/// Buckets are split only while their rows are more than 1/`READ_SHARE` of the table: below that, reading them
/// costs fewer bytes than the first round's fingerprints did, and less time than scanning the tables again.
const READ_SHARE: u64 = 100;
/// Rows a split aims to leave per bucket.
const AIM_ROWS: u64 = 4;
/// Hex digits of the key hash that name a bucket at most (2^32 buckets).
const MAX_DIGITS: usize = 8;
/// First-round buckets: about one per this many rows (the catalog's estimate), 256 to 2^20 of them.
const ROWS_PER_BUCKET: u64 = 1024;

/// Compares `plan`'s table with fingerprints computed in its databases, or reads it in full where `mode` allows
/// and says why.
pub(super) fn compare(plan: Plan, session: &Session, label: &str, started: Instant, mode: Pushdown) -> Result<Outcome> {
    match (mode, refusal(&plan)) {
        (Pushdown::Off, _) => run(plan, session, label, started),
        (Pushdown::Required, Some(refused)) => Err(Error::setting("--pushdown required", refused.why)),
        (Pushdown::Auto, Some(refused)) => {
            tracing::info!("{}reading in full: {}", super::line_prefix(label), refused.why);
            let mut outcome = run(plan, session, label, started)?;
            outcome.report.pushdown = Some(PushdownReport {
                mode: mode.name().to_string(),
                encoding: None,
                buckets: 0,
                differing_buckets: 0,
                rounds: 0,
                rows_not_read: 0,
                columns_read_in_full: refused.columns,
                read_in_full: Some(refused.why),
                bytes_received: Sides::default(),
            });
            Ok(outcome)
        }
        (_, None) => pushed_down(plan, session, label, started, mode),
    }
}

/// Puts the bytes each side's server sent into the report: `stats.bytes_received`, and the `pushdown` block's.
pub(super) fn count(report: &mut crate::report::Report, wires: &Sides<Option<Wire>>) {
    let received = wires.as_ref().map(|wire| wire.as_ref().map(Wire::received));
    if let Some(pushdown) = &mut report.pushdown {
        pushdown.bytes_received = received;
    }
    let counted = [received.source, received.target];
    report.stats.bytes_received = counted.iter().any(Option::is_some).then(|| counted.iter().flatten().sum());
}

/// With `--pushdown`, `spec` with each database side reached through a counting forwarder, and the forwarders;
/// otherwise `spec` as it is.
pub(super) fn through_wires<'a>(
    spec: &'a TableSpec,
    session: &Session,
) -> Result<(Cow<'a, TableSpec>, Sides<Option<Wire>>)> {
    let mut wires = Sides::default();
    if spec.pushdown.is_none() {
        return Ok((Cow::Borrowed(spec), wires));
    }
    let mut spec = spec.clone();
    for side in Side::BOTH {
        let location = &spec.sides[side].location;
        let Kind::Database(database) = location.kind() else { continue };
        if let Some((wire, through)) = Wire::start(location, database, session.runtime())? {
            spec.sides[side].location = through;
            wires[side] = Some(wire);
        }
    }
    Ok((Cow::Owned(spec), wires))
}

/// Why a table cannot be fingerprinted in its databases, and the columns to blame.
struct Refusal {
    why: String,
    columns: Vec<String>,
}

/// Why `plan`'s table must be read in full, if it must.
fn refusal(plan: &Plan) -> Option<Refusal> {
    let whole = |why: &str| Some(Refusal { why: why.to_string(), columns: Vec::new() });
    if plan.sample.is_some() {
        return whole("a sample is drawn from rows recon reads");
    }
    if plan.key_set.is_some() {
        return whole("the keys to compare are listed");
    }
    for (side, dataset) in plan.datasets.iter() {
        if !dataset.capabilities.fingerprints && !hashed_here(dataset) {
            let why = format!(
                "the {side} ({}, {}) computes no fingerprints: only PostgreSQL and MySQL/MariaDB tables do, and files \
                 against one of them",
                dataset.location,
                dataset.format.kind()
            );
            return Some(Refusal { why, columns: Vec::new() });
        }
    }
    if plan.datasets.iter().all(|(_, dataset)| hashed_here(dataset)) {
        return whole("neither side is a database: there is nothing to compute in a server");
    }
    let mut reasons = Vec::new();
    let mut columns = Vec::new();
    for pair in plan.key.iter().chain(&plan.columns) {
        if let Err(why) = form(plan, pair) {
            reasons.push(format!(
                "column {} ({} vs {}): {why}",
                pair.name,
                declared(plan, pair, Side::Source),
                declared(plan, pair, Side::Target)
            ));
            columns.push(pair.name.clone());
        }
    }
    (!reasons.is_empty()).then(|| Refusal { why: reasons.join("; "), columns })
}

/// Whether recon computes `dataset`'s fingerprints itself under `--pushdown`: a side of files (not a database,
/// and not an ODBC source, which is read in full).
fn hashed_here(dataset: &Dataset) -> bool {
    !matches!(dataset.format, Format::Database(_) | Format::Odbc)
}

/// A column's type as its side declares it.
fn declared(plan: &Plan, pair: &ColumnPair, side: Side) -> String {
    let field = plan.datasets[side].schema.field(pair.on(side).1);
    field.metadata().get(crate::normalize::DECLARED_TYPE).cloned().unwrap_or_else(|| field.data_type().to_string())
}

/// The canonical text both sides write `pair` as, or why they cannot write it alike.
fn form(plan: &Plan, pair: &ColumnPair) -> std::result::Result<Form, String> {
    let p = &plan.policy;
    // Floats by their bits where no side is MySQL/MariaDB (PostgreSQL, or recon over files).
    let float_bits = plan
        .datasets
        .iter()
        .all(|(_, d)| d.format == Format::Database(crate::source::Engine::Postgres) || hashed_here(d));
    let strings = Side::BOTH.iter().any(|&side| plan.side_columns(side).policy.strings.any());
    let zoned = Side::BOTH.iter().any(|&side| {
        let policy = plan.side_columns(side).policy;
        policy.precision.is_some() || policy.zone.is_some_and(|z| z != chrono_tz::UTC)
    });
    if pair.resolution.lossy {
        return Err("its values are rounded to compare, which only recon does".into());
    }
    let form = match &pair.resolution.canon {
        Canon::Bool => Form::Boolean,
        Canon::Int => Form::Integer,
        Canon::Decimal { .. } | Canon::Decimal256 { .. } | Canon::DecimalText if p.decimal_abs_tol.is_none() => {
            Form::Decimal
        }
        Canon::Decimal { .. } | Canon::Decimal256 { .. } | Canon::DecimalText => {
            return Err("decimals compared within --decimal-abs-tol are bucketed by recon".into())
        }
        Canon::Float64 | Canon::Float32 if p.float_abs_tol.is_some() || p.float_rel_tol.is_some() => {
            return Err("floats compared within a tolerance are bucketed by recon".into())
        }
        Canon::Float64 if float_bits => Form::Float64Bits,
        Canon::Float32 if float_bits => Form::Float32Bits,
        Canon::Float64 | Canon::Float32 => {
            return Err("only PostgreSQL writes a float's exact bits; engines' float texts round differently".into())
        }
        Canon::Text if !strings => Form::Text,
        Canon::Unpadded(inner) if **inner == Canon::Text && !strings => Form::Unpadded,
        Canon::Text | Canon::Unpadded(_) if strings => {
            return Err("text rules (--trim, --ignore-case, --unicode-nfc, --empty-as-null) are applied by recon".into())
        }
        Canon::Date => Form::Date,
        Canon::Timestamp(TimeUnit::Microsecond) | Canon::TimestampDigits { digits: 6, .. } if !zoned => Form::Instant,
        Canon::Timestamp(_) | Canon::TimestampDigits { .. } => {
            return Err("timestamps cut to a coarser precision or shifted from a zone are compared by recon".into())
        }
        Canon::Uuid => Form::Uuid,
        other => return Err(format!("no canonical text for {other:?} is written by both engines")),
    };
    for side in Side::BOTH.into_iter().filter(|&side| !hashed_here(&plan.datasets[side])) {
        if let Some(why) = plan.datasets[side].refuse_form(pair.on(side).1, form) {
            return Err(why);
        }
    }
    Ok(form)
}

/// The rounds of fingerprints, then recon's pass over the rows of the buckets left.
fn pushed_down(mut plan: Plan, session: &Session, label: &str, started: Instant, mode: Pushdown) -> Result<Outcome> {
    let key = Sides::new(forms(&plan, &plan.key, Side::Source)?, forms(&plan, &plan.key, Side::Target)?);
    let values = Sides::new(forms(&plan, &plan.columns, Side::Source)?, forms(&plan, &plan.columns, Side::Target)?);
    // A side of files is read and hashed here, once, while nothing else runs: its buckets are summed from it.
    let read_here = |side: Side| -> Result<Option<files::FileRows>> {
        let dataset = &plan.datasets[side];
        let forms = |pairs: &[(usize, Form)]| pairs.iter().map(|&(_, form)| form).collect::<Vec<_>>();
        match hashed_here(dataset) {
            true => files::FileRows::read(dataset, &plan.side_columns(side), &forms(&key[side]), &forms(&values[side]))
                .map(Some),
            false => Ok(None),
        }
    };
    let mut hashed = Sides::join(read_here).transpose()?;
    let found = rounds(&plan, &key, &values, &hashed, false)?;
    found.log(label, "fingerprints");
    for side in Side::BOTH {
        match hashed[side].take() {
            Some(rows) => plan.key_set = Some(std::sync::Arc::new(rows.outside(&found.left)?)),
            None => restrict_to(&mut plan.datasets[side], &key[side], &found.left)?,
        }
    }
    let adjust = |findings: &mut crate::compare::Findings| {
        findings.fingerprints = found.totals;
        findings.matched += found.matched;
    };
    let (mut report, findings) = pass_adjusted(&plan, session, label, started, adjust)?;
    report.pushdown = Some(PushdownReport {
        mode: mode.name().to_string(),
        encoding: Some(ENCODING.to_string()),
        buckets: found.buckets,
        differing_buckets: found.differing,
        rounds: found.rounds,
        rows_not_read: found.matched,
        columns_read_in_full: Vec::new(),
        read_in_full: None,
        bytes_received: Sides::default(),
    });
    finish(report, plan, findings)
}

/// The keys-only pass of `--since-last-run` (see `window::one_sided_keys`) under `--pushdown`: the servers
/// fingerprint every bucket of key hashes over the keys alone (rows, distinct keys and the sums of the key hashes'
/// halves: one md5 a row), and keys are read only from the buckets that differ, where a key on one side only or a
/// repeated key must be.
/// Reads every key, saying why, where a side or a key column cannot be fingerprinted in its server.
pub(super) fn one_sided_keys(
    plan: &mut Plan,
    session: &Session,
    label: &str,
    mode: Option<Pushdown>,
) -> Result<(KeyRows, Sides<u64>, Sides<u64>)> {
    if mode.is_none_or(|mode| mode == Pushdown::Off) {
        return super::window::one_sided_keys(plan, session, label);
    }
    if let Some(why) = key_refusal(plan) {
        tracing::info!("{}reading every key to find keys on one side only: {why}", super::line_prefix(label));
        return super::window::one_sided_keys(plan, session, label);
    }
    let key = Sides::new(forms(plan, &plan.key, Side::Source)?, forms(plan, &plan.key, Side::Target)?);
    let found = rounds(plan, &key, &Sides::default(), &Sides::default(), true)?;
    found.log(label, "key fingerprints");
    let kept = Sides::from_fn(|side| plan.datasets[side].restriction());
    for side in Side::BOTH {
        restrict_to(&mut plan.datasets[side], &key[side], &found.left)?;
    }
    let one_sided = super::window::one_sided_keys(plan, session, label);
    for side in Side::BOTH {
        plan.datasets[side].replace_restriction(kept[side].clone())?;
    }
    one_sided
}

/// Why the keys of `plan`'s table cannot be fingerprinted in both its servers, if they cannot.
fn key_refusal(plan: &Plan) -> Option<String> {
    if plan.sample.is_some() || plan.key_set.is_some() || plan.keyless {
        return Some("a sample, a key list or a keyless comparison reads rows itself".into());
    }
    if let Some((side, dataset)) = plan.datasets.iter().find(|(_, d)| !d.capabilities.fingerprints) {
        return Some(format!("the {side} ({}) computes no fingerprints", dataset.location));
    }
    plan.key.iter().find_map(|pair| form(plan, pair).err().map(|why| format!("key column {}: {why}", pair.name)))
}

/// Each pair's schema index on `side` and the form both sides write it in.
fn forms(plan: &Plan, pairs: &[ColumnPair], side: Side) -> Result<Vec<(usize, Form)>> {
    pairs.iter().map(|p| Ok((p.on(side).1, form(plan, p).map_err(Error::internal)?))).collect()
}

/// Makes full reads of a database side keep only the rows of the buckets `left` names (none when it is empty).
fn restrict_to(dataset: &mut Dataset, key: &[(usize, Form)], left: &[String]) -> Result<()> {
    match left.is_empty() {
        true => dataset.restrict("1 = 0".to_string()),
        false => dataset.restrict_buckets(key, left),
    }
}

/// What the rounds of fingerprints found.
struct Found {
    /// The buckets still differing, for recon's own pass.
    left: Vec<String>,
    /// Rows of the buckets proved equal.
    matched: u64,
    /// Each side's fingerprint over every bucket.
    totals: Sides<Fingerprint>,
    /// Buckets of the first round, and how many of them differed.
    buckets: u64,
    differing: u64,
    rounds: u32,
}

impl Found {
    /// Says on stderr what the rounds of `what` found.
    fn log(&self, label: &str, what: &str) {
        let (buckets, differing, left, rounds) = (self.buckets, self.differing, self.left.len(), self.rounds);
        tracing::info!(
            "{}{what}: {buckets} buckets, {differing} differing, {left} left to read after {rounds} round(s)",
            super::line_prefix(label)
        );
    }
}

/// Fingerprints every bucket of `plan`'s table over `key` and `values` (each side's columns and forms), in its
/// servers or from the `hashed` rows of a side of files, and splits differing buckets while that costs less
/// than reading their rows. `keys_only`: the keys-only pass, whose sums are of the key hashes themselves.
fn rounds(
    plan: &Plan,
    key: &Sides<Vec<(usize, Form)>>,
    values: &Sides<Vec<(usize, Form)>>,
    hashed: &Sides<Option<files::FileRows>>,
    keys_only: bool,
) -> Result<Found> {
    let declared_unique =
        !plan.keyless && (declares_unique(plan, Side::Source)? || declares_unique(plan, Side::Target)?);
    let files_rows = hashed.iter().filter_map(|(_, rows)| rows.as_ref().map(files::FileRows::len));
    let estimate = plan.datasets.iter().filter_map(|(_, d)| d.estimate_rows()).chain(files_rows).max().unwrap_or(0);
    let mut digits = first_digits(estimate);
    let mut within: Vec<String> = Vec::new();
    let mut parents: BTreeMap<String, u64> = BTreeMap::new();
    let buckets = 16u64.pow(digits as u32);
    let mut found = Found { left: Vec::new(), matched: 0, totals: Sides::default(), buckets, differing: 0, rounds: 0 };
    loop {
        found.rounds += 1;
        let request = |side: Side| BucketRequest {
            key: key[side].clone(),
            values: values[side].clone(),
            digits,
            within: within.clone(),
            distinct_keys: !declared_unique && !plan.keyless,
            keyless: plan.keyless,
            keys_only,
        };
        let buckets = Sides::join(|side| match &hashed[side] {
            Some(rows) => rows.buckets(&request(side)),
            None => plan.datasets[side].buckets(&request(side)),
        })
        .transpose()?;
        if found.rounds == 1 {
            found.totals = buckets.as_ref().map(|b| total(b));
        }
        let returned = buckets.source.len().max(buckets.target.len()) as u64;
        let differing_before = found.left.len();
        let mut split = sort_buckets(&buckets, &parents, digits, &mut found.matched, &mut found.left);
        let differing = (split.len() + found.left.len() - differing_before) as u64;
        if found.rounds == 1 {
            found.differing = differing;
        }
        // Another round scans the tables again: worth it only when the rows to read are many, and few buckets
        // differ (when most do, the differences are everywhere and splitting finds them everywhere too).
        let rows_to_read: u64 = split.values().sum();
        let rows = found.totals.source.rows.max(found.totals.target.rows);
        if rows_to_read <= rows / READ_SHARE || differing * 2 > returned {
            found.left.extend(std::mem::take(&mut split).into_keys());
        }
        if split.is_empty() {
            return Ok(found);
        }
        let step = split_step(split.values().copied().max().unwrap_or(0)).min(MAX_DIGITS - digits);
        within = split.keys().cloned().collect();
        parents = split;
        digits += step;
    }
}

/// Whether `side` declares the key unique (a primary key or unique index over some of its columns), and its
/// canonical keys keep its values apart ([`Plan::key_keeps_equality`]). Then equal buckets hold no repeated key
/// on either side (equal multisets of rows hold the same keys as often), and the servers need not count distinct
/// keys.
fn declares_unique(plan: &Plan, side: Side) -> Result<bool> {
    if !plan.key_keeps_equality(side) {
        return Ok(false);
    }
    let keys = plan.datasets[side].keys()?;
    let names: Vec<&str> = plan.key.iter().map(|pair| pair.on(side).0).collect();
    let mut declared = keys.primary_key.iter().chain(keys.unique.iter().map(|unique| &unique.columns));
    Ok(declared.any(|columns| !columns.is_empty() && columns.iter().all(|c| names.contains(&c.as_str()))))
}

/// Files buckets by whether they match: matched rows are counted, differing buckets small enough (or no longer
/// splittable) are `left` for the row tier, and the rest are returned to be split, with their rows.
fn sort_buckets(
    buckets: &Sides<Vec<Bucket>>,
    parents: &BTreeMap<String, u64>,
    digits: usize,
    matched: &mut u64,
    left: &mut Vec<String>,
) -> BTreeMap<String, u64> {
    let by_prefix = |list: &Vec<Bucket>| list.iter().map(|b| (b.prefix.clone(), b.clone())).collect::<BTreeMap<_, _>>();
    let (source, target) = (by_prefix(&buckets.source), by_prefix(&buckets.target));
    let prefixes: BTreeSet<&String> = source.keys().chain(target.keys()).collect();
    let mut split = BTreeMap::new();
    for prefix in prefixes {
        let (s, t) = (source.get(prefix), target.get(prefix));
        if let (Some(s), Some(t)) = (s, t) {
            if s.same_as(t) {
                *matched += s.rows;
                continue;
            }
        }
        let rows = s.map_or(0, |b| b.rows).max(t.map_or(0, |b| b.rows));
        // A bucket whose rows all fell into one part is one key repeated, or a few: splitting no longer helps.
        let parent_digits = parents.keys().next().map_or(0, String::len);
        let stuck = prefix.get(..parent_digits).and_then(|p| parents.get(p)).is_some_and(|&n| n == rows);
        if rows > SPLIT_ROWS && digits < MAX_DIGITS && !stuck {
            split.insert(prefix.clone(), rows);
        } else {
            left.push(prefix.clone());
        }
    }
    split
}

/// Hex digits of the first round's buckets for a table of about `rows` rows.
fn first_digits(rows: u64) -> usize {
    let wanted = (rows / ROWS_PER_BUCKET).max(1);
    let mut digits = 1;
    while 16u64.pow(digits as u32) < wanted {
        digits += 1;
    }
    digits.clamp(2, 5)
}

/// Hex digits to add when splitting buckets of up to `rows` rows: 16 or 256 parts, aiming at [`AIM_ROWS`].
fn split_step(rows: u64) -> usize {
    if rows > 16 * 16 * AIM_ROWS {
        2
    } else {
        1
    }
}

/// A side's fingerprint over every bucket: its rows, and the wrapped sums of the row hashes' halves as one
/// 128-bit value.
fn total(buckets: &[Bucket]) -> Fingerprint {
    let (mut rows, mut hi, mut lo) = (0u64, 0u64, 0u64);
    for b in buckets {
        rows += b.rows;
        hi = hi.wrapping_add(b.hi);
        lo = lo.wrapping_add(b.lo);
    }
    Fingerprint { rows, sum: ((hi as u128) << 64) | lo as u128 }
}
