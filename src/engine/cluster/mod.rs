//! `--cluster`: the fingerprint tier as DataFusion plans on a Ballista cluster whose nodes run `recon scheduler`
//! and `recon executor` (feature `cluster`). Per side, one plan: recon's own readers as the data source
//! ([`scan`]), `recon_digest` (each row's key hash and row hash, the local engine's bit for bit), grouped by
//! bucket of key hashes, `recon_fingerprint` (rows and the 128-bit wrapping sum) and the distinct keys per
//! bucket ([`functions`]). The client compares the buckets; a second plan per side brings back the digests of
//! the rows in buckets that differ, and recon's row tier classifies them exactly as in a local run, reading the
//! rows it shows itself. Rows in equal buckets are counted as matched without leaving the executors, as under
//! `--pushdown`, so the report is a local run's.

mod census;
mod codec;
mod functions;
pub mod roles;
mod scan;
mod stages;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Int64Type, UInt64Type};
use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::execution::SessionStateBuilder;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::functions_aggregate::expr_fn::count_distinct;
use datafusion::logical_expr::{binary_expr, col, lit, Expr, Operator};
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};

use super::{classified, finish, Outcome};
use crate::compare::Findings;
use crate::digest::encode::ENCODING_VERSION;
use crate::digest::spill::Store;
use crate::digest::{Fingerprint, RowDigest, ScanStats, SideDigest, PARTITIONS};
use crate::error::{Error, Result};
use crate::location::Kind;
use crate::plan::Plan;
use crate::report::model::EngineReport;
use crate::session::Session;
use crate::side::{Side, Sides};
use crate::spec::TableSpec;
use scan::{SideScan, SideTable, ORDINAL};

/// What every node must run alike: recon's version and its encoding (DESIGN.md, "The canonical encoding").
pub fn identity() -> String {
    format!("{} (encoding {ENCODING_VERSION})", env!("CARGO_PKG_VERSION"))
}

/// The bucket of rows whose key has a NULL part: such rows have no key hash, and always go to the row tier.
const NULL_BUCKET: u64 = u64::MAX;
/// Rows per bucket the first plan aims at: a bucket's fingerprint is ~40 bytes from executor to client, so
/// buckets of a few hundred rows keep what crosses the network a small share of the table, while a difference
/// brings back only its bucket's rows' digests.
const ROWS_PER_BUCKET: u64 = 256;
/// Buckets listed in the second plan's filter at most (~1.5 MB of plan); beyond, every row's digest comes back.
const LISTED_BUCKETS: usize = 65_536;

/// Compares `plan`'s table on the cluster at `url`.
pub(super) fn compare(
    spec: &TableSpec,
    plan: Plan,
    session: &Session,
    (label, started): (&str, Instant),
    url: &str,
) -> Result<Outcome> {
    refuse(spec, &plan)?;
    let table = super::line_prefix(label);
    super::log_csv_types(&plan, &table);
    let scans = Sides::from_fn(|side| SideScan::new(spec, &plan, side)).transpose()?;
    let schemas = Sides::from_fn(|side| scan::schema(&plan, side)).transpose()?;
    let failed = |e: datafusion::error::DataFusionError| match e.to_string() {
        // recon's scheduler cancels the jobs in flight when it loses an executor (see roles.rs).
        cancelled if cancelled.ends_with("failed: Cancelled") => {
            Error::cluster(url, format!("{cancelled}: the scheduler lost an executor mid-run; run the diff again"))
        }
        message => Error::cluster(url, message),
    };
    let runtime = session.runtime();
    let context = runtime.block_on(connect(url, scans, schemas)).map_err(failed)?;
    let executors = runtime.block_on(census(&context)).map_err(failed)?;
    tracing::info!("{table}cluster {url}: {executors} executors");
    let rows = plan.datasets.iter().filter_map(|(_, d)| d.row_count()).max().unwrap_or(1 << 20);
    let bits = (64 - (rows / ROWS_PER_BUCKET).max(1).leading_zeros()).clamp(4, 24);
    let shape = Shape::of(&plan);
    let mut jobs = stages::Jobs::new(url, &table, session.progress.line(label));
    let buckets = runtime
        .block_on(async {
            let frames = futures::try_join!(
                fingerprints(&context, Side::Source, &shape, bits),
                fingerprints(&context, Side::Target, &shape, bits)
            )?;
            jobs.collect("fingerprints", Sides::new(frames.0, frames.1)).await
        })
        .map_err(failed)?;
    let sorted = sort(buckets.map(|batches| read_buckets(&batches)), plan.keyless);
    tracing::info!(
        "{table}fingerprinted both sides on the cluster in {:.2?}: {} buckets differ",
        started.elapsed(),
        sorted.differing.len()
    );
    let listed = (sorted.differing.len() <= LISTED_BUCKETS).then_some(&sorted.differing);
    let digests = match listed {
        Some(buckets) if buckets.is_empty() => Sides::default(),
        _ => runtime
            .block_on(async {
                let frames = futures::try_join!(
                    differing_rows(&context, Side::Source, &shape, bits, listed),
                    differing_rows(&context, Side::Target, &shape, bits, listed)
                )?;
                jobs.collect("differing rows", Sides::new(frames.0, frames.1)).await
            })
            .map_err(failed)?,
    };
    drop(jobs);
    let digests = digests.map(|rows| side_digest(&rows, &sorted.differing, &plan)).transpose()?;
    let scanned = started.elapsed();
    let (totals, matched) = (sorted.totals, sorted.matched);
    let adjust = |findings: &mut Findings| {
        findings.fingerprints = totals;
        findings.matched += matched;
    };
    let (mut report, findings) = classified(&plan, session, &table, started, scanned, digests, adjust)?;
    report.engine = Some(EngineReport { kind: "ballista".into(), scheduler: url.to_string(), executors });
    finish(report, plan, findings)
}

