//! The process-wide recorder and the scrape body: what the code recorded through the
//! `metrics` facade, rendered by `metrics-exporter-prometheus` (histograms with the explicit
//! buckets of [`super::names`], never summaries), after this process's figures.
//!
//! The exporter's own HTTP listener is not used: the API serves `/metrics` on its listener,
//! the worker on `REACHLY_WORKER_METRICS_ADDR`.

use std::time::Duration;

use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

use super::names::{DURATION_BUCKETS, MetricType, RECORDED};
use super::text::Text;

/// How often recorded histogram samples are folded into their buckets between scrapes (so a
/// process nobody scrapes keeps bounded memory).
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The installed recorder of this process.
#[derive(Clone, Debug)]
pub struct Exporter {
    handle: PrometheusHandle,
}

/// The recorder could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum ExporterError {
    #[error("building the Prometheus recorder: {0}")]
    Build(#[from] BuildError),
    #[error("a metrics recorder is already installed in this process")]
    AlreadyInstalled,
}

impl Exporter {
    /// Installs the recorder for this process (once) and starts its upkeep (needs a Tokio
    /// runtime). Until this runs, every recording call is a no-op.
    pub fn install() -> Result<Exporter, ExporterError> {
        // Every histogram gets buckets (a histogram without them would render as a summary).
        let mut builder = PrometheusBuilder::new().set_buckets(DURATION_BUCKETS)?;
        for family in RECORDED {
            if let MetricType::Histogram(buckets) = family.kind {
                builder =
                    builder.set_buckets_for_metric(Matcher::Full(family.name.into()), buckets)?;
            }
        }
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        ::metrics::set_global_recorder(recorder).map_err(|_| ExporterError::AlreadyInstalled)?;
        for family in RECORDED {
            match family.kind {
                MetricType::Counter => ::metrics::describe_counter!(family.name, family.help),
                MetricType::Gauge => ::metrics::describe_gauge!(family.name, family.help),
                MetricType::Histogram(_) => {
                    ::metrics::describe_histogram!(family.name, family.help)
                }
            }
        }
        let upkeep = handle.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(UPKEEP_EVERY);
            loop {
                ticker.tick().await;
                upkeep.run_upkeep();
            }
        });
        Ok(Exporter { handle })
    }

    /// The scrape body: this process's figures, then everything recorded.
    pub fn render(&self) -> String {
        let mut text = Text::default();
        super::process::write_now(&mut text);
        let mut body = text.finish();
        body.push('\n');
        body.push_str(&self.handle.render());
        body
    }
}

/// The `Content-Type` of a scrape body.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
