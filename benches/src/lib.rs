//! Benchmarks of Reachly jobs. Each prints its own figure beside a baseline measured in the
//! same run on the same machine (see DESIGN.md, "Performance method"): absolute numbers on a
//! shared 2-core box are noise, ratios within one run are not.

pub mod cpu;
pub mod db;
pub mod e2e;
pub mod erasure;
pub mod events;
pub mod list;
pub mod observe;
pub mod queue;
pub mod report;
pub mod rollup;
pub mod run_args;
pub mod send;
pub mod stack;
pub mod waits;
