//! The printed tables and the one-line JSON summary of `queue-bench`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::args::Args;
use super::bullmq::BullmqRun;
use super::measure::ReachlyRun;
use super::scale::{Load, ScaleRun};
use crate::report::{load_averages, r3, rate};

/// One system's rates (jobs per second), each measured as its column says.
#[derive(Debug, Clone, Copy)]
struct Rates {
    /// Submission with no worker consuming (the drain run's submission).
    submitted: f64,
    /// Drain only: every job queued first.
    drained: f64,
    /// Submission and work overlapping: first submission -> all completed.
    end_to_end: f64,
}

impl Rates {
    fn ratio(self, peer: Rates) -> Rates {
        Rates {
            submitted: r3(self.submitted / peer.submitted),
            drained: r3(self.drained / peer.drained),
            end_to_end: r3(self.end_to_end / peer.end_to_end),
        }
    }
}

/// Both runs of one worker count.
#[derive(Debug, Clone)]
pub struct Pair {
    pub end_to_end: ReachlyRun,
    pub drain: ReachlyRun,
}

impl Pair {
    fn rates(&self) -> Rates {
        Rates {
            submitted: self.drain.submitted_per_s(),
            drained: self.drain.completed_per_s(),
            end_to_end: self.end_to_end.completed_per_s(),
        }
    }

    pub fn exactly_once(&self) -> bool {
        self.end_to_end.exactly_once() && self.drain.exactly_once()
    }
}

fn bullmq_rates(b: &BullmqRun) -> Rates {
    Rates {
        submitted: rate(b.jobs as f64, b.submit_seconds),
        drained: rate(b.jobs as f64, b.complete_seconds),
        end_to_end: rate(b.jobs as f64, b.e2e_seconds),
    }
}

fn row(system: &str, workers: &str, r: Rates, digits: usize) -> String {
    format!(
        "{system:<16} {workers:>7} {:>13.digits$} {:>13.digits$} {:>13.digits$}",
        r.submitted, r.drained, r.end_to_end
    )
}

fn run_json(r: &ReachlyRun) -> Value {
    json!({
        "submit_seconds": r3(r.submit_seconds),
        "complete_seconds": r3(r.complete_seconds),
        "submitted_per_s": r.submitted_per_s(),
        "completed_per_s": r.completed_per_s(),
        "succeeded_at_submit_end": r.succeeded_at_submit_end,
        "exactly_once": r.exactly_once(),
        "cpu_seconds": r.observed.cpu,
        "postgres_waits": r.observed.waits.summary(8),
    })
}

fn print_observed(pair: &Pair) {
    for run in [&pair.end_to_end, &pair.drain] {
        println!(
            "{} with {} worker(s): cpu seconds {:?}",
            run.mode.label(),
            run.workers,
            run.observed.cpu
        );
        run.observed.waits.print(8);
    }
}