/// What only a local run can do: databases are read by recon itself; samples, key lists and runs over time
/// follow rows the cluster never sends; a location holding a credential would travel inside the plans.
fn refuse(spec: &TableSpec, plan: &Plan) -> Result<()> {
    let refused = |why: String| Err(Error::setting("--cluster", why));
    for (side, dataset) in plan.datasets.iter() {
        let location = &spec.sides[side].location;
        if !matches!(location.kind(), Kind::Files(_)) {
            return refused(format!(
                "the {side} ({}, {}) is not files: a cluster reads files and object stores; compare databases \
                 without --cluster",
                dataset.location,
                dataset.format.kind()
            ));
        }
        if location.masked() != location.as_given() {
            return refused(format!(
                "the {side} location {location} holds a credential, which would travel inside the plans: give it \
                 to each node's environment instead"
            ));
        }
    }
    let options = [
        (plan.sample.is_some(), "--sample"),
        (plan.key_set.is_some(), "a key list"),
        (spec.drift.active(), "history, rechecks and windows"),
        (spec.pushdown.is_some(), "--pushdown"),
        (spec.filter.is_some(), "a where filter"),
    ];
    match options.iter().find(|(given, _)| *given) {
        Some((_, what)) => refused(format!("{what} cannot run on a cluster: leave it out, or leave out --cluster")),
        None => Ok(()),
    }
}

/// A Ballista session on the scheduler at `url`, with recon's functions, codecs, both sides and the census.
async fn connect(
    url: &str,
    scans: Sides<SideScan>,
    schemas: Sides<arrow::datatypes::SchemaRef>,
) -> datafusion::error::Result<SessionContext> {
    let config = SessionConfig::new_with_ballista()
        .with_ballista_logical_extension_codec(Arc::new(codec::LogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(codec::PhysicalCodec::default()));
    let state = SessionStateBuilder::new().with_default_features().with_config(config).build();
    let context = SessionContext::remote_with_state(url, state).await?;
    // After remote_with_state, which replaces the function registry.
    for function in functions::scalars() {
        context.register_udf(function.as_ref().clone());
    }
    context.register_udaf(functions::aggregate().as_ref().clone());
    let Sides { source, target } = scans;
    for (side, scan) in [(Side::Source, source), (Side::Target, target)] {
        context.register_table(side.name(), Arc::new(SideTable { scan, schema: schemas[side].clone() }))?;
    }
    context.register_table(census::TABLE, Arc::new(census::CensusTable))?;
    Ok(context)
}

async fn census(context: &SessionContext) -> datafusion::error::Result<u64> {
    let batches = context.table(census::TABLE).await?.collect().await?;
    Ok(batches.iter().find(|b| b.num_rows() > 0).map_or(0, |b| b.column(0).as_primitive::<UInt64Type>().value(0)))
}

/// How a side's scan columns enter the digest: key columns, compared columns, keyless or not.
struct Shape {
    keys: usize,
    values: usize,
    whole_rows: bool,
}

impl Shape {
    fn of(plan: &Plan) -> Shape {
        let columns = plan.side_columns(Side::Source);
        Shape { keys: columns.keys.len(), values: columns.values.len(), whole_rows: columns.whole_rows }
    }

    /// Each row's digest (`d`), bucket, and ordinal.
    async fn digested(&self, context: &SessionContext, side: Side, bits: u32) -> datafusion::error::Result<DataFrame> {
        let mut args = vec![lit(self.whole_rows), lit(self.keys as u64)];
        args.extend((0..self.keys).map(|i| col(format!("k{i}"))));
        args.extend((0..self.values).map(|i| col(format!("v{i}"))));
        let digest = functions::digest().call(args).alias("d");
        let part = |i: u64| functions::part().call(vec![col("d"), lit(i)]);
        let bucket = binary_expr(part(0), Operator::BitwiseShiftRight, lit(64 - bits as u64));
        let bucket = coalesce(vec![bucket, lit(NULL_BUCKET)]);
        let names = ["key_hi", "key_lo", "row_hi", "row_lo"];
        let fields = (0..names.len()).map(|i| part(i as u64).alias(names[i]));
        let mut columns: Vec<Expr> = vec![bucket.alias("bucket")];
        columns.extend(fields);
        columns.push(col(ORDINAL));
        context.table(side.name()).await?.select(vec![digest, col(ORDINAL)])?.select(columns)
    }
}

/// A bucket's fingerprint on one side, and how many distinct keys it holds (its rows when keyless).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bucket {
    fingerprint: Fingerprint,
    keys: u64,
}

