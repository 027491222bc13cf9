//! A job submitted over HTTP is run by a separate worker process: success, retries, dead,
//! retry from dead, dedupe keys, cancel.

use std::time::Duration;

use reachly_tests::wait_until;
use reachly_tests::world::ApiWorld;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn a_submitted_job_runs_in_a_worker_process_and_records_its_result() {
    let w = ApiWorld::start().await;
    let (api, token) = (&w.api, &w.token);
    let _worker = w.stack.worker("w1", &[], &[]);

    let reply = api
        .post(
            "/v1/jobs",
            Some(token),
            &json!({"kind": "noop", "payload": {"sleep_ms": 20}}),
        )
        .await;
    let id = reply.assert_made(202, "/v1/jobs");
    assert_eq!(reply.body["status"], "queued");

    let done = w.wait_status(&id, "succeeded").await;
    assert_eq!(done["attempts"], 1);
    assert_eq!(done["result"], json!({"attempt": 1, "slept_ms": 20}));

    let (effects,): (i64,) = sqlx::query_as(
        "select count(*) from audit_logs where subject_id = $1::uuid and action = 'job.noop.completed'",
    )
    .bind(&id)
    .fetch_one(&w.maint)
    .await
    .unwrap();
    assert_eq!(effects, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_retry_then_succeed_or_go_dead_and_retry_revives_them() {
    let w = ApiWorld::start().await;
    let _worker = w.stack.worker("w1", &[], &[]);

    let flaky_id = w.submit_failing(2, 3).await;
    let doomed_id = w.submit_failing(5, 2).await;

    let done = w.wait_status(&flaky_id, "succeeded").await;
    assert_eq!(done["attempts"], 3);
    assert_eq!(done["result"]["attempt"], 3);

    let dead = w.wait_status(&doomed_id, "dead").await;
    assert_eq!(dead["attempts"], 2);
    assert!(
        dead["last_error"]
            .as_str()
            .unwrap()
            .contains("asked to fail")
    );

    // Retrying a dead job queues it with fresh attempts; it fails twice more and dies again.
    let retried = w.act(&doomed_id, "retry").await;
    assert_eq!(retried.status, 200, "{:?}", retried.body);
    assert_eq!(retried.body["status"], "queued");
    assert_eq!(retried.body["attempts"], 0);
    let dead_again = w.wait_status(&doomed_id, "dead").await;
    assert_eq!(dead_again["attempts"], 2);

    // A succeeded job cannot be retried.
    let refused = w.act(&flaky_id, "retry").await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.body["error"]["code"], "conflict");
}

/// A job waiting for its next attempt is `retryable` (never `failed`), with the error of its
/// last attempt; `retry` runs it now and keeps the attempts it used.
#[tokio::test(flavor = "multi_thread")]
async fn a_job_waiting_for_its_next_attempt_is_retryable_and_retry_runs_it_now() {
    let w = ApiWorld::start().await;
    let (api, token) = (&w.api, &w.token);
    let _worker = w.stack.worker("w1", &[], &[]);
    let id = w.submit_failing(10, 10).await;
    // After the fourth failure the backoff is 4 to 8 seconds: time to look and act.
    let waiting = wait_until(
        "the fourth attempt to fail",
        Duration::from_secs(60),
        || async {
            let shown = api.get(&format!("/v1/jobs/{id}"), Some(token)).await;
            (shown.body["status"] == "retryable" && shown.body["attempts"] == 4)
                .then_some(shown.body)
        },
    )
    .await;
    assert!(
        waiting["last_error"]
            .as_str()
            .unwrap()
            .contains("asked to fail attempt 4"),
        "{waiting}"
    );
    let retried = w.act(&id, "retry").await;
    assert_eq!(retried.status, 200, "{:?}", retried.body);
    assert_eq!(retried.body["status"], "queued");
    assert_eq!(
        retried.body["attempts"], 4,
        "a retryable job keeps its attempts"
    );
    let listed = api.get("/v1/jobs?status=failed", Some(token)).await;
    listed.assert_error(400, "bad_request");
}

#[tokio::test(flavor = "multi_thread")]
async fn dedupe_keys_return_the_existing_job_and_cancel_stops_a_queued_one() {
    let w = ApiWorld::start().await;
    let (api, token) = (&w.api, &w.token);
    // No worker runs yet, so jobs stay queued.
    let body = json!({"kind": "noop", "dedupe_key": "nightly-2026-11-21"});
    let first = api.post("/v1/jobs", Some(token), &body).await;
    let second = api.post("/v1/jobs", Some(token), &body).await;
    assert_eq!(first.status, 202);
    assert_eq!(second.status, 200);
    assert_eq!(first.body["id"], second.body["id"]);
    assert_eq!(second.body["duplicate"], true);

    let id = first.body["id"].as_str().unwrap();
    let cancelled = w.act(&id, "cancel").await;
    assert_eq!(cancelled.body["status"], "cancelled");
    let again = w.act(&id, "cancel").await;
    assert_eq!(again.status, 409);

    // A worker started now never runs the cancelled job.
    let _worker = w.stack.worker("w1", &[], &[]);
    let probe_id = w.submit(&json!({"kind": "noop"})).await;
    w.wait_status(probe_id, "succeeded").await;
    let still = api.get(&format!("/v1/jobs/{id}"), Some(token)).await;
    assert_eq!(still.body["status"], "cancelled");
    assert_eq!(still.body["attempts"], 0);

    // A cancelled job can be run again, with fresh attempts.
    let retried = w.act(&id, "retry").await;
    assert_eq!(retried.body["status"], "queued", "{:?}", retried.body);
    w.wait_status(id, "succeeded").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn batches_insert_atomically_and_list_with_cursors() {
    let w = ApiWorld::start().await;
    let (api, token) = (&w.api, &w.token);

    let jobs: Vec<Value> = (0..120)
        .map(|i| json!({"kind": "noop", "priority": i % 3}))
        .collect();
    let reply = api
        .post("/v1/jobs/batch", Some(token), &json!({ "jobs": jobs }))
        .await;
    assert_eq!(reply.status, 202);
    assert_eq!(reply.body["data"].as_array().unwrap().len(), 120);

    // One bad job refuses the whole batch.
    let bad = json!({"jobs": [{"kind": "noop"}, {"kind": "noop", "payload": {"sleep_ms": "x"}}]});
    let refused = api.post("/v1/jobs/batch", Some(token), &bad).await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);

    let too_many: Vec<Value> = (0..1001).map(|_| json!({"kind": "noop"})).collect();
    let refused = api
        .post("/v1/jobs/batch", Some(token), &json!({ "jobs": too_many }))
        .await;
    assert_eq!(refused.status, 422);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/jobs?kind=noop&limit=50&cursor={c}"),
            None => "/v1/jobs?kind=noop&limit=50".to_owned(),
        };
        let page = api.get(&path, Some(token)).await;
        assert_eq!(page.status, 200);
        for job in page.body["data"].as_array().unwrap() {
            seen.push(job["id"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 120);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 120, "pages overlap");

    let bad_filter = api.get("/v1/jobs?status=bogus", Some(token)).await;
    assert_eq!(bad_filter.status, 400);
    assert_eq!(bad_filter.body["error"]["code"], "bad_request");
}
