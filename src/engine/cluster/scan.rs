//! One side of a comparison as a DataFusion data source read by recon's own readers, so that a cluster's
//! executors parse every file and type exactly as a local run does. A [`SideScan`] describes the side in plain
//! data (both locations as given, the options the table's spec was resolved from, which side, how many scan
//! units); an executor resolves the same spec and plan from it, reads one scan unit per partition, and emits
//! each row's canonical key columns, hashable compared columns and ordinal.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use arrow::array::{ArrayRef, AsArray, RecordBatch, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, UInt64Type};
use async_trait::async_trait;
use datafusion::catalog::{Session as DataFusionSession, TableProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result as DfResult};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties};
use serde::{Deserialize, Serialize};

use super::identity;
use crate::error::{Error, Result};
use crate::location::Location;
use crate::normalize::SideColumns;
use crate::plan::Plan;
use crate::progress::{LogFormat, Progress};
use crate::session::Session;
use crate::side::{Side, Sides};
use crate::spec::{Layers, Options, Origin, SessionSpec, TableSpec};

/// The name of the ordinal column: where a row lives in its side, as pass one numbers it.
pub const ORDINAL: &str = "ordinal";

/// One side of a table comparison, as the plan carries it to the executors. It holds no secret: locations with
/// credentials are refused before it is made, and object-store settings are left out (each executor takes its
/// own from its environment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideScan {
    /// The version and encoding of the recon that made it: an executor of another refuses it.
    pub recon: String,
    pub locations: Sides<String>,
    pub options: Options,
    pub side: Side,
    /// The side's scan units: the plan's partitions.
    pub units: usize,
}

impl SideScan {
    /// The scan of `side` of the table `spec` and `plan` describe.
    pub fn new(spec: &TableSpec, plan: &Plan, side: Side) -> Result<SideScan> {
        let mut options = spec.options.clone();
        options.table.source_storage_option = None;
        options.table.target_storage_option = None;
        options.resources.cluster = None;
        let columns = plan.side_columns(side);
        Ok(SideScan {
            recon: identity(),
            locations: spec.sides.as_ref().map(|s| s.location.as_given().to_string()),
            options,
            side,
            units: plan.datasets[side].scan_units(&columns.projection)?.len(),
        })
    }

    /// The table this scan reads, opened in this process (once: later scans of the same table reuse it).
    fn opened(&self) -> Result<Arc<Opened>> {
        if self.recon != identity() {
            let why = format!(
                "this executor runs recon {}, the client {}: run one recon on every node",
                identity(),
                self.recon
            );
            return Err(Error::cluster("executor", why));
        }
        static OPENED: OnceLock<Mutex<HashMap<String, Arc<Opened>>>> = OnceLock::new();
        let key =
            serde_json::to_string(&(&self.locations, &self.options)).map_err(|e| Error::internal(e.to_string()))?;
        let cache = OPENED.get_or_init(Mutex::default);
        if let Some(opened) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(opened.clone());
        }
        let opened = Arc::new(Opened::open(self)?);
        let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
        // A long-lived executor compares many tables: keep the last few open, not all.
        if cache.len() >= OPEN_TABLES {
            cache.clear();
        }
        cache.insert(key, opened.clone());
        Ok(opened)
    }
}

/// Tables an executor keeps open between scans.
const OPEN_TABLES: usize = 8;

/// A table opened and planned on an executor as the client planned it.
struct Opened {
    /// Kept for the plan's datasets, which read through its runtime.
    _session: Session,
    plan: Plan,
}

impl Opened {
    fn open(scan: &SideScan) -> Result<Opened> {
        let mut layers = Layers::default();
        layers.push(&scan.options, Origin::CommandLine)?;
        let options = layers.options()?;
        let sides = scan.locations.as_ref().map(|text| Location::parse(text)).transpose()?;
        let spec = TableSpec::resolve(sides, &options, &layers)?;
        let session_spec = SessionSpec::resolve(&options, &layers)?;
        let session = Session::new(&session_spec, Progress::new(LogFormat::Text, true))?;
        let plan = super::super::plan_table(&spec, &session, &super::super::Table::single(&session))?;
        Ok(Opened { _session: session, plan })
    }
}

