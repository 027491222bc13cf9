//! `GET /v1/gdpr/requests/{id}/export` (`gdpr.export`): a finished export's document as a
//! JSON attachment, until it expires (`410` after). Each download is audited: who took which
//! person's data, from where.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use reachly_jobs::audit::{AuditEntry, SubjectType};
use reachly_jobs::privacy::requests::{RequestKind, RequestStatus};
use reachly_jobs::{GdprRequestId, Permission};
use serde_json::{Value, json};

use super::path_id::PathId;
use crate::auth::Member;
use crate::error::ApiError;
use crate::openapi::errors::{Conflict, Gone, RefusedOrNotFound};
use crate::shapes::common::IdPath;
use crate::state::AppState;

/// A request and its stored export, as the download reads them.
#[derive(sqlx::FromRow)]
struct Stored {
    kind: RequestKind,
    status: RequestStatus,
    /// `None` once expired (or deleted by the nightly run).
    document: Option<Value>,
    bytes: Option<i64>,
}

/// Download a GDPR export
///
/// The export document as a JSON attachment; `409` before it is ready or for an erasure,
/// `410` once expired. Audited as `gdpr.export_downloaded` (`gdpr.export`).
#[utoipa::path(get, path = "/v1/gdpr/requests/{id}/export", tag = "gdpr", params(IdPath),
    responses((status = 200, description = "The export document (an attachment)", body = Object),
        RefusedOrNotFound, Conflict, Gone))]
pub async fn download(
    State(state): State<AppState>,
    member: Member,
    PathId(request): PathId<GdprRequestId>,
) -> Result<Response, ApiError> {
    let mut tx = member.begin(&state, Permission::GdprExport).await?;
    let stored: Option<Stored> = sqlx::query_as(
        "select r.kind, r.status, e.bytes,
                case when e.expires_at > now() then e.document end as document
           from gdpr_requests r
           left join gdpr_exports e
             on e.organization_id = r.organization_id and e.gdpr_request_id = r.id
          where r.organization_id = $1 and r.id = $2",
    )
    .bind(member.org)
    .bind(request)
    .fetch_optional(&mut **tx)
    .await?;
    let stored = stored.ok_or(ApiError::NotFound("gdpr request"))?;
    if stored.kind != RequestKind::Export {
        return Err(ApiError::Conflict(format!(
            "request {request} is an erasure: it has no export"
        )));
    }
    if stored.status != RequestStatus::Completed {
        return Err(ApiError::Conflict(format!(
            "the export is not ready (the request is {})",
            stored.status
        )));
    }
    let document = stored.document.ok_or_else(|| {
        ApiError::Gone("the export has expired; open a new request to export again".into())
    })?;
    let entry = AuditEntry::new("gdpr.export_downloaded", SubjectType::GdprRequest, request)
        .details(json!({ "bytes": stored.bytes }));
    member.audit(&mut tx, entry).await?;
    tx.commit().await?;
    let disposition = format!("attachment; filename=\"gdpr-export-{request}.json\"");
    let disposition = HeaderValue::from_str(&disposition).expect("ascii");
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(document)).into_response())
}
