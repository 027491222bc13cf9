//! `GET /v1/campaigns/{id}/metrics` (per UTC day and over the campaign's life, JSON or
//! `?format=csv`) and `GET /v1/campaigns/{id}/metrics/segments` (split by the recipients'
//! validation status at send time). Final days come from the rollups, the rest live.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use reachly_jobs::analytics::campaign_metrics::{CampaignMetrics, campaign_metrics};
use reachly_jobs::analytics::figures::{FIGURE_NAMES, RATES};
use reachly_jobs::analytics::segments::campaign_segments;
use reachly_jobs::analytics::{DateRange, Figures, rates};
use reachly_jobs::{CampaignId, Permission};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::analytics_range::{Range, RangeQuery};
use super::campaigns::require_campaign;
use super::csv::{file_name, record, small_download};
use super::path_id::PathId;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::openapi::errors::{RefusedOrNotFound, Unprocessable};
use crate::shapes::analytics::CampaignSegments;
use crate::shapes::common::IdPath;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/campaigns/{id}/metrics", get(metrics))
        .route("/v1/campaigns/{id}/metrics/segments", get(segments))
}

/// `?format=`: JSON unless `csv`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum Format {
    #[default]
    Json,
    Csv,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FormatQuery {
    /// `json` (default) or `csv`: one record per day, then a `total` record.
    #[serde(default)]
    #[param(inline)]
    format: Format,
}

/// A campaign's metrics
///
/// Per UTC day (days with events or leads) and over the campaign's whole life, with rates;
/// final days come from the nightly rollups, the rest are counted live (`campaign.read`).
#[utoipa::path(get, path = "/v1/campaigns/{id}/metrics", tag = "analytics",
    params(IdPath, RangeQuery, FormatQuery),
    responses(
        (status = 200, description = "The metrics", content(
            (crate::shapes::analytics::CampaignMetrics = "application/json"), (String = "text/csv"))),
        RefusedOrNotFound, Unprocessable))]
async fn metrics(
    State(state): State<AppState>,
    member: Member,
    PathId(campaign): PathId<CampaignId>,
    Range(range): Range,
    ApiQuery(format): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    let mut tx = member.begin(&state, Permission::CampaignRead).await?;
    let name = require_campaign(&mut tx, campaign).await?;
    let metrics = campaign_metrics(&mut tx, campaign, range).await?;
    tx.commit().await?;
    Ok(match format.format {
        Format::Json => Json(metrics_json(campaign, range, &metrics)).into_response(),
        Format::Csv => {
            let name = file_name(
                &format!("{name} metrics {} {}", range.from, range.to),
                "metrics",
            );
            small_download(&name, metrics_csv(&metrics))
        }
    })
}

fn metrics_json(campaign: CampaignId, range: DateRange, metrics: &CampaignMetrics) -> Value {
    let days: Vec<Value> = metrics
        .days
        .iter()
        .map(|d| {
            let day = [("day", json!(d.day)), ("final", json!(d.is_final))];
            Value::Object(d.figures.json_with(day))
        })
        .collect();
    let totals = metrics
        .totals
        .figures
        .json_with([("final", json!(metrics.totals.is_final))]);
    json!({
        "campaign_id": campaign,
        "from": range.from,
        "to": range.to,
        "days": days,
        // Over the campaign's whole life, each contact counted once (not a sum of days).
        "totals": totals,
    })
}

/// The same figures as CSV: one record per day, then a `total` record; each rate's value
/// after the figures.
fn metrics_csv(metrics: &CampaignMetrics) -> String {
    let mut out = String::new();
    let header: Vec<&str> = ["day", "final"]
        .into_iter()
        .chain(FIGURE_NAMES)
        .chain(RATES.iter().map(|(name, _, _)| *name))
        .collect();
    record(header, &mut out);
    let mut line = |label: String, is_final: bool, figures: &Figures| {
        let rates = rates(figures);
        let cells: Vec<String> = [label, is_final.to_string()]
            .into_iter()
            .chain(figures.values().iter().map(i64::to_string))
            .chain(
                RATES
                    .iter()
                    .map(|(name, _, _)| match rates[name]["value"].as_f64() {
                        Some(v) => format!("{v:.6}"),
                        None => String::new(),
                    }),
            )
            .collect();
        record(cells.iter().map(String::as_str), &mut out);
    };
    for day in &metrics.days {
        line(day.day.to_string(), day.is_final, &day.figures);
    }
    line(
        "total".into(),
        metrics.totals.is_final,
        &metrics.totals.figures,
    );
    out
}

/// A campaign's metrics by segment
///
/// Its figures split by the recipients' validation status at send time (`campaign.read`).
#[utoipa::path(get, path = "/v1/campaigns/{id}/metrics/segments", tag = "analytics",
    params(IdPath),
    responses((status = 200, description = "The segments", body = CampaignSegments),
        RefusedOrNotFound))]
async fn segments(
    State(state): State<AppState>,
    member: Member,
    PathId(campaign): PathId<CampaignId>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = member.begin(&state, Permission::CampaignRead).await?;
    require_campaign(&mut tx, campaign).await?;
    let segments = campaign_segments(&mut tx, campaign).await?;
    tx.commit().await?;
    let segments: Vec<Value> = segments
        .into_iter()
        .map(|s| {
            let segment = [
                ("segment", json!(s.segment)),
                ("recipients", json!(s.recipients)),
            ];
            Value::Object(s.figures.json_with(segment))
        })
        .collect();
    Ok(Json(
        json!({ "campaign_id": campaign, "segments": segments }),
    ))
}
