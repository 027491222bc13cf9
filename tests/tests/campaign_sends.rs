//! Campaign sends end to end: real API, real worker processes, real Postgres and Redis.
//! Determinism across batch sizes and worker counts, recovery from kill -9, who is never
//! sent to, launch conflicts and cancellation.

use std::time::Duration;

use reachly_tests::db::{scalar, scalar_with};
use reachly_tests::sends::{Audience, CAMPAIGN, EXCLUDED, SendWorld, contact};
use serde_json::json;
use uuid::Uuid;

const LIMIT: Duration = Duration::from_secs(240);

/// The launch every comparison uses, with its batch size.
fn launch_body(batch_size: u32) -> serde_json::Value {
    json!({
        "seed": 20261122,
        "start_at": "2026-01-05T09:00:00Z",
        "batch_size": batch_size,
        // More clicks than the defaults, so a few hundred recipients submit forms.
        "simulation": { "click_rate": 0.15, "open_rate": 0.4, "form_submit_rate": 0.5 },
    })
}

async fn send_digest(
    audience: Audience,
    workers: usize,
    batch_size: u32,
) -> reachly_tests::sends::SendDigest {
    let world = SendWorld::start(audience, workers).await;
    world.launch(launch_body(batch_size)).await;
    world.wait_completed(CAMPAIGN, LIMIT).await;
    world.digest(CAMPAIGN).await
}

