//! The shapes the simple reads share: `GET /v1/<resources>/{id}` (permission, id from the
//! path, one JSON row of the member's organization or a 404 naming it) and
//! `GET /v1/<resources>?cursor=` (newest first, keyset-paged on the id), each in the
//! member's tenant transaction.

use axum::Json;
use serde_json::Value;
use uuid::Uuid;

use super::input::path_id;
use super::paging::{before, limit, page, uuid_cursor};
use crate::auth::Member;
use crate::error::ApiError;
use crate::state::AppState;

/// Runs `sql` (binds: `$1` organization, `$2` id; selects one JSON value) for the id in
/// `raw_id`; `what` names the resource in the 404.
pub async fn show_one(
    state: &AppState,
    member: &Member,
    permission: &'static str,
    what: &'static str,
    raw_id: &str,
    sql: String,
) -> Result<Json<Value>, ApiError> {
    member.require(permission)?;
    let id = path_id(raw_id, what)?;
    let mut tx = state.db.tenant(member.org).await?;
    let row: Option<Value> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(member.org)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    tx.commit().await?;
    row.map(Json).ok_or(ApiError::NotFound(what))
}

/// One page of `sql` for a member with `permission` (binds: `$1` organization, `$2` the
/// cursor's id, or the all-ones UUID on the first page (see [`before`]), `$3` the row limit,
/// `$4` an optional text filter; selects `(id, json)` newest first).
pub async fn index_page(
    state: &AppState,
    member: &Member,
    permission: &'static str,
    sql: String,
    cursor: Option<&str>,
    requested_limit: Option<i64>,
    filter: Option<&str>,
) -> Result<Json<Value>, ApiError> {
    member.require(permission)?;
    let limit = limit(requested_limit);
    let mut tx = state.db.tenant(member.org).await?;
    let rows: Vec<(Uuid, Value)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(member.org)
        .bind(before(uuid_cursor(cursor)?))
        .bind(limit + 1)
        .bind(filter)
        .fetch_all(&mut **tx)
        .await?;
    tx.commit().await?;
    Ok(page(rows, limit, Uuid::to_string))
}
