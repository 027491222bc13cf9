//! Bursts and fairness: many jobs at once all complete exactly once, Redis memory comes
//! back down, and a small tenant is not starved behind a large one.

use std::time::Duration;

use reachly_tests::world::ApiWorld;
use reachly_tests::{Stack, wait_until};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_50k_jobs_completes_once_each_and_redis_memory_returns() {
    let w = ApiWorld::start().await;
    let (stack, pool) = (&w.stack, &w.maint);
    let _worker = stack.worker("w", &["--concurrency", "200"], &[]);
    wait_until(
        "the worker to register",
        Duration::from_secs(30),
        || async { (stack.redis.dbsize().await.unwrap() > 0).then_some(()) },
    )
    .await;
    let memory_before = stack.redis.used_memory().await.unwrap();

    let ids = w.submit_noops(50_000, json!({})).await;
    assert_eq!(ids.len(), 50_000);
    wait_until(
        "50,000 jobs to succeed",
        Duration::from_secs(900),
        || async { (stack.count_status(pool, "succeeded").await == 50_000).then_some(()) },
    )
    .await;
    assert_eq!(w.noop_effects().await, (50_000, 1), "one effect per job");

    // Finished tasks are removed from Redis as they complete.
    let memory_after = wait_until(
        "Redis memory to settle",
        Duration::from_secs(60),
        || async {
            let now = stack.redis.used_memory().await.unwrap();
            (now < memory_before + 2 * 1024 * 1024).then_some(now)
        },
    )
    .await;
    println!("redis used_memory before {memory_before} B, after {memory_after} B");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_small_tenant_is_not_starved_by_a_large_backlog() {
    let stack = Stack::start().await;
    let (_api_proc, api) = stack.api().await;
    let big = stack.token("big-broker", "ops@big.test", "admin");
    let small = stack.token("small-broker", "ops@small.test", "admin");
    let pool = stack.db.maint().await;

    stack.submit_noops(&api, &big, 20_000, json!({})).await;
    let _worker = stack.worker(
        "w",
        &["--concurrency", "50"],
        &[("REACHLY_BACKLOG_WINDOW", "500")],
    );
    wait_until(
        "the big backlog to start draining",
        Duration::from_secs(60),
        || async { (stack.count_status(&pool, "succeeded").await > 0).then_some(()) },
    )
    .await;
    let small_ids = stack.submit_noops(&api, &small, 10, json!({})).await;

    let big_done_when_small_finished = wait_until(
        "the small tenant's jobs",
        Duration::from_secs(300),
        || async {
            let (small_done,): (i64,) = sqlx::query_as(
                "select count(*) from job_runs where id = any($1) and status = 'succeeded'",
            )
            .bind(&small_ids)
            .fetch_one(&pool)
            .await
            .unwrap();
            if small_done < 10 {
                return None;
            }
            Some(stack.count_status(&pool, "succeeded").await - 10)
        },
    )
    .await;
    println!("big tenant had {big_done_when_small_finished} of 20000 done when small finished");
    assert!(
        big_done_when_small_finished < 10_000,
        "the small tenant waited for half the big backlog ({big_done_when_small_finished})"
    );
}
