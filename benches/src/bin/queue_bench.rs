//! `queue-bench`: queue overhead of Reachly jobs vs BullMQ 5, both measured in this one run on
//! a private Redis (and, for Reachly, a fresh database). See `benches/run-queue-bench.sh`.

use std::collections::BTreeMap;

use clap::Parser;
use reachly_benches::bullmq::{self, BullmqRun};
use reachly_benches::cli::Args;
use reachly_benches::cpu::Snapshot;
use reachly_benches::db::BenchDb;
use reachly_benches::measure::{self, ReachlyRun};
use reachly_benches::reachly::Reachly;
use reachly_benches::{log, report, stack};
use reachly_testkit::RedisServer;

/// A baseline run and the CPU seconds spent during it.
type Baseline = (BullmqRun, BTreeMap<String, f64>);

async fn run(
    args: &Args,
    db: &BenchDb,
    redis: &RedisServer,
) -> anyhow::Result<(ReachlyRun, Option<Baseline>)> {
    log(format!(
        "reachly: {} noop jobs, batches of {}, {} in flight, worker concurrency {}",
        args.jobs, args.batch, args.in_flight, args.concurrency
    ));
    let mut reachly = Reachly::start(args, db, redis).await?;
    let measured = measure::run(args, &mut reachly, &[("redis", redis.pid())]).await;
    reachly.stop().await;
    let measured = measured?;
    log(format!("cpu seconds during reachly: {:?}", measured.cpu));
    if args.skip_bullmq {
        return Ok((measured, None));
    }
    log(format!("bullmq: {} jobs on {}", args.jobs, redis.url()));
    let pids = [("redis", redis.pid())];
    let before = Snapshot::take(&pids, &[]);
    let baseline = bullmq::run(args, &redis.url())?;
    let cpu = Snapshot::take(&pids, &[]).since(&before);
    log(format!(
        "cpu seconds during bullmq (node is in others): {cpu:?}"
    ));
    Ok((measured, Some((baseline, cpu))))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (reachly, bullmq) = stack::around(
        "queue-bench",
        &args.bin_dir(),
        args.keep_db,
        async |db, redis| run(&args, db, redis).await,
    )
    .await?;
    report::print(&args, &reachly, bullmq.as_ref().map(|(b, cpu)| (b, cpu)));
    if !reachly.exactly_once() {
        anyhow::bail!(
            "{} audit rows ({} distinct jobs) for {} jobs: not exactly once",
            reachly.audit_rows,
            reachly.audit_jobs,
            reachly.jobs
        );
    }
    Ok(())
}
