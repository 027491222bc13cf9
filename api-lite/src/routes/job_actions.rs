//! What the ops dashboard does to jobs beyond one job's cancel, retry and run-now
//! (`super::jobs`): explain why a job waits (`GET /v1/jobs/{id}/why`), and retry or cancel
//! every job matching a filter (`POST /v1/jobs/bulk`, with a dry run first, audited).

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use reachly_jobs::Permission;
use reachly_jobs::audit::{AuditEntry, SubjectType};
use reachly_jobs::ops::why;
use reachly_jobs::queue::control::{self, BulkAction};
use reachly_jobs::queue::filter::JobFilter;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::path_id::PathId;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::openapi::errors::{BodyRefused, Refused, RefusedOrNotFound};
use crate::shapes::common::IdPath;
use crate::shapes::ops::{BulkOutcome, WaitReason};
use crate::shapes::words;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/jobs/{id}/why", get(why_waiting))
        .route("/v1/jobs/bulk", post(bulk))
}

/// Why isn't this job running?
///
/// The first thing holding the job back, in the order the engine meets them, with the facts
/// it rests on (`ops.view`).
#[utoipa::path(get, path = "/v1/jobs/{id}/why", tag = "jobs", params(IdPath),
    responses((status = 200, description = "The reason", body = WaitReason), RefusedOrNotFound))]
pub async fn why_waiting(
    State(state): State<AppState>,
    member: Member,
    PathId(id): PathId<Uuid>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = member.begin(&state, Permission::OpsView).await?;
    let window = state.queue.backlog_window;
    let facts = why::facts(&mut tx, &state.maint, id, window, state.queue.stale_after)
        .await?
        .ok_or(ApiError::NotFound("job"))?;
    tx.commit().await?;
    let reason = why::explain(&facts);
    let mut body = serde_json::to_value(&reason).expect("a reason serializes");
    body["message"] = json!(reason.message());
    body["queue"] = json!(facts.queue);
    Ok(Json(body))
}

/// `{"action": "retry" | "cancel", "filter": {...}, "dry_run": true}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    #[schema(value_type = words::BulkAction)]
    action: BulkAction,
    /// Which jobs: `kind`, `status`, `from`, `to` (submission time), `id`, `dedupe_key`, as
    /// the listing's query (none: every job of the organization).
    #[serde(default)]
    #[schema(value_type = Object)]
    filter: JobFilter,
    /// Only count what the action would change.
    #[serde(default)]
    dry_run: bool,
}

/// Retry or cancel every job matching a filter
///
/// How many jobs match in a state the action applies to, and how many it changed (at most
/// `limit` per request); a dry run changes nothing (`ops.view`; else `ops.manage`).
#[utoipa::path(post, path = "/v1/jobs/bulk", tag = "jobs", request_body = BulkRequest,
    responses((status = 200, description = "What matched and changed", body = BulkOutcome),
        Refused, BodyRefused))]
pub async fn bulk(
    State(state): State<AppState>,
    member: Member,
    ApiJson(request): ApiJson<BulkRequest>,
) -> Result<Json<Value>, ApiError> {
    let permission = if request.dry_run {
        Permission::OpsView
    } else {
        Permission::OpsManage
    };
    let mut tx = member.begin(&state, permission).await?;
    let outcome = control::bulk(&mut tx, request.action, &request.filter, request.dry_run).await?;
    if !request.dry_run {
        let action = match request.action {
            BulkAction::Retry => "jobs.bulk_retried",
            BulkAction::Cancel => "jobs.bulk_cancelled",
        };
        let entry = AuditEntry::about_many(action, SubjectType::JobRun).details(json!({
            "filter": request.filter_summary(),
            "matched": outcome.matched,
            "changed": outcome.changed,
        }));
        member.audit(&mut tx, entry).await?;
    }
    tx.commit().await?;
    Ok(Json(json!({
        "action": request.action,
        "dry_run": request.dry_run,
        "matched": outcome.matched.min(control::BULK_MAX),
        "more": outcome.matched > control::BULK_MAX,
        "changed": outcome.changed,
        "limit": control::BULK_MAX,
    })))
}

impl BulkRequest {
    /// The filter as the audit row keeps it: which conditions, not a dedupe key's value
    /// (a client's key may name a person).
    fn filter_summary(&self) -> Value {
        let f = &self.filter;
        json!({
            "kind": f.kind, "status": f.status, "from": f.from, "to": f.to, "id": f.id,
            "dedupe_key": f.dedupe_key.as_ref().map(|_| "(given)"),
        })
    }
}
