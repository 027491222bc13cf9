//! One attempt of one job: claim (counting the attempt, committed before any work), then
//! succeed inside the job's own transaction, or fail towards a retry or `dead`.
//!
//! Every transition after the claim is fenced on `(status = 'running', attempts, locked_by)`,
//! so an attempt that lost its job (reaped, cancelled, handed back) can change nothing.

use std::sync::Arc;

use serde_json::Value;
use uuid::Uuid;

use super::backoff::retry_delay;
use super::batch::Batcher;
use super::error_text::stored_error;
use super::kind::JobKind;
use crate::db::AppDb;
use crate::import::CsvLimits;
use crate::tenancy::{OrgId, TenantTx};
use crate::validate::dns::DomainChecker;

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
    /// A batched write this job was part of failed.
    #[error("database: {0}")]
    Batch(Arc<sqlx::Error>),
    /// The job is no longer this attempt's (cancelled, reaped or handed back); nothing was kept.
    #[error("the job is no longer owned by this attempt")]
    LostOwnership,
}

/// What a job's logic sees of its run, and how it records success.
#[derive(Debug)]
pub struct JobContext {
    lifecycle: Lifecycle,
    org: OrgId,
    job_id: Uuid,
    kind: JobKind,
    attempt: i32,
    payload: Value,
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

    /// The worker process's shared helpers.
    pub fn services(&self) -> &JobServices {
        &self.lifecycle.services
    }

    /// Opens a transaction in the job's organization for its effects.
    pub async fn begin(&self) -> Result<TenantTx, sqlx::Error> {
        self.lifecycle.db.tenant(self.org).await
    }

    /// Marks the job succeeded with `result` in `tx` (which holds the job's effects) and
    /// commits both, or rolls everything back if this attempt no longer owns the job.
    /// `finished_at` is the clock at this statement, the end of the work: `now()` is the
    /// transaction's start, which for an import or a launch is when its work began.
    pub async fn succeed(&self, mut tx: TenantTx, result: Value) -> Result<(), JobError> {
        let done = sqlx::query(
            "update job_runs
                set status = 'succeeded', result = $3, finished_at = clock_timestamp(),
                    locked_by = null,
                    last_error = null,
                    -- a job that fanned out reports its children's progress instead
                    progress_done = case
                        when exists (select 1 from job_runs c
                                      where c.organization_id = job_runs.organization_id
                                        and c.parent_id = job_runs.id)
                        then progress_done
                        else coalesce(progress_total, progress_done) end
              where organization_id = $5 and id = $1 and status = 'running' and attempts = $2
                and locked_by = $4",
        )
        .bind(self.job_id)
        .bind(self.attempt)
        .bind(result)
        .bind(&*self.lifecycle.worker)
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

    /// Marks the job succeeded with `result` and, in the same statement, writes `audit`:
    /// for jobs whose effects are nothing more. Many such successes share one transaction
    /// (group commit); fenced like [`JobContext::succeed`].
    pub async fn succeed_simple(
        &self,
        result: Value,
        audit: Option<Audit>,
    ) -> Result<(), JobError> {
        let success = SimpleSuccess {
            job_id: self.job_id,
            attempt: self.attempt,
            result,
            audit,
        };
        match self.lifecycle.successes.submit(self.org, success).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(JobError::LostOwnership),
            Err(e) => Err(JobError::Batch(e)),
        }
    }

    /// Resets this job's progress to 0 of `total`, in `tx` (the fan-out's effects): the
    /// children it submitted then count their work into it ([`Self::add_parent_progress`]).
    pub async fn expect_children_progress(
        &self,
        tx: &mut TenantTx,
        total: i64,
    ) -> Result<(), JobError> {
        sqlx::query(
            "update job_runs set progress_done = 0, progress_total = $3
              where organization_id = $1 and id = $2",
        )
        .bind(self.org)
        .bind(self.job_id)
        .bind(total)
        .execute(&mut ***tx)
        .await?;
        Ok(())
    }

    /// Adds `done` to the progress of the job that fanned this one out, in `tx` (the child's
    /// effects): a parent's progress counts exactly what its committed children did.
    pub async fn add_parent_progress(&self, tx: &mut TenantTx, done: i64) -> Result<(), JobError> {
        sqlx::query(
            "update job_runs p set progress_done = p.progress_done + $3
              from job_runs c
             where c.organization_id = $1 and c.id = $2 and p.organization_id = $1
               and p.id = c.parent_id",
        )
        .bind(self.org)
        .bind(self.job_id)
        .bind(done)
        .execute(&mut ***tx)
        .await?;
        Ok(())
    }

