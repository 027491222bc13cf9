//! The Reachly side's processes: `reachly-api serve` and N `reachly-worker`s, release builds,
//! against a bench database and the private Redis, with RUST_LOG=warn.

use std::time::{Duration, Instant};

use reachly_testkit::RedisServer;

use super::args::Args;
use super::submit::Submitter;
use crate::db::BenchDb;
use crate::stack::{Services, Workers, base_env, binaries};

/// The bench's user, made a platform administrator so it may pause the `noop` queue.
const EMAIL: &str = "bench@reachly.test";

/// The running API and workers, a client for the API and a maintenance-role pool.
#[derive(Debug)]
pub struct Reachly {
    pub services: Services,
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
    /// Starts the API (waits for /readyz) and `workers` worker processes, then runs one
    /// warm-up job through the whole path so the timed run starts with every process serving.
    pub async fn start(
        args: &Args,
        db: &BenchDb,
        redis: &RedisServer,
        workers: u16,
    ) -> anyhow::Result<Reachly> {
        let env = base_env(db, redis);
        let workers = Workers {
            count: usize::from(workers),
            queues: "noop",
            concurrency: args.concurrency,
        };
        let services = Services::start(&args.bin_dir(), &env, &db.name, workers).await?;
        binaries(&args.bin_dir()).api_command(&["grant-platform-admin", EMAIL], &env)?;
        let submitter = Submitter {
            base: services.base.clone(),
            token: services.token.clone(),
            client: reqwest::Client::new(),
        };
        // One connection, so its backend's CPU (the 100 ms polls) can be told apart.
        let maint = db.maint_pool(1).await?;
        let mut reachly = Reachly {
            services,
            submitter,
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

    /// Pauses (`true`) or resumes the `noop` queue through the API, as an operator would.
    pub async fn set_paused(&self, paused: bool) -> anyhow::Result<()> {
        let action = if paused { "pause" } else { "resume" };
        self.services
            .post(
                &format!("/v1/ops/queues/noop/{action}"),
                &serde_json::json!({}),
                200,
            )
            .await?;
        Ok(())
    }

    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        self.services.check_alive()
    }

    /// Stops every process and closes the pool.
    pub async fn stop(self) {
        self.services.stop();
        self.maint.close().await;
    }
}
