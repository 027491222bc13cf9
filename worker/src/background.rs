//! The worker's background loops: feeder, heartbeat, reaper, Redis retention and event
//! partition upkeep. Each runs until shutdown and logs (never panics on) a failed pass.

use std::sync::Arc;
use std::time::Duration;

use reachly_jobs::ops::{Throughput, WorkerProcess};
use reachly_jobs::queue::feeder::{FeedQueue, Feeder};
use reachly_jobs::queue::reaper::{self, RunningSet};
use reachly_jobs::queue::transport::Transport;
use reachly_jobs::queue::{retention, statistics};
use reachly_jobs::{Config, MaintDb};
use tokio::task::JoinSet;

use crate::shutdown::Shutdown;

/// How often the queue table's statistics are checked (Postgres' own counters refresh about
/// once a second).
const STATISTICS_CHECK: Duration = Duration::from_secs(1);

/// The running loops, joined at exit.
pub struct Background {
    tasks: JoinSet<()>,
}

impl Background {
    pub async fn join(mut self) {
        while self.tasks.join_next().await.is_some() {}
    }
}

/// This process as its loops see it: its name and running jobs (the heartbeat), and what it
/// reports for the ops dashboard.
pub struct Process {
    pub name: Arc<str>,
    pub running: RunningSet,
    pub row: WorkerProcess,
    pub throughput: Throughput,
}

/// The maintenance-role pools of the loops: the heartbeat has a connection of its own, so a
/// busy feeder or reaper can never delay it past the stale limit.
pub struct LoopDbs {
    pub maint: MaintDb,
    pub heartbeat: MaintDb,
}

pub fn spawn(
    config: &Config,
    dbs: LoopDbs,
    transport: Transport,
    queues: &[&'static str],
    feed: Vec<FeedQueue>,
    process: Process,
    stop: Shutdown,
) -> Background {
    let Process {
        name: worker,
        running,
        row,
        throughput,
    } = process;
    let settings = config.queue.clone();
    let mut tasks = JoinSet::new();
    let LoopDbs {
        maint,
        heartbeat: heartbeat_db,
    } = dbs;

    let feeder = Feeder::new(
        maint.clone(),
        transport.clone(),
        feed,
        settings.backlog_window,
        settings.transport_check_after,
    );
    let until = stop.clone();
    tasks.spawn(async move {
        loop {
            match feeder.run(settings.feeder_poll, until.stopped()).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "feeder lost its listener; restarting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });

    let (db, until) = (maint.clone(), stop.clone());
    tasks.spawn(every(STATISTICS_CHECK, until, move || {
        let db = db.clone();
        async move {
            match statistics::refresh_if_stale(&db).await {
                Ok(true) => tracing::debug!("job_runs analyzed"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "refreshing job_runs statistics failed"),
            }
        }
    }));

    let (db, until, name) = (heartbeat_db, stop.clone(), worker.clone());
    tasks.spawn(every(settings.heartbeat_every, until, move || {
        let (db, name, running) = (db.clone(), name.clone(), running.clone());
        async move {
            if let Err(e) = reaper::heartbeat(&db, &name, &running).await {
                tracing::warn!(error = %e, "heartbeat failed");
            }
        }
    }));

    let (db, until, lost_transport) = (maint.clone(), stop.clone(), transport.clone());
    let stale = settings.stale_after;
    let served: Vec<&'static str> = queues.to_vec();
    tasks.spawn(every(stale / 2, until, move || {
        let (db, transport, served) = (db.clone(), lost_transport.clone(), served.clone());
        async move {
            let mut lost = match reaper::reap_stale(&db, stale).await {
                Ok(lost) => lost,
                Err(e) => return tracing::warn!(error = %e, "reaper failed"),
            };
            if lost.is_empty() {
                return;
            }
            tracing::warn!(jobs = lost.len(), "requeued jobs whose worker was lost");
            lost.sort();
            lost.dedup();
            // What those processes had fetched but not started goes back to Redis now.
            for process in lost.iter().filter(|p| !p.is_empty()) {
                for queue in &served {
                    match transport.requeue_lost_process(queue, process).await {
                        Ok(0) => {}
                        Ok(n) => tracing::warn!(process, queue, tasks = n, "lost worker's unstarted tasks requeued"),
                        Err(e) => tracing::warn!(process, queue, error = %e, "requeueing a lost worker's tasks failed"),
                    }
                }
            }
        }
    }));

    let conn = transport.connection();
    let queues: Vec<&'static str> = queues.to_vec();
    tasks.spawn(every(settings.retention_every, stop.clone(), move || {
        let (conn, queues) = (conn.clone(), queues.clone());
        async move {
            for queue in queues {
                if let Err(e) = retention::vacuum(&conn, queue).await {
                    tracing::warn!(queue, error = %e, "redis retention failed");
                }
            }
        }
    }));

    // What the ops dashboard reads: this process's row with its heartbeat, and the jobs it
    // finished per minute (the tally's last seconds are flushed at shutdown, in `main`).
    let (db, passes) = (
        maint.clone(),
        Arc::new(std::sync::atomic::AtomicU32::new(0)),
    );
    tasks.spawn(every(settings.heartbeat_every, stop.clone(), move || {
        let (db, row, throughput) = (db.clone(), row.clone(), throughput.clone());
        let pass = passes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        async move {
            let stamped = row.stamp(&db).await;
            let flushed = throughput.flush(&db).await.map(drop);
            // About every ten minutes, minutes older than a day go.
            let purged = match pass % 300 {
                0 => reachly_jobs::queue::throughput::purge_old(&db)
                    .await
                    .map(drop),
                _ => Ok(()),
            };
            for failed in [stamped, flushed, purged]
                .into_iter()
                .filter_map(Result::err)
            {
                tracing::warn!(error = %failed, "reporting to the ops dashboard failed");
            }
        }
    }));

    tasks.spawn(every(Duration::from_secs(6 * 3600), stop, move || {
        let db = maint.clone();
        async move {
            if let Err(e) = reachly_jobs::db::ensure_event_partitions(&db).await {
                tracing::warn!(error = %e, "creating event partitions failed");
            }
        }
    }));

    Background { tasks }
}

/// Runs `pass` now and then every `period` until `stop`.
async fn every<F, Fut>(period: Duration, stop: Shutdown, pass: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stopped = stop.stopped();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            _ = ticker.tick() => pass().await,
        }
    }
}
