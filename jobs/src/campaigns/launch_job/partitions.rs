//! The monthly `events` partitions a launch's sends will write, created before its main
//! transaction.

use chrono::Datelike;
use uuid::Uuid;

use crate::campaigns::record::SimulationRecord;
use crate::campaigns::timeline;
use crate::queue::{JobContext, JobError};

/// Creates the monthly `events` partitions from the simulation's start to its horizon, in a
/// short transaction of its own (idempotent; serialized by the function's advisory lock). A
/// timeline outside what a launch may write is a permanent error: the job goes `dead` and
/// its campaign `failed` with the reason (migration 0018).
pub(super) async fn ensure(ctx: &JobContext, campaign: Uuid) -> Result<(), JobError> {
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