/// The columns a side's scan emits: `k0…` (canonical key columns), `v0…` (hashable compared columns), the ordinal.
pub fn schema(plan: &Plan, side: Side) -> Result<SchemaRef> {
    let columns = plan.side_columns(side);
    let dataset = &plan.datasets[side];
    let read = dataset.schema.project(&columns.projection).map_err(|e| Error::arrow(&dataset.location, e))?;
    let empty = RecordBatch::new_empty(Arc::new(read));
    let rows = canonical_columns(&columns, &empty, &dataset.location)?;
    Ok(Arc::new(schema_of(&rows, columns.keys.len())))
}

fn schema_of(columns: &[ArrayRef], keys: usize) -> Schema {
    let mut fields: Vec<Field> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = if i < keys { format!("k{i}") } else { format!("v{}", i - keys) };
            Field::new(name, c.data_type().clone(), true)
        })
        .collect();
    fields.push(Field::new(ORDINAL, DataType::UInt64, false));
    Schema::new(fields)
}

/// A batch's key columns in canonical form, then its compared columns as the digest hashes them.
fn canonical_columns(columns: &SideColumns, batch: &RecordBatch, location: &str) -> Result<Vec<ArrayRef>> {
    let canonical = columns.canonical(batch, location)?;
    let hashable = columns.hashable(&canonical.values).map_err(|e| Error::arrow(location, e))?;
    Ok(canonical.keys.into_iter().chain(hashable).collect())
}

/// A side served to DataFusion: the client registers it, the scheduler plans it into a [`ScanExec`].
#[derive(Debug)]
pub struct SideTable {
    pub scan: SideScan,
    pub schema: SchemaRef,
}

#[async_trait]
impl TableProvider for SideTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        _state: &dyn DataFusionSession,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let units = units(self.scan.units)?;
        Ok(Arc::new(ScanExec::new(self.scan.clone(), self.schema.clone(), projection.cloned(), units)?))
    }
}

/// The side's scan units as a plan of their own: one partition per unit, holding the unit's number. Ballista gives
/// each task only its partitions of a plan's in-memory leaves; a leaf of recon's own it would give every task whole,
/// and every task would read every unit.
fn units(count: usize) -> DfResult<Arc<dyn ExecutionPlan>> {
    let schema = Arc::new(Schema::new(vec![Field::new("unit", DataType::UInt64, false)]));
    let partitions = (0..count as u64)
        .map(|unit| Ok(vec![RecordBatch::try_new(schema.clone(), vec![Arc::new(UInt64Array::from(vec![unit]))])?]))
        .collect::<DfResult<Vec<_>>>()?;
    Ok(MemorySourceConfig::try_new_exec(&partitions, schema, None)?)
}

/// Reads, on an executor, the scan units its input names: one output partition per input partition.
#[derive(Debug)]
pub struct ScanExec {
    pub scan: SideScan,
    /// Every column the scan makes; `projection` picks those the plan reads.
    pub schema: SchemaRef,
    pub projection: Option<Vec<usize>>,
    units: Arc<dyn ExecutionPlan>,
    properties: Arc<PlanProperties>,
}

impl ScanExec {
    pub fn new(
        scan: SideScan,
        schema: SchemaRef,
        projection: Option<Vec<usize>>,
        units: Arc<dyn ExecutionPlan>,
    ) -> DfResult<ScanExec> {
        let projected = match &projection {
            Some(p) => Arc::new(schema.project(p)?),
            None => schema.clone(),
        };
        let properties = PlanProperties::new(
            EquivalenceProperties::new(projected),
            Partitioning::UnknownPartitioning(units.properties().partitioning.partition_count()),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        Ok(ScanExec { scan, schema, projection, units, properties: Arc::new(properties) })
    }

    fn projected(&self) -> SchemaRef {
        self.properties.eq_properties.schema().clone()
    }
}

impl DisplayAs for ScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ReconScan: {} of {} units", self.scan.side, self.scan.units)
    }
}

