//! The printed table and the one-line JSON summary of `queue-bench`, and the rounding every
//! bench's summary shares.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::bullmq::BullmqRun;
use crate::cli::Args;
use crate::db::TableCopy;
use crate::measure::ReachlyRun;

/// Throughputs of one system (jobs per second).
#[derive(Debug, Clone, Copy)]
struct Rates {
    submitted: f64,
    completed: f64,
    end_to_end: f64,
}

/// `x` rounded to 3 decimals (ratios and seconds in the JSON summaries).
pub fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The load averages over 1, 5 and 15 minutes (`/proc/loadavg`), as `uptime` shows them.
pub fn load_averages() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The 1-minute load average (the machine's load, reported with the figures).
pub fn load_average() -> f64 {
    load_averages()
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::NAN)
}

/// `n` per second over `seconds`, rounded to 1 decimal.
pub fn rate(n: f64, seconds: f64) -> f64 {
    (n / seconds.max(1e-9) * 10.0).round() / 10.0
}

/// One row of a bench's table of phases: what, its seconds, the raw baseline's seconds where
/// it is compared to one, and a note. It exists so each bench states a row as one call
/// ([`phase`], then [`PhaseRow::vs_raw`] where compared) instead of a four-field tuple.
#[derive(Debug)]
pub struct PhaseRow<'a> {
    what: &'a str,
    seconds: f64,
    raw: Option<f64>,
    note: String,
}

/// A phase that took `seconds`, with its `note`.
pub fn phase(what: &str, seconds: f64, note: impl Into<String>) -> PhaseRow<'_> {
    PhaseRow {
        what,
        seconds,
        raw: None,
        note: note.into(),
    }
}

/// A phase that copied one table's rows with `COPY` (a raw baseline's part): its seconds, and
/// its rows as the note.
pub fn copy_phase<'a>(what: &'a str, copy: &TableCopy) -> PhaseRow<'a> {
    phase(what, copy.seconds, format!("{} rows", copy.rows))
}

impl PhaseRow<'_> {
    /// This phase compared to a raw baseline that took `raw` seconds.
    pub fn vs_raw(self, raw: f64) -> Self {
        PhaseRow {
            raw: Some(raw),
            ..self
        }
    }
}

/// Prints `rows` as a table: each phase's seconds, and where any row has a raw baseline, the
/// baseline's seconds and the ratio; then the note.
pub fn print_phases(rows: &[PhaseRow<'_>]) {
    let width = rows
        .iter()
        .map(|r| r.what.chars().count())
        .max()
        .unwrap_or(5);
    let compared = rows.iter().any(|r| r.raw.is_some());
    let raw_columns = |raw: &str, ratio: &str| {
        if compared {
            format!(" {raw:>9} {ratio:>7}")
        } else {
            String::new()
        }
    };
    let head = raw_columns("raw s", "ratio");
    println!("{:<width$} {:>9}{head}  note", "phase", "seconds");
    for PhaseRow {
        what,
        seconds,
        raw,
        note,
    } in rows
    {
        let (raw_s, ratio) = match raw {
            Some(b) => (format!("{b:.2}"), format!("{:.3}", seconds / b.max(1e-9))),
            None => (String::new(), String::new()),
        };
        let columns = raw_columns(&raw_s, &ratio);
        println!("{what:<width$} {seconds:>9.2}{columns}  {note}");
    }
}

fn per_s(jobs: usize, seconds: f64) -> f64 {
    rate(jobs as f64, seconds)
}

fn ratio(a: f64, b: f64) -> f64 {
    r3(a / b)
}

fn reachly_rates(r: &ReachlyRun) -> Rates {
    Rates {
        submitted: per_s(r.jobs, r.submit_seconds),
        completed: per_s(r.jobs, r.complete_seconds),
        // The worker runs during submission: first request -> all succeeded is end to end.
        end_to_end: per_s(r.jobs, r.complete_seconds),
    }
}

fn bullmq_rates(b: &BullmqRun) -> Rates {
    Rates {
        submitted: per_s(b.jobs, b.submit_seconds),
        completed: per_s(b.jobs, b.complete_seconds),
        // bench.mjs submits everything, then starts its worker.
        end_to_end: per_s(b.jobs, b.submit_seconds + b.complete_seconds),
    }
}

fn row(system: &str, jobs: &str, r: Rates) -> String {
    format!(
        "{system:<16} {jobs:>8} {:>13.1} {:>13.1} {:>13.1}",
        r.submitted, r.completed, r.end_to_end
    )
}

/// Prints the table and returns the summary.
/// `bullmq` comes with the CPU seconds of its run (Redis, and node within `others`).
pub fn print(
    args: &Args,
    reachly: &ReachlyRun,
    bullmq: Option<(&BullmqRun, &BTreeMap<String, f64>)>,
) -> Value {
    let r = reachly_rates(reachly);
    println!(
        "{:<16} {:>8} {:>13} {:>13} {:>13}",
        "system", "jobs", "submitted/s", "completed/s", "end-to-end/s"
    );
    println!("{}", row("reachly", &reachly.jobs.to_string(), r));
    let mut summary = json!({
        "bench": "queue",
        "jobs": args.jobs,
        "concurrency": args.concurrency,
        "batch": args.batch,
        "in_flight": args.in_flight,
        "poll_ms": args.poll_ms,
        "reachly": {
            "submit_seconds": r3(reachly.submit_seconds),
            "complete_seconds": r3(reachly.complete_seconds),
            "submitted_per_s": r.submitted,
            "completed_per_s": r.completed,
            "succeeded_at_submit_end": reachly.succeeded_at_submit_end,
            "audit_rows": reachly.audit_rows,
            "audit_distinct_jobs": reachly.audit_jobs,
            "exactly_once": reachly.exactly_once(),
            "cpu_seconds": reachly.cpu,
        },
    });
    if let Some((b, cpu)) = bullmq {
        let q = bullmq_rates(b);
        let x = Rates {
            submitted: ratio(r.submitted, q.submitted),
            completed: ratio(r.completed, q.completed),
            end_to_end: ratio(r.end_to_end, q.end_to_end),
        };
        println!("{}", row("bullmq", &b.jobs.to_string(), q));
        println!(
            "{:<16} {:>8} {:>13.3} {:>13.3} {:>13.3}",
            "reachly/bullmq", "", x.submitted, x.completed, x.end_to_end
        );
        summary["bullmq"] = json!({
            "submit_seconds": b.submit_seconds,
            "complete_seconds": b.complete_seconds,
            "submitted_per_s": q.submitted,
            "completed_per_s": q.completed,
            "end_to_end_per_s": q.end_to_end,
            "cpu_seconds": cpu,
        });
        summary["ratio"] = json!({
            "submitted": x.submitted,
            "completed": x.completed,
            "end_to_end": x.end_to_end,
        });
    }
    println!(
        "completed/s: reachly = first submission -> every job_run succeeded (durable); \
         bullmq = drain only (its worker starts after submission). end-to-end/s: bullmq = submit + drain."
    );
    println!(
        "exactly once: {} ({} audit rows for {} jobs, {} distinct)",
        if reachly.exactly_once() { "yes" } else { "NO" },
        reachly.audit_rows,
        reachly.jobs,
        reachly.audit_jobs
    );
    println!("{summary}");
    summary
}
