//! Jobs through the API: submitted one by one or in bulk, cancelled, retried, listed, waited
//! on, and what `job_runs` and the audit log say about them.

use std::fmt::Display;
use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::Stack;
use crate::db::scalar;
use crate::http::{Api, Reply};
use crate::world::ApiWorld;

impl ApiWorld {
    /// Submits one job (`body` as `POST /v1/jobs` takes it) as the admin; its id.
    pub async fn submit(&self, body: &Value) -> String {
        submit(&self.api, &self.token, body).await
    }

    /// Submits a `noop` job that fails its first `fail_times` attempts and may make
    /// `max_attempts`; its id.
    pub async fn submit_failing(&self, fail_times: u32, max_attempts: u32) -> String {
        let payload = json!({"fail_times": fail_times});
        self.submit(&json!({"kind": "noop", "payload": payload, "max_attempts": max_attempts}))
            .await
    }

    /// `POST /v1/jobs/{id}/{action}` (`cancel` or `retry`) as the admin.
    pub async fn act(&self, id: impl Display, action: &str) -> Reply {
        act(&self.api, &self.token, id, action).await
    }

    /// Submits a `kind` job with `payload` as the admin and waits until it succeeded; the job.
    pub async fn run_job(&self, kind: &str, payload: Value) -> Value {
        let id = self
            .submit(&json!({ "kind": kind, "payload": payload }))
            .await;
        self.wait_status(&id, "succeeded").await
    }

    /// Waits until job `id` has `status` (as the API shows it); the job.
    pub async fn wait_status(&self, id: impl Display, status: &str) -> Value {
        crate::wait_until(
            &format!("job {id} to be {status}"),
            Duration::from_secs(90),
            || async {
                let reply = self
                    .api
                    .get(&format!("/v1/jobs/{id}"), Some(&self.token))
                    .await;
                (reply.body["status"] == status).then_some(reply.body)
            },
        )
        .await
    }

    /// [`Stack::submit_noops`] as the admin.
    pub async fn submit_noops(&self, count: usize, payload: Value) -> Vec<Uuid> {
        self.stack
            .submit_noops(&self.api, &self.token, count, payload)
            .await
    }

    /// Status of a job, read as the maintenance role.
    pub async fn job_status(&self, id: Uuid) -> String {
        self.stack.job_status(&self.maint, id).await
    }

    /// Number of jobs, across all organizations.
    pub async fn job_count(&self) -> i64 {
        scalar(&self.maint, "select count(*) from job_runs").await
    }

    /// [`Stack::noop_effects`] over every organization.
    pub async fn noop_effects(&self) -> (i64, i64) {
        self.stack.noop_effects(&self.maint).await
    }
}

/// Submits one job (`body` as `POST /v1/jobs` takes it) as `token`; its id.
pub async fn submit(api: &Api, token: &str, body: &Value) -> String {
    let reply = api.post("/v1/jobs", Some(token), body).await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
    reply.body["id"].as_str().unwrap().to_owned()
}

/// `POST /v1/jobs/{id}/{action}` (`cancel` or `retry`) as `token`.
pub async fn act(api: &Api, token: &str, id: impl Display, action: &str) -> Reply {
    let path = format!("/v1/jobs/{id}/{action}");
    api.post(&path, Some(token), &json!({})).await
}

/// The ids of the jobs `GET path` lists (`200`) to `token`, in order.
pub async fn listed_ids(api: &Api, token: &str, path: &str) -> Vec<String> {
    let reply = api.get(path, Some(token)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let jobs = reply.body["data"].as_array().expect("a page of jobs");
    jobs.iter()
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect()
}

impl Stack {
    /// Status of a job, read as the maintenance role.
    pub async fn job_status(&self, pool: &sqlx::PgPool, id: Uuid) -> String {
        sqlx::query_scalar("select status from job_runs where id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap()
    }

    /// Number of jobs in `status`, across all organizations.
    pub async fn count_status(&self, pool: &sqlx::PgPool, status: &str) -> i64 {
        sqlx::query_scalar("select count(*) from job_runs where status = $1")
            .bind(status)
            .fetch_one(pool)
            .await
            .unwrap()
    }

    /// Submits `count` noop jobs with `payload` through `/v1/jobs/batch` (1,000 per request),
    /// returning their ids.
    pub async fn submit_noops(
        &self,
        api: &Api,
        token: &str,
        count: usize,
        payload: Value,
    ) -> Vec<Uuid> {
        let mut ids = Vec::with_capacity(count);
        let mut left = count;
        while left > 0 {
            let n = left.min(1_000);
            let jobs: Vec<_> = (0..n)
                .map(|_| json!({"kind": "noop", "payload": payload}))
                .collect();
            let reply = api
                .post("/v1/jobs/batch", Some(token), &json!({ "jobs": jobs }))
                .await;
            assert_eq!(reply.status, 202, "{:?}", reply.body);
            for job in reply.body["data"].as_array().unwrap() {
                ids.push(job["id"].as_str().unwrap().parse().unwrap());
            }
            left -= n;
        }
        ids
    }

    /// How many times each noop job recorded its effect, over all jobs: (jobs with an
    /// effect, the largest number of effects any one job recorded).
    pub async fn noop_effects(&self, pool: &sqlx::PgPool) -> (i64, i64) {
        let (jobs, most): (i64, Option<i64>) = sqlx::query_as(
            "select count(*), max(n) from (
                 select subject_id, count(*) as n from audit_logs
                  where action = 'job.noop.completed' group by subject_id) per_job",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        (jobs, most.unwrap_or(0))
    }
}