impl ExecutionPlan for ScanExec {
    fn name(&self) -> &str {
        "ReconScan"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.units]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    /// A unit's rows come from the unit alone: spreading the unit numbers over more partitions gains nothing.
    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        let [units] = children.as_slice() else {
            return Err(DataFusionError::Internal("ReconScan reads one plan of units".into()));
        };
        Ok(Arc::new(ScanExec::new(self.scan.clone(), self.schema.clone(), self.projection.clone(), units.clone())?))
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        let mut numbers = self.units.execute(partition, context)?;
        let (sender, receiver) = tokio::sync::mpsc::channel::<DfResult<RecordBatch>>(2);
        let (scan, schema, projection) = (self.scan.clone(), self.schema.clone(), self.projection.clone());
        let handle = tokio::runtime::Handle::current();
        // recon's readers block (and wait on their own runtime): a thread of their own, batches handed over.
        std::thread::Builder::new()
            .name(format!("recon-scan-{partition}"))
            .spawn(move || {
                let send = |batch| sender.blocking_send(batch).is_ok();
                while let Some(numbers) = handle.block_on(futures::StreamExt::next(&mut numbers)) {
                    let units = numbers.map(|n| n.column(0).as_primitive::<UInt64Type>().values().to_vec());
                    let read = match units {
                        Ok(units) => units.into_iter().try_for_each(|unit| {
                            read_unit(&scan, unit as usize, &schema, projection.as_deref(), &send)
                                .map_err(|e| DataFusionError::External(Box::new(e)))
                        }),
                        Err(e) => Err(e),
                    };
                    if let Err(error) = read {
                        send(Err(error));
                        return;
                    }
                }
            })
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let batches = futures::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|batch| (batch, receiver))
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(self.projected(), batches)))
    }
}

/// Reads unit `unit` of the side, handing each batch's canonical columns to `send` until it refuses them.
fn read_unit(
    scan: &SideScan,
    unit: usize,
    schema: &SchemaRef,
    projection: Option<&[usize]>,
    send: &dyn Fn(DfResult<RecordBatch>) -> bool,
) -> Result<()> {
    let opened = scan.opened()?;
    let (plan, side) = (&opened.plan, scan.side);
    let columns = plan.side_columns(side);
    let dataset = &plan.datasets[side];
    let mut units = dataset.scan_units(&columns.projection)?;
    if units.len() != scan.units || unit >= units.len() {
        let why = format!("{} scan units here, {} where the comparison was planned", units.len(), scan.units);
        return Err(Error::input(&dataset.location, why));
    }
    let (mut next, batches) = units.swap_remove(unit).open_at()?;
    for batch in batches {
        let batch = batch?;
        let rows = batch.num_rows() as u64;
        let mut out = canonical_columns(&columns, &batch, &dataset.location)?;
        out.push(Arc::new(UInt64Array::from_iter_values(next..next + rows)));
        next += rows;
        let out = conform(out, schema).map_err(|e| Error::arrow(&dataset.location, e))?;
        let out = match projection {
            Some(p) => out.project(p).map_err(|e| Error::arrow(&dataset.location, e))?,
            None => out,
        };
        if !send(Ok(out)) {
            break;
        }
    }
    Ok(())
}

/// A batch of `columns` in the scan's declared types. A file of a directory may store a column narrower (Int32
/// beside Int64) or as another string layout: their canonical encodings are the same, so the cast changes no hash.
fn conform(columns: Vec<ArrayRef>, schema: &SchemaRef) -> Result<RecordBatch, arrow::error::ArrowError> {
    let columns = columns
        .into_iter()
        .zip(schema.fields())
        .map(|(column, field)| match column.data_type() == field.data_type() {
            true => Ok(column),
            false => arrow::compute::cast(&column, field.data_type()),
        })
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new(schema.clone(), columns)
}
