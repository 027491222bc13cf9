//! The HTTP routes.

pub mod export;
pub mod health;
pub mod jobs;
pub mod lists;

use axum::Router;
use axum::extract::DefaultBodyLimit;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest request body accepted by default (a batch of 1,000 jobs fits).
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(health::routes())
        .merge(jobs::routes())
        .merge(lists::routes(state.upload_limit))
        .merge(export::routes())
        .fallback(|| async { ApiError::NotFound("route") })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}
