//! `/v1/jobs`: submit (one or a batch), read, list, cancel, retry; every change audited
//! (a batch as one row).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use reachly_jobs::Permission;
use reachly_jobs::audit::{AuditEntry, SubjectType};
use reachly_jobs::queue::control::{self, CancelScope, Transition};
use reachly_jobs::queue::filter::JobFilter;
use reachly_jobs::queue::record::JOB_RUN_COLUMNS;
use reachly_jobs::queue::submit::{Submitted, submit};
use reachly_jobs::queue::{JobRun, JobStatus, NewJob, Registry};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::creates::located;
use super::input::{bounded, limits};
use super::paging::PageParams;
use super::paging::PageQuery;
use super::path_id::PathId;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::{ApiJson, ApiQuery};
use crate::openapi::errors::{BodyRefused, Conflict, Refused, RefusedOrNotFound};
use crate::shapes::common::{IdPath, Page};
use crate::shapes::jobs::{Job, SubmittedBatch, SubmittedJob};
use crate::shapes::words;
use crate::state::AppState;

/// Most jobs one batch request may carry.
pub const MAX_BATCH: usize = 1_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/jobs", post(create).get(list))
        .route("/v1/jobs/batch", post(create_batch))
        .route("/v1/jobs/{id}", get(show))
        .route(
            "/v1/jobs/{id}/cancel",
            post(|State(state), member, PathId(id)| operate(state, member, id, Operation::Cancel)),
        )
        .route(
            "/v1/jobs/{id}/retry",
            post(|State(state), member, PathId(id)| operate(state, member, id, Operation::Retry)),
        )
        .route(
            "/v1/jobs/{id}/run-now",
            post(|State(state), member, PathId(id)| operate(state, member, id, Operation::RunNow)),
        )
        .merge(super::job_actions::routes())
}

/// A job submission as clients send it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    #[schema(value_type = words::SubmittableKind)]
    kind: String,
    /// The kind's payload (`{}` when absent); `noop` takes `sleep_ms` and `fail_times`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    payload: Option<Value>,
    /// Higher runs first (default 0).
    #[serde(default)]
    #[schema(minimum = -32768, maximum = 32767)]
    priority: Option<i16>,
    /// A second submission with the same key shows the first job (`200`, `duplicate`).
    #[serde(default)]
    #[schema(max_length = 200)]
    dedupe_key: Option<String>,
    /// Attempts before the job goes `dead` (default: the kind's).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    max_attempts: Option<i32>,
    /// Run no earlier (between 2000-01-01 and a year from now).
    #[serde(default)]
    run_at: Option<DateTime<Utc>>,
}

impl JobRequest {
    fn into_new_job(self, registry: &Registry, member: &Member) -> Result<NewJob, ApiError> {
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
        let (mut job, permission) = registry
            .job_from_json(&self.kind, payload)
            .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
        member.require(permission)?;
        job.priority = self.priority.unwrap_or(0);
        job.dedupe_key = self.dedupe_key;
        job.max_attempts = self.max_attempts.unwrap_or(job.max_attempts);
        job.run_at = self.run_at;
        Ok(job)
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

/// Jobs submitted together, in one transaction.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    #[schema(min_items = 1, max_items = 1000)]
    jobs: Vec<JobRequest>,
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

/// Submit a job
///
/// Needs the kind's permission (`noop`, `event_aggregation`, `ip_anonymization`:
/// `ops.manage`).
#[utoipa::path(post, path = "/v1/jobs", tag = "jobs", request_body = JobRequest,
    responses(
        (status = 202, description = "Submitted", body = SubmittedJob, headers(("Location" = String, description = "Where the job is"))),
        (status = 200, description = "A job with this `dedupe_key` exists: that job",
            body = SubmittedJob, headers(("Location" = String, description = "Where the job is"))),
        Refused, BodyRefused))]
async fn create(
    State(state): State<AppState>,
    member: Member,
    ApiJson(request): ApiJson<JobRequest>,
) -> Result<Response, ApiError> {
    let job = request.into_new_job(&state.registry, &member)?;
    let mut tx = state.db.tenant(member.org).await?;
    let mut submitted = submit(&mut tx, Some(member.user), std::slice::from_ref(&job)).await?;
    let Submitted { job, created } = submitted.remove(0);
    let entry = AuditEntry::new("job.submitted", SubjectType::JobRun, job.id)
        .details(json!({ "kind": job.kind, "duplicate": !created }));
    member.audit(&mut tx, entry).await?;
    tx.commit().await?;
    let status = if created {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    let mut body = view(&job);
    body["duplicate"] = json!(!created);
    Ok(located(status, &format!("/v1/jobs/{}", job.id), body))
}

/// Submit jobs together
///
/// 1 to 1,000 jobs in one transaction: all are submitted or none.
#[utoipa::path(post, path = "/v1/jobs/batch", tag = "jobs", request_body = BatchRequest,
    responses(
        (status = 202, description = "Submitted", body = SubmittedBatch), Refused, BodyRefused))]
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
        .map(|j| j.into_new_job(&state.registry, &member))
        .collect::<Result<Vec<_>, _>>()?;
    let mut tx = state.db.tenant(member.org).await?;
    let submitted = submit(&mut tx, Some(member.user), &jobs).await?;
    let ids: Vec<Uuid> = submitted.iter().map(|s| s.job.id).collect();
    let created = submitted.iter().filter(|s| s.created).count();
    let entry = AuditEntry::about_many("jobs.submitted", SubjectType::JobRun)
        .details(json!({ "count": ids.len(), "created": created, "job_ids": ids }));
    member.audit(&mut tx, entry).await?;
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

