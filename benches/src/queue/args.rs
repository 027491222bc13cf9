//! Command-line settings of `queue-bench`.

use std::path::PathBuf;

use clap::Parser;

use super::scale::Load;

/// Queue throughput: Reachly (HTTP -> Postgres -> feeder -> Redis -> worker -> Postgres) vs
/// BullMQ 5 on the same private Redis, both measured in this one run, end to end (the workers
/// run while the jobs are submitted) and drain only (every job queued first).
#[derive(Debug, Clone, Parser)]
#[command(name = "queue-bench")]
pub struct Args {
    /// Jobs per measurement.
    #[arg(long = "jobs", short = 'n', default_value_t = 50_000)]
    pub jobs: usize,
    /// Worker process counts to measure, e.g. `--workers 1,2,4`. BullMQ runs one worker; the
    /// comparison uses the first count.
    #[arg(long, value_delimiter = ',', default_value = "1",
          value_parser = clap::value_parser!(u16).range(1..=32))]
    pub workers: Vec<u16>,
    /// What the workers run: `noop` jobs (the engine's own cost, beside BullMQ), or a real
    /// load of `--rows` rows (`validate`: a list; `send`: a campaign) for each worker count.
    #[arg(long, value_enum, default_value = "noop")]
    pub load: Load,
    /// List rows or campaign recipients of a `validate` or `send` load.
    #[arg(long, default_value_t = 200_000)]
    pub rows: usize,
    /// Worker concurrency (reachly-worker --concurrency, BullMQ Worker concurrency).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub concurrency: u16,
    /// Jobs per POST /v1/jobs/batch (and per BullMQ addBulk).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub batch: u16,
    /// Batch requests (BullMQ: addBulk calls) in flight at once.
    #[arg(long, default_value_t = 4)]
    pub in_flight: usize,
    /// How often to count succeeded job_runs (its Postgres CPU is reported as `pg:bench`).
    #[arg(long, default_value_t = 100)]
    pub poll_ms: u64,
    /// Give up on a phase after this many seconds (turns a hang into an error; not a speed check).
    #[arg(long, default_value_t = 900)]
    pub timeout_s: u64,
    /// Directory holding the release reachly-api and reachly-worker (default: target/release).
    #[arg(long)]
    pub bin_dir: Option<PathBuf>,
    /// Run the Reachly side only.
    #[arg(long)]
    pub skip_bullmq: bool,
    /// Keep the bench databases afterwards (they are dropped by default).
    #[arg(long)]
    pub keep_db: bool,
}

impl Args {
    /// Where the release binaries are.
    pub fn bin_dir(&self) -> PathBuf {
        crate::stack::release_dir(self.bin_dir.as_deref())
    }
}