/// One side's buckets, to compute on the executors.
async fn fingerprints(
    context: &SessionContext,
    side: Side,
    shape: &Shape,
    bits: u32,
) -> datafusion::error::Result<DataFrame> {
    let fingerprint = functions::aggregate().call(vec![col("row_hi"), col("row_lo")]).alias("f");
    // Keyless, a repeated row is just a row held twice: no key to count.
    let keys = if shape.whole_rows {
        datafusion::functions_aggregate::expr_fn::count(lit(1))
    } else {
        count_distinct(col("key_lo"))
    };
    shape.digested(context, side, bits).await?.aggregate(vec![col("bucket")], vec![fingerprint, keys.alias("keys")])
}

/// A side's buckets as the executors computed them.
fn read_buckets(batches: &[RecordBatch]) -> HashMap<u64, Bucket> {
    let mut buckets = HashMap::new();
    for batch in batches {
        let bucket = batch.column(0).as_primitive::<UInt64Type>();
        let fingerprint = batch.column(1).as_struct();
        let [rows, hi, lo] = [0, 1, 2].map(|i| fingerprint.column(i).as_primitive::<UInt64Type>().clone());
        let keys = batch.column(2).as_primitive::<Int64Type>();
        for row in 0..batch.num_rows() {
            let sum = ((hi.value(row) as u128) << 64) | lo.value(row) as u128;
            let fingerprint = Fingerprint { rows: rows.value(row), sum };
            buckets.insert(bucket.value(row), Bucket { fingerprint, keys: keys.value(row) as u64 });
        }
    }
    buckets
}

/// Both sides' buckets sorted: the sides' totals, the source rows of equal buckets, the buckets that differ.
struct Sorted {
    totals: Sides<Fingerprint>,
    matched: u64,
    differing: Vec<u64>,
}

/// A bucket is equal when both sides' fingerprints are and no key repeats in it (equal fingerprints then mean
/// equal duplicates, still a finding: DESIGN.md, "Classification"); keyless, equal fingerprints suffice. The
/// NULL-key bucket always differs: its rows are findings.
fn sort(buckets: Sides<HashMap<u64, Bucket>>, keyless: bool) -> Sorted {
    let totals = buckets.as_ref().map(|side| {
        side.values().fold(Fingerprint::default(), |mut total, b| {
            total.merge(&b.fingerprint);
            total
        })
    });
    let (mut matched, mut differing) = (0, Vec::new());
    let mut all: Vec<u64> = buckets.source.keys().chain(buckets.target.keys()).copied().collect();
    all.sort_unstable();
    all.dedup();
    for bucket in all {
        let (s, t) = (buckets.source.get(&bucket), buckets.target.get(&bucket));
        match (s, t) {
            (Some(s), Some(t)) if bucket != NULL_BUCKET && s == t && (keyless || s.keys == s.fingerprint.rows) => {
                matched += s.fingerprint.rows
            }
            _ => differing.push(bucket),
        }
    }
    Sorted { totals, matched, differing }
}

/// The digests of a side's rows in the `listed` buckets (every row when `None`), to bring back from the executors.
async fn differing_rows(
    context: &SessionContext,
    side: Side,
    shape: &Shape,
    bits: u32,
    listed: Option<&Vec<u64>>,
) -> datafusion::error::Result<DataFrame> {
    let digested = shape.digested(context, side, bits).await?;
    match listed {
        Some(buckets) => digested.filter(col("bucket").in_list(buckets.iter().map(|&b| lit(b)).collect(), false)),
        None => Ok(digested),
    }
}

