//! One test's world: a fresh database, a private Redis, and helpers to start the API and
//! workers against them.

use std::time::Duration;

use crate::db::TestDb;
use crate::http::Api;
use crate::process::{Proc, free_port};
use crate::redis_server::RedisServer;

/// The services of one test and the environment its processes share.
#[derive(Debug)]
pub struct Stack {
    pub db: TestDb,
    pub redis: RedisServer,
    pub jwt_secret: String,
}

impl Stack {
    pub async fn start() -> Stack {
        Stack {
            db: TestDb::fresh().await,
            redis: RedisServer::start().await,
            jwt_secret: format!("test-secret-{}", uuid::Uuid::new_v4()),
        }
    }

    /// The environment of every process of this stack.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("DATABASE_URL", self.db.owner_url.clone()),
            ("APP_DATABASE_URL", self.db.app_url.clone()),
            ("MAINT_DATABASE_URL", self.db.maint_url.clone()),
            ("REDIS_URL", self.redis.url()),
            ("REACHLY_JWT_SECRET", self.jwt_secret.clone()),
            // The DNS fixtures live under .test (special-use, invalid unless allowed).
            ("REACHLY_ALLOW_TEST_DOMAINS", "1".to_owned()),
            ("RUST_LOG", "info".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Starts `reachly-api serve` on a free port and waits until it is ready.
    pub async fn api(&self) -> (Proc, Api) {
        let port = free_port();
        let mut env = self.env();
        env.push(("REACHLY_API_ADDR".into(), format!("127.0.0.1:{port}")));
        let proc = Proc::spawn(
            "reachly-api",
            &["serve"],
            &env,
            &format!("{}-api", self.db.name),
        );
        let api = Api::new(format!("http://127.0.0.1:{port}"));
        crate::wait_until("the API to be ready", Duration::from_secs(30), || async {
            api.raw_get("/readyz").await.ok().filter(|s| s.is_success())
        })
        .await;
        (proc, api)
    }

    /// Starts a `reachly-worker` with `args` and extra environment.
    pub fn worker(&self, label: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Proc {
        let mut env = self.env();
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        Proc::spawn(
            "reachly-worker",
            args,
            &env,
            &format!("{}-worker-{label}", self.db.name),
        )
    }

    /// Runs `reachly-api token` and returns the bearer token.
    pub fn token(&self, organization: &str, email: &str, role: &str) -> String {
        let out = std::process::Command::new(crate::process::binary("reachly-api"))
            .args([
                "token",
                "--organization",
                organization,
                "--email",
                email,
                "--role",
                role,
            ])
            .envs(self.env())
            .output()
            .expect("running reachly-api token");
        assert!(
            out.status.success(),
            "token command failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Status of a job, read as the maintenance role.
    pub async fn job_status(&self, pool: &sqlx::PgPool, id: uuid::Uuid) -> String {
        let (status,): (String,) = sqlx::query_as("select status from job_runs where id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap();
        status
    }
}

impl Stack {
    /// Number of jobs in `status`, across all organizations.
    pub async fn count_status(&self, pool: &sqlx::PgPool, status: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as("select count(*) from job_runs where status = $1")
            .bind(status)
            .fetch_one(pool)
            .await
            .unwrap();
        n
    }

    /// Submits `count` noop jobs with `payload` through `/v1/jobs/batch` (1,000 per request),
    /// returning their ids.
    pub async fn submit_noops(
        &self,
        api: &crate::http::Api,
        token: &str,
        count: usize,
        payload: serde_json::Value,
    ) -> Vec<uuid::Uuid> {
        let mut ids = Vec::with_capacity(count);
        let mut left = count;
        while left > 0 {
            let n = left.min(1_000);
            let jobs: Vec<_> = (0..n)
                .map(|_| serde_json::json!({"kind": "noop", "payload": payload}))
                .collect();
            let reply = api
                .post(
                    "/v1/jobs/batch",
                    Some(token),
                    &serde_json::json!({ "jobs": jobs }),
                )
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
