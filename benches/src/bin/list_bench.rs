//! `list_bench`: a generated contact list from upload to `validated` (import, dedupe,
//! suppression, DNS validation) with two workers, beside a raw COPY of the same final rows
//! into the same tables, both measured in this one run. See `benches/run-list-bench.sh`.

use std::path::Path;
use std::time::Duration;

use reachly_benches::db::BenchDb;
use reachly_benches::list::args::ListArgs;
use reachly_benches::list::stage::ListStage;
use reachly_benches::list::{baseline, dnsmasq, log, pipeline, report};
use reachly_benches::observe::{Parties, observe};
use reachly_benches::run_args::bench_main;
use reachly_benches::waits::WaitSampler;
use reachly_testkit::RedisServer;

async fn domain_checks(maint: &sqlx::PgPool) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from domain_checks")
        .fetch_one(maint)
        .await?)
}

async fn run(args: &ListArgs, db: &BenchDb, redis: &RedisServer, dir: &Path) -> anyhow::Result<()> {
    let warmup = dir.join("warmup.csv");
    std::fs::write(
        &warmup,
        "email,first_name\nwarm.one@warmup.test,W\nwarm.two@warmup.test,W\n",
    )?;

    let ListStage {
        csv,
        generated,
        dns,
        mut pipe,
        maint,
        poll,
        timeout,
    } = ListStage::start(args, "import,validate", db, redis, dir).await?;

    // A tiny list through the whole path first, so the timed run starts with every process
    // serving; its DNS queries and domain_checks rows are subtracted.
    let mut no_waits = WaitSampler::disabled();
    let warm_limit = Duration::from_secs(120);
    pipe.upload_and_validate(&warmup, "warm-up", poll, warm_limit, &mut no_waits)
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let q0 = dnsmasq::queries(&dns)?;
    let checks0 = domain_checks(&maint).await?;

    log(format!(
        "uploading {} rows with {} workers (concurrency {})",
        args.rows, args.workers, args.concurrency
    ));
    let parties = Parties::new(&pipe, redis, ("dnsmasq", dns.pid()), &maint, false);
    let (list_run, observed) = observe(db, parties, async |waits| {
        pipe.upload_and_validate(&csv, "list", poll, timeout, waits)
            .await
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let queries = dnsmasq::queries(&dns)? - q0;
    let mut phases = pipeline::phases(&maint, list_run.list_id).await?;
    phases.domain_checks_rows -= checks0;
    pipe.stop();
    maint.close().await;
    drop(dns);
    log(format!(
        "pipeline: {:.2}s; {phases:?}; dns {queries:?}",
        list_run.total_seconds
    ));

    let raw = baseline::run(db, list_run.list_id, dir, args.run.keep_db).await?;
    report::print(&report::Measured {
        args,
        generated: &generated,
        run: &list_run,
        phases: &phases,
        queries,
        raw: &raw,
        observed,
    });
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    bench_main::<ListArgs>("list-bench", run).await
}
