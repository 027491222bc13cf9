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
use utoipa::IntoParams;
use uuid::Uuid;

use super::campaigns::require_campaign;
use super::paging::{PageParams, PageQuery};
use super::path_id::PathId;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::openapi::errors::RefusedOrNotFound;
use crate::shapes::campaigns::Event;
use crate::shapes::common::{IdPath, Page};
use crate::shapes::words;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/campaigns/{id}/events", get(index))
}

/// `?type=` of the listing (its `cursor` and `limit` are the [`PageQuery`]).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct TypeFilter {
    #[serde(rename = "type")]
    #[param(value_type = Option<words::EventType>)]
    event_type: Option<EventType>,
}

/// A campaign's events
///
/// In the order they happened (`occurred_at`, then id); the cursor is opaque
/// (`campaign.read`).
#[utoipa::path(get, path = "/v1/campaigns/{id}/events", tag = "campaigns",
    params(IdPath, PageParams, TypeFilter),
    responses((status = 200, description = "A page of events", body = Page<Event>),
        RefusedOrNotFound))]
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