/// A job
///
/// With its progress, result, every attempt's error, its fan-out children by status, and the
/// list, campaign or GDPR request it works on (`ops.view`).
#[utoipa::path(get, path = "/v1/jobs/{id}", tag = "jobs", params(IdPath),
    responses((status = 200, description = "The job", body = crate::shapes::ops::JobDetail), RefusedOrNotFound))]
async fn show(
    State(state): State<AppState>,
    member: Member,
    PathId(id): PathId<Uuid>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = member.begin(&state, Permission::OpsView).await?;
    let job: Option<JobRun> = sqlx::query_as(AssertSqlSafe(format!(
        "select {JOB_RUN_COLUMNS} from job_runs where organization_id = $2 and id = $1"
    )))
    .bind(id)
    .bind(member.org)
    .fetch_optional(&mut **tx)
    .await?;
    let job = job.ok_or(ApiError::NotFound("job"))?;
    let (attempt_errors, children): (Value, Value) = sqlx::query_as(
        "select coalesce((select jsonb_agg(jsonb_build_object('attempt', e.attempt,
                                   'error', e.error, 'failed_at', e.failed_at) order by e.id)
                            from job_attempt_errors e
                           where e.organization_id = $1 and e.job_id = $2), '[]'),
                coalesce((select jsonb_object_agg(status, n) from (
                              select status, count(*) as n from job_runs
                               where organization_id = $1 and parent_id = $2
                               group by status) c), '{}')",
    )
    .bind(member.org)
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    tx.commit().await?;
    let mut body = view(&job);
    body["attempt_errors"] = attempt_errors;
    body["children"] = children;
    body["works_on"] = works_on(&job.payload);
    Ok(Json(body))
}

/// The list or campaign a job's payload names, with its link.
fn works_on(payload: &Value) -> Value {
    for (key, kind, path) in [
        ("campaign_id", "campaign", "campaigns"),
        ("list_id", "contact_list", "contact-lists"),
        ("request_id", "gdpr_request", "gdpr/requests"),
    ] {
        if let Some(id) = payload[key].as_str() {
            return json!({ "type": kind, "id": id, "link": format!("/v1/{path}/{id}") });
        }
    }
    Value::Null
}

/// `?status=&kind=&from=&to=&id=&dedupe_key=&q=` of the listing (its `cursor` and `limit`
/// are the [`PageQuery`]).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    #[param(value_type = Option<words::JobStatus>)]
    status: Option<String>,
    #[param(value_type = Option<words::JobKind>)]
    kind: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    id: Option<Uuid>,
    dedupe_key: Option<String>,
    /// Text in the last error: searched only within a window of at most [`SEARCH_WINDOW_DAYS`]
    /// (the last day unless `from` says otherwise), as no index covers error messages.
    q: Option<String>,
}

/// The longest window a free-text search of error messages reads.
const SEARCH_WINDOW_DAYS: i64 = 7;

impl ListQuery {
    /// The filter asked for; a malformed status or kind, or a search over too long a window,
    /// is a 400.
    fn filter(&self, registry: &Registry) -> Result<JobFilter, ApiError> {
        let mut filter = JobFilter {
            status: parse_filter(self.status.as_deref(), "status", JobStatus::parse)?,
            kind: parse_filter(self.kind.as_deref(), "kind", |k| {
                registry.get(k).map(|spec| spec.name.to_owned())
            })?,
            from: self.from,
            to: self.to,
            id: self.id,
            dedupe_key: self.dedupe_key.clone(),
        };
        if self.q.is_some() {
            let to = filter.to.unwrap_or_else(Utc::now);
            let from = *filter.from.get_or_insert(to - chrono::Duration::days(1));
            if to - from > chrono::Duration::days(SEARCH_WINDOW_DAYS) {
                return Err(ApiError::BadRequest(format!(
                    "searching error messages (`q`) reads at most {SEARCH_WINDOW_DAYS} days: narrow `from`/`to`"
                )));
            }
        }
        Ok(filter)
    }
}

/// The organization's jobs
///
/// Newest first; `next_cursor` continues after the last item (`ops.view`).
#[utoipa::path(get, path = "/v1/jobs", tag = "jobs", params(PageParams, ListQuery),
    responses((status = 200, description = "A page of jobs", body = Page<Job>), Refused))]
