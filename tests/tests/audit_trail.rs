//! The audit trail over HTTP against the real `reachly-api serve`: every change and every
//! export writes exactly one row naming its actor, action, subject, IP address and user
//! agent, in the change's own transaction (a refused request writes none); deleting a list;
//! the `audit.read` listing with its filters, paging and scoping; and `X-Forwarded-For`,
//! believed only when the server is told to.

use reachly_tests::audit::{AuditTrail, user_id};
use reachly_tests::campaigns::{CampaignWorld, NewLead};
use reachly_tests::db::scalar;
use reachly_tests::http::Api;
use reachly_tests::lists::upload;
use serde_json::{Value, json};
use uuid::Uuid;

/// A campaign world, the trail of `acme` (nothing seen yet but what start-up wrote), and
/// the ids of `acme`'s admin and of `acme` itself.
async fn audited() -> (CampaignWorld, AuditTrail, Uuid, Uuid) {
    let w = CampaignWorld::start().await;
    let org = w.org("acme").await;
    let trail = AuditTrail::of(&w.maint, org).await;
    let admin = user_id(&w.maint, "ops@acme.test").await;
    (w, trail, admin, org)
}

/// The one field of the form of these tests.
fn plan_field() -> Value {
    json!([{ "key": "plan", "label": "Plan", "field_type": "select", "options": ["gold", "silver"] }])
}

