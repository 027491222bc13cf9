//! `GET /v1/campaigns/{id}/events`: a campaign's events in the order they happened, with an
//! optional type filter and an opaque keyset cursor.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use sqlx::{Postgres, QueryBuilder};
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

    // Only the conditions asked for are in the statement, so the planner sees plain
    // equalities and ranges: (organization_id, campaign_id[, event_type], occurred_at) leads
    // events_org_campaign_type_time_idx / events_org_campaign_time_idx, and a cursor prunes
    // the monthly partitions before it.
    let mut sql: QueryBuilder<Postgres> = QueryBuilder::new(
        "select e.occurred_at, e.id,
                jsonb_build_object('id', e.id, 'type', e.event_type, 'contact_id', e.contact_id,
                    'occurred_at', e.occurred_at, 'created_at', e.created_at,
                    'data', e.event_data, 'ip', host(e.ip_address), 'user_agent', e.user_agent)
           from events e
          where e.organization_id = ",
    );
    sql.push_bind(member.org)
        .push(" and e.campaign_id = ")
        .push_bind(id);
    if let Some(t) = &query.event_type {
        sql.push(" and e.event_type = ").push_bind(t);
    }
    if let Some(after) = after {
        sql.push(" and e.occurred_at >= ")
            .push_bind(after.occurred_at)
            .push(" and (e.occurred_at, e.id) > (")
            .push_bind(after.occurred_at)
            .push(", ")
            .push_bind(after.id)
            .push(")");
    }
    sql.push(" order by e.occurred_at, e.id limit ")
        .push_bind(limit + 1);

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
