//! One attempt: each target masked batch by batch until none is left older than the cutoff.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::json;

use super::retention::IpRetention;
use super::targets::{MaskTarget, TARGETS};
use crate::queue::{JobContext, JobError};

/// Rows masked per transaction: short transactions, few round trips.
const BATCH: i64 = 5_000;

pub(super) async fn run(ctx: &JobContext) -> Result<(), JobError> {
    let retention = ctx.service::<IpRetention>().copied().unwrap_or_default();
    let cutoff = Utc::now() - retention.window();
    let mut masked = BTreeMap::new();
    for target in TARGETS {
        masked.insert(target.column, mask_all(ctx, &target, cutoff).await?);
    }
    let tx = ctx.begin().await?;
    let result = json!({
        "retention_days": retention.days,
        "cutoff": cutoff,
        "masked": masked,
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
