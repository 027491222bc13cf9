//! Command-line settings of `e2e_bench`.

use clap::Parser;

use crate::list::args::ListArgs;
use crate::run_args::{PipelineArgs, RunArgs};

/// Upload -> validated -> launched -> completed through the API, each phase beside its raw
/// baseline measured in this one run.
#[derive(Debug, Clone, Parser)]
#[command(name = "e2e_bench")]
pub struct E2eArgs {
    /// The list: its size, domains, generator seed, workers and the rest (as `list_bench`).
    #[command(flatten)]
    pub list: ListArgs,
    /// Recipients per send batch (the launch request's `batch_size`).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub batch_size: u32,
}

impl PipelineArgs for E2eArgs {
    fn run_args(&self) -> &RunArgs {
        &self.list.run
    }
}
