//! The printed tables, the plan and the one-line JSON summary of `erasure_bench`.

use reachly_jobs::kinds::gdpr_erasure::STEPS;
use serde_json::json;
use sqlx::PgConnection;

use super::args::ErasureArgs;
use super::baseline::{BareDelete, DELETES, Rows};
use super::generate::{Generated, Person};
use super::plan::Plan;
use super::request::Erased;
use super::steps::StepTime;
use crate::report::r3;

/// One round: person A erased through the API, person B removed by bare deletes.
#[derive(Debug, Clone)]
pub struct Round {
    pub a: Person,
    pub b: Person,
    /// Whether the erasure ran before the bare deletes (the order alternates).
    pub erasure_first: bool,
    pub erased: Erased,
    pub bare: BareDelete,
}

/// The events table on disk: its partitions (those holding rows), heap (with TOAST) and
/// indexes over all of them.
#[derive(Debug, Clone, Copy)]
pub struct EventsSize {
    pub rows: i64,
    pub partitions: i64,
    pub populated: i64,
    pub heap: i64,
    pub indexes: i64,
}

impl EventsSize {
    /// Measured now (the worker's cron may have created partitions ahead since set-up).
    pub async fn of(conn: &mut PgConnection, rows: i64) -> anyhow::Result<EventsSize> {
        let (partitions, populated, heap, indexes): (i64, i64, i64, i64) = sqlx::query_as(
            "select count(*), count(*) filter (where pg_relation_size(relid) > 0),
                    sum(pg_table_size(relid))::int8, sum(pg_indexes_size(relid))::int8
               from pg_partition_tree('events') where isleaf",
        )
        .fetch_one(conn)
        .await?;
        Ok(EventsSize {
            rows,
            partitions,
            populated,
            heap,
            indexes,
        })
    }
}

/// Everything one run measured.
#[derive(Debug)]
pub struct Measured<'a> {
    pub args: &'a ErasureArgs,
    pub data: &'a Generated,
    /// The rows each measured person had before (the same for every person).
    pub per_person: &'a Rows,
    pub rounds: &'a [Round],
    pub steps: &'a [StepTime],
    pub plans: &'a [Plan],
    pub size: EventsSize,
    /// `/proc/loadavg`'s three figures before and after the timed rounds.
    pub load: (&'a str, &'a str),
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

