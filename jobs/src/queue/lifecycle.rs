//! One attempt of one job: claim (counting the attempt, committed before any work), then
//! succeed inside the job's own transaction ([`JobContext`]), or fail towards a retry or
//! `dead`.
//!
//! Every transition after the claim is fenced on `(status = 'running', attempts, locked_by)`,
//! so an attempt that lost its job (reaped, cancelled, handed back) can change nothing.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use uuid::Uuid;

use super::backoff::retry_delay;
use super::batch::Batcher;
use super::context::JobContext;
use super::error::JobError;
use super::error_text::stored_error;
use super::kind::JobKind;
use super::registry::Registry;
use super::services::Services;
use crate::db::AppDb;
use crate::metrics;
use crate::tenancy::OrgId;

/// A success whose only effects are its record and, optionally, one audit row: recorded
/// in groups by [`JobContext::succeed_simple`].
#[derive(Debug)]
pub struct SimpleSuccess {
    pub(super) job_id: Uuid,
    pub(super) attempt: i32,
    pub(super) result: Value,
    pub(super) audit: Option<Audit>,
}

/// An audit-log row written with a job's success, about the job.
#[derive(Debug, Clone)]
pub struct Audit {
    pub action: &'static str,
    pub details: Value,
}

/// What a claim returns for one job: its kind, payload, the attempt number now counted, and
/// the seconds it waited since its `run_at`.
type ClaimedRow = Option<(String, Value, i32, f64)>;

/// The attempt lifecycle of one worker process: claims and simple successes go through
/// batchers (one statement per organization per batch), everything else per job.
#[derive(Clone, Debug)]
pub struct Lifecycle {
    pub(super) db: AppDb,
    /// The kinds this build runs: a claimed job of another kind is handed back.
    registry: Arc<Registry>,
    pub(super) services: Arc<Services>,
    /// The process's worker name, stored in `locked_by`.
    pub(super) worker: Arc<str>,
    claims: Batcher<(Uuid, String), ClaimedRow>,
    pub(super) successes: Batcher<SimpleSuccess, bool>,
}

/// Most items in one batched statement, and batched statements in flight at once.
const BATCH_MAX: usize = 256;
const BATCH_PARALLEL: usize = 4;

impl Lifecycle {
    /// Starts the batchers (needs a Tokio runtime).
    pub fn start(db: AppDb, worker: Arc<str>, registry: Arc<Registry>, services: Services) -> Self {
        let claims = {
            let (db, worker) = (db.clone(), worker.clone());
            Batcher::start(BATCH_MAX, BATCH_PARALLEL, move |org, items| {
                claim_group(db.clone(), worker.clone(), org, items)
            })
        };
        let successes = {
            let (db, worker) = (db.clone(), worker.clone());
            Batcher::start(BATCH_MAX, BATCH_PARALLEL, move |org, items| {
                succeed_group(db.clone(), worker.clone(), org, items)
            })
        };
        Self {
            db,
            registry,
            services: Arc::new(services),
            worker,
            claims,
            successes,
        }
    }

    /// The kinds this process runs.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Claims a delivered job for one attempt: counts the attempt and marks it running,
    /// committed before any work. `None` when the delivery is stale (the job is not waiting
    /// for this transport id: already running, finished, cancelled, or re-pushed under
    /// another id).
    pub async fn claim(
        &self,
        org: OrgId,
        job_id: Uuid,
        transport_id: &str,
    ) -> Result<Option<JobContext>, Arc<sqlx::Error>> {
        let row = self
            .claims
            .submit(org, (job_id, transport_id.to_owned()))
            .await?;
        let Some((kind, payload, attempt, waited)) = row else {
            return Ok(None);
        };
        if self.registry.get(&kind).is_none() {
            self.give_back_unknown(org, job_id, &kind)
                .await
                .map_err(Arc::new)?;
            return Ok(None);
        }
        metrics::job_started(
            &kind,
            Duration::try_from_secs_f64(waited).unwrap_or_default(),
        );
        let kind = JobKind::named(&kind);
        Ok(Some(JobContext {
            lifecycle: self.clone(),
            org,
            job_id,
            kind,
            attempt,
            payload,
        }))
    }

    /// A kind this build does not know: give the attempt back for a worker that does.
    async fn give_back_unknown(
        &self,
        org: OrgId,
        job_id: Uuid,
        kind: &str,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.db.tenant(org).await?;
        sqlx::query(
            "update job_runs set status = 'queued', attempts = attempts - 1, locked_by = null,
                    last_error = $2
              where organization_id = $4 and id = $1 and locked_by = $3 and status = 'running'",
        )
        .bind(job_id)
        .bind(format!("unknown job kind {kind:?} in this worker build"))
        .bind(&*self.worker)
        .bind(org)
        .execute(&mut **tx)
        .await?;
        tx.commit().await
    }
}

