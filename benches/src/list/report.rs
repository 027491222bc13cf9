//! The printed table and the one-line JSON summary of `list_bench`.

use serde_json::{Value, json};

use super::args::ListArgs;
use super::baseline::RawCopy;
use super::data::Generated;
use super::dnsmasq::QueryCount;
use super::pipeline::{ListRun, Phases};
use crate::observe::Observed;
use crate::report::{copy_phase, phase, print_phases, r3, rate as per_s};

/// Everything one run measured.
#[derive(Debug)]
pub struct Measured<'a> {
    pub args: &'a ListArgs,
    pub generated: &'a Generated,
    pub run: &'a ListRun,
    pub phases: &'a Phases,
    pub queries: QueryCount,
    pub raw: &'a RawCopy,
    pub observed: Observed,
}

fn count(list: &Value, key: &str) -> i64 {
    list[key].as_i64().unwrap_or(-1)
}

/// Prints the table and the summary line; returns the summary.
pub fn print(m: &Measured) -> Value {
    let rows = m.generated.rows as f64;
    let total = m.run.total_seconds;
    let raw = m.raw.seconds();
    let ratio = r3(total / raw);
    let ratio_with_logs = r3(total / m.raw.seconds_with_logs());
    let list = &m.run.list;
    let p = m.phases;
    // job_runs' started_at/finished_at are set with now(), the transaction's start, and the
    // import is one transaction: the phases come from the polled status changes instead.
    let seen = |status: &str| {
        m.run
            .transitions
            .iter()
            .find(|t| t.status == status)
            .map(|t| t.at_s)
    };
    let validating = seen("validating").unwrap_or(total);
    print_phases(&[
        phase(
            "upload (curl -F, file -> list_upload_chunks)",
            m.run.upload_seconds,
            format!("{} bytes", m.generated.bytes),
        ),
        phase(
            "import (upload end -> `validating` seen)",
            validating - m.run.upload_seconds,
            format!(
                "import job tx began at +{:.2}s after upload commit",
                p.import_started_s
            ),
        ),
        phase(
            "validation (`validating` -> `validated` seen)",
            total - validating,
            format!(
                "{} validate jobs, {} attempts, first tx began at +{:.2}s, last at +{:.2}s",
                p.validate_jobs,
                p.validate_attempts,
                p.validate_first_started_s,
                p.validate_last_finished_s
            ),
        ),
        phase(
            "PIPELINE upload start -> validated (polled)",
            total,
            format!("{} rows/s", per_s(rows, total)),
        ),
        copy_phase("raw COPY contacts", &m.raw.contacts),
        copy_phase("raw COPY contact_list_members", &m.raw.members),
        phase(
            "RAW COPY contacts + members",
            raw,
            format!("{} rows/s of input", per_s(rows, raw)),
        ),
        copy_phase("raw COPY validation_logs (extra)", &m.raw.validation_logs),
    ]);
    println!(
        "ratio pipeline / raw COPY (contacts+members) = {ratio:.3}   (target <= 3; with validation_logs in the baseline: {ratio_with_logs:.3})"
    );
    println!(
        "DNS queries sent (counted in dnsmasq's query log): {} (MX {}, A {}, AAAA {}); domain_checks rows: {}",
        m.queries.total, m.queries.mx, m.queries.a, m.queries.aaaa, p.domain_checks_rows
    );
    println!(
        "list: total_rows {} imported {} (valid {} risky {} invalid {} nonexistent {}), duplicates {}, suppressed {}, unparseable {}",
        count(list, "total_rows"),
        m.raw.contacts.rows,
        count(list, "valid_count"),
        count(list, "risky_count"),
        count(list, "invalid_count"),
        count(list, "nonexistent_count"),
        count(list, "duplicate_count"),
        count(list, "suppressed_count"),
        count(list, "unparseable_count"),
    );
    println!(
        "generated: {} rows, {} unique, {} duplicates ({} case variants), {} garbage, {} at NXDOMAIN domains, {} at null-MX domains; top domain {} rows, top 10 {}",
        m.generated.rows,
        m.generated.unique_rows,
        m.generated.duplicate_rows,
        m.generated.case_variant_duplicates,
        m.generated.invalid_rows,
        m.generated.nxdomain_rows,
        m.generated.nullmx_rows,
        m.generated.top1_rows,
        m.generated.top10_rows,
    );
    println!("cpu seconds during the pipeline: {:?}", m.observed.cpu);
    m.observed.waits.print(15);
    let summary = json!({
        "bench": "list",
        "rows": m.args.rows,
        "domains": m.args.domains,
        "zipf": m.args.zipf,
        "seed": m.args.seed,
        "workers": m.args.workers,
        "concurrency": m.args.concurrency,
        "pipeline_seconds": r3(total),
        "rows_per_s": per_s(rows, total),
        "upload_seconds": r3(m.run.upload_seconds),
        "import_seconds": r3(validating - m.run.upload_seconds),
        "validation_seconds": r3(total - validating),
        "phases": p,
        "transitions": m.run.transitions,
        "dns_queries": m.queries,
        "raw_copy": m.raw,
        "raw_copy_seconds": r3(raw),
        "ratio_pipeline_to_raw_copy": ratio,
        "ratio_with_validation_logs": ratio_with_logs,
        "list": {
            "total_rows": count(list, "total_rows"),
            "valid": count(list, "valid_count"),
            "risky": count(list, "risky_count"),
            "invalid": count(list, "invalid_count"),
            "nonexistent": count(list, "nonexistent_count"),
            "duplicates": count(list, "duplicate_count"),
            "suppressed": count(list, "suppressed_count"),
            "unparseable": count(list, "unparseable_count"),
        },
        "generated": m.generated,
        "cpu_seconds": m.observed.cpu,
        "pg_busy_backends": m.observed.waits.summary(15),
    });
    println!("{summary}");
    summary
}
