//! Authentication and authorization over HTTP against the real `reachly-api serve`: bearer
//! tokens, permissions read from the database on every request (revocation is immediate),
//! tenant scoping of job ids, and JSON errors for malformed requests.

use reachly_tests::http::{Api, Reply};
use reachly_tests::jobs::{act, listed_ids, submit};
use reachly_tests::world::ApiWorld;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde_json::json;

/// Submits a noop job as `token` and returns its id.
async fn submit_noop(api: &Api, token: &str) -> String {
    submit(api, token, &json!({"kind": "noop"})).await
}

/// Asserts that `reply` refuses its credential (`401` or `403`) with an error code.
#[track_caller]
fn assert_refused(reply: &Reply, what: &str) {
    assert!(
        reply.status == 401 || reply.status == 403,
        "{what}: {reply:?}"
    );
    assert!(reply.body["error"]["code"].is_string(), "{what}: {reply:?}");
}

/// Replaces one character of the token's signature (its third, dot-separated part).
fn tamper_signature(token: &str) -> String {
    let dot = token.rfind('.').expect("a JWT has three parts");
    let mut bytes = token.as_bytes().to_vec();
    // A character in the middle of the signature: every bit of it is significant (the
    // last base64url character may carry padding bits).
    let at = dot + 1 + (token.len() - dot - 1) / 2;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn health_and_readiness_need_no_token_and_unknown_routes_are_json_404() {
    let world = ApiWorld::start().await;
    let (api, token) = (&world.api, &world.token);

    let health = api.get("/healthz", None).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");
    let ready = api.get("/readyz", None).await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body["status"], "ready");

    for path in ["/nope", "/v2/jobs", "/v1/jobs/abc/def/ghi"] {
        let reply = api.get(path, None).await;
        reply.assert_error(404, "not_found");
    }
    let reply = api.post("/v1/nothing", Some(token), &json!({})).await;
    reply.assert_error(404, "not_found");
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_without_a_valid_bearer_token_get_401() {
    let world = ApiWorld::start().await;
    let (api, token) = (&world.api, &world.token);
    // The genuine token works, so every 401 below is about the credential.
    assert_eq!(api.get("/v1/jobs", Some(token)).await.status, 200);

    // No token at all, on every protected route.
    for path in ["/v1/jobs", "/v1/jobs/0190a8e2-0000-7000-8000-000000000000"] {
        api.get(path, None).await.assert_error(401, "unauthorized");
    }
    let reply = api.post("/v1/jobs", None, &json!({"kind": "noop"})).await;
    reply.assert_error(401, "unauthorized");

    // Malformed Authorization headers.
    let malformed = [
        HeaderValue::from_static("Bearer"),
        HeaderValue::from_static("Bearer "),
        HeaderValue::from_static("Bearer not-a-jwt"),
        HeaderValue::from_static("Bearer a.b.c"),
        HeaderValue::from_str(&format!("Basic {token}")).unwrap(),
        HeaderValue::from_str(&format!("Token {token}")).unwrap(),
        HeaderValue::from_str(token).unwrap(),
        HeaderValue::from_str(&format!("Bearer {token}x")).unwrap(),
        HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
    ];
    for header in malformed {
        let request = api
            .request(Method::GET, "/v1/jobs")
            .header(AUTHORIZATION, header);
        api.send(request, None)
            .await
            .assert_error(401, "unauthorized");
    }

    // A genuine token whose signature was altered.
    let tampered = tamper_signature(token);
    assert_ne!(&tampered, token);
    let member = ["--organization", "acme", "--email", "ops@acme.test"];
    let refused = [
        tampered,
        // A well-formed token for a real member, signed with another secret.
        world
            .stack
            .token_with(&member, &[("REACHLY_JWT_SECRET", "some-other-secret")]),
        // A correctly signed token that expired an hour ago.
        world
            .stack
            .token_with(&[&member[..], &["--hours=-1"]].concat(), &[]),
        // A correctly signed token minted to live ten years: the API honours at most
        // REACHLY_TOKEN_MAX_LIFETIME_SECS (30 days by default) whoever minted it.
        world.stack.token_with(
            &[&member[..], &["--hours=87600"]].concat(),
            &[("REACHLY_TOKEN_MAX_LIFETIME_SECS", "400000000")],
        ),
    ];
    for token in &refused {
        let reply = api.get("/v1/jobs", Some(token)).await;
        reply.assert_error(401, "unauthorized");
    }

    // None of the refused requests created anything.
    assert_eq!(world.job_count().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn members_need_the_permission_and_viewers_can_read() {
    let world = ApiWorld::start().await;
    let (stack, api) = (&world.stack, &world.api);
    let viewer = stack.token("acme", "viewer@acme.test", "viewer");
    let consultant = stack.token("acme", "consultant@acme.test", "consultant");
    let id = submit_noop(api, &world.token).await;

    // Submitting, cancelling and retrying need ops.manage, which neither role has.
    for token in [&viewer, &consultant] {
        let one = json!({"kind": "noop"});
        let batch = json!({"jobs": [one]});
        for (path, body) in [("/v1/jobs", &one), ("/v1/jobs/batch", &batch)] {
            let reply = api.post(path, Some(token), body).await;
            reply.assert_error(403, "forbidden");
        }
        for action in ["cancel", "retry"] {
            let reply = act(api, token, &id, action).await;
            reply.assert_error(403, "forbidden");
        }
    }

    // ops.view is enough to read.
    for token in [&viewer, &consultant] {
        assert_eq!(listed_ids(api, token, "/v1/jobs").await, [id.as_str()]);
        let one = api.get(&format!("/v1/jobs/{id}"), Some(token)).await;
        assert_eq!(one.status, 200);
        assert_eq!(one.body["id"], id.as_str());
        assert_eq!(one.body["status"], "queued");
    }

    // The refused requests changed nothing.
    let rows: Vec<(String,)> = sqlx::query_as("select status from job_runs")
        .fetch_all(&world.maint)
        .await
        .unwrap();
    assert_eq!(rows, vec![("queued".to_owned(),)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn membership_and_role_changes_take_effect_on_the_next_request() {
    let world = ApiWorld::start().await;
    let (stack, api) = (&world.stack, &world.api);
    let (maint, token) = (world.maint.clone(), world.token.clone());
    submit_noop(api, &token).await;

    let set_status = |status: &'static str| {
        let maint = maint.clone();
        async move {
            let n = sqlx::query(
                "update memberships m set status = $1
                   from users u where u.id = m.user_id and u.email = 'ops@acme.test'",
            )
            .bind(status)
            .execute(&maint)
            .await
            .unwrap()
            .rows_affected();
            assert_eq!(n, 1);
        }
    };

    let exec = async |sql: &str| {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&maint)
            .await
            .unwrap();
    };
    let noop = json!({"kind": "noop"});

    for status in ["suspended", "revoked", "invited"] {
        set_status(status).await;
        // The very same token is refused at once, for reads and writes alike.
        assert_refused(&api.get("/v1/jobs", Some(&token)).await, status);
        assert_refused(&api.post("/v1/jobs", Some(&token), &noop).await, status);
        set_status("active").await;
        assert_eq!(api.get("/v1/jobs", Some(&token)).await.status, 200);
    }

    // Downgrading the role removes the permission at once.
    exec(
        "update memberships set role_id = (select id from roles where key = 'viewer')
          where user_id = (select id from users where email = 'ops@acme.test')",
    )
    .await;
    let reply = api.post("/v1/jobs", Some(&token), &noop).await;
    reply.assert_error(403, "forbidden");
    assert_eq!(api.get("/v1/jobs", Some(&token)).await.status, 200);

    // Deleting the membership, or soft-deleting the user, leaves the token worthless.
    exec(
        "delete from memberships
          where user_id = (select id from users where email = 'ops@acme.test')",
    )
    .await;
    let reply = api.get("/v1/jobs", Some(&token)).await;
    reply.assert_error(401, "unauthorized");

    let token = stack.token("acme", "ops@acme.test", "admin");
    assert_eq!(api.get("/v1/jobs", Some(&token)).await.status, 200);
    exec("update users set deleted_at = now() where email = 'ops@acme.test'").await;
    assert_refused(&api.get("/v1/jobs", Some(&token)).await, "deleted user");

    // Soft-deleting the organization has the same effect for its other members.
    let other = stack.token("acme", "other@acme.test", "admin");
    assert_eq!(api.get("/v1/jobs", Some(&other)).await.status, 200);
    exec("update organizations set deleted_at = now() where slug = 'acme'").await;
    assert_refused(
        &api.get("/v1/jobs", Some(&other)).await,
        "deleted organization",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn another_organizations_job_is_not_found() {
    let world = ApiWorld::start().await;
    let (stack, api, alice) = (&world.stack, &world.api, &world.token);
    let mallory = stack.token("globex", "ops@globex.test", "admin");
    // The same person in both organizations: the token's organization decides.
    let both_in_globex = stack.token("globex", "ops@acme.test", "admin");
    let acme_job = submit_noop(api, alice).await;
    let globex_job = submit_noop(api, &mallory).await;

    for token in [&mallory, &both_in_globex] {
        let reply = api.get(&format!("/v1/jobs/{acme_job}"), Some(token)).await;
        reply.assert_error(404, "not_found");
        for action in ["cancel", "retry"] {
            let reply = act(api, token, &acme_job, action).await;
            reply.assert_error(404, "not_found");
        }
        assert_eq!(
            listed_ids(api, token, "/v1/jobs").await,
            [globex_job.as_str()]
        );
        // Paging from a cursor that is the other tenant's job reveals nothing either.
        let page = listed_ids(api, token, &format!("/v1/jobs?cursor={acme_job}")).await;
        assert!(!page.contains(&acme_job));
    }

    // The same dedupe key in two organizations makes two jobs.
    let body = json!({"kind": "noop", "dedupe_key": "nightly"});
    let first = api.post("/v1/jobs", Some(alice), &body).await;
    let second = api.post("/v1/jobs", Some(&mallory), &body).await;
    assert_eq!((first.status.as_u16(), second.status.as_u16()), (202, 202));
    assert_ne!(first.body["id"], second.body["id"]);

    // The acme job is untouched and still visible to its owner.
    let mine = api.get(&format!("/v1/jobs/{acme_job}"), Some(alice)).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["status"], "queued");
    let cancelled = act(api, alice, &acme_job, "cancel").await;
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.body["status"], "cancelled");
}

#[tokio::test(flavor = "multi_thread")]
async fn job_ids_that_are_not_uuids_are_json_400() {
    let world = ApiWorld::start().await;
    let (api, token) = (&world.api, &world.token);
    for raw in ["not-a-uuid", "123", "0190a8e2-0000-7000-8000-00000000000g"] {
        let reply = api.get(&format!("/v1/jobs/{raw}"), Some(token)).await;
        reply.assert_error(400, "bad_request");
        for action in ["cancel", "retry"] {
            let reply = act(api, token, &raw, action).await;
            reply.assert_error(400, "bad_request");
        }
    }
    // A well-formed id that names no job is 404.
    let missing = uuid::Uuid::now_v7();
    let reply = api.get(&format!("/v1/jobs/{missing}"), Some(token)).await;
    reply.assert_error(404, "not_found");
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_bodies_get_json_errors_with_the_right_status() {
    let world = ApiWorld::start().await;
    let (api, token) = (&world.api, &world.token);

    // Not JSON at all: 400.
    for body in [
        "{not json",
        "",
        "{\"kind\": \"noop\"",
        "{\"kind\": \"noop\",",
        "{\"kind\": \"noop\"} trailing",
        "{\"kind\": 7",
        "[1, 2",
    ] {
        let reply = api.post_raw("/v1/jobs", Some(token), body).await;
        reply.assert_error(400, "bad_request");
    }

    // Well-formed JSON of the wrong shape, or naming what does not exist: 422.
    let wrong = [
        json!({"kind": "noop", "colour": "blue"}),
        json!({"kind": 7}),
        json!({"kind": "noop", "priority": "high"}),
        json!({"kind": "noop", "max_attempts": "three"}),
        json!({"kind": "noop", "run_at": "yesterday"}),
        json!({"payload": {}}),
        json!({"kind": "teleport"}),
        json!({"kind": "noop", "priority": 101}),
        json!({"jobs": []}),
        json!(["noop", {"sleep_ms": 1}, 5]),
        json!("noop"),
    ];
    for body in &wrong {
        let reply = api.post("/v1/jobs", Some(token), body).await;
        reply.assert_error(422, "unprocessable");
    }
    let unknown = api
        .post("/v1/jobs", Some(token), &json!({"kind": "teleport"}))
        .await;
    assert!(
        unknown.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("teleport"),
        "{:?}",
        unknown.body
    );
    let batch = api
        .post(
            "/v1/jobs/batch",
            Some(token),
            &json!({"jobs": [{"kind": "noop"}], "extra": true}),
        )
        .await;
    batch.assert_error(422, "unprocessable");

    // More than 4 MiB: 413, for a single job and for a batch.
    let padding = "x".repeat(4 * 1024 * 1024 + 1);
    for (path, body) in [
        (
            "/v1/jobs",
            json!({"kind": "noop", "payload": {"pad": padding}}),
        ),
        (
            "/v1/jobs/batch",
            json!({"jobs": [{"kind": "noop", "payload": {"pad": padding}}]}),
        ),
    ] {
        let bytes = serde_json::to_vec(&body).unwrap();
        assert!(bytes.len() > 4 * 1024 * 1024);
        let request = api
            .request(Method::POST, path)
            .header(CONTENT_TYPE, "application/json")
            .body(bytes);
        let reply = api.send(request, Some(token)).await;
        reply.assert_error(413, "payload_too_large");
    }

    // Nothing was created by any refused request, and a good one still works.
    assert_eq!(world.job_count().await, 0);
    submit_noop(api, token).await;
}
