//! The operators' side of the engine: what the ops dashboard and its routes read (queue
//! counts, throughput, live workers, why a job waits) and what worker processes report for it.
//! Changes to `job_runs` stay in `crate::queue`.

pub mod queues;
pub mod why;
pub mod workers;

pub use crate::queue::throughput::Throughput;
pub use why::{Facts, Reason, explain};
pub use workers::WorkerProcess;
