//! One attempt of one job: claim (counting the attempt, committed before any work), then
//! succeed inside the job's own transaction, or fail towards a retry or `dead`.
//!
//! Every transition after the claim is fenced on `(status = 'running', attempts, locked_by)`,
//! so an attempt that lost its job (reaped, cancelled, handed back) can change nothing.

use std::sync::Arc;

use serde_json::Value;
use uuid::Uuid;

use super::backoff::retry_delay;
use super::kind::JobKind;
use crate::db::AppDb;
use crate::tenancy::{OrgId, TenantTx};

/// How an attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt (after backoff) if attempts remain.
    #[error("{0}")]
    Retryable(String),
    /// Will fail the same way every time: the job goes `dead` at once.
    #[error("{0}")]
    Permanent(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The job is no longer this attempt's (cancelled, reaped or handed back); nothing was kept.
    #[error("the job is no longer owned by this attempt")]
    LostOwnership,
}

/// What a job's logic sees of its run, and how it records success.
#[derive(Debug)]
pub struct JobContext {
    db: AppDb,
    org: OrgId,
    job_id: Uuid,
    kind: JobKind,
    attempt: i32,
    payload: Value,
    worker: Arc<str>,
}

impl JobContext {
    pub fn org(&self) -> OrgId {
        self.org
    }
    pub fn job_id(&self) -> Uuid {
        self.job_id
    }
    pub fn kind(&self) -> JobKind {
        self.kind
    }
    /// This attempt's number, from 1.
    pub fn attempt(&self) -> i32 {
        self.attempt
    }
    pub fn payload(&self) -> &Value {
        &self.payload
    }

    /// Opens a transaction in the job's organization for its effects.
    pub async fn begin(&self) -> Result<TenantTx, sqlx::Error> {
        self.db.tenant(self.org).await
    }

    /// Marks the job succeeded with `result` in `tx` (which holds the job's effects) and
    /// commits both, or rolls everything back if this attempt no longer owns the job.
    pub async fn succeed(&self, mut tx: TenantTx, result: Value) -> Result<(), JobError> {
        let done = sqlx::query(
            "update job_runs
                set status = 'succeeded', result = $3, finished_at = now(), locked_by = null,
                    last_error = null, progress_done = coalesce(progress_total, progress_done)
              where organization_id = $5 and id = $1 and status = 'running' and attempts = $2
                and locked_by = $4",
        )
        .bind(self.job_id)
        .bind(self.attempt)
        .bind(result)
        .bind(&*self.worker)
        .bind(self.org)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Err(JobError::LostOwnership);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records progress (`done` of `total`), readable at once through the API.
    pub async fn progress(&self, done: i64, total: Option<i64>) -> Result<(), JobError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "update job_runs set progress_done = $3, progress_total = coalesce($4, progress_total)
              where organization_id = $5 and id = $1 and status = 'running' and attempts = $2",
        )
        .bind(self.job_id)
        .bind(self.attempt)
        .bind(done)
        .bind(total)
        .bind(self.org)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Claims a delivered job for one attempt: counts the attempt and marks it running, committed
/// before any work. `None` when the delivery is stale (the job is not waiting for this
/// transport id: already running, finished, cancelled, or re-pushed under another id).
pub async fn claim(
    db: &AppDb,
    org: OrgId,
    job_id: Uuid,
    transport_id: &str,
    worker: &Arc<str>,
) -> Result<Option<JobContext>, sqlx::Error> {
    // The attempt is counted before any work. Its commit need not wait for the disk: the
    // job's own (flushed) commit, or the next one of any job, makes it durable, and a worker
    // crash cannot lose it, only a Postgres crash within milliseconds.
    let mut tx = db.tenant_deferred(org).await?;
    let row: Option<(String, Value, i32)> = sqlx::query_as(
        "update job_runs
            set status = 'running', attempts = attempts + 1, locked_by = $3,
                started_at = now(), heartbeat_at = now(), enqueued_at = null, transport_id = null
          where organization_id = $4 and id = $1 and status in ('queued', 'failed')
            and transport_id = $2
         returning kind, payload, attempts",
    )
    .bind(job_id)
    .bind(transport_id)
    .bind(&**worker)
    .bind(org)
    .fetch_optional(&mut **tx)
    .await?;
    tx.commit().await?;
    let Some((kind, payload, attempt)) = row else {
        return Ok(None);
    };
    let Some(kind) = JobKind::parse(&kind) else {
        // A kind this build does not know: give the attempt back for a worker that does.
        let mut tx = db.tenant(org).await?;
        sqlx::query(
            "update job_runs set status = 'queued', attempts = attempts - 1, locked_by = null,
                    last_error = $2
              where organization_id = $4 and id = $1 and locked_by = $3 and status = 'running'",
        )
        .bind(job_id)
        .bind(format!("unknown job kind {kind:?} in this worker build"))
        .bind(&**worker)
        .bind(org)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        return Ok(None);
    };
    Ok(Some(JobContext {
        db: db.clone(),
        org,
        job_id,
        kind,
        attempt,
        payload,
        worker: worker.clone(),
    }))
}

/// What became of a failed attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum FailureOutcome {
    RetryScheduled,
    Dead,
    /// The job had already moved on (it was cancelled or reaped): nothing recorded.
    NotOwned,
}

/// Records a failed attempt: `failed` with a backoff before the next attempt while attempts
/// remain and the error is retryable, else `dead`.
pub async fn record_failure(
    ctx: &JobContext,
    error: &JobError,
) -> Result<FailureOutcome, sqlx::Error> {
    let permanent = matches!(error, JobError::Permanent(_));
    let delay = retry_delay(ctx.attempt, &mut rand::rng());
    let mut tx = ctx.begin().await?;
    let status: Option<(String,)> = sqlx::query_as(
        "update job_runs
            set status = case when $5 or attempts >= max_attempts then 'dead' else 'failed' end,
                finished_at = case when $5 or attempts >= max_attempts then now() end,
                run_at = now() + make_interval(secs => $4),
                last_error = $3, locked_by = null
          where organization_id = $7 and id = $1 and status = 'running' and attempts = $2
            and locked_by = $6
         returning status",
    )
    .bind(ctx.job_id)
    .bind(ctx.attempt)
    .bind(error.to_string())
    .bind(delay.as_secs_f64())
    .bind(permanent)
    .bind(&*ctx.worker)
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
