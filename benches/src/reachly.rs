//! The Reachly side's processes: `reachly-api serve` and one `reachly-worker`, release builds,
//! against the bench database and the private Redis, with RUST_LOG=warn.

use std::time::{Duration, Instant};

use crate::cli::Args;
use crate::db::BenchDb;
use crate::process::{Proc, binary, free_port};
use crate::redis_server::RedisServer;
use crate::stack::{admin_token, base_env, start_api};
use crate::submit::Submitter;

/// The running API and worker, a client for the API and a maintenance-role pool.
#[derive(Debug)]
pub struct Reachly {
    pub api: Proc,
    pub worker: Proc,
    pub submitter: Submitter,
    pub maint: sqlx::PgPool,
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
        let env = base_env(db, redis, port);
        let (api, base) = start_api(&api_bin, &env, port, &format!("{}-api", db.name)).await?;
        let token = admin_token(&api_bin, &env)?;
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
                client: reqwest::Client::new(),
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
