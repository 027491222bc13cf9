//! The shared state only platform operators see or change: the worker processes, the cron
//! schedules, and queue pauses. Read through the maintenance role (it spans organizations);
//! a pause goes through `set_queue_paused`, which checks the operator again in SQL.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use reachly_jobs::Permission;
use reachly_jobs::audit::{AuditEntry, SubjectType};
use serde_json::{Value, json};

use crate::auth::Member;
use crate::error::ApiError;
use crate::openapi::errors::Refused;
use crate::shapes::ops::{Schedules, Workers};
use crate::state::AppState;

/// Fails unless the member may view operations and is a platform operator.
fn platform_view(member: &Member) -> Result<(), ApiError> {
    member.require(Permission::OpsView)?;
    member.require_platform_admin()
}

/// A worker process as the listing reads it.
#[derive(sqlx::FromRow)]
struct WorkerRow {
    name: String,
    hostname: String,
    pid: i32,
    queues: Vec<String>,
    concurrency: i32,
    started_at: DateTime<Utc>,
    heartbeat_at: DateTime<Utc>,
    stopped_at: Option<DateTime<Utc>>,
    running: i64,
}

/// Worker processes
///
/// Processes seen in the last hour, live first, with their queues, concurrency, heartbeat age
/// and running jobs (platform operators).
#[utoipa::path(get, path = "/v1/ops/workers", tag = "ops",
    responses((status = 200, description = "The processes", body = Workers), Refused))]
pub async fn workers(
    State(state): State<AppState>,
    member: Member,
) -> Result<Json<Value>, ApiError> {
    platform_view(&member)?;
    let rows: Vec<WorkerRow> = sqlx::query_as(
        "with running as (
             select locked_by, count(*) as jobs from job_runs
              where status = 'running' group by locked_by)
         select w.name, w.hostname, w.pid, w.queues, w.concurrency, w.started_at,
                w.heartbeat_at, w.stopped_at, coalesce(r.jobs, 0) as running
           from worker_processes w left join running r on r.locked_by = w.name
          where w.heartbeat_at > now() - interval '1 hour'
          order by w.stopped_at nulls first, w.heartbeat_at desc",
    )
    .fetch_all(state.maint.pool())
    .await?;
    let stale = state.queue.stale_after.as_secs_f64();
    let now = Utc::now();
    let data: Vec<Value> = rows
        .into_iter()
        .map(|w| {
            let age = (now - w.heartbeat_at).num_milliseconds() as f64 / 1000.0;
            json!({
                "name": w.name, "hostname": w.hostname, "pid": w.pid, "queues": w.queues,
                "concurrency": w.concurrency, "started_at": w.started_at,
                "heartbeat_age_seconds": age, "running": w.running,
                "live": w.stopped_at.is_none() && age < stale, "stopped_at": w.stopped_at,
            })
        })
        .collect();
    Ok(Json(json!({ "data": data })))
}

/// Schedules
///
/// Each enabled schedule's expression, next tick, last tick (and whether it was a coalesced
/// catch-up), and the ticks missed while no worker ran (platform operators).
#[utoipa::path(get, path = "/v1/ops/schedules", tag = "ops",
    responses((status = 200, description = "The schedules", body = Schedules), Refused))]
pub async fn schedules(
    State(state): State<AppState>,
    member: Member,
) -> Result<Json<Value>, ApiError> {
    platform_view(&member)?;
    let specs = reachly_jobs::kinds::schedules();
    let enabled = reachly_jobs::cron::schedules_from_env(&specs, |name| std::env::var(name).ok())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
    let mut data = Vec::new();
    for schedule in enabled {
        let last: Option<(DateTime<Utc>, DateTime<Utc>, bool, i32)> = sqlx::query_as(
            "select tick_at, recorded_at, coalesced, jobs_created from cron_ticks
              where schedule = $1 order by tick_at desc limit 1",
        )
        .bind(schedule.name)
        .fetch_optional(state.maint.pool())
        .await?;
        let (missed, coalesced): (i64, i64) = sqlx::query_as(
            "select coalesce(sum(missed_ticks), 0)::int8, count(*) filter (where coalesced)
               from cron_ticks where schedule = $1",
        )
        .bind(schedule.name)
        .fetch_one(state.maint.pool())
        .await?;
        data.push(json!({
            "name": schedule.name,
            "expression": schedule.expression,
            "next_tick": schedule.schedule.upcoming(Utc).next(),
            "last_tick": last.map(|(tick, recorded, coalesced, jobs)| json!({
                "tick_at": tick, "recorded_at": recorded, "coalesced": coalesced,
                "jobs_created": jobs,
            })),
            "missed_ticks": missed,
            "coalesced_ticks": coalesced,
        }));
    }
    Ok(Json(json!({ "data": data })))
}

/// `POST /v1/ops/queues/{kind}/pause` and `/resume`: the queue as it now is; audited.
pub async fn set_paused(
    State(state): State<AppState>,
    member: Member,
    Path(kind): Path<String>,
    paused: bool,
) -> Result<Json<Value>, ApiError> {
    member.require_platform_admin()?;
    let queue = state
        .registry
        .queues()
        .into_iter()
        .find(|q| *q == kind)
        .ok_or(ApiError::NotFound("queue"))?;
    let mut tx = member.begin(&state, Permission::OpsManage).await?;
    let changed: bool = sqlx::query_scalar("select set_queue_paused($1, $2, $3)")
        .bind(queue)
        .bind(paused)
        .bind(member.user)
        .fetch_one(&mut **tx)
        .await?;
    let action = if paused {
        "queue.paused"
    } else {
        "queue.resumed"
    };
    let entry = AuditEntry::about_many(action, SubjectType::Queue)
        .details(json!({ "queue": queue, "changed": changed }));
    member.audit(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(Json(
        json!({ "kind": queue, "paused": paused, "changed": changed }),
    ))
}
