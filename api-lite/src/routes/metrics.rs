//! `GET /metrics`: Prometheus text, unauthenticated (operators keep it on their network).
//! This process's figures, then the queue gauges read from `job_runs` (at most once a
//! second, however often it is asked: [`reachly_jobs::queue::stats::FRESH_FOR`]). The job
//! counters and histograms come from each worker's own endpoint.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use reachly_jobs::metrics::{self, queue_gauges, text::Text};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape))
}

/// Prometheus metrics
///
/// Prometheus text (format 0.0.4): the queue gauges (`reachly_queue_depth`,
/// `reachly_queue_oldest_age_seconds`, `reachly_queue_stats_up`) and this process's
/// figures. Unauthenticated: keep it on the operators' network.
#[utoipa::path(get, path = "/metrics", tag = "health", security(()),
    responses((status = 200, description = "Prometheus text",
        content_type = "text/plain", body = String)))]
pub async fn scrape(State(state): State<AppState>) -> impl IntoResponse {
    let figures = match state.queue_stats.read().await {
        Ok(figures) => Some(figures),
        Err(e) => {
            tracing::warn!(error = %e, "reading the queue gauges failed");
            None
        }
    };
    let mut queues = Text::default();
    queue_gauges::write(&mut queues, figures.as_deref());
    let mut body = state.exporter.render();
    body.push('\n');
    body.push_str(&queues.finish());
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], body)
}
