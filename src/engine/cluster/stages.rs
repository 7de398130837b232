//! A cluster run's progress, stage by stage. Ballista's gRPC job status says only queued, running or done; recon's
//! scheduler also serves Ballista's REST API on its port, whose job list gives each job's stages and how many are
//! done. The client names each job it submits (run, table, side, step) and follows those names there: a log line as
//! each stage completes, and on a terminal a live line with every job's stages.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arrow::array::RecordBatch;
use ballista::prelude::SessionConfigExt;
use datafusion::error::Result;
use datafusion::prelude::DataFrame;
use futures::future::Either;
use indicatif::ProgressBar;
use serde::Deserialize;

use crate::side::{Side, Sides};

/// How often the scheduler is asked, and how long one answer may take.
const POLL: Duration = Duration::from_millis(500);
const ANSWER: Duration = Duration::from_secs(2);

/// Runs of this process so far: with the process id, what makes a job name unique on a shared scheduler.
static RUNS: AtomicU64 = AtomicU64::new(0);

/// One job as `GET /api/jobs` lists it (the fields recon reads).
#[derive(Debug, Deserialize)]
struct Listed {
    job_name: String,
    num_stages: usize,
    completed_stages: usize,
}

/// A job followed: the name it was submitted under, what recon calls it, the stages logged done so far.
struct Followed {
    name: String,
    label: String,
    logged: usize,
    stages: Option<usize>,
}

/// The jobs of one table's cluster run, followed on the scheduler.
pub struct Jobs {
    client: Option<reqwest::Client>,
    url: String,
    run: String,
    table: String,
    followed: Vec<Followed>,
    /// Where the jobs of the step being collected start in `followed`: the live line shows those.
    step_start: usize,
    line: ProgressBar,
    /// The scheduler did not answer for its stages (not recon's, or unreachable over HTTP): said once, and not
    /// asked again.
    silent: bool,
}

impl Jobs {
    /// Follows jobs on the scheduler at `scheduler` (`df://HOST:PORT`); `table` prefixes log lines, `line` is the
    /// live line (hidden where none is drawn).
    pub fn new(scheduler: &str, table: &str, line: ProgressBar) -> Jobs {
        let address = scheduler.strip_prefix("df://").unwrap_or(scheduler);
        let run = format!("{}.{}", std::process::id(), RUNS.fetch_add(1, Ordering::Relaxed));
        Jobs {
            client: reqwest::Client::builder().timeout(ANSWER).build().ok(),
            url: format!("http://{address}/api/jobs"),
            run,
            table: table.to_string(),
            followed: Vec::new(),
            step_start: 0,
            line,
            silent: false,
        }
    }

    /// Runs both sides' frames for `step` at once, each submitted as a job of its own name, and says how their
    /// stages advance until both have brought their results back.
    pub async fn collect(&mut self, step: &str, frames: Sides<DataFrame>) -> Result<Sides<Vec<RecordBatch>>> {
        let Sides { source, target } = frames;
        self.step_start = self.followed.len();
        let (source, target) = (self.submit(step, Side::Source, source), self.submit(step, Side::Target, target));
        let out = {
            let work = std::pin::pin!(async { futures::try_join!(source.collect(), target.collect()) });
            let poll = std::pin::pin!(async {
                loop {
                    tokio::time::sleep(POLL).await;
                    self.poll().await;
                }
            });
            match futures::future::select(work, poll).await {
                Either::Left((out, _)) => out,
                Either::Right(((), work)) => work.await,
            }
        };
        self.poll().await;
        let (source, target) = out?;
        Ok(Sides::new(source, target))
    }

    /// `frame`, named as `side`'s job for `step` and followed from now on.
    fn submit(&mut self, step: &str, side: Side, frame: DataFrame) -> DataFrame {
        let name = format!("recon {} {}{side} {step}", self.run, self.table);
        self.followed.push(Followed { name: name.clone(), label: format!("{side} {step}"), logged: 0, stages: None });
        named(frame, &name)
    }

    /// Asks the scheduler for its jobs once: logs the stages of followed jobs done since the last answer, and
    /// redraws the line.
    async fn poll(&mut self) {
        if self.silent {
            return;
        }
        let listed = match self.listed().await {
            Ok(listed) => listed,
            Err(why) => {
                tracing::info!("{}cluster: no progress by stage ({why})", self.table);
                self.silent = true;
                return;
            }
        };
        for job in &mut self.followed {
            let Some(now) = listed.iter().find(|l| l.job_name == job.name) else { continue };
            job.stages = Some(now.num_stages);
            for stage in job.logged + 1..=now.completed_stages {
                tracing::info!("{}cluster: {}: stage {stage} of {} done", self.table, job.label, now.num_stages);
            }
            job.logged = job.logged.max(now.completed_stages);
        }
        let status: Vec<String> = self.followed[self.step_start..]
            .iter()
            .filter_map(|job| job.stages.map(|stages| format!("{} {}/{stages} stages", job.label, job.logged)))
            .collect();
        self.line.set_message(format!("cluster: {}", status.join(" | ")));
    }

    async fn listed(&self) -> Result<Vec<Listed>, String> {
        let client = self.client.as_ref().ok_or("no HTTP client")?;
        let response = client.get(&self.url).send().await.map_err(|e| format!("{}: {e}", self.url))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{} answered {status}", self.url));
        }
        let body = response.bytes().await.map_err(|e| format!("{}: {e}", self.url))?;
        serde_json::from_slice(&body).map_err(|e| format!("{} is not a job list: {e}", self.url))
    }
}

impl Drop for Jobs {
    fn drop(&mut self) {
        self.line.finish_and_clear();
    }
}

/// `frame`, to run as a job named `name`: Ballista sends the session's settings, this name among them, with each
/// query it submits.
fn named(frame: DataFrame, name: &str) -> DataFrame {
    let (mut state, plan) = frame.into_parts();
    let config = state.config().clone().with_ballista_job_name(name);
    *state.config_mut() = config;
    DataFrame::new(state, plan)
}
