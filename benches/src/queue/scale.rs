//! Scale-out under real work: the same run with 1, 2, 4 … worker processes, each on a fresh
//! database and Redis, for a validate-heavy load (a generated list uploaded through the API,
//! imported and validated against the bench's DNS server) and a send-heavy load (a campaign
//! to an audience written in bulk, launched through the API). Each row is the pipeline's own
//! figure of the list and send benches, without their raw baselines.

use std::path::Path;
use std::time::Duration;

use clap::Parser;
use reachly_testkit::RedisServer;

use super::log;
use crate::db::BenchDb;
use crate::list::args::ListArgs;
use crate::list::stage::ListStage;
use crate::observe::{Observed, Parties, observe};
use crate::send::args::SendArgs;
use crate::send::audience::CAMPAIGN;
use crate::send::pipeline;
use crate::waits::WaitSampler;

/// Which work the scale-out measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Load {
    /// `noop` jobs: the engine's own cost.
    Noop,
    /// A list of `--rows` rows through import and validation.
    Validate,
    /// A campaign to `--rows` recipients through launch and sends.
    Send,
}

/// One worker count's run of a heavy load.
#[derive(Debug, Clone)]
pub struct ScaleRun {
    pub workers: u16,
    /// The measured window: upload -> `validated`, or launch -> `completed`.
    pub seconds: f64,
    /// Jobs of the load's kinds that succeeded in the window.
    pub jobs: i64,
    /// Rows the load is about (list rows, recipients).
    pub rows: usize,
    pub observed: Observed,
}

impl ScaleRun {
    pub fn jobs_per_s(&self) -> f64 {
        crate::report::rate(self.jobs as f64, self.seconds)
    }
    pub fn rows_per_s(&self) -> f64 {
        crate::report::rate(self.rows as f64, self.seconds)
    }
}

async fn succeeded(maint: &sqlx::PgPool, kinds: &[&str]) -> anyhow::Result<i64> {
    let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
    Ok(sqlx::query_scalar(
        "select count(*) from job_runs where status = 'succeeded' and kind = any($1)",
    )
    .bind(&kinds)
    .fetch_one(maint)
    .await?)
}

/// The command line of pipeline bench `bench` for `rows` (its flag `rows_flag`) and
/// `workers`, with the queue bench's binaries and database choice.
fn pipeline_flags(
    bench: &str,
    rows_flag: &str,
    rows: usize,
    workers: u16,
    bin_dir: Option<&Path>,
    keep_db: bool,
) -> Vec<String> {
    let mut out = vec![bench.to_owned(), rows_flag.to_owned(), rows.to_string()];
    out.extend(["--workers".to_owned(), workers.to_string()]);
    if let Some(dir) = bin_dir {
        out.extend(["--bin-dir".to_owned(), dir.display().to_string()]);
    }
    if keep_db {
        out.push("--keep-db".to_owned());
    }
    out
}

/// A list of `rows` rows, uploaded through the API with `workers` worker processes, until
/// `validated`.
pub async fn validate(
    rows: usize,
    workers: u16,
    bin_dir: Option<&Path>,
    keep_db: bool,
) -> anyhow::Result<ScaleRun> {
    let flags = pipeline_flags("list_bench", "--rows", rows, workers, bin_dir, keep_db);
    let args = ListArgs::parse_from(flags);
    log(format!("validate: {rows} rows, {workers} worker(s)"));
    args.run
        .run("queue-bench-validate", async |db, redis, dir| {
            validate_in(&args, db, redis, dir, workers).await
        })
        .await
}

async fn validate_in(
    args: &ListArgs,
    db: &BenchDb,
    redis: &RedisServer,
    dir: &Path,
    workers: u16,
) -> anyhow::Result<ScaleRun> {
    let mut stage = ListStage::start(args, "import,validate", db, redis, dir).await?;
    let kinds = ["import", "validate"];
    let maint = stage.maint.clone();
    let before = succeeded(&maint, &kinds).await?;
    let dnsmasq = ("dnsmasq", stage.dns.pid());
    let parties = Parties::new(&stage.pipe, redis, dnsmasq, &maint, true);
    let (run, observed) = observe(db, parties, async |waits| {
        let (poll, timeout) = (stage.poll, stage.timeout);
        stage
            .pipe
            .upload_and_validate(&stage.csv, "list", poll, timeout, waits)
            .await
    })
    .await?;
    let jobs = succeeded(&maint, &kinds).await? - before;
    stage.pipe.stop();
    maint.close().await;
    Ok(ScaleRun {
        workers,
        seconds: run.total_seconds,
        jobs,
        rows: args.rows,
        observed,
    })
}

/// A campaign to `rows` recipients launched through the API with `workers` worker
/// processes, until `completed`.
pub async fn send(
    rows: usize,
    workers: u16,
    bin_dir: Option<&Path>,
    keep_db: bool,
) -> anyhow::Result<ScaleRun> {
    let flags = pipeline_flags(
        "send_bench",
        "--recipients",
        rows,
        workers,
        bin_dir,
        keep_db,
    );
    let args = SendArgs::parse_from(flags);
    log(format!("send: {rows} recipients, {workers} worker(s)"));
    args.run
        .run("queue-bench-send", async |db, redis, _dir| {
            send_in(&args, db, redis, workers).await
        })
        .await
}

async fn send_in(
    args: &SendArgs,
    db: &BenchDb,
    redis: &RedisServer,
    workers: u16,
) -> anyhow::Result<ScaleRun> {
    let pipeline::Staged {
        mut stack, poller, ..
    } = pipeline::staged(args, db, redis).await?;
    let kinds = ["launch", "send"];
    let before = succeeded(&poller, &kinds).await?;
    let parties = Parties::new(&stack, redis, ("bench", std::process::id()), &poller, true);
    let (run, observed) = observe(db, parties, async |waits: &mut WaitSampler| {
        stack
            .launch_and_complete(args, CAMPAIGN, &poller, waits)
            .await
    })
    .await?;
    // The last batch's success commits with the campaign's completion; let it land.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let jobs = succeeded(&poller, &kinds).await? - before;
    stack.stop();
    poller.close().await;
    Ok(ScaleRun {
        workers,
        seconds: run.completed_s,
        jobs,
        rows: args.recipients as usize,
        observed,
    })
}
