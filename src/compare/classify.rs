//! The row tier's first half: DataFusion classifies the residue's keys with the SQL in `queries/`
//! (anti-joins both ways, duplicate counts, mismatched row hashes), exactly as DESIGN.md
//! ("Classification") defines them.

use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, UInt64Type};
use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::GreedyMemoryPool;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::digest::RowDigest;
use crate::error::Result;
use crate::side::Side;
use crate::source::Ordinal;

const KEY_COUNTS: &str = include_str!("../../queries/key_counts.sql");
const MISSING: &str = include_str!("../../queries/missing_in_target.sql");
const EXTRA: &str = include_str!("../../queries/extra_in_target.sql");
const DUPLICATES: &str = include_str!("../../queries/duplicate_keys.sql");
const MISMATCHED: &str = include_str!("../../queries/mismatched.sql");
const MATCHED: &str = include_str!("../../queries/matched.sql");
const KEY_PAIRS: &str = include_str!("../../queries/key_pairs.sql");

/// A key found on one side only: one of its rows, and how many rows carry it. Keyless, a whole row that one
/// side holds more often than the other: `count` rows there, `other_count` on the other side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneSided {
    pub ordinal: Ordinal,
    pub count: u64,
    pub other_count: u64,
}

/// A key carried by more than one row on at least one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub source_count: u64,
    pub target_count: u64,
    pub source_ordinal: Option<Ordinal>,
    pub target_ordinal: Option<Ordinal>,
}

impl Duplicate {
    /// Where the report lists this key: keys the source holds by source position, then the target's others.
    pub fn report_order(&self) -> (bool, Option<Ordinal>, Option<Ordinal>) {
        (self.source_ordinal.is_none(), self.source_ordinal, self.target_ordinal)
    }

    /// The row that shows this key: the source's when the source has it, else the target's.
    pub fn shown_row(&self) -> Option<(Side, Ordinal)> {
        match (self.source_ordinal, self.target_ordinal) {
            (Some(o), _) => Some((Side::Source, o)),
            (None, Some(o)) => Some((Side::Target, o)),
            (None, None) => None,
        }
    }

    /// One of the key's rows on `side`, if that side has the key.
    pub fn ordinal(&self, side: Side) -> Option<Ordinal> {
        match side {
            Side::Source => self.source_ordinal,
            Side::Target => self.target_ordinal,
        }
    }

    /// How many rows carry the key on `side`.
    pub fn count(&self, side: Side) -> u64 {
        match side {
            Side::Source => self.source_count,
            Side::Target => self.target_count,
        }
    }
}

/// A key with one row on each side whose row hashes differ: the row tier's second half compares its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub source_ordinal: Ordinal,
    pub target_ordinal: Ordinal,
}

impl Candidate {
    pub fn ordinal(&self, side: Side) -> Ordinal {
        match side {
            Side::Source => self.source_ordinal,
            Side::Target => self.target_ordinal,
        }
    }
}

#[derive(Debug, Default)]
pub struct Classes {
    pub missing: Vec<OneSided>,
    pub extra: Vec<OneSided>,
    pub duplicates: Vec<Duplicate>,
    pub candidates: Vec<Candidate>,
    pub matched: u64,
}

fn digest_table(rows: &[RowDigest]) -> Result<RecordBatch> {
    let column = |f: fn(&RowDigest) -> u64| Arc::new(rows.iter().map(f).collect::<UInt64Array>()) as Arc<dyn Array>;
    let names = ["key_hi", "key_lo", "row_hi", "row_lo", "ordinal"];
    let schema = Schema::new(names.map(|n| Field::new(n, DataType::UInt64, false)).to_vec());
    let columns = vec![
        column(|d| d.key_hi),
        column(|d| d.key_lo),
        column(|d| d.row_hi),
        column(|d| d.row_lo),
        column(|d| d.ordinal),
    ];
    Ok(RecordBatch::try_new(Arc::new(schema), columns).map_err(DataFusionError::from)?)
}