fn gib(bytes: i64) -> String {
    format!("{:.2} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// `xs` joined by `/` (one figure per round).
fn per_round(xs: impl Iterator<Item = String>) -> String {
    xs.collect::<Vec<_>>().join("/")
}

pub fn print(m: &Measured) {
    let rounds = m.rounds;
    let ms = |s: f64| format!("{:.1}", s * 1000.0);
    println!(
        "{:<7} {:>9} {:>9} {:>10} {:>9} {:>9} {:>9}  note",
        "round", "wall ms", "job ms", "queued ms", "bare ms", "job/bare", "wall/bare"
    );
    for (i, r) in rounds.iter().enumerate() {
        let e = &r.erased;
        println!(
            "{:<7} {:>9} {:>9} {:>10} {:>9} {:>9.2} {:>9.2}  A = contact #{}, B = contact #{}, {} first, {} attempt(s)",
            i + 1,
            ms(e.wall_s),
            ms(e.job_s),
            ms(e.queued_s),
            ms(r.bare.seconds),
            e.job_s / r.bare.seconds.max(1e-9),
            e.wall_s / r.bare.seconds.max(1e-9),
            r.a.n,
            r.b.n,
            if r.erasure_first { "erasure" } else { "bare" },
            e.attempts,
        );
    }
    let wall = median(rounds.iter().map(|r| r.erased.wall_s).collect());
    let job = median(rounds.iter().map(|r| r.erased.job_s).collect());
    let queued = median(rounds.iter().map(|r| r.erased.queued_s).collect());
    let bare = median(rounds.iter().map(|r| r.bare.seconds).collect());
    println!(
        "{:<7} {:>9} {:>9} {:>10} {:>9} {:>9.2} {:>9.2}  wall = POST -> `completed` seen (polled every {} ms); job = its job_runs started_at -> finished_at; bare = one transaction of bare DELETEs, as the maintenance role",
        "median",
        ms(wall),
        ms(job),
        ms(queued),
        ms(bare),
        job / bare.max(1e-9),
        wall / bare.max(1e-9),
        m.args.poll_ms,
    );
    println!();
    println!(
        "{:<30} {:>10} {:>22} {:>22}",
        "rows per person", "before", "erased (receipt)", "bare DELETE"
    );
    // A table with several steps (form_responses) has one row: the receipt counts per table.
    let mut tables: Vec<&str> = Vec::new();
    for step in STEPS {
        if !tables.contains(&step.table) {
            tables.push(step.table);
        }
    }
    for table in tables {
        let before = m
            .per_person
            .get(table)
            .map_or("-".to_owned(), u64::to_string);
        let receipt = per_round(rounds.iter().map(|r| match r.erased.removed(table) {
            (d, 0) => format!("{d}"),
            (d, s) => format!("{d}+{s} scrubbed"),
        }));
        let bare = if DELETES.iter().any(|(t, _)| *t == table) {
            per_round(rounds.iter().map(|r| r.bare.rows[table].to_string()))
        } else {
            "-".to_owned()
        };
        println!("{table:<30} {before:>10} {receipt:>22} {bare:>22}");
    }
    println!();
    let explained = m.data.persons.last().map_or(0, |p| p.n);
    println!(
        "the job's statements for contact #{explained}, once each (a per-lead step once per lead), in one rolled-back transaction (application role; the lookups through the maintenance pool):"
    );
    for step in m.steps {
        println!(
            "    {:<50} {:>9.1} ms {:>6} rows",
            step.what,
            step.seconds * 1000.0,
            step.rows
        );
    }
    let statements: f64 = m.steps.iter().map(|s| s.seconds).sum();
    println!(
        "    {:<50} {:>9.1} ms (the median job took {:.1} ms)",
        "sum",
        statements * 1000.0,
        job * 1000.0
    );
    println!();
    println!(
        "events: {} rows in {} of {} partitions (the {} months from {}), heap {} + indexes {} = {}",
        m.size.rows,
        m.size.populated,
        m.size.partitions,
        m.args.months,
        m.data.first_month,
        gib(m.size.heap),
        gib(m.size.indexes),
        gib(m.size.heap + m.size.indexes),
    );
    println!(
        "load average before / after the timed rounds: {} / {}",
        m.load.0, m.load.1
    );
    for plan in m.plans {
        println!();
        println!(
            "plan of the events batch (STEPS[events].batch()), {} plan, EXPLAIN (ANALYZE, BUFFERS), rolled back:",
            plan.kind
        );
        for line in &plan.lines {
            println!("    {line}");
        }
        let scans: Vec<String> = plan
            .seq_scans
            .iter()
            .map(|s| match s.bytes {
                0 => format!("{} (empty)", s.partition),
                b => format!("{} ({})", s.partition, gib(b)),
            })
            .collect();
        println!(
            "Seq Scan on an events partition in the {} plan: {}",
            plan.kind,
            match (scans.is_empty(), plan.scans_populated_partition()) {
                (true, _) => "none".to_owned(),
                (false, false) => format!("only empty ones: {}", scans.join(", ")),
                (false, true) => format!("YES, of rows: {}", scans.join(", ")),
            }
        );
    }
    let seq = |kind: &str| {
        m.plans
            .iter()
            .find(|p| p.kind == kind)
            .map(Plan::scans_populated_partition)
    };
    println!(
        "{}",
        json!({
            "bench": "erasure",
            "events": m.args.events,
            "contacts": m.args.contacts,
            "months": m.args.months,
            "rounds": rounds.len(),
            "events_per_person": m.per_person.get("events"),
            "erasure_wall_s": r3(wall),
            "erasure_job_s": r3(job),
            "erasure_queued_s": r3(queued),
            "bare_s": r3(bare),
            "ratio_job": r3(job / bare.max(1e-9)),
            "ratio_wall": r3(wall / bare.max(1e-9)),
            "statements_s": r3(statements),
            "events_partitions": m.size.partitions,
            "events_heap_bytes": m.size.heap,
            "events_index_bytes": m.size.indexes,
            "seq_scan_populated_events_partition": { "custom": seq("custom"), "generic": seq("generic") },
            "load_before": m.load.0,
            "load_after": m.load.1,
        })
    );
}
