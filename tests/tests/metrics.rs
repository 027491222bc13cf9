//! Prometheus metrics end to end: the API's `/metrics` (queue gauges read from `job_runs`,
//! process figures) and a worker's (job counters and histograms, feeder, DNS, events), each
//! scraped before and after real jobs and checked to have moved by exactly what those jobs
//! did. Every scrape must parse as Prometheus text and carry no organization id.

use std::time::Duration;

use reachly_jobs::metrics::names::{
    DNS_LOOKUPS, DURATION_BUCKETS, EVENTS_WRITTEN, FEEDER_PUSHED, JOB_DURATION, JOB_WAIT,
    JOBS_FINISHED, QUEUE_DEPTH, QUEUE_OLDEST_AGE, QUEUE_STATS_UP, WAIT_BUCKETS,
};
use reachly_tests::Stack;
use reachly_tests::db::{scalar, scalars};
use reachly_tests::dns_server::DnsServer;
use reachly_tests::lists::{upload, wait_validated};
use reachly_tests::process::{Proc, free_port};
use reachly_tests::prometheus::{Scrape, scrape};
use reachly_tests::sends::{Audience, CAMPAIGN, SendWorld};
use reachly_tests::wait_until;
use reachly_tests::world::ApiWorld;
use serde_json::json;
use uuid::Uuid;

/// A worker of `stack` serving its metrics on a free port, with `overrides`; the process
/// and its `/metrics` URL, once that answers.
async fn worker_with_metrics(
    stack: &Stack,
    label: &str,
    overrides: &[(&str, &str)],
) -> (Proc, String) {
    let addr = format!("127.0.0.1:{}", free_port());
    let mut env = vec![("REACHLY_WORKER_METRICS_ADDR", addr.as_str())];
    env.extend_from_slice(overrides);
    let worker = stack.worker(label, &[], &env);
    let url = format!("http://{addr}/metrics");
    wait_until(
        "the worker's metrics endpoint",
        Duration::from_secs(30),
        || async { reqwest::get(&url).await.is_ok().then_some(()) },
    )
    .await;
    (worker, url)
}

/// The standard process figures are there.
#[track_caller]
fn assert_process_figures(s: &Scrape) {
    for name in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_start_time_seconds",
    ] {
        let value = s.get(name, &[]).unwrap_or_else(|| panic!("{name} missing"));
        assert!(value >= 0.0, "{name} {value}");
    }
    assert!(s.value("process_resident_memory_bytes", &[]) > 0.0);
    assert!(s.value("process_start_time_seconds", &[]) > 1.7e9);
}

/// No label names an organization, by key or by value.
async fn assert_no_tenant_label(maint: &sqlx::PgPool, scrapes: &[&Scrape]) {
    let orgs: Vec<Uuid> = scalars(maint, "select id from organizations").await;
    assert!(!orgs.is_empty());
    for s in scrapes {
        for sample in &s.samples {
            for (key, value) in &sample.labels {
                assert!(
                    !key.contains("org") && !key.contains("tenant"),
                    "{sample:?}"
                );
                for org in &orgs {
                    assert!(!value.contains(&org.to_string()), "{sample:?}");
                }
            }
        }
    }
}

/// Histogram `name` with `labels` has exactly the bounds `bounds` then `+Inf`, cumulative
/// counts, and `+Inf` equal to its `_count`; returns that count.
#[track_caller]
fn assert_histogram(s: &Scrape, name: &str, labels: &[(&str, &str)], bounds: &[f64]) -> f64 {
    let buckets = s.buckets(name, labels);
    let les: Vec<&str> = buckets.iter().map(|(le, _)| le.as_str()).collect();
    let mut expected: Vec<String> = bounds.iter().map(|b| b.to_string()).collect();
    expected.push("+Inf".into());
    assert_eq!(les, expected, "{name} {labels:?}: explicit buckets");
    assert!(
        buckets.windows(2).all(|w| w[0].1 <= w[1].1),
        "{name} {labels:?}: buckets must be cumulative: {buckets:?}"
    );
    let count = s.value(&format!("{name}_count"), labels);
    assert_eq!(buckets.last().unwrap().1, count, "{name} {labels:?}");
    count
}

fn finished(s: &Scrape, outcome: &str) -> f64 {
    s.value(
        JOBS_FINISHED.name,
        &[("kind", "noop"), ("outcome", outcome)],
    )
}

