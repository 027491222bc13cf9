//! When each phase ran, from the jobs' own records (`job_runs`, read as the maintenance role
//! after the run), in seconds after the upload's commit (the import job's creation).

use anyhow::Context;
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

/// The campaign half's job times and what it wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CampaignPhases {
    /// The launch job: created (the launch request's commit), started, finished.
    pub launch_created_s: f64,
    pub launch_started_s: f64,
    pub launch_finished_s: f64,
    pub send_jobs: i64,
    pub send_attempts: i64,
    pub sends_last_finished_s: f64,
    pub recipients: i64,
    pub events: i64,
    /// The launch job's own account of its steps (`result.timings`).
    pub launch_timings: serde_json::Value,
}

impl CampaignPhases {
    /// The launch job from its submission to its commit.
    pub fn launch_seconds(&self) -> f64 {
        self.launch_finished_s - self.launch_created_s
    }

    /// The send batches, from the launch job's commit to the last batch's.
    pub fn sends_seconds(&self) -> f64 {
        self.sends_last_finished_s - self.launch_finished_s
    }
}

/// Reads the launch and send jobs of `campaign`, timed from the import job of `list`.
pub async fn campaign(
    maint: &PgPool,
    list: Uuid,
    campaign: Uuid,
) -> anyhow::Result<CampaignPhases> {
    type Row = (
        f64,
        f64,
        f64,
        Option<serde_json::Value>,
        i64,
        Option<i64>,
        Option<f64>,
    );
    let (
        launch_created_s,
        launch_started_s,
        launch_finished_s,
        launch_timings,
        send_jobs,
        send_attempts,
        last,
    ): Row = sqlx::query_as(
        "select extract(epoch from l.created_at - i.created_at)::float8,
                extract(epoch from l.started_at - i.created_at)::float8,
                extract(epoch from l.finished_at - i.created_at)::float8,
                l.result -> 'timings',
                s.jobs, s.attempts,
                extract(epoch from s.last_finished - i.created_at)::float8
           from job_runs l, job_runs i,
                lateral (select count(*) as jobs, sum(attempts)::bigint as attempts,
                                max(finished_at) as last_finished
                           from job_runs where kind = 'send'
                            and payload->>'campaign_id' = $2::text) s
          where l.kind = 'launch' and l.payload->>'campaign_id' = $2::text
            and i.kind = 'import' and i.payload->>'list_id' = $1::text",
    )
    .bind(list)
    .bind(campaign)
    .fetch_one(maint)
    .await
    .context("the launch and send jobs' times")?;
    let (recipients, events): (i64, i64) = sqlx::query_as(
        "select (select count(*) from campaign_contact_assignments where campaign_id = $1),
                (select count(*) from events where campaign_id = $1)",
    )
    .bind(campaign)
    .fetch_one(maint)
    .await?;
    Ok(CampaignPhases {
        launch_created_s,
        launch_started_s,
        launch_finished_s,
        send_jobs,
        send_attempts: send_attempts.unwrap_or(0),
        sends_last_finished_s: last.unwrap_or(launch_finished_s),
        recipients,
        events,
        launch_timings: launch_timings.unwrap_or_default(),
    })
}
