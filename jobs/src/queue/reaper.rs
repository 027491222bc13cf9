//! Process heartbeats and the reaper: running jobs whose worker stopped stamping them are
//! given back to the queue (or declared `dead` when that attempt was their last).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::db::MaintDb;
use crate::metrics::{self, Reaped};
use crate::tenancy::OrgId;

/// The jobs this process is running now, by (organization, id); its heartbeat stamps
/// exactly these.
#[derive(Debug, Default, Clone)]
pub struct RunningSet {
    inner: Arc<Mutex<HashSet<(Uuid, Uuid)>>>,
}

/// Keeps a job in the [`RunningSet`] while it lives: however the attempt ends (even a
/// dropped future), the job leaves the heartbeat and, if unfinished, goes stale and is reaped.
#[derive(Debug)]
pub struct RunningGuard {
    set: RunningSet,
    key: (Uuid, Uuid),
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        if let Ok(mut set) = self.set.inner.lock() {
            set.remove(&self.key);
        }
    }
}

impl RunningSet {
    /// Adds a job for as long as the returned guard lives.
    pub fn enter(&self, org: OrgId, id: Uuid) -> RunningGuard {
        let key = (org.0, id);
        self.inner.lock().expect("running set poisoned").insert(key);
        RunningGuard {
            set: self.clone(),
            key,
        }
    }
    /// (organization ids, job ids), index-aligned.
    pub fn snapshot(&self) -> (Vec<Uuid>, Vec<Uuid>) {
        self.inner
            .lock()
            .expect("running set poisoned")
            .iter()
            .copied()
            .unzip()
    }
    pub fn is_empty(&self) -> bool {
        self.inner.lock().expect("running set poisoned").is_empty()
    }
}

/// Applies `set` to the running jobs of `running` still locked by `worker`, in one statement.
async fn update_own_running(
    db: &MaintDb,
    worker: &str,
    running: &RunningSet,
    set: &'static str,
) -> Result<u64, sqlx::Error> {
    let (orgs, ids) = running.snapshot();
    if ids.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "update job_runs set {set}
          where organization_id = any($1) and id = any($3)
            and (organization_id, id) in (select * from unnest($1::uuid[], $3::uuid[]))
            and locked_by = $2 and status = 'running'"
    );
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(&orgs)
        .bind(worker)
        .bind(&ids)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected())
}

/// Stamps `heartbeat_at` on every job this worker runs.
pub async fn heartbeat(
    db: &MaintDb,
    worker: &str,
    running: &RunningSet,
) -> Result<u64, sqlx::Error> {
    update_own_running(db, worker, running, "heartbeat_at = now()").await
}

/// Requeues (or kills, past their limit) running jobs whose heartbeat is older than `stale`.
/// The attempt they were on stays counted: a job that crashes its worker uses attempts too.
/// Returns the worker processes they were lost with, one entry per job.
pub async fn reap_stale(db: &MaintDb, stale: Duration) -> Result<Vec<String>, sqlx::Error> {
    let reaped: Vec<(String, String, String)> = sqlx::query_as(
        "with lost as (
             select organization_id, id, locked_by from job_runs
              where status = 'running' and heartbeat_at < now() - make_interval(secs => $1)
              for update skip locked)
         update job_runs j
            set status = case when attempts >= max_attempts then 'dead' else 'queued' end,
                finished_at = case when attempts >= max_attempts then now() end,
                last_error = 'worker lost: no heartbeat from ' || coalesce(lost.locked_by, '?'),
                locked_by = null, run_at = now(), enqueued_at = null, transport_id = null
           from lost
          where j.organization_id = lost.organization_id and j.id = lost.id
         returning coalesce(lost.locked_by, ''), j.kind, j.status",
    )
    .bind(stale.as_secs_f64())
    .fetch_all(db.pool())
    .await?;
    Ok(reaped
        .into_iter()
        .map(|(process, kind, status)| {
            metrics::job_reaped(&kind, Reaped::of_status(&status));
            process
        })
        .collect())
}

/// Gives back the jobs this worker still runs at shutdown: queued again, attempt refunded
/// (the job did not fail; the process stopped).
pub async fn hand_back(
    db: &MaintDb,
    worker: &str,
    running: &RunningSet,
) -> Result<u64, sqlx::Error> {
    update_own_running(
        db,
        worker,
        running,
        "status = 'queued', attempts = greatest(attempts - 1, 0), locked_by = null,
         run_at = now(), enqueued_at = null, transport_id = null,
         last_error = 'handed back at worker shutdown'",
    )
    .await
}
