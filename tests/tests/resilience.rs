//! Losing things loses no work: a worker killed mid-job, Redis flushed with jobs queued,
//! SIGTERM during a job.

use std::time::Duration;

use reachly_tests::wait_until;
use reachly_tests::world::ApiWorld;
use serde_json::json;

/// Fast reaping so a killed worker's job comes back within seconds.
const QUICK_REAP: (&str, &str) = ("REACHLY_STALE_AFTER_SECS", "3");

#[tokio::test(flavor = "multi_thread")]
async fn a_job_whose_worker_is_killed_is_finished_by_another_and_recorded_once() {
    let w = ApiWorld::start().await;
    let (stack, pool) = (&w.stack, &w.maint);
    let mut first = stack.worker("first", &[], &[QUICK_REAP]);

    let id = w.submit_noops(1, json!({"sleep_ms": 3000})).await[0];
    w.wait_status(id, "running").await;
    first.kill9();

    let _second = stack.worker("second", &[], &[QUICK_REAP]);
    w.wait_status(id, "succeeded").await;
    let (attempts,): (i32,) = sqlx::query_as("select attempts from job_runs where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(attempts, 2, "the killed attempt counts");
    assert_eq!(w.noop_effects().await, (1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn jobs_queued_in_redis_survive_a_flushall() {
    let w = ApiWorld::start().await;
    let (stack, pool) = (&w.stack, &w.maint);
    let _worker = stack.worker("w", &["--concurrency", "4"], &[]);

    let ids = w.submit_noops(400, json!({"sleep_ms": 10})).await;
    // Wait until Redis holds a backlog, then lose it all.
    wait_until("a backlog in Redis", Duration::from_secs(30), || async {
        (stack.redis.dbsize().await.unwrap() > 3).then_some(())
    })
    .await;
    let mut conn = stack.redis.connection().await.unwrap();
    let _: () = redis::cmd("FLUSHALL").query_async(&mut conn).await.unwrap();
    let done_at_flush = stack.count_status(pool, "succeeded").await;
    assert!(done_at_flush < 400, "the flush must hit a live backlog");

    wait_until("every job to succeed", Duration::from_secs(120), || async {
        (stack.count_status(pool, "succeeded").await == ids.len() as i64).then_some(())
    })
    .await;
    assert_eq!(w.noop_effects().await, (400, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_a_running_job_finish_then_exits_cleanly() {
    let w = ApiWorld::start().await;
    let stack = &w.stack;
    let mut worker = stack.worker("w", &[], &[]);

    let id = w.submit_noops(1, json!({"sleep_ms": 1500})).await[0];
    w.wait_status(id, "running").await;
    worker.sigterm().unwrap();
    let status = worker.wait_exit(Duration::from_secs(60)).unwrap();
    assert!(status.success(), "worker exit: {status:?}");
    assert_eq!(w.job_status(id).await, "succeeded");
    assert_eq!(w.noop_effects().await, (1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_hands_back_a_job_that_outlives_the_grace_period() {
    let w = ApiWorld::start().await;
    let (stack, pool) = (&w.stack, &w.maint);
    let mut worker = stack.worker("w", &[], &[("REACHLY_SHUTDOWN_GRACE_SECS", "1")]);

    let id = w.submit_noops(1, json!({"sleep_ms": 6000})).await[0];
    w.wait_status(id, "running").await;
    worker.sigterm().unwrap();
    let status = worker.wait_exit(Duration::from_secs(60)).unwrap();
    assert!(status.success(), "worker exit: {status:?}");
    let (state, attempts): (String, i32) =
        sqlx::query_as("select status, attempts from job_runs where id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(
        (state.as_str(), attempts),
        ("queued", 0),
        "handed back, attempt refunded"
    );

    let _next = stack.worker("next", &[], &[]);
    w.wait_status(id, "succeeded").await;
    assert_eq!(w.noop_effects().await, (1, 1));
}
