//! `DELETE /v1/contact-lists/{id}`: the thin HTTP side of
//! [`reachly_jobs::lists::delete::delete_list`], audited in its transaction.

use axum::extract::State;
use axum::http::StatusCode;
use reachly_jobs::audit::{AuditEntry, SubjectType};
use reachly_jobs::lists::delete::{DeleteListError, delete_list};
use reachly_jobs::{ListId, Permission};
use serde_json::json;

use super::path_id::PathId;
use crate::auth::Member;
use crate::error::ApiError;
use crate::openapi::errors::{Conflict, RefusedOrNotFound};
use crate::shapes::common::IdPath;
use crate::state::AppState;

impl From<DeleteListError> for ApiError {
    fn from(e: DeleteListError) -> Self {
        match e {
            DeleteListError::NotFound => ApiError::NotFound("contact list"),
            DeleteListError::Database(e) => e.into(),
            refused => ApiError::Conflict(refused.to_string()),
        }
    }
}

/// Delete a contact list
///
/// `204` once the list and its memberships are gone (its contacts stay); `409` while it is
/// imported or validated or while a campaign refers to it (`list.import`).
#[utoipa::path(delete, path = "/v1/contact-lists/{id}", tag = "contact lists", params(IdPath),
    responses((status = 204, description = "Deleted"), RefusedOrNotFound, Conflict))]
pub async fn delete(
    State(state): State<AppState>,
    member: Member,
    PathId(list): PathId<ListId>,
) -> Result<StatusCode, ApiError> {
    let mut tx = member.begin(&state, Permission::ListImport).await?;
    let deleted = delete_list(&mut tx, list).await?;
    let entry = AuditEntry::new("list.deleted", SubjectType::ContactList, list).details(json!({
        "status": deleted.status,
        "total_rows": deleted.total_rows,
        "members": deleted.members,
    }));
    member.audit(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