async fn list(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let filter = query.filter(&state.registry)?;
    let mut tx = member.begin(&state, Permission::OpsView).await?;
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "select {JOB_RUN_COLUMNS} from job_runs j where j.organization_id = "
    ));
    sql.push_bind(member.org);
    filter.push(&mut sql);
    if let Some(text) = &query.q {
        bounded("q", text, limits::NAME)?;
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        sql.push(" and j.last_error ilike ").push_bind(pattern);
    }
    sql.push(" and j.id < ")
        .push_bind(page.before())
        .push(" order by j.id desc limit ")
        .push_bind(page.fetch());
    let jobs: Vec<JobRun> = sql.build_query_as().fetch_all(&mut **tx).await?;
    tx.commit().await?;
    Ok(page.page(jobs.iter().map(|j| (j.id, view(j))).collect()))
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

/// An operator's operation on one job, with how the API names it.
#[derive(Clone, Copy, Debug)]
enum Operation {
    Cancel,
    Retry,
    RunNow,
}

impl Operation {
    fn engine(self) -> control::Operation {
        match self {
            Operation::Cancel => control::Operation::Cancel(CancelScope::Unfinished),
            Operation::Retry => control::Operation::Retry,
            Operation::RunNow => control::Operation::RunNow,
        }
    }

    /// The audit trail's action of a done operation.
    fn action(self) -> &'static str {
        match self {
            Operation::Cancel => "job.cancelled",
            Operation::Retry => "job.retried",
            Operation::RunNow => "job.run_now",
        }
    }

    fn refusal(self) -> &'static str {
        match self {
            Operation::Cancel => "only a queued, retryable or running job can be cancelled",
            Operation::Retry => "only a dead, cancelled or retryable job can be retried",
            Operation::RunNow => "only a queued or retryable job can be run now",
        }
    }
}

/// Cancel a job
///
/// A queued, retryable or running job (`ops.manage`); a running attempt's effects are then
/// discarded. `409` once the job finished.
#[utoipa::path(post, path = "/v1/jobs/{id}/cancel", tag = "jobs", params(IdPath),
    responses((status = 200, description = "The cancelled job", body = Job), RefusedOrNotFound,
        Conflict))]
#[allow(dead_code)]
fn cancel_doc() {}

/// Run a job now
///
/// A queued or retryable job no longer waits for its `run_at` or backoff (`ops.manage`).
/// `409` unless it is waiting.
#[utoipa::path(post, path = "/v1/jobs/{id}/run-now", tag = "jobs", params(IdPath),
    responses((status = 200, description = "The job", body = Job), RefusedOrNotFound,
        Conflict))]
#[allow(dead_code)]
fn run_now_doc() {}

/// Retry a job
///
/// A dead or cancelled job with a fresh set of attempts, a retryable one without waiting for
/// its backoff (`ops.manage`); `409` for any other.
#[utoipa::path(post, path = "/v1/jobs/{id}/retry", tag = "jobs", params(IdPath),
    responses((status = 200, description = "The queued job", body = Job), RefusedOrNotFound,
        Conflict))]
#[allow(dead_code)]
fn retry_doc() {}

/// Applies `operation` to the job in the path and shows the job as it now is, or explains
/// (404/409) why it could not.
///
/// A cancel can deadlock with the job's own attempt: the attempt locks its subject (a GDPR
/// request, a list) and then, succeeding, its `job_runs` row; the cancel locks the row and
/// then, through the trigger that fails a cancelled job's subject, the subject. Postgres
/// breaks the cycle by failing one side; when that is the cancel, it is tried again (found by
/// schemathesis: a `500` for a GDPR export cancelled while it ran).
async fn operate(
    state: AppState,
    member: Member,
    id: Uuid,
    operation: Operation,
) -> Result<Json<Value>, ApiError> {
    let mut tries = 1;
    loop {
        match operate_once(&state, &member, id, operation).await {
            Err(ApiError::Internal(e)) if tries < DEADLOCK_TRIES && is_deadlock(&e) => tries += 1,
            done => return done,
        }
    }
}

/// How many times an operation that lost a deadlock is tried in all.
const DEADLOCK_TRIES: u32 = 5;

/// Whether `error` is Postgres' `deadlock_detected` (40P01).
fn is_deadlock(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<sqlx::Error>()
        .and_then(|e| e.as_database_error())
        .is_some_and(|e| e.code().as_deref() == Some("40P01"))
}

async fn operate_once(
    state: &AppState,
    member: &Member,
    id: Uuid,
    operation: Operation,
) -> Result<Json<Value>, ApiError> {
    let mut tx = member.begin(state, Permission::OpsManage).await?;
    match operation.engine().apply(&mut tx, id).await? {
        Transition::Moved(job) => {
            let entry = AuditEntry::new(operation.action(), SubjectType::JobRun, job.id)
                .details(json!({ "kind": job.kind }));
            member.audit(&mut tx, entry).await?;
            tx.commit().await?;
            Ok(Json(view(&job)))
        }
        Transition::Refused(status) => Err(ApiError::Conflict(format!(
            "{}: the job is {status}",
            operation.refusal()
        ))),
        Transition::NotFound => Err(ApiError::NotFound("job")),
    }
}
