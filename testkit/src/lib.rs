//! The processes and services that the end-to-end tests (`tests/`) and the benchmarks
//! (`benches/`) both start against real Postgres and Redis: free ports, the workspace's
//! binaries as child processes with their output in log files, a private `redis-server`,
//! fresh databases, the API and workers, a private dnsmasq.
//!
//! Every function returns `anyhow::Result` and takes where binaries and logs live as
//! parameters: the tests wrap these in panicking helpers over debug builds, the benchmarks
//! call them directly over release builds.

pub mod database;
pub mod dnsmasq;
pub mod poll;
pub mod process;
pub mod redis_server;
pub mod services;

use std::path::PathBuf;

pub use database::Database;
pub use dnsmasq::Dnsmasq;
pub use poll::poll_until;
pub use process::{Proc, free_port};
pub use redis_server::RedisServer;

/// The workspace root (this crate lives in `<root>/testkit`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Where cargo puts what it builds: `$CARGO_TARGET_DIR`, else the workspace's `target/`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}
