//! The live worker processes (`worker_processes`): each stamps its row with its heartbeat, so
//! operators see which processes serve which queues, and the "why isn't this job running?"
//! answer can tell a queue no live process serves.

use chrono::{DateTime, Utc};

use crate::db::MaintDb;

/// A worker process as it describes itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerProcess {
    /// `job_runs.locked_by` of the jobs it runs.
    pub name: String,
    pub hostname: String,
    pub pid: u32,
    pub queues: Vec<String>,
    pub concurrency: u16,
    pub started_at: DateTime<Utc>,
}

impl WorkerProcess {
    /// Stamps the process's row (created on the first stamp) with the heartbeat.
    pub async fn stamp(&self, db: &MaintDb) -> Result<(), sqlx::Error> {
        sqlx::query(
            "insert into worker_processes
                    (name, hostname, pid, queues, concurrency, started_at, heartbeat_at)
             values ($1, $2, $3, $4, $5, $6, now())
             on conflict (name) do update
                set heartbeat_at = now(), queues = excluded.queues, stopped_at = null",
        )
        .bind(&self.name)
        .bind(&self.hostname)
        .bind(i32::try_from(self.pid).unwrap_or(i32::MAX))
        .bind(&self.queues)
        .bind(i32::from(self.concurrency))
        .bind(self.started_at)
        .execute(db.pool())
        .await
        .map(drop)
    }

    /// Records that the process stopped (at shutdown), and forgets processes gone for a day.
    pub async fn stopped(&self, db: &MaintDb) -> Result<(), sqlx::Error> {
        sqlx::query(
            "with gone as (delete from worker_processes
                            where heartbeat_at < now() - interval '1 day')
             update worker_processes set stopped_at = now() where name = $1",
        )
        .bind(&self.name)
        .execute(db.pool())
        .await
        .map(drop)
    }
}
