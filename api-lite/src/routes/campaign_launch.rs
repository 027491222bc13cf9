//! `POST /v1/campaigns/{id}/launch` and `/cancel`: the thin HTTP side of
//! [`reachly_jobs::campaigns::launch`] (which checks and records everything in the tenant
//! transaction) and [`reachly_jobs::campaigns::cancel`], each audited in its transaction.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use reachly_jobs::audit::{AuditEntry, SubjectType};
use reachly_jobs::campaigns::{CampaignStatus, LaunchError, LaunchRequest, cancel, launch};
use reachly_jobs::{CampaignId, Permission};
use serde_json::{Value, json};

use super::path_id::PathId;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::{ApiJson, MAY_BE_EMPTY};
use crate::openapi::errors::{BodyRefused, Conflict, RefusedOrNotFound};
use crate::shapes::campaigns::{Cancelled, Launch, Launched};
use crate::shapes::common::IdPath;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/campaigns/{id}/launch", post(launch_campaign))
        .route("/v1/campaigns/{id}/cancel", post(cancel_campaign))
}

impl From<LaunchError> for ApiError {
    fn from(e: LaunchError) -> Self {
        match e {
            LaunchError::NotFound => ApiError::NotFound("campaign"),
            LaunchError::AlreadyLaunched(_) | LaunchError::NotCancellable(_) => {
                ApiError::Conflict(e.to_string())
            }
            LaunchError::Invalid(message) => ApiError::Unprocessable(message),
            LaunchError::Submit(e) => e.into(),
            LaunchError::Database(e) => e.into(),
        }
    }
}

/// Launch a campaign
///
/// Body (may be empty): all optional: `scheduled_at`, `include_risky`, `batch_size`, `seed`,
/// `start_at`, `simulation` overrides. `202` with the launch job; `409` when the campaign is
/// not a draft (`campaign.send`).
#[utoipa::path(post, path = "/v1/campaigns/{id}/launch", tag = "campaigns", params(IdPath),
    request_body(content = Option<Launch>, description = "May be empty"),
    responses((status = 202, description = "Launched", body = Launched), RefusedOrNotFound,
        Conflict, BodyRefused))]
async fn launch_campaign(
    State(state): State<AppState>,
    member: Member,
    PathId(campaign): PathId<CampaignId>,
    ApiJson(request): ApiJson<LaunchRequest, MAY_BE_EMPTY>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut tx = member.begin(&state, Permission::CampaignSend).await?;
    let launched = launch(&mut tx, campaign, &request, Some(member.user)).await?;
    let job = launched.job.job;
    let entry = AuditEntry::new("campaign.launched", SubjectType::Campaign, campaign)
        .details(json!({ "job_id": job.id, "seed": launched.record.seed,
                         "scheduled_at": request.scheduled_at }))
        .changed("status", CampaignStatus::Draft, launched.status);
    member.audit(&mut tx, entry).await?;
    tx.commit().await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "campaign": { "id": campaign, "status": launched.status,
                          "links": { "self": format!("/v1/campaigns/{campaign}") } },
            "simulation": launched.record,
            "seed": launched.record.seed,
            "job": { "id": job.id, "status": job.status, "run_at": job.run_at,
                     "links": { "self": format!("/v1/jobs/{}", job.id) } },
        })),
    ))
}

/// Cancel a campaign
///
/// Stops a scheduled or sending campaign between batches; `409` for any other status
/// (`campaign.send`).
#[utoipa::path(post, path = "/v1/campaigns/{id}/cancel", tag = "campaigns", params(IdPath),
    responses((status = 200, description = "Cancelled", body = Cancelled), RefusedOrNotFound,
        Conflict))]
async fn cancel_campaign(
    State(state): State<AppState>,
    member: Member,
    PathId(campaign): PathId<CampaignId>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = member.begin(&state, Permission::CampaignSend).await?;
    let was = cancel(&mut tx, campaign).await?;
    let entry = AuditEntry::new("campaign.cancelled", SubjectType::Campaign, campaign).changed(
        "status",
        was,
        CampaignStatus::Cancelled,
    );
    member.audit(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(Json(
        json!({ "campaign": { "id": campaign, "status": CampaignStatus::Cancelled } }),
    ))
}