fn depth(s: &Scrape, kind: &str, status: &str) -> f64 {
    s.get(QUEUE_DEPTH.name, &[("kind", kind), ("status", status)])
        .unwrap_or_else(|| panic!("no depth for {kind} {status}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn job_counters_histograms_and_queue_gauges_follow_real_jobs() {
    let w = ApiWorld::start().await;
    let api_metrics = format!("{}/metrics", w.api.base());

    // No worker yet: a due job and one delayed by an hour wait in Postgres.
    let due = w.submit(&json!({"kind": "noop", "payload": {}})).await;
    let in_an_hour = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    w.submit(&json!({"kind": "noop", "payload": {}, "run_at": in_an_hour}))
        .await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let waiting = scrape(&api_metrics).await;
    assert_eq!(depth(&waiting, "noop", "queued"), 2.0);
    for status in ["retryable", "in_transport", "running"] {
        assert_eq!(depth(&waiting, "noop", status), 0.0, "{status}");
    }
    // Every kind is there, with nothing waiting.
    assert_eq!(depth(&waiting, "send", "queued"), 0.0);
    let age = waiting.value(QUEUE_OLDEST_AGE.name, &[("kind", "noop")]);
    assert!((1.0..60.0).contains(&age), "oldest noop waited {age} s");
    assert_eq!(
        waiting.get(QUEUE_OLDEST_AGE.name, &[("kind", "send")]),
        Some(0.0)
    );
    assert_eq!(waiting.get(QUEUE_STATS_UP.name, &[]), Some(1.0));
    assert_eq!(waiting.types[QUEUE_DEPTH.name], "gauge");
    assert_process_figures(&waiting);

    // A worker runs the due job; its counters start from a fresh process.
    let (_worker, worker_metrics) = worker_with_metrics(&w.stack, "w1", &[]).await;
    w.wait_status(&due, "succeeded").await;
    let before = wait_until("the first job counted", Duration::from_secs(30), || async {
        let s = scrape(&worker_metrics).await;
        (finished(&s, "succeeded") == 1.0).then_some(s)
    })
    .await;
    assert_eq!(finished(&before, "dead"), 0.0, "registered at zero");
    assert_eq!(before.types[JOBS_FINISHED.name], "counter");
    assert_eq!(before.types[JOB_DURATION.name], "histogram");

    // One job fails once then succeeds, one dies at its first failure, one is cancelled
    // while it runs.
    let flaky = w.submit_failing(1, 3).await;
    let doomed = w.submit_failing(5, 1).await;
    let slow = w
        .submit(&json!({"kind": "noop", "payload": {"sleep_ms": 2_000}}))
        .await;
    w.wait_status(&slow, "running").await;
    assert_eq!(w.act(&slow, "cancel").await.status, 200);
    w.wait_status(&flaky, "succeeded").await;
    w.wait_status(&doomed, "dead").await;
    let after = wait_until(
        "the cancelled attempt counted",
        Duration::from_secs(30),
        || async {
            let s = scrape(&worker_metrics).await;
            (finished(&s, "cancelled") == 1.0).then_some(s)
        },
    )
    .await;

    let moved = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };
    for (outcome, by) in [
        ("succeeded", 1.0),
        ("retryable", 1.0),
        ("dead", 1.0),
        ("cancelled", 1.0),
        ("lost", 0.0),
    ] {
        let labels = [("kind", "noop"), ("outcome", outcome)];
        assert_eq!(moved(JOBS_FINISHED.name, &labels), by, "{outcome}");
        // Every finished attempt is one duration observation, in explicit buckets (a series
        // appears with its first observation).
        let total = after.value(JOBS_FINISHED.name, &labels);
        if total > 0.0 {
            let count = assert_histogram(&after, JOB_DURATION.name, &labels, DURATION_BUCKETS);
            assert_eq!(count, total, "{outcome}");
        } else {
            assert!(after.buckets(JOB_DURATION.name, &labels).is_empty());
        }
    }
    // Five attempts started in all (one before, four since), each waited once and was pushed
    // by the feeder once.
    let started = assert_histogram(&after, JOB_WAIT.name, &[("kind", "noop")], WAIT_BUCKETS);
    assert_eq!(started, 5.0);
    assert_eq!(
        moved(&format!("{}_count", JOB_WAIT.name), &[("kind", "noop")]),
        4.0
    );
    assert_eq!(moved(FEEDER_PUSHED.name, &[("kind", "noop")]), 4.0);
    assert_eq!(after.value(FEEDER_PUSHED.name, &[("kind", "noop")]), 5.0);
    let slept = after.value(
        &format!("{}_sum", JOB_DURATION.name),
        &[("kind", "noop"), ("outcome", "cancelled")],
    );
    assert!(slept >= 2.0, "the cancelled attempt ran {slept} s");
    assert_process_figures(&after);

    // Only the delayed job is left; nothing waits that could run.
    let settled = wait_until(
        "the queue gauges to settle",
        Duration::from_secs(30),
        || async {
            let s = scrape(&api_metrics).await;
            let idle = ["retryable", "in_transport", "running"]
                .iter()
                .all(|status| depth(&s, "noop", status) == 0.0);
            (idle && depth(&s, "noop", "queued") == 1.0).then_some(s)
        },
    )
    .await;
    assert_eq!(
        settled.value(QUEUE_OLDEST_AGE.name, &[("kind", "noop")]),
        0.0
    );

    assert_no_tenant_label(&w.maint, &[&waiting, &before, &after, &settled]).await;
}

/// Lists of addresses at the fixture's domains: one that answers, one that does not exist,
/// one whose server fails. New addresses each time, so each list's contacts are validated.
fn list_csv(tag: &str) -> String {
    format!(
        "email\n{tag}1@mail-ok.test\n{tag}2@mail-ok.test\n{tag}@nothing.test\n{tag}@servfail.test\n"
    )
}

fn dns(s: &Scrape, result: &str) -> f64 {
    s.value(DNS_LOOKUPS.name, &[("result", result)])
}

#[tokio::test(flavor = "multi_thread")]
async fn dns_lookups_count_what_answered_each_domain() {
    let w = ApiWorld::start().await;
    let server = DnsServer::start().await;
    let dns_addr = server.addr.to_string();
    let overrides = [
        ("REACHLY_DNS_SERVERS", dns_addr.as_str()),
        ("REACHLY_DNS_ATTEMPTS", "1"),
    ];
    let validate = |name: &'static str, tag: &'static str| {
        let (api, token) = (w.api.clone(), w.token.clone());
        async move {
            let list = upload(&api, &token, name, "list.csv", list_csv(tag))
                .await
                .list;
            wait_validated(&api, &token, &list, Duration::from_secs(120)).await;
        }
    };

    // A fresh worker and database: every domain is a DNS query; servfail.test gets no answer.
    let (mut first, url) = worker_with_metrics(&w.stack, "w1", &overrides).await;
    let zero = scrape(&url).await;
    for result in ["cache_hit", "shared_hit", "query", "failure"] {
        assert_eq!(
            zero.get(DNS_LOOKUPS.name, &[("result", result)]),
            Some(0.0),
            "{result}"
        );
    }
    validate("first", "a").await;
    let s = scrape(&url).await;
    assert_eq!((dns(&s, "query"), dns(&s, "failure")), (2.0, 1.0));
    assert_eq!((dns(&s, "cache_hit"), dns(&s, "shared_hit")), (0.0, 0.0));

    // The same domains again in that process: all from its memory (the failure too, for its
    // short TTL).
    validate("second", "b").await;
    let s = scrape(&url).await;
    assert_eq!(dns(&s, "cache_hit"), 3.0);
    assert_eq!(
        (dns(&s, "query"), dns(&s, "failure"), dns(&s, "shared_hit")),
        (2.0, 1.0, 0.0)
    );
    first.sigterm().unwrap();
    first.wait_exit(Duration::from_secs(60)).unwrap();

    // A new process: the definitive answers come from domain_checks; the failure was not
    // shared, so it is asked again.
    let (_second, url) = worker_with_metrics(&w.stack, "w2", &overrides).await;
    validate("third", "c").await;
    let s = scrape(&url).await;
    assert_eq!((dns(&s, "shared_hit"), dns(&s, "failure")), (2.0, 1.0));
    assert_eq!((dns(&s, "query"), dns(&s, "cache_hit")), (0.0, 0.0));

    assert_no_tenant_label(&w.maint, &[&zero, &s]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn events_written_count_every_event_a_send_committed() {
    let mut world = SendWorld::start(Audience::valid_only(60), 0).await;
    let (worker, url) = worker_with_metrics(&world.stack, "w1", &[]).await;
    world.workers.push(worker);
    let before = scrape(&url).await;
    assert_eq!(before.get(EVENTS_WRITTEN.name, &[]), Some(0.0));

    world
        .launch(json!({"seed": 7, "start_at": "2026-01-05T09:00:00Z", "batch_size": 25}))
        .await;
    world
        .wait_completed(CAMPAIGN, Duration::from_secs(120))
        .await;
    let events: i64 = scalar(&world.maint, "select count(*) from events").await;
    assert!(events >= 60, "at least one event per recipient: {events}");
    let after = scrape(&url).await;
    assert_eq!(after.value(EVENTS_WRITTEN.name, &[]), events as f64);
    // Three send batches and the launch, each pushed and finished once.
    assert_eq!(after.value(FEEDER_PUSHED.name, &[("kind", "send")]), 3.0);
    assert_eq!(
        after.value(
            JOBS_FINISHED.name,
            &[("kind", "send"), ("outcome", "succeeded")]
        ),
        3.0
    );
    assert_no_tenant_label(&world.maint, &[&before, &after]).await;
}

/// The Seq Scans of `table` anywhere in a plan.
fn seq_scans(node: &serde_json::Value, table: &str) -> usize {
    let own = usize::from(
        node["Node Type"] == "Seq Scan" && node["Relation Name"].as_str() == Some(table),
    );
    let children: usize = node["Plans"]
        .as_array()
        .map(|plans| plans.iter().map(|p| seq_scans(p, table)).sum())
        .unwrap_or(0);
    own + children
}

/// Each queue gauge statement walks only a partial index of unfinished jobs, on a `job_runs`
/// nothing analyzed that holds 60,000 finished jobs: it reads what it counts, never them.
#[tokio::test(flavor = "multi_thread")]
async fn queue_gauges_read_only_unfinished_jobs() {
    use reachly_jobs::queue::stats::{DEPTH_CAP, IN_TRANSPORT, OLDEST_AGE, RUNNING, WAITING};
    use reachly_tests::plans::{assert_reads, plan_both};

    let db = reachly_tests::db::TestDb::fresh().await;
    let maint = db.maint().await;
    // Two organizations; in each, noop jobs waiting at four priorities (half of them delayed),
    // retryable ones, some in Redis and some running; finished jobs of every final status.
    sqlx::raw_sql(
        "insert into organizations (slug, name) values ('one', 'One'), ('two', 'Two');
         insert into job_runs (organization_id, kind, queue, status, priority, run_at)
              select o.id, 'noop', 'noop', 'queued', (g % 4) * 10,
                     now() + case when g % 2 = 0 then interval '1 hour' else interval '-1 minute' end
                from organizations o, generate_series(1, 20) g;
         insert into job_runs (organization_id, kind, queue, status, run_at)
              select o.id, 'noop', 'noop', 'retryable', now() + interval '1 minute'
                from organizations o, generate_series(1, 5) g;
         insert into job_runs (organization_id, kind, queue, status, enqueued_at, transport_id)
              select o.id, 'noop', 'noop', 'queued', now(), 'tid-' || g
                from organizations o, generate_series(1, 3) g;
         insert into job_runs (organization_id, kind, queue, status, heartbeat_at, locked_by)
              select o.id, 'noop', 'noop', 'running', now(), 'w'
                from organizations o, generate_series(1, 2) g;
         insert into job_runs (organization_id, kind, queue, status, finished_at)
              select o.id, k, k, (array['succeeded', 'dead', 'cancelled'])[g % 3 + 1], now()
                from organizations o, generate_series(1, 15000) g,
                     (values ('noop'), ('send')) as kinds(k);",
    )
    .execute(&maint)
    .await
    .unwrap();

    let mut tx = maint.begin().await.unwrap();
    let cap = DEPTH_CAP.to_string();
    let checks = [
        ("waiting", WAITING, format!("'noop', {cap}"), 50.0),
        ("in_transport", IN_TRANSPORT, format!("'noop', {cap}"), 6.0),
        ("running", RUNNING, cap.clone(), 4.0),
        // One probe per (organization, priority) group, and the jobs in Redis.
        (
            "oldest_age",
            OLDEST_AGE,
            format!("'noop', {cap}"),
            8.0 + 6.0,
        ),
    ];
    for (name, sql, args, needed) in checks {
        let plans = plan_both(&mut tx, name, sql, &args).await;
        for plan in &plans {
            assert_eq!(
                seq_scans(&plan.root, "job_runs"),
                0,
                "{}: {:#}",
                plan.name,
                plan.root
            );
        }
        assert_reads(&plans, &["job_runs"], needed, name);
    }
    tx.rollback().await.unwrap();

    // And the figures are right.
    let stats = reachly_jobs::queue::stats::QueueStats::new(
        reachly_jobs::MaintDb::connect(&db.maint_url, 1)
            .await
            .unwrap(),
        vec!["noop".into(), "send".into()],
    );
    let figures = stats.read_now().await.unwrap();
    let noop = &figures[0];
    assert_eq!(
        (noop.queued, noop.retryable, noop.in_transport, noop.running),
        (40, 10, 6, 4)
    );
    assert!((60.0..120.0).contains(&noop.oldest_age_seconds), "{noop:?}");
    assert_eq!(figures[1].queued + figures[1].running, 0);
    assert_eq!(figures[1].oldest_age_seconds, 0.0);
}
