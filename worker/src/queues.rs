//! The apalis side: one Redis-backed apalis worker per queue, all in one monitor.

use std::sync::Arc;

use apalis::prelude::*;
use apalis_redis::{ConnectionManager, RedisStorage};
use reachly_jobs::config::QueueSettings;
use reachly_jobs::queue::runner::Runner;
use reachly_jobs::queue::transport::{Delivery, queue_config};

/// What the handler of one queue's apalis worker needs.
#[derive(Clone, Debug)]
struct Lane {
    queue: &'static str,
    runner: Arc<Runner>,
}

/// Builds the monitor: for each queue an apalis worker named `<process name>-<queue>`,
/// polling every `poll_interval` (apalis-redis alone waits for its 5 s heartbeat), running
/// up to `concurrency` jobs at once.
pub fn monitor(
    queues: &[&'static str],
    conn: ConnectionManager,
    process: &str,
    concurrency: u16,
    settings: &QueueSettings,
    runner: Arc<Runner>,
) -> Monitor {
    let mut monitor = Monitor::new().shutdown_timeout(settings.shutdown_grace);
    for &queue in queues {
        let lane = Lane {
            queue,
            runner: runner.clone(),
        };
        let conn = conn.clone();
        let name = format!("{process}-{queue}");
        let poll = settings.poll_interval;
        monitor = monitor.register(move |_restarts| {
            let storage = RedisStorage::<Delivery>::new(conn.clone())
                .with_config(queue_config(queue))
                .poll_with_interval(poll);
            WorkerBuilder::new(name.clone())
                .backend(storage)
                .data(lane.clone())
                .concurrency(usize::from(concurrency))
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
    lane.runner
        .handle(lane.queue, worker, task_id.to_string(), delivery)
        .await?;
    Ok(())
}
