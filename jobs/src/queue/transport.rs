//! The Redis side of the queue: what a delivery carries, how the feeder pushes it through
//! apalis-redis, and how it checks that Redis still holds what it was given.

use std::time::Duration;

use apalis::prelude::TaskId;
use apalis_redis::{Config as RedisQueueConfig, ConnectionManager, RedisTask};
use serde::{Deserialize, Serialize};
use ulid::Ulid;
use uuid::Uuid;

use crate::tenancy::OrgId;

/// The task body in Redis: pointers to `job_runs` rows of one organization, which stay the
/// truth. One task carries several jobs of a kind without a concurrency cap (see
/// [`super::Registry::jobs_per_delivery`]), so Redis, apalis and the claim work per task
/// rather than per job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub org: OrgId,
    /// Tasks pushed before deliveries carried several jobs name one, as `job`.
    #[serde(alias = "job", deserialize_with = "one_or_many")]
    pub jobs: Vec<Uuid>,
}

/// `jobs` as a list, or as the single id older tasks carry.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Uuid>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Uuid),
        Many(Vec<Uuid>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(job) => vec![job],
        OneOrMany::Many(jobs) => jobs,
    })
}

/// A delivery with the apalis task id it is pushed under (`job_runs.transport_id`).
#[derive(Clone, Debug)]
pub struct Push {
    pub transport_id: String,
    pub delivery: Delivery,
}

impl Push {
    pub fn new(delivery: Delivery) -> Self {
        Self {
            transport_id: Ulid::generate().to_string(),
            delivery,
        }
    }
}

/// apalis-redis settings for one of our queues: key prefix `reachly:<queue>`, heartbeats
/// frequent enough that a dead worker's in-flight tasks are re-enqueued within a minute.
///
/// Pub/sub events, leases and result persistence are off: Postgres keeps the record, and
/// apalis-redis 1.0.0 never deletes what it persists. Instead each finished task is removed
/// from Redis by [`Transport::forget`] (see `acker`), so Redis holds only live work.
pub fn queue_config(queue: &str) -> RedisQueueConfig {
    RedisQueueConfig::default()
        .queue(format!("reachly:{queue}"))
        .batch_size(100)
        // An idle apalis worker sometimes misses its poll timer's wake-up and only fetches
        // again at its next heartbeat (seen right after start-up): a 1 s heartbeat bounds
        // that stall. A worker whose slots are all busy does not beat (apalis polls its backend
        // only for free slots), so orphans are re-enqueued only after 60 missed beats.
        .heartbeat_interval(Duration::from_secs(1))
        .missed_heartbeats(60)
        .emit_events(false)
        .persist_results(false)
        .lock_tasks(false)
}

/// Pushes and inspects deliveries on one Redis connection.
#[derive(Clone)]
pub struct Transport {
    conn: ConnectionManager,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transport")
    }
}

impl Transport {
    pub async fn connect(redis_url: &str) -> Result<Self, redis::RedisError> {
        Ok(Self {
            conn: apalis_redis::connect(redis_url).await?,
        })
    }

    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Pushes `pushes` onto `queue` in one script call.
    pub async fn push(&self, queue: &str, pushes: &[Push]) -> Result<(), apalis_redis::Error> {
        if pushes.is_empty() {
            return Ok(());
        }
        let tasks: Vec<RedisTask> = pushes
            .iter()
            .map(|p| {
                let body = serde_json::to_vec(&p.delivery).expect("a delivery serializes");
                let id: Ulid = p.transport_id.parse().expect("transport ids are ulids");
                apalis::prelude::TaskBuilder::new(body)
                    .task_id(TaskId::from_ulid(id))
                    .build()
            })
            .collect();
        let mut conn = self.conn.clone();
        apalis_redis::queries::push_tasks(&mut conn, &queue_config(queue), &tasks).await?;
        Ok(())
    }

    /// For each transport id, whether Redis no longer holds its task (lost to a flush,
    /// a restart or an eviction).
    pub async fn missing(
        &self,
        queue: &str,
        transport_ids: &[String],
    ) -> Result<Vec<bool>, redis::RedisError> {
        if transport_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn.clone();
        let held: Vec<Option<Vec<u8>>> = redis::cmd("HMGET")
            .arg(queue_config(queue).job_data_hash())
            .arg(transport_ids)
            .query_async(&mut conn)
            .await?;
        Ok(held.into_iter().map(|h| h.is_none()).collect())
    }

