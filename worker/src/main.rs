//! `reachly-worker`: one apalis worker per queue, plus the feeder, heartbeat, reaper and
//! retention loops, and `/metrics` when `REACHLY_WORKER_METRICS_ADDR` is set, with graceful
//! shutdown on SIGTERM/SIGINT. Wiring only; the logic lives in `reachly-jobs`.

mod args;
mod background;
mod cron;
mod identity;
mod metrics_server;
mod poll;
mod queues;
mod shutdown;

use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use metrics_server::MetricsServer;
use reachly_jobs::cron::CronRunner;
use reachly_jobs::ops::{Throughput, WorkerProcess};
use reachly_jobs::privacy::person::PersonFinder;
use reachly_jobs::queue::Services;
use reachly_jobs::queue::acker::Acker;
use reachly_jobs::queue::feeder::FeedQueue;
use reachly_jobs::queue::reaper::{self, RunningSet};
use reachly_jobs::queue::runner::Runner;
use reachly_jobs::queue::transport::Transport;
use reachly_jobs::validate::dns::{DnsSettings, DomainChecker, VerdictWriter};
use reachly_jobs::{AppDb, Config, MaintDb};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args::Args::parse();
    init_tracing();
    let config = Config::from_env()?;
    reachly_jobs::validate::special_use::allow_test_domains(config.allow_test_domains);
    let registry = Arc::new(reachly_jobs::kinds::registry());
    let schedules =
        reachly_jobs::cron::schedules_from_env(&reachly_jobs::kinds::schedules(), |name| {
            std::env::var(name).ok()
        })
        .map_err(anyhow::Error::msg)?;
    let queues = args.queues(&registry)?;
    let name: Arc<str> = identity::worker_name().into();
    tracing::info!(worker = %name, ?queues, concurrency = args.concurrency, "starting");

    // More connections than this only add contention on a small machine; jobs queue for one.
    let pool_size = u32::from(args.concurrency).clamp(4, 16);
    let app = AppDb::connect(&config.app_database_url, pool_size)
        .await
        .context("connecting as the application role (APP_DATABASE_URL)")?;
    let maint = MaintDb::connect(&config.maint_database_url, 4)
        .await
        .context("connecting as the maintenance role (MAINT_DATABASE_URL)")?;
    let heartbeat_db = MaintDb::connect(&config.maint_database_url, 1)
        .await
        .context("connecting as the maintenance role (MAINT_DATABASE_URL)")?;
    let transport = Transport::connect(&config.redis_url)
        .await
        .context("connecting to Redis (REDIS_URL)")?;

    let running = RunningSet::default();
    let (acker, acker_done) = Acker::start(transport.clone());
    // What the jobs need beyond the database, found by type (the queue plumbing does not
    // know them).
    let services = Services::default()
        .with(dns_checker(&config)?)
        .with(config.csv)
        .with(config.ip_retention)
        .with(config.gdpr_export_ttl)
        .with(config.suppression_key.clone())
        .with(VerdictWriter(maint.clone()))
        .with(PersonFinder(maint.clone()));
    let cron_runner = CronRunner::new(app.clone(), maint.clone(), name.clone());
    let throughput = Throughput::default();
    let runner = Arc::new(
        Runner::new(
            app,
            name.clone(),
            registry.clone(),
            services,
            running.clone(),
            acker,
        )
        .with_throughput(throughput.clone()),
    );
    let process = WorkerProcess {
        name: name.to_string(),
        hostname: identity::hostname(),
        pid: std::process::id(),
        queues: queues.iter().map(|q| q.to_string()).collect(),
        concurrency: args.concurrency,
        started_at: chrono::Utc::now(),
    };
    let stop = shutdown::Shutdown::new();
    let metrics = match config.worker_metrics_addr {
        Some(addr) => Some(MetricsServer::start(addr, &queues, stop.clone()).await?),
        None => None,
    };

    let background = background::spawn(
        &config,
        background::LoopDbs {
            maint: maint.clone(),
            heartbeat: heartbeat_db,
        },
        transport.clone(),
        &queues,
        queues
            .iter()
            .map(|q| FeedQueue {
                name: q.to_string(),
                jobs_per_delivery: registry.jobs_per_delivery(q),
            })
            .collect(),
        background::Process {
            name: name.clone(),
            running: running.clone(),
            row: process.clone(),
            throughput: throughput.clone(),
        },
        stop.clone(),
    );

    let mut cron_tasks = cron::spawn(cron_runner, schedules, stop.clone());

    let apalis_workers = queues::WorkerNames::default();
    let monitor = queues::monitor(
        &registry,
        &queues,
        transport.connection(),
        &name,
        args.concurrency,
        &config.queue,
        runner.clone(),
        apalis_workers.clone(),
    );
    let signal = stop.clone();
    monitor
        .run_with_signal(async move {
            signal.wait_for_signal().await;
            Ok(())
        })
        .await
        .context("worker monitor")?;

    // Jobs still running after the grace period are handed back, attempt refunded.
    let handed = reaper::hand_back(&maint, &name, &running).await?;
    if handed > 0 {
        tracing::warn!(handed, "running jobs handed back to the queue");
    }
    // Finished tasks leave Redis first; what this process fetched but never ran goes back.
    drop(runner);
    let _ = acker_done.await;
    for (queue, apalis_worker) in apalis_workers.all() {
        match transport.requeue_inflight(queue, &apalis_worker).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(queue, tasks = n, "unstarted tasks handed back to Redis"),
            Err(e) => tracing::warn!(queue, error = %e, "handing back unstarted tasks failed"),
        }
    }
    stop.trigger();
    background.join().await;
    if let Err(e) = throughput.flush(&maint).await {
        tracing::warn!(error = %e, "flushing the throughput tally at shutdown failed");
    }
    if let Err(e) = process.stopped(&maint).await {
        tracing::warn!(error = %e, "marking the worker stopped failed");
    }
    if let Some(metrics) = metrics {
        metrics.join().await;
    }
    while cron_tasks.join_next().await.is_some() {}
    tracing::info!("stopped");
    Ok(())
}

/// The validation job's DNS checker, from `REACHLY_DNS_SERVERS` and the `REACHLY_DNS_*` knobs.
fn dns_checker(config: &Config) -> anyhow::Result<DomainChecker> {
    let settings = DnsSettings::from_env(config.dns_servers.clone())?;
    Ok(DomainChecker::from_settings(&settings)?)
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if std::env::var("REACHLY_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}
