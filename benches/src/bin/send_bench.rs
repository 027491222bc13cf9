//! `send_bench`: a campaign to `--recipients` valid contacts from the launch request to
//! `completed` with N workers, beside a raw COPY of the same event rows into the same table,
//! both measured in this one run. See `benches/run-send-bench.sh`.

use std::path::Path;
use std::time::Instant;

use clap::Parser;
use reachly_benches::cpu::Snapshot;
use reachly_benches::db::BenchDb;
use reachly_benches::measure::backends;
use reachly_benches::redis_server::RedisServer;
use reachly_benches::send::args::SendArgs;
use reachly_benches::send::audience::{self, CAMPAIGN};
use reachly_benches::send::pipeline::SendStack;
use reachly_benches::send::{baseline, log, report, written};
use reachly_benches::waits::WaitSampler;

async fn run(args: &SendArgs, db: &BenchDb, redis: &RedisServer, dir: &Path) -> anyhow::Result<()> {
    let mut stack = SendStack::start(args, db, redis).await?;
    // One connection, so `measure::backends` can tell the poller's backend apart.
    let poller = reachly_jobs::db::connect(&db.maint_url, 1).await?;
    let org: uuid::Uuid = sqlx::query_scalar("select id from organizations where slug = 'bench'")
        .fetch_one(&poller)
        .await?;
    let started = Instant::now();
    audience::write(db, org, args.recipients).await?;
    let audience_seconds = started.elapsed().as_secs_f64();
    log(format!(
        "audience of {} contacts written in {audience_seconds:.1}s",
        args.recipients
    ));

    let mut named: Vec<(String, u32)> = stack.pids();
    named.push(("redis".into(), redis.pid()));
    named.push(("bench".into(), std::process::id()));
    let named_ref: Vec<(&str, u32)> = named.iter().map(|(l, p)| (l.as_str(), *p)).collect();
    let mut waits = WaitSampler::connect(db).await;
    log(format!(
        "launching to {} recipients with {} workers (batch size {})",
        args.recipients, args.workers, args.batch_size
    ));
    let before = Snapshot::take(&named_ref, &backends(&poller).await?);
    let measured = stack.run(args, CAMPAIGN, &poller, &mut waits).await;
    let cpu = Snapshot::take(&named_ref, &backends(&poller).await?).since(&before);
    let send_run = match measured {
        Ok(r) => r,
        Err(e) => {
            let jobs = reachly_benches::db::job_counts(&poller).await;
            log(format!("job_runs by kind and status: {jobs:?}"));
            stack.stop();
            return Err(e);
        }
    };
    stack.stop();
    let waits_profile = waits.profile();
    waits.close().await;
    let written = written::count(&poller, CAMPAIGN).await?;
    poller.close().await;
    log(format!(
        "pipeline: {:.2}s, {} events, {} leads",
        send_run.completed_s, written.events, written.leads
    ));

    let raw = baseline::run(db, args.recipients, dir, args.keep_db).await?;
    report::print(&report::Measured {
        args,
        audience_seconds,
        run: &send_run,
        written: &written,
        raw: &raw,
        cpu,
        waits: waits_profile,
    });
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = SendArgs::parse();
    let redis = RedisServer::start().await?;
    let db = BenchDb::create().await?;
    log(format!(
        "database {}, redis {}, binaries in {}",
        db.name,
        redis.url(),
        args.bin_dir().display()
    ));
    let dir = args.work_dir()?;
    let result = run(&args, &db, &redis, &dir).await;
    db.finish(args.keep_db).await;
    if args.work_dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}
