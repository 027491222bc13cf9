//! `/v1/gdpr/requests`: open an export or erasure of one person (`gdpr.export` /
//! `gdpr.erase`; the job that serves it is submitted in the same transaction), read requests
//! (either permission) and download a finished export (`super::gdpr_download`). A request
//! shows statuses, counts and its receipt, never the address.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use reachly_jobs::audit::{AuditEntry, SubjectType};
use reachly_jobs::kinds::gdpr_erasure::GdprErasure;
use reachly_jobs::kinds::gdpr_export::GdprExport;
use reachly_jobs::privacy::requests::{RequestKind, attach_job, open_request};
use reachly_jobs::queue::NewJob;
use reachly_jobs::queue::submit::submit;
use reachly_jobs::validate::NormalizedEmail;
use reachly_jobs::{GdprRequestId, Permission, TenantTx};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::creates::located;
use super::input::{bounded, limits};
use super::paging::PageParams;
use super::reads::Resource;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::openapi::errors::{BodyRefused, Refused, RefusedOrNotFound};
use crate::shapes::common::{IdPath, Page};
use crate::shapes::gdpr::{GdprRequest, GdprRequested};
use crate::shapes::words;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/gdpr/requests", post(create).merge(REQUESTS.index()))
        .route("/v1/gdpr/requests/{id}", REQUESTS.show::<GdprRequestId>())
        .route(
            "/v1/gdpr/requests/{id}/export",
            get(super::gdpr_download::download),
        )
}

/// A request as the API shows it (`r` is the `gdpr_requests` row): its receipt once
/// completed, its error once failed, and its export while it can be downloaded.
const REQUEST_JSON: &str = "jsonb_build_object('id', r.id, 'type', r.kind, 'status', r.status,
        'requested_by', r.requested_by, 'job_id', r.job_run_id,
        'created_at', r.created_at, 'completed_at', r.completed_at,
        'receipt', case when r.status = 'completed' then r.result end,
        'error', case when r.status = 'failed' then r.result ->> 'error' end,
        'export', (select jsonb_build_object('bytes', e.bytes, 'expires_at', e.expires_at,
                                             'download', format('/v1/gdpr/requests/%s/export', r.id))
                     from gdpr_exports e
                    where e.organization_id = r.organization_id and e.gdpr_request_id = r.id
                      and e.expires_at > now()),
        'links', jsonb_build_object('self', format('/v1/gdpr/requests/%s', r.id)))";

/// GDPR requests as the reads show them.
static REQUESTS: Resource = Resource::new("gdpr request", "gdpr_requests r", REQUEST_JSON)
    .read_by(Permission::GdprExport)
    .read_by(Permission::GdprErase);

/// `{"type": "export" | "erasure", "email": "..."}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = GdprRequestBody)]
pub struct RequestBody {
    #[serde(rename = "type")]
    #[schema(value_type = words::GdprRequestType)]
    kind: RequestKind,
    /// The person's address (at most 254 characters).
    #[schema(format = Email, max_length = 254)]
    email: String,
}

/// The organization's GDPR requests
///
/// Newest first: statuses, receipts, exports' expiry; never the address (`gdpr.export` or
/// `gdpr.erase`).
#[utoipa::path(get, path = "/v1/gdpr/requests", tag = "gdpr", params(PageParams),
    responses((status = 200, description = "A page of requests", body = Page<GdprRequest>),
        Refused))]
#[allow(dead_code)]
fn index_doc() {}

/// A GDPR request
///
/// Its status, receipt and the export's expiry (`gdpr.export` or `gdpr.erase`).
#[utoipa::path(get, path = "/v1/gdpr/requests/{id}", tag = "gdpr", params(IdPath),
    responses((status = 200, description = "The request", body = GdprRequest), RefusedOrNotFound))]
#[allow(dead_code)]
fn show_doc() {}

impl RequestBody {
    /// The permission the request needs and its address, parsed (a 422 naming `email`).
    fn parse(&self) -> Result<(Permission, NormalizedEmail), ApiError> {
        bounded("email", &self.email, limits::EMAIL)?;
        let email = self
            .email
            .parse()
            .map_err(|e| ApiError::Unprocessable(format!("`email` is not an address: {e}")))?;
        let permission = match self.kind {
            RequestKind::Export => Permission::GdprExport,
            RequestKind::Erasure => Permission::GdprErase,
        };
        Ok((permission, email))
    }
}

/// Open a GDPR export or erasure
///
/// Of one person, by address: `202` with the request and the job that serves it
/// (`gdpr.export` / `gdpr.erase`).
#[utoipa::path(post, path = "/v1/gdpr/requests", tag = "gdpr", request_body = RequestBody,
    responses(
        (status = 202, description = "Accepted", body = GdprRequested,
            headers(("Location" = String, description = "Where the request is"))),
        Refused, BodyRefused))]
async fn create(
    State(state): State<AppState>,
    member: Member,
    ApiJson(body): ApiJson<RequestBody>,
) -> Result<Response, ApiError> {
    let (permission, email) = body.parse()?;
    let mut tx = member.begin(&state, permission).await?;
    let request = open_request(
        &mut tx,
        body.kind,
        &email,
        &state.suppression_key,
        member.user,
    )
    .await?;
    let job = match body.kind {
        RequestKind::Export => NewJob::from(&GdprExport {
            request_id: request,
        }),
        RequestKind::Erasure => NewJob::from(&GdprErasure {
            request_id: request,
        }),
    };
    let job = submit(&mut tx, Some(member.user), &[job])
        .await?
        .remove(0)
        .job;
    attach_job(&mut tx, request, job.id).await?;
    let entry = AuditEntry::new("gdpr.requested", SubjectType::GdprRequest, request)
        .details(json!({ "type": body.kind, "job_id": job.id }));
    member.audit(&mut tx, entry).await?;
    let shown = request_json(&mut tx, request).await?;
    tx.commit().await?;
    let body = json!({
        "request": shown,
        "job": { "id": job.id, "kind": job.kind, "status": job.status,
                 "links": { "self": format!("/v1/jobs/{}", job.id) } },
    });
    let path = format!("/v1/gdpr/requests/{request}");
    Ok(located(StatusCode::ACCEPTED, &path, body))
}

/// `request` as the reads show it.
async fn request_json(tx: &mut TenantTx, request: GdprRequestId) -> Result<Value, ApiError> {
    let org = tx.org();
    let shown = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "select {REQUEST_JSON} from gdpr_requests r where r.organization_id = $1 and r.id = $2"
    )))
    .bind(org)
    .bind(request)
    .fetch_one(&mut ***tx)
    .await?;
    Ok(shown)
}
