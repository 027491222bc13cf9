//! Command-line settings of `erasure_bench`.

use clap::Parser;

use crate::run_args::{PipelineArgs, RunArgs};

/// GDPR erasure of one person through the API vs bare DELETEs of another person's rows.
#[derive(Debug, Clone, Parser)]
#[command(name = "erasure_bench")]
pub struct ErasureArgs {
    /// Events written, spread evenly over the contacts and over `--months` monthly partitions.
    #[arg(long, default_value_t = 10_000_000)]
    pub events: u64,
    /// Contacts (each in the list, assigned to the campaign, with one validation log); at
    /// least 1,000. With `--events` a multiple of it, every contact has as many events.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1_000..))]
    pub contacts: u32,
    /// Full months the events span (the ones before the current month), one partition each.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=12))]
    pub months: u32,
    /// Rounds of (erasure of one person, bare deletes of another), alternating which goes
    /// first; the medians are reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub rounds: u32,
    /// How often the request is polled (GET /v1/gdpr/requests/{id}) until it is completed.
    #[arg(long, default_value_t = 10)]
    pub poll_ms: u64,
    /// Time limit, binaries, working directory, whether to keep the databases.
    #[command(flatten)]
    pub run: RunArgs,
}

impl PipelineArgs for ErasureArgs {
    fn run_args(&self) -> &RunArgs {
        &self.run
    }
}
