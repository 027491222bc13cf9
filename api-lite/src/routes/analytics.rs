//! The organization's dashboards: `GET /v1/analytics/campaigns` (every campaign started in
//! the range, with its totals and rates) and `GET /v1/analytics/leads` (leads by source and
//! status, with conversion rates).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use reachly_jobs::Permission;
use reachly_jobs::analytics::campaigns_table::campaigns_table;
use reachly_jobs::analytics::leads::leads_by_source;
use reachly_jobs::campaigns::CampaignStatus;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::IntoParams;

use super::analytics_range::{Range, RangeQuery};
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::openapi::errors::{Refused, Unprocessable};
use crate::shapes::analytics::{CampaignsTable, LeadsBySource};
use crate::shapes::words;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/analytics/campaigns", get(campaigns))
        .route("/v1/analytics/leads", get(leads))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StatusFilter {
    #[param(value_type = Option<words::CampaignStatus>)]
    status: Option<CampaignStatus>,
}

/// Campaigns with their totals
///
/// Every campaign started (or, never launched, created) in the range, newest first, with its
/// totals and rates (`campaign.read`).
#[utoipa::path(get, path = "/v1/analytics/campaigns", tag = "analytics",
    params(RangeQuery, StatusFilter),
    responses((status = 200, description = "The campaigns", body = CampaignsTable),
        Refused, Unprocessable))]
async fn campaigns(
    State(state): State<AppState>,
    member: Member,
    Range(range): Range,
    ApiQuery(filter): ApiQuery<StatusFilter>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = member.begin(&state, Permission::CampaignRead).await?;
    let rows = campaigns_table(&mut tx, range, filter.status).await?;
    tx.commit().await?;
    let campaigns: Vec<Value> = rows
        .into_iter()
        .map(|c| {
            let totals = c
                .totals
                .figures
                .json_with([("final", json!(c.totals.is_final))]);
            json!({
                "id": c.id,
                "name": c.name,
                "status": c.status,
                "started_at": c.started_at,
                "created_at": c.created_at,
                "totals": totals,
            })
        })
        .collect();
    Ok(Json(
        json!({ "from": range.from, "to": range.to, "campaigns": campaigns }),
    ))
}

/// Leads by source
///
/// Leads created in the range by source and status, with conversion rates (`lead.read`).
#[utoipa::path(get, path = "/v1/analytics/leads", tag = "analytics", params(RangeQuery),
    responses((status = 200, description = "The leads", body = LeadsBySource),
        Refused, Unprocessable))]
async fn leads(
    State(state): State<AppState>,
    member: Member,
    Range(range): Range,
) -> Result<Json<Value>, ApiError> {
    let mut tx = member.begin(&state, Permission::LeadRead).await?;
    let (sources, all) = leads_by_source(&mut tx, range).await?;
    tx.commit().await?;
    let sources: Vec<Value> = sources
        .into_iter()
        .map(|(source, leads)| {
            let mut out: Map<String, Value> = leads.to_json();
            out.insert("source".into(), json!(source));
            Value::Object(out)
        })
        .collect();
    Ok(Json(json!({
        "from": range.from,
        "to": range.to,
        "sources": sources,
        "totals": all.to_json(),
    })))
}
