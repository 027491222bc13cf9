//! The raw baselines of the end-to-end run, all loaded into one fresh, migrated database (same
//! tables, indexes, constraints and partitions) as the maintenance role:
//! - import + validation: a raw COPY of the list's final contacts and membership rows
//!   ([`crate::list::baseline`]);
//! - launch: the campaign's assignment rows COPY'd into a temporary scratch table (not timed),
//!   then a bare `INSERT INTO campaign_contact_assignments SELECT * FROM` it (timed);
//! - sends: a raw COPY of the campaign's events (the months they span created first).

use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use super::log;
use crate::db::{
    BenchDb, EventMonths, TableCopy, copy_in, copy_out, in_fresh_database, uuid_column,
};
use crate::list::baseline::{self as list_baseline, RawCopy};

/// What the three baselines took.
#[derive(Debug, Clone, Serialize)]
pub struct Baselines {
    pub list: RawCopy,
    /// `INSERT … SELECT` of the assignment rows.
    pub assignments_rows: i64,
    pub assignments_seconds: f64,
    pub events: TableCopy,
}

/// The campaign's rows, exported.
struct CampaignFiles {
    assignments: std::path::PathBuf,
    events: std::path::PathBuf,
    template: Uuid,
    months: EventMonths,
}

async fn export_campaign(
    source: &BenchDb,
    campaign: Uuid,
    dir: &Path,
) -> anyhow::Result<CampaignFiles> {
    let mut src = PgConnection::connect(&source.maint_url).await?;
    let template = uuid_column(&mut src, "campaigns", "template_id", campaign).await?;
    let months = EventMonths::of_campaign(&mut src, campaign).await?;
    let files = CampaignFiles {
        assignments: dir.join("assignments.copy"),
        events: dir.join("events.copy"),
        template,
        months,
    };
    for (what, path) in [
        ("campaign_contact_assignments", &files.assignments),
        ("events", &files.events),
    ] {
        let select = format!("select * from {what} where campaign_id = '{campaign}'");
        let bytes = copy_out(&mut src, &select, path).await?;
        log(format!("exported {what}: {bytes} bytes"));
    }
    src.close().await?;
    Ok(files)
}

/// Times the campaign's baselines in `dst`, where the list's rows are already loaded.
async fn load_campaign(
    dst: &mut PgConnection,
    org: Uuid,
    list: Uuid,
    campaign: Uuid,
    files: &CampaignFiles,
) -> anyhow::Result<(i64, f64, TableCopy)> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "insert into email_templates (organization_id, id, name)
              values ('{org}', '{}', 'raw');
         insert into campaigns (organization_id, id, name, list_id, template_id, status)
              values ('{org}', '{campaign}', 'raw', '{list}', '{}', 'sending');
         create temp table raw_assignments (like campaign_contact_assignments);",
        files.template, files.template
    )))
    .execute(&mut *dst)
    .await?;
    copy_in(dst, "raw_assignments", &files.assignments).await?;
    let start = Instant::now();
    let inserted =
        sqlx::query("insert into campaign_contact_assignments select * from raw_assignments")
            .execute(&mut *dst)
            .await?
            .rows_affected() as i64;
    let assignments_seconds = start.elapsed().as_secs_f64();
    log(format!(
        "raw insert … select: {inserted} assignments in {assignments_seconds:.2}s"
    ));
    files.months.ensure(dst).await?;
    let events = copy_in(dst, "events", &files.events).await?;
    log(format!(
        "raw copy: events: {} rows, {} bytes in {:.2}s",
        events.rows, events.bytes, events.seconds
    ));
    Ok((inserted, assignments_seconds, events))
}

/// Exports the run's final rows from `source` and times the three baselines in a fresh
/// database.
pub async fn run(
    source: &BenchDb,
    list: Uuid,
    campaign: Uuid,
    dir: &Path,
    keep_db: bool,
) -> anyhow::Result<Baselines> {
    let exported = list_baseline::export(source, list, dir).await?;
    let files = export_campaign(source, campaign, dir).await?;
    let result = in_fresh_database(keep_db, async |_, dst| {
        let raw_list = list_baseline::load(dst, &exported).await?;
        let (assignments_rows, assignments_seconds, events) =
            load_campaign(dst, exported.org, list, campaign, &files).await?;
        Ok(Baselines {
            list: raw_list,
            assignments_rows,
            assignments_seconds,
            events,
        })
    })
    .await;
    let _ = std::fs::remove_file(&files.assignments);
    let _ = std::fs::remove_file(&files.events);
    result
}
