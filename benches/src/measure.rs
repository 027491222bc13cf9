//! The timed Reachly run: submit N noop jobs while polling (every --poll-ms, 100 by default,
//! as the maintenance role) until every one is `succeeded`; then check that each ran exactly
//! once, through its audit row.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::cli::Args;
use crate::cpu::Snapshot;
use crate::reachly::{Reachly, succeeded};

/// What the Reachly run measured.
#[derive(Debug, Clone)]
pub struct ReachlyRun {
    pub jobs: usize,
    /// First request sent -> last batch response received.
    pub submit_seconds: f64,
    /// First request sent -> every job_run `succeeded`.
    pub complete_seconds: f64,
    /// Jobs already succeeded when the last batch response arrived.
    pub succeeded_at_submit_end: i64,
    /// `job.noop.completed` audit rows written by the run, and distinct jobs among them.
    pub audit_rows: i64,
    pub audit_jobs: i64,
    /// CPU seconds per process during the run, and how busy the machine was.
    pub cpu: BTreeMap<String, f64>,
}

impl ReachlyRun {
    /// Every job succeeded and wrote exactly one audit row.
    pub fn exactly_once(&self) -> bool {
        self.audit_rows == self.jobs as i64 && self.audit_jobs == self.jobs as i64
    }
}

async fn audit(maint: &sqlx::PgPool) -> anyhow::Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "select count(*), count(distinct subject_id) from audit_logs
          where action = 'job.noop.completed'",
    )
    .fetch_one(maint)
    .await?)
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

async fn status_counts(maint: &sqlx::PgPool) -> String {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("select status, count(*) from job_runs group by 1 order by 1")
            .fetch_all(maint)
            .await
            .unwrap_or_default();
    rows.iter()
        .map(|(s, n)| format!("{s}={n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn run(
    args: &Args,
    reachly: &mut Reachly,
    others: &[(&str, u32)],
) -> anyhow::Result<ReachlyRun> {
    let n = args.jobs as i64;
    let base = succeeded(&reachly.maint).await?;
    let (audit_rows0, audit_jobs0) = audit(&reachly.maint).await?;
    let services = &reachly.services;
    let mut pids = vec![
        ("api", services.api.pid()),
        ("worker", services.workers[0].pid()),
    ];
    pids.extend_from_slice(others);
    pids.push(("bench", std::process::id()));
    let cpu_before = Snapshot::take(&pids, &backends(&reachly.maint).await?);

    let start = Instant::now();
    let submitter = reachly.submitter.clone();
    let (jobs, batch, in_flight) = (args.jobs, usize::from(args.batch), args.in_flight);
    let mut submit =
        tokio::spawn(async move { submitter.submit_all(jobs, batch, in_flight).await });
    let mut submit_end: Option<(Instant, i64)> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(args.poll_ms.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_log = Instant::now();
    let done = loop {
        tick.tick().await;
        let now_succeeded = succeeded(&reachly.maint).await? - base;
        let now = Instant::now();
        if submit_end.is_none() && submit.is_finished() {
            let at = (&mut submit).await??;
            submit_end = Some((at, now_succeeded));
            crate::log(format!(
                "submitted {jobs} in {:.2}s; {now_succeeded} already succeeded",
                (at - start).as_secs_f64()
            ));
        }
        if now_succeeded >= n {
            break now;
        }
        reachly.check_alive()?;
        if last_log.elapsed() >= Duration::from_secs(5) {
            last_log = Instant::now();
            crate::log(format!(
                "{:.0}s: {now_succeeded}/{n} succeeded ({})",
                start.elapsed().as_secs_f64(),
                status_counts(&reachly.maint).await
            ));
        }
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(args.timeout_s),
            "gave up after {}s: {now_succeeded}/{n} succeeded ({})",
            args.timeout_s,
            status_counts(&reachly.maint).await
        );
    };
    let cpu = Snapshot::take(&pids, &backends(&reachly.maint).await?).since(&cpu_before);
    let (submitted_at, succeeded_at_submit_end) = match submit_end {
        Some(end) => end,
        None => (submit.await??, n),
    };
    // A late duplicate would commit its audit row with a second success: give it a moment.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (rows, distinct) = audit(&reachly.maint).await?;
    Ok(ReachlyRun {
        jobs: args.jobs,
        submit_seconds: (submitted_at - start).as_secs_f64(),
        complete_seconds: (done - start).as_secs_f64(),
        succeeded_at_submit_end,
        audit_rows: rows - audit_rows0,
        audit_jobs: distinct - audit_jobs0,
        cpu,
    })
}
