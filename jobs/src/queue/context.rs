//! What a job's logic sees of its attempt: its identity and payload, the worker's services,
//! and the transitions a job makes itself (success with its effects, progress of a fan-out).
//!
//! Every transition is fenced on `(status = 'running', attempts, locked_by)`, so an attempt
//! that lost its job (reaped, cancelled, handed back) can change nothing.

use serde_json::Value;
use uuid::Uuid;

use super::error::JobError;
use super::kind::JobKind;
use super::lifecycle::{Audit, Lifecycle, SimpleSuccess};
use super::submit::{NewJob, submit};
use crate::tenancy::{OrgId, TenantTx};

/// What a job's logic sees of its run, and how it records success.
#[derive(Debug)]
pub struct JobContext {
    pub(super) lifecycle: Lifecycle,
    pub(super) org: OrgId,
    pub(super) job_id: Uuid,
    pub(super) kind: JobKind,
    pub(super) attempt: i32,
    pub(super) payload: Value,
}

impl JobContext {
    pub fn org(&self) -> OrgId {
        self.org
    }
    pub fn job_id(&self) -> Uuid {
        self.job_id
    }
    pub fn kind(&self) -> &JobKind {
        &self.kind
    }
    /// This attempt's number, from 1.
    pub fn attempt(&self) -> i32 {
        self.attempt
    }
    pub fn payload(&self) -> &Value {
        &self.payload
    }

    /// The worker process's helper of type `T` (a DNS checker, limits, a pool), if it
    /// provided one.
    pub fn service<T: std::any::Any>(&self) -> Option<&T> {
        self.lifecycle.services.get()
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

    /// Submits `children` in `tx` (the fan-out's effects) with this job as their parent, and
    /// resets this job's progress to 0 of `total`: the children count their work into it
    /// ([`Self::add_parent_progress`]).
    pub async fn fan_out(
        &self,
        tx: &mut TenantTx,
        mut children: Vec<NewJob>,
        total: i64,
    ) -> Result<(), JobError> {
        for child in &mut children {
            child.parent_id = Some(self.job_id);
        }
        // Bounded statements: a launch can fan out a million batches.
        for chunk in children.chunks(1_000) {
            submit(tx, None, chunk)
                .await
                .map_err(|e| JobError::retryable_because("submitting the fanned-out jobs", e))?;
        }
        self.progress_update(
            tx,
            "update job_runs set progress_done = 0, progress_total = $3
              where organization_id = $1 and id = $2",
            total,
        )
        .await
    }

    /// Adds `done` to the progress of the job that fanned this one out, in `tx` (the child's
    /// effects): a parent's progress counts exactly what its committed children did.
    pub async fn add_parent_progress(&self, tx: &mut TenantTx, done: i64) -> Result<(), JobError> {
        self.progress_update(
            tx,
            "update job_runs p set progress_done = p.progress_done + $3
              from job_runs c
             where c.organization_id = $1 and c.id = $2 and p.organization_id = $1
               and p.id = c.parent_id",
            done,
        )
        .await
    }

    /// Runs a progress statement about this job in `tx`: `$1` organization, `$2` this job,
    /// `$3` the count.
    async fn progress_update(
        &self,
        tx: &mut TenantTx,
        statement: &'static str,
        count: i64,
    ) -> Result<(), JobError> {
        sqlx::query(statement)
            .bind(self.org)
            .bind(self.job_id)
            .bind(count)
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
}
