//! Cron across real worker processes: every process runs the schedule, each tick becomes one
//! job per live organization, and a restart after missed ticks runs them once, coalesced.

use std::time::Duration;

use reachly_tests::db::scalar;
use reachly_tests::process::Proc;
use reachly_tests::world::ApiWorld;
use uuid::Uuid;

const EVERY_SECOND: (&str, &str) = ("REACHLY_CRON_EVENT_AGGREGATION", "* * * * * *");

/// `acme` (from the world), `globex`, and `gone`, soft-deleted; the live ones' ids.
async fn organizations(world: &ApiWorld) -> Vec<Uuid> {
    world.stack.token("globex", "ops@globex.test", "admin");
    world.stack.token("gone", "ops@gone.test", "admin");
    sqlx::query("update organizations set deleted_at = now() where slug = 'gone'")
        .execute(&world.maint)
        .await
        .unwrap();
    sqlx::query_scalar("select id from organizations where deleted_at is null order by id")
        .fetch_all(&world.maint)
        .await
        .unwrap()
}

fn stop(mut worker: Proc) {
    worker.sigterm().unwrap();
    let status = worker.wait_exit(Duration::from_secs(60)).unwrap();
    assert!(status.success(), "worker exit: {status:?}");
}

/// (ticks recorded, ticks fanned out, jobs the ledger says it created).
async fn ledger(world: &ApiWorld) -> (i64, i64, i64) {
    sqlx::query_as(
        "select count(*), count(fanned_out_at), coalesce(sum(jobs_created), 0)::bigint
           from cron_ticks where schedule = 'event_aggregation'",
    )
    .fetch_one(&world.maint)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn three_workers_create_one_job_per_organization_per_tick() {
    let world = ApiWorld::start().await;
    let live = organizations(&world).await;
    let workers: Vec<Proc> = (0..3)
        .map(|i| {
            world
                .stack
                .worker(&format!("cron{i}"), &[], &[EVERY_SECOND])
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(10)).await;
    for worker in workers {
        stop(worker);
    }

    let (ticks, fanned_out, created) = ledger(&world).await;
    assert!(
        ticks >= 6,
        "a one-second schedule ticked {ticks} times in ~10 s"
    );
    assert_eq!(fanned_out, ticks, "every recorded tick was fanned out");
    let per_org: Vec<(Uuid, i64, i64)> = sqlx::query_as(
        "select organization_id, count(*), count(distinct dedupe_key) from job_runs
          where kind = 'event_aggregation' group by 1 order by 1",
    )
    .fetch_all(&world.maint)
    .await
    .unwrap();
    let expected: Vec<(Uuid, i64, i64)> = live.iter().map(|org| (*org, ticks, ticks)).collect();
    assert_eq!(per_org, expected, "one job per live organization per tick");
    assert_eq!(created, ticks * live.len() as i64);
    // Each job carries its tick, and its key names the same tick.
    let mismatched: i64 = scalar(
        &world.maint,
        "select count(*) from job_runs j
          where j.kind = 'event_aggregation'
            and not exists (select 1 from cron_ticks t
                             where j.dedupe_key = 'cron:event_aggregation:'
                                   || to_char(t.tick_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
                               and (j.payload->>'tick')::timestamptz = t.tick_at)",
    )
    .await;
    assert_eq!(mismatched, 0);
    let on_time: i64 = scalar(
        &world.maint,
        "select count(*) from cron_ticks where not coalesced and missed_ticks = 0",
    )
    .await;
    assert_eq!(on_time, ticks, "no tick was missed while workers ran");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_after_missed_ticks_runs_them_once_coalesced() {
    let world = ApiWorld::start().await;
    let live = organizations(&world).await;
    let first = world.stack.worker("before", &[], &[EVERY_SECOND]);
    reachly_tests::wait_until("a first tick", Duration::from_secs(30), || async {
        (ledger(&world).await.1 >= 2).then_some(())
    })
    .await;
    stop(first);
    let last_before: chrono::DateTime<chrono::Utc> =
        scalar(&world.maint, "select max(tick_at) from cron_ticks").await;
    // Downtime: ticks pass with no worker running.
    tokio::time::sleep(Duration::from_secs(4)).await;

    let second = world.stack.worker("after", &[], &[EVERY_SECOND]);
    let (tick_at, missed): (chrono::DateTime<chrono::Utc>, i64) =
        reachly_tests::wait_until("the coalesced tick", Duration::from_secs(30), || async {
            sqlx::query_as("select tick_at, missed_ticks from cron_ticks where coalesced")
                .fetch_optional(&world.maint)
                .await
                .unwrap()
        })
        .await;
    reachly_tests::wait_until(
        "the coalesced tick's fan-out",
        Duration::from_secs(30),
        || async {
            let done: Option<chrono::DateTime<chrono::Utc>> =
                sqlx::query_scalar("select fanned_out_at from cron_ticks where coalesced")
                    .fetch_one(&world.maint)
                    .await
                    .unwrap();
            done.map(drop)
        },
    )
    .await;
    stop(second);

    assert!(
        missed >= 3,
        "4 s of downtime missed {missed} one-second ticks"
    );
    let coalesced: i64 = scalar(
        &world.maint,
        "select count(*) from cron_ticks where coalesced",
    )
    .await;
    assert_eq!(coalesced, 1, "the missed ticks ran once");
    let gap: i64 =
        sqlx::query_scalar("select count(*) from cron_ticks where tick_at > $1 and tick_at < $2")
            .bind(last_before)
            .bind(tick_at)
            .fetch_one(&world.maint)
            .await
            .unwrap();
    assert_eq!(gap, 0, "the missed ticks were not run one by one");
    let jobs: Vec<Uuid> = sqlx::query_scalar(
        "select organization_id from job_runs
          where kind = 'event_aggregation' and (payload->>'tick')::timestamptz = $1
          order by 1",
    )
    .bind(tick_at)
    .fetch_all(&world.maint)
    .await
    .unwrap();
    assert_eq!(
        jobs, live,
        "the coalesced tick made one job per live organization"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_schedule_has_its_own_variable_and_off_disables_one() {
    let world = ApiWorld::start().await;
    let live = organizations(&world).await;
    let worker = world.stack.worker(
        "ip",
        &[],
        &[
            ("REACHLY_CRON_EVENT_AGGREGATION", "off"),
            ("REACHLY_CRON_IP_ANONYMIZATION", "* * * * * *"),
        ],
    );
    reachly_tests::wait_until(
        "ip_anonymization jobs to succeed",
        Duration::from_secs(30),
        || async {
            let done: i64 = scalar(
                &world.maint,
                "select count(distinct organization_id) from job_runs
              where kind = 'ip_anonymization' and status = 'succeeded'",
            )
            .await;
            (done == live.len() as i64).then_some(())
        },
    )
    .await;
    stop(worker);
    let schedules: Vec<String> =
        reachly_tests::db::scalars(&world.maint, "select distinct schedule from cron_ticks").await;
    assert_eq!(schedules, ["ip_anonymization"]);
    let aggregations: i64 = scalar(
        &world.maint,
        "select count(*) from job_runs where kind = 'event_aggregation'",
    )
    .await;
    assert_eq!(aggregations, 0, "the event_aggregation schedule is off");
}
