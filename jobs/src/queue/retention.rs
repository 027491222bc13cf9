//! Retention for apalis-redis: it keeps every finished task's data, metadata and id in its
//! `done`/`dead` sets forever. Postgres holds the record, so Redis keeps only live work.

use apalis_redis::ConnectionManager;

use super::transport::queue_config;

/// Removes finished tasks of `queue` from Redis; returns how many were removed.
pub async fn vacuum(conn: &ConnectionManager, queue: &str) -> Result<usize, redis::RedisError> {
    let config = queue_config(queue);
    let mut conn = conn.clone();
    let removed: usize = redis::Script::new(VACUUM)
        .key(config.job_data_hash())
        .key(config.job_meta_hash())
        .key(config.done_jobs_set())
        .key(config.dead_jobs_set())
        .key(config.failed_jobs_set())
        .invoke_async(&mut conn)
        .await?;
    Ok(removed)
}

/// Deletes the data and metadata of tasks in a terminal state, then the terminal id sets.
/// The window keeps live work small, so one call walks at most a few seconds of finished tasks.
const VACUUM: &str = r#"
local terminal = { Done = true, Failed = true, Killed = true }
local removed = 0
local cursor = "0"
repeat
  local page = redis.call("hscan", KEYS[1], cursor, "COUNT", 1000)
  cursor = page[1]
  local fields = page[2]
  for i = 1, #fields, 2 do
    local id = fields[i]
    local meta_key = KEYS[2] .. ":" .. id
    local status = redis.call("hget", meta_key, "status")
    if status and terminal[status] then
      redis.call("hdel", KEYS[1], id)
      redis.call("del", meta_key)
      removed = removed + 1
    end
  end
until cursor == "0"
redis.call("del", KEYS[3], KEYS[4], KEYS[5])
return removed
"#;
