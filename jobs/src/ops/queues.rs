//! What the ops dashboard shows of the queues: jobs waiting, running and dead per kind, the
//! oldest waiting job's age, and jobs finished per minute; for one organization (in its
//! tenant transaction) or, for platform operators, for all (through the maintenance role).
//! Every statement reads the non-final jobs through `job_runs_listing` (organization, status),
//! one organization at a time, never the finished history (the dead up to a cap).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::MaintDb;
use crate::tenancy::TenantTx;

/// One kind's jobs in one status, and the oldest of them.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StatusCount {
    pub kind: String,
    pub status: String,
    pub jobs: i64,
    pub oldest: Option<DateTime<Utc>>,
}

/// One kind's finished jobs in one minute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Minute {
    pub kind: String,
    pub minute: DateTime<Utc>,
    pub completed: i64,
    pub failed: i64,
}

/// Most dead jobs counted per organization: `dead` is final, so the dead grow until someone
/// retries or cancels them, and a refresh reads at most this many of them.
pub const DEAD_CAP: i64 = 10_000;

/// One organization's (`<org>`) jobs by kind and status: every waiting and running one (work
/// in flight), and its dead ones up to [`DEAD_CAP`].
fn counts_of(org: &str) -> String {
    format!(
        "select kind, status, count(*) as jobs, min(created_at) as oldest
           from job_runs where organization_id = {org}
            and status in ('queued', 'retryable', 'running')
          group by kind, status
         union all
         select kind, 'dead', count(*), null
           from (select kind from job_runs
                  where organization_id = {org} and status = 'dead'
                  limit {DEAD_CAP}) dead
          group by kind"
    )
}

/// Counts of `$1`'s jobs.
fn organization_counts() -> String {
    counts_of("$1")
}

/// Counts of every organization's jobs, one organization at a time.
fn platform_counts() -> String {
    format!(
        "select c.kind, c.status, sum(c.jobs)::int8 as jobs, min(c.oldest) as oldest
           from organizations o cross join lateral ({}) c
          group by c.kind, c.status",
        counts_of("o.id")
    )
}

/// Finished per minute over the last `$1` minutes (and of organization `$2`, if not null).
const MINUTES: &str = "
select kind, minute, sum(succeeded)::int8 as completed, sum(failed + dead)::int8 as failed
  from job_throughput
 where minute >= date_trunc('minute', now()) - make_interval(mins => $1)
   and ($2::uuid is null or organization_id = $2)
 group by kind, minute
 order by minute, kind";

/// The transaction's organization's counts.
pub async fn organization(tx: &mut TenantTx) -> Result<Vec<StatusCount>, sqlx::Error> {
    let org = tx.org();
    sqlx::query_as(sqlx::AssertSqlSafe(organization_counts()))
        .bind(org)
        .fetch_all(&mut ***tx)
        .await
}

/// Every organization's counts.
pub async fn platform(db: &MaintDb) -> Result<Vec<StatusCount>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(platform_counts()))
        .fetch_all(db.pool())
        .await
}

/// The transaction's organization's jobs finished per minute over the last `minutes`.
pub async fn organization_minutes(
    tx: &mut TenantTx,
    minutes: i32,
) -> Result<Vec<Minute>, sqlx::Error> {
    let org = tx.org();
    sqlx::query_as(MINUTES)
        .bind(minutes)
        .bind(Some(org))
        .fetch_all(&mut ***tx)
        .await
}

/// Every organization's jobs finished per minute over the last `minutes`.
pub async fn platform_minutes(db: &MaintDb, minutes: i32) -> Result<Vec<Minute>, sqlx::Error> {
    sqlx::query_as(MINUTES)
        .bind(minutes)
        .bind(Option::<uuid::Uuid>::None)
        .fetch_all(db.pool())
        .await
}

/// The paused queues and since when (shared state every member may read).
pub async fn paused(tx: &mut TenantTx) -> Result<Vec<(String, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as("select queue, paused_at from queue_pauses")
        .fetch_all(&mut ***tx)
        .await
}
