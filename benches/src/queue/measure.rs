//! The timed Reachly runs on `noop` jobs, two ways:
//!
//! - **end to end**: the workers run while the jobs are submitted; first request -> every
//!   `job_run` succeeded;
//! - **drain only**: the `noop` queue is paused (through the API) while every job is submitted,
//!   then resumed; resume -> every `job_run` succeeded. The drain includes the feeder handing
//!   the jobs to Redis: Reachly's queue of record is Postgres.
//!
//! Completion is polled every `--poll-ms` (as the maintenance role); afterwards each job's
//! audit row proves it ran exactly once. CPU per process and Postgres backend, and where busy
//! backends waited, are observed over the timed window.

use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::args::Args;
use super::log;
use super::reachly::{Reachly, succeeded};
use crate::db::BenchDb;
use crate::observe::{Observed, Parties, observe};
use crate::waits::WaitSampler;

/// How a run is timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    EndToEnd,
    Drain,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::EndToEnd => "end to end",
            Mode::Drain => "drain only",
        }
    }
}

/// What one Reachly run measured.
#[derive(Debug, Clone)]
pub struct ReachlyRun {
    pub mode: Mode,
    pub workers: u16,
    pub jobs: usize,
    /// First request sent -> last batch response received.
    pub submit_seconds: f64,
    /// End to end: first request -> every job succeeded. Drain: resume -> every job succeeded.
    pub complete_seconds: f64,
    /// Jobs already succeeded when the last batch response arrived.
    pub succeeded_at_submit_end: i64,
    /// `job.noop.completed` audit rows written by the run, and distinct jobs among them.
    pub audit_rows: i64,
    pub audit_jobs: i64,
    /// CPU per party and where Postgres waited, over the timed window.
    pub observed: Observed,
}

impl ReachlyRun {
    /// Every job succeeded and wrote exactly one audit row.
    pub fn exactly_once(&self) -> bool {
        self.audit_rows == self.jobs as i64 && self.audit_jobs == self.jobs as i64
    }

    /// Jobs per second completed, as the mode times it.
    pub fn completed_per_s(&self) -> f64 {
        crate::report::rate(self.jobs as f64, self.complete_seconds)
    }

    pub fn submitted_per_s(&self) -> f64 {
        crate::report::rate(self.jobs as f64, self.submit_seconds)
    }
}

async fn audit(maint: &sqlx::PgPool) -> anyhow::Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "select count(*), count(distinct subject_id) from audit_logs
          where action = 'job.noop.completed'",
    )
    .fetch_one(maint)
    .await?)
}

/// Whether any job still waits, sits in Redis or runs.
async fn unfinished(maint: &sqlx::PgPool) -> anyhow::Result<bool> {
    Ok(sqlx::query_scalar(
        "select exists (select 1 from job_runs
                         where status in ('queued', 'retryable') and enqueued_at is null)
             or exists (select 1 from job_runs
                         where status in ('queued', 'retryable') and enqueued_at is not null)
             or exists (select 1 from job_runs where status = 'running')",
    )
    .fetch_one(maint)
    .await?)
}

