//! The `launch` job: picks a campaign's recipients, assigns them to send batches and fans
//! out one `send` job per batch, all in one transaction with its success.
//!
//! Recipients are the members of the campaign's list whose address is `valid` (and `risky`
//! when the launch asked), not soft-deleted, still `subscribed` (not unsubscribed, bounced
//! or complained) and not on the organization's suppression list. Batches are contiguous
//! runs of contact ids, so a recipient's batch depends only on the recipient set and the
//! batch size ([`super::recipients`] picks and assigns them).

mod campaign_state;
mod partitions;
mod send_batches;

use std::time::{Duration, Instant};

use serde_json::json;

use self::campaign_state::{Launchable, lock_scheduled, start_sending};
use super::payloads::LaunchPayload;
use super::recipients::{self, Assigned};
use super::record::SimulationRecord;
use crate::ids::CampaignId;
use crate::privacy::SuppressionKey;
use crate::queue::{Job, JobContext, JobError};

impl Job for LaunchPayload {
    const KIND: &'static str = "launch";
    const CONCURRENCY_CAP: Option<usize> = Some(2);

    /// Runs one attempt of a `launch` job.
    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        let payload = self;
        let campaign = payload.campaign_id;
        let started = Instant::now();
        partitions::ensure(ctx, campaign).await?;
        let partitioned = started.elapsed();

        let mut tx = ctx.begin().await?;
        let list = match lock_scheduled(&mut tx, campaign).await? {
            Launchable::Scheduled { list } => list,
            Launchable::Cancelled => return ctx.succeed(tx, json!({ "cancelled": true })).await,
        };
        let record = SimulationRecord::load(&mut tx, campaign)
            .await?
            .ok_or_else(|| JobError::permanent(format!("campaign {campaign} has no simulation")))?;

        let assigning = Instant::now();
        let assigned: Assigned = recipients::assign(
            &mut tx,
            CampaignId(campaign),
            list,
            record.batch_size,
            record.include_risky,
            &ctx.service::<SuppressionKey>().cloned().unwrap_or_default(),
        )
        .await?;
        let assigned_in = assigning.elapsed();

        let fanning = Instant::now();
        send_batches::fan_out(ctx, &mut tx, campaign, &assigned).await?;
        start_sending(&mut tx, campaign, &assigned).await?;
        // Where the launch's time went, for operators (and the end-to-end benchmark).
        let millis = |d: Duration| d.as_millis() as u64;
        let timings = json!({
            "partitions_ms": millis(partitioned),
            "assign_ms": millis(assigned_in),
            "fan_out_ms": millis(fanning.elapsed()),
        });
        ctx.succeed(
            tx,
            json!({ "campaign_id": campaign, "recipients": assigned.recipients,
                    "send_batches": assigned.batches.len(), "timings": timings }),
        )
        .await
    }
}
