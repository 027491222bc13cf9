//! `queue-bench`: Reachly's queue throughput on `noop` jobs vs BullMQ 5, both measured in this
//! one run on a private Redis (and, for Reachly, a fresh database per run), end to end and
//! drain only, for each `--workers` count. See `benches/run-queue-bench.sh`.

use clap::Parser;
use reachly_benches::cpu::Snapshot;
use reachly_benches::queue::args::Args;
use reachly_benches::queue::measure::{Mode, fresh_run};
use reachly_benches::queue::report::{self, Pair};
use reachly_benches::queue::scale::{self, Load};
use reachly_benches::queue::{bullmq, log};
use reachly_testkit::RedisServer;
use reachly_testkit::services::log_dir;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.load != Load::Noop {
        let mut runs = Vec::new();
        for &workers in &args.workers {
            let (bin_dir, keep) = (args.bin_dir.as_deref(), args.keep_db);
            runs.push(match args.load {
                Load::Validate => scale::validate(args.rows, workers, bin_dir, keep).await?,
                _ => scale::send(args.rows, workers, bin_dir, keep).await?,
            });
        }
        report::print_scale(&args, &runs);
        return Ok(());
    }
    let redis = RedisServer::start(&log_dir("bench-logs")).await?;
    log(format!(
        "redis {}, binaries in {}",
        redis.url(),
        args.bin_dir().display()
    ));
    let mut pairs = Vec::new();
    for &workers in &args.workers {
        let end_to_end = fresh_run(&args, &redis, Mode::EndToEnd, workers).await?;
        let drain = fresh_run(&args, &redis, Mode::Drain, workers).await?;
        pairs.push(Pair { end_to_end, drain });
    }
    let baseline = if args.skip_bullmq {
        None
    } else {
        log(format!("bullmq: {} jobs on {}", args.jobs, redis.url()));
        let pids = [("redis", redis.pid())];
        let before = Snapshot::take(&pids, &[]);
        let run = bullmq::run(&args, &redis.url())?;
        let cpu = Snapshot::take(&pids, &[]).since(&before);
        log(format!(
            "cpu seconds during bullmq (node is in others): {cpu:?}"
        ));
        Some((run, cpu))
    };
    report::print(&args, &pairs, baseline.as_ref().map(|(b, cpu)| (b, cpu)));
    anyhow::ensure!(
        pairs.iter().all(Pair::exactly_once),
        "a run did not complete every job exactly once (see the audit counts above)"
    );
    Ok(())
}
