//! Shared state of the API's handlers.

use std::sync::Arc;

use reachly_jobs::config::QueueSettings;
use reachly_jobs::metrics::Exporter;
use reachly_jobs::privacy::SuppressionKey;
use reachly_jobs::queue::Registry;
use reachly_jobs::queue::stats::QueueStats;
use reachly_jobs::{AppDb, MaintDb};

/// What every handler may use: the application-role pool (tenant transactions only), a
/// Redis connection for readiness, the token secret, and what `/metrics` renders.
#[derive(Clone)]
pub struct AppState {
    pub db: AppDb,
    /// The queue gauges' reader: it holds a small maintenance-role pool (the gauges span
    /// every organization) and exposes nothing of it but those figures.
    pub queue_stats: QueueStats,
    /// This process's metrics recorder.
    pub exporter: Exporter,
    /// The job kinds clients may name (built once, as the worker builds it).
    pub registry: Arc<Registry>,
    pub redis: redis::aio::ConnectionManager,
    pub jwt_secret: Arc<str>,
    /// The longest lifetime a token may claim (its `exp` no further ahead than this).
    pub token_max_lifetime: chrono::Duration,
    /// Largest contact-list upload accepted, in bytes.
    pub upload_limit: u64,
    /// Whether a request's `X-Forwarded-For` names its requester (see [`crate::requester`]).
    pub trust_forwarded_for: bool,
    /// Keys a GDPR request's subject as suppressions are keyed.
    pub suppression_key: SuppressionKey,
    /// The maintenance role, for the shared state only platform operators see (every
    /// queue, worker and schedule) and the facts about a queue a tenant cannot count itself
    /// (how full its Redis window is, whether a live worker serves it). Never for a tenant's
    /// own rows.
    pub maint: MaintDb,
    /// The queue knobs the workers run with (the backlog window, the stale limit).
    pub queue: QueueSettings,
}
