//! `rollup_bench`: the `event_aggregation` job over one UTC day of bulk-written events, run by
//! a real worker, beside bare `INSERT … SELECT … GROUP BY` statements computing the same
//! aggregates over the same rows into scratch tables with the same keys, in the same run, on
//! un-analyzed tables.

pub mod args;
pub mod baseline;
pub mod generate;
pub mod report;

/// Progress line on stderr.
pub fn log(msg: impl std::fmt::Display) {
    eprintln!("[rollup-bench] {msg}");
}
