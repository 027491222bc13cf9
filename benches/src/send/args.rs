//! Command-line settings of `send_bench`.

use clap::Parser;

use crate::run_args::{PipelineArgs, RunArgs};

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
    /// Time limit, binaries, working directory, whether to keep the databases.
    #[command(flatten)]
    pub run: RunArgs,
}

impl PipelineArgs for SendArgs {
    fn run_args(&self) -> &RunArgs {
        &self.run
    }
}
