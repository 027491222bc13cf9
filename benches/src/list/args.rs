//! Command-line settings of `list_bench`.

use std::path::PathBuf;

use clap::Parser;

/// Contact-list pipeline (upload -> import -> validate -> `validated`) vs a raw COPY of the
/// same final rows into the same tables, both measured in this one run.
#[derive(Debug, Clone, Parser)]
#[command(name = "list_bench")]
pub struct ListArgs {
    /// Rows in the generated CSV.
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: usize,
    /// Domains (under .test) the rows are spread over, Zipf-like.
    #[arg(long, default_value_t = 10_000)]
    pub domains: usize,
    /// Zipf exponent of the domain skew (rank k gets weight 1/k^s).
    #[arg(long, default_value_t = 1.1)]
    pub zipf: f64,
    /// Seed of the generator (same seed, same file).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of `reachly-worker --queues import,validate` processes.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// reachly-worker --concurrency (jobs at once per queue).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub concurrency: u16,
    /// How often to poll the list's status.
    #[arg(long, default_value_t = 250)]
    pub poll_ms: u64,
    /// Give up after this many seconds (turns a hang into an error; not a speed check).
    #[arg(long, default_value_t = 3600)]
    pub timeout_s: u64,
    /// Directory holding the release reachly-api and reachly-worker (default: target/release).
    #[arg(long)]
    pub bin_dir: Option<PathBuf>,
    /// Where the CSV, zone and dnsmasq log go (default: a new directory under /tmp).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// Keep the bench databases afterwards (they are dropped by default).
    #[arg(long)]
    pub keep_db: bool,
}

impl ListArgs {
    /// Where the release binaries are.
    pub fn bin_dir(&self) -> PathBuf {
        crate::stack::release_dir(self.bin_dir.as_deref())
    }

    /// The working directory (created).
    pub fn work_dir(&self) -> anyhow::Result<PathBuf> {
        crate::stack::work_dir(self.work_dir.as_deref(), "list-bench")
    }
}
