//! `/v1/jobs`: a job as every job route shows it (`routes::jobs::view`: the `job_runs` row,
//! serialized from [`reachly_jobs::queue::JobRun`], plus links).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::words;

/// A job: its record, progress, result and last error.
#[derive(Serialize, ToSchema)]
pub struct Job {
    pub id: Uuid,
    pub organization_id: Uuid,
    #[schema(value_type = words::JobKind)]
    pub kind: String,
    /// The payload as submitted (its fields are the kind's).
    #[schema(value_type = Object)]
    pub payload: Value,
    #[schema(minimum = -32768, maximum = 32767)]
    pub priority: i16,
    #[schema(value_type = words::JobStatus)]
    pub status: String,
    /// Attempts used so far.
    pub attempts: i32,
    pub max_attempts: i32,
    pub progress_done: i64,
    #[schema(required = true)]
    pub progress_total: Option<i64>,
    /// The last attempt's error (truncated).
    #[schema(required = true)]
    pub last_error: Option<String>,
    /// What the job reported on success (its shape is the kind's).
    #[schema(required = true, value_type = Option<Object>)]
    pub result: Option<Value>,
    #[schema(required = true)]
    pub dedupe_key: Option<String>,
    /// The job that split into this one (a batch of a list's validation, a campaign's send).
    #[schema(required = true)]
    pub parent_id: Option<Uuid>,
    #[schema(required = true)]
    pub submitted_by: Option<Uuid>,
    /// When it runs (again).
    pub run_at: DateTime<Utc>,
    #[schema(required = true)]
    pub started_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub heartbeat_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub finished_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub links: JobLinks,
}

/// Where to read, cancel and retry a job.
#[derive(Serialize, ToSchema)]
pub struct JobLinks {
    #[serde(rename = "self")]
    pub this: String,
    pub cancel: String,
    pub retry: String,
}

/// A submitted job: `duplicate` when its `dedupe_key` named a job that already existed (that
/// job is shown, with `200` instead of `202`).
#[derive(Serialize, ToSchema)]
pub struct SubmittedJob {
    #[serde(flatten)]
    pub job: Job,
    pub duplicate: bool,
}

/// The jobs of a batch, in the order submitted.
#[derive(Serialize, ToSchema)]
pub struct SubmittedBatch {
    pub data: Vec<SubmittedJob>,
}

/// A job a resource started, as the resource's routes show it.
#[derive(Serialize, ToSchema)]
pub struct JobRef {
    pub id: Uuid,
    #[schema(value_type = words::JobStatus)]
    pub status: String,
    pub links: super::common::SelfLink,
}
