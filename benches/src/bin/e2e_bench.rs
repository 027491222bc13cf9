//! `e2e_bench`: the user's path through the API only, upload to campaign completed, each
//! phase beside its raw baseline measured in the same run. See `benches/run-e2e-bench.sh`.

use std::path::Path;

use reachly_benches::db::{BenchDb, explain_failure};
use reachly_benches::e2e::args::E2eArgs;
use reachly_benches::e2e::{baseline, campaign, log, phases, report};
use reachly_benches::list::pipeline;
use reachly_benches::list::stage::ListStage;
use reachly_benches::run_args::bench_main;
use reachly_benches::waits::WaitSampler;
use reachly_testkit::RedisServer;

async fn run(args: &E2eArgs, db: &BenchDb, redis: &RedisServer, dir: &Path) -> anyhow::Result<()> {
    let list_args = &args.list;
    let ListStage {
        csv,
        dns,
        mut pipe,
        maint,
        poll,
        timeout,
        ..
    } = ListStage::start(list_args, "import,validate,launch,send", db, redis, dir).await?;

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
    bench_main::<E2eArgs>("e2e-bench", run).await
}
