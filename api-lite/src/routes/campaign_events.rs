//! `GET /v1/campaigns/{id}/events`: a campaign's events in the order they happened, with an
//! optional type filter and an opaque keyset cursor.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use reachly_jobs::campaigns::reads::{EventPosition, events_page};
use reachly_jobs::simulate::EventType;
use reachly_jobs::{CampaignId, Permission};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::campaigns::require_campaign;
use super::paging::PageQuery;
use super::path_id::PathId;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/campaigns/{id}/events", get(index))
}

/// `?type=` of the listing (its `cursor` and `limit` are the [`PageQuery`]).
#[derive(Debug, Deserialize)]
struct TypeFilter {
    #[serde(rename = "type")]
    event_type: Option<EventType>,
}

async fn index(
    State(state): State<AppState>,
    member: Member,
    PathId(campaign): PathId<CampaignId>,
    ApiQuery(page): ApiQuery<PageQuery<EventPosition>>,
    ApiQuery(filter): ApiQuery<TypeFilter>,
) -> Result<Json<Value>, ApiError> {
    let mut sql = events_page(
        member.org.0,
        campaign,
        filter.event_type,
        page.cursor,
        page.fetch(),
    );
    let mut tx = member.begin(&state, Permission::CampaignRead).await?;
    require_campaign(&mut tx, campaign).await?;
    let rows: Vec<(DateTime<Utc>, Uuid, Value)> = sql.build_query_as().fetch_all(&mut **tx).await?;
    tx.commit().await?;
    let rows = rows
        .into_iter()
        .map(|(occurred_at, id, event)| (EventPosition { occurred_at, id }, event))
        .collect();
    Ok(page.page(rows))
}
