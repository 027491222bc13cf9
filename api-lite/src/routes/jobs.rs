//! `/v1/jobs`: submit (one or a batch), read, list, cancel, retry.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use reachly_jobs::queue::record::JOB_RUN_COLUMNS;
use reachly_jobs::queue::submit::{Submitted, submit};
use reachly_jobs::queue::{JobKind, JobRun, JobStatus, NewJob};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use super::input::{bounded, limits};
use super::paging::before;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

/// Most jobs one batch request may carry.
pub const MAX_BATCH: usize = 1_000;
const PAGE_DEFAULT: i64 = 50;
const PAGE_MAX: i64 = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/jobs", post(create).get(list))
        .route("/v1/jobs/batch", post(create_batch))
        .route("/v1/jobs/{id}", get(show))
        .route("/v1/jobs/{id}/cancel", post(cancel))
        .route("/v1/jobs/{id}/retry", post(retry))
}

/// A job submission as clients send it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobRequest {
    kind: String,
    #[serde(default)]
    payload: Option<Value>,
    #[serde(default)]
    priority: Option<i16>,
    #[serde(default)]
    dedupe_key: Option<String>,
    #[serde(default)]
    max_attempts: Option<i32>,
    #[serde(default)]
    run_at: Option<DateTime<Utc>>,
}

impl JobRequest {
    fn into_new_job(self, member: &Member) -> Result<NewJob, ApiError> {
        let kind = JobKind::parse(&self.kind)
            .ok_or_else(|| ApiError::Unprocessable(format!("unknown job kind {:?}", self.kind)))?;
        let permission = kind.submit_permission().ok_or_else(|| {
            ApiError::Unprocessable(format!(
                "{} jobs are submitted by the engine only",
                kind.as_str()
            ))
        })?;
        member.require(permission)?;
        if let Some(key) = &self.dedupe_key {
            bounded("dedupe_key", key, limits::DEDUPE_KEY)?;
        }
        if let Some(at) = self.run_at {
            check_run_at(at, Utc::now())?;
        }
        let payload = self.payload.unwrap_or_else(|| json!({}));
        if !payload.is_object() {
            return Err(ApiError::Unprocessable(
                "`payload` must be a JSON object".into(),
            ));
        }
        Ok(NewJob {
            kind,
            payload,
            priority: self.priority.unwrap_or(0),
            dedupe_key: self.dedupe_key,
            max_attempts: self.max_attempts,
            run_at: self.run_at,
            parent_id: None,
        })
    }
}

/// The earliest `run_at` accepted (an earlier one is surely a mistake; one in the past but
/// after it runs now).
const EARLIEST_RUN_AT: &str = "2000-01-01T00:00:00Z";

/// A job's `run_at` must lie between 2000-01-01 and a year from `now` (a 422 naming it).
fn check_run_at(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), ApiError> {
    let earliest: DateTime<Utc> = EARLIEST_RUN_AT.parse().expect("a valid timestamp");
    if at < earliest || at > now + chrono::Duration::days(365) {
        return Err(ApiError::Unprocessable(format!(
            "`run_at` must lie between {EARLIEST_RUN_AT} and one year from now"
        )));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    jobs: Vec<JobRequest>,
}

/// A job id from the path; what is not a UUID names no job.
fn job_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound("job"))
}

/// A job as the API shows it: the record plus links.
fn view(job: &JobRun) -> Value {
    let mut value = serde_json::to_value(job).expect("a job run serializes");
    value["links"] = json!({
        "self": format!("/v1/jobs/{}", job.id),
        "cancel": format!("/v1/jobs/{}/cancel", job.id),
        "retry": format!("/v1/jobs/{}/retry", job.id),
    });
    value
}

