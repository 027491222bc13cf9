//! One attempt: each target masked batch by batch until none is left older than the cutoff.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::json;

use super::events;
use super::retention::IpRetention;
use super::targets::{MaskTarget, Masking, TARGETS};
use crate::kinds::gdpr_export::delete_expired_exports;
use crate::queue::{JobContext, JobError};

/// Rows masked per transaction: short transactions, few round trips.
const BATCH: i64 = 5_000;

pub(super) async fn run(ctx: &JobContext) -> Result<(), JobError> {
    let retention = ctx.service::<IpRetention>().copied().unwrap_or_default();
    let cutoff = Utc::now() - retention.window();
    let (mark, started) = events::watermark(ctx).await?;
    let mut masked = BTreeMap::new();
    for target in TARGETS {
        let count = match target.how {
            Masking::ByCampaign => events::mask(ctx, cutoff, mark).await?,
            _ => mask_all(ctx, &target, cutoff).await?,
        };
        masked.insert(target.column, count);
    }
    // Everything before the cutoff is masked now, for campaigns as they were when this run
    // began; the watermark moves in the transaction that records the success.
    let mut tx = ctx.begin().await?;
    sqlx::query(
        "insert into ip_anonymization_watermarks as w
                (organization_id, events_masked_until, campaigns_seen_until)
         values ($1, $2, $3)
         on conflict (organization_id) do update
            set events_masked_until = greatest(w.events_masked_until, excluded.events_masked_until),
                campaigns_seen_until = greatest(w.campaigns_seen_until, excluded.campaigns_seen_until)",
    )
    .bind(ctx.org())
    .bind(cutoff)
    .bind(started)
    .execute(&mut **tx)
    .await?;
    // The nightly privacy run also deletes GDPR exports past their download window.
    let expired_exports = delete_expired_exports(&mut tx).await?;
    let result = json!({
        "retention_days": retention.days,
        "cutoff": cutoff,
        "masked": masked,
        "expired_gdpr_exports_deleted": expired_exports,
    });
    ctx.succeed(tx, result).await
}

/// Masks `target` in batches, each its own transaction, until a batch finds nothing.
async fn mask_all(
    ctx: &JobContext,
    target: &MaskTarget,
    cutoff: chrono::DateTime<Utc>,
) -> Result<i64, JobError> {
    let statement = target.statement();
    let mut total = 0;
    loop {
        let mut tx = ctx.begin().await?;
        let masked: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(statement.clone()))
            .bind(cutoff)
            .bind(BATCH)
            .fetch_one(&mut **tx)
            .await?;
        tx.commit().await?;
        total += masked;
        if masked < BATCH {
            return Ok(total);
        }
    }
}
