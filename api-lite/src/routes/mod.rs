//! The HTTP routes.

pub mod analytics;
pub mod analytics_range;
pub mod audit_logs;
pub mod campaign_events;
pub mod campaign_launch;
pub mod campaign_leads;
pub mod campaign_metrics;
pub mod campaigns;
pub mod creates;
pub mod csv;
pub mod event_cursor;
pub mod export;
pub mod form_fields;
pub mod forms;
pub mod gdpr;
pub mod gdpr_download;
pub mod health;
pub mod input;
pub mod job_actions;
pub mod jobs;
pub mod lead_export;
pub mod leads;
pub mod list_delete;
pub mod lists;
pub mod metrics;
pub mod ops;
pub mod ops_page;
pub mod ops_platform;
pub mod paging;
pub mod path_id;
pub mod reads;
pub mod templates;

use axum::Router;
use axum::extract::DefaultBodyLimit;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest request body accepted by default (a batch of 1,000 jobs fits).
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The API: [`routes`] with the error fallbacks, the body limit, the JSON error shape and
/// the state.
pub fn router(state: AppState) -> Router {
    routes(state.upload_limit)
        .fallback(|| async { ApiError::NotFound("route") })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(crate::error_shape::json_errors))
        .with_state(state)
}

/// Every route the API serves (each documented in [`crate::openapi::ApiDoc`]).
pub fn routes(upload_limit: u64) -> Router<AppState> {
    Router::new()
        .merge(health::routes())
        .merge(crate::openapi::routes())
        .merge(metrics::routes())
        .merge(jobs::routes())
        .merge(ops::routes())
        .merge(lists::routes(upload_limit))
        .merge(export::routes())
        .merge(templates::routes())
        .merge(forms::routes())
        .merge(campaigns::routes())
        .merge(analytics::routes())
        .merge(leads::routes())
        .merge(audit_logs::routes())
        .merge(gdpr::routes())
}