/// The rows a side's differing buckets hold, as pass one would have handed them to the comparison.
fn side_digest(batches: &[RecordBatch], differing: &[u64], plan: &Plan) -> Result<SideDigest> {
    let Digests { keyed, null_keys, fingerprint } = digests_in(batches, differing);
    let store = Store::new(plan.memory.digests_per_side, plan.spill_dir.clone());
    let mut partitions: Vec<Vec<RowDigest>> = vec![Vec::new(); PARTITIONS];
    keyed.into_iter().for_each(|d| partitions[d.partition()].push(d));
    for (partition, digests) in partitions.into_iter().enumerate().filter(|(_, d)| !d.is_empty()) {
        store.push(partition, digests).map_err(|e| Error::spill(store.dir(), e))?;
    }
    let stats = ScanStats { rows: fingerprint.rows, ..ScanStats::default() };
    Ok(SideDigest { partitions: store.finish(), null_keys, fingerprint, stats, keys: Vec::new() })
}

/// Row digests as the executors sent them: those with a key, and the ordinal and row hash of those whose key has
/// a NULL part, with their fingerprint.
#[derive(Default)]
struct Digests {
    keyed: Vec<RowDigest>,
    null_keys: Vec<(u64, u128)>,
    fingerprint: Fingerprint,
}

/// The digests among `batches` of rows in the `differing` buckets (sorted). When too many buckets differ to list
/// them in the plan, every row comes back: the rows of equal buckets, already counted as matched, stay out.
fn digests_in(batches: &[RecordBatch], differing: &[u64]) -> Digests {
    let mut digests = Digests::default();
    for batch in batches {
        let [bucket, key_hi, key_lo, row_hi, row_lo, ordinal] =
            [0, 1, 2, 3, 4, 5].map(|i| batch.column(i).as_primitive::<UInt64Type>().clone());
        for r in (0..batch.num_rows()).filter(|&r| differing.binary_search(&bucket.value(r)).is_ok()) {
            let row = ((row_hi.value(r) as u128) << 64) | row_lo.value(r) as u128;
            digests.fingerprint.add(row);
            match key_hi.is_null(r) {
                true => digests.null_keys.push((ordinal.value(r), row)),
                false => digests.keyed.push(RowDigest {
                    key_hi: key_hi.value(r),
                    key_lo: key_lo.value(r),
                    row_hi: row_hi.value(r),
                    row_lo: row_lo.value(r),
                    ordinal: ordinal.value(r),
                }),
            }
        }
    }
    digests
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::UInt64Array;
    use arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    /// Rows as the second plan returns them: bucket, key hash halves (NULL for a NULL key part), row hash
    /// halves, ordinal.
    fn returned(rows: &[(u64, Option<u64>, u64)]) -> RecordBatch {
        let names = ["bucket", "key_hi", "key_lo", "row_hi", "row_lo", "ordinal"];
        let schema = Schema::new(names.map(|name| Field::new(name, DataType::UInt64, true)).to_vec());
        let column = |f: &dyn Fn(&(u64, Option<u64>, u64)) -> Option<u64>| {
            Arc::new(rows.iter().map(f).collect::<UInt64Array>()) as arrow::array::ArrayRef
        };
        let columns = vec![
            column(&|r| Some(r.0)),
            column(&|r| r.1),
            column(&|r| r.1),
            column(&|r| Some(r.2)),
            column(&|r| Some(r.2)),
            column(&|r| Some(r.2)),
        ];
        RecordBatch::try_new(Arc::new(schema), columns).expect("a batch")
    }

    #[test]
    fn only_rows_of_differing_buckets_reach_the_row_tier_however_many_came_back() {
        // Buckets 1 and 3 are equal on both sides (their rows counted as matched already); 2 differs, and the
        // NULL-key bucket always does. Every row came back, as when too many buckets differ to list them.
        let batch = returned(&[(1, Some(10), 100), (2, Some(20), 200), (3, Some(30), 300), (NULL_BUCKET, None, 400)]);
        let digests = digests_in(&[batch], &[2, NULL_BUCKET]);
        assert_eq!(digests.keyed.iter().map(|d| d.ordinal).collect::<Vec<_>>(), [200]);
        assert_eq!(digests.null_keys.iter().map(|(ordinal, _)| *ordinal).collect::<Vec<_>>(), [400]);
        assert_eq!(digests.fingerprint.rows, 2);
    }
}
