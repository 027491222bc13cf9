//! The feeder: moves runnable `job_runs` into their Redis queue, keeping each queue's
//! backlog under a window, taking organizations in turn (one tenant's million jobs cannot
//! starve another's ten) and, within an organization, by priority then age.
//!
//! One feeder per queue works at a time across all processes (a transaction-scoped advisory
//! lock); rows are taken `FOR UPDATE SKIP LOCKED` so an API cancel never waits on it.
//! It also re-pushes what Redis lost: deliveries whose task Redis no longer holds.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::AssertSqlSafe;
use sqlx::postgres::PgListener;
use uuid::Uuid;

use super::transport::{Delivery, Push, Transport};
use crate::db::MaintDb;
use crate::metrics;
use crate::tenancy::{KeyLookupPlans, OrgId};

/// The notification channel the `job_runs` insert trigger signals.
pub const CHANNEL: &str = "reachly_job_runs";

/// What one pass of the feeder did, for logs, metrics and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FeedReport {
    pub pushed: usize,
    pub lost_found: usize,
    /// The backlog window was full: more waits, and the workers are draining what Redis has.
    pub window_full: bool,
}

/// A queue to feed, and how many of its jobs one Redis task carries.
#[derive(Debug, Clone)]
pub struct FeedQueue {
    pub name: String,
    pub jobs_per_delivery: usize,
}

/// Feeds the given queues.
#[derive(Debug, Clone)]
pub struct Feeder {
    db: MaintDb,
    transport: Transport,
    queues: Vec<FeedQueue>,
    window: i64,
    check_after: Duration,
}

impl Feeder {
    pub fn new(
        db: MaintDb,
        transport: Transport,
        queues: Vec<FeedQueue>,
        window: i64,
        check_after: Duration,
    ) -> Self {
        Self {
            db,
            transport,
            queues,
            window,
            check_after,
        }
    }

