//! `POST /v1/<resources>`: one handler for every resource clients create (templates, forms,
//! campaigns), each described by its [`NewResource`] body, audited in the creating
//! transaction.

use std::future::Future;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use reachly_jobs::audit::{AuditEntry, SubjectType};
use reachly_jobs::{Permission, TenantTx};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::AppState;

/// A resource's creation body. It exists so every create is the same steps (permission,
/// one tenant transaction, `201 Created` with the new resource and its `Location`) and a
/// resource says only what differs: its checks and its insert.
pub trait NewResource: DeserializeOwned + Send + 'static {
    /// The permission a member needs to create one.
    const WRITE: Permission;
    /// Where the created resources live: the new one is at `{PATH}/{id}`.
    const PATH: &'static str;
    /// The audit trail's `subject_type` of the resource (`campaign`), and the action its
    /// creation is recorded as (`campaign.created`).
    const SUBJECT: SubjectType;
    const CREATED: &'static str;

    /// Checks the body (a 422 naming the field) and inserts the resource in `tx`; returns
    /// its id and its JSON as the single read shows it.
    fn insert(
        self,
        tx: &mut TenantTx,
        member: &Member,
    ) -> impl Future<Output = Result<(Uuid, Value), ApiError>> + Send;

    /// What the creation's audit row says beside its subject (ids it refers to; never
    /// personal data), read from the created resource's JSON.
    fn audit_details(_resource: &Value) -> Value {
        json!({})
    }
}

/// The `POST` handler of a resource whose body is `N`.
pub async fn create<N: NewResource>(
    State(state): State<AppState>,
    member: Member,
    ApiJson(body): ApiJson<N>,
) -> Result<Response, ApiError> {
    let mut tx = member.begin(&state, N::WRITE).await?;
    let (id, resource) = body.insert(&mut tx, &member).await?;
    let entry = AuditEntry::new(N::CREATED, N::SUBJECT, id).details(N::audit_details(&resource));
    member.audit(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(located(
        StatusCode::CREATED,
        &format!("{}/{id}", N::PATH),
        resource,
    ))
}

/// `status` with `body` and a `Location` header naming `path` (where the resource is).
pub fn located(status: StatusCode, path: &str, body: Value) -> Response {
    let location = HeaderValue::from_str(path).expect("paths are ascii");
    (status, [(header::LOCATION, location)], Json(body)).into_response()
}