async fn create(
    State(state): State<AppState>,
    member: Member,
    ApiJson(request): ApiJson<JobRequest>,
) -> Result<Response, ApiError> {
    let job = request.into_new_job(&member)?;
    let mut tx = state.db.tenant(member.org).await?;
    let mut submitted = submit(&mut tx, Some(member.user), std::slice::from_ref(&job)).await?;
    tx.commit().await?;
    let Submitted { job, created } = submitted.remove(0);
    let status = if created {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    let mut body = view(&job);
    body["duplicate"] = json!(!created);
    let location = HeaderValue::from_str(&format!("/v1/jobs/{}", job.id)).expect("ascii");
    Ok((status, [(header::LOCATION, location)], Json(body)).into_response())
}

async fn create_batch(
    State(state): State<AppState>,
    member: Member,
    ApiJson(request): ApiJson<BatchRequest>,
) -> Result<Response, ApiError> {
    if request.jobs.is_empty() || request.jobs.len() > MAX_BATCH {
        return Err(ApiError::Unprocessable(format!(
            "a batch holds 1 to {MAX_BATCH} jobs, not {}",
            request.jobs.len()
        )));
    }
    let jobs = request
        .jobs
        .into_iter()
        .map(|j| j.into_new_job(&member))
        .collect::<Result<Vec<_>, _>>()?;
    let mut tx = state.db.tenant(member.org).await?;
    let submitted = submit(&mut tx, Some(member.user), &jobs).await?;
    tx.commit().await?;
    let data: Vec<Value> = submitted
        .iter()
        .map(|s| {
            let mut v = view(&s.job);
            v["duplicate"] = json!(!s.created);
            v
        })
        .collect();
    Ok((StatusCode::ACCEPTED, Json(json!({ "data": data }))).into_response())
}

async fn show(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    member.require("ops.view")?;
    let id = job_id(&id)?;
    let mut tx = state.db.tenant(member.org).await?;
    let job: Option<JobRun> = sqlx::query_as(AssertSqlSafe(format!(
        "select {JOB_RUN_COLUMNS} from job_runs where organization_id = $2 and id = $1"
    )))
    .bind(id)
    .bind(member.org)
    .fetch_optional(&mut **tx)
    .await?;
    tx.commit().await?;
    job.map(|j| Json(view(&j))).ok_or(ApiError::NotFound("job"))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    status: Option<String>,
    kind: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Newest first; `next_cursor` continues after the last item.
async fn list(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    member.require("ops.view")?;
    let status = parse_filter(query.status.as_deref(), "status", JobStatus::parse)?;
    let kind = parse_filter(query.kind.as_deref(), "kind", JobKind::parse)?;
    let cursor = parse_filter(query.cursor.as_deref(), "cursor", |c| {
        c.parse::<Uuid>().ok()
    })?;
    let limit = query.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
    let mut tx = state.db.tenant(member.org).await?;
    let mut jobs: Vec<JobRun> = sqlx::query_as(AssertSqlSafe(format!(
        "select {JOB_RUN_COLUMNS} from job_runs
          where ($1::text is null or status = $1) and ($2::text is null or kind = $2)
            and id < $3
          order by id desc limit $4"
    )))
    .bind(status.map(JobStatus::as_str))
    .bind(kind.map(JobKind::as_str))
    .bind(before(cursor))
    .bind(limit + 1)
    .fetch_all(&mut **tx)
    .await?;
    tx.commit().await?;
    let next_cursor = (jobs.len() as i64 > limit).then(|| {
        jobs.truncate(limit as usize);
        jobs.last().map(|j| j.id.to_string())
    });
    let data: Vec<Value> = jobs.iter().map(view).collect();
    Ok(Json(
        json!({ "data": data, "next_cursor": next_cursor.flatten() }),
    ))
}

/// Parses an optional query parameter; an unparsable one is a 400 naming it.
fn parse_filter<T>(
    raw: Option<&str>,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    raw.map(|r| parse(r).ok_or_else(|| ApiError::BadRequest(format!("invalid {name} {r:?}"))))
        .transpose()
}

/// Moves a job between states, or explains (404/409) why it cannot.
async fn transition(
    state: &AppState,
    member: &Member,
    id: Uuid,
    sql: &'static str,
    refusal: &'static str,
) -> Result<Json<Value>, ApiError> {
    member.require("ops.manage")?;
    let mut tx = state.db.tenant(member.org).await?;
    let job: Option<JobRun> =
        sqlx::query_as(AssertSqlSafe(format!("{sql} returning {JOB_RUN_COLUMNS}")))
            .bind(id)
            .bind(member.org)
            .fetch_optional(&mut **tx)
            .await?;
    let result = match job {
        Some(job) => Ok(Json(view(&job))),
        None => {
            let status: Option<(String,)> = sqlx::query_as(
                "select status from job_runs where organization_id = $2 and id = $1",
            )
            .bind(id)
            .bind(member.org)
            .fetch_optional(&mut **tx)
            .await?;
            match status {
                Some((status,)) => Err(ApiError::Conflict(format!(
                    "{refusal}: the job is {status}"
                ))),
                None => Err(ApiError::NotFound("job")),
            }
        }
    };
    tx.commit().await?;
    result
}

/// Cancels a job that has not finished. A running attempt's effects are then discarded:
/// its success can no longer commit.
async fn cancel(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    transition(
        &state,
        &member,
        job_id(&id)?,
        "update job_runs set status = 'cancelled', finished_at = now(), locked_by = null
          where organization_id = $2 and id = $1 and status in ('queued', 'failed', 'running')",
        "only a queued, failed or running job can be cancelled",
    )
    .await
}

/// Queues a dead or failed job again, now, with a fresh set of attempts.
async fn retry(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    transition(
        &state,
        &member,
        job_id(&id)?,
        "update job_runs set status = 'queued', attempts = 0, run_at = now(), finished_at = null,
                enqueued_at = null, transport_id = null, locked_by = null
          where organization_id = $2 and id = $1 and status in ('dead', 'failed')",
        "only a dead or failed job can be retried",
    )
    .await
}
