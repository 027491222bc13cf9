//! `e2e_bench`: the user's whole path through the API only, from a fresh database: a
//! generated CSV uploaded, imported and validated, then a template, a form and a campaign
//! created and launched the moment the list is `validated`, until the campaign is
//! `completed`. Each phase is printed beside its raw baseline measured in the same run
//! (DESIGN.md, "Performance method"): a raw COPY of the final contact and membership rows for
//! import + validation, a bare `INSERT … SELECT` of the same assignment rows for the launch,
//! a raw COPY of the same events for the sends. Nothing is analyzed: nothing in a user's flow
//! analyzes.

pub mod args;
pub mod baseline;
pub mod campaign;
pub mod phases;
pub mod report;

/// Progress line on stderr (stdout carries only the table and the JSON summary).
pub fn log(msg: impl std::fmt::Display) {
    eprintln!("[e2e-bench] {msg}");
}
