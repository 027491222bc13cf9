//! Shutdown as its own small type: the first SIGTERM/SIGINT (or `trigger`) stops taking
//! jobs; everything that waits on it wakes.

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// A shared stop flag that background loops wait on.
#[derive(Clone, Debug)]
pub struct Shutdown {
    tx: watch::Sender<bool>,
}

impl Shutdown {
    pub fn new() -> Self {
        Self {
            tx: watch::Sender::new(false),
        }
    }

    /// Resolves on SIGTERM or SIGINT, or when `trigger` was called.
    pub async fn wait_for_signal(&self) {
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: no new jobs; finishing running ones"),
            _ = int.recv() => tracing::info!("SIGINT: no new jobs; finishing running ones"),
            _ = self.stopped() => {}
        }
    }

    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }

    /// Resolves once `trigger` was called.
    pub async fn stopped(&self) {
        let mut rx = self.tx.subscribe();
        let _ = rx.wait_for(|stopped| *stopped).await;
    }
}