/// DataFusion set up once per table: its threads and its own bounded memory pool, spilling (where its
/// operators can) into recon's spill directory.
pub struct Classifier {
    config: SessionConfig,
    runtime: Arc<RuntimeEnv>,
}

impl Classifier {
    pub fn new(threads: usize, memory: u64, spill_dir: &std::path::Path) -> Result<Classifier> {
        let disk = datafusion::execution::disk_manager::DiskManagerBuilder::default().with_mode(
            datafusion::execution::disk_manager::DiskManagerMode::Directories(vec![spill_dir.to_path_buf()]),
        );
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(GreedyMemoryPool::new(memory as usize)))
            .with_disk_manager_builder(disk)
            .build_arc()?;
        Ok(Classifier { config: SessionConfig::new().with_target_partitions(threads.max(1)), runtime })
    }

    /// Classifies every key of the residue.
    pub async fn classify(&self, source: &[RowDigest], target: &[RowDigest]) -> Result<Classes> {
        classify(&self.context(source, target).await?).await
    }

    /// Keyless: every distinct whole row of the residue with its count on each side.
    pub async fn count_rows(&self, source: &[RowDigest], target: &[RowDigest]) -> Result<Vec<Duplicate>> {
        let ctx = self.context(source, target).await?;
        let mut counted = Vec::new();
        for batch in run(&ctx, "SELECT * FROM key_pairs").await? {
            counted.extend(duplicates(&batch)?);
        }
        counted.sort_by_key(Duplicate::report_order);
        Ok(counted)
    }

    /// A context holding both sides' residue and its per-key counts.
    async fn context(&self, source: &[RowDigest], target: &[RowDigest]) -> Result<SessionContext> {
        let ctx = SessionContext::new_with_config_rt(self.config.clone(), self.runtime.clone());
        register_keys(&ctx, source, target).await?;
        Ok(ctx)
    }
}

async fn register_keys(ctx: &SessionContext, source: &[RowDigest], target: &[RowDigest]) -> Result<()> {
    ctx.register_batch("source_rows", digest_table(source)?)?;
    ctx.register_batch("target_rows", digest_table(target)?)?;
    for side in ["source", "target"] {
        let counts = run(ctx, &KEY_COUNTS.replace("{side}", side)).await?;
        let schema = counts.first().map(|b| b.schema()).unwrap_or_else(|| Arc::new(key_counts_schema()));
        let table = datafusion::datasource::MemTable::try_new(schema, vec![counts])?;
        ctx.register_table(format!("{side}_keys"), Arc::new(table))?;
    }
    run(ctx, &format!("CREATE VIEW key_pairs AS {KEY_PAIRS}")).await?;
    Ok(())
}

/// Rows of a query giving `source_count`, `target_count`, `source_ordinal`, `target_ordinal`.
fn duplicates(batch: &RecordBatch) -> Result<impl Iterator<Item = Duplicate> + '_> {
    let (sc, tc) = (u64s(batch, "source_count")?, u64s(batch, "target_count")?);
    let (so, to) = (u64s(batch, "source_ordinal")?, u64s(batch, "target_ordinal")?);
    Ok((0..batch.num_rows()).map(|i| Duplicate {
        source_count: sc.value(i),
        target_count: tc.value(i),
        source_ordinal: so.is_valid(i).then(|| so.value(i)),
        target_ordinal: to.is_valid(i).then(|| to.value(i)),
    }))
}

