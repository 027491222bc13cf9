//! `/v1/ops/*` and the operators' job routes: what the ops dashboard reads (`routes::ops`,
//! `routes::ops_platform`, `routes::job_actions`, `routes::ops_page`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::jobs::Job;
use super::words;

/// One kind's queue.
#[derive(Serialize, ToSchema)]
pub struct QueueRow {
    #[schema(value_type = words::JobKind)]
    pub kind: String,
    pub queued: i64,
    pub retryable: i64,
    pub running: i64,
    pub dead: i64,
    /// How long the oldest waiting (queued or retryable) job has waited since submission.
    #[schema(required = true)]
    pub oldest_waiting_age_seconds: Option<f64>,
    pub completed_last_minute: i64,
    pub failed_last_minute: i64,
    pub paused: bool,
    #[schema(required = true)]
    pub paused_at: Option<DateTime<Utc>>,
}

/// Every kind's queue.
#[derive(Serialize, ToSchema)]
pub struct Queues {
    #[schema(value_type = words::OpsScope)]
    pub scope: String,
    pub data: Vec<QueueRow>,
}

/// One minute of one kind.
#[derive(Serialize, ToSchema)]
pub struct ThroughputPoint {
    pub minute: DateTime<Utc>,
    pub completed: i64,
    pub failed: i64,
}

/// Jobs completed and failed per minute, oldest first, every minute of the window listed.
#[derive(Serialize, ToSchema)]
pub struct Throughput {
    pub minutes: i32,
    /// Per kind.
    pub kinds: BTreeMap<String, Vec<ThroughputPoint>>,
}

/// A worker process.
#[derive(Serialize, ToSchema)]
pub struct Worker {
    pub name: String,
    pub hostname: String,
    pub pid: i32,
    pub queues: Vec<String>,
    pub concurrency: i32,
    pub started_at: DateTime<Utc>,
    pub heartbeat_age_seconds: f64,
    /// Jobs it runs now.
    pub running: i64,
    /// Stamping its heartbeat, and not stopped.
    pub live: bool,
    #[schema(required = true)]
    pub stopped_at: Option<DateTime<Utc>>,
}

/// Worker processes seen in the last hour, live first.
#[derive(Serialize, ToSchema)]
pub struct Workers {
    pub data: Vec<Worker>,
}

/// A schedule's latest tick.
#[derive(Serialize, ToSchema)]
pub struct LastTick {
    pub tick_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    /// A catch-up tick standing for ticks missed while no worker ran.
    pub coalesced: bool,
    pub jobs_created: i32,
}

/// A cron schedule.
#[derive(Serialize, ToSchema)]
pub struct Schedule {
    pub name: String,
    pub expression: String,
    #[schema(required = true)]
    pub next_tick: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub last_tick: Option<LastTick>,
    pub missed_ticks: i64,
    pub coalesced_ticks: i64,
}

/// The enabled schedules.
#[derive(Serialize, ToSchema)]
pub struct Schedules {
    pub data: Vec<Schedule>,
}

/// A queue paused or resumed.
#[derive(Serialize, ToSchema)]
pub struct QueuePause {
    #[schema(value_type = words::JobKind)]
    pub kind: String,
    pub paused: bool,
    /// Whether it was not so already.
    pub changed: bool,
}

/// Who is signed in.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    #[schema(value_type = Vec<words::PermissionKey>)]
    pub permissions: Vec<String>,
    pub platform_admin: bool,
}

/// Why a job is not running: the reason's code and sentence, its queue, and the facts the
/// reason rests on (which ones depends on the code).
#[derive(Serialize, ToSchema)]
pub struct WaitReason {
    #[schema(value_type = words::WaitReasonCode)]
    pub code: String,
    pub message: String,
    pub queue: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub facts: Value,
}

/// What a bulk action found and changed.
#[derive(Serialize, ToSchema)]
pub struct BulkOutcome {
    #[schema(value_type = words::BulkAction)]
    pub action: String,
    pub dry_run: bool,
    /// Jobs matching the filter in a state the action applies to (at most `limit`).
    pub matched: i64,
    /// More match than one request changes.
    pub more: bool,
    pub changed: i64,
    pub limit: i64,
}

/// A job with what its detail adds.
#[derive(Serialize, ToSchema)]
pub struct JobDetail {
    #[serde(flatten)]
    pub job: Job,
    /// Every failed attempt's error, oldest first.
    pub attempt_errors: Vec<AttemptError>,
    /// Its fan-out children by status.
    pub children: BTreeMap<String, i64>,
    /// The list, campaign or GDPR request it works on.
    #[schema(required = true)]
    pub works_on: Option<WorksOn>,
}

/// One failed attempt.
#[derive(Serialize, ToSchema)]
pub struct AttemptError {
    pub attempt: i32,
    pub error: String,
    pub failed_at: DateTime<Utc>,
}

/// What a job works on.
#[derive(Serialize, ToSchema)]
pub struct WorksOn {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub link: String,
}
