//! The printed table and the one-line JSON summary of `send_bench`.

use serde_json::{Value, json};

use super::args::SendArgs;
use super::baseline::EventsCopy;
use super::pipeline::SendRun;
use super::written::Written;
use crate::observe::Observed;
use crate::report::{phase, print_phases, r3, rate};

/// The ratio the issue asks the pipeline's events/s to reach against the raw COPY.
const TARGET_RATIO: f64 = 0.7;

/// Everything one run measured.
#[derive(Debug)]
pub struct Measured<'a> {
    pub args: &'a SendArgs,
    pub audience_seconds: f64,
    pub run: &'a SendRun,
    pub written: &'a Written,
    pub raw: &'a EventsCopy,
    pub observed: Observed,
}

/// Prints the table and the summary line; returns the summary.
pub fn print(m: &Measured) -> Value {
    let w = m.written;
    let (events, recipients) = (w.events as f64, w.recipients as f64);
    let total = m.run.completed_s;
    let raw = m.raw.copy.seconds;
    let pipeline_events_per_s = rate(events, total);
    let copy_events_per_s = rate(events, raw);
    let ratio = r3(pipeline_events_per_s / copy_events_per_s);
    print_phases(&[
        phase(
            "audience (bulk insert, not timed)",
            m.audience_seconds,
            format!("{} contacts", m.args.recipients),
        ),
        phase(
            "launch request -> 202",
            m.run.accepted_s,
            "campaign scheduled, launch job submitted",
        ),
        phase(
            "launch job (202 -> `sending` seen)",
            m.run.launch_seconds(),
            format!(
                "{} recipients in {} batches of {}",
                w.recipients, w.batches_total, m.args.batch_size
            ),
        ),
        phase(
            "send batches (`sending` -> `completed` seen)",
            m.run.sends_seconds(),
            format!(
                "{} send jobs, {} attempts, {} workers",
                w.send_jobs, w.send_attempts, m.args.workers
            ),
        ),
        phase(
            "PIPELINE launch request -> completed",
            total,
            format!(
                "{} recipients/s, {pipeline_events_per_s} events/s",
                rate(recipients, total)
            ),
        ),
        phase(
            "RAW COPY events FROM STDIN",
            raw,
            format!(
                "{copy_events_per_s} events/s as {} (bypassrls {}), {} monthly partitions",
                m.raw.role, m.raw.bypass_rls, m.raw.months
            ),
        ),
    ]);
    println!("ratio pipeline / raw COPY (events/s) = {ratio:.3}   (target >= {TARGET_RATIO})");
    println!(
        "written: {} events {:?}, {} leads, {} form responses",
        w.events, w.events_by_type, w.leads, w.form_responses
    );
    println!("cpu seconds during the pipeline: {:?}", m.observed.cpu);
    m.observed.waits.print(12);
    let summary = json!({
        "bench": "send",
        "recipients": w.recipients,
        "events": w.events,
        "pipeline_events_per_s": pipeline_events_per_s,
        "copy_events_per_s": copy_events_per_s,
        "ratio": ratio,
        "target_ratio": TARGET_RATIO,
        "pipeline_seconds": r3(total),
        "launch_seconds": r3(m.run.launch_seconds()),
        "sends_seconds": r3(m.run.sends_seconds()),
        "pipeline_recipients_per_s": rate(recipients, total),
        "copy_seconds": r3(raw),
        "copy_bytes": m.raw.copy.bytes,
        "copy_role": m.raw.role,
        "copy_role_bypassrls": m.raw.bypass_rls,
        "batches": w.batches_total,
        "batch_size": m.args.batch_size,
        "workers": m.args.workers,
        "concurrency": m.args.concurrency,
        "seed": m.args.seed,
        "leads": w.leads,
        "form_responses": w.form_responses,
        "events_by_type": w.events_by_type,
        "send_jobs": w.send_jobs,
        "send_attempts": w.send_attempts,
        "launch_attempts": w.launch_attempts,
        "audience_seconds": r3(m.audience_seconds),
        "run": m.run,
        "cpu_seconds": m.observed.cpu,
        "pg_busy_backends": m.observed.waits.summary(12),
    });
    println!("{summary}");
    summary
}
