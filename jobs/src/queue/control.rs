//! What operators (and the launch's cancel) do to a job from outside its attempt: cancel it,
//! or run it again. Each is one fenced statement in the caller's tenant transaction.

use sqlx::AssertSqlSafe;
use uuid::Uuid;

use super::record::{JOB_RUN_COLUMNS, JobRun, JobStatus};
use crate::tenancy::TenantTx;

/// What became of a requested transition.
#[derive(Debug)]
pub enum Transition {
    /// Done: the job as it now is.
    Moved(Box<JobRun>),
    /// The job's state does not allow it.
    Refused(JobStatus),
    NotFound,
}

/// Which jobs a cancel may stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelScope {
    /// Only a job that is not running (`queued` or `retryable`).
    Waiting,
    /// Any unfinished job; a running attempt's effects are then discarded (its success can
    /// no longer commit).
    Unfinished,
}

/// Cancels job `id` if `scope` allows its state.
pub async fn cancel(
    tx: &mut TenantTx,
    id: Uuid,
    scope: CancelScope,
) -> Result<Transition, sqlx::Error> {
    let states = match scope {
        CancelScope::Waiting => "('queued', 'retryable')",
        CancelScope::Unfinished => "('queued', 'retryable', 'running')",
    };
    transition(
        tx,
        id,
        &format!(
            "update job_runs set status = 'cancelled', finished_at = now(), locked_by = null
              where organization_id = $2 and id = $1 and status in {states}"
        ),
    )
    .await
}

/// Runs job `id` again, now: a `dead` or `cancelled` job with a fresh set of attempts, a
/// `retryable` one without waiting for its backoff (its attempts so far still count).
pub async fn retry(tx: &mut TenantTx, id: Uuid) -> Result<Transition, sqlx::Error> {
    transition(
        tx,
        id,
        "update job_runs
            set status = 'queued', run_at = now(), finished_at = null, enqueued_at = null,
                transport_id = null, locked_by = null,
                attempts = case when status = 'retryable' then attempts else 0 end
          where organization_id = $2 and id = $1 and status in ('dead', 'cancelled', 'retryable')",
    )
    .await
}

async fn transition(tx: &mut TenantTx, id: Uuid, update: &str) -> Result<Transition, sqlx::Error> {
    let org = tx.org();
    let moved: Option<JobRun> = sqlx::query_as(AssertSqlSafe(format!(
        "{update} returning {JOB_RUN_COLUMNS}"
    )))
    .bind(id)
    .bind(org)
    .fetch_optional(&mut ***tx)
    .await?;
    if let Some(job) = moved {
        return Ok(Transition::Moved(Box::new(job)));
    }
    let status: Option<JobStatus> =
        sqlx::query_scalar("select status from job_runs where organization_id = $2 and id = $1")
            .bind(id)
            .bind(org)
            .fetch_optional(&mut ***tx)
            .await?;
    Ok(status.map_or(Transition::NotFound, Transition::Refused))
}
