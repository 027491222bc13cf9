//! `rollup_bench`: the `event_aggregation` job over a day of `--events` events, run by a real
//! worker and submitted through the API, beside bare INSERT … SELECT … GROUP BY statements
//! computing the same rows, alternating, in this one run. See `benches/run-rollup-bench.sh`.

use std::path::Path;

use reachly_benches::db::{BenchDb, wait_succeeded};
use reachly_benches::events;
use reachly_benches::report::load_average;
use reachly_benches::rollup::args::RollupArgs;
use reachly_benches::rollup::report::{self, Round};
use reachly_benches::rollup::{baseline, generate, log};
use reachly_benches::run_args::bench_main;
use reachly_benches::stack::{Services, Workers, base_env};
use reachly_testkit::RedisServer;
use serde_json::json;
use sqlx::{Connection, PgConnection};

async fn run(args: &RollupArgs, db: &BenchDb, redis: &RedisServer, _: &Path) -> anyhow::Result<()> {
    let env = base_env(db, redis);
    let workers = Workers {
        count: 1,
        queues: "event_aggregation",
        concurrency: 2,
    };
    let mut services = Services::start(&args.run.bin_dir(), &env, "rollup-bench", workers).await?;
    let mut maint = PgConnection::connect(&db.maint_url).await?;
    let org: uuid::Uuid = sqlx::query_scalar("select id from organizations where slug = 'bench'")
        .fetch_one(&mut maint)
        .await?;
    // Three days ago: ended more than 24 h ago, so the job also finalizes it.
    let day = (chrono::Utc::now() - chrono::Duration::days(3)).date_naive();
    let data = generate::write(db, org, day, args).await?;
    baseline::create_scratch(db).await?;
    // Sets hint bits and warms the cache, so neither side pays for the first read.
    let rows: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(&mut maint)
        .await?;
    log(format!("{rows} events on {day}; measuring"));

    let load_before = load_average();
    let mut rounds = Vec::new();
    for round in 1..=args.rounds {
        // Each round starts from empty rollups.
        for table in [
            "event_aggregations",
            "event_aggregation_days",
            "campaign_event_totals",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "delete from {table} where organization_id = $1"
            )))
            .bind(org)
            .execute(&mut maint)
            .await?;
        }
        let bare = baseline::run(&mut maint, &data).await?;
        let reply = services
            .post(
                "/v1/jobs",
                &json!({ "kind": "event_aggregation", "payload": { "days": [day] } }),
                202,
            )
            .await?;
        let id: uuid::Uuid = reply["id"].as_str().unwrap_or_default().parse()?;
        let job_s = wait_succeeded(&mut maint, id, args.run.timeout_s).await?;
        services.check_alive()?;
        let differences = baseline::differences(&mut maint).await?;
        anyhow::ensure!(
            differences == 0,
            "the job and the bare statements disagree on {differences} rows"
        );
        log(format!(
            "round {round}: bare {:.2}s + {:.2}s, job {job_s:.2}s; rollups identical",
            bare.day_s, bare.totals_s
        ));
        rounds.push(Round { bare, job_s });
    }
    let analyzed = events::analyzed(&mut maint, &[]).await?;
    anyhow::ensure!(
        analyzed.is_empty(),
        "events were analyzed during the run: {analyzed:?}"
    );
    report::print(args, &rounds, (load_before, load_average()));
    maint.close().await?;
    services.workers.iter_mut().for_each(|w| w.kill9());
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    bench_main::<RollupArgs>("rollup-bench", run).await
}
