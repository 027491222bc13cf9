//! `queue-bench`: the engine's own throughput on `noop` jobs beside BullMQ 5 on the same
//! Redis, measured both ways (end to end, and drain only), for one or more worker processes;
//! and, with `--load validate|send`, how real work scales with worker processes.

pub mod args;
pub mod bullmq;
pub mod measure;
pub mod reachly;
pub mod report;
pub mod scale;
pub mod submit;

/// Progress line on stderr (stdout carries only the table and the JSON summary).
pub fn log(msg: impl std::fmt::Display) {
    eprintln!("[queue-bench] {msg}");
}
