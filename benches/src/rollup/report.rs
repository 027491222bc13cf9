//! The printed table and the one-line JSON summary of `rollup_bench`.

use serde_json::json;

use super::args::RollupArgs;
use super::baseline::BareRound;
use crate::report::{PhaseRow, phase, print_phases, r3};

/// One round: the bare statements' seconds and the job's (its `started_at` to `finished_at`).
#[derive(Debug, Clone, Copy)]
pub struct Round {
    pub bare: BareRound,
    pub job_s: f64,
}

pub fn print(args: &RollupArgs, rounds: &[Round], load: (f64, f64)) {
    let mut rows: Vec<PhaseRow<'_>> = Vec::new();
    for (i, r) in rounds.iter().enumerate() {
        let note = format!(
            "round {}: bare day {:.2}s + bare campaign totals {:.2}s",
            i + 1,
            r.bare.day_s,
            r.bare.totals_s
        );
        rows.push(
            phase("event_aggregation job", r.job_s, note).vs_raw(r.bare.day_s + r.bare.totals_s),
        );
    }
    let job: f64 = rounds.iter().map(|r| r.job_s).sum();
    let bare: f64 = rounds.iter().map(|r| r.bare.day_s + r.bare.totals_s).sum();
    let bare_day: f64 = rounds.iter().map(|r| r.bare.day_s).sum();
    rows.push(
        phase(
            "all rounds",
            job,
            format!("{} events, one UTC day", args.events),
        )
        .vs_raw(bare),
    );
    print_phases(&rows);
    println!(
        "{}",
        json!({
            "bench": "rollup",
            "events": args.events,
            "contacts": args.contacts,
            "campaigns": args.campaigns,
            "rounds": rounds.len(),
            "job_s": r3(job),
            "bare_s": r3(bare),
            "ratio": r3(job / bare.max(1e-9)),
            "bare_day_only_s": r3(bare_day),
            "load_before": load.0,
            "load_after": load.1,
        })
    );
}
