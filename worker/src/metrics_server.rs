//! The worker's `GET /metrics` (Prometheus text) on `REACHLY_WORKER_METRICS_ADDR`, when set:
//! a tiny HTTP server of its own, unauthenticated (the address belongs on the operators'
//! network), stopped with the worker. The metrics themselves live in `reachly_jobs::metrics`.

use std::net::SocketAddr;

use anyhow::Context;
use axum::Router;
use axum::http::header;
use axum::routing::get;
use reachly_jobs::metrics::{self, Exporter};
use tokio::task::JoinHandle;

use crate::shutdown::Shutdown;

/// The running server, joined at exit.
pub struct MetricsServer {
    task: JoinHandle<()>,
}

impl MetricsServer {
    /// Installs the recorder (with the counters of the `kinds` this process serves at zero)
    /// and serves it on `addr` until `stop`. A bad or busy address fails the start.
    pub async fn start(addr: SocketAddr, kinds: &[&str], stop: Shutdown) -> anyhow::Result<Self> {
        let exporter = Exporter::install()?;
        metrics::register_worker_counters(kinds);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding REACHLY_WORKER_METRICS_ADDR ({addr})"))?;
        tracing::info!(addr = %listener.local_addr()?, "serving metrics");
        let app = Router::new().route(
            "/metrics",
            get(move || {
                let body = exporter.render();
                async move { ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], body) }
            }),
        );
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.stopped().await })
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "metrics server failed");
            }
        });
        Ok(Self { task })
    }

    pub async fn join(self) {
        let _ = self.task.await;
    }
}
