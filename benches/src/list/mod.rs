//! `list_bench`: a contact list from upload to `validated` (import, dedupe, DNS validation)
//! with two workers, beside a raw `COPY` of the same final rows into the same tables, both
//! measured in one run (DESIGN.md, "Performance method").

pub mod args;
pub mod baseline;
pub mod data;
pub mod dnsmasq;
pub mod pipeline;
pub mod report;
pub mod stage;

/// Progress line on stderr (stdout carries only the table and the JSON summary).
pub fn log(msg: impl std::fmt::Display) {
    eprintln!("[list-bench] {msg}");
}
