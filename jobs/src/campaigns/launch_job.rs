//! The `launch` job: picks a campaign's recipients, assigns them to send batches and fans
//! out one `send` job per batch, all in one transaction with its success.
//!
//! Recipients are the members of the campaign's list whose address is `valid` (and `risky`
//! when the launch asked), not soft-deleted, still `subscribed` (not unsubscribed, bounced
//! or complained) and not on the organization's suppression list. Batches are contiguous
//! runs of contact ids, so a recipient's batch depends only on the recipient set and the
//! batch size ([`super::recipients`] picks and assigns them).

use chrono::Datelike;
use serde_json::json;
use uuid::Uuid;

use super::payloads::{LaunchPayload, SendPayload};
use super::recipients::{self, Assigned};
use super::record::SimulationRecord;
use super::status::CampaignStatus;
use super::timeline;
use crate::ids::{CampaignId, ListId};
use crate::queue::{Job, JobContext, JobError, NewJob};

impl Job for LaunchPayload {
    const KIND: &'static str = "launch";
    const CONCURRENCY_CAP: Option<usize> = Some(2);

    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        run(ctx, self).await
    }
}

/// Runs one attempt of a `launch` job.
async fn run(ctx: &JobContext, payload: LaunchPayload) -> Result<(), JobError> {
    let campaign = payload.campaign_id;
    let started = std::time::Instant::now();
    ensure_partitions(ctx, campaign).await?;
    let partitioned = started.elapsed();

    let mut tx = ctx.begin().await?;
    let row: Option<(CampaignStatus, ListId)> = sqlx::query_as(
        "select status, list_id from campaigns
          where organization_id = $1 and id = $2 for update",
    )
    .bind(ctx.org())
    .bind(campaign)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((status, list)) = row else {
        return Err(JobError::permanent(format!(
            "campaign {campaign} not found"
        )));
    };
    match status {
        CampaignStatus::Scheduled => {}
        CampaignStatus::Cancelled => return ctx.succeed(tx, json!({ "cancelled": true })).await,
        other => {
            return Err(JobError::permanent(format!(
                "campaign {campaign} is {other}, not scheduled"
            )));
        }
    }
    let record = SimulationRecord::load(&mut tx, campaign)
        .await?
        .ok_or_else(|| JobError::permanent(format!("campaign {campaign} has no simulation")))?;

    let assigning = std::time::Instant::now();
    let Assigned {
        recipients,
        batches,
    } = recipients::assign(
        &mut tx,
        CampaignId(campaign),
        list,
        record.batch_size,
        record.include_risky,
    )
    .await?;

    let assigned = assigning.elapsed();
    let fanning = std::time::Instant::now();
    let jobs: Vec<NewJob> = (0_i32..)
        .zip(&batches)
        .map(|(batch_no, range)| {
            let mut job = NewJob::from(&SendPayload {
                campaign_id: campaign,
                batch_no,
                first_contact: range.first,
                last_contact: range.last,
            });
            job.dedupe_key = Some(format!("send:{campaign}:{batch_no}"));
            job
        })
        .collect();
    ctx.fan_out(&mut tx, jobs, recipients).await?;
    sqlx::query(
        "update campaigns
            set status = case when $3 = 0 then 'completed' else 'sending' end,
                started_at = now(), completed_at = case when $3 = 0 then now() end,
                recipient_count = $3, batches_total = $4, batches_done = 0,
                counts = jsonb_build_object('recipients', 0)
          where organization_id = $1 and id = $2",
    )
    .bind(ctx.org())
    .bind(campaign)
    .bind(recipients)
    .bind(batches.len() as i32)
    .execute(&mut **tx)
    .await?;
    // Where the launch's time went, for operators (and the end-to-end benchmark).
    let millis = |d: std::time::Duration| d.as_millis() as u64;
    let timings = json!({
        "partitions_ms": millis(partitioned),
        "assign_ms": millis(assigned),
        "fan_out_ms": millis(fanning.elapsed()),
    });
    ctx.succeed(
        tx,
        json!({ "campaign_id": campaign, "recipients": recipients, "send_batches": batches.len(),
                "timings": timings }),
    )
    .await
}

/// Creates the monthly `events` partitions from the simulation's start to its horizon, in a
/// short transaction of its own (idempotent; serialized by the function's advisory lock). A
/// timeline outside what a launch may write is a permanent error: the job goes `dead` and
/// its campaign `failed` with the reason (migration 0018).
async fn ensure_partitions(ctx: &JobContext, campaign: Uuid) -> Result<(), JobError> {
    let mut tx = ctx.begin().await?;
    let Some(record) = SimulationRecord::load(&mut tx, campaign).await? else {
        return Ok(());
    };
    timeline::check_at_launch(chrono::Utc::now(), record.start_at, record.horizon())
        .map_err(JobError::permanent)?;
    let (from, to) = (record.start_at.date_naive(), record.horizon().date_naive());
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
    sqlx::query("select ensure_send_partitions($1, $2)")
        .bind(from)
        .bind(months)
        .execute(&mut **tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