    /// Removes finished tasks from Redis: out of their worker's in-flight set, their data
    /// and their metadata. `tasks` are (worker name, transport id) pairs.
    ///
    /// One atomic script per worker: if apalis-redis already moved a task back to the active
    /// list (it declared the worker dead while the task ran), the task leaves that list too.
    /// Otherwise the list would hold an id without data, on which every fetch of the queue
    /// fails ("Invalid job data format").
    pub async fn forget(
        &self,
        queue: &str,
        tasks: &[(std::sync::Arc<str>, String)],
    ) -> Result<(), redis::RedisError> {
        let config = queue_config(queue);
        let mut by_worker: std::collections::HashMap<&str, Vec<&str>> = Default::default();
        for (worker, tid) in tasks {
            by_worker.entry(worker).or_default().push(tid);
        }
        let mut conn = self.conn.clone();
        let script = redis::Script::new(FORGET);
        for (worker, tids) in by_worker {
            let mut invocation = script.prepare_invoke();
            invocation
                .key(format!("{}:{worker}", config.inflight_jobs_set()))
                .key(config.active_jobs_list())
                .key(config.job_data_hash())
                .key(config.job_meta_hash());
            for tid in tids {
                invocation.arg(tid);
            }
            invocation.invoke_async::<()>(&mut conn).await?;
        }
        Ok(())
    }

    /// Puts back on their queues the tasks that the apalis workers of a lost worker process
    /// (`process`, as in `job_runs.locked_by`) had fetched but not finished, without waiting
    /// for apalis-redis' orphan timeout. Returns how many went back.
    pub async fn requeue_lost_process(
        &self,
        queue: &str,
        process: &str,
    ) -> Result<usize, redis::RedisError> {
        let config = queue_config(queue);
        let pattern = format!("{}:{process}-{queue}-*", config.inflight_jobs_set());
        let mut conn = self.conn.clone();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(&pattern)
            .query_async(&mut conn)
            .await?;
        let mut moved = 0;
        for key in keys {
            let worker = key
                .rsplit_once(':')
                .map(|k| k.1)
                .unwrap_or_default()
                .to_owned();
            moved += self.requeue_inflight(queue, &worker).await?;
        }
        Ok(moved)
    }

    /// Puts back on the queue every task the apalis worker `worker` fetched but did not
    /// finish (its in-flight set), so a stopping process hands them to the others at once
    /// instead of after apalis-redis' orphan timeout. Returns how many went back.
    pub async fn requeue_inflight(
        &self,
        queue: &str,
        worker: &str,
    ) -> Result<usize, redis::RedisError> {
        let config = queue_config(queue);
        let mut conn = self.conn.clone();
        redis::Script::new(REQUEUE_INFLIGHT)
            .key(format!("{}:{worker}", config.inflight_jobs_set()))
            .key(config.active_jobs_list())
            .key(config.signal_list())
            .invoke_async(&mut conn)
            .await
    }
}

/// KEYS: worker in-flight set, active list, data hash, metadata key prefix; ARGV: task ids.
const FORGET: &str = r#"
for _, id in ipairs(ARGV) do
  if redis.call("srem", KEYS[1], id) == 0 then
    redis.call("lrem", KEYS[2], 0, id)
  end
  redis.call("hdel", KEYS[3], id)
  redis.call("del", KEYS[4] .. ":" .. id)
end
"#;

/// KEYS: in-flight set, active list, signal list.
const REQUEUE_INFLIGHT: &str = r#"
local ids = redis.call("smembers", KEYS[1])
for i = 1, #ids, 1000 do
  redis.call("rpush", KEYS[2], unpack(ids, i, math.min(i + 999, #ids)))
end
redis.call("del", KEYS[1])
if #ids > 0 then
  redis.call("del", KEYS[3])
  redis.call("lpush", KEYS[3], 1)
end
return #ids
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_reads_its_jobs_and_the_single_job_of_older_tasks() {
        let org = OrgId(Uuid::now_v7());
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let many = Delivery {
            org,
            jobs: vec![a, b],
        };
        let body = serde_json::to_string(&many).unwrap();
        assert_eq!(serde_json::from_str::<Delivery>(&body).unwrap(), many);
        let older = serde_json::json!({ "org": org, "job": a });
        let read: Delivery = serde_json::from_value(older).unwrap();
        assert_eq!(read.jobs, vec![a]);
    }
}
