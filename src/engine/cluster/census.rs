//! How many executors the cluster has, for the report's `engine.executors`. Ballista's client API cannot ask the
//! scheduler this, but the scheduler plans every query: the client reads a one-row table whose plan the
//! scheduler (recon's, which knows its cluster's live executors) makes with the count inside.

use std::fmt;
use std::sync::{Arc, OnceLock};

use arrow::array::{RecordBatch, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use ballista_scheduler::cluster::ClusterState;
use datafusion::catalog::{Session as DataFusionSession, TableProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{exec_err, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties};

/// The census's name in a client's session.
pub const TABLE: &str = "recon_census";

/// The scheduler's view of its cluster, set once by `recon scheduler`.
static CLUSTER: OnceLock<Arc<dyn ClusterState>> = OnceLock::new();

/// Called by the scheduler role: from now on, census plans count this cluster's executors.
pub fn watch(cluster: Arc<dyn ClusterState>) {
    let _ = CLUSTER.set(cluster);
}

pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new("executors", DataType::UInt64, false)]))
}

/// The census as a table: planned on the scheduler into a [`CensusExec`] holding the count.
#[derive(Debug, Default)]
pub struct CensusTable;

#[async_trait]
impl TableProvider for CensusTable {
    fn schema(&self) -> SchemaRef {
        schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    async fn scan(
        &self,
        _state: &dyn DataFusionSession,
        _projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let Some(cluster) = CLUSTER.get() else {
            return exec_err!("the executors are counted by recon's scheduler: run `recon scheduler`, not Ballista's");
        };
        Ok(Arc::new(CensusExec::new(cluster.executor_heartbeats().len() as u64)))
    }
}

/// One row: the executors the scheduler knew when it planned the query.
#[derive(Debug)]
pub struct CensusExec {
    pub executors: u64,
    properties: Arc<PlanProperties>,
}

impl CensusExec {
    pub fn new(executors: u64) -> CensusExec {
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema()),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        CensusExec { executors, properties: Arc::new(properties) }
    }
}

impl DisplayAs for CensusExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ReconCensus: {} executors", self.executors)
    }
}

impl ExecutionPlan for CensusExec {
    fn name(&self) -> &str {
        "ReconCensus"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        Vec::new()
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(self: Arc<Self>, _children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(&self, _partition: usize, _context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let batch = RecordBatch::try_new(schema(), vec![Arc::new(UInt64Array::from(vec![self.executors]))]);
        let batches = futures::stream::iter([batch.map_err(Into::into)]);
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema(), batches)))
    }
}
