//! `/v1/ops/*`: what the ops dashboard reads and the queue pauses it makes. A member with
//! `ops.view` sees their organization's queues and throughput; a platform operator
//! (`users.platform_admin`) may ask for `?scope=platform` (every organization), and alone sees
//! the workers and schedules and pauses or resumes a queue.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use reachly_jobs::Permission;
use reachly_jobs::ops::queues::{self, Minute, StatusCount};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::IntoParams;

use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::openapi::errors::{Refused, RefusedOrNotFound};
use crate::shapes::ops::{QueuePause, Queues, Throughput};
use crate::shapes::words;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/ops/queues", get(queue_overview))
        .route("/v1/ops/throughput", get(throughput))
        .route("/v1/ops/workers", get(super::ops_platform::workers))
        .route("/v1/ops/schedules", get(super::ops_platform::schedules))
        .route(
            "/v1/ops/queues/{kind}/pause",
            post(|state, member, kind| super::ops_platform::set_paused(state, member, kind, true)),
        )
        .route(
            "/v1/ops/queues/{kind}/resume",
            post(|state, member, kind| super::ops_platform::set_paused(state, member, kind, false)),
        )
        .merge(super::ops_page::routes())
}

/// Whose jobs a reading covers.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The member's organization.
    #[default]
    Organization,
    /// Every organization (platform operators only).
    Platform,
}

/// `?scope=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScopeQuery {
    /// `platform` (every organization) for platform operators only.
    #[serde(default)]
    #[param(value_type = Option<words::OpsScope>)]
    scope: Scope,
}

/// `?scope=&minutes=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ThroughputQuery {
    /// `platform` (every organization) for platform operators only.
    #[serde(default)]
    #[param(value_type = Option<words::OpsScope>)]
    scope: Scope,
    /// The window, 1 to 1,440 minutes (60 by default).
    #[param(minimum = 1, maximum = 1440)]
    minutes: Option<i32>,
}

/// Counts and per-minute figures of the scope asked for, read where that scope is allowed.
async fn readings(
    state: &AppState,
    member: &Member,
    scope: Scope,
    minutes: i32,
) -> Result<(Vec<StatusCount>, Vec<Minute>, Vec<(String, DateTime<Utc>)>), ApiError> {
    let mut tx = member.begin(state, Permission::OpsView).await?;
    let paused = queues::paused(&mut tx).await?;
    let (counts, per_minute) = match scope {
        Scope::Organization => (
            queues::organization(&mut tx).await?,
            queues::organization_minutes(&mut tx, minutes).await?,
        ),
        Scope::Platform => {
            member.require_platform_admin()?;
            (
                queues::platform(&state.maint).await?,
                queues::platform_minutes(&state.maint, minutes).await?,
            )
        }
    };
    tx.commit().await?;
    Ok((counts, per_minute, paused))
}

/// The queues
///
/// Per kind: jobs queued, retryable, running and dead, the oldest waiting job's age, jobs
/// completed and failed in the last full minute, and the pause (`ops.view`).
#[utoipa::path(get, path = "/v1/ops/queues", tag = "ops", params(ScopeQuery),
    responses((status = 200, description = "Every kind's queue", body = Queues), Refused))]
pub async fn queue_overview(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(query): ApiQuery<ScopeQuery>,
) -> Result<Json<Value>, ApiError> {
    let (counts, per_minute, paused) = readings(&state, &member, query.scope, 2).await?;
    let now = Utc::now();
    let last_minute =
        now.duration_trunc(TimeDelta::minutes(1)).expect("a minute") - TimeDelta::minutes(1);
    let data: Vec<Value> = state
        .registry
        .queues()
        .iter()
        .map(|kind| {
            let count = |status: &str| {
                counts
                    .iter()
                    .find(|c| c.kind == *kind && c.status == status)
                    .map_or(0, |c| c.jobs)
            };
            let oldest = counts
                .iter()
                .filter(|c| c.kind == *kind && matches!(c.status.as_str(), "queued" | "retryable"))
                .filter_map(|c| c.oldest)
                .min();
            let minute = per_minute
                .iter()
                .find(|m| m.kind == *kind && m.minute == last_minute);
            let pause = paused.iter().find(|(queue, _)| queue == kind);
            json!({
                "kind": kind,
                "queued": count("queued"),
                "retryable": count("retryable"),
                "running": count("running"),
                "dead": count("dead"),
                "oldest_waiting_age_seconds": oldest.map(|at| (now - at).num_milliseconds() as f64 / 1000.0),
                "completed_last_minute": minute.map_or(0, |m| m.completed),
                "failed_last_minute": minute.map_or(0, |m| m.failed),
                "paused": pause.is_some(),
                "paused_at": pause.map(|(_, at)| at),
            })
        })
        .collect();
    Ok(Json(json!({ "scope": query.scope, "data": data })))
}

/// Throughput
///
/// Completed and failed per minute and kind, oldest first, every minute of the window listed
/// (zeros included) so a chart needs no gap filling (`ops.view`).
#[utoipa::path(get, path = "/v1/ops/throughput", tag = "ops", params(ThroughputQuery),
    responses((status = 200, description = "Per minute and kind", body = Throughput), Refused))]
pub async fn throughput(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(query): ApiQuery<ThroughputQuery>,
) -> Result<Json<Value>, ApiError> {
    let minutes = query.minutes.unwrap_or(60);
    if !(1..=1_440).contains(&minutes) {
        return Err(ApiError::BadRequest("`minutes` must be 1 to 1440".into()));
    }
    let (_, per_minute, _) = readings(&state, &member, query.scope, minutes).await?;
    let by_minute: HashMap<(&str, DateTime<Utc>), &Minute> = per_minute
        .iter()
        .map(|m| ((m.kind.as_str(), m.minute), m))
        .collect();
    let now = Utc::now()
        .duration_trunc(TimeDelta::minutes(1))
        .expect("a minute");
    let mut series: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for kind in state.registry.queues() {
        let points = (0..=minutes)
            .rev()
            .map(|back| {
                let minute = now - TimeDelta::minutes(i64::from(back));
                let found = by_minute.get(&(kind, minute));
                json!({
                    "minute": minute,
                    "completed": found.map_or(0, |m| m.completed),
                    "failed": found.map_or(0, |m| m.failed),
                })
            })
            .collect();
        series.insert(kind, points);
    }
    Ok(Json(json!({ "minutes": minutes, "kinds": series })))
}

/// Pause a queue
///
/// The feeder hands the queue nothing more; jobs already in Redis and running ones finish
/// (platform operators).
#[utoipa::path(post, path = "/v1/ops/queues/{kind}/pause", tag = "ops",
    params(("kind" = words::JobKind, Path, description = "The queue")),
    responses((status = 200, description = "Paused", body = QueuePause), RefusedOrNotFound))]
#[allow(dead_code)]
pub fn pause_doc() {}

/// Resume a queue
///
/// The feeder hands the queue its waiting jobs again (platform operators).
#[utoipa::path(post, path = "/v1/ops/queues/{kind}/resume", tag = "ops",
    params(("kind" = words::JobKind, Path, description = "The queue")),
    responses((status = 200, description = "Resumed", body = QueuePause), RefusedOrNotFound))]
#[allow(dead_code)]
pub fn resume_doc() {}
