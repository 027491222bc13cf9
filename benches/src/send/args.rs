//! Command-line settings of `send_bench`.

use std::path::PathBuf;

use clap::Parser;

/// Campaign send pipeline (launch -> send batches -> `completed`) vs a raw COPY of the same
/// event rows into the same table, both measured in this one run.
#[derive(Debug, Clone, Parser)]
#[command(name = "send_bench")]
pub struct SendArgs {
    /// Valid, subscribed contacts in the campaign's list (every one is a recipient).
    #[arg(long, default_value_t = 1_000_000)]
    pub recipients: u32,
    /// Number of `reachly-worker --queues launch,send` processes.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Recipients per send batch (the launch request's `batch_size`).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub batch_size: u32,
    /// reachly-worker --concurrency (send jobs are capped per process by the engine anyway).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub concurrency: u16,
    /// The simulator's seed (the launch request's `seed`).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// How often to poll the campaign's status (and sample Postgres' wait events).
    #[arg(long, default_value_t = 200)]
    pub poll_ms: u64,
    /// Give up after this many seconds (turns a hang into an error; not a speed check).
    #[arg(long, default_value_t = 3600)]
    pub timeout_s: u64,
    /// Directory holding the release reachly-api and reachly-worker (default: target/release).
    #[arg(long)]
    pub bin_dir: Option<PathBuf>,
    /// Where the exported event rows go (default: a new directory under /tmp).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// Keep the bench databases afterwards (they are dropped by default).
    #[arg(long)]
    pub keep_db: bool,
}

impl SendArgs {
    /// Where the release binaries are.
    pub fn bin_dir(&self) -> PathBuf {
        crate::stack::release_dir(self.bin_dir.as_deref())
    }

    /// The working directory (created).
    pub fn work_dir(&self) -> anyhow::Result<PathBuf> {
        crate::stack::work_dir(self.work_dir.as_deref(), "send-bench")
    }
}
