//! The window a pipeline bench measures in: the CPU each process (and, for some benches, each
//! Postgres backend) spent, and where Postgres' time went, around the measured run.

use std::collections::BTreeMap;

use reachly_testkit::RedisServer;
use sqlx::PgPool;

use crate::cpu::Snapshot;
use crate::db::{BenchDb, explain_failure};
use crate::stack::Services;
use crate::waits::{WaitProfile, WaitSampler};

/// What the window observed besides the run's own result.
#[derive(Debug, Clone)]
pub struct Observed {
    /// CPU seconds per party during the run.
    pub cpu: BTreeMap<String, f64>,
    pub waits: WaitProfile,
}

/// Whose CPU time a window counts.
#[derive(Debug)]
pub struct Parties<'a> {
    /// `(label, pid)` of the processes.
    named: Vec<(String, u32)>,
    /// The pool the bench polls with; the failure report (see [`explain_failure`]) reads
    /// through it.
    pool: &'a PgPool,
    /// Whether to count each Postgres backend too (listed through `pool`).
    backends: bool,
}

impl<'a> Parties<'a> {
    /// The API, the workers, Redis and `other`; each Postgres backend too when `backends`.
    pub fn new(
        services: &Services,
        redis: &RedisServer,
        other: (&str, u32),
        pool: &'a PgPool,
        backends: bool,
    ) -> Parties<'a> {
        let mut named = services.pids();
        named.push(("redis".into(), redis.pid()));
        named.push((other.0.into(), other.1));
        Parties {
            named,
            pool,
            backends,
        }
    }

    async fn snapshot(&self) -> anyhow::Result<Snapshot> {
        let backends = match self.backends {
            true => backends(self.pool).await?,
            false => Vec::new(),
        };
        Ok(Snapshot::take(&self.named, &backends))
    }
}

/// Runs `measure` with a wait sampler on `db`, between two CPU snapshots of `parties`; on
/// failure, logs where the jobs were.
pub async fn observe<T>(
    db: &BenchDb,
    parties: Parties<'_>,
    measure: impl AsyncFnOnce(&mut WaitSampler) -> anyhow::Result<T>,
) -> anyhow::Result<(T, Observed)> {
    let mut sampler = WaitSampler::connect(db).await;
    let before = parties.snapshot().await?;
    let measured = measure(&mut sampler).await;
    let cpu = parties.snapshot().await?.since(&before);
    let waits = sampler.profile();
    sampler.close().await;
    let result = explain_failure(measured, parties.pool).await?;
    Ok((result, Observed { cpu, waits }))
}

/// Postgres backends serving the bench database, by role: `app` (API requests and job
/// transactions), `maint` (the worker's feeder, reaper, heartbeat) and `bench` (the caller,
/// whose pool should have a single connection), for [`Snapshot::take`].
pub async fn backends(maint: &sqlx::PgPool) -> anyhow::Result<Vec<(String, u32)>> {
    let rows: Vec<(String, i32)> = sqlx::query_as(
        "select case when pid = pg_backend_pid() then 'bench'
                     else replace(usename::text, 'reachly_', '') end, pid
           from pg_stat_activity where datname = current_database()",
    )
    .fetch_all(maint)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(role, p)| Some((role, u32::try_from(p).ok()?)))
        .collect())
}
