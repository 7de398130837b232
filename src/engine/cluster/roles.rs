//! `recon scheduler` and `recon executor`: Ballista's scheduler and executor started from recon's binary, each
//! with recon's functions and codecs, so that every node of a cluster plans and runs recon's plans alike. They
//! run until the process is stopped.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::utils::default_session_builder;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::execution::FunctionRegistry;

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
        tracing::info!("scheduler {} of recon {} listening on {address}", config.scheduler_id, identity());
        start_server(cluster, role.bind, Arc::new(config)).await.map_err(failed)
    })
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
