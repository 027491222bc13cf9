//! A worker name unique per process: apalis-redis tracks in-flight tasks per worker name,
//! so two processes sharing one would re-enqueue each other's work.

use rand::Rng;

/// `<host>-<pid>-<random>`.
pub fn worker_name() -> String {
    let suffix: u32 = rand::rng().random();
    format!("{}-{}-{suffix:08x}", hostname(), std::process::id())
}

/// The machine's host name (`host` when it cannot be read).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".into())
}
