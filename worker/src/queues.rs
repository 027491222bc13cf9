//! The apalis side: one Redis-backed apalis worker per queue, all in one monitor.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use apalis::prelude::*;
use apalis_redis::{ConnectionManager, RedisStorage};
use reachly_jobs::config::QueueSettings;
use reachly_jobs::queue::Registry;

use crate::poll::EveryTick;
use reachly_jobs::queue::runner::{JobSlots, Runner};
use reachly_jobs::queue::transport::{Delivery, queue_config};

/// Pause before a failed apalis worker starts again, so an unreachable Redis is not hammered.
const RESTART_PAUSE: Duration = Duration::from_millis(500);

/// What the handler of one queue's apalis worker needs.
#[derive(Clone, Debug)]
struct Lane {
    queue: &'static str,
    runner: Arc<Runner>,
    slots: JobSlots,
}

/// Every apalis worker name this process used, with its queue: at shutdown their in-flight
/// sets are handed back.
#[derive(Clone, Debug, Default)]
pub struct WorkerNames {
    inner: Arc<Mutex<Vec<(&'static str, String)>>>,
}

impl WorkerNames {
    fn add(&self, queue: &'static str, name: String) {
        self.inner
            .lock()
            .expect("names poisoned")
            .push((queue, name));
    }
    pub fn all(&self) -> Vec<(&'static str, String)> {
        self.inner.lock().expect("names poisoned").clone()
    }
}

/// Builds the monitor: for each queue an apalis worker named `<process>-<queue>-<restarts>`,
/// polling every `poll_interval` (apalis-redis alone waits for its 5 s heartbeat), running
/// up to `concurrency` jobs at once (less for kinds with a concurrency cap).
///
/// A worker whose backend fails is restarted under a new name after a short pause: after
/// Redis loses its data (FLUSHALL, restart) apalis-redis 1.0.0 refuses to fetch for a
/// worker it no longer knows, and refuses to re-register a name seen recently.
#[allow(clippy::too_many_arguments)]
pub fn monitor(
    registry: &Registry,
    queues: &[&'static str],
    conn: ConnectionManager,
    process: &str,
    concurrency: u16,
    settings: &QueueSettings,
    runner: Arc<Runner>,
    names: WorkerNames,
) -> Monitor {
    let mut monitor = Monitor::new()
        .shutdown_timeout(settings.shutdown_grace)
        .should_restart(|worker, error| {
            tracing::warn!(worker = worker.name(), %error, "apalis worker failed; restarting");
            true
        });
    for &queue in queues {
        let concurrency = registry.queue_concurrency(queue, usize::from(concurrency));
        let lane = Lane {
            queue,
            runner: runner.clone(),
            slots: JobSlots::new(concurrency),
        };
        let conn = conn.clone();
        let process = process.to_owned();
        let poll = settings.poll_interval;
        let names = names.clone();
        // Enough tasks to fill the job slots, and no more per poll than can start: a busy
        // process must not sit on tasks an idle one could run. A queue of batched tasks gets
        // one more, fetched while the others run, so its slots never wait for Redis.
        let per_task = registry.jobs_per_delivery(queue);
        let tasks = concurrency.div_ceil(per_task) + usize::from(per_task > 1);
        let config = queue_config(queue).batch_size(tasks.min(100));
        monitor = monitor.register(move |restarts| {
            let name = format!("{process}-{queue}-{restarts}");
            names.add(queue, name.clone());
            let storage = RedisStorage::<Delivery>::new(conn.clone())
                .with_config(config.clone())
                .poll_with_strategy(EveryTick::new(poll))
                .before_start(move |_| async move {
                    if restarts > 0 {
                        tokio::time::sleep(RESTART_PAUSE).await;
                    }
                    Ok(())
                });
            WorkerBuilder::new(name)
                .backend(storage)
                .data(lane.clone())
                .concurrency(tasks)
                .build(handle)
        });
    }
    monitor
}

/// Runs one delivery. An error here means Postgres was unreachable; the task is removed
/// from Redis all the same and the feeder re-delivers the job.
async fn handle(
    delivery: Delivery,
    task_id: TaskId,
    worker: WorkerContext,
    lane: Data<Lane>,
) -> Result<(), BoxDynError> {
    let worker: Arc<str> = worker.name().into();
    // Its own task: if apalis drops this handler (its worker failed and restarts), the
    // attempt still runs to its recorded end instead of stopping halfway.
    let runner = lane.runner.clone();
    let queue = lane.queue;
    let slots = lane.slots.clone();
    tokio::spawn(async move {
        runner
            .handle(queue, worker, task_id.to_string(), delivery, &slots)
            .await
    })
    .await??;
    Ok(())
}
