//! `recon scheduler` and `recon executor`: Ballista's scheduler and executor started from recon's binary, each
//! with recon's functions and codecs, so that every node of a cluster plans and runs recon's plans alike. They
//! run until the process is stopped.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::serde::protobuf::job_status::Status;
use ballista_core::utils::default_session_builder;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::{BallistaCluster, ClusterState, JobState};
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service};
use ballista_scheduler::scheduler_server::SchedulerServer;
use datafusion::execution::FunctionRegistry;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};

use super::{census, codec, functions, identity};
use crate::error::{Error, Result};

/// `recon scheduler`: where it listens, and how soon an executor that stopped sending heartbeats is given up.
#[derive(Debug, Clone)]
pub struct SchedulerRole {
    pub bind: SocketAddr,
    pub executor_timeout_seconds: u64,
}

/// `recon executor`: the scheduler it joins, where it listens (Arrow Flight on `bind`, gRPC on `grpc_port`),
/// the host it tells the scheduler to reach it at, and how many tasks it runs at once.
#[derive(Debug, Clone)]
pub struct ExecutorRole {
    pub scheduler: (String, u16),
    pub bind: SocketAddr,
    pub grpc_port: u16,
    pub external_host: Option<String>,
    pub slots: usize,
    pub heartbeat_seconds: u64,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .thread_name("recon-node")
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the async runtime: {e}")))
}

/// Runs a scheduler until the process is stopped.
pub fn scheduler(role: &SchedulerRole) -> Result<()> {
    let address = format!("df://{}", role.bind);
    let config = SchedulerConfig {
        bind_host: role.bind.ip().to_string(),
        bind_port: role.bind.port(),
        executor_timeout_seconds: role.executor_timeout_seconds,
        expire_dead_executor_interval_seconds: (role.executor_timeout_seconds / 4).max(1),
        no_executors_grace_period_seconds: role.executor_timeout_seconds,
        override_session_builder: Some(Arc::new(|config| {
            let mut state = default_session_builder(config)?;
            for function in functions::scalars() {
                state.register_udf(function)?;
            }
            state.register_udaf(functions::aggregate())?;
            Ok(state)
        })),
        override_logical_codec: Some(Arc::new(codec::LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(codec::PhysicalCodec::default())),
        ..SchedulerConfig::default()
    };
    let failed = |e: ballista_core::error::BallistaError| Error::cluster(&address, e.to_string());
    runtime()?.block_on(async {
        let cluster = BallistaCluster::new_from_config(&config).await.map_err(failed)?;
        census::watch(cluster.cluster_state());
        let (state, jobs) = (cluster.cluster_state(), cluster.job_state());
        let config = Arc::new(config);
        config.validate().map_err(failed)?;
        let scheduler =
            create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, config.clone()).await.map_err(failed)?;
        tokio::spawn(fail_on_lost_executors(state, jobs, scheduler.clone()));
        tracing::info!("scheduler {} of recon {} listening on {address}", config.scheduler_id, identity());
        start_grpc_service(role.bind, scheduler).await.map_err(failed)
    })
}

/// How often the scheduler looks for executors it lost.
const WATCH: std::time::Duration = std::time::Duration::from_secs(1);

/// Cancels every job in flight when an executor is lost (its heartbeats stopped for `--executor-timeout`): the
/// clients then stop with exit 2 and no report. Ballista 55 re-runs a lost executor's tasks elsewhere, but here its
/// jobs stalled after the stages were rolled back; a comparison must end, with the local run's report or none.
async fn fail_on_lost_executors(
    state: Arc<dyn ClusterState>,
    jobs: Arc<dyn JobState>,
    scheduler: SchedulerServer<LogicalPlanNode, PhysicalPlanNode>,
) {
    let mut known: HashSet<String> = HashSet::new();
    loop {
        tokio::time::sleep(WATCH).await;
        let live: HashSet<String> = state.executor_heartbeats().into_keys().collect();
        let lost: Vec<&String> = known.difference(&live).collect();
        if !lost.is_empty() {
            let running = in_flight(jobs.as_ref()).await;
            tracing::error!("lost executor(s) {lost:?}: cancelling the {} job(s) in flight", running.len());
            for job in running {
                if let Err(e) = scheduler.cancel_job(job.clone()).await {
                    tracing::error!("cannot cancel job {job}: {e}");
                }
            }
        }
        known = live;
    }
}

/// The jobs queued or running.
async fn in_flight(jobs: &dyn JobState) -> Vec<ballista_core::JobId> {
    let mut running = Vec::new();
    for job in jobs.get_all_jobs().await.unwrap_or_default() {
        let status = jobs.get_job_status(&job).await.ok().flatten().and_then(|s| s.status);
        if matches!(status, Some(Status::Queued(_) | Status::Running(_))) {
            running.push(job);
        }
    }
    running
}

/// Runs an executor until the process is stopped or its scheduler tells it to stop.
pub fn executor(role: &ExecutorRole) -> Result<()> {
    let mut registry = BallistaFunctionRegistry::default();
    for function in functions::scalars() {
        registry.scalar_functions.insert(function.name().to_string(), function);
    }
    let fingerprint = functions::aggregate();
    registry.aggregate_functions.insert(fingerprint.name().to_string(), fingerprint);
    let config = ExecutorProcessConfig {
        bind_host: role.bind.ip().to_string(),
        port: role.bind.port(),
        grpc_port: role.grpc_port,
        external_host: role.external_host.clone(),
        scheduler_host: role.scheduler.0.clone(),
        scheduler_port: role.scheduler.1,
        vcores: role.slots,
        executor_heartbeat_interval_seconds: role.heartbeat_seconds,
        override_function_registry: Some(Arc::new(registry)),
        override_logical_codec: Some(Arc::new(codec::LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(codec::PhysicalCodec::default())),
        ..ExecutorProcessConfig::default()
    };
    let scheduler = format!("df://{}:{}", role.scheduler.0, role.scheduler.1);
    tracing::info!(
        "executor {} of recon {} joining {scheduler}, Flight on {}, gRPC on port {}",
        config.executor_id,
        identity(),
        role.bind,
        role.grpc_port
    );
    runtime()?.block_on(start_executor_process(Arc::new(config))).map_err(|e| Error::cluster(&scheduler, e.to_string()))
}
