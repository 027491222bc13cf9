//! `GET /v1/campaigns/{id}/events`: a campaign's events in the order they happened, with an
//! optional type filter and an opaque keyset cursor.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use reachly_jobs::campaigns::reads::{EventPosition, events_page};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::campaigns::require_campaign;
use super::event_cursor::EventCursor;
use super::input::path_id;
use super::paging::{limit, page};
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/campaigns/{id}/events", get(index))
}

/// The event types (the `events.event_type` check constraint).
const TYPES: [&str; 9] = [
    "sent",
    "delivered",
    "bounce",
    "open",
    "click",
    "unsubscribe",
    "complaint",
    "form_view",
    "form_submit",
];

/// `?type=&cursor=&limit=`.
#[derive(Debug, Deserialize)]
struct EventsQuery {
    #[serde(rename = "type")]
    event_type: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

async fn index(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<Json<Value>, ApiError> {
    member.require("campaign.read")?;
    let id = path_id(&id, "campaign")?;
    if let Some(t) = query.event_type.as_deref()
        && !TYPES.contains(&t)
    {
        return Err(ApiError::Unprocessable(format!(
            "unknown event type {t:?} (expected one of {})",
            TYPES.join(", ")
        )));
    }
    let after = query
        .cursor
        .as_deref()
        .map(EventCursor::decode)
        .transpose()?;
    let limit = limit(query.limit);

    let mut sql = events_page(
        member.org.0,
        id,
        query.event_type.clone(),
        after.map(|c| EventPosition {
            occurred_at: c.occurred_at,
            id: c.id,
        }),
        limit + 1,
    );

    let mut tx = state.db.tenant(member.org).await?;
    require_campaign(&mut tx, id).await?;
    let rows: Vec<(DateTime<Utc>, Uuid, Value)> = sql.build_query_as().fetch_all(&mut **tx).await?;
    tx.commit().await?;
    let rows = rows
        .into_iter()
        .map(|(occurred_at, id, event)| (EventCursor { occurred_at, id }, event))
        .collect();
    Ok(page(rows, limit, EventCursor::encode))
}