    /// Resolves once this attempt no longer owns its job: it was cancelled, handed back at
    /// worker shutdown, or reaped. Checked every second, each time in a short transaction of
    /// its own, so long work can stop and release its transaction and thread instead of
    /// running to a commit that would be refused anyway. A database error counts as still
    /// owned (the next check tries again).
    pub async fn lost(&self) {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            if let Ok(false) = self.still_owned().await {
                return;
            }
        }
    }

    async fn still_owned(&self) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin().await?;
        let owned: bool = sqlx::query_scalar(
            "select exists(select 1 from job_runs
                            where organization_id = $1 and id = $2 and status = 'running'
                              and attempts = $3 and locked_by = $4)",
        )
        .bind(self.org)
        .bind(self.job_id)
        .bind(self.attempt)
        .bind(&*self.lifecycle.worker)
        .fetch_one(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(owned)
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

/// A success whose only effects are its record and, optionally, one audit row: recorded
/// in groups by [`JobContext::succeed_simple`].
#[derive(Debug)]
pub struct SimpleSuccess {
    job_id: Uuid,
    attempt: i32,
    result: Value,
    audit: Option<Audit>,
}

/// An audit-log row written with a job's success, about the job.
#[derive(Debug, Clone)]
pub struct Audit {
    pub action: &'static str,
    pub details: Value,
}

/// What a claim returns for one job: its kind, payload and the attempt number now counted.
type ClaimedRow = Option<(String, Value, i32)>;

/// Long-lived helpers that job logic shares across a worker process.
#[derive(Debug, Default)]
pub struct JobServices {
    /// The validation job's DNS checker (with its per-process cache); `None` where no
    /// nameservers are configured.
    pub dns: Option<DomainChecker>,
    /// Bounds on the import job's CSV files.
    pub csv_limits: CsvLimits,
    /// The worker's maintenance-role pool, for the one shared table jobs write:
    /// `domain_checks`, the DNS verdicts every tenant reads and no tenant may write (0019).
    /// `None` leaves new verdicts unshared.
    pub shared_writes: Option<crate::db::MaintDb>,
}

/// The attempt lifecycle of one worker process: claims and simple successes go through
/// batchers (one statement per organization per batch), everything else per job.
#[derive(Clone, Debug)]
pub struct Lifecycle {
    db: AppDb,
    services: Arc<JobServices>,
    /// The process's worker name, stored in `locked_by`.
    worker: Arc<str>,
    claims: Batcher<(Uuid, String), ClaimedRow>,
    successes: Batcher<SimpleSuccess, bool>,
}

/// Most items in one batched statement, and batched statements in flight at once.
const BATCH_MAX: usize = 256;
const BATCH_PARALLEL: usize = 4;

impl Lifecycle {
    /// Starts the batchers (needs a Tokio runtime).
    pub fn start(db: AppDb, worker: Arc<str>, services: JobServices) -> Self {
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
            services: Arc::new(services),
            worker,
            claims,
            successes,
        }
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
        let Some((kind, payload, attempt)) = row else {
            return Ok(None);
        };
        let Some(kind) = JobKind::parse(&kind) else {
            self.give_back_unknown(org, job_id, &kind)
                .await
                .map_err(Arc::new)?;
            return Ok(None);
        };
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
    let rows: Vec<(Uuid, String, Value, i32)> = sqlx::query_as(
        "update job_runs j
            set status = 'running', attempts = attempts + 1, locked_by = $3,
                started_at = now(), heartbeat_at = now(), enqueued_at = null, transport_id = null
           from unnest($1::uuid[], $2::text[]) as t(id, tid)
          where j.organization_id = $4 and j.id = any($1) and j.id = t.id
            and j.status in ('queued', 'failed') and j.transport_id = t.tid
         returning j.id, j.kind, j.payload, j.attempts",
    )
    .bind(&ids)
    .bind(&tids)
    .bind(&*worker)
    .bind(org)
    .fetch_all(&mut **tx)
    .await?;
    tx.commit().await?;
    let mut claimed: std::collections::HashMap<Uuid, (String, Value, i32)> = rows
        .into_iter()
        .map(|(id, kind, payload, attempt)| (id, (kind, payload, attempt)))
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
    .bind(stored_error(&error.to_string()))
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
