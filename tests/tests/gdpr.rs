//! GDPR export and erasure driven as a broker would: lists uploaded and validated by a real
//! worker, a campaign sent to them (events with IP addresses, a lead with its form response),
//! a lead moved along its pipeline, a failed job that names the person; then an export and
//! an erasure over the API, proven complete by a superuser's dump of the whole database and
//! by every value in Redis.

use reachly_tests::db::{scalar, scalar_with};
use reachly_tests::gdpr::{completed, occurrences, redis_dump, request, superuser_dump};
use reachly_tests::lists::ListWorld;
use serde_json::{Value, json};

/// The person erased: an address, its local part and a name found nowhere else.
const ADDRESS: &str = "Zephyrine.Quillfeather@mail-ok.test";
const LOCAL_PART: &str = "Zephyrine.Quillfeather";
const NAME: &str = "Quillfeather";

/// Two lists naming the person, one of them also in a row that cannot be parsed.
const SPRING: &str = "\
email,first_name,last_name
Zephyrine.Quillfeather@mail-ok.test,Zephyrine,Quillfeather
ann@mail-ok.test,Ann,Archer
zephyrine.quillfeather@mail-ok.test,Zephyrine,Quillfeather,gold,extra
";
const FALL: &str = "\
email,first_name,last_name
ZEPHYRINE.QUILLFEATHER@mail-ok.test,Zephyrine,Quillfeather
bob@mail-ok.test,Bob,Baker
";

