//! `erasure_bench`: GDPR erasure of one person through the API (the `gdpr_erasure` job, one
//! worker) among `--events` events, beside bare DELETEs of another person's rows by the same
//! indexes, alternating, in this one run; and the plans of the erasure's events batch. See
//! `benches/run-erasure-bench.sh`.

use std::path::Path;

use reachly_benches::db::BenchDb;
use reachly_benches::erasure::args::ErasureArgs;
use reachly_benches::erasure::report::{self, EventsSize, Measured, Round};
use reachly_benches::erasure::{baseline, generate, log, plan, request, steps};
use reachly_benches::events;
use reachly_benches::report::load_averages;
use reachly_benches::run_args::bench_main;
use reachly_benches::stack::{Services, Workers, base_env};
use reachly_testkit::RedisServer;
use sqlx::{Connection, PgConnection};

async fn run(
    args: &ErasureArgs,
    db: &BenchDb,
    redis: &RedisServer,
    _: &Path,
) -> anyhow::Result<()> {
    let env = base_env(db, redis);
    let workers = Workers {
        count: 1,
        queues: "gdpr_erasure",
        concurrency: 2,
    };
    let mut services = Services::start(&args.run.bin_dir(), &env, "erasure-bench", workers).await?;
    let mut maint = PgConnection::connect(&db.maint_url).await?;
    let org: uuid::Uuid = sqlx::query_scalar("select id from organizations where slug = 'bench'")
        .fetch_one(&mut maint)
        .await?;
    let data = generate::write(db, org, args).await?;
    // Sets hint bits and warms the cache, so neither side pays for the first read.
    let rows: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(&mut maint)
        .await?;
    let mut before = Vec::new();
    for person in &data.persons {
        before.push(baseline::count(&mut maint, org, person).await?);
    }
    anyhow::ensure!(
        before.iter().all(|rows| *rows == before[0]),
        "the measured persons do not have the same rows (make --events a multiple of --contacts): {before:?}"
    );
    log(format!(
        "{rows} events; each measured person has {:?}; measuring",
        before[0]
    ));

    let load_before = load_averages();
    log(format!("load average before timing: {load_before}"));
    let mut rounds = Vec::new();
    for (i, pair) in data.persons.chunks_exact(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        let erasure_first = i % 2 == 0;
        let (erased, bare) = if erasure_first {
            let erased = request::erase(&services, &mut maint, a, args).await?;
            (erased, baseline::run(&mut maint, org, b).await?)
        } else {
            let bare = baseline::run(&mut maint, org, b).await?;
            (request::erase(&services, &mut maint, a, args).await?, bare)
        };
        services.check_alive()?;
        for person in [a, b] {
            let left = baseline::count(&mut maint, org, person).await?;
            anyhow::ensure!(
                left.values().all(|n| *n == 0),
                "rows of contact #{} remain: {left:?}",
                person.n
            );
        }
        anyhow::ensure!(
            bare.rows == before[0],
            "the bare deletes removed {:?}, not {:?}",
            bare.rows,
            before[0]
        );
        log(format!(
            "round {}: erasure {:.1} ms (job {:.1} ms), bare {:.1} ms",
            i + 1,
            erased.wall_s * 1000.0,
            erased.job_s * 1000.0,
            bare.seconds * 1000.0
        ));
        rounds.push(Round {
            a: a.clone(),
            b: b.clone(),
            erasure_first,
            erased,
            bare,
        });
    }
    let load_after = load_averages();
    let explained = data.persons.last().expect("an odd number of persons");
    let steps = steps::time(db, org, explained).await?;
    let plans = plan::explain(db, org, explained).await?;
    let size = EventsSize::of(&mut maint, rows).await?;
    let analyzed = events::analyzed(&mut maint, generate::TABLES).await?;
    anyhow::ensure!(
        analyzed.is_empty(),
        "tables were analyzed during the run: {analyzed:?}"
    );
    report::print(&Measured {
        args,
        data: &data,
        per_person: &before[0],
        rounds: &rounds,
        steps: &steps,
        plans: &plans,
        size,
        load: (&load_before, &load_after),
    });
    maint.close().await?;
    services.stop();
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    bench_main::<ErasureArgs>("erasure-bench", run).await
}