    /// Runs until `stop` resolves: a pass on every notification of new work, and at least
    /// every `poll` (delayed jobs, retries, lost deliveries).
    pub async fn run(
        &self,
        poll: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), sqlx::Error> {
        let mut listener = PgListener::connect_with(self.db.pool()).await?;
        listener.listen(CHANNEL).await?;
        tokio::pin!(stop);
        loop {
            let mut report = FeedReport::default();
            for queue in &self.queues {
                match self.feed_queue(queue).await {
                    Ok(r) => {
                        report.pushed += r.pushed;
                        report.lost_found += r.lost_found;
                        report.window_full |= r.window_full;
                    }
                    Err(e) => tracing::warn!(queue = %queue.name, error = %e, "feeder pass failed"),
                }
            }
            if report.lost_found > 0 {
                tracing::warn!(
                    lost = report.lost_found,
                    "deliveries Redis no longer held, re-queued"
                );
            }
            // More is waiting (a pass pushed, or found the window full while workers drain
            // it): come back soon rather than at the poll, which no insert cuts short.
            let wait = if report.pushed > 0 || report.window_full {
                Duration::from_millis(20)
            } else {
                poll
            };
            tokio::select! {
                _ = &mut stop => return Ok(()),
                _ = listener.recv() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// One pass over one queue: recover lost deliveries, then top the window up.
    pub async fn feed_queue(&self, queue: &FeedQueue) -> Result<FeedReport, FeedError> {
        let lost_found = self.recover_lost(&queue.name).await?;
        let pushed = self.top_up(&queue.name, queue.jobs_per_delivery).await?;
        Ok(FeedReport {
            pushed: pushed.unwrap_or(0),
            lost_found,
            window_full: pushed.is_none(),
        })
    }

    /// Hands up to the window's room to Redis; how many, or `None` when the window is full.
    async fn top_up(&self, queue: &str, per_delivery: usize) -> Result<Option<usize>, FeedError> {
        // Marks of what went to Redis are bookkeeping: if Postgres crashed before flushing
        // them, the jobs would merely be pushed again (and the stale copy ignored).
        let mut tx = self
            .db
            .pool()
            .begin_with("begin; set local synchronous_commit = off")
            .await?;
        let (locked,): (bool,) =
            sqlx::query_as("select pg_try_advisory_xact_lock(hashtext('reachly-feeder:' || $1))")
                .bind(queue)
                .fetch_one(&mut *tx)
                .await?;
        if !locked {
            return Ok(Some(0));
        }
        // A paused queue (migration 0031) is handed nothing more; what Redis holds still runs.
        let (in_transport, paused): (i64, bool) = sqlx::query_as(
            "select count(*), exists (select 1 from queue_pauses where queue = $1)
               from job_runs
              where queue = $1 and status in ('queued', 'retryable') and enqueued_at is not null",
        )
        .bind(queue)
        .fetch_one(&mut *tx)
        .await?;
        if paused {
            return Ok(Some(0));
        }
        let room = self.window - in_transport;
        if room <= 0 {
            return Ok(None);
        }
        let orgs = waiting_organizations(&mut tx, queue).await?;
        if orgs.is_empty() {
            return Ok(Some(0));
        }
        let per_org = (room + orgs.len() as i64 - 1) / orgs.len() as i64;
        let picked: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "select id, organization_id from (
                 select j.id, j.organization_id, j.priority, j.run_at,
                        row_number() over (partition by j.organization_id
                                           order by j.priority desc, j.run_at, j.id) as turn
                   from unnest($2::uuid[]) as o(org)
                   cross join lateral (
                       select id, organization_id, priority, run_at from job_runs
                        where queue = $1 and organization_id = o.org
                          and status in ('queued', 'retryable') and enqueued_at is null
                          and run_at <= now()
                        order by priority desc, run_at, id
                        limit $3
                        for update skip locked) j) ranked
              order by turn, priority desc, run_at, id
              limit $4",
        )
        .bind(queue)
        .bind(&orgs)
        .bind(per_org)
        .bind(room)
        .fetch_all(&mut *tx)
        .await?;
        if picked.is_empty() {
            return Ok(Some(0));
        }
        let pushes = deliveries(&picked, per_delivery);
        mark_handed_off(&mut tx, &picked, &transport_ids(&picked, &pushes)).await?;
        // Commit before pushing: a worker must never see a delivery its row does not name.
        // If the push then fails, the lost-delivery check re-pushes it.
        tx.commit().await?;
        self.transport.push(queue, &pushes).await?;
        metrics::feeder_pushed(queue, picked.len());
        Ok(Some(picked.len()))
    }

    /// Finds deliveries handed to Redis a while ago whose task Redis no longer holds and
    /// makes them feedable again.
    async fn recover_lost(&self, queue: &str) -> Result<usize, FeedError> {
        let waiting: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
            "select organization_id, id, transport_id from job_runs
              where queue = $1 and status in ('queued', 'retryable') and enqueued_at is not null
                and enqueued_at < now() - make_interval(secs => $2)
              order by enqueued_at
              limit 5000",
        )
        .bind(queue)
        .bind(self.check_after.as_secs_f64())
        .fetch_all(self.db.pool())
        .await?;
        if waiting.is_empty() {
            return Ok(0);
        }
        let tids: Vec<String> = waiting.iter().map(|w| w.2.clone()).collect();
        let missing = self.transport.missing(queue, &tids).await?;
        let lost: Vec<(Uuid, Uuid, String)> = waiting
            .into_iter()
            .zip(missing)
            .filter(|(_, m)| *m)
            .map(|(w, _)| w)
            .collect();
        if lost.is_empty() {
            return Ok(0);
        }
        let orgs: Vec<Uuid> = lost.iter().map(|l| l.0).collect();
        let ids: Vec<Uuid> = lost.iter().map(|l| l.1).collect();
        let lost_tids: Vec<&str> = lost.iter().map(|l| l.2.as_str()).collect();
        let reset = sqlx::query(
            "update job_runs j set enqueued_at = null, transport_id = null
               from unnest($1::uuid[], $2::uuid[], $3::text[]) as t(org, id, tid)
              where j.organization_id = any($1) and j.id = any($2)
                and j.organization_id = t.org and j.id = t.id
                and j.transport_id = t.tid
                and j.status in ('queued', 'retryable')",
        )
        .bind(&orgs)
        .bind(&ids)
        .bind(&lost_tids)
        .execute(self.db.pool())
        .await?;
        Ok(reset.rows_affected() as usize)
    }
}

/// Most rows one hand-off statement marks: each row's task id is found by its position in the
/// statement's arrays, a linear search, so statements stay small.
const MARK_CHUNK: usize = 256;