#[tokio::test(flavor = "multi_thread")]
async fn same_seed_gives_identical_events_across_batch_sizes_and_worker_counts() {
    let audience = Audience::with_exclusions(400);
    let reference = send_digest(audience, 1, 500).await;
    assert_eq!(
        reference.assignments.0, 400,
        "exactly the valid contacts are assigned"
    );
    assert!(reference.events.0 > 800, "events: {:?}", reference.events);
    assert!(reference.leads.0 > 0, "some recipients submit the form");
    for (workers, batch_size) in [(1, 7), (1, 1), (2, 500), (2, 7)] {
        let digest = send_digest(audience, workers, batch_size).await;
        assert_eq!(
            digest, reference,
            "{workers} worker(s), batches of {batch_size}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_mid_send_ends_with_the_fault_free_events() {
    let audience = Audience::valid_only(1_500);
    let fault_free = send_digest(audience, 1, 5).await;

    let mut world = SendWorld::start(audience, 2).await;
    world.launch(launch_body(5)).await;
    reachly_tests::wait_until("some batches to be done", LIMIT, || async {
        (world.batches_done().await >= 10).then_some(())
    })
    .await;
    world.workers[0].kill9();
    let done_at_kill = world.batches_done().await;
    world.add_worker();
    world.wait_completed(CAMPAIGN, LIMIT).await;
    assert!(
        done_at_kill < 300,
        "the kill landed mid-send ({done_at_kill} of 300 batches)"
    );
    assert_eq!(world.digest(CAMPAIGN).await, fault_free);
}

#[tokio::test(flavor = "multi_thread")]
async fn excluded_contacts_receive_nothing_and_a_second_campaign_skips_bounces() {
    let audience = Audience::with_exclusions(300);
    let world = SendWorld::start(audience, 1).await;
    // Many hard bounces and unsubscribes, so the second campaign has some to skip.
    world
        .launch(json!({
            "seed": 7,
            "simulation": { "hard_bounce_rate": 0.2, "open_rate": 0.5, "unsubscribe_rate": 0.05 },
        }))
        .await;
    world.wait_completed(CAMPAIGN, LIMIT).await;
    let excluded: Vec<Uuid> = EXCLUDED
        .iter()
        .map(|(i, _)| contact(audience.valid + i))
        .collect();
    let reached: i64 = scalar_with(
        &world.maint,
        "select count(*) from events where contact_id = any($1)",
        &excluded,
    )
    .await;
    assert_eq!(
        reached, 0,
        "risky, invalid, unsubscribed, bounced, complained, deleted, suppressed"
    );

    let (bounced, unsubscribed): (i64, i64) = sqlx::query_as(
        "select count(*) filter (where subscription_status = 'bounced'),
                count(*) filter (where subscription_status = 'unsubscribed')
           from contacts where id in (select contact_id from campaign_contact_assignments)",
    )
    .fetch_one(&world.maint)
    .await
    .unwrap();
    let hard_bounce_events: i64 = scalar(&world.maint, "select count(*) from events where event_type = 'bounce' and event_data ->> 'bounce_type' = 'hard'").await;
    assert_eq!(
        bounced, hard_bounce_events,
        "each hard bounce marks its contact bounced"
    );
    assert!(
        bounced > 20 && unsubscribed > 0,
        "bounced {bounced}, unsubscribed {unsubscribed}"
    );

    let second = Uuid::now_v7();
    world.add_campaign(second).await;
    let reply = world.launch_reply(second, json!({ "seed": 8 })).await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
    world.wait_completed(second, LIMIT).await;
    let (assigned, previously_lost): (i64, i64) = sqlx::query_as(
        "select count(*),
                count(*) filter (where contact_id in (
                    select contact_id from events
                     where campaign_id = $2 and (event_type in ('unsubscribe', 'complaint')
                        or (event_type = 'bounce' and event_data ->> 'bounce_type' = 'hard'))))
           from campaign_contact_assignments where campaign_id = $1",
    )
    .bind(second)
    .bind(CAMPAIGN)
    .fetch_one(&world.maint)
    .await
    .unwrap();
    assert_eq!(
        previously_lost, 0,
        "the second campaign skips the first one's bounces and unsubscribes"
    );
    assert_eq!(assigned, 300 - bounced - unsubscribed);
}

#[tokio::test(flavor = "multi_thread")]
async fn launching_twice_is_a_conflict_and_cancel_stops_a_scheduled_campaign() {
    let world = SendWorld::start(Audience::valid_only(20), 1).await;
    let later = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let launched = world.launch(json!({ "scheduled_at": later })).await;
    assert_eq!(launched["campaign"]["status"], "scheduled");
    let job = launched["job"]["id"].as_str().unwrap().to_owned();

    // An empty body is a launch with every default; this one conflicts.
    let again = world
        .api
        .post_raw(
            &format!("/v1/campaigns/{CAMPAIGN}/launch"),
            Some(&world.token),
            "",
        )
        .await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert_eq!(again.body["error"]["code"], "conflict");

    let bad = world
        .launch_reply(
            Uuid::now_v7(),
            json!({ "simulation": { "open_rate": 2.0 } }),
        )
        .await;
    assert_eq!(bad.status, 404, "unknown campaign: {:?}", bad.body);
    world.add_campaign(Uuid::from_u128(42)).await;
    let bad = world
        .launch_reply(
            Uuid::from_u128(42),
            json!({ "simulation": { "open_rate": 2.0 } }),
        )
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert!(
        bad.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("open_rate")
    );
    let bad = world
        .launch_reply(Uuid::from_u128(42), json!({ "batch_size": 0 }))
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);

    let path = format!("/v1/campaigns/{CAMPAIGN}/cancel");
    let cancelled = world.api.post(&path, Some(&world.token), &json!({})).await;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);
    let again = world.api.post(&path, Some(&world.token), &json!({})).await;
    assert_eq!(
        again.status, 409,
        "a cancelled campaign cannot be cancelled again"
    );
    let job_status: String = scalar_with(
        &world.maint,
        "select status from job_runs where id = $1::uuid",
        &job,
    )
    .await;
    assert_eq!(
        job_status, "cancelled",
        "the delayed launch job will not run"
    );
    let draft = world
        .api
        .post(
            "/v1/campaigns/00000000-0000-0000-0000-00000000002a/cancel",
            Some(&world.token),
            &json!({}),
        )
        .await;
    assert_eq!(
        draft.status, 409,
        "a draft is not cancellable: {:?}",
        draft.body
    );
}
