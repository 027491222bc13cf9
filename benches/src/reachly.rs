//! The Reachly side's processes: `reachly-api serve` and one `reachly-worker`, release builds,
//! against the bench database and the private Redis, with RUST_LOG=warn.

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::cli::Args;
use crate::db::BenchDb;
use crate::process::{Proc, binary, free_port};
use crate::redis_server::RedisServer;
use crate::submit::Submitter;

/// The running API and worker, a client for the API and a maintenance-role pool.
#[derive(Debug)]
pub struct Reachly {
    pub api: Proc,
    pub worker: Proc,
    pub submitter: Submitter,
    pub maint: sqlx::PgPool,
}

fn env(db: &BenchDb, redis: &RedisServer, api_port: u16) -> Vec<(String, String)> {
    [
        ("DATABASE_URL", db.owner_url.clone()),
        ("APP_DATABASE_URL", db.app_url.clone()),
        ("MAINT_DATABASE_URL", db.maint_url.clone()),
        ("REDIS_URL", redis.url()),
        (
            "REACHLY_JWT_SECRET",
            format!("bench-{}", uuid::Uuid::new_v4()),
        ),
        ("REACHLY_API_ADDR", format!("127.0.0.1:{api_port}")),
        ("RUST_LOG", "warn".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// `reachly-api token` for an admin of organization `bench`.
fn token(api_bin: &std::path::Path, env: &[(String, String)]) -> anyhow::Result<String> {
    let out = std::process::Command::new(api_bin)
        .args([
            "token",
            "--organization",
            "bench",
            "--email",
            "bench@reachly.test",
        ])
        .args(["--role", "admin"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .context("running reachly-api token")?;
    anyhow::ensure!(
        out.status.success(),
        "reachly-api token failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}

/// Count of `job_runs` in status `succeeded` (all organizations), as the maintenance role.
pub async fn succeeded(maint: &sqlx::PgPool) -> anyhow::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("select count(*) from job_runs where status = 'succeeded'")
        .fetch_one(maint)
        .await?;
    Ok(n)
}

impl Reachly {
    /// Starts the API (waits for /readyz) and the worker, then runs one warm-up job through
    /// the whole path so the timed run starts with both processes serving.
    pub async fn start(args: &Args, db: &BenchDb, redis: &RedisServer) -> anyhow::Result<Reachly> {
        let dir = args.bin_dir();
        let api_bin = binary(&dir, "reachly-api")?;
        let worker_bin = binary(&dir, "reachly-worker")?;
        let port = free_port()?;
        let env = env(db, redis, port);
        let mut api = Proc::spawn(&api_bin, &["serve"], &env, &format!("{}-api", db.name))?;
        let client = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        loop {
            let ready = client.get(format!("{base}/readyz")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            api.check_alive()?;
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(30),
                "API not ready in 30s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let token = token(&api_bin, &env)?;
        let concurrency = args.concurrency.to_string();
        let worker = Proc::spawn(
            &worker_bin,
            &["--queues", "noop", "--concurrency", &concurrency],
            &env,
            &format!("{}-worker", db.name),
        )?;
        // One connection, so its backend's CPU (the 100 ms polls) can be told apart.
        let maint = reachly_jobs::db::connect(&db.maint_url, 1).await?;
        let mut reachly = Reachly {
            api,
            worker,
            submitter: Submitter {
                base,
                token,
                client,
            },
            maint,
        };
        reachly.warm_up().await?;
        Ok(reachly)
    }

    async fn warm_up(&mut self) -> anyhow::Result<()> {
        let before = succeeded(&self.maint).await?;
        self.submitter.submit_all(1, 1, 1).await?;
        let start = Instant::now();
        while succeeded(&self.maint).await? <= before {
            self.check_alive()?;
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(60),
                "the warm-up job did not succeed within 60s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        self.api.check_alive()?;
        self.worker.check_alive()
    }

    /// Stops both processes and closes the pool.
    pub async fn stop(mut self) {
        self.worker.stop();
        self.api.stop();
        self.maint.close().await;
    }
}
