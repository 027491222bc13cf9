//! Process heartbeats and the reaper: running jobs whose worker stopped stamping them are
//! given back to the queue (or declared `dead` when that attempt was their last).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::db::MaintDb;

/// The jobs this process is running now; its heartbeat stamps exactly these.
#[derive(Debug, Default, Clone)]
pub struct RunningSet {
    inner: Arc<Mutex<HashSet<Uuid>>>,
}

impl RunningSet {
    pub fn insert(&self, id: Uuid) {
        self.inner.lock().expect("running set poisoned").insert(id);
    }
    pub fn remove(&self, id: Uuid) {
        self.inner.lock().expect("running set poisoned").remove(&id);
    }
    pub fn snapshot(&self) -> Vec<Uuid> {
        self.inner
            .lock()
            .expect("running set poisoned")
            .iter()
            .copied()
            .collect()
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
    let ids = running.snapshot();
    if ids.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "update job_runs set {set} where id = any($1) and locked_by = $2 and status = 'running'"
    );
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(&ids)
        .bind(worker)
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
pub async fn reap_stale(db: &MaintDb, stale: Duration) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "update job_runs
            set status = case when attempts >= max_attempts then 'dead' else 'queued' end,
                finished_at = case when attempts >= max_attempts then now() end,
                last_error = 'worker lost: no heartbeat from ' || coalesce(locked_by, '?'),
                locked_by = null, run_at = now(), enqueued_at = null, transport_id = null
          where status = 'running' and heartbeat_at < now() - make_interval(secs => $1)",
    )
    .bind(stale.as_secs_f64())
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected())
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
