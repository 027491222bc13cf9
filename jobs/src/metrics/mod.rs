//! Prometheus metrics. The API serves `GET /metrics` on its own listener, each worker on
//! `REACHLY_WORKER_METRICS_ADDR`; both unauthenticated (operators keep them on their network).
//!
//! - [`names`]: every metric's name, type, help and buckets, declared once.
//! - [`record`]: the recording calls, made where things happen (the runner, the claim, the
//!   feeder, the reaper, the DNS check, the send job), through the `metrics` facade: each
//!   is a no-op until the process installs the recorder ([`Exporter::install`]).
//! - [`exporter`]: that recorder and the scrape body.
//! - [`process`], [`queue_gauges`], [`text`]: families computed per scrape from a snapshot
//!   (this process's figures; in the API, the queue gauges read from `job_runs` by
//!   [`crate::queue::stats`]).
//!
//! No metric has an organization label (tenants are unbounded); an operator finds a noisy
//! tenant from `job_runs` instead (README, "Metrics").

pub mod exporter;
pub mod names;
pub mod process;
pub mod queue_gauges;
pub mod record;
pub mod text;

pub use exporter::{CONTENT_TYPE, Exporter, ExporterError};
pub use record::{
    DnsResult, Outcome, Reaped, dns_lookups, events_written, feeder_pushed, job_finished,
    job_reaped, job_started, register_worker_counters,
};
