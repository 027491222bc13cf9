//! `/healthz` and `/readyz`.

use serde::Serialize;
use utoipa::ToSchema;

/// The process is up.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

/// Postgres and Redis both answer.
#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// `ready`.
    pub status: String,
    pub postgres: String,
    pub redis: String,
}
