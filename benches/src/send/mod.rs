//! `send_bench`: a campaign launched to a large list of valid contacts, from the launch
//! request to `completed` (the launch job assigns recipients to batches, the send jobs
//! simulate them and write their events, leads and counters) with N workers, beside a raw
//! `COPY` of the same event rows into the same partitioned, indexed `events` table, both
//! measured in one run (DESIGN.md, "Performance method").

pub mod args;
pub mod audience;
pub mod baseline;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod written;

/// Progress line on stderr (stdout carries only the table and the JSON summary).
pub fn log(msg: impl std::fmt::Display) {
    eprintln!("[send-bench] {msg}");
}
