//! The durable job record as the API and the worker read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::kind::JobKind;

/// Where a job is in its life (`job_runs.status`). `retryable` waits for its next attempt at
/// `run_at`; `succeeded`, `dead` (attempts used up, or a permanent error) and `cancelled` are
/// final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Retryable,
    Dead,
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 6] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Retryable,
        JobStatus::Dead,
        JobStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Retryable => "retryable",
            JobStatus::Dead => "dead",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of `job_runs`, as exposed to clients.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct JobRun {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub kind: JobKind,
    pub payload: serde_json::Value,
    pub priority: i16,
    pub status: JobStatus,
    pub attempts: i32,
    pub max_attempts: i32,
    pub progress_done: i64,
    pub progress_total: Option<i64>,
    pub last_error: Option<String>,
    pub result: Option<serde_json::Value>,
    pub dedupe_key: Option<String>,
    pub parent_id: Option<Uuid>,
    pub submitted_by: Option<Uuid>,
    pub run_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The column list matching [`JobRun`], for `select`/`returning` clauses.
pub const JOB_RUN_COLUMNS: &str = "id, organization_id, kind, payload, priority, status, \
    attempts, max_attempts, progress_done, progress_total, last_error, result, dedupe_key, \
    parent_id, submitted_by, run_at, started_at, heartbeat_at, finished_at, created_at, updated_at";
