//! The campaign half of the user's path, through the API only: a template, a form and a
//! campaign on the validated list, launched at once, polled until `completed`.

use std::time::{Duration, Instant};

use serde_json::json;
use uuid::Uuid;

use crate::send::pipeline::SendRun;
use crate::send::progress::Progress;
use crate::stack::Services;

/// Creates what a campaign needs on `list` and the campaign itself; returns its id.
pub async fn create(s: &Services, list: Uuid) -> anyhow::Result<Uuid> {
    let template = json!({ "name": "Open enrollment", "subject": "Your 2027 plan options",
                           "html_body": "<p>Compare plans</p>" });
    let template = s.create("/v1/email-templates", &template).await?;
    let form = json!({ "name": "Quote request", "slug": "quote",
                       "fields": [
                           { "key": "first_name", "label": "First name", "field_type": "text" },
                           { "key": "email", "label": "Email", "field_type": "email",
                             "required": true },
                           { "key": "zip", "label": "ZIP", "field_type": "zip" },
                           { "key": "plan", "label": "Plan", "field_type": "select",
                             "options": ["bronze", "silver", "gold"] } ] });
    let form = s.create("/v1/forms", &form).await?;
    let campaign = json!({ "name": "Open enrollment", "subject": "Your 2027 plan options",
                           "from_name": "Broker", "from_email": "news@broker.test",
                           "list_id": list, "template_id": template, "form_id": form });
    s.create("/v1/campaigns", &campaign).await
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
    s.post(
        &format!("/v1/campaigns/{campaign}/launch"),
        &json!({ "seed": seed, "batch_size": batch_size }),
        202,
    )
    .await?;
    let mut progress = Progress::new(campaign, start, start.elapsed().as_secs_f64(), timeout);
    loop {
        let shown = s.get(&format!("/v1/campaigns/{campaign}")).await?;
        let status = shown["status"].as_str().unwrap_or_default();
        let batches = &shown["batches"];
        let (done, total) = (batches["done"].as_i64(), batches["total"].as_i64());
        if let Some(run) = progress.observe(status, done.unwrap_or(0), total.unwrap_or(0))? {
            return Ok(run);
        }
        s.check_alive()?;
        tokio::time::sleep(poll).await;
    }
}
