//! `send_bench`: a campaign to `--recipients` valid contacts from the launch request to
//! `completed` with N workers, beside a raw COPY of the same event rows into the same table,
//! both measured in this one run. See `benches/run-send-bench.sh`.

use std::path::Path;

use reachly_benches::db::BenchDb;
use reachly_benches::observe::{Parties, observe};
use reachly_benches::run_args::bench_main;
use reachly_benches::send::args::SendArgs;
use reachly_benches::send::audience::CAMPAIGN;
use reachly_benches::send::{baseline, log, pipeline, report, written};
use reachly_testkit::RedisServer;

async fn run(args: &SendArgs, db: &BenchDb, redis: &RedisServer, dir: &Path) -> anyhow::Result<()> {
    let pipeline::Staged {
        mut stack,
        poller,
        audience_seconds,
    } = pipeline::staged(args, db, redis).await?;

    log(format!(
        "launching to {} recipients with {} workers (batch size {})",
        args.recipients, args.workers, args.batch_size
    ));
    let bench = ("bench", std::process::id());
    let parties = Parties::new(&stack, redis, bench, &poller, true);
    let (send_run, observed) = observe(db, parties, async |waits| {
        stack
            .launch_and_complete(args, CAMPAIGN, &poller, waits)
            .await
    })
    .await?;
    stack.stop();
    let written = written::count(&poller, CAMPAIGN).await?;
    poller.close().await;
    log(format!(
        "pipeline: {:.2}s, {} events, {} leads",
        send_run.completed_s, written.events, written.leads
    ));

    let raw = baseline::run(db, args.recipients, dir, args.run.keep_db).await?;
    report::print(&report::Measured {
        args,
        audience_seconds,
        run: &send_run,
        written: &written,
        raw: &raw,
        observed,
    });
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    bench_main::<SendArgs>("send-bench", run).await
}
