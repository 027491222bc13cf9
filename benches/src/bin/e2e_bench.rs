//! `e2e_bench`: the user's path through the API only, upload to campaign completed, each
//! phase beside its raw baseline measured in the same run. See `benches/run-e2e-bench.sh`.

use std::path::Path;
use std::time::Duration;

use clap::Parser;
use reachly_benches::db::{BenchDb, explain_failure};
use reachly_benches::e2e::args::E2eArgs;
use reachly_benches::e2e::{baseline, campaign, log, phases, report};
use reachly_benches::list::data::Generator;
use reachly_benches::list::{dnsmasq, pipeline};
use reachly_benches::waits::WaitSampler;
use reachly_testkit::RedisServer;

async fn run(args: &E2eArgs, db: &BenchDb, redis: &RedisServer, dir: &Path) -> anyhow::Result<()> {
    let list_args = &args.list;
    let (csv, zone) = (dir.join("list.csv"), dir.join("zone.conf"));
    let generator = Generator::new(list_args.seed, list_args.domains, list_args.zipf);
    generator.write_zone(&zone)?;
    let generated = generator.write_csv(list_args.rows, &csv)?;
    log(format!(
        "generated {} ({} bytes)",
        csv.display(),
        generated.bytes
    ));
    let dns = dnsmasq::start(&zone, dir)?;
    let upload_limit = (generated.bytes * 2).max(100 << 20);
    let queues = "import,validate,launch,send";
    let dns_addr = dns.addr.to_string();
    let mut pipe = pipeline::start(list_args, queues, db, redis, &dns_addr, upload_limit).await?;
    let maint = db.maint_pool(2).await?;
    let poll = Duration::from_millis(list_args.poll_ms);
    let timeout = Duration::from_secs(list_args.run.timeout_s);

    log(format!(
        "uploading {} rows with {} workers",
        list_args.rows, list_args.workers
    ));
    let measured = async {
        let list = pipe
            .upload_and_validate(&csv, "list", poll, timeout, &mut WaitSampler::disabled())
            .await?;
        let campaign_id = campaign::create(&pipe, list.list_id).await?;
        let send = campaign::launch_and_wait(
            &mut pipe,
            campaign_id,
            list_args.seed,
            args.batch_size,
            poll,
            timeout,
        )
        .await?;
        anyhow::Ok((list, campaign_id, send))
    }
    .await;
    let (list, campaign_id, send) = explain_failure(measured, &maint).await?;
    let list_phases = pipeline::phases(&maint, list.list_id).await?;
    let campaign_phases = phases::campaign(&maint, list.list_id, campaign_id).await?;
    pipe.stop();
    maint.close().await;
    drop(dns);
    let raw = baseline::run(db, list.list_id, campaign_id, dir, list_args.run.keep_db).await?;
    report::print(&report::Measured {
        args,
        list: &list,
        list_phases: &list_phases,
        send: &send,
        campaign: &campaign_phases,
        raw: &raw,
    });
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = E2eArgs::parse();
    args.list
        .run
        .run("e2e-bench", async |db, redis, dir| {
            run(&args, db, redis, dir).await
        })
        .await
}
