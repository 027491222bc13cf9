//! `erasure_bench`: the GDPR erasure of one person (`POST /v1/gdpr/requests`, the
//! `gdpr_erasure` job on a real worker, polled until `completed`) in an organization of
//! bulk-written contacts, memberships, assignments, validation logs, leads and millions of
//! events over several monthly partitions, beside bare `DELETE`s of another person's same
//! rows by the same indexes in one transaction, alternating, in the same run, on un-analyzed
//! tables; where the job's time goes, statement by statement; and the plans of the
//! erasure's events batch.

pub mod args;
pub mod baseline;
pub mod generate;
pub mod plan;
pub mod report;
pub mod request;
pub mod steps;

/// Progress line on stderr (stdout carries only the tables and the JSON summary).
pub fn log(msg: impl std::fmt::Display) {
    eprintln!("[erasure-bench] {msg}");
}
