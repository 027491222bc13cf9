//! `list_bench`: a generated contact list from upload to `validated` (import, dedupe,
//! suppression, DNS validation) with two workers, beside a raw COPY of the same final rows
//! into the same tables, both measured in this one run. See `benches/run-list-bench.sh`.

use std::time::{Duration, Instant};

use clap::Parser;
use reachly_benches::cpu::Snapshot;
use reachly_benches::db::BenchDb;
use reachly_benches::list::args::ListArgs;
use reachly_benches::list::data::Generator;
use reachly_benches::list::dnsmasq::{Dnsmasq, QueryCount};
use reachly_benches::list::pipeline::{self, Pipeline};
use reachly_benches::list::{baseline, log, report};
use reachly_benches::redis_server::RedisServer;
use reachly_benches::waits::WaitSampler;

async fn domain_checks(maint: &sqlx::PgPool) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from domain_checks")
        .fetch_one(maint)
        .await?)
}

async fn run(args: &ListArgs, db: &BenchDb, redis: &RedisServer) -> anyhow::Result<()> {
    let dir = args.work_dir()?;
    let csv = dir.join("list.csv");
    let zone = dir.join("zone.conf");
    let started = Instant::now();
    let generator = Generator::new(args.seed, args.domains, args.zipf);
    generator.write_zone(&zone)?;
    let generated = generator.write_csv(args.rows, &csv)?;
    log(format!(
        "generated {} ({} bytes) and {} in {:.1}s",
        csv.display(),
        generated.bytes,
        zone.display(),
        started.elapsed().as_secs_f64()
    ));
    let warmup = dir.join("warmup.csv");
    std::fs::write(
        &warmup,
        "email,first_name\nwarm.one@warmup.test,W\nwarm.two@warmup.test,W\n",
    )?;

    let dns = Dnsmasq::start(&zone, &dir)?;
    log(format!(
        "dnsmasq on {} (query log {})",
        dns.addr(),
        dns.log.display()
    ));
    let upload_limit = (generated.bytes * 2).max(100 << 20);
    let mut pipe = Pipeline::start(
        args,
        "import,validate",
        db,
        redis,
        &dns.addr(),
        upload_limit,
    )
    .await?;
    let maint = reachly_jobs::db::connect(&db.maint_url, 2).await?;
    let poll = Duration::from_millis(args.poll_ms);
    let timeout = Duration::from_secs(args.timeout_s);

    // A tiny list through the whole path first, so the timed run starts with every process
    // serving; its DNS queries and domain_checks rows are subtracted.
    let mut no_waits = WaitSampler::disabled();
    pipe.run(
        &warmup,
        "warm-up",
        poll,
        Duration::from_secs(120),
        &mut no_waits,
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let q0 = dns.queries()?;
    let checks0 = domain_checks(&maint).await?;

    let mut named: Vec<(String, u32)> = pipe.pids();
    named.push(("redis".into(), redis.pid()));
    named.push(("dnsmasq".into(), dns.pid()));
    let named_ref: Vec<(&str, u32)> = named.iter().map(|(l, p)| (l.as_str(), *p)).collect();
    log(format!(
        "uploading {} rows with {} workers (concurrency {})",
        args.rows, args.workers, args.concurrency
    ));
    let mut waits = WaitSampler::connect(db).await;
    let before = Snapshot::take(&named_ref, &[]);
    let measured = pipe.run(&csv, "list", poll, timeout, &mut waits).await;
    let cpu = Snapshot::take(&named_ref, &[]).since(&before);
    let waits_profile = waits.profile();
    waits.close().await;
    let list_run = match measured {
        Ok(r) => r,
        Err(e) => {
            let stuck = reachly_benches::db::job_counts(&maint).await;
            log(format!("job_runs by kind and status: {stuck:?}"));
            pipe.stop();
            return Err(e);
        }
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let q1 = dns.queries()?;
    let queries = QueryCount {
        total: q1.total - q0.total,
        mx: q1.mx - q0.mx,
        a: q1.a - q0.a,
        aaaa: q1.aaaa - q0.aaaa,
    };
    let mut phases = pipeline::phases(&maint, list_run.list_id).await?;
    phases.domain_checks_rows -= checks0;
    pipe.stop();
    maint.close().await;
    drop(dns);
    log(format!(
        "pipeline: {:.2}s; {phases:?}; dns {queries:?}",
        list_run.total_seconds
    ));

    let raw = baseline::run(db, list_run.list_id, &dir, args.keep_db).await?;
    report::print(&report::Measured {
        args,
        generated: &generated,
        run: &list_run,
        phases: &phases,
        queries,
        raw: &raw,
        cpu,
        waits: waits_profile,
    });
    if args.work_dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = ListArgs::parse();
    let redis = RedisServer::start().await?;
    let db = BenchDb::create().await?;
    log(format!(
        "database {}, redis {}, binaries in {}",
        db.name,
        redis.url(),
        args.bin_dir().display()
    ));
    let result = run(&args, &db, &redis).await;
    db.finish(args.keep_db).await;
    result
}