async fn status_counts(maint: &sqlx::PgPool) -> String {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("select status, count(*) from job_runs group by 1 order by 1")
            .fetch_all(maint)
            .await
            .unwrap_or_default();
    rows.iter()
        .map(|(s, n)| format!("{s}={n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Starts the API and `workers` workers on a fresh database, measures one run in `mode`,
/// stops them and drops the database (unless `--keep-db`).
pub async fn fresh_run(
    args: &Args,
    redis: &reachly_testkit::RedisServer,
    mode: Mode,
    workers: u16,
) -> anyhow::Result<ReachlyRun> {
    let db = crate::db::create().await?;
    log(format!(
        "reachly {}: {} noop jobs, {workers} worker(s) of concurrency {}, batches of {}, {} in flight (database {})",
        mode.label(),
        args.jobs,
        args.concurrency,
        args.batch,
        args.in_flight,
        db.name
    ));
    let run = async {
        let mut reachly = Reachly::start(args, &db, redis, workers).await?;
        let measured = run(args, &db, redis, &mut reachly, mode, workers).await;
        reachly.stop().await;
        measured
    }
    .await;
    crate::db::finish(&db, args.keep_db).await;
    let run = run?;
    log(format!(
        "{}: completed {:.1}/s, submitted {:.1}/s; cpu seconds {:?}",
        mode.label(),
        run.completed_per_s(),
        run.submitted_per_s(),
        run.observed.cpu
    ));
    Ok(run)
}

async fn run(
    args: &Args,
    db: &BenchDb,
    redis: &reachly_testkit::RedisServer,
    reachly: &mut Reachly,
    mode: Mode,
    workers: u16,
) -> anyhow::Result<ReachlyRun> {
    let base = succeeded(&reachly.maint).await?;
    let (audit_rows0, audit_jobs0) = audit(&reachly.maint).await?;
    let (jobs, batch, in_flight) = (args.jobs, usize::from(args.batch), args.in_flight);
    let submitter = reachly.submitter.clone();
    let submit = || {
        let submitter = submitter.clone();
        tokio::spawn(async move { submitter.submit_all(jobs, batch, in_flight).await })
    };

    let mut drained_submit = None;
    if mode == Mode::Drain {
        reachly.set_paused(true).await?;
        let start = Instant::now();
        let end = submit().await??;
        let queued_ok = succeeded(&reachly.maint).await? - base;
        anyhow::ensure!(
            queued_ok == 0,
            "{queued_ok} jobs ran while the queue was paused"
        );
        drained_submit = Some((end - start).as_secs_f64());
        log(format!(
            "queued {jobs} in {:.2}s; resuming",
            (end - start).as_secs_f64()
        ));
    }
    let bench = ("bench", std::process::id());
    let maint = reachly.maint.clone();
    let parties = Parties::new(&reachly.services, redis, bench, &maint, true);
    let ((start, submit_end, done), observed) = observe(db, parties, async |waits| {
        let start = Instant::now();
        let submitting = match mode {
            Mode::EndToEnd => Some(submit()),
            Mode::Drain => {
                reachly.set_paused(false).await?;
                None
            }
        };
        let (submit_end, done) =
            wait_all(args, reachly, &maint, base, submitting, start, waits).await?;
        anyhow::Ok((start, submit_end, done))
    })
    .await?;
    let (submit_seconds, succeeded_at_submit_end) = match (drained_submit, submit_end) {
        (Some(seconds), _) => (seconds, 0),
        (None, Some((at, succeeded))) => ((at - start).as_secs_f64(), succeeded),
        (None, None) => unreachable!("an end-to-end run submits"),
    };
    // A late duplicate would commit its audit row with a second success: give it a moment.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (rows, distinct) = audit(&reachly.maint).await?;
    Ok(ReachlyRun {
        mode,
        workers,
        jobs: args.jobs,
        submit_seconds,
        complete_seconds: (done - start).as_secs_f64(),
        succeeded_at_submit_end,
        audit_rows: rows - audit_rows0,
        audit_jobs: distinct - audit_jobs0,
        observed,
    })
}

/// When submission ended and how many had succeeded by then (when this run submits).
type SubmitEnd = Option<(Instant, i64)>;

/// Polls until submission ended and no job waits or runs, then checks that `args.jobs` more
/// jobs than `base` succeeded; meanwhile notes when `submitting` (if any) ended and samples
/// where Postgres waits. The poll asks only whether anything is unfinished (partial indexes),
/// so its own cost stays small however many jobs succeeded.
async fn wait_all(
    args: &Args,
    reachly: &mut Reachly,
    maint: &sqlx::PgPool,
    base: i64,
    mut submitting: Option<JoinHandle<anyhow::Result<Instant>>>,
    start: Instant,
    waits: &mut WaitSampler,
) -> anyhow::Result<(SubmitEnd, Instant)> {
    let n = args.jobs as i64;
    let mut submit_end: SubmitEnd = None;
    let mut tick = tokio::time::interval(Duration::from_millis(args.poll_ms.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_log = Instant::now();
    loop {
        tick.tick().await;
        waits.sample().await;
        let now = Instant::now();
        if let Some(handle) = submitting.take_if(|h| h.is_finished()) {
            let at = handle.await??;
            let by_then = succeeded(maint).await? - base;
            submit_end = Some((at, by_then));
            log(format!(
                "submitted {} in {:.2}s; {by_then} already succeeded",
                args.jobs,
                (at - start).as_secs_f64()
            ));
        }
        if submitting.is_none() && !unfinished(maint).await? {
            let done = succeeded(maint).await? - base;
            anyhow::ensure!(
                done == n,
                "nothing left to run but {done}/{n} succeeded ({})",
                status_counts(maint).await
            );
            return Ok((submit_end, now));
        }
        reachly.check_alive()?;
        if last_log.elapsed() >= Duration::from_secs(5) {
            last_log = Instant::now();
            log(format!(
                "{:.0}s: {}",
                start.elapsed().as_secs_f64(),
                status_counts(maint).await
            ));
        }
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(args.timeout_s),
            "gave up after {}s: {}",
            args.timeout_s,
            status_counts(maint).await
        );
    }
}
