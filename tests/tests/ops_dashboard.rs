//! The ops dashboard in a real browser (headless Chromium over WebDriver) against the real API
//! and a worker: sign in with a pasted token, watch a failing job go retryable then dead and
//! retry it, bulk-cancel a filtered set after its dry-run count, pause a queue and read why a
//! new job waits, resume it; another organization's jobs never appear; a viewer gets no
//! buttons. Screenshots of each step land in `target/test-output/ops_dashboard/`.

use std::time::Duration;

use reachly_tests::browser::Browser;
use reachly_tests::world::ApiWorld;
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(60);

/// Signs in on the page with `token` and waits for the dashboard.
async fn sign_in(browser: &Browser, token: &str) {
    browser.fill("#token", token).await;
    browser.click("#signin-button").await;
    browser
        .wait_text("#who-text", LIMIT, |t| t.contains("organization"))
        .await;
    browser
        .wait_text("#queues tbody", LIMIT, |t| t.contains("noop"))
        .await;
}

/// The status shown in the jobs table for job `id` (after asking the page to reload the
/// table), once `check` accepts it.
async fn row_status(browser: &Browser, id: &str, check: impl Fn(&str) -> bool) -> String {
    let css = format!("tr[data-job='{id}'] .status");
    reachly_tests::wait_until(&format!("job {id}'s row to change"), LIMIT, || async {
        browser.click("#f-apply").await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        browser.text(&css).await.filter(|s| check(s))
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_runs_the_queues_from_the_dashboard() {
    let world = ApiWorld::start().await;
    world.stack.grant_platform_admin("ops@acme.test");
    let viewer = world.stack.token("acme", "eve@acme.test", "viewer");
    let rival = world.stack.token("globex", "ops@globex.test", "admin");
    let rival_job =
        reachly_tests::jobs::submit(&world.api, &rival, &json!({ "kind": "noop" })).await;
    let _worker = world.stack.worker("dash", &[], &[]);

    // A change made with the session cookie alone, without the page's header, is refused.
    let csrf = world
        .api
        .send(
            world
                .api
                .request(reqwest::Method::POST, "/v1/jobs")
                .header("cookie", format!("reachly_session={}", world.token))
                .json(&json!({ "kind": "noop" })),
            None,
        )
        .await;
    csrf.assert_error(403, "forbidden");

    let browser = Browser::start("ops_dashboard").await;
    browser
        .client
        .goto(&format!("{}/ops", world.api.base()))
        .await
        .unwrap();
    assert!(browser.shows("#signin").await);
    browser.screenshot("01-sign-in").await;
    sign_in(&browser, &world.token).await;
    assert!(
        browser
            .text("#who-text")
            .await
            .unwrap()
            .contains("platform operator")
    );
    browser.select("#interval", "2000").await;
    browser.select("#f-kind", "noop").await;

    // A failing job goes retryable, then dead; retried from the page.
    let failing = world.submit_failing(5, 2).await;
    row_status(&browser, &failing, |s| s == "retryable").await;
    browser.screenshot("02-job-retryable").await;
    row_status(&browser, &failing, |s| s == "dead").await;
    browser.click(&format!("tr[data-job='{failing}']")).await;
    browser
        .wait_text("#d-errors", LIMIT, |t| t.contains("attempt 2"))
        .await;
    browser.screenshot("03-job-detail-dead").await;
    browser.click("#job-retry").await;
    browser
        .wait_text("#message", LIMIT, |t| t.contains("retry done"))
        .await;
    let retried: i64 = reachly_tests::db::scalar(
        &world.maint,
        &format!("select count(*) from audit_logs where action = 'job.retried' and subject_id = '{failing}'"),
    )
    .await;
    assert_eq!(retried, 1);

    // Bulk-cancel every queued noop: the dry run's count first, then the confirmation.
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let mut delayed = Vec::new();
    for _ in 0..3 {
        delayed.push(
            world
                .submit(&json!({ "kind": "noop", "run_at": later }))
                .await,
        );
    }
    browser.select("#f-status", "queued").await;
    row_status(&browser, &delayed[2], |s| s == "queued").await;
    browser.click("#bulk-cancel").await;
    browser
        .wait_text("#bulk-text", LIMIT, |t| t.starts_with("3 job(s) match"))
        .await;
    browser.screenshot("04-bulk-dry-run").await;
    for id in &delayed {
        assert_eq!(
            world.job_status(id.parse().unwrap()).await,
            "queued",
            "nothing before confirming"
        );
    }
    browser.click("#bulk-yes").await;
    browser
        .wait_text("#message", LIMIT, |t| t.contains("3 job(s) cancelled"))
        .await;
    for id in &delayed {
        assert_eq!(world.job_status(id.parse().unwrap()).await, "cancelled");
    }
    browser.select("#f-status", "").await;

    // Pause the queue: a new job stays queued and the page says why; resume it.
    browser.click("#queues tr[data-kind='noop'] .pause").await;
    browser
        .wait_text("#queues tr[data-kind='noop'] .state", LIMIT, |t| {
            t == "paused"
        })
        .await;
    let held = world.submit(&json!({ "kind": "noop" })).await;
    browser.fill("#f-id", &held).await;
    row_status(&browser, &held, |s| s == "queued").await;
    browser.click(&format!("tr[data-job='{held}']")).await;
    browser.click("#job-why").await;
    let why = browser
        .wait_text("#why-text", LIMIT, |t| !t.is_empty())
        .await;
    assert!(why.contains("paused"), "{why}");
    browser.screenshot("05-paused-queue-why").await;
    assert_eq!(world.job_status(held.parse().unwrap()).await, "queued");
    browser.click("#queues tr[data-kind='noop'] .resume").await;
    world.wait_status(&held, "succeeded").await;
    browser.fill("#f-id", "").await;
    browser.click("#f-apply").await;

    // The platform's view: workers and schedules; the throughput chart.
    browser
        .wait_text("#workers tbody", LIMIT, |t| t.contains("live"))
        .await;
    browser
        .wait_text("#schedules tbody", LIMIT, |t| {
            t.contains("ip_anonymization")
        })
        .await;
    assert!(browser.has("#chart svg polyline.completed").await);
    assert!(browser.has("#chart svg polyline.failed").await);
    browser.screenshot("06-dashboard").await;

    // Another organization's job never appears, whatever the filter.
    browser.select("#f-kind", "").await;
    browser.click("#f-apply").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!browser.shows(&format!("tr[data-job='{rival_job}']")).await);

    // A viewer sees the organization's queues and jobs, and no button that changes them.
    browser.click("#signout").await;
    browser
        .wait_text("#signin h2", LIMIT, |t| t == "Sign in")
        .await;
    sign_in(&browser, &viewer).await;
    for css in [
        "#bulk-cancel",
        "#bulk-retry",
        "#job-retry",
        ".pause",
        "#platform",
    ] {
        assert!(!browser.shows(css).await, "a viewer sees {css}");
    }
    browser.screenshot("07-viewer").await;
    browser.client.close().await.unwrap();
}
