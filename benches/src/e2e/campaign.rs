//! The campaign half of the user's path, through the API only: a template, a form and a
//! campaign on the validated list, launched at once, polled until `completed`.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};
use uuid::Uuid;

use super::log;
use crate::send::pipeline::SendRun;
use crate::stack::Services;

/// `POST path` with `body`; the response's JSON when its status is `expected`.
async fn post(s: &Services, path: &str, body: &Value, expected: u16) -> anyhow::Result<Value> {
    let resp = s
        .client
        .post(format!("{}{path}", s.base))
        .bearer_auth(&s.token)
        .json(body)
        .send()
        .await
        .with_context(|| format!("POST {path}"))?;
    let status = resp.status().as_u16();
    let reply: Value = resp.json().await.unwrap_or_default();
    anyhow::ensure!(status == expected, "POST {path}: {status} {reply}");
    Ok(reply)
}

fn id(reply: &Value) -> anyhow::Result<Uuid> {
    reply["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no id in {reply}"))
}

/// Creates what a campaign needs on `list` and the campaign itself; returns its id.
pub async fn create(s: &Services, list: Uuid) -> anyhow::Result<Uuid> {
    let template = post(
        s,
        "/v1/email-templates",
        &json!({ "name": "Open enrollment", "subject": "Your 2027 plan options",
                 "html_body": "<p>Compare plans</p>" }),
        201,
    )
    .await?;
    let form = post(
        s,
        "/v1/forms",
        &json!({ "name": "Quote request", "slug": "quote",
                 "fields": [
                     { "key": "first_name", "label": "First name", "field_type": "text" },
                     { "key": "email", "label": "Email", "field_type": "email", "required": true },
                     { "key": "zip", "label": "ZIP", "field_type": "zip" },
                     { "key": "plan", "label": "Plan", "field_type": "select",
                       "options": ["bronze", "silver", "gold"] } ] }),
        201,
    )
    .await?;
    let campaign = post(
        s,
        "/v1/campaigns",
        &json!({ "name": "Open enrollment", "subject": "Your 2027 plan options",
                 "from_name": "Broker", "from_email": "news@broker.test",
                 "list_id": list, "template_id": id(&template)?, "form_id": id(&form)? }),
        201,
    )
    .await?;
    id(&campaign)
}

/// Launches `campaign` now and polls it through the API until `completed`.
pub async fn launch_and_wait(
    s: &mut Services,
    campaign: Uuid,
    seed: u64,
    batch_size: u32,
    poll: Duration,
    timeout: Duration,
) -> anyhow::Result<SendRun> {
    let start = Instant::now();
    post(
        s,
        &format!("/v1/campaigns/{campaign}/launch"),
        &json!({ "seed": seed, "batch_size": batch_size }),
        202,
    )
    .await?;
    let accepted_s = start.elapsed().as_secs_f64();
    log(format!("launched (202 in {accepted_s:.2}s)"));
    let mut sending_s = None;
    let mut last_log = Instant::now();
    loop {
        let shown: Value = s
            .client
            .get(format!("{}/v1/campaigns/{campaign}", s.base))
            .bearer_auth(&s.token)
            .send()
            .await?
            .json()
            .await?;
        let status = shown["status"].as_str().unwrap_or_default().to_owned();
        let (done, total) = (&shown["batches"]["done"], &shown["batches"]["total"]);
        let at_s = start.elapsed().as_secs_f64();
        if sending_s.is_none() && status != "scheduled" {
            log(format!("{status} at {at_s:.2}s: {total} batches"));
            sending_s = Some(at_s);
        }
        match status.as_str() {
            "completed" => {
                log(format!("completed at {at_s:.2}s"));
                return Ok(SendRun {
                    accepted_s,
                    sending_s: sending_s.unwrap_or(at_s),
                    completed_s: at_s,
                    batches_total: total.as_i64().unwrap_or_default() as i32,
                });
            }
            "failed" | "cancelled" => anyhow::bail!("campaign {campaign} is {status}: {shown}"),
            _ => {}
        }
        if last_log.elapsed() > Duration::from_secs(10) {
            last_log = Instant::now();
            log(format!("{status} at {at_s:.0}s: {done}/{total} batches"));
        }
        s.check_alive()?;
        anyhow::ensure!(
            start.elapsed() < timeout,
            "campaign {campaign} not completed within {}s ({status}, {done}/{total})",
            timeout.as_secs()
        );
        tokio::time::sleep(poll).await;
    }
}