#[tokio::test(flavor = "multi_thread")]
async fn every_change_and_export_writes_one_row() {
    let (w, mut trail, admin, org) = audited().await;
    let (api, t) = (&w.api, Some(w.token.as_str()));

    let list = w.list(&w.token).await;
    let row = trail
        .expect(admin, "list.uploaded", ("contact_list", Some(&list)))
        .await;
    assert!(row.details["job_id"].is_string() && row.details["bytes"].as_i64() > Some(0));

    let template = w.template(&w.token, "Welcome").await;
    (trail.expect(
        admin,
        "email_template.created",
        ("email_template", Some(&template)),
    ))
    .await;

    let form = w.form(&w.token, "quote", plan_field()).await;
    trail
        .expect(admin, "form.created", ("form", Some(&form)))
        .await;
    let duplicate = w.post_form(&w.token, "quote", plan_field()).await;
    trail.refused(&duplicate, 409, "conflict").await;
    let refused = w.post_form(&w.viewer, "other", plan_field()).await;
    trail.refused(&refused, 403, "forbidden").await;

    let bad = json!({ "from_email": "not an address" });
    let reply = w.post_campaign(&w.token, &list, &template, bad).await;
    trail.refused(&reply, 422, "unprocessable").await;
    let reply = (w.post_campaign(&w.token, &list, &template, json!({ "form_id": form }))).await;
    let campaign = reply.assert_made(201, "/v1/campaigns");
    let row = trail
        .expect(admin, "campaign.created", ("campaign", Some(&campaign)))
        .await;
    let made_of = json!({ "list_id": list, "template_id": template, "form_id": form });
    assert_eq!(row.details, made_of);

    let lead = NewLead {
        status: "new",
        email: "ann@example.com".into(),
        first_name: "Ann".into(),
        response: json!({ "plan": "gold" }),
    };
    let lead = w
        .insert_lead(org, &campaign, &form, &lead)
        .await
        .to_string();
    let path = format!("/v1/leads/{lead}");
    let reply = api.patch(&path, t, &json!({ "status": "contacted" })).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let row = trail
        .expect(admin, "lead.status_changed", ("lead", Some(&lead)))
        .await;
    row.assert_changed("status", "new", "contacted");
    let back = api.patch(&path, t, &json!({ "status": "new" })).await;
    trail.refused(&back, 409, "conflict").await;

    // Exports: who downloaded which personal data (never the data itself).
    let path = format!("/v1/contact-lists/{list}/export.csv?validation_status=valid");
    assert_eq!(api.get_text(&path, &w.token).await.0, 200);
    let row = trail
        .expect(admin, "list.exported", ("contact_list", Some(&list)))
        .await;
    assert_eq!(row.details, json!({ "validation_status": "valid" }));
    let leads = format!("/v1/campaigns/{campaign}/leads/export.csv");
    let (status, _, _, csv) = api
        .get_text(&format!("{leads}?field.plan=gold"), &w.token)
        .await;
    assert_eq!(status, 200);
    assert!(csv.contains("ann@example.com"), "{csv}");
    let row = trail
        .expect(admin, "leads.exported", ("campaign", Some(&campaign)))
        .await;
    assert_eq!(row.details, json!({ "status": null, "fields": ["plan"] }));
    let unknown = api.get(&format!("{leads}?field.smoker=true"), t).await;
    trail.refused(&unknown, 422, "unprocessable").await;

    let launch = format!("/v1/campaigns/{campaign}/launch");
    let reply = api.post(&launch, t, &json!({ "seed": 7 })).await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
    let row = trail
        .expect(admin, "campaign.launched", ("campaign", Some(&campaign)))
        .await;
    row.assert_changed("status", "draft", "scheduled");
    assert_eq!(row.details["job_id"], reply.body["job"]["id"]);
    let again = api.post(&launch, t, &json!({})).await;
    trail.refused(&again, 409, "conflict").await;
    let cancel = format!("/v1/campaigns/{campaign}/cancel");
    assert_eq!(api.post(&cancel, t, &json!({})).await.status, 200);
    let row = trail
        .expect(admin, "campaign.cancelled", ("campaign", Some(&campaign)))
        .await;
    row.assert_changed("status", "scheduled", "cancelled");
    let again = api.post(&cancel, t, &json!({})).await;
    trail.refused(&again, 409, "conflict").await;

    let reply = api.post("/v1/jobs", t, &json!({ "kind": "noop" })).await;
    let job = reply.assert_made(202, "/v1/jobs");
    let row = trail
        .expect(admin, "job.submitted", ("job_run", Some(&job)))
        .await;
    assert_eq!(row.details, json!({ "kind": "noop", "duplicate": false }));
    let unknown = api
        .post("/v1/jobs", t, &json!({ "kind": "no_such_kind" }))
        .await;
    trail.refused(&unknown, 422, "unprocessable").await;

    let batch = json!({ "jobs": [{ "kind": "noop" }, { "kind": "noop" }, { "kind": "noop" }] });
    let reply = api.post("/v1/jobs/batch", t, &batch).await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
    let ids: Vec<Value> = (reply.body["data"].as_array().unwrap().iter())
        .map(|job| job["id"].clone())
        .collect();
    let row = trail
        .expect(admin, "jobs.submitted", ("job_run", None))
        .await;
    assert_eq!(
        row.details,
        json!({ "count": 3, "created": 3, "job_ids": ids })
    );
    let half_bad = json!({ "jobs": [{ "kind": "noop" }, { "kind": "no_such_kind" }] });
    let reply = api.post("/v1/jobs/batch", t, &half_bad).await;
    trail.refused(&reply, 422, "unprocessable").await;

    let operations = [("cancel", "job.cancelled"), ("retry", "job.retried")];
    for (operation, action) in operations {
        let path = format!("/v1/jobs/{job}/{operation}");
        let reply = api.post(&path, t, &json!({})).await;
        assert_eq!(reply.status, 200, "{operation}: {:?}", reply.body);
        let row = trail.expect(admin, action, ("job_run", Some(&job))).await;
        assert_eq!(row.details, json!({ "kind": "noop" }));
    }
    let again = api
        .post(&format!("/v1/jobs/{job}/retry"), t, &json!({}))
        .await;
    trail.refused(&again, 409, "conflict").await;

    let personal: i64 = scalar(
        &w.maint,
        "select count(*) from audit_logs
          where concat(details::text, changes::text) like '%@%'
             or concat(details::text, changes::text) like '%Ann%'",
    )
    .await;
    assert_eq!(personal, 0, "no audit row holds an address or a name");
}

/// A list whose import was cancelled (so it is `failed`, no longer busy); its id.
async fn idle_list(w: &CampaignWorld, trail: &mut AuditTrail) -> String {
    let uploaded = upload(
        &w.api,
        &w.token,
        "Idle",
        "i.csv",
        *b"email\nann@example.com\n",
    )
    .await;
    let path = format!("/v1/jobs/{}/cancel", uploaded.job);
    let reply = w.api.post(&path, Some(&w.token), &json!({})).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    trail.fresh().await;
    uploaded.list
}

