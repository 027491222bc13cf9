//! The BullMQ 5 baseline: `node benches/bullmq/bench.mjs` on the same private Redis.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::Context;
use serde::Deserialize;

use super::args::Args;

/// The one JSON line bench.mjs prints.
#[derive(Debug, Clone, Deserialize)]
pub struct BullmqRun {
    pub jobs: usize,
    /// Drain only: submission with no worker running, then the worker's drain.
    pub submit_seconds: f64,
    pub complete_seconds: f64,
    /// End to end: submission while the worker runs, and first addBulk -> all completed.
    pub e2e_submit_seconds: f64,
    pub e2e_seconds: f64,
}

fn dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/bullmq"))
}

/// `npm install --no-audit --no-fund` when bullmq is not installed yet.
fn install() -> anyhow::Result<()> {
    if dir().join("node_modules/bullmq/package.json").exists() {
        return Ok(());
    }
    super::log("installing benches/bullmq/node_modules (npm install)");
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund"])
        .current_dir(dir())
        .stdout(Stdio::null())
        .status()
        .context("running npm (scripts/services.sh --with-node installs it)")?;
    anyhow::ensure!(status.success(), "npm install failed ({status})");
    Ok(())
}

/// Runs bench.mjs (drain only, then end to end) with N jobs, the same batch, requests in
/// flight and concurrency, against `redis_url`.
pub fn run(args: &Args, redis_url: &str) -> anyhow::Result<BullmqRun> {
    install()?;
    let out = Command::new("node")
        .arg("bench.mjs")
        .current_dir(dir())
        .env("N", args.jobs.to_string())
        .env("REDIS_URL", redis_url)
        .env("BATCH", args.batch.to_string())
        .env("IN_FLIGHT", args.in_flight.to_string())
        .env("CONCURRENCY", args.concurrency.to_string())
        .env("TIMEOUT_S", args.timeout_s.to_string())
        .stderr(Stdio::inherit())
        .output()
        .context("running node bench.mjs (scripts/services.sh --with-node installs node)")?;
    anyhow::ensure!(out.status.success(), "bench.mjs failed ({})", out.status);
    let stdout = String::from_utf8(out.stdout)?;
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .context("bench.mjs printed no JSON line")?;
    let run: BullmqRun = serde_json::from_str(line).context("parsing bench.mjs output")?;
    anyhow::ensure!(run.jobs == args.jobs, "bench.mjs ran {} jobs", run.jobs);
    Ok(run)
}
