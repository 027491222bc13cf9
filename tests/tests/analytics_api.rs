//! The analytics routes' contract: date ranges, permissions, tenant isolation, the lead
//! status pipeline and the leads dashboard, and manual `event_aggregation` submissions.

use reachly_tests::campaigns::{CampaignWorld, NewLead};
use reachly_tests::http::Reply;
use serde_json::json;
use uuid::Uuid;

fn lead(status: &'static str, n: u32) -> NewLead {
    NewLead {
        status,
        email: format!("lead{n}@example.com"),
        first_name: format!("Lead{n}"),
        response: json!({}),
    }
}

/// `PATCH /v1/leads/{id}` with `body` as `token`.
async fn patch(world: &CampaignWorld, id: Uuid, token: &str, body: serde_json::Value) -> Reply {
    let path = format!("/v1/leads/{id}");
    world.api.patch(&path, Some(token), &body).await
}

#[tokio::test(flavor = "multi_thread")]
async fn ranges_are_checked_and_other_organizations_see_nothing() {
    let world = CampaignWorld::start().await;
    let campaign = world.draft(&world.token, None).await;
    let metrics = format!("/v1/campaigns/{campaign}/metrics");
    for (query, status, code) in [
        ("?from=2026-11-31", 400, "bad_request"),
        ("?from=yesterday", 400, "bad_request"),
        ("?from=2026-11-20&to=2026-11-10", 422, "unprocessable"),
        ("?from=2025-01-01&to=2026-01-03", 422, "unprocessable"),
    ] {
        let reply = world.admin_get(&format!("{metrics}{query}")).await;
        reply.assert_error(status, code);
        let reply = world
            .admin_get(&format!("/v1/analytics/campaigns{query}"))
            .await;
        reply.assert_error(status, code);
    }
    let reply = world
        .admin_get(&format!("{metrics}?from=2025-01-01&to=2026-01-02"))
        .await;
    assert_eq!(
        reply.status, 200,
        "366 days apart is allowed: {:?}",
        reply.body
    );
    let reply = world.admin_get(&metrics).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["days"], json!([]), "a draft has no days");
    assert_eq!(reply.body["totals"]["sent"], 0);
    assert_eq!(
        reply.body["totals"]["rates"]["delivery_rate"]["value"],
        json!(null)
    );

    world.assert_not_found_elsewhere(&metrics, "/metrics").await;
    world
        .assert_not_found_elsewhere(&format!("{metrics}/segments"), "/metrics/segments")
        .await;
    let mine = world.admin_get("/v1/analytics/campaigns").await;
    assert_eq!(mine.body["campaigns"][0]["id"], json!(campaign));
    let theirs = world
        .api
        .get("/v1/analytics/campaigns", Some(&world.rival))
        .await;
    assert_eq!(theirs.status, 200);
    assert_eq!(theirs.body["campaigns"], json!([]));
    let theirs = world
        .api
        .get("/v1/analytics/campaigns?status=draft", Some(&world.rival))
        .await;
    assert_eq!(theirs.body["campaigns"], json!([]));
    world
        .admin_get("/v1/analytics/campaigns?status=paused")
        .await
        .assert_error(400, "bad_request");
    let viewer = world.api.get(&metrics, Some(&world.viewer)).await;
    assert_eq!(viewer.status, 200, "campaign.read is enough");
}

#[tokio::test(flavor = "multi_thread")]
async fn leads_move_along_their_pipeline_and_the_dashboard_counts_them() {
    let world = CampaignWorld::start().await;
    let org = world.org("acme").await;
    let plan = json!([{"key": "plan", "label": "Plan", "field_type": "text"}]);
    let form = world.form(&world.token, "quote", plan).await;
    let campaign = world.draft(&world.token, Some(&form)).await;
    let mut leads = Vec::new();
    for n in 0..4 {
        leads.push(
            world
                .insert_lead(org, &campaign, &form, &lead("new", n))
                .await,
        );
    }
    let status = |s: &str| json!({ "status": s });

    let reply = patch(&world, leads[0], &world.token, status("contacted")).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["previous_status"], "new");
    assert_eq!(reply.body["status"], "contacted");
    // (lead, who, body, expected status): each step of the pipeline, refusals included.
    let (admin, viewer, rival) = (&world.token, &world.viewer, &world.rival);
    let steps = [
        (0, admin, status("converted"), 409),
        (0, admin, status("qualified"), 200),
        (0, admin, status("converted"), 200),
        (0, admin, status("lost"), 409),
        (1, admin, status("lost"), 200),
        (1, admin, status("new"), 409),
        (2, admin, status("won"), 422),
        (2, admin, json!({"status": "qualified", "note": 1}), 422),
        (2, viewer, status("qualified"), 403),
        (2, rival, status("qualified"), 404),
    ];
    for (n, token, body, expected) in steps {
        let reply = patch(&world, leads[n], token, body.clone()).await;
        assert_eq!(reply.status, expected, "lead {n} {body}: {:?}", reply.body);
    }
    patch(&world, Uuid::now_v7(), admin, status("qualified"))
        .await
        .assert_error(404, "not_found");
    let malformed = world
        .api
        .request(reqwest::Method::PATCH, "/v1/leads/42")
        .json(&status("lost"));
    world
        .api
        .send(malformed, Some(&world.token))
        .await
        .assert_error(400, "bad_request");

    let reply = world.admin_get("/v1/analytics/leads").await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let source = &reply.body["sources"][0];
    assert_eq!(source["source"], "landing_page");
    assert_eq!(source["leads"], 4);
    assert_eq!(
        source["by_status"],
        json!({"new": 2, "contacted": 0, "qualified": 0, "converted": 1, "lost": 1})
    );
    assert_eq!(source["conversion_rate"]["value"], json!(0.25));
    assert_eq!(
        source["conversion_rate"]["numerator"],
        json!({"name": "converted", "value": 1})
    );
    assert_eq!(reply.body["totals"]["leads"], 4);
    let rival = world
        .api
        .get("/v1/analytics/leads", Some(&world.rival))
        .await;
    assert_eq!(rival.body["sources"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn aggregation_by_hand_needs_ops_manage_and_recent_days() {
    let world = CampaignWorld::start().await;
    let today = chrono::Utc::now().date_naive();
    let submit = |token: &str, payload: serde_json::Value| {
        let body = json!({ "kind": "event_aggregation", "payload": payload });
        let (api, token) = (&world.api, token.to_owned());
        async move { api.post("/v1/jobs", Some(&token), &body).await }
    };
    let old = today - chrono::Duration::days(401);
    let reply = submit(&world.token, json!({ "days": [today, old] })).await;
    reply.assert_error(422, "unprocessable");
    let message = reply.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("days[1]"), "{message}");
    let tomorrow = today + chrono::Duration::days(1);
    submit(&world.token, json!({ "days": [tomorrow] }))
        .await
        .assert_error(422, "unprocessable");
    submit(&world.token, json!({ "days": ["2026-02-30"] }))
        .await
        .assert_error(422, "unprocessable");
    submit(&world.viewer, json!({}))
        .await
        .assert_error(403, "forbidden");
    let reply = submit(
        &world.token,
        json!({ "days": [today - chrono::Duration::days(400)] }),
    )
    .await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
    let reply = world
        .api
        .post(
            "/v1/jobs",
            Some(&world.token),
            &json!({ "kind": "event_aggregation" }),
        )
        .await;
    assert_eq!(
        reply.status, 202,
        "the payload is optional: {:?}",
        reply.body
    );
    assert_eq!(reply.body["payload"], json!({}));
}
