//! `recon scheduler` and `recon executor` (feature `cluster`): the nodes of a Ballista cluster that runs
//! `recon diff --cluster`'s plans, as their flags are typed.

use std::net::{SocketAddr, ToSocketAddrs};

use clap::Args;

use crate::engine::cluster::roles::{ExecutorRole, SchedulerRole};
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct SchedulerArgs {
    /// Where to listen for clients and executors (gRPC). Nothing authenticates them: bind to a private network,
    /// or put the nodes behind mTLS.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50050")]
    pub bind: String,
    /// Seconds without a heartbeat after which an executor is given up and its tasks run elsewhere.
    #[arg(long, value_name = "SECONDS", default_value_t = 180)]
    pub executor_timeout: u64,
}

#[derive(Debug, Args)]
pub struct ExecutorArgs {
    /// The scheduler to join (its --bind).
    #[arg(long, value_name = "HOST:PORT")]
    pub scheduler: String,
    /// Where to serve results and shuffled data to other executors and clients (Arrow Flight).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50051")]
    pub bind: String,
    /// The port the scheduler sends tasks to (gRPC), on --bind's host.
    #[arg(long, value_name = "PORT", default_value_t = 50052)]
    pub grpc_port: u16,
    /// The host the scheduler, clients and other executors reach this executor at [default: the address it
    /// connects to the scheduler from].
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
    /// Tasks run at once [default: one per core].
    #[arg(long, value_name = "N")]
    pub slots: Option<usize>,
    /// Seconds between heartbeats to the scheduler.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub heartbeat: u64,
}

/// `HOST:PORT` as a socket address, resolved once.
fn address(flag: &str, text: &str) -> Result<SocketAddr> {
    let invalid = |why: String| Error::setting(flag, format!("{text:?} {why}: give HOST:PORT"));
    text.to_socket_addrs()
        .map_err(|e| invalid(format!("is not an address ({e})")))?
        .next()
        .ok_or_else(|| invalid("names no address".into()))
}

impl SchedulerArgs {
    pub fn role(&self) -> Result<SchedulerRole> {
        Ok(SchedulerRole { bind: address("--bind", &self.bind)?, executor_timeout_seconds: self.executor_timeout })
    }
}

impl ExecutorArgs {
    pub fn role(&self) -> Result<ExecutorRole> {
        let scheduler = match self.scheduler.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() => port.parse().ok().map(|port| (host.to_string(), port)),
            _ => None,
        };
        let scheduler = scheduler.ok_or_else(|| {
            Error::setting("--scheduler", format!("{:?} is not HOST:PORT (recon scheduler's --bind)", self.scheduler))
        })?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(ExecutorRole {
            scheduler,
            bind: address("--bind", &self.bind)?,
            grpc_port: self.grpc_port,
            external_host: self.external_host.clone(),
            slots: self.slots.unwrap_or(cores).max(1),
            heartbeat_seconds: self.heartbeat.max(1),
        })
    }
}
