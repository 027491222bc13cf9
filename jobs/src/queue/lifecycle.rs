//! One attempt of one job: claim (counting the attempt, committed before any work), then
//! succeed inside the job's own transaction ([`JobContext`]), or fail towards a retry or
//! `dead`.
//!
//! Every transition after the claim is fenced on `(status = 'running', attempts, locked_by)`,
//! so an attempt that lost its job (reaped, cancelled, handed back) can change nothing.

use std::collections::{HashMap, HashSet};
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
use crate::tenancy::{Durability, OrgId};

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

    /// Claims the delivered jobs `jobs` of `org`, each for one attempt: counts the attempt and
    /// marks it running, committed before any work. A job missing from the result was a stale
    /// delivery (not waiting for this transport id: already running, finished, cancelled, or
    /// re-pushed under another id) or of a kind this build does not know (handed back).
    pub async fn claim(
        &self,
        org: OrgId,
        jobs: &[Uuid],
        transport_id: &str,
    ) -> Result<Vec<JobContext>, Arc<sqlx::Error>> {
        let items = jobs
            .iter()
            .map(|job| (*job, transport_id.to_owned()))
            .collect();
        let rows = self.claims.submit_many(org, items).await;
        let mut claimed = Vec::with_capacity(jobs.len());
        for (job_id, row) in jobs.iter().zip(rows) {
            let Some((kind, payload, attempt, waited)) = row? else {
                tracing::debug!(job = %job_id, "stale delivery skipped");
                continue;
            };
            if self.registry.get(&kind).is_none() {
                self.give_back_unknown(org, *job_id, &kind)
                    .await
                    .map_err(Arc::new)?;
                continue;
            }
            metrics::job_started(
                &kind,
                Duration::try_from_secs_f64(waited).unwrap_or_default(),
            );
            claimed.push(JobContext {
                lifecycle: self.clone(),
                org,
                job_id: *job_id,
                kind: JobKind::named(&kind),
                attempt,
                payload,
            });
        }
        Ok(claimed)
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

/// The claim of one organization's deliveries: `$1` job ids, `$2` their transport ids (by
/// position), `$3` the worker, `$4` the organization. See [`claim_group`].
pub const CLAIM: &str = "update job_runs j
            set status = 'running', attempts = attempts + 1, locked_by = $3,
                started_at = now(), heartbeat_at = now(), enqueued_at = null,
                transport_id = null, updated_at = now()
          where j.organization_id = $4 and j.id = any($1)
            and j.enqueued_at is not null
            and j.transport_id = $2[array_position($1, j.id)]
         returning j.id, j.kind, j.payload, j.attempts,
                   extract(epoch from j.started_at - j.run_at)::float8";

/// The grouped success: `$1` job ids, `$2` their attempts, `$3` results, `$4` audit actions,
/// `$5` audit details (all by position), `$6` the organization, `$7` the worker. See
/// [`succeed_group`].
pub const SUCCEED: &str = "with done as (
             update job_runs j
                set status = 'succeeded', result = $3[array_position($1, j.id)],
                    finished_at = now(), locked_by = null, last_error = null,
                    progress_done = coalesce(j.progress_total, j.progress_done),
                    updated_at = now()
              where j.organization_id = $6 and j.id = any($1) and j.locked_by = $7
                and j.attempts = $2[array_position($1, j.id)]
             returning j.id),
         audited as (
             insert into audit_logs (organization_id, action, subject_type, subject_id, details)
             select $6, t.action, 'job_run', t.id, t.details
               from unnest($1::uuid[], $4::text[], $5::jsonb[]) as t(id, action, details)
              where t.action is not null and t.id = any (array(select id from done)))
         select id from done";

/// Claims one organization's deliveries in one statement. The attempt is counted before any
/// work; its commit need not wait for the disk (the job's own flushed commit, or the next
/// one of any job, makes it durable; a worker crash cannot lose it, only a Postgres crash
/// within milliseconds).
///
/// Rows are found by primary key (`id = any`, a generic plan: see [`KeyLookupPlans`]) and
/// each row's transport id is looked up by its position in the batch: a join with the
/// unnested batch, planned on guesses, ran as a nested loop over both (quadratic). The fence
/// names no status: a row is in Redis exactly while `enqueued_at` is set (a check of
/// migration 0032), and a status condition would let a plan made on a near-empty table
/// read every waiting job through the listing index.
/// The `updated_at` set here spares the row the touch trigger (migration 0032).
///
/// [`KeyLookupPlans`]: crate::tenancy::KeyLookupPlans
async fn claim_group(
    db: AppDb,
    worker: Arc<str>,
    org: OrgId,
    items: Vec<(Uuid, String)>,
) -> Result<Vec<ClaimedRow>, sqlx::Error> {
    let (ids, tids): (Vec<Uuid>, Vec<String>) = items.into_iter().unzip();
    let mut tx = db.bookkeeping(org, Durability::Deferred).await?;
    let rows: Vec<(Uuid, String, Value, i32, f64)> = sqlx::query_as(CLAIM)
        .bind(&ids)
        .bind(&tids)
        .bind(&*worker)
        .bind(org)
        .fetch_all(&mut **tx)
        .await?;
    tx.commit().await?;
    let mut claimed: HashMap<Uuid, (String, Value, i32, f64)> = rows
        .into_iter()
        .map(|(id, kind, payload, attempt, waited)| (id, (kind, payload, attempt, waited)))
        .collect();
    Ok(ids.iter().map(|id| claimed.remove(id)).collect())
}

/// Records one organization's simple successes and their audit rows in one statement,
/// fenced like [`JobContext::succeed`]; returns, per item, whether it was recorded.
/// Planned and matched as [`claim_group`] is, fenced on `locked_by` (set exactly while the job
/// runs: a check of migration 0032); the audit rows join the recorded ids as an array.
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
    let mut tx = db.bookkeeping(org, Durability::Flushed).await?;
    let done: Vec<Uuid> = sqlx::query_scalar(SUCCEED)
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
    let done: HashSet<Uuid> = done.into_iter().collect();
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