/// Claims one organization's deliveries in one statement. The attempt is counted before any
/// work; its commit need not wait for the disk (the job's own flushed commit, or the next
/// one of any job, makes it durable; a worker crash cannot lose it, only a Postgres crash
/// within milliseconds).
async fn claim_group(
    db: AppDb,
    worker: Arc<str>,
    org: OrgId,
    items: Vec<(Uuid, String)>,
) -> Result<Vec<ClaimedRow>, sqlx::Error> {
    let (ids, tids): (Vec<Uuid>, Vec<String>) = items.into_iter().unzip();
    let mut tx = db.tenant_deferred(org).await?;
    let rows: Vec<(Uuid, String, Value, i32, f64)> = sqlx::query_as(
        "update job_runs j
            set status = 'running', attempts = attempts + 1, locked_by = $3,
                started_at = now(), heartbeat_at = now(), enqueued_at = null, transport_id = null
           from unnest($1::uuid[], $2::text[]) as t(id, tid)
          where j.organization_id = $4 and j.id = any($1) and j.id = t.id
            and j.status in ('queued', 'retryable') and j.transport_id = t.tid
         returning j.id, j.kind, j.payload, j.attempts,
                   extract(epoch from j.started_at - j.run_at)::float8",
    )
    .bind(&ids)
    .bind(&tids)
    .bind(&*worker)
    .bind(org)
    .fetch_all(&mut **tx)
    .await?;
    tx.commit().await?;
    let mut claimed: std::collections::HashMap<Uuid, (String, Value, i32, f64)> = rows
        .into_iter()
        .map(|(id, kind, payload, attempt, waited)| (id, (kind, payload, attempt, waited)))
        .collect();
    Ok(ids.iter().map(|id| claimed.remove(id)).collect())
}

/// Records one organization's simple successes and their audit rows in one statement,
/// fenced like [`JobContext::succeed`]; returns, per item, whether it was recorded.
async fn succeed_group(
    db: AppDb,
    worker: Arc<str>,
    org: OrgId,
    items: Vec<SimpleSuccess>,
) -> Result<Vec<bool>, sqlx::Error> {
    let ids: Vec<Uuid> = items.iter().map(|i| i.job_id).collect();
    let attempts: Vec<i32> = items.iter().map(|i| i.attempt).collect();
    let results: Vec<Value> = items.iter().map(|i| i.result.clone()).collect();
    let actions: Vec<Option<&str>> = items
        .iter()
        .map(|i| i.audit.as_ref().map(|a| a.action))
        .collect();
    let details: Vec<Option<Value>> = items
        .iter()
        .map(|i| i.audit.as_ref().map(|a| a.details.clone()))
        .collect();
    let mut tx = db.tenant(org).await?;
    let done: Vec<Uuid> = sqlx::query_scalar(
        "with t as (
             select * from unnest($1::uuid[], $2::int4[], $3::jsonb[], $4::text[], $5::jsonb[])
                 as t(id, attempt, result, action, details)),
         done as (
             update job_runs j
                set status = 'succeeded', result = t.result, finished_at = now(),
                    locked_by = null, last_error = null,
                    progress_done = coalesce(j.progress_total, j.progress_done)
               from t
              where j.organization_id = $6 and j.id = any($1) and j.id = t.id
                and j.status = 'running'
                and j.attempts = t.attempt and j.locked_by = $7
             returning j.id),
         audited as (
             insert into audit_logs (organization_id, action, subject_type, subject_id, details)
             select $6, t.action, 'job_run', t.id, t.details
               from t join done on done.id = t.id
              where t.action is not null)
         select id from done",
    )
    .bind(&ids)
    .bind(&attempts)
    .bind(&results)
    .bind(&actions)
    .bind(&details)
    .bind(org)
    .bind(&*worker)
    .fetch_all(&mut **tx)
    .await?;
    tx.commit().await?;
    let done: std::collections::HashSet<Uuid> = done.into_iter().collect();
    Ok(ids.iter().map(|id| done.contains(id)).collect())
}

/// What became of a failed attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum FailureOutcome {
    RetryScheduled,
    Dead,
    /// The job had already moved on (it was cancelled or reaped): nothing recorded.
    NotOwned,
}

/// Records a failed attempt: `retryable` with a backoff before the next attempt while
/// attempts remain and the error is retryable, else `dead`; the error's whole chain is kept.
pub async fn record_failure(
    ctx: &JobContext,
    error: &JobError,
) -> Result<FailureOutcome, sqlx::Error> {
    let permanent = error.is_permanent();
    let delay = retry_delay(ctx.attempt, &mut rand::rng());
    let mut tx = ctx.begin().await?;
    // The attempt's error is also kept in its history (`job_attempt_errors`, migration 0031).
    let status: Option<(String,)> = sqlx::query_as(
        "with failed as (
             update job_runs
                set status = case when $5 or attempts >= max_attempts then 'dead' else 'retryable' end,
                    finished_at = case when $5 or attempts >= max_attempts then now() end,
                    run_at = now() + make_interval(secs => $4),
                    last_error = $3, locked_by = null
              where organization_id = $7 and id = $1 and status = 'running' and attempts = $2
                and locked_by = $6
             returning status),
         logged as (
             insert into job_attempt_errors (organization_id, job_id, attempt, error)
             select $7, $1, $2, $3 from failed)
         select status from failed",
    )
    .bind(ctx.job_id)
    .bind(ctx.attempt)
    .bind(stored_error(&error.chain()))
    .bind(delay.as_secs_f64())
    .bind(permanent)
    .bind(&*ctx.lifecycle.worker)
    .bind(ctx.org)
    .fetch_optional(&mut **tx)
    .await?;
    tx.commit().await?;
    Ok(match status.as_ref().map(|s| s.0.as_str()) {
        Some("dead") => FailureOutcome::Dead,
        Some(_) => FailureOutcome::RetryScheduled,
        None => FailureOutcome::NotOwned,
    })
}

/// The job's status as it is now: read after an attempt found it no longer owned the job,
/// to tell a cancel from a reap or a hand-back.
pub async fn status_now(ctx: &JobContext) -> Result<Option<String>, sqlx::Error> {
    let mut tx = ctx.begin().await?;
    let status =
        sqlx::query_scalar("select status from job_runs where organization_id = $1 and id = $2")
            .bind(ctx.org)
            .bind(ctx.job_id)
            .fetch_optional(&mut **tx)
            .await?;
    tx.commit().await?;
    Ok(status)
}
