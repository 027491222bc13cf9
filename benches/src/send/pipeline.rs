//! The measured side: `reachly-api serve` and N `reachly-worker --queues launch,send`
//! (release builds) against the bench database and a private Redis; the campaign is
//! launched through the API with a fixed seed and `start_at` = now, then polled (as the
//! maintenance role) until `completed`.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::args::SendArgs;
use super::log;
use crate::db::BenchDb;
use crate::process::free_port;
use crate::redis_server::RedisServer;
use crate::stack::{Services, base_env};
use crate::waits::WaitSampler;

/// The running API and workers, with an admin token of organization `bench`.
#[derive(Debug)]
pub struct SendStack {
    services: Services,
}

impl std::ops::Deref for SendStack {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
    }
}

impl std::ops::DerefMut for SendStack {
    fn deref_mut(&mut self) -> &mut Services {
        &mut self.services
    }
}

/// When the campaign got where, in seconds after the launch request was sent (the status
/// changes as seen by the poller, so within one poll interval of the commit).
#[derive(Debug, Clone, Serialize)]
pub struct SendRun {
    /// The launch request's `202` (campaign `scheduled`, launch job submitted).
    pub accepted_s: f64,
    /// `sending` seen: the launch job committed the assignments and the send jobs.
    pub sending_s: f64,
    /// `completed` seen: the last send batch committed.
    pub completed_s: f64,
    pub batches_total: i32,
}

impl SendRun {
    /// Launch job's share: the request's 202 to `sending`.
    pub fn launch_seconds(&self) -> f64 {
        self.sending_s - self.accepted_s
    }

    /// The send batches' share: `sending` to `completed`.
    pub fn sends_seconds(&self) -> f64 {
        self.completed_s - self.sending_s
    }
}

impl SendStack {
    /// Starts the API (waits for /readyz), gets a token (creating the organization) and
    /// starts the workers.
    pub async fn start(
        args: &SendArgs,
        db: &BenchDb,
        redis: &RedisServer,
    ) -> anyhow::Result<SendStack> {
        let port = free_port()?;
        let env = base_env(db, redis, port);
        let services = Services::start(
            &args.bin_dir(),
            &env,
            port,
            &db.name,
            args.workers,
            "launch,send",
            args.concurrency,
        )
        .await?;
        Ok(SendStack { services })
    }

    /// `POST /v1/campaigns/{campaign}/launch`; fails unless `202`.
    async fn launch(&self, campaign: Uuid, body: serde_json::Value) -> anyhow::Result<()> {
        let resp = self
            .client
            .post(format!("{}/v1/campaigns/{campaign}/launch", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .context("POST launch")?;
        let status = resp.status();
        anyhow::ensure!(
            status == reqwest::StatusCode::ACCEPTED,
            "launch: {status} {}",
            resp.text().await.unwrap_or_default()
        );
        Ok(())
    }

    /// Launches `campaign` and polls until it is `completed` (`failed` or `cancelled` is an
    /// error), sampling wait events at every poll.
    pub async fn run(
        &mut self,
        args: &SendArgs,
        campaign: Uuid,
        poller: &PgPool,
        waits: &mut WaitSampler,
    ) -> anyhow::Result<SendRun> {
        // Postgres' clock, the one the product's now() reads.
        let (now,): (String,) = sqlx::query_as(
            r#"select to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"#,
        )
        .fetch_one(poller)
        .await?;
        let body = json!({ "seed": args.seed, "start_at": now, "batch_size": args.batch_size });
        let start = Instant::now();
        self.launch(campaign, body).await?;
        let accepted_s = start.elapsed().as_secs_f64();
        log(format!("launched (202 in {accepted_s:.2}s)"));
        let poll = Duration::from_millis(args.poll_ms.max(1));
        let mut sending_s = None;
        let mut last_log = Instant::now();
        loop {
            let (status, done, total): (String, i32, i32) = sqlx::query_as(
                "select status, batches_done, batches_total from campaigns where id = $1",
            )
            .bind(campaign)
            .fetch_one(poller)
            .await?;
            let at_s = start.elapsed().as_secs_f64();
            if sending_s.is_none() && status != "scheduled" {
                log(format!("{status} at {at_s:.2}s: {total} batches"));
                sending_s = Some(at_s);
            }
            match status.as_str() {
                "completed" => {
                    log(format!("completed at {at_s:.2}s"));
                    return Ok(SendRun {
                        accepted_s,
                        sending_s: sending_s.unwrap_or(at_s),
                        completed_s: at_s,
                        batches_total: total,
                    });
                }
                "failed" | "cancelled" => anyhow::bail!("campaign {campaign} is {status}"),
                _ => {}
            }
            if last_log.elapsed() > Duration::from_secs(10) {
                last_log = Instant::now();
                log(format!("{status} at {at_s:.0}s: {done}/{total} batches"));
            }
            self.check_alive()?;
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(args.timeout_s),
                "campaign {campaign} not completed within {}s ({status}, {done}/{total} batches)",
                args.timeout_s
            );
            waits.sample().await;
            tokio::time::sleep(poll).await;
        }
    }

    /// Stops the workers and the API.
    pub fn stop(mut self) {
        for w in &mut self.workers {
            w.stop();
        }
        self.api.stop();
    }
}
