//! Liveness and readiness.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::openapi::errors::Unavailable;
use crate::shapes::health::{Health, Ready};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// Liveness
///
/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", security(()),
    responses((status = 200, description = "Up", body = Health)))]
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness
///
/// Postgres and Redis both answer.
#[utoipa::path(get, path = "/readyz", tag = "health", security(()),
    responses((status = 200, description = "Ready", body = Ready), Unavailable))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state
        .db
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("postgres: {e}")))?;
    let mut redis = state.redis.clone();
    redis::cmd("PING")
        .query_async::<String>(&mut redis)
        .await
        .map_err(|e| ApiError::Unavailable(format!("redis: {e}")))?;
    Ok(Json(
        json!({ "status": "ready", "postgres": "ok", "redis": "ok" }),
    ))
}
