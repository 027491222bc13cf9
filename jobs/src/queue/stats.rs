//! What the queues hold now, for the API's queue gauges: per kind, the unfinished jobs by
//! where they are, and how long the longest-waiting runnable one has waited.
//!
//! The figures span every organization, so they are read as the maintenance role, through
//! [`QueueStats`], which exposes nothing else of that pool. Each statement walks only a
//! partial index of unfinished jobs (`job_runs_feedable`, `job_runs_in_transport`,
//! `job_runs_running`: migrations 0008 and 0022) and stops at [`DEPTH_CAP`] rows: a scrape
//! never reads the finished jobs, however many `job_runs` holds (their counts are not
//! offered: that would be a scan). `tests/tests/metrics.rs` checks the plans.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::db::MaintDb;

/// Most rows one depth figure counts: a backlog deeper than this shows as this (a lower
/// bound), so a scrape costs at most this many index entries per kind.
pub const DEPTH_CAP: i64 = 100_000;

/// Jobs of queue `$1` waiting in Postgres (not handed to Redis), by status: at most `$2`
/// rows of `job_runs_feedable`.
pub const WAITING: &str = "select status, count(*) from (
         select status from job_runs
          where queue = $1 and status in ('queued', 'retryable') and enqueued_at is null
          limit $2) waiting
     group by status";

/// Jobs of queue `$1` handed to Redis and not started: at most `$2` rows of
/// `job_runs_in_transport` (the feeder keeps them under its window anyway).
pub const IN_TRANSPORT: &str = "select count(*) from (
         select 1 from job_runs
          where queue = $1 and status in ('queued', 'retryable') and enqueued_at is not null
          limit $2) in_transport";

/// Running jobs by queue: at most `$1` rows of `job_runs_running` (their number is bounded
/// by the workers' concurrency).
pub const RUNNING: &str = "select queue, count(*) from (
         select queue from job_runs where status = 'running' limit $1) running
     group by queue";

/// Seconds since `run_at` of queue `$1`'s longest-waiting runnable job (0 when none).
/// `job_runs_feedable` is ordered by organization and priority before `run_at`, so the
/// oldest waiting job is the oldest of the first entries of each (organization, priority)
/// group, found by a loose index scan: one probe per group, however deep each backlog is.
/// The jobs in Redis are at most `$2` rows of `job_runs_in_transport`.
pub const OLDEST_AGE: &str = "with recursive heads(org, prio, run_at) as (
         (select organization_id, priority, run_at from job_runs
           where queue = $1 and status in ('queued', 'retryable') and enqueued_at is null
           order by organization_id, priority desc, run_at, id
           limit 1)
         union all
         select next.organization_id, next.priority, next.run_at
           from heads h
           cross join lateral (
               (select organization_id, priority, run_at from job_runs
                 where queue = $1 and status in ('queued', 'retryable') and enqueued_at is null
                   and organization_id = h.org and priority < h.prio
                 order by priority desc, run_at, id
                 limit 1)
               union all
               (select organization_id, priority, run_at from job_runs
                 where queue = $1 and status in ('queued', 'retryable') and enqueued_at is null
                   and organization_id > h.org
                 order by organization_id, priority desc, run_at, id
                 limit 1)
               limit 1) next),
     in_transport as (
         select run_at from job_runs
          where queue = $1 and status in ('queued', 'retryable') and enqueued_at is not null
          limit $2)
     select greatest(0, coalesce(extract(epoch from statement_timestamp() - least(
                (select min(run_at) from heads), (select min(run_at) from in_transport))), 0)
            )::float8";

/// One kind's unfinished jobs, by where they are. The groups do not overlap: their sum is
/// every unfinished job of the kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFigures {
    /// The kind, which is also its queue's name.
    pub kind: String,
    /// `queued` and in Postgres (delayed ones included).
    pub queued: i64,
    /// Waiting for its next attempt, in Postgres.
    pub retryable: i64,
    /// Handed to Redis (`queued` or `retryable`), not started.
    pub in_transport: i64,
    pub running: i64,
    /// Seconds since `run_at` of the longest-waiting runnable job that has not started.
    pub oldest_age_seconds: f64,
}

/// How long figures once read are served again: however often `/metrics` is requested
/// (it is unauthenticated), Postgres reads them at most once a second.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// The figures last read, and when.
type LastRead = Option<(Instant, Arc<[QueueFigures]>)>;

/// Reads [`QueueFigures`] with a maintenance-role pool it keeps to itself.
#[derive(Clone, Debug)]
pub struct QueueStats {
    db: MaintDb,
    queues: Vec<String>,
    /// Held while reading, so concurrent scrapes wait for one read and share it.
    last: Arc<Mutex<LastRead>>,
}

impl QueueStats {
    /// Reads the figures of `queues` through `db`.
    pub fn new(db: MaintDb, queues: Vec<String>) -> Self {
        Self {
            db,
            queues,
            last: Arc::default(),
        }
    }

    /// Every queue's figures, read at most [`FRESH_FOR`] ago.
    pub async fn read(&self) -> Result<Arc<[QueueFigures]>, sqlx::Error> {
        let mut last = self.last.lock().await;
        if let Some((at, figures)) = &*last
            && at.elapsed() < FRESH_FOR
        {
            return Ok(figures.clone());
        }
        let figures: Arc<[QueueFigures]> = self.read_now().await?.into();
        *last = Some((Instant::now(), figures.clone()));
        Ok(figures)
    }

    /// Every queue's figures now, from one snapshot (a read-only repeatable-read
    /// transaction whose statements may take 5 s at most).
    pub async fn read_now(&self) -> Result<Vec<QueueFigures>, sqlx::Error> {
        let mut tx = self
            .db
            .pool()
            .begin_with(
                "begin isolation level repeatable read read only; \
                 set local statement_timeout = 5000",
            )
            .await?;
        let running: HashMap<String, i64> = sqlx::query_as(RUNNING)
            .bind(DEPTH_CAP)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
        let mut figures = Vec::with_capacity(self.queues.len());
        for queue in &self.queues {
            let waiting: Vec<(String, i64)> = sqlx::query_as(WAITING)
                .bind(queue)
                .bind(DEPTH_CAP)
                .fetch_all(&mut *tx)
                .await?;
            let count_of = |status: &str| {
                waiting
                    .iter()
                    .find(|(s, _)| s == status)
                    .map_or(0, |(_, n)| *n)
            };
            let in_transport: i64 = sqlx::query_scalar(IN_TRANSPORT)
                .bind(queue)
                .bind(DEPTH_CAP)
                .fetch_one(&mut *tx)
                .await?;
            let oldest_age_seconds: f64 = sqlx::query_scalar(OLDEST_AGE)
                .bind(queue)
                .bind(DEPTH_CAP)
                .fetch_one(&mut *tx)
                .await?;
            figures.push(QueueFigures {
                kind: queue.clone(),
                queued: count_of("queued"),
                retryable: count_of("retryable"),
                in_transport,
                running: running.get(queue).copied().unwrap_or(0),
                oldest_age_seconds,
            });
        }
        tx.commit().await?;
        Ok(figures)
    }
}
