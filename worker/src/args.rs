//! Command-line arguments of `reachly-worker`.

use clap::Parser;
use reachly_jobs::queue::Registry;

/// Runs Reachly jobs from Redis into Postgres.
#[derive(Debug, Parser)]
#[command(name = "reachly-worker", version)]
pub struct Args {
    /// Comma-separated queues to serve (default: all).
    #[arg(long, value_delimiter = ',')]
    pub queues: Vec<String>,
    /// Jobs run at once per queue.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub concurrency: u16,
}

impl Args {
    /// The queues to serve, checked against the registry's.
    pub fn queues(&self, registry: &Registry) -> anyhow::Result<Vec<&'static str>> {
        let known = registry.queues();
        if self.queues.is_empty() {
            return Ok(known);
        }
        self.queues
            .iter()
            .map(|q| {
                known
                    .iter()
                    .copied()
                    .find(|k| k == q)
                    .ok_or_else(|| anyhow::anyhow!("unknown queue {q:?}; known: {known:?}"))
            })
            .collect()
    }
}
