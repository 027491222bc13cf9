//! The measured side: `reachly-api serve` and N `reachly-worker --queues launch,send`
//! (release builds) against the bench database and a private Redis; the campaign is
//! launched through the API with a fixed seed and `start_at` = now, then polled (as the
//! maintenance role) until `completed`.

use std::time::{Duration, Instant};

use reachly_testkit::RedisServer;
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::args::SendArgs;
use super::progress::Progress;
use crate::db::BenchDb;
use crate::stack::{Services, Workers, base_env};
use crate::waits::WaitSampler;

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

/// Starts the API (waits for /readyz), gets a token (creating the organization) and starts
/// the workers serving `launch,send`.
pub async fn start(args: &SendArgs, db: &BenchDb, redis: &RedisServer) -> anyhow::Result<Services> {
    let workers = Workers {
        count: args.workers,
        queues: "launch,send",
        concurrency: args.concurrency,
    };
    Services::start(&args.run.bin_dir(), &base_env(db, redis), &db.name, workers).await
}

/// A send run ready to launch: the services, a one-connection poller (so `observe` can tell
/// its backend apart) and the audience written in bulk, with the seconds that took.
#[derive(Debug)]
pub struct Staged {
    pub stack: Services,
    pub poller: PgPool,
    pub audience_seconds: f64,
}

/// Starts the services and writes an audience of `args.recipients` valid contacts for the
/// bench's campaign (not timed: the campaign's launch is).
pub async fn staged(args: &SendArgs, db: &BenchDb, redis: &RedisServer) -> anyhow::Result<Staged> {
    let stack = start(args, db, redis).await?;
    let poller = db.maint_pool(1).await?;
    let org: Uuid = sqlx::query_scalar("select id from organizations where slug = 'bench'")
        .fetch_one(&poller)
        .await?;
    let started = Instant::now();
    super::audience::write(db, org, args.recipients).await?;
    let audience_seconds = started.elapsed().as_secs_f64();
    super::log(format!(
        "audience of {} contacts written in {audience_seconds:.1}s",
        args.recipients
    ));
    Ok(Staged {
        stack,
        poller,
        audience_seconds,
    })
}

impl Services {
    /// Launches `campaign` and polls until it is `completed` (`failed` or `cancelled` is an
    /// error), sampling wait events at every poll.
    pub async fn launch_and_complete(
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
        self.post(&format!("/v1/campaigns/{campaign}/launch"), &body, 202)
            .await?;
        let timeout = Duration::from_secs(args.run.timeout_s);
        let mut progress = Progress::new(campaign, start, start.elapsed().as_secs_f64(), timeout);
        let poll = Duration::from_millis(args.poll_ms.max(1));
        loop {
            let (status, done, total): (String, i32, i32) = sqlx::query_as(
                "select status, batches_done, batches_total from campaigns where id = $1",
            )
            .bind(campaign)
            .fetch_one(poller)
            .await?;
            if let Some(run) = progress.observe(&status, done.into(), total.into())? {
                return Ok(run);
            }
            self.check_alive()?;
            waits.sample().await;
            tokio::time::sleep(poll).await;
        }
    }
}