/// Asserts that deleting `list` is a 409 whose message says `why`, and writes nothing.
async fn refused_deletion(w: &CampaignWorld, trail: &mut AuditTrail, list: &str, why: &str) {
    let reply = w
        .api
        .delete(&format!("/v1/contact-lists/{list}"), Some(&w.token))
        .await;
    trail.refused(&reply, 409, "conflict").await;
    let message = reply.body["error"]["message"].as_str().unwrap();
    assert!(message.contains(why), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_list_keeps_its_contacts_and_is_refused_while_in_use() {
    let (w, mut trail, admin, org) = audited().await;
    let t = Some(w.token.as_str());

    // No worker runs here: an uploaded list waits for its import.
    let busy = upload(
        &w.api,
        &w.token,
        "Busy",
        "b.csv",
        *b"email\nbo@example.com\n",
    )
    .await;
    trail.fresh().await;
    refused_deletion(&w, &mut trail, &busy.list, "imported or validated").await;

    let list = idle_list(&w, &mut trail).await;
    let contact: Uuid = sqlx::query_scalar(
        "with c as (insert into contacts (organization_id, email) values ($1, 'kim@example.com')
                    returning id)
         insert into contact_list_members (organization_id, list_id, contact_id)
         select $1, $2::uuid, id from c returning contact_id",
    )
    .bind(org)
    .bind(&list)
    .fetch_one(&w.maint)
    .await
    .unwrap();
    let path = format!("/v1/contact-lists/{list}");
    let unknown = format!("/v1/contact-lists/{}", Uuid::now_v7());
    let refusals = [
        (path.as_str(), w.rival.as_str(), 404, "not_found"),
        (path.as_str(), w.viewer.as_str(), 403, "forbidden"),
        (unknown.as_str(), w.token.as_str(), 404, "not_found"),
        (
            "/v1/contact-lists/nope",
            w.token.as_str(),
            400,
            "bad_request",
        ),
    ];
    for (path, token, status, code) in refusals {
        w.api
            .delete(path, Some(token))
            .await
            .assert_error(status, code);
    }
    trail.assert_none("refused deletions").await;
    let anywhere: i64 = scalar(
        &w.maint,
        "select count(*) from audit_logs where action = 'list.deleted'",
    )
    .await;
    assert_eq!(anywhere, 0, "no organization audited a refused deletion");

    let reply = w.api.delete(&path, t).await;
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    let row = trail
        .expect(admin, "list.deleted", ("contact_list", Some(&list)))
        .await;
    assert_eq!(
        row.details,
        json!({ "status": "failed", "total_rows": 0, "members": 1 })
    );
    w.admin_get(&path).await.assert_error(404, "not_found");
    w.api.delete(&path, t).await.assert_error(404, "not_found");
    let kept: (i64, i64) = sqlx::query_as(
        "select (select count(*) from contacts where id = $1),
                (select count(*) from contact_list_members where list_id = $2::uuid)",
    )
    .bind(contact)
    .bind(&list)
    .fetch_one(&w.maint)
    .await
    .unwrap();
    assert_eq!(kept, (1, 0), "the contact stays, its membership goes");

    // A campaign's list stays: a draft's (the campaigns' foreign key), and a scheduled one's.
    let template = w.template(&w.token, "Welcome").await;
    for (launched, expected) in [(false, "refer to this list"), (true, "sends to this list")] {
        let list = idle_list(&w, &mut trail).await;
        let reply = w.post_campaign(&w.token, &list, &template, json!({})).await;
        let campaign = reply.assert_made(201, "/v1/campaigns");
        if launched {
            let launch = format!("/v1/campaigns/{campaign}/launch");
            assert_eq!(w.api.post(&launch, t, &json!({})).await.status, 202);
        }
        trail.fresh().await;
        refused_deletion(&w, &mut trail, &list, expected).await;
    }
}

/// The ids of the rows of every page, in order.
fn ids(pages: &[Vec<Value>]) -> Vec<String> {
    (pages.iter().flatten())
        .map(|row| row["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The subject ids of the rows of every page, in order.
fn subjects(pages: &[Vec<Value>]) -> Vec<String> {
    (pages.iter().flatten())
        .map(|row| row["subject_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_listing_filters_pages_and_shows_only_admins_their_organization() {
    let (w, _, admin, _) = audited().await;
    let consultant = w.stack.token("acme", "cora@acme.test", "consultant");
    let cora = user_id(&w.maint, "cora@acme.test").await;
    let mut made = Vec::new();
    for (token, name) in [(&w.token, "A0"), (&consultant, "C0"), (&w.token, "A1")] {
        made.push(w.template(token, name).await);
    }
    made.push(w.template(&consultant, "C1").await);
    made.push(w.template(&w.token, "A2").await);
    let theirs = w.template(&w.rival, "Globex").await;

    let pages = w.pages(&w.token, "/v1/audit-logs?limit=2").await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    let mut newest_first = ids(&pages);
    newest_first.sort();
    newest_first.reverse();
    assert_eq!(
        ids(&pages),
        newest_first,
        "newest first, no duplicates, no gaps"
    );
    let mut listed = subjects(&pages);
    listed.sort();
    let mut expected = made.clone();
    expected.sort();
    assert_eq!(listed, expected, "acme's rows, none of globex's");
    let row = &pages[0][0];
    assert_eq!(row["action"], "email_template.created");
    assert_eq!(row["subject_type"], "email_template");
    assert_eq!(row["ip_address"], "127.0.0.1");
    assert_eq!(row["user_agent"], reachly_tests::http::USER_AGENT);
    assert!(
        row["created_at"].is_string() && row["details"].is_object(),
        "{row}"
    );

    for (actor, names) in [(cora, [1, 3].as_slice()), (admin, [0, 2, 4].as_slice())] {
        let pages = w
            .pages(&w.token, &format!("/v1/audit-logs?actor={actor}&limit=1"))
            .await;
        let mut found = subjects(&pages);
        found.sort();
        let mut expected: Vec<String> = names.iter().map(|i| made[*i].clone()).collect();
        expected.sort();
        assert_eq!(found, expected, "rows by {actor}");
        let actors = (pages.iter().flatten()).all(|row| row["actor_user_id"] == actor.to_string());
        assert!(actors);
    }
    let one = format!(
        "/v1/audit-logs?subject_type=email_template&subject_id={}",
        made[2]
    );
    let reply = w.admin_get(&one).await;
    assert_eq!(
        subjects(&[reply.body["data"].as_array().unwrap().clone()]),
        [made[2].clone()]
    );
    let other_type = format!(
        "/v1/audit-logs?subject_type=campaign&subject_id={}",
        made[2]
    );
    assert_eq!(w.admin_get(&other_type).await.body["data"], json!([]));
    let typed = w
        .pages(&w.token, "/v1/audit-logs?subject_type=email_template")
        .await;
    assert_eq!(ids(&typed).len(), 5);
    let elsewhere = format!("/v1/audit-logs?subject_type=email_template&subject_id={theirs}");
    assert_eq!(w.admin_get(&elsewhere).await.body["data"], json!([]));

    let rival = w.pages(&w.rival, "/v1/audit-logs").await;
    assert_eq!(subjects(&rival), [theirs], "globex sees its own row only");
    for token in [&consultant, &w.viewer] {
        let reply = w.api.get("/v1/audit-logs", Some(token)).await;
        reply.assert_error(403, "forbidden");
    }
    let id = Uuid::now_v7();
    let malformed = [
        "subject_id=nope".to_owned(),
        format!("subject_id={id}"),
        "subject_type=Email%20template".to_owned(),
        "subject_type=".to_owned(),
        "actor=someone".to_owned(),
        "cursor=nope".to_owned(),
        "limit=many".to_owned(),
    ];
    for query in malformed {
        let reply = w.admin_get(&format!("/v1/audit-logs?{query}")).await;
        reply.assert_error(400, "bad_request");
    }
}

/// `POST /v1/email-templates` claiming to come from 203.0.113.5 through `X-Forwarded-For`.
fn forwarded(api: &Api) -> reqwest::RequestBuilder {
    (api.request(reqwest::Method::POST, "/v1/email-templates"))
        .header("x-forwarded-for", "198.51.100.1, 203.0.113.5")
        .json(&json!({ "name": "Forwarded" }))
}

#[tokio::test(flavor = "multi_thread")]
async fn forwarded_for_names_the_requester_only_when_trusted() {
    let (w, mut trail, admin, _) = audited().await;
    let reply = w.api.send(forwarded(&w.api), Some(&w.token)).await;
    let template = reply.assert_made(201, "/v1/email-templates");
    // `expect` checks the address: the peer's, whatever the header claimed.
    (trail.expect(
        admin,
        "email_template.created",
        ("email_template", Some(&template)),
    ))
    .await;

    let (_trusting_proc, trusting) = (w.stack)
        .api_with(&[("REACHLY_TRUST_FORWARDED_FOR", "1")])
        .await;
    let reply = trusting.send(forwarded(&trusting), Some(&w.token)).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let rows = trail.fresh().await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(
        rows[0].ip.as_deref(),
        Some("203.0.113.5"),
        "the proxy's last hop"
    );
    assert_eq!(rows[0].actor_user_id, Some(admin));
}