async fn classify(ctx: &SessionContext) -> Result<Classes> {
    let mut classes = Classes::default();
    for (query, count, list) in
        [(MISSING, "source_count", &mut classes.missing), (EXTRA, "target_count", &mut classes.extra)]
    {
        for batch in run(ctx, query).await? {
            let (ordinal, count) = (u64s(&batch, "ordinal")?, u64s(&batch, count)?);
            list.extend((0..batch.num_rows()).map(|i| OneSided {
                ordinal: ordinal.value(i),
                count: count.value(i),
                other_count: 0,
            }));
        }
    }
    for batch in run(ctx, DUPLICATES).await? {
        classes.duplicates.extend(duplicates(&batch)?);
    }
    for batch in run(ctx, MISMATCHED).await? {
        let (so, to) = (u64s(&batch, "source_ordinal")?, u64s(&batch, "target_ordinal")?);
        classes.candidates.extend(
            (0..batch.num_rows()).map(|i| Candidate { source_ordinal: so.value(i), target_ordinal: to.value(i) }),
        );
    }
    for batch in run(ctx, MATCHED).await? {
        classes.matched += u64s(&batch, "matched")?.iter().flatten().sum::<u64>();
    }
    // Report order is source order, whatever order the hash joins produced.
    classes.missing.sort_by_key(|k| k.ordinal);
    classes.extra.sort_by_key(|k| k.ordinal);
    classes.duplicates.sort_by_key(Duplicate::report_order);
    classes.candidates.sort_by_key(|c| c.source_ordinal);
    Ok(classes)
}

fn key_counts_schema() -> Schema {
    let names = ["key_hi", "key_lo", "n", "row_hi", "row_lo", "ordinal"];
    Schema::new(names.map(|n| Field::new(n, DataType::UInt64, true)).to_vec())
}

async fn run(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>> {
    Ok(ctx.sql(sql).await?.collect().await?)
}

/// A UInt64 column of a query result; the queries in `queries/` cast every output to UInt64.
fn u64s<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a UInt64Array> {
    let column = batch.column_by_name(name).and_then(|c| c.as_primitive_opt::<UInt64Type>());
    column.ok_or_else(|| {
        DataFusionError::Internal(format!("queries/ must return a UInt64 column {name}: {:?}", batch.schema())).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(keys: &[(u64, u64)]) -> Vec<RowDigest> {
        keys.iter()
            .enumerate()
            .map(|(i, &(key, row))| RowDigest { key_hi: key, key_lo: 0, row_hi: row, row_lo: 0, ordinal: i as u64 })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_key_lands_in_exactly_its_class() {
        // key 1 matched, 2 mismatched, 3 missing (twice in the source), 4 extra, 5 duplicated in the target.
        let source = rows(&[(1, 10), (2, 20), (3, 30), (3, 30), (5, 50)]);
        let target = rows(&[(1, 10), (2, 21), (4, 40), (5, 50), (5, 50)]);
        let classifier = Classifier::new(2, 64 << 20, &std::env::temp_dir()).unwrap();
        let classes = classifier.classify(&source, &target).await.unwrap();
        assert_eq!(classes.matched, 1);
        assert_eq!(classes.candidates, vec![Candidate { source_ordinal: 1, target_ordinal: 1 }]);
        assert_eq!(classes.missing, vec![OneSided { ordinal: 2, count: 2, other_count: 0 }]);
        assert_eq!(classes.extra, vec![OneSided { ordinal: 2, count: 1, other_count: 0 }]);
        let counts: Vec<(u64, u64)> = classes.duplicates.iter().map(|d| (d.source_count, d.target_count)).collect();
        assert_eq!(counts, vec![(2, 0), (1, 2)]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn anti_joins_stay_hash_joins() {
        let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(2));
        ctx.register_batch("source_rows", digest_table(&rows(&[(1, 1)])).unwrap()).unwrap();
        ctx.register_batch("target_rows", digest_table(&rows(&[(2, 2)])).unwrap()).unwrap();
        for side in ["source", "target"] {
            let sql = format!("CREATE VIEW {side}_keys AS {}", KEY_COUNTS.replace("{side}", side));
            ctx.sql(&sql).await.unwrap().collect().await.unwrap();
        }
        for query in [MISSING, EXTRA] {
            let plan = run(&ctx, &format!("EXPLAIN {query}")).await.unwrap();
            let text: String = plan
                .iter()
                .flat_map(|b| b.column(1).as_string::<i32>().iter().flatten().map(str::to_string).collect::<Vec<_>>())
                .collect();
            assert!(text.contains("HashJoinExec") && text.contains("LeftAnti"), "{text}");
        }
    }
}
