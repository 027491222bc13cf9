//! `PATCH /v1/leads/{id}`: moves a lead along its status pipeline (`lead.manage`); a move the
//! pipeline does not allow is `409`. A move is audited with the status it left and took.

use axum::extract::State;
use axum::routing::patch;
use axum::{Json, Router};
use reachly_jobs::audit::{AuditEntry, SubjectType};
use reachly_jobs::campaigns::LeadStatus;
use reachly_jobs::{LeadId, Permission};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::path_id::PathId;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::openapi::errors::{BodyRefused, Conflict, RefusedOrNotFound};
use crate::shapes::campaigns::LeadMoved;
use crate::shapes::common::IdPath;
use crate::shapes::words;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/leads/{id}", patch(update))
}

/// A lead's move along its pipeline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadChange {
    /// `new → contacted | qualified | lost`, `contacted → qualified | lost`,
    /// `qualified → converted | lost`; `converted` and `lost` are final.
    #[schema(value_type = words::LeadStatus)]
    status: LeadStatus,
}

/// Move a lead along its pipeline
///
/// A move the pipeline does not allow is `409` (`lead.manage`).
#[utoipa::path(patch, path = "/v1/leads/{id}", tag = "leads", params(IdPath),
    request_body = LeadChange,
    responses((status = 200, description = "Moved", body = LeadMoved), RefusedOrNotFound,
        Conflict, BodyRefused))]
async fn update(
    State(state): State<AppState>,
    member: Member,
    PathId(lead): PathId<LeadId>,
    ApiJson(change): ApiJson<LeadChange>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = member.begin(&state, Permission::LeadManage).await?;
    let current: Option<LeadStatus> = sqlx::query_scalar(
        "select status from leads
          where organization_id = $1 and id = $2 and deleted_at is null
          for update",
    )
    .bind(tx.org())
    .bind(lead)
    .fetch_optional(&mut **tx)
    .await?;
    let current = current.ok_or(ApiError::NotFound("lead"))?;
    if !current.can_become(change.status) {
        return Err(ApiError::Conflict(format!(
            "a lead in status {current} cannot move to {}",
            change.status
        )));
    }
    let (status, updated_at): (LeadStatus, chrono::DateTime<chrono::Utc>) = sqlx::query_as(
        "update leads set status = $3, updated_at = now()
          where organization_id = $1 and id = $2
          returning status, updated_at",
    )
    .bind(tx.org())
    .bind(lead)
    .bind(change.status)
    .fetch_one(&mut **tx)
    .await?;
    let entry = AuditEntry::new("lead.status_changed", SubjectType::Lead, lead)
        .changed("status", current, status);
    member.audit(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(Json(json!({
        "id": lead,
        "status": status,
        "previous_status": current,
        "updated_at": updated_at,
    })))
}
