//! Command-line settings of `list_bench`.

use clap::Parser;

use crate::run_args::{PipelineArgs, RunArgs};

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
    /// Time limit, binaries, working directory, whether to keep the databases.
    #[command(flatten)]
    pub run: RunArgs,
}

impl PipelineArgs for ListArgs {
    fn run_args(&self) -> &RunArgs {
        &self.run
    }
}