/// Every recipient opens, clicks and submits the form; nobody bounces or leaves.
fn lively_send() -> Value {
    json!({
        "seed": 7, "start_at": (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339(),
        "simulation": {
            "open_rate": 1.0, "click_rate": 1.0, "form_submit_rate": 1.0,
            "hard_bounce_rate": 0.0, "soft_bounce_rate": 0.0, "machine_open_rate": 0.0,
            "unsubscribe_rate": 0.0, "complaint_rate": 0.0,
        },
    })
}

/// A campaign with a form, sent to `list` until completed; its id.
async fn send_campaign(world: &ListWorld, list: &str) -> String {
    let made = |reply: reachly_tests::http::Reply| {
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    };
    let api = &world.api;
    let token = Some(world.token.as_str());
    let template = json!({ "name": "Plans", "subject": "Plans", "html_body": "<p>Hi</p>" });
    let template = made(api.post("/v1/email-templates", token, &template).await);
    let fields =
        json!([{"key": "email", "label": "Email", "field_type": "email", "required": true}]);
    let form = json!({ "name": "Quote", "slug": "quote", "fields": fields });
    let form = made(api.post("/v1/forms", token, &form).await);
    let campaign = json!({
        "name": "Open enrollment", "subject": "Plans", "from_name": "Acme",
        "from_email": "news@acme.test", "list_id": list, "template_id": template, "form_id": form,
    });
    let campaign = made(api.post("/v1/campaigns", token, &campaign).await);
    let launched = api
        .post(
            &format!("/v1/campaigns/{campaign}/launch"),
            token,
            &lively_send(),
        )
        .await;
    assert!(launched.status.is_success(), "{:?}", launched.body);
    let path = format!("/v1/campaigns/{campaign}");
    reachly_tests::wait_until(
        "the send to complete",
        std::time::Duration::from_secs(120),
        || async {
            let status = api.get(&path, token).await.body["status"].clone();
            (status == "completed").then_some(())
        },
    )
    .await;
    campaign
}

/// Rows of the person in `maint`'s view, per table (what the erasure must bring to zero).
async fn person_rows(maint: &sqlx::PgPool) -> Value {
    let count =
        |sql: &'static str| async move { scalar_with::<i64, _>(maint, sql, lower_address()).await };
    json!({
        "contacts": count("select count(*) from contacts where lower(email) = $1").await,
        "memberships": count("select count(*) from contact_list_members m join contacts c
                               on c.organization_id = m.organization_id and c.id = m.contact_id
                              where lower(c.email) = $1").await,
        "events": count("select count(*) from events e join contacts c
                          on c.organization_id = e.organization_id and c.id = e.contact_id
                         where lower(c.email) = $1 and e.ip_address is not null").await,
        "leads": count("select count(*) from leads where lower(email) = $1").await,
        "import_errors": count("select count(*) from list_import_errors
                                 where lower(raw_line) like '%' || $1 || '%'").await,
    })
}

fn lower_address() -> String {
    ADDRESS.to_lowercase()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_erased_person_is_in_no_table_no_dump_and_no_redis_and_never_comes_back() {
    let world = ListWorld::start().await;
    let (api, token) = (&world.api, world.token.as_str());
    let (spring, _) = world.upload_validated("Spring", "spring.csv", SPRING).await;
    world.upload_validated("Fall", "fall.csv", FALL).await;
    send_campaign(&world, &spring).await;

    // A lead of theirs moved along the pipeline (an audit row with its changes).
    let lead: uuid::Uuid = scalar_with(
        &world.maint,
        "select id from leads where lower(email) = $1",
        lower_address(),
    )
    .await;
    let moved = api
        .patch(
            &format!("/v1/leads/{lead}"),
            Some(token),
            &json!({ "status": "contacted" }),
        )
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    // A job keyed by their address that failed with an error message naming them.
    let job = world
        .submit(
            &json!({ "kind": "noop", "payload": { "fail_times": 1 }, "max_attempts": 1,
                         "dedupe_key": format!("welcome:{ADDRESS}") }),
        )
        .await;
    world.wait_status(&job, "dead").await;
    reachly_tests::db::execute(
        &world.maint,
        &format!("update job_runs set last_error = 'mailbox {ADDRESS} refused the welcome' where id = '{job}'"),
    )
    .await;
    // An export of theirs waiting for its download.
    let export = completed(api, token, "export", ADDRESS).await;
    assert!(export["export"]["bytes"].as_i64().unwrap() > 0, "{export}");

    let before = person_rows(&world.maint).await;
    for (table, rows) in before.as_object().unwrap() {
        assert!(
            rows.as_i64().unwrap() > 0,
            "the person has {table} before: {before}"
        );
    }

    let erasure = completed(api, token, "erasure", &ADDRESS.to_uppercase()).await;
    let receipt = &erasure["receipt"];
    let deleted = |table: &str| receipt["tables"][table]["deleted"].as_i64().unwrap();
    let scrubbed = |table: &str| receipt["tables"][table]["scrubbed"].as_i64().unwrap();
    assert_eq!(deleted("contacts"), 1, "{receipt}");
    assert_eq!(deleted("contact_list_members"), 2, "{receipt}");
    assert_eq!(deleted("list_import_errors"), 1, "{receipt}");
    assert_eq!(deleted("gdpr_exports"), 1, "{receipt}");
    for table in [
        "events",
        "leads",
        "form_responses",
        "validation_logs",
        "campaign_contact_assignments",
    ] {
        assert!(deleted(table) > 0, "{table}: {receipt}");
    }
    assert!(
        scrubbed("audit_logs") >= 1 && scrubbed("job_runs") >= 1,
        "{receipt}"
    );
    assert_eq!(receipt["verified_remaining"], 0);
    assert_eq!(receipt["suppressed"], true);
    let proofs: i64 = scalar(&world.maint, "select count(*) from data_deletions").await;
    assert_eq!(proofs, receipt["tables"].as_object().unwrap().len() as i64);

    // Nothing anywhere: not in any table or partition, not in bytea, not in Redis.
    let dump = superuser_dump(&world.stack.db.name);
    assert!(
        dump.contains("ann@mail-ok.test"),
        "the dump holds the other people"
    );
    for needle in [ADDRESS, LOCAL_PART, NAME] {
        let found = occurrences(&dump, needle);
        assert!(
            found.is_empty(),
            "{needle} is still in the database: {found:#?}"
        );
    }
    let redis = redis_dump(&world.stack.redis.url()).await;
    for needle in [ADDRESS, LOCAL_PART, NAME] {
        assert!(
            occurrences(&redis, needle).is_empty(),
            "{needle} is in Redis"
        );
    }
    // The others are untouched.
    let others: i64 = scalar(&world.maint, "select count(*) from contacts").await;
    assert_eq!(others, 2);

    // Uploaded again, the address is counted suppressed and never imported.
    let (_, again) = world.upload_validated("Again", "again.csv", FALL).await;
    assert_eq!(again["suppressed_count"], 1, "{again}");
    assert_eq!(person_rows(&world.maint).await["contacts"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_holds_everything_about_the_person_and_each_download_is_audited() {
    let world = ListWorld::start().await;
    let (api, token) = (&world.api, world.token.as_str());
    let (spring, _) = world.upload_validated("Spring", "spring.csv", SPRING).await;
    world.upload_validated("Fall", "fall.csv", FALL).await;
    send_campaign(&world, &spring).await;

    let export = completed(api, token, "export", ADDRESS).await;
    let id = export["id"].as_str().unwrap();
    let sections = &export["receipt"]["sections"];
    assert_eq!(sections["contact"], 1, "{export}");
    assert_eq!(sections["list_memberships"], 2);
    assert_eq!(sections["validation_logs"], 2);
    assert_eq!(sections["campaign_assignments"], 1);
    assert_eq!(sections["leads"], 1);
    assert_eq!(sections["form_responses"], 1);
    assert!(
        sections["events"].as_i64().unwrap() >= 4,
        "sent, delivered, open, click..."
    );
    // The request row keeps no address once completed, only the keyed hash.
    let kept: Option<String> =
        scalar(&world.maint, "select subject_email from gdpr_requests").await;
    assert_eq!(kept, None);

    let path = format!("/v1/gdpr/requests/{id}/export");
    let document = api.get(&path, Some(token)).await;
    assert_eq!(document.status, 200, "{:?}", document.body);
    let doc = &document.body;
    assert_eq!(doc["contact"]["last_name"], NAME);
    assert!(
        doc["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["ip_address"].is_string())
    );
    let downloads: i64 = scalar(
        &world.maint,
        "select count(*) from audit_logs where action = 'gdpr.export_downloaded'",
    )
    .await;
    assert_eq!(downloads, 1);

    // Who may do what: a viewer neither exports nor reads; another organization sees nothing.
    let viewer = world.stack.token("acme", "eve@acme.test", "viewer");
    request(api, &viewer, "export", ADDRESS)
        .await
        .assert_error(403, "forbidden");
    api.get(&path, Some(&viewer))
        .await
        .assert_error(403, "forbidden");
    let rival = world.stack.token("globex", "ops@globex.test", "admin");
    api.get(&path, Some(&rival))
        .await
        .assert_error(404, "not_found");
    // Bad requests are refused with the field named.
    for body in [
        json!({ "type": "export", "email": "not an address" }),
        json!({ "type": "forget", "email": ADDRESS }),
        json!({ "type": "export" }),
    ] {
        let reply = api.post("/v1/gdpr/requests", Some(token), &body).await;
        reply.assert_error(422, "unprocessable");
    }
    // Past its expiry the download is gone, and the nightly run deletes it.
    reachly_tests::db::execute(
        &world.maint,
        "update gdpr_exports set expires_at = now() - interval '1 minute'",
    )
    .await;
    api.get(&path, Some(token)).await.assert_error(410, "gone");
    let nightly = world.run_job("ip_anonymization", json!({})).await;
    assert_eq!(
        nightly["result"]["expired_gdpr_exports_deleted"], 1,
        "{nightly}"
    );
    let listed = api.get("/v1/gdpr/requests", Some(token)).await;
    assert_eq!(
        listed.body["data"][0]["status"], "completed",
        "{:?}",
        listed.body
    );
    assert!(listed.body["data"][0]["export"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_request_fails_with_its_reason_and_gdpr_jobs_are_not_submitted_directly() {
    let world = reachly_tests::world::ApiWorld::start().await;
    let (api, token) = (&world.api, world.token.as_str());
    // No worker runs: the job stays queued until it is cancelled.
    let opened = request(api, token, "erasure", ADDRESS).await;
    assert_eq!(opened.status, 202, "{:?}", opened.body);
    assert_eq!(opened.body["request"]["status"], "pending");
    let (id, job) = (&opened.body["request"]["id"], &opened.body["job"]["id"]);
    assert_eq!(opened.body["request"]["job_id"], *job);
    let job = job.as_str().unwrap();
    assert_eq!(world.act(job, "cancel").await.status, 200);
    let shown = api
        .get(
            &format!("/v1/gdpr/requests/{}", id.as_str().unwrap()),
            Some(token),
        )
        .await;
    assert_eq!(shown.body["status"], "failed", "{:?}", shown.body);
    let error = shown.body["error"].as_str().unwrap();
    assert!(
        error.contains("cancelled") && !error.contains(NAME),
        "{error}"
    );
    let audited: i64 = scalar(
        &world.maint,
        "select count(*) from audit_logs where action = 'gdpr.requested' and details ->> 'type' = 'erasure'",
    )
    .await;
    assert_eq!(audited, 1);
    // A GDPR job is only ever the servant of a request.
    let direct = api
        .post(
            "/v1/jobs",
            Some(token),
            &json!({ "kind": "gdpr_erasure", "payload": { "request_id": id } }),
        )
        .await;
    direct.assert_error(422, "unprocessable");
}

/// A GDPR job cancelled while it runs: its attempt locks the request and then its job row,
/// the cancel the job row and then (by trigger) the request. Postgres fails one side of that
/// deadlock; the cancel is then tried again, never a `500` (schemathesis found one).
#[tokio::test(flavor = "multi_thread")]
async fn cancelling_gdpr_jobs_as_they_run_is_never_a_server_error() {
    let world = ListWorld::start().await;
    let (api, token) = (&world.api, world.token.as_str());
    world.upload_validated("Spring", "spring.csv", SPRING).await;
    let mut answers = std::collections::BTreeMap::<u16, usize>::new();
    for round in 0..30 {
        let opened = request(api, token, "export", ADDRESS).await;
        assert_eq!(opened.status, 202, "{:?}", opened.body);
        let job = opened.body["job"]["id"].as_str().unwrap().to_owned();
        // Give the worker a moment to take it (more in later rounds), then cancel.
        tokio::time::sleep(std::time::Duration::from_millis(round * 3)).await;
        let cancelled = world.act(&job, "cancel").await;
        assert!(
            [200, 409].contains(&cancelled.status.as_u16()),
            "round {round}: {} {:?}",
            cancelled.status,
            cancelled.body
        );
        *answers.entry(cancelled.status.as_u16()).or_default() += 1;
    }
    println!("cancel answers: {answers:?}");
}
