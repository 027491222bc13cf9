//! The measured side: one person's erasure as a user asks for it, `POST /v1/gdpr/requests
//! {"type": "erasure", "email"}` as the admin, then `GET /v1/gdpr/requests/{id}` every
//! `--poll-ms` until it is `completed`; the job (`gdpr_erasure`) runs on a real worker.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

use super::args::ErasureArgs;
use super::generate::Person;
use crate::db::wait_succeeded;
use crate::stack::Services;

/// One erasure, timed three ways, and its receipt.
#[derive(Debug, Clone)]
pub struct Erased {
    /// `POST` sent to `completed` seen by a `GET`.
    pub wall_s: f64,
    /// The job's run, `started_at` to `finished_at` of its `job_runs` row (its last attempt).
    pub job_s: f64,
    /// The job's wait to be picked up, `created_at` to `started_at`.
    pub queued_s: f64,
    pub attempts: i32,
    /// `receipt` of the completed request (`tables.<table>.deleted/scrubbed`).
    pub receipt: Value,
}

/// Erases `person` through the API and waits until the request is completed.
pub async fn erase(
    services: &Services,
    maint: &mut PgConnection,
    person: &Person,
    args: &ErasureArgs,
) -> anyhow::Result<Erased> {
    let started = Instant::now();
    let reply = services
        .post(
            "/v1/gdpr/requests",
            &json!({ "type": "erasure", "email": person.email }),
            202,
        )
        .await?;
    let request = reply["request"]["id"]
        .as_str()
        .with_context(|| format!("no request id in {reply}"))?;
    let job: Uuid = reply["job"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no job id in {reply}"))?;
    let path = format!("/v1/gdpr/requests/{request}");
    let deadline = started + Duration::from_secs(args.run.timeout_s);
    let shown = loop {
        let shown = services.get(&path).await?;
        match shown["status"].as_str() {
            Some("completed") => break shown,
            Some("failed") => anyhow::bail!("the erasure failed: {shown}"),
            _ => {}
        }
        anyhow::ensure!(Instant::now() < deadline, "the erasure is still {shown}");
        tokio::time::sleep(Duration::from_millis(args.poll_ms)).await;
    };
    let wall_s = started.elapsed().as_secs_f64();
    let job_s = wait_succeeded(maint, job, args.run.timeout_s).await?;
    let (queued_s, attempts): (f64, i32) = sqlx::query_as(
        "select extract(epoch from started_at - created_at)::float8, attempts
           from job_runs where id = $1",
    )
    .bind(job)
    .fetch_one(&mut *maint)
    .await?;
    Ok(Erased {
        wall_s,
        job_s,
        queued_s,
        attempts,
        receipt: shown["receipt"].clone(),
    })
}

impl Erased {
    /// Rows the receipt says were deleted and scrubbed in `table`.
    pub fn removed(&self, table: &str) -> (i64, i64) {
        let t = &self.receipt["tables"][table];
        (
            t["deleted"].as_i64().unwrap_or(0),
            t["scrubbed"].as_i64().unwrap_or(0),
        )
    }
}
