//! Hostile input replayed against the real API and worker: each finding of the attack probe
//! gets the right status and the JSON error shape, and the worker stays responsive (a small
//! import completes while the hostile one is handled).

use std::time::Duration;

use reachly_tests::campaigns::CampaignWorld;
use reachly_tests::http::Api;
use reachly_tests::lists::{ListWorld, upload, wait_validated};
use reachly_tests::wait_until;
use serde_json::{Value, json};

/// Waits until the list is `failed`; its body.
async fn wait_failed(api: &Api, token: &str, id: &str) -> Value {
    wait_until("the list to fail", Duration::from_secs(60), || async {
        let reply = api
            .get(&format!("/v1/contact-lists/{id}"), Some(token))
            .await;
        (reply.body["status"] == "failed").then_some(reply.body)
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_csv_files_fail_fast_with_a_reason_and_the_worker_keeps_importing() {
    let w = ListWorld::start().await;
    let (api, token) = (&w.api, w.token.as_str());

    // 4,000 identical header names (this hung an import worker for good) and a 1 MB single
    // line of addresses (read as a header-less row of 50,000 columns).
    let n = 4_000;
    let dup = format!(
        "email,{}\ns@mail-ok.test{}\n",
        vec!["dup"; n].join(","),
        ",x".repeat(n)
    );
    let dup_list = upload(api, token, "dup header", "list.csv", dup.into_bytes())
        .await
        .list;
    let line = "someone@mail-ok.test,".repeat(50_000);
    let line_list = upload(api, token, "one line", "list.csv", line.into_bytes())
        .await
        .list;
    // A header without an email column, 900 columns of 500 bytes: its error names every
    // column, so the stored message is cut.
    let wide = (0..900)
        .map(|i| format!("{i}{}", "h".repeat(495)))
        .collect::<Vec<_>>()
        .join(",");
    let wide_list = upload(
        api,
        token,
        "wide",
        "list.csv",
        format!("{wide}\n").into_bytes(),
    )
    .await
    .list;
    let fine = upload(
        api,
        token,
        "fine",
        "list.csv",
        b"email\nann@mail-ok.test\nbob@mail-ok.test\n".to_vec(),
    )
    .await
    .list;

    let validated = wait_validated(api, token, &fine, Duration::from_secs(60)).await;
    assert_eq!(validated["valid_count"], 2, "{validated}");
    let failed = wait_failed(api, token, &dup_list).await;
    assert_eq!(
        failed["failure_reason"],
        "the first row has 4001 columns; at most 1000 are accepted"
    );
    let failed = wait_failed(api, token, &line_list).await;
    assert!(
        failed["failure_reason"]
            .as_str()
            .unwrap()
            .starts_with("the first row has 50001 columns"),
        "{failed}"
    );
    let failed = wait_failed(api, token, &wide_list).await;
    let reason = failed["failure_reason"].as_str().unwrap();
    assert!(
        reason.ends_with("bytes in all)"),
        "{}",
        &reason[reason.len() - 80..]
    );
    assert!(reason.len() < 5_000, "{} bytes", reason.len());

    // The job listing stays small: every stored error is cut to a few KB.
    let jobs = api.get("/v1/jobs?kind=import&limit=20", Some(token)).await;
    assert_eq!(jobs.status, 200);
    for job in jobs.body["data"].as_array().unwrap() {
        let error = job["last_error"].as_str().unwrap_or_default();
        assert!(error.len() < 5_000, "last_error of {} bytes", error.len());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn special_use_domains_are_invalid_without_a_dns_query() {
    let w = ListWorld::start().await;
    let (api, token) = (&w.api, w.token.as_str());
    let csv = "email\nme@host.localhost\nme@link.local\nme@anything.arpa\nme@valid.invalid\n\
               me@onion.onion.onion\nme@yy--0.tld\nok@mail-ok.test\n";
    let list = upload(api, token, "special", "list.csv", csv.as_bytes().to_vec())
        .await
        .list;
    let shown = wait_validated(api, token, &list, Duration::from_secs(60)).await;
    assert_eq!(shown["invalid_count"], 6, "{shown}");
    assert_eq!(shown["valid_count"], 1, "{shown}");
    let contacts = api
        .get(
            &format!("/v1/contact-lists/{list}/contacts?validation_status=invalid"),
            Some(token),
        )
        .await;
    for contact in contacts.body["data"].as_array().unwrap() {
        let reasons = &contact["validation_details"]["reasons"];
        let email = contact["email"].as_str().unwrap();
        let expected = if email.ends_with("yy--0.tld") {
            "syntax_invalid"
        } else {
            "special_use_domain"
        };
        assert_eq!(reasons[0], expected, "{email}: {reasons}");
    }
    // Only mail-ok.test was asked of DNS: no query ever leaves for a special-use name.
    let asked = w.dns.queried_names();
    assert!(
        asked
            .iter()
            .all(|name| name.trim_end_matches('.').ends_with("mail-ok.test")),
        "{asked:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_the_right_status_and_the_json_error_shape() {
    let w = CampaignWorld::start().await;
    let (api, admin) = (&w.api, w.token.as_str());

    // NUL in any stored text, a 100 KB name, a 1,000-character subject, a payload that is
    // not an object, a run_at outside [2000-01-01, now + 1 year]: 422 naming the field.
    let refused = [
        (
            "/v1/email-templates",
            json!({ "name": "a\u{0}b" }),
            "`name`",
        ),
        (
            "/v1/jobs",
            json!({ "kind": "noop", "dedupe_key": "k\u{0}" }),
            "`dedupe_key`",
        ),
        (
            "/v1/email-templates",
            json!({ "name": "n".repeat(100_000) }),
            "`name`",
        ),
        (
            "/v1/email-templates",
            json!({ "name": "ok", "subject": "s".repeat(1_000) }),
            "`subject`",
        ),
        (
            "/v1/jobs",
            json!({ "kind": "noop", "payload": [] }),
            "`payload`",
        ),
        (
            "/v1/jobs",
            json!({ "kind": "noop", "run_at": "1999-12-31T23:59:59Z" }),
            "`run_at`",
        ),
        (
            "/v1/jobs",
            json!({ "kind": "noop", "run_at": "9999-01-01T00:00:00Z" }),
            "`run_at`",
        ),
    ];
    for (path, body, field) in refused {
        let reply = api.post(path, Some(admin), &body).await;
        reply.assert_error(422, "unprocessable");
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{path}: {message}");
    }
    let reply = api
        .upload_list(
            admin,
            "n\u{0}ame",
            "l.csv",
            b"email\na@b.example\n".to_vec(),
        )
        .await;
    reply.assert_error(422, "unprocessable");
    let reply = api
        .post_raw(
            "/v1/jobs",
            Some(admin),
            r#"{"kind": "noop", "run_at": "-5000-01-01T00:00:00Z"}"#,
        )
        .await;
    assert!(
        reply.status == 400 || reply.status == 422,
        "{:?}",
        reply.body
    );
    assert!(reply.body["error"]["code"].is_string(), "{:?}", reply.body);

    // Two file parts in one upload.
    let form = reqwest::multipart::Form::new()
        .text("name", "twice")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"email\na@b.example\n".to_vec()).file_name("a.csv"),
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"email\nc@d.example\n".to_vec()).file_name("b.csv"),
        );
    let request = api
        .request(reqwest::Method::POST, "/v1/contact-lists")
        .multipart(form);
    let reply = api.send(request, Some(admin)).await;
    reply.assert_error(422, "unprocessable");

    // What axum's extractors answer on their own is rewritten into the shape: a path that is
    // not UTF-8, an upload that is not multipart, an unknown route and method.
    for (method, path, content_type, expected, code) in [
        ("GET", "/v1/jobs/%FF", None, 400, "bad_request"),
        (
            "POST",
            "/v1/contact-lists",
            Some("application/json"),
            400,
            "bad_request",
        ),
        ("GET", "/v1/nowhere", None, 404, "not_found"),
        ("DELETE", "/v1/jobs", None, 405, "method_not_allowed"),
    ] {
        let mut request = api.request(method.parse().unwrap(), path);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct).body("{}");
        }
        let reply = api.send(request, Some(admin)).await;
        assert_eq!(
            reply.content_type.as_deref(),
            Some("application/json"),
            "{method} {path}"
        );
        assert_eq!(reply.status, expected, "{method} {path}: {:?}", reply.body);
        assert_eq!(
            reply.body["error"]["code"], code,
            "{method} {path}: {:?}",
            reply.body
        );
    }

    // An unknown list has no contacts page and no errors page.
    let unknown = uuid::Uuid::now_v7();
    for page in ["contacts", "errors"] {
        let reply = api
            .get(&format!("/v1/contact-lists/{unknown}/{page}"), Some(admin))
            .await;
        reply.assert_error(404, "not_found");
    }
    // An events cursor that decodes to a time before 1970 (or before 4713 BC).
    let list = w.list(admin).await;
    let template = w.template(admin, "t").await;
    let campaign = w
        .post_campaign(admin, &list, &template, json!({}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cursor = format!(
        "{:016x}{}",
        (-210_000_000_000_000_000_i64) as u64,
        "0".repeat(32)
    );
    // And a NUL in a lead filter: the export used to send its header row, then drop the
    // connection; the listing failed alike.
    for page in [
        format!("events?cursor={cursor}"),
        "leads?field.plan=%00".to_owned(),
        "leads/export.csv?field.plan=%00".to_owned(),
    ] {
        let path = format!("/v1/campaigns/{campaign}/{page}");
        api.get(&path, Some(admin))
            .await
            .assert_error(400, "bad_request");
    }

    // Times a launch may set are bounded, naming the field.
    for (body, field) in [
        (json!({ "start_at": "9999-01-01T00:00:00Z" }), "start_at"),
        (json!({ "start_at": "2001-01-01T00:00:00Z" }), "start_at"),
        (
            json!({ "scheduled_at": "2001-01-01T00:00:00Z" }),
            "scheduled_at",
        ),
    ] {
        let reply = api
            .post(
                &format!("/v1/campaigns/{campaign}/launch"),
                Some(admin),
                &body,
            )
            .await;
        reply.assert_error(422, "unprocessable");
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{message}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_application_role_cannot_create_event_partitions_at_will() {
    let w = CampaignWorld::start().await;
    let org = w.org("acme").await;
    let app = w.stack.db.app().await;
    for (sql, code) in [
        ("select ensure_event_partitions('9999-01-01', 12)", "42501"),
        ("select ensure_send_partitions('9999-01-01', 12)", "22023"),
    ] {
        let mut tx = app.tenant(reachly_jobs::OrgId(org)).await.unwrap();
        let refused = sqlx::query(sql).execute(&mut **tx).await.unwrap_err();
        assert_eq!(
            refused
                .as_database_error()
                .and_then(|e| e.code())
                .as_deref(),
            Some(code),
            "{sql}: {refused}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_launch_fails_its_campaign_with_the_reason() {
    let w = CampaignWorld::start().await;
    let (api, admin) = (&w.api, w.token.as_str());
    let campaign = w.draft(admin, None).await;
    let reply = api
        .post(
            &format!("/v1/campaigns/{campaign}/launch"),
            Some(admin),
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
    // No worker runs here: whatever kills the job (its worker, the reaper, an operator), the
    // campaign must not stay `scheduled`.
    sqlx::query(
        "update job_runs set status = 'dead', last_error = 'worker lost: no heartbeat'
          where kind = 'launch' and payload->>'campaign_id' = $1",
    )
    .bind(&campaign)
    .execute(&w.maint)
    .await
    .unwrap();
    let shown = api
        .get(&format!("/v1/campaigns/{campaign}"), Some(admin))
        .await;
    assert_eq!(shown.body["status"], "failed", "{:?}", shown.body);
    let reason = shown.body["failure_reason"].as_str().unwrap();
    assert!(
        reason.ends_with("is dead: worker lost: no heartbeat"),
        "{reason}"
    );
}

/// Cancelling a long import stops it within seconds and frees its worker slot: with one import
/// at a time, a small list uploaded after the cancel is imported and validated while the big
/// file, which would take minutes to read, is not. The cancelled import's list is `failed`
/// with the reason (migration 0023), not `pending` for good.
#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_import_releases_its_worker_at_once() {
    let w = reachly_tests::world::ApiWorld::start().await;
    let (api, token) = (&w.api, w.token.as_str());
    let dns = reachly_tests::dns_server::DnsServer::start().await;
    let dns_addr = dns.addr.to_string();
    let _worker = w.stack.worker(
        "w",
        &["--concurrency", "1"],
        &[("REACHLY_DNS_SERVERS", dns_addr.as_str())],
    );

    // About 10 MB: most of a minute of parsing and COPY in a debug build.
    let mut big = String::from("email,first_name\n");
    for i in 0..400_000 {
        big.push_str(&format!("person{i}@mail-ok.test,P{i}\n"));
    }
    let big = upload(api, token, "big", "big.csv", big).await;
    let job = big.job.as_str();
    wait_until("the big import to run", Duration::from_secs(60), || async {
        let shown = api.get(&format!("/v1/jobs/{job}"), Some(token)).await;
        (shown.body["status"] == "running").then_some(())
    })
    .await;

    let cancelled = api
        .post(&format!("/v1/jobs/{job}/cancel"), Some(token), &json!({}))
        .await;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");

    let csv = "email\nann@mail-ok.test\nbob@mail-ok.test\n";
    let small = upload(api, token, "small", "small.csv", csv).await;
    let validated = wait_validated(api, token, &small.list, Duration::from_secs(60)).await;
    assert_eq!(validated["valid_count"], 2, "{validated}");

    let failed = wait_failed(api, token, &big.list).await;
    assert_eq!(
        failed["failure_reason"],
        format!("import job {job} was cancelled")
    );
    assert_eq!(
        failed["total_rows"], 0,
        "nothing of the cancelled import was kept"
    );
}
