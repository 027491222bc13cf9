//! The API side of a launch and a cancel, each in the caller's tenant transaction: the
//! campaign row is locked, so two launches of one campaign cannot both pass the `draft`
//! check (the second gets [`LaunchError::AlreadyLaunched`], a 409).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::payloads::LaunchPayload;
use super::record::SimulationRecord;
use super::status::CampaignStatus;
use super::timeline;
use crate::ids::CampaignId;
use crate::queue::NewJob;
use crate::queue::control::{CancelScope, Operation};
use crate::queue::submit::{SubmitError, Submitted, submit};
use crate::simulate::{SimulationConfig, SimulationOverrides};
use crate::tenancy::TenantTx;

/// Recipients per `send` batch unless the launch says otherwise.
pub const DEFAULT_BATCH_SIZE: u32 = 500;
/// Largest batch a launch may ask for.
pub const MAX_BATCH_SIZE: u32 = 5_000;

/// The body of `POST /v1/campaigns/{id}/launch`; every field optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchRequest {
    /// Start later: the launch job is delayed until then.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Send to `risky` addresses too (by default only `valid` ones).
    #[serde(default)]
    pub include_risky: bool,
    /// Recipients per send batch (1..=5000, default 500).
    pub batch_size: Option<u32>,
    /// The simulator's seed (random when absent; recorded either way).
    pub seed: Option<u64>,
    /// Origin of the simulated timeline (default: `scheduled_at`, else now).
    pub start_at: Option<DateTime<Utc>>,
    /// Overrides of the simulator's defaults (rates, delays, window).
    #[serde(default)]
    pub simulation: Option<SimulationOverrides>,
}

/// A launch that was accepted.
#[derive(Clone, Debug)]
pub struct Launched {
    pub job: Submitted,
    pub status: CampaignStatus,
    pub record: SimulationRecord,
}

/// Why a launch or cancel was refused.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("campaign not found")]
    NotFound,
    #[error("the campaign was already launched (status {0})")]
    AlreadyLaunched(CampaignStatus),
    #[error("only a scheduled or sending campaign can be cancelled (status {0})")]
    NotCancellable(CampaignStatus),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Submit(#[from] SubmitError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl LaunchRequest {
    /// The simulation this request asks for, checked.
    pub fn record(&self, now: DateTime<Utc>) -> Result<SimulationRecord, LaunchError> {
        let batch_size = self.batch_size.unwrap_or(DEFAULT_BATCH_SIZE);
        if !(1..=MAX_BATCH_SIZE).contains(&batch_size) {
            return Err(LaunchError::Invalid(format!(
                "batch_size must be between 1 and {MAX_BATCH_SIZE}"
            )));
        }
        let simulator = match &self.simulation {
            Some(o) => SimulationConfig::default().with_overrides(o),
            None => Ok(SimulationConfig::default()),
        }
        .map_err(|e| LaunchError::Invalid(format!("simulation: {e}")))?;
        let record = SimulationRecord {
            seed: self.seed.unwrap_or_else(rand::random),
            start_at: self.start_at.or(self.scheduled_at).unwrap_or(now),
            include_risky: self.include_risky,
            batch_size,
            simulator,
        };
        timeline::check_request(now, self.scheduled_at, record.start_at, record.horizon())
            .map_err(LaunchError::Invalid)?;
        Ok(record)
    }
}

/// Launches `campaign`: records its simulation, submits the (possibly delayed) `launch`
/// job and moves the campaign from `draft` to `scheduled`; the job moves it to `sending`.
pub async fn launch(
    tx: &mut TenantTx,
    campaign: CampaignId,
    request: &LaunchRequest,
    user: Option<Uuid>,
) -> Result<Launched, LaunchError> {
    let status: Option<CampaignStatus> = sqlx::query_scalar(
        "select status from campaigns
          where organization_id = $1 and id = $2 and deleted_at is null for update",
    )
    .bind(tx.org())
    .bind(campaign)
    .fetch_optional(&mut ***tx)
    .await?;
    match status {
        None => return Err(LaunchError::NotFound),
        Some(CampaignStatus::Draft) => {}
        Some(other) => return Err(LaunchError::AlreadyLaunched(other)),
    }
    let record = request.record(Utc::now())?;
    record.insert(tx, campaign.0).await?;
    let mut job = NewJob::from(&LaunchPayload {
        campaign_id: campaign.0,
    });
    job.run_at = request.scheduled_at;
    job.dedupe_key = Some(format!("launch:{campaign}"));
    let job = submit(tx, user, &[job]).await?.remove(0);
    sqlx::query(
        "update campaigns
            set status = 'scheduled', scheduled_at = coalesce($3, now()), launch_job_id = $4,
                include_risky = $5
          where organization_id = $1 and id = $2",
    )
    .bind(tx.org())
    .bind(campaign)
    .bind(request.scheduled_at)
    .bind(job.job.id)
    .bind(request.include_risky)
    .execute(&mut ***tx)
    .await?;
    Ok(Launched {
        job,
        status: CampaignStatus::Scheduled,
        record,
    })
}

/// Cancels a scheduled or sending campaign: a launch job that has not run is cancelled, and
/// send batches that start after this commit skip their recipients (a batch already running
/// finishes: the campaign stops between batches). Returns the status it was cancelled from.
pub async fn cancel(
    tx: &mut TenantTx,
    campaign: CampaignId,
) -> Result<CampaignStatus, LaunchError> {
    let row: Option<(CampaignStatus, Option<Uuid>)> = sqlx::query_as(
        "select status, launch_job_id from campaigns
          where organization_id = $1 and id = $2 and deleted_at is null for update",
    )
    .bind(tx.org())
    .bind(campaign)
    .fetch_optional(&mut ***tx)
    .await?;
    let (status, launch_job) = row.ok_or(LaunchError::NotFound)?;
    if !status.cancellable() {
        return Err(LaunchError::NotCancellable(status));
    }
    sqlx::query(
        "update campaigns set status = 'cancelled', completed_at = now()
          where organization_id = $1 and id = $2",
    )
    .bind(tx.org())
    .bind(campaign)
    .execute(&mut ***tx)
    .await?;
    if let Some(job) = launch_job {
        Operation::Cancel(CancelScope::Waiting)
            .apply(tx, job)
            .await?;
    }
    Ok(status)
}
