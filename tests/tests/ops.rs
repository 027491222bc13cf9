//! The operators' routes against a real API and worker: queue counts and throughput per
//! organization (and, for platform operators only, for all), why a job waits, run-now, bulk
//! actions with their dry run, every attempt's error, pausing and resuming a queue, the live
//! workers and the schedules.

use std::time::Duration;

use reachly_tests::world::ApiWorld;
use serde_json::{Value, json};

/// The `kind` row of `GET /v1/ops/queues` as `token` sees it.
async fn queue_row(world: &ApiWorld, token: &str, query: &str, kind: &str) -> Value {
    let reply = world
        .api
        .get(&format!("/v1/ops/queues{query}"), Some(token))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["kind"] == kind)
        .cloned()
        .unwrap()
}

/// `GET /v1/jobs/{id}/why` as the admin: its reason code.
async fn why(world: &ApiWorld, id: &str) -> Value {
    let reply = world.admin_get(&format!("/v1/jobs/{id}/why")).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_queue_holds_new_jobs_with_the_reason_until_it_is_resumed() {
    let world = ApiWorld::start().await;
    let rival = world.stack.token("globex", "ops@globex.test", "admin");
    // No worker yet: a job waits for one, and says so.
    let waiting = world.submit(&json!({ "kind": "noop" })).await;
    assert_eq!(why(&world, &waiting).await["code"], "no_worker");
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let delayed = world
        .submit(&json!({ "kind": "noop", "run_at": later }))
        .await;
    let rival_job =
        reachly_tests::jobs::submit(&world.api, &rival, &json!({ "kind": "noop" })).await;

    let _worker = world.stack.worker("ops", &[], &[]);
    world.wait_status(&waiting, "succeeded").await;
    assert_eq!(why(&world, &delayed).await["code"], "scheduled");
    let explained = why(&world, &waiting).await;
    assert_eq!(explained["code"], "not_waiting", "{explained}");

    // Only a platform operator pauses a queue, and sees every organization.
    let pause = "/v1/ops/queues/noop/pause";
    world
        .api
        .post(pause, Some(&world.token), &json!({}))
        .await
        .assert_error(403, "forbidden");
    world
        .admin_get("/v1/ops/queues?scope=platform")
        .await
        .assert_error(403, "forbidden");
    world.stack.grant_platform_admin("ops@acme.test");
    let paused = world.api.post(pause, Some(&world.token), &json!({})).await;
    assert_eq!(paused.status, 200, "{:?}", paused.body);
    assert_eq!(paused.body["changed"], true);
    world
        .api
        .post("/v1/ops/queues/nope/pause", Some(&world.token), &json!({}))
        .await
        .assert_error(404, "not_found");

    let held = world.submit(&json!({ "kind": "noop" })).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(world.job_status(held.parse().unwrap()).await, "queued");
    let reason = why(&world, &held).await;
    assert_eq!(reason["code"], "queue_paused", "{reason}");
    assert!(reason["message"].as_str().unwrap().contains("paused"));
    let row = queue_row(&world, &world.token, "", "noop").await;
    assert_eq!(
        (row["paused"].clone(), row["queued"].clone()),
        (json!(true), json!(2)),
        "{row}"
    );
    // Another organization's jobs never count in this one's view; the platform's has both.
    let rival_row = queue_row(&world, &rival, "", "noop").await;
    assert_eq!(rival_row["queued"], 0, "{rival_row}");
    assert!(world.job_status(rival_job.parse().unwrap()).await == "succeeded");
    let platform = queue_row(&world, &world.token, "?scope=platform", "noop").await;
    assert_eq!(platform["queued"], 2, "{platform}");

    let resumed = world
        .api
        .post("/v1/ops/queues/noop/resume", Some(&world.token), &json!({}))
        .await;
    assert_eq!(resumed.body["changed"], true, "{:?}", resumed.body);
    world.wait_status(&held, "succeeded").await;

    // Run now: the delayed job need not wait its hour; once it ran, there is nothing to run.
    let ran = world.act(&delayed, "run-now").await;
    assert_eq!(ran.status, 200, "{:?}", ran.body);
    world.wait_status(&delayed, "succeeded").await;
    world
        .act(&delayed, "run-now")
        .await
        .assert_error(409, "conflict");

    // The throughput graph counts them (workers flush their tally every two seconds).
    let counted = reachly_tests::wait_until(
        "the throughput to count 3 jobs",
        Duration::from_secs(20),
        || async {
            let reply = world.admin_get("/v1/ops/throughput?minutes=5").await;
            let total: i64 = reply.body["kinds"]["noop"]
                .as_array()?
                .iter()
                .map(|p| p["completed"].as_i64().unwrap_or(0))
                .sum();
            (total == 3).then_some(reply.body)
        },
    )
    .await;
    assert_eq!(
        counted["kinds"]["noop"].as_array().unwrap().len(),
        6,
        "minutes 0..=5"
    );

    // Workers and schedules are the platform's.
    let workers = world.admin_get("/v1/ops/workers").await;
    let live: Vec<&Value> = workers.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["live"] == true)
        .collect();
    assert_eq!(live.len(), 1, "{:?}", workers.body);
    assert!(
        live[0]["queues"]
            .as_array()
            .unwrap()
            .contains(&json!("noop"))
    );
    let schedules = world.admin_get("/v1/ops/schedules").await;
    let names: Vec<&str> = schedules.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["event_aggregation", "ip_anonymization"],
        "{:?}",
        schedules.body
    );
    assert!(schedules.body["data"][0]["next_tick"].is_string());
    world
        .api
        .get("/v1/ops/workers", Some(&rival))
        .await
        .assert_error(403, "forbidden");

    let audited: i64 = reachly_tests::db::scalar(
        &world.maint,
        "select count(*) from audit_logs where action in ('queue.paused', 'queue.resumed', 'job.run_now')",
    )
    .await;
    assert_eq!(audited, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_actions_count_first_and_change_only_what_the_filter_matches() {
    let world = ApiWorld::start().await;
    let rival = world.stack.token("globex", "ops@globex.test", "admin");
    // Dead jobs, each with every attempt's error kept.
    let _worker = world.stack.worker("ops", &[], &[]);
    let dead = world.submit_failing(5, 2).await;
    world.wait_status(&dead, "dead").await;
    let detail = world.admin_get(&format!("/v1/jobs/{dead}")).await;
    let errors = detail.body["attempt_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{:?}", detail.body);
    assert_eq!(errors[1]["attempt"], 2);
    assert!(
        errors[0]["error"]
            .as_str()
            .unwrap()
            .contains("asked to fail")
    );
    let another = world.submit_failing(5, 1).await;
    world.wait_status(&another, "dead").await;
    let row = queue_row(&world, &world.token, "", "noop").await;
    assert_eq!(row["dead"], 2, "{row}");
    let rival_dead = reachly_tests::jobs::submit(
        &world.api,
        &rival,
        &json!({ "kind": "noop", "payload": { "fail_times": 5 }, "max_attempts": 1 }),
    )
    .await;

    let bulk = |body: Value| {
        let api = world.api.clone();
        let token = world.token.clone();
        async move { api.post("/v1/jobs/bulk", Some(&token), &body).await }
    };
    let filter = json!({ "kind": "noop", "status": "dead" });
    let dry = bulk(json!({ "action": "retry", "filter": filter, "dry_run": true })).await;
    assert_eq!(dry.status, 200, "{:?}", dry.body);
    assert_eq!(
        (dry.body["matched"].clone(), dry.body["changed"].clone()),
        (json!(2), json!(0))
    );
    assert_eq!(world.job_status(dead.parse().unwrap()).await, "dead");
    // The listing shows exactly what the filter matches.
    let listed = world.admin_get("/v1/jobs?kind=noop&status=dead").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 2);

    let cancel = bulk(json!({ "action": "cancel", "filter": filter })).await;
    assert_eq!(
        cancel.body["matched"], 0,
        "dead jobs cannot be cancelled: {:?}",
        cancel.body
    );
    let retried = bulk(json!({ "action": "retry", "filter": filter })).await;
    assert_eq!(retried.body["changed"], 2, "{:?}", retried.body);
    world.wait_status(&dead, "dead").await;
    let rival_status = reachly_tests::db::scalar::<String>(
        &world.maint,
        &format!("select status from job_runs where id = '{rival_dead}'"),
    )
    .await;
    assert_ne!(
        rival_status, "queued",
        "another organization's job is never touched"
    );

    bulk(json!({ "action": "purge" }))
        .await
        .assert_error(422, "unprocessable");
    bulk(json!({ "action": "retry", "filter": { "colour": "red" } }))
        .await
        .assert_error(422, "unprocessable");
    world
        .admin_get("/v1/jobs?q=fail&from=2020-01-01T00:00:00Z")
        .await
        .assert_error(400, "bad_request");
    let searched = world.admin_get("/v1/jobs?q=asked%20to%20fail").await;
    assert_eq!(
        searched.body["data"].as_array().unwrap().len(),
        2,
        "{:?}",
        searched.body
    );
}
