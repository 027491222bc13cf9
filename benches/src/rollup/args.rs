//! Command-line settings of `rollup_bench`.

use clap::Parser;

use crate::run_args::{PipelineArgs, RunArgs};

/// The event rollup job vs bare INSERT … SELECT … GROUP BY over the same day of events.
#[derive(Debug, Clone, Parser)]
#[command(name = "rollup_bench")]
pub struct RollupArgs {
    /// Events written into the day (the figure is 10,000,000).
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
    /// Contacts the events belong to.
    #[arg(long, default_value_t = 1_000_000)]
    pub contacts: u32,
    /// Campaigns the events are spread over.
    #[arg(long, default_value_t = 10)]
    pub campaigns: u32,
    /// Rounds of (baseline, job), alternating; each round starts from empty rollups.
    #[arg(long, default_value_t = 2)]
    pub rounds: u32,
    /// Time limit, binaries, working directory, whether to keep the databases.
    #[command(flatten)]
    pub run: RunArgs,
}

impl PipelineArgs for RollupArgs {
    fn run_args(&self) -> &RunArgs {
        &self.run
    }
}
