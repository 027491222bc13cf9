//! Runs one delivery: claim the job (attempt counted and committed), run its kind's logic
//! while the process heartbeat covers it, then record success or failure.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt;
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::acker::Acker;
use super::context::JobContext;
use super::error::JobError;
use super::lifecycle::{self, FailureOutcome, Lifecycle};
use super::reaper::RunningSet;
use super::registry::Registry;
use super::services::Services;
use super::throughput::Throughput;
use super::transport::Delivery;
use crate::db::AppDb;
use crate::metrics::{self, Outcome};

/// How many jobs of one queue a process runs at once (`--concurrency`, capped per kind),
/// whatever the tasks they arrive in: a task of 25 jobs in a process allowed 10 runs them
/// ten at a time.
#[derive(Clone, Debug)]
pub struct JobSlots {
    semaphore: Arc<Semaphore>,
    capacity: usize,
}

impl JobSlots {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            semaphore: Arc::new(Semaphore::new(capacity)),
            capacity,
        }
    }
}

/// Everything a worker process needs to run deliveries; shared by all its apalis workers.
#[derive(Clone, Debug)]
pub struct Runner {
    lifecycle: Lifecycle,
    running: RunningSet,
    acker: Acker,
    throughput: Throughput,
}

impl Runner {
    /// `process` is the worker process's name: what `job_runs.locked_by` and its heartbeat
    /// use. Needs a Tokio runtime (it starts the lifecycle's batchers).
    pub fn new(
        db: AppDb,
        process: Arc<str>,
        registry: Arc<Registry>,
        services: Services,
        running: RunningSet,
        acker: Acker,
    ) -> Self {
        Self {
            lifecycle: Lifecycle::start(db, process, registry, services),
            running,
            acker,
            throughput: Throughput::default(),
        }
    }

    /// Counts every attempt's end in `throughput` (the ops dashboard's graph).
    pub fn with_throughput(mut self, throughput: Throughput) -> Self {
        self.throughput = throughput;
        self
    }

    /// Handles one delivery taken from `queue` by the apalis worker named `worker` (whose
    /// in-flight set holds the task until it is acknowledged): claims its jobs in one
    /// statement, then runs them side by side.
    /// Errors are infrastructure failures (Postgres unreachable); the job rows are untouched
    /// then, and the feeder re-delivers them once Redis no longer holds this task.
    pub async fn handle(
        &self,
        queue: &'static str,
        worker: Arc<str>,
        transport_id: String,
        delivery: Delivery,
        slots: &JobSlots,
    ) -> Result<(), Arc<sqlx::Error>> {
        let outcome = self.run_delivery(&transport_id, delivery, slots).await;
        self.acker.ack(queue, worker, transport_id);
        outcome
    }

    /// Claims and runs the delivery's jobs as slots allow: all at once when the process has
    /// room for them, else in turns of as many as it may run.
    async fn run_delivery(
        &self,
        transport_id: &str,
        delivery: Delivery,
        slots: &JobSlots,
    ) -> Result<(), Arc<sqlx::Error>> {
        for turn in delivery.jobs.chunks(slots.capacity) {
            let permits = u32::try_from(turn.len()).expect("capacity fits u32");
            let _held = slots
                .semaphore
                .acquire_many(permits)
                .await
                .expect("slots are never closed");
            let claimed = self
                .lifecycle
                .claim(delivery.org, turn, transport_id)
                .await?;
            let ends =
                futures::future::join_all(claimed.into_iter().map(|ctx| self.run(ctx))).await;
            ends.into_iter().collect::<Result<(), _>>()?;
        }
        Ok(())
    }

    /// Runs one claimed attempt to its recorded end.
    async fn run(&self, ctx: JobContext) -> Result<(), Arc<sqlx::Error>> {
        let started = Instant::now();
        let running = self.running.enter(ctx.org(), ctx.job_id());
        let span = tracing::info_span!("job", id = %ctx.job_id(), org = %ctx.org(),
            kind = ctx.kind().as_str(), attempt = ctx.attempt());
        let result = AssertUnwindSafe(self.dispatch(&ctx).instrument(span.clone()))
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| Err(JobError::retryable(panic_message(&panic))));
        let kind = ctx.kind().as_str();
        let (outcome, recorded) = match &result {
            Ok(()) => {
                span.in_scope(|| tracing::info!("job succeeded"));
                (Outcome::Succeeded, Ok(()))
            }
            Err(JobError::LostOwnership) => {
                span.in_scope(|| {
                    tracing::warn!("job lost ownership; its effects were rolled back")
                });
                (lost_outcome(&ctx).await, Ok(()))
            }
            Err(error) => match lifecycle::record_failure(&ctx, error).await {
                Ok(failure) => {
                    let error = error.chain();
                    span.in_scope(|| match failure {
                        FailureOutcome::Dead => tracing::error!(%error, "job dead"),
                        FailureOutcome::RetryScheduled => tracing::warn!(%error, "job will retry"),
                        FailureOutcome::NotOwned => {
                            tracing::warn!(%error, "job failed after losing ownership")
                        }
                    });
                    let outcome = match failure {
                        FailureOutcome::Dead => Outcome::Dead,
                        FailureOutcome::RetryScheduled => Outcome::Retryable,
                        FailureOutcome::NotOwned => lost_outcome(&ctx).await,
                    };
                    (outcome, Ok(()))
                }
                Err(e) => (Outcome::Lost, Err(Arc::new(e))),
            },
        };
        // Off the heartbeat: if the outcome could not be recorded the job goes stale and the
        // reaper gives it back.
        drop(running);
        metrics::job_finished(kind, outcome, started.elapsed());
        self.throughput.record(ctx.org(), kind, outcome);
        recorded
    }
}

/// The outcome of an attempt whose job was taken from it: `cancelled` or `lost`, from the
/// job's status now (`lost` when even that cannot be read).
async fn lost_outcome(ctx: &JobContext) -> Outcome {
    let status = lifecycle::status_now(ctx).await.ok().flatten();
    Outcome::of_lost_job(status.as_deref())
}

impl Runner {
    /// The logic of the job's kind (claims hand back kinds the registry does not know).
    async fn dispatch(&self, ctx: &JobContext) -> Result<(), JobError> {
        match self.lifecycle.registry().dispatch(ctx) {
            Some(run) => run.await,
            None => Err(JobError::retryable(format!(
                "unknown job kind {:?} in this worker build",
                ctx.kind().as_str()
            ))),
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("job panicked: {text}")
}
