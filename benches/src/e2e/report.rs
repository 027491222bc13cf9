//! The printed table and the one-line JSON summary of `e2e_bench`.

use serde_json::{Value, json};

use super::args::E2eArgs;
use super::baseline::Baselines;
use super::phases::CampaignPhases;
use crate::list::pipeline::{ListRun, Phases};
use crate::report::{phase, print_phases, r3, rate};
use crate::send::pipeline::SendRun;

/// The launch's share of the validation's time the issue sets at 1M rows (and 0.5 at every
/// size).
const LAUNCH_TARGET_AT_1M: f64 = 0.25;

/// Everything one run measured.
#[derive(Debug)]
pub struct Measured<'a> {
    pub args: &'a E2eArgs,
    pub list: &'a ListRun,
    pub list_phases: &'a Phases,
    pub send: &'a SendRun,
    pub campaign: &'a CampaignPhases,
    pub raw: &'a Baselines,
}

/// Prints the table and the summary line; returns the summary.
pub fn print(m: &Measured) -> Value {
    let rows = m.args.list.rows as f64;
    let imported = m.raw.list.members.rows as f64;
    let import_s = m.list_phases.import_finished_s;
    let validation_s = m.list_phases.validate_last_finished_s - import_s;
    let list_s = m.list_phases.validate_last_finished_s;
    let list_raw_s = m.raw.list.seconds();
    let launch_s = m.campaign.launch_seconds();
    let sends_s = m.campaign.sends_seconds();
    let events = m.campaign.events as f64;
    let recipients = m.campaign.recipients as f64;
    let launch_share = r3(launch_s / validation_s.max(1e-9));
    let total = m.list.total_seconds + m.send.completed_s;
    print_phases(&[
        phase(
            "upload (curl -> 202)",
            m.list.upload_seconds,
            format!("{} rows", m.args.list.rows),
        ),
        phase(
            "import (upload commit -> import commit)",
            import_s,
            format!("{} rows/s", rate(rows, import_s)),
        ),
        phase(
            "validation (import -> last batch)",
            validation_s,
            format!(
                "{} rows/s, {} batches",
                rate(imported, validation_s),
                m.list_phases.validate_jobs
            ),
        ),
        phase(
            "import + validation vs raw COPY",
            list_s,
            format!("{} contacts + members COPY'd", m.raw.list.contacts.rows),
        )
        .vs_raw(list_raw_s),
        phase(
            "launch job (request commit -> commit)",
            launch_s,
            format!(
                "{} recipients, {} send batches; vs INSERT … SELECT; {launch_share} of validation",
                m.campaign.recipients, m.send.batches_total
            ),
        )
        .vs_raw(m.raw.assignments_seconds),
        phase(
            "sends (launch commit -> last batch)",
            sends_s,
            format!(
                "{} events/s (raw COPY {} events/s)",
                rate(events, sends_s),
                rate(events, m.raw.events.seconds)
            ),
        )
        .vs_raw(m.raw.events.seconds),
        phase(
            "upload start -> campaign completed",
            total,
            format!(
                "as the user saw it (polls every {} ms)",
                m.args.list.poll_ms
            ),
        ),
    ]);
    println!(
        "launch / validation = {launch_share} (target <= {LAUNCH_TARGET_AT_1M} at 1M rows, < 0.5 at every size)"
    );
    println!(
        "launch job: {:.2}s queued before it started; its steps: {}",
        m.campaign.launch_started_s - m.campaign.launch_created_s,
        m.campaign.launch_timings
    );
    let summary = json!({
        "bench": "e2e",
        "rows": m.args.list.rows,
        "workers": m.args.list.workers,
        "imported": imported,
        "recipients": recipients,
        "events": events,
        "seconds": {
            "upload": r3(m.list.upload_seconds),
            "import": r3(import_s),
            "validation": r3(validation_s),
            "launch": r3(launch_s),
            "sends": r3(sends_s),
            "total": r3(total),
        },
        "raw_seconds": {
            "contacts_members_copy": r3(list_raw_s),
            "assignments_insert_select": r3(m.raw.assignments_seconds),
            "events_copy": r3(m.raw.events.seconds),
        },
        "ratio": {
            "import_validation_vs_copy": r3(list_s / list_raw_s.max(1e-9)),
            "launch_vs_insert_select": r3(launch_s / m.raw.assignments_seconds.max(1e-9)),
            "sends_vs_copy": r3(sends_s / m.raw.events.seconds.max(1e-9)),
            "launch_vs_validation": launch_share,
        },
        "rates": {
            "rows_per_s": rate(rows, list_s),
            "events_per_s": rate(events, sends_s),
        },
        "launch_timings": m.campaign.launch_timings,
        "attempts": {
            "validate": m.list_phases.validate_attempts,
            "send": m.campaign.send_attempts,
            "send_jobs": m.campaign.send_jobs,
        },
    });
    println!("{summary}");
    summary
}