/// Prints the tables and the summary line; returns the summary. `pairs` holds one pair per
/// `--workers` count, in order; BullMQ (one worker, with the CPU seconds of its two runs) is
/// compared with the first.
pub fn print(
    args: &Args,
    pairs: &[Pair],
    bullmq: Option<(&BullmqRun, &BTreeMap<String, f64>)>,
) -> Value {
    let first = &pairs[0];
    let r = first.rates();
    println!(
        "{:<16} {:>7} {:>13} {:>13} {:>13}",
        "system", "workers", "submitted/s", "drained/s", "end-to-end/s"
    );
    println!("{}", row("reachly", &first.drain.workers.to_string(), r, 1));
    let mut summary = json!({
        "bench": "queue",
        "jobs": args.jobs,
        "concurrency": args.concurrency,
        "batch": args.batch,
        "in_flight": args.in_flight,
        "poll_ms": args.poll_ms,
        "load_average": load_averages(),
        "reachly": {
            "workers": first.drain.workers,
            "end_to_end": run_json(&first.end_to_end),
            "drain": run_json(&first.drain),
        },
    });
    if let Some((b, cpu)) = bullmq {
        let q = bullmq_rates(b);
        let x = r.ratio(q);
        println!("{}", row("bullmq", "1", q, 1));
        println!("{}", row("reachly/bullmq", "", x, 3));
        summary["bullmq"] = json!({
            "submit_seconds": b.submit_seconds,
            "complete_seconds": b.complete_seconds,
            "e2e_submit_seconds": b.e2e_submit_seconds,
            "e2e_seconds": b.e2e_seconds,
            "submitted_per_s": q.submitted,
            "drained_per_s": q.drained,
            "end_to_end_per_s": q.end_to_end,
            "cpu_seconds_both_runs": cpu,
        });
        summary["ratio"] = json!({
            "submitted": x.submitted,
            "completed": x.end_to_end,
            "end_to_end": x.end_to_end,
            "drain": x.drained,
        });
    }
    println!(
        "submitted/s: every job submitted with no worker consuming (the drain run's submission). \
         drained/s: drain only, from the moment work may start (Reachly: queue resumed; BullMQ: \
         worker started) to the last completion. end-to-end/s: workers running while the jobs are \
         submitted, first submission -> last completion. Reachly's completion is the durable \
         `succeeded` record with its audit row."
    );
    if pairs.len() > 1 {
        println!(
            "\nscale-out (reachly, noop, concurrency {} per worker process):",
            args.concurrency
        );
        println!(
            "{:>7} {:>13} {:>13} {:>13}",
            "workers", "submitted/s", "drained/s", "end-to-end/s"
        );
        for pair in pairs {
            let r = pair.rates();
            println!(
                "{:>7} {:>13.1} {:>13.1} {:>13.1}",
                pair.drain.workers, r.submitted, r.drained, r.end_to_end
            );
        }
        summary["scale"] = pairs
            .iter()
            .map(|p| {
                let r = p.rates();
                json!({
                    "workers": p.drain.workers,
                    "submitted_per_s": r.submitted,
                    "drained_per_s": r.drained,
                    "end_to_end_per_s": r.end_to_end,
                    "drain_cpu_seconds": p.drain.observed.cpu,
                    "end_to_end_cpu_seconds": p.end_to_end.observed.cpu,
                })
            })
            .collect();
    }
    println!();
    for pair in pairs {
        print_observed(pair);
    }
    let all = pairs.iter().all(Pair::exactly_once);
    println!(
        "exactly once: {} (every run: one audit row per job, {} jobs per run)",
        if all { "yes" } else { "NO" },
        args.jobs
    );
    println!("{summary}");
    summary
}

/// Prints the scale-out table of a heavy load and its summary line; returns the summary.
pub fn print_scale(args: &Args, runs: &[ScaleRun]) -> Value {
    let what = match args.load {
        Load::Validate => "list rows (upload -> validated)",
        Load::Send => "recipients (launch -> completed)",
        Load::Noop => "jobs",
    };
    println!("scale-out, {:?} load of {} {what}:", args.load, args.rows);
    println!(
        "{:>7} {:>9} {:>8} {:>10} {:>11}  cpu seconds",
        "workers", "seconds", "jobs", "jobs/s", "rows/s"
    );
    for run in runs {
        println!(
            "{:>7} {:>9.2} {:>8} {:>10.1} {:>11.1}  {:?}",
            run.workers,
            run.seconds,
            run.jobs,
            run.jobs_per_s(),
            run.rows_per_s(),
            run.observed.cpu
        );
    }
    println!();
    for run in runs {
        println!("{} worker(s):", run.workers);
        run.observed.waits.print(6);
    }
    let summary = json!({
        "bench": "queue",
        "load": format!("{:?}", args.load).to_lowercase(),
        "rows": args.rows,
        "load_average": load_averages(),
        "scale": runs.iter().map(|r| json!({
            "workers": r.workers,
            "seconds": r3(r.seconds),
            "jobs": r.jobs,
            "jobs_per_s": r.jobs_per_s(),
            "rows_per_s": r.rows_per_s(),
            "cpu_seconds": r.observed.cpu,
            "postgres_waits": r.observed.waits.summary(6),
        })).collect::<Vec<_>>(),
    });
    println!("{summary}");
    summary
}
