//! The plan of the erasure's events batch: the `events` step of
//! `reachly_jobs::kinds::gdpr_erasure::STEPS`, its `.batch()` statement, as the job runs it
//! (the application role, under row-level security, the organization set; un-analyzed
//! tables), by `EXPLAIN (ANALYZE, BUFFERS) EXECUTE` of it prepared, inside a transaction that
//! is rolled back, with the seven parameters every step takes (`$7`, one lead, null: the
//! events step does not name it, so the job runs it once): once as a custom plan (what a
//! worker connection's first five executions get) and once as the generic plan (what
//! Postgres may switch to after them).

use anyhow::Context;
use reachly_jobs::kinds::gdpr_erasure::{STEPS, address_pattern};
use sqlx::{Connection, PgConnection, Row};
use uuid::Uuid;

use super::generate::Person;
use crate::db::BenchDb;

/// The batch size the job binds as `$6`.
const BATCH: i64 = 1_000;

/// One plan as `EXPLAIN` printed it, and its sequential scans of events partitions.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `custom` or `generic`.
    pub kind: &'static str,
    pub lines: Vec<String>,
    pub seq_scans: Vec<SeqScan>,
}

/// A `Seq Scan` of an events partition, and whether that partition holds rows.
#[derive(Debug, Clone)]
pub struct SeqScan {
    pub partition: String,
    pub bytes: i64,
}

impl Plan {
    /// Whether a partition that holds events is read whole.
    pub fn scans_populated_partition(&self) -> bool {
        self.seq_scans.iter().any(|s| s.bytes > 0)
    }
}

/// The events batch statement, as the job builds it.
pub fn events_batch() -> anyhow::Result<String> {
    let step = STEPS
        .iter()
        .find(|s| s.table == "events")
        .context("the erasure has no events step")?;
    anyhow::ensure!(!step.per_lead(), "the events step now runs once per lead");
    Ok(step.batch())
}

/// Explains the events batch for `person` (its deletions rolled back), custom then generic.
pub async fn explain(db: &BenchDb, org: Uuid, person: &Person) -> anyhow::Result<Vec<Plan>> {
    let mut conn = PgConnection::connect(&db.app_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "prepare erase_events (uuid, uuid, text, text, text, int8, uuid) as {}",
        events_batch()?
    )))
    .execute(&mut conn)
    .await?;
    let execute = format!(
        "explain (analyze, buffers) execute erase_events({}, {}, {}, {}, {}, {BATCH}, null)",
        literal(&org.to_string()),
        literal(&person.contact.to_string()),
        literal(&person.email),
        literal(&address_pattern(&person.email)),
        literal("not-a-hash"),
    );
    let mut plans = Vec::new();
    for (kind, mode) in [
        ("custom", "force_custom_plan"),
        ("generic", "force_generic_plan"),
    ] {
        let mut tx = conn.begin().await?;
        sqlx::query("select set_config('app.organization_id', $1, true), set_config('plan_cache_mode', $2, true)")
            .bind(org.to_string())
            .bind(mode)
            .execute(&mut *tx)
            .await?;
        let lines: Vec<String> = sqlx::raw_sql(sqlx::AssertSqlSafe(execute.clone()))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
        tx.rollback().await?;
        let seq_scans = seq_scans(&mut conn, &lines).await?;
        plans.push(Plan {
            kind,
            lines,
            seq_scans,
        });
    }
    conn.close().await?;
    Ok(plans)
}

/// The events partitions `lines` read by `Seq Scan`, with their size on disk.
async fn seq_scans(conn: &mut PgConnection, lines: &[String]) -> anyhow::Result<Vec<SeqScan>> {
    let mut scans = Vec::new();
    for line in lines {
        let Some((_, rest)) = line.split_once("Seq Scan on ") else {
            continue;
        };
        let partition = rest.split_whitespace().next().unwrap_or_default();
        if !partition.starts_with("events") {
            continue;
        }
        let bytes: i64 = sqlx::query_scalar("select pg_relation_size($1::regclass)")
            .bind(partition)
            .fetch_one(&mut *conn)
            .await?;
        scans.push(SeqScan {
            partition: partition.to_owned(),
            bytes,
        });
    }
    Ok(scans)
}

/// `text` as an SQL string literal (standard-conforming: only quotes are doubled).
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
