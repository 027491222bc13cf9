//! What the send left in the database, counted after it completed (as the maintenance role,
//! which sees every tenant's rows): the campaign's recipients and batches, the event rows
//! the throughput is measured in, leads and form responses, and the jobs it took.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

/// The send's output.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    pub recipients: i64,
    pub batches_total: i32,
    pub events: i64,
    pub events_by_type: BTreeMap<String, i64>,
    pub leads: i64,
    pub form_responses: i64,
    /// `campaigns.counts` as the send batches added them up.
    pub counts: serde_json::Value,
    pub send_jobs: i64,
    /// Attempts over every send job (more than `send_jobs` means retries).
    pub send_attempts: i64,
    pub launch_attempts: i64,
}

pub async fn count(maint: &PgPool, campaign: Uuid) -> anyhow::Result<Written> {
    let (recipients, batches_total, counts): (i64, i32, serde_json::Value) = sqlx::query_as(
        "select recipient_count, batches_total, counts from campaigns where id = $1",
    )
    .bind(campaign)
    .fetch_one(maint)
    .await?;
    let by_type: Vec<(String, i64)> = sqlx::query_as(
        "select event_type, count(*) from events where campaign_id = $1 group by 1 order by 1",
    )
    .bind(campaign)
    .fetch_all(maint)
    .await?;
    let one = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(campaign)
            .fetch_one(maint)
            .await
    };
    let leads = one("select count(*) from leads where campaign_id = $1").await?;
    let form_responses = one("select count(*) from form_responses where campaign_id = $1").await?;
    let (send_jobs, send_attempts, launch_attempts): (i64, i64, i64) = sqlx::query_as(
        "select count(*) filter (where kind = 'send'),
                coalesce(sum(attempts) filter (where kind = 'send'), 0)::int8,
                coalesce(sum(attempts) filter (where kind = 'launch'), 0)::int8
           from job_runs where kind in ('launch', 'send') and payload->>'campaign_id' = $1::text",
    )
    .bind(campaign)
    .fetch_one(maint)
    .await?;
    Ok(Written {
        recipients,
        batches_total,
        events: by_type.iter().map(|(_, n)| n).sum(),
        events_by_type: by_type.into_iter().collect(),
        leads,
        form_responses,
        counts,
        send_jobs,
        send_attempts,
        launch_attempts,
    })
}
