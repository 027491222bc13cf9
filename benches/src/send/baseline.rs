//! The physical limit: exactly the campaign's event rows, exported with `COPY ... TO STDOUT`
//! and timed while one `COPY events FROM STDIN` loads them into another fresh, migrated
//! database: the same partitioned table with the same monthly partitions, indexes, checks
//! and foreign keys. What the keys need (the organization and the same audience and campaign,
//! written by [`audience::write`]) is put there first, untimed. `COPY FROM` is refused on a
//! table under row-level security for a role subject to it, so the load runs as the
//! maintenance role (BYPASSRLS), as the export does.

use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use super::audience::{self, CAMPAIGN};
use super::log;
use crate::db::{BenchDb, TableCopy, copy_in, copy_out};

/// The timed load, and who ran it.
#[derive(Debug, Clone, Serialize)]
pub struct EventsCopy {
    pub copy: TableCopy,
    pub role: String,
    pub bypass_rls: bool,
    /// Monthly partitions the rows span (ensured before the load).
    pub months: i32,
}

/// Exports the campaign's events from `source` and times loading them into a fresh database
/// holding the same `recipients`.
pub async fn run(
    source: &BenchDb,
    recipients: u32,
    dir: &Path,
    keep_db: bool,
) -> anyhow::Result<EventsCopy> {
    let mut src = PgConnection::connect(&source.maint_url).await?;
    let (org,): (Uuid,) = sqlx::query_as("select organization_id from campaigns where id = $1")
        .bind(CAMPAIGN)
        .fetch_one(&mut src)
        .await
        .context("the campaign's organization")?;
    let (first_month, months): (String, i32) = sqlx::query_as(
        "select to_char(min(m), 'YYYY-MM-DD'),
                ((extract(year from max(m)) - extract(year from min(m))) * 12
                 + extract(month from max(m)) - extract(month from min(m)) + 1)::int4
           from (select date_trunc('month', occurred_at at time zone 'UTC') as m
                   from events where organization_id = $1 and campaign_id = $2) as t",
    )
    .bind(org)
    .bind(CAMPAIGN)
    .fetch_one(&mut src)
    .await
    .context("the months the events span")?;
    let path = dir.join("events.copy");
    let select = format!(
        "select * from events where organization_id = '{org}' and campaign_id = '{CAMPAIGN}'"
    );
    let bytes = copy_out(&mut src, &select, &path).await?;
    log(format!(
        "exported events: {bytes} bytes, {months} months from {first_month}"
    ));
    src.close().await?;

    let target = BenchDb::create().await?;
    log(format!("raw copy into fresh database {}", target.name));
    let result = async {
        let mut dst = PgConnection::connect(&target.maint_url).await?;
        sqlx::query("insert into organizations (id, slug, name) values ($1, 'bench', 'bench')")
            .bind(org)
            .execute(&mut dst)
            .await?;
        audience::write(&target, org, recipients).await?;
        sqlx::query("select ensure_event_partitions($1::date, $2)")
            .bind(&first_month)
            .bind(months)
            .execute(&mut dst)
            .await?;
        let (role, bypass_rls): (String, bool) = sqlx::query_as(
            "select current_user::text, rolbypassrls from pg_roles where rolname = current_user",
        )
        .fetch_one(&mut dst)
        .await?;
        let copy = copy_in(&mut dst, "events", &path).await?;
        log(format!(
            "raw copy: events: {} rows, {} bytes in {:.2}s as {role}",
            copy.rows, copy.bytes, copy.seconds
        ));
        dst.close().await?;
        anyhow::Ok(EventsCopy {
            copy,
            role,
            bypass_rls,
            months,
        })
    }
    .await;
    target.finish(keep_db).await;
    let _ = std::fs::remove_file(&path);
    result
}