/// Records in `tx` that the picked jobs went to Redis under their tasks' ids. Rows are found
/// by primary key only (see [`KeyLookupPlans`]): a join with the unnested batch, planned
/// while the table was small, would read the whole table on every later pass.
async fn mark_handed_off(
    tx: &mut sqlx::PgConnection,
    picked: &[(Uuid, Uuid)],
    tids: &[&str],
) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(KeyLookupPlans::settings("set local")))
        .execute(&mut *tx)
        .await?;
    for (rows, tids) in picked.chunks(MARK_CHUNK).zip(tids.chunks(MARK_CHUNK)) {
        let (ids, mut orgs): (Vec<Uuid>, Vec<Uuid>) = rows.iter().copied().unzip();
        // Distinct: an `= any` on each key column would multiply the two arrays.
        orgs.sort_unstable();
        orgs.dedup();
        sqlx::query(
            "update job_runs j
                set enqueued_at = now(), transport_id = $2[array_position($1, j.id)],
                    deliveries = deliveries + 1, updated_at = now()
              where j.organization_id = any($3) and j.id = any($1)",
        )
        .bind(&ids)
        .bind(tids)
        .bind(&orgs)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// The picked `(job, organization)` rows as Redis tasks: each organization's jobs in the
/// order picked, `per_delivery` to a task; tasks in the order their first job was picked.
fn deliveries(picked: &[(Uuid, Uuid)], per_delivery: usize) -> Vec<Push> {
    let mut open: HashMap<Uuid, usize> = HashMap::new();
    let mut pushes: Vec<Push> = Vec::new();
    for (job, org) in picked {
        let at = match open.get(org) {
            Some(&at) if pushes[at].delivery.jobs.len() < per_delivery.max(1) => at,
            _ => {
                pushes.push(Push::new(Delivery {
                    org: OrgId(*org),
                    jobs: Vec::new(),
                }));
                open.insert(*org, pushes.len() - 1);
                pushes.len() - 1
            }
        };
        pushes[at].delivery.jobs.push(*job);
    }
    pushes
}

/// Each picked job's task id, in the order of `picked`.
fn transport_ids<'a>(picked: &[(Uuid, Uuid)], pushes: &'a [Push]) -> Vec<&'a str> {
    let by_job: HashMap<Uuid, &str> = pushes
        .iter()
        .flat_map(|p| {
            p.delivery
                .jobs
                .iter()
                .map(|j| (*j, p.transport_id.as_str()))
        })
        .collect();
    picked.iter().map(|(job, _)| by_job[job]).collect()
}

/// Organizations with feedable jobs in `queue`, by a loose index scan (one index probe per
/// organization, however deep each backlog is).
async fn waiting_organizations(
    tx: &mut sqlx::PgConnection,
    queue: &str,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let rows: Vec<(Uuid,)> = sqlx::query_as(
        "with recursive orgs(org) as (
             (select organization_id from job_runs
               where queue = $1 and status in ('queued', 'retryable') and enqueued_at is null
               order by organization_id limit 1)
             union all
             select (select organization_id from job_runs
                      where queue = $1 and status in ('queued', 'retryable') and enqueued_at is null
                        and organization_id > orgs.org
                      order by organization_id limit 1)
               from orgs where orgs.org is not null)
         select org from orgs where org is not null",
    )
    .bind(queue)
    .fetch_all(tx)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// A feeder pass failed; the next pass tries again.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("postgres: {0}")]
    Postgres(#[from] sqlx::Error),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("push: {0}")]
    Push(#[from] apalis_redis::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_carry_one_organizations_jobs_in_the_order_picked() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let jobs: Vec<Uuid> = (0..7).map(|_| Uuid::now_v7()).collect();
        let orgs = [a, b, a, a, b, a, a];
        let picked: Vec<(Uuid, Uuid)> = jobs.iter().copied().zip(orgs).collect();
        let pushes = deliveries(&picked, 2);
        let shape: Vec<(Uuid, Vec<Uuid>)> = pushes
            .iter()
            .map(|p| (p.delivery.org.0, p.delivery.jobs.clone()))
            .collect();
        assert_eq!(
            shape,
            vec![
                (a, vec![jobs[0], jobs[2]]),
                (b, vec![jobs[1], jobs[4]]),
                (a, vec![jobs[3], jobs[5]]),
                (a, vec![jobs[6]]),
            ]
        );
        let tids = transport_ids(&picked, &pushes);
        assert_eq!(tids[0], tids[2]);
        assert_ne!(tids[0], tids[3]);
    }
}
