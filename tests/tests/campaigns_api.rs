//! Templates, forms and campaigns over HTTP against the real `reachly-api serve`: creation and
//! its validation (422/409), permissions (a viewer reads but does not create), tenant scoping
//! (another organization's ids are 404, or 422 when referenced), and the reads of what a send
//! produces — events and leads written straight into the database — with their filters,
//! ordering, cursor paging and the CSV export of leads.

use std::collections::HashSet;

use reachly_tests::campaigns::{CampaignWorld, NewEvent, NewLead};
use reachly_tests::db::scalar;
use serde_json::{Value, json};
use uuid::Uuid;

/// The ids of the rows of every page, in order.
fn ids(pages: &[Vec<Value>]) -> Vec<String> {
    pages
        .iter()
        .flatten()
        .map(|row| row["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn templates_are_created_listed_read_and_scoped() {
    let w = CampaignWorld::start().await;
    let api = &w.api;

    let reply = api
        .post(
            "/v1/email-templates",
            Some(&w.token),
            &json!({ "name": " Welcome ", "subject": "Hi {{first_name}}",
                     "html_body": "<p>Hi</p>", "text_body": "Hi" }),
        )
        .await;
    let id = reply.assert_made(201, "/v1/email-templates");
    assert_eq!(reply.body["name"], "Welcome");
    assert_eq!(reply.body["subject"], "Hi {{first_name}}");
    assert_eq!(reply.body["html_body"], "<p>Hi</p>");
    assert_eq!(reply.body["text_body"], "Hi");

    let shown = api
        .get(&format!("/v1/email-templates/{id}"), Some(&w.viewer))
        .await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body, reply.body, "show returns what create returned");

    let mut created = vec![id.clone()];
    for i in 0..4 {
        created.push(w.template(&w.token, &format!("T{i}")).await);
    }
    let pages = w.pages(&w.viewer, "/v1/email-templates?limit=2").await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    // Ids are UUID v7: newest first is descending id order (ids of one millisecond are
    // random among themselves, so the order to expect is the ids' own).
    created.sort();
    created.reverse();
    assert_eq!(ids(&pages), created, "newest first, no duplicates, no gaps");
    assert!(
        pages[0][0].get("html_body").is_none(),
        "the listing leaves bodies out"
    );

    // Validation and permissions.
    for body in [
        json!({ "name": "  " }),
        json!({ "subject": "x" }),
        json!({ "name": "a", "colour": 1 }),
    ] {
        let reply = api.post("/v1/email-templates", Some(&w.token), &body).await;
        reply.assert_error(422, "unprocessable");
    }
    let reply = api
        .post(
            "/v1/email-templates",
            Some(&w.viewer),
            &json!({ "name": "x" }),
        )
        .await;
    reply.assert_error(403, "forbidden");

    // Unknown and other organizations' ids are 404; a malformed one is 400.
    for (path, token) in [
        (format!("/v1/email-templates/{}", Uuid::now_v7()), &w.token),
        (format!("/v1/email-templates/{id}"), &w.rival),
    ] {
        api.get(&path, Some(token))
            .await
            .assert_error(404, "not_found");
    }
    api.get("/v1/email-templates/not-a-uuid", Some(&w.token))
        .await
        .assert_error(400, "bad_request");
    let theirs = api.get("/v1/email-templates", Some(&w.rival)).await;
    assert_eq!(
        theirs.body["data"],
        json!([]),
        "globex sees none of acme's templates"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_keep_their_fields_in_order_and_refuse_bad_ones() {
    let w = CampaignWorld::start().await;
    let api = &w.api;
    let fields = json!([
        { "key": "email", "label": "Email", "field_type": "email", "required": true },
        { "key": "plan", "label": "Plan", "field_type": "select", "options": ["gold", "silver"] },
        { "key": "smoker", "label": "Smoker", "field_type": "checkbox" },
        { "key": "age", "label": "Age", "field_type": "number" },
    ]);
    let reply = w.post_form(&w.token, "medicare-2026", fields.clone()).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let form = reply.body;
    let id = form["id"].as_str().unwrap();
    assert_eq!(form["slug"], "medicare-2026");
    let got: Vec<(&str, &str, i64)> = form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key"].as_str().unwrap(),
                f["field_type"].as_str().unwrap(),
                f["position"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("email", "email", 0),
            ("plan", "select", 1),
            ("smoker", "checkbox", 2),
            ("age", "number", 3)
        ]
    );
    assert_eq!(form["fields"][0]["required"], true);
    assert_eq!(form["fields"][1]["options"], json!(["gold", "silver"]));
    assert_eq!(form["fields"][2]["options"], Value::Null);
    assert_eq!(form["fields"][2]["required"], false);

    let shown = api.get(&format!("/v1/forms/{id}"), Some(&w.viewer)).await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body, form);
    let listed = api.get("/v1/forms", Some(&w.viewer)).await;
    assert_eq!(listed.body["data"], json!([form]));

    // The same slug twice in one organization is a conflict; another organization may use it.
    w.post_form(&w.token, "medicare-2026", fields.clone())
        .await
        .assert_error(409, "conflict");
    assert_eq!(
        w.post_form(&w.rival, "medicare-2026", fields.clone())
            .await
            .status,
        201
    );

    let field = |f: Value| json!([f]);
    for (slug, fields, expected) in [
        (
            "ok-1",
            field(json!({ "key": "a", "label": "A", "field_type": "color" })),
            "field_type",
        ),
        (
            "ok-2",
            json!([{ "key": "a", "label": "A", "field_type": "text" },
                        { "key": "a", "label": "B", "field_type": "zip" }]),
            "used twice",
        ),
        (
            "ok-3",
            field(json!({ "key": "Plan", "label": "A", "field_type": "text" })),
            "must match",
        ),
        (
            "ok-4",
            field(json!({ "key": "9lives", "label": "A", "field_type": "text" })),
            "must match",
        ),
        (
            "ok-5",
            field(json!({ "key": "plan", "label": "A", "field_type": "select" })),
            "required for a select",
        ),
        (
            "ok-6",
            field(json!({ "key": "plan", "label": "A", "field_type": "select", "options": [] })),
            "empty",
        ),
        (
            "ok-7",
            field(json!({ "key": "plan", "label": "A", "field_type": "select", "options": [1] })),
            "strings",
        ),
        (
            "ok-8",
            field(json!({ "key": "a", "label": "A", "field_type": "text", "options": ["x"] })),
            "only for select",
        ),
        ("ok-9", json!([]), "at least one field"),
        (
            "Bad Slug",
            field(json!({ "key": "a", "label": "A", "field_type": "text" })),
            "slug",
        ),
    ] {
        let reply = w.post_form(&w.token, slug, fields).await;
        reply.assert_error(422, "unprocessable");
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{slug}: {message}");
    }
    let none: i64 = scalar(
        &w.maint,
        "select count(*) from forms where slug like 'ok-%'",
    )
    .await;
    assert_eq!(none, 0, "a refused form leaves nothing behind");

    w.post_form(&w.viewer, "viewer", fields)
        .await
        .assert_error(403, "forbidden");
    api.get(&format!("/v1/forms/{id}"), Some(&w.rival))
        .await
        .assert_error(404, "not_found");
}

#[tokio::test(flavor = "multi_thread")]
async fn campaigns_are_drafts_of_this_organizations_list_template_and_form() {
    let w = CampaignWorld::start().await;
    let api = &w.api;
    let list = w.list(&w.token).await;
    let template = w.template(&w.token, "Welcome").await;
    let zip = json!([{ "key": "zip", "label": "ZIP", "field_type": "zip" }]);
    let form = w.form(&w.token, "quote", zip).await;

    let reply = w
        .post_campaign(
            &w.token,
            &list,
            &template,
            json!({ "form_id": form, "from_email": " News@ACME.test " }),
        )
        .await;
    let id = reply.assert_made(201, "/v1/campaigns");
    let campaign = reply.body;
    assert_eq!(campaign["status"], "draft");
    assert_eq!(campaign["name"], "Open enrollment");
    assert_eq!(campaign["subject"], "Plans for 2026");
    assert_eq!(
        campaign["from"],
        json!({ "name": "Acme Health", "email": "News@acme.test" })
    );
    assert_eq!(campaign["list_id"], list.as_str());
    assert_eq!(campaign["template_id"], template.as_str());
    assert_eq!(campaign["form_id"], form.as_str());
    assert_eq!(campaign["include_risky"], false);
    assert_eq!(campaign["recipients"], 0);
    assert_eq!(campaign["batches"], json!({ "total": 0, "done": 0 }));
    assert_eq!(campaign["counts"], json!({}));
    assert_eq!(campaign["launch_job"], Value::Null);
    assert_eq!(campaign["started_at"], Value::Null);

    // The launch job is read through launch_job_id.
    let org = w.org("acme").await;
    let job: Uuid = sqlx::query_scalar(
        "insert into job_runs (organization_id, kind, queue, status, locked_by, progress_done,
                               progress_total, last_error)
         values ($1, 'send', 'send', 'running', 'worker-1', 3, 10, 'one batch retried')
         returning id",
    )
    .bind(org)
    .fetch_one(&w.maint)
    .await
    .unwrap();
    sqlx::query(
        "update campaigns set launch_job_id = $2, status = 'sending', recipient_count = 10,
                batches_total = 2, batches_done = 1, counts = '{\"sent\": 5}'
          where id = $1",
    )
    .bind(id.parse::<Uuid>().unwrap())
    .bind(job)
    .execute(&w.maint)
    .await
    .unwrap();
    let shown = api
        .get(&format!("/v1/campaigns/{id}"), Some(&w.viewer))
        .await;
    assert_eq!(shown.status, 200, "{:?}", shown.body);
    assert_eq!(shown.body["status"], "sending");
    assert_eq!(shown.body["recipients"], 10);
    assert_eq!(shown.body["batches"], json!({ "total": 2, "done": 1 }));
    assert_eq!(shown.body["counts"], json!({ "sent": 5 }));
    assert_eq!(
        shown.body["launch_job"],
        json!({ "id": job, "status": "running", "progress_done": 3, "progress_total": 10,
                "last_error": "one batch retried" })
    );

    // What a campaign references must exist in this organization: another organization's
    // template reads exactly like a missing one.
    let their_template = w.template(&w.rival, "Theirs").await;
    let missing = Uuid::now_v7().to_string();
    for (extra, field) in [
        (json!({ "list_id": missing }), "list_id"),
        (json!({ "template_id": missing }), "template_id"),
        (json!({ "template_id": their_template }), "template_id"),
        (json!({ "form_id": missing }), "form_id"),
    ] {
        let reply = w
            .post_campaign(&w.token, &list, &template, extra.clone())
            .await;
        reply.assert_error(422, "unprocessable");
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{extra}: {message}");
    }
    for extra in [
        json!({ "from_email": "not-an-address" }),
        json!({ "from_email": "a@localhost" }),
        json!({ "name": "" }),
        json!({ "subject": " " }),
        json!({ "list_id": "nope" }),
        json!({ "include_risky": true }),
    ] {
        let reply = w
            .post_campaign(&w.token, &list, &template, extra.clone())
            .await;
        reply.assert_error(422, "unprocessable");
    }
    w.post_campaign(&w.viewer, &list, &template, json!({}))
        .await
        .assert_error(403, "forbidden");

    // Listing: newest first, by status, paged.
    let mut drafts = Vec::new();
    for _ in 0..3 {
        let reply = w.post_campaign(&w.token, &list, &template, json!({})).await;
        drafts.push(reply.body["id"].as_str().unwrap().to_owned());
    }
    drafts.sort();
    drafts.reverse();
    let pages = w
        .pages(&w.viewer, "/v1/campaigns?status=draft&limit=2")
        .await;
    assert_eq!(ids(&pages), drafts);
    let sending = w.pages(&w.viewer, "/v1/campaigns?status=sending").await;
    assert_eq!(ids(&sending), [id.as_str()]);
    api.get("/v1/campaigns?status=won", Some(&w.token))
        .await
        .assert_error(400, "bad_request");
    api.get("/v1/campaigns?cursor=zzz", Some(&w.token))
        .await
        .assert_error(400, "bad_request");

    // Another organization sees none of it.
    w.assert_not_found_elsewhere(&format!("/v1/campaigns/{id}"), "")
        .await;
    assert_eq!(
        api.get("/v1/campaigns", Some(&w.rival)).await.body["data"],
        json!([])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn events_are_read_in_time_order_by_type_with_a_cursor() {
    let w = CampaignWorld::start().await;
    let campaign = w.draft(&w.token, None).await;
    let other = w.draft(&w.token, None).await;
    let org = w.org("acme").await;

    // 30 events over the last minute, several sharing an instant (the id breaks the tie).
    let types = ["sent", "delivered", "open", "click", "bounce"];
    let events: Vec<NewEvent> = (0..30)
        .map(|i| NewEvent {
            event_type: types[i % types.len()],
            ms_ago: 60_000 - (i as i64 / 3) * 1_000,
            data: json!({ "n": i }),
        })
        .collect();
    let written = w.insert_events(org, &campaign, &events).await;
    w.insert_events(org, &other, &events[..5]).await;
    let mut expected: Vec<(i64, Uuid)> = events
        .iter()
        .zip(&written)
        .map(|(e, id)| (-e.ms_ago, *id))
        .collect();
    expected.sort();
    let expected: Vec<String> = expected.iter().map(|(_, id)| id.to_string()).collect();

    let path = format!("/v1/campaigns/{campaign}/events");
    let pages = w.pages(&w.viewer, &format!("{path}?limit=7")).await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [7, 7, 7, 7, 2]
    );
    let got = ids(&pages);
    assert_eq!(
        got.len(),
        got.iter().collect::<HashSet<_>>().len(),
        "no duplicates"
    );
    assert_eq!(
        got, expected,
        "ordered by (occurred_at, id), no gaps across pages"
    );

    let first = pages
        .iter()
        .flatten()
        .find(|e| e["id"] == written[0].to_string().as_str())
        .unwrap();
    assert_eq!(first["type"], "sent");
    assert_eq!(first["data"], json!({ "n": 0 }));
    assert_eq!(first["ip"], "203.0.113.7");
    assert_eq!(first["user_agent"], "Mozilla/5.0");
    assert_eq!(first["contact_id"], Value::Null);
    for key in ["occurred_at", "created_at"] {
        assert!(first[key].is_string(), "{key}: {first}");
    }

    let opens = w
        .pages(&w.viewer, &format!("{path}?type=open&limit=2"))
        .await;
    let opens = ids(&opens);
    let expected_opens: Vec<String> = expected
        .iter()
        .filter(|id| {
            let i = written.iter().position(|w| w.to_string() == **id).unwrap();
            events[i].event_type == "open"
        })
        .cloned()
        .collect();
    assert_eq!(opens.len(), 6);
    assert_eq!(opens, expected_opens);

    let api = &w.api;
    api.get(&format!("{path}?type=opened"), Some(&w.token))
        .await
        .assert_error(400, "bad_request");
    api.get(&format!("{path}?cursor=abc"), Some(&w.token))
        .await
        .assert_error(400, "bad_request");
    api.get(&format!("{path}?limit=x"), Some(&w.token))
        .await
        .assert_error(400, "bad_request");
    w.assert_not_found_elsewhere(&path, "/events").await;
}

/// The world of the lead tests: a draft campaign with [`lead_form`]; its form, its id, and
/// the organization's id.
async fn lead_campaign() -> (CampaignWorld, String, String, Uuid) {
    let w = CampaignWorld::start().await;
    let form = lead_form(&w).await;
    let campaign = w.draft(&w.token, Some(&form)).await;
    let org = w.org("acme").await;
    (w, form, campaign, org)
}

/// The form of the lead tests: a select, a checkbox, a number and a text field.
async fn lead_form(w: &CampaignWorld) -> String {
    let reply = w
        .post_form(
            &w.token,
            "quote",
            json!([
                { "key": "plan", "label": "Plan", "field_type": "select", "options": ["gold", "silver"] },
                { "key": "smoker", "label": "Smoker", "field_type": "checkbox" },
                { "key": "age", "label": "Age", "field_type": "number" },
                { "key": "note", "label": "Note", "field_type": "text" },
            ]),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    reply.body["id"].as_str().unwrap().to_owned()
}

/// Which of the numbered leads a filter should return.
type Keep = fn(usize) -> bool;

fn lead(i: usize, status: &'static str, response: Value) -> NewLead {
    NewLead {
        status,
        email: format!("lead{i}@example.com"),
        first_name: format!("Lead{i}"),
        response,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn leads_filter_by_status_and_form_fields() {
    let (w, form, campaign, org) = lead_campaign().await;

    let plans = ["gold", "silver"];
    let mut written = Vec::new();
    for i in 0..12 {
        let status = if i % 3 == 0 { "qualified" } else { "new" };
        let response = json!({
            "plan": plans[i % 2], "smoker": i % 4 == 0, "age": 30 + i % 3, "note": format!("n{i}"),
        });
        let id = w
            .insert_lead(org, &campaign, &form, &lead(i, status, response))
            .await;
        written.push((i, id));
    }
    // A lead of another campaign with the same answers is never listed.
    let other = w.draft(&w.token, Some(&form)).await;
    w.insert_lead(
        org,
        &other,
        &form,
        &lead(99, "new", json!({ "plan": "gold" })),
    )
    .await;

    let path = format!("/v1/campaigns/{campaign}/leads");
    // Leads are listed in id order (UUID v7: creation order, random within a millisecond).
    let expect = |keep: Keep| -> Vec<String> {
        let mut ids: Vec<Uuid> = written
            .iter()
            .filter(|(i, _)| keep(*i))
            .map(|(_, id)| *id)
            .collect();
        ids.sort();
        ids.iter().map(Uuid::to_string).collect()
    };

    let all = w.pages(&w.viewer, &format!("{path}?limit=5")).await;
    assert_eq!(all.iter().map(Vec::len).collect::<Vec<_>>(), [5, 5, 2]);
    assert_eq!(
        ids(&all),
        expect(|_| true),
        "id order, no duplicates, no gaps"
    );
    let first = all
        .iter()
        .flatten()
        .find(|l| l["id"] == written[0].1.to_string().as_str())
        .unwrap();
    assert_eq!(first["email"], "lead0@example.com");
    assert_eq!(first["first_name"], "Lead0");
    assert_eq!(first["last_name"], "Doe");
    assert_eq!(first["phone"], "555-0100");
    assert_eq!(first["source"], "landing_page");
    assert_eq!(first["status"], "qualified");
    assert_eq!(first["form_id"], form.as_str());
    assert_eq!(first["contact_id"], Value::Null);
    assert_eq!(
        first["response"],
        json!({ "plan": "gold", "smoker": true, "age": 30, "note": "n0" })
    );

    let cases: [(&str, Keep); 6] = [
        ("status=qualified", |i| i % 3 == 0),
        ("field.plan=gold", |i| i % 2 == 0),
        ("field.smoker=true", |i| i % 4 == 0),
        ("field.smoker=false&field.plan=gold", |i| i % 4 == 2),
        ("field.age=31", |i| i % 3 == 1),
        ("field.age=30&status=qualified&field.plan=silver", |i| {
            i % 3 == 0 && i % 2 == 1
        }),
    ];
    for (query, keep) in cases {
        let pages = w.pages(&w.viewer, &format!("{path}?{query}&limit=2")).await;
        assert_eq!(ids(&pages), expect(keep), "{query}");
    }
    let none = w
        .pages(&w.viewer, &format!("{path}?field.note=nobody"))
        .await;
    assert_eq!(ids(&none), Vec::<String>::new());

    let api = &w.api;
    for query in [
        "field.colour=red",
        "field.smoker=yes",
        "field.age=old",
        "field.plan=gold&field.plan=silver",
    ] {
        let reply = api.get(&format!("{path}?{query}"), Some(&w.token)).await;
        reply.assert_error(422, "unprocessable");
    }
    // A malformed query parameter is 400.
    for query in ["status=won", "cursor=abc", "limit=ten"] {
        let reply = api.get(&format!("{path}?{query}"), Some(&w.token)).await;
        reply.assert_error(400, "bad_request");
    }
    w.assert_not_found_elsewhere(&path, "/leads").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lead_export_is_a_defused_csv_with_one_column_per_field() {
    let (w, form, campaign, org) = lead_campaign().await;

    let mut hostile = lead(
        0,
        "new",
        json!({ "plan": "gold", "smoker": true, "age": 41,
                                             "note": "@SUM(A1:A9)" }),
    );
    hostile.first_name = "=HYPERLINK(\"http://evil.test\")".into();
    let a = w.insert_lead(org, &campaign, &form, &hostile).await;
    let b = w
        .insert_lead(
            org,
            &campaign,
            &form,
            &lead(1, "lost", json!({ "plan": "silver", "note": "a, b" })),
        )
        .await;

    let path = format!("/v1/campaigns/{campaign}/leads/export.csv");
    let (status, content_type, disposition, body) = w.api.get_text(&path, &w.token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type.as_deref(), Some("text/csv; charset=utf-8"));
    assert_eq!(
        disposition.as_deref(),
        Some("attachment; filename=\"Open enrollment leads.csv\"")
    );
    let lines: Vec<&str> = body.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 3, "{body}");
    assert_eq!(
        lines[0],
        "id,status,email,first_name,last_name,phone,created_at,plan,smoker,age,note"
    );

    let leads = w
        .api
        .get(&format!("/v1/campaigns/{campaign}/leads"), Some(&w.token))
        .await;
    let created = |id: Uuid| {
        let data = leads.body["data"].as_array().unwrap();
        let lead = data
            .iter()
            .find(|l| l["id"] == id.to_string().as_str())
            .unwrap();
        lead["created_at"].as_str().unwrap().to_owned()
    };
    let mut expected = [
        (
            a,
            format!(
                "{a},new,lead0@example.com,\"'=HYPERLINK(\"\"http://evil.test\"\")\",Doe,\
                 555-0100,{},gold,true,41,\"'@SUM(A1:A9)\"",
                created(a)
            ),
        ),
        (
            b,
            format!(
                "{b},lost,lead1@example.com,Lead1,Doe,555-0100,{},silver,,,\"a, b\"",
                created(b)
            ),
        ),
    ];
    expected.sort();
    assert_eq!(
        lines[1], expected[0].1,
        "rows in lead id order, cells defused"
    );
    assert_eq!(lines[2], expected[1].1);

    // The listing's filters apply.
    let (_, _, _, gold) = w
        .api
        .get_text(&format!("{path}?field.plan=gold"), &w.token)
        .await;
    assert_eq!(gold.split_terminator("\r\n").count(), 2, "{gold}");
    assert!(gold.contains(&a.to_string()) && !gold.contains(&b.to_string()));
    let (_, _, _, lost) = w
        .api
        .get_text(&format!("{path}?status=lost"), &w.token)
        .await;
    assert!(lost.contains(&b.to_string()) && !lost.contains(&a.to_string()));

    // Viewers read leads but may not export them; other organizations see nothing.
    let (status, ..) = w.api.get_text(&path, &w.viewer).await;
    assert_eq!(status, 403);
    let (status, ..) = w.api.get_text(&path, &w.rival).await;
    assert_eq!(status, 404);
    let (status, ..) = w
        .api
        .get_text(&format!("{path}?field.colour=red"), &w.token)
        .await;
    assert_eq!(status, 422);
}
