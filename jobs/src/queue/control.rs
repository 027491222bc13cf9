//! What operators (and the launch's cancel) do to a job from outside its attempt: cancel it,
//! or run it again. Each is one fenced statement in the caller's tenant transaction.

use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder};
use uuid::Uuid;

use super::filter::JobFilter;

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

/// What a cancel sets.
const CANCEL_SET: &str = "status = 'cancelled', finished_at = now(), locked_by = null,
    enqueued_at = null, transport_id = null";
/// What a retry sets: a `dead` or `cancelled` job gets a fresh set of attempts, a `retryable`
/// one keeps its count.
const RETRY_SET: &str = "status = 'queued', run_at = now(), finished_at = null,
    enqueued_at = null, transport_id = null, locked_by = null,
    attempts = case when status = 'retryable' then attempts else 0 end";
/// The states a retry applies to.
const RETRYABLE: &str = "('dead', 'cancelled', 'retryable')";

impl CancelScope {
    fn states(self) -> &'static str {
        match self {
            CancelScope::Waiting => "('queued', 'retryable')",
            CancelScope::Unfinished => "('queued', 'retryable', 'running')",
        }
    }
}

/// What an operator (or a launch's cancel) does to one job from outside its attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Stops a job in a state `CancelScope` allows; a running attempt's effects are then
    /// discarded (its success can no longer commit).
    Cancel(CancelScope),
    /// Runs a job again, now: a `dead` or `cancelled` job with a fresh set of attempts, a
    /// `retryable` one without waiting for its backoff (its attempts so far still count).
    Retry,
    /// Makes a waiting job (`queued`, or `retryable` in its backoff) runnable now: a delay or
    /// a backoff no longer holds it back (its attempts so far still count).
    RunNow,
}

impl Operation {
    /// The fenced update: `$1` the job, `$2` its organization.
    fn statement(self) -> String {
        let (set, states) = match self {
            Operation::Cancel(scope) => (CANCEL_SET, scope.states()),
            Operation::Retry => (RETRY_SET, RETRYABLE),
            Operation::RunNow => ("run_at = least(run_at, now())", "('queued', 'retryable')"),
        };
        format!(
            "update job_runs set {set}
              where organization_id = $2 and id = $1 and status in {states}"
        )
    }

    /// Applies the operation to job `id` of the transaction's organization.
    pub async fn apply(self, tx: &mut TenantTx, id: Uuid) -> Result<Transition, sqlx::Error> {
        transition(tx, id, &self.statement()).await
    }
}

/// An action on every job matching a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    /// [`retry`] each dead, cancelled or retryable job.
    Retry,
    /// [`cancel`] each unfinished job.
    Cancel,
}

impl BulkAction {
    fn applies_to(self) -> &'static str {
        match self {
            BulkAction::Retry => RETRYABLE,
            BulkAction::Cancel => CancelScope::Unfinished.states(),
        }
    }

    fn set(self) -> &'static str {
        match self {
            BulkAction::Retry => RETRY_SET,
            BulkAction::Cancel => CANCEL_SET,
        }
    }
}

/// Most jobs one bulk action changes (a larger set takes several requests).
pub const BULK_MAX: i64 = 10_000;

/// What a bulk action found (and, unless a dry run, changed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BulkOutcome {
    /// Jobs matching the filter in a state the action applies to (at most [`BULK_MAX`] + 1).
    pub matched: i64,
    /// Jobs changed (0 in a dry run).
    pub changed: i64,
}

/// Applies `action` to the transaction's organization's jobs matching `filter` (at most
/// [`BULK_MAX`] of them, oldest first), or only counts them (`dry_run`).
pub async fn bulk(
    tx: &mut TenantTx,
    action: BulkAction,
    filter: &JobFilter,
    dry_run: bool,
) -> Result<BulkOutcome, sqlx::Error> {
    let org = tx.org();
    let matching = |select: &str| {
        let mut sql = QueryBuilder::<Postgres>::new(select);
        sql.push(" from job_runs j where j.organization_id = ")
            .push_bind(org)
            .push(format!(" and j.status in {}", action.applies_to()));
        filter.push(&mut sql);
        sql
    };
    let mut counted = matching("select count(*) from (select 1");
    counted.push(" limit ").push_bind(BULK_MAX + 1).push(") m");
    let matched: i64 = counted.build_query_scalar().fetch_one(&mut ***tx).await?;
    if dry_run {
        return Ok(BulkOutcome {
            matched,
            changed: 0,
        });
    }
    let mut change = matching("with picked as (select j.organization_id, j.id");
    change
        .push(" order by j.id limit ")
        .push_bind(BULK_MAX)
        .push(" for update skip locked) ")
        .push(format!(
            "update job_runs x set {} from picked p",
            action.set()
        ))
        .push(" where x.organization_id = p.organization_id and x.id = p.id");
    let changed = change.build().execute(&mut ***tx).await?.rows_affected();
    Ok(BulkOutcome {
        matched,
        changed: i64::try_from(changed).unwrap_or(i64::MAX),
    })
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
