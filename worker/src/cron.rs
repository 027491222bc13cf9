//! The schedules, in this process: apalis-cron fires each schedule's ticks, and the jobs
//! library's [`CronRunner`] records them in the Postgres ledger (so of N processes one fans
//! each tick out). At start-up each schedule first catches up on ticks missed while no worker
//! ran.

use std::time::Duration;

use apalis_cron::CronScheduler;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use reachly_jobs::cron::{CronRunner, CronSchedule};
use tokio::task::JoinSet;

use crate::shutdown::Shutdown;

/// Runs every schedule until `stop`; returns the tasks to join at exit.
pub fn spawn(runner: CronRunner, schedules: Vec<CronSchedule>, stop: Shutdown) -> JoinSet<()> {
    let mut tasks = JoinSet::new();
    for schedule in schedules {
        tracing::info!(schedule = schedule.name, expression = %schedule.expression, "cron schedule");
        tasks.spawn(run_schedule(runner.clone(), schedule, stop.clone()));
    }
    tasks
}

async fn run_schedule(runner: CronRunner, schedule: CronSchedule, stop: Shutdown) {
    if let Err(e) = runner.catch_up(&schedule, Utc::now()).await {
        tracing::warn!(schedule = schedule.name, error = %e, "cron catch-up failed");
    }
    let stopped = stop.stopped();
    tokio::pin!(stopped);
    // Ticks being handled; shutdown waits for them, so no fan-out is cut half-way.
    let mut handling = JoinSet::new();
    // Rebuilt after an error: apalis-cron reports a tick already past (this process stalled
    // beyond it) as an error and would repeat it on every poll.
    loop {
        let mut ticks = Box::pin(CronScheduler::new(schedule.schedule.clone()).into_stream());
        loop {
            let next = tokio::select! {
                _ = &mut stopped => {
                    while handling.join_next().await.is_some() {}
                    return;
                }
                Some(_) = handling.join_next(), if !handling.is_empty() => continue,
                next = ticks.next() => next,
            };
            match next {
                Some(Ok(tick)) => {
                    let Some(at) = DateTime::<Utc>::from_timestamp(tick.get_timestamp() as i64, 0)
                    else {
                        continue;
                    };
                    // Handled apart so the next tick's timer starts at once.
                    let (runner, schedule) = (runner.clone(), schedule.clone());
                    handling.spawn(async move {
                        match runner.on_tick(&schedule, at).await {
                            Ok(outcome) => {
                                tracing::debug!(schedule = schedule.name, tick = %at, ?outcome, "cron tick")
                            }
                            Err(e) => {
                                tracing::warn!(schedule = schedule.name, tick = %at, error = %e, "cron tick failed")
                            }
                        }
                    });
                }
                Some(Err(e)) => {
                    tracing::warn!(schedule = schedule.name, error = %e, "cron scheduler error; restarting it");
                    break;
                }
                None => {
                    while handling.join_next().await.is_some() {}
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
