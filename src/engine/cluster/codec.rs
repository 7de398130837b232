//! How recon's plan nodes cross the network: the sides' tables ([`SideTable`]) from client to scheduler, their
//! scans ([`ScanExec`]) and the census from scheduler to executors. Every other node is Ballista's own, handed to
//! its codecs. A node is a tag line and JSON: a scan carries its [`SideScan`] (no secrets) and schema, never data.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::catalog::TableProvider;
use datafusion::common::{DataFusionError, Result, TableReference};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Extension, LogicalPlan};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use serde::{Deserialize, Serialize};

use super::census::{CensusExec, CensusTable};
use super::scan::{ScanExec, SideScan, SideTable};

const SIDE: &[u8] = b"recon-side\n";
const CENSUS: &[u8] = b"recon-census\n";
const SCAN: &[u8] = b"recon-scan\n";

/// A scan as it travels: what it reads, its columns' types, the columns the plan reads.
#[derive(Serialize, Deserialize)]
struct ScanNode {
    scan: SideScan,
    /// The schema as an Arrow IPC stream holding no batch.
    schema: Vec<u8>,
    projection: Option<Vec<usize>>,
}

fn json<T: Serialize>(tag: &[u8], value: &T, buf: &mut Vec<u8>) -> Result<()> {
    buf.extend_from_slice(tag);
    serde_json::to_writer(buf, value).map_err(|e| DataFusionError::External(Box::new(e)))
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| DataFusionError::External(Box::new(e)))
}

fn schema_bytes(schema: &SchemaRef) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    arrow::ipc::writer::StreamWriter::try_new(&mut bytes, schema)?.finish()?;
    Ok(bytes)
}

fn schema_of(bytes: &[u8]) -> Result<SchemaRef> {
    Ok(arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None)?.schema())
}

/// recon's tables, then Ballista's logical codec.
#[derive(Debug, Default)]
pub struct LogicalCodec {
    ballista: BallistaLogicalExtensionCodec,
}

impl LogicalExtensionCodec for LogicalCodec {
    fn try_decode(&self, buf: &[u8], inputs: &[LogicalPlan], ctx: &TaskContext) -> Result<Extension> {
        self.ballista.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        if let Some(body) = buf.strip_prefix(SIDE) {
            return Ok(Arc::new(SideTable { scan: parse(body)?, schema }));
        }
        if buf == CENSUS {
            return Ok(Arc::new(CensusTable));
        }
        self.ballista.try_decode_table_provider(buf, table_ref, schema, ctx)
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        if let Some(table) = node.downcast_ref::<SideTable>() {
            return json(SIDE, &table.scan, buf);
        }
        if node.is::<CensusTable>() {
            buf.extend_from_slice(CENSUS);
            return Ok(());
        }
        self.ballista.try_encode_table_provider(table_ref, node, buf)
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn datafusion::datasource::file_format::FileFormatFactory>> {
        self.ballista.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn datafusion::datasource::file_format::FileFormatFactory>,
    ) -> Result<()> {
        self.ballista.try_encode_file_format(buf, node)
    }
}

/// recon's scans and census, then Ballista's physical codec.
#[derive(Debug, Default)]
pub struct PhysicalCodec {
    ballista: BallistaPhysicalExtensionCodec,
}

impl PhysicalExtensionCodec for PhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if let Some(body) = buf.strip_prefix(SCAN) {
            let node: ScanNode = parse(body)?;
            let [units] = inputs else {
                return Err(DataFusionError::Internal("a scan reads one plan of units".into()));
            };
            return Ok(Arc::new(ScanExec::new(node.scan, schema_of(&node.schema)?, node.projection, units.clone())?));
        }
        if let Some(body) = buf.strip_prefix(CENSUS) {
            return Ok(Arc::new(CensusExec::new(parse(body)?)));
        }
        self.ballista.try_decode(buf, inputs, ctx, converter)
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        if let Some(scan) = node.downcast_ref::<ScanExec>() {
            let node = ScanNode {
                scan: scan.scan.clone(),
                schema: schema_bytes(&scan.schema)?,
                projection: scan.projection.clone(),
            };
            return json(SCAN, &node, buf);
        }
        if let Some(census) = node.downcast_ref::<CensusExec>() {
            return json(CENSUS, &census.executors, buf);
        }
        self.ballista.try_encode(node, buf, converter)
    }
}
