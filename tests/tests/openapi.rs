//! The OpenAPI document against the live API: it is served, documents every route the API
//! answers (each documented operation is routed, with exactly the documented methods), and
//! schemathesis (`scripts/schemathesis.sh`) finds no server error and no response that does
//! not match it, over every operation, with real rows of every resource to reach.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use reachly_tests::lists::ListWorld;
use reachly_tests::wait_until;
use serde_json::json;

/// A list of three valid contacts and one row that does not parse.
const LIST: &str = "\
email,first_name,last_name,company
ann@mail-ok.test,Ann,Archer,Acme
bob@mail-ok.test,Bob,Baker,
cy@mail-ok.test,Cy,Cole,Initech
\"broken,row
";

#[tokio::test(flavor = "multi_thread")]
async fn the_document_covers_the_api_and_schemathesis_finds_nothing() {
    let world = ListWorld::start().await;
    // A platform operator: the workers, schedules and queue pauses answer too.
    world.stack.grant_platform_admin("ops@acme.test");
    let (api, token) = (&world.api, world.token.as_str());

    // Served, as 3.1, without a token; the docs page renders it.
    let doc = api.get("/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
    let page = api.get("/docs", None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("/v1/campaigns/{id}/launch"),
        "{}",
        page.text
    );

    // Every documented operation is routed, with exactly the documented methods: an
    // unrouted method is answered 405 with the methods the path has in `Allow`.
    for (path, item) in doc.body["paths"].as_object().unwrap() {
        let documented: BTreeSet<String> = item
            .as_object()
            .unwrap()
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        let concrete = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
        let probe = api.request(reqwest::Method::PUT, &concrete);
        let probe = probe.send().await.unwrap();
        let allow = probe
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        let served: BTreeSet<String> = allow
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty() && m != "HEAD")
            .collect();
        if documented.contains("PUT") {
            continue;
        }
        assert_eq!(probe.status(), 405, "PUT {path}");
        assert_eq!(served, documented, "the methods of {path}");
    }

    let ids = Ids::of(&world).await;
    let dir = tempdir();
    ids.write(&dir);

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/schemathesis.sh");
    let output = tokio::process::Command::new("bash")
        .arg(script)
        .arg(api.base())
        .env("REACHLY_TOKEN", token)
        .env("SCHEMATHESIS_IDS_DIR", &dir)
        .kill_on_drop(true)
        .output()
        .await
        .expect("running scripts/schemathesis.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The summary (and any failure with its reproduction) is the end of schemathesis' output.
    println!("{stdout}\n{stderr}");
    assert!(
        output.status.success(),
        "schemathesis failed ({}):\n{}\n{stderr}",
        output.status,
        tail(&stdout, 12_000)
    );
    assert!(stdout.contains("passed"), "no summary:\n{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Real rows of every resource, for schemathesis to reach.
#[derive(Default)]
struct Ids {
    by_resource: Vec<(&'static str, Vec<String>)>,
}

impl Ids {
    /// Makes them: a validated list, a template, a form, a draft and a completed campaign
    /// (events, leads), jobs (queued, succeeded, dead), a completed GDPR export.
    async fn of(world: &ListWorld) -> Ids {
        let (api, token) = (&world.api, Some(world.token.as_str()));
        let made = |reply: reachly_tests::http::Reply| {
            assert!(reply.status.is_success(), "{:?}", reply.body);
            reply.body["id"].as_str().unwrap().to_owned()
        };
        let (list, _) = world.upload_validated("Spring", "spring.csv", LIST).await;
        let (other_list, _) = world.upload_validated("Fall", "fall.csv", LIST).await;
        let template = json!({ "name": "Plans", "subject": "Plans", "html_body": "<p>Hi</p>" });
        let template = made(api.post("/v1/email-templates", token, &template).await);
        let fields = json!([
            {"key": "email", "label": "Email", "field_type": "email", "required": true},
            {"key": "plan", "label": "Plan", "field_type": "select", "options": ["gold", "silver"]},
            {"key": "smoker", "label": "Smoker", "field_type": "checkbox"},
            {"key": "age", "label": "Age", "field_type": "number"},
        ]);
        let form = json!({ "name": "Quote", "slug": "quote", "fields": fields });
        let form = made(api.post("/v1/forms", token, &form).await);
        let campaign = |list: &str| {
            json!({
                "name": "Open enrollment", "subject": "Plans", "from_name": "Acme",
                "from_email": "news@acme.test", "list_id": list, "template_id": template,
                "form_id": form,
            })
        };
        let sent = made(api.post("/v1/campaigns", token, &campaign(&list)).await);
        let draft = made(
            api.post("/v1/campaigns", token, &campaign(&other_list))
                .await,
        );
        let lively = json!({
            "seed": 7, "start_at": (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339(),
            "simulation": { "open_rate": 1.0, "click_rate": 1.0, "form_submit_rate": 1.0 },
        });
        let launch = api
            .post(&format!("/v1/campaigns/{sent}/launch"), token, &lively)
            .await;
        assert_eq!(launch.status, 202, "{:?}", launch.body);
        let path = format!("/v1/campaigns/{sent}");
        wait_until("the send to complete", Duration::from_secs(120), || async {
            (api.get(&path, token).await.body["status"] == "completed").then_some(())
        })
        .await;
        let leads = world
            .admin_get(&format!("/v1/campaigns/{sent}/leads"))
            .await
            .body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|lead| lead["id"].as_str().unwrap().to_owned())
            .collect();

        let succeeded = world.submit(&json!({ "kind": "noop" })).await;
        let dead = world
            .submit(&json!({ "kind": "noop", "payload": { "fail_times": 1 }, "max_attempts": 1 }))
            .await;
        world.wait_status(&dead, "dead").await;
        let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
        let queued = world
            .submit(&json!({ "kind": "noop", "run_at": later }))
            .await;
        let export =
            reachly_tests::gdpr::completed(api, &world.token, "export", "ann@mail-ok.test").await;
        let gdpr = export["id"].as_str().unwrap().to_owned();

        Ids {
            by_resource: vec![
                ("jobs", vec![succeeded, dead, queued]),
                ("contact-lists", vec![list, other_list]),
                ("email-templates", vec![template]),
                ("forms", vec![form]),
                ("campaigns", vec![sent, draft]),
                ("leads", leads),
                ("gdpr", vec![gdpr]),
            ],
        }
    }

    /// One `<resource>.txt` per resource in `dir`, as `scripts/schemathesis.sh` reads them.
    fn write(&self, dir: &Path) {
        for (resource, ids) in &self.by_resource {
            assert!(!ids.is_empty(), "no {resource}");
            // Schemathesis' dictionary files hold one quoted string a line.
            let lines: String = ids.iter().map(|id| format!("\"{id}\"\n")).collect();
            std::fs::write(dir.join(format!("{resource}.txt")), lines).unwrap();
        }
    }
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("reachly-schemathesis-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The last `max` bytes of `text` (on a character boundary).
fn tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
