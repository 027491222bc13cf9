//! The physical limit: exactly the campaign's event rows, exported with `COPY ... TO STDOUT`
//! and timed while one `COPY events FROM STDIN` loads them into another fresh, migrated
//! database: the same partitioned table with the same monthly partitions, indexes, checks
//! and foreign keys. What the keys need (the organization and the same audience and campaign,
//! written by [`audience::write`]) is put there first, untimed. `COPY FROM` is refused on a
//! table under row-level security for a role subject to it, so the load runs as the
//! maintenance role (BYPASSRLS), as the export does.

use std::path::Path;

use serde::Serialize;
use sqlx::{Connection, PgConnection};

use super::audience::{self, CAMPAIGN};
use super::log;
use crate::db::{
    BenchDb, EventMonths, TableCopy, copy_in, copy_out, in_fresh_database, uuid_column,
};

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
    let org = uuid_column(&mut src, "campaigns", "organization_id", CAMPAIGN).await?;
    let months = EventMonths::of_campaign(&mut src, CAMPAIGN).await?;
    let path = dir.join("events.copy");
    let select = format!(
        "select * from events where organization_id = '{org}' and campaign_id = '{CAMPAIGN}'"
    );
    let bytes = copy_out(&mut src, &select, &path).await?;
    log(format!(
        "exported events: {bytes} bytes, {} months from {}",
        months.count, months.first
    ));
    src.close().await?;

    let result = in_fresh_database(keep_db, async |target, dst| {
        sqlx::query("insert into organizations (id, slug, name) values ($1, 'bench', 'bench')")
            .bind(org)
            .execute(&mut *dst)
            .await?;
        audience::write(target, org, recipients).await?;
        months.ensure(dst).await?;
        let (role, bypass_rls): (String, bool) = sqlx::query_as(
            "select current_user::text, rolbypassrls from pg_roles where rolname = current_user",
        )
        .fetch_one(&mut *dst)
        .await?;
        let copy = copy_in(dst, "events", &path).await?;
        log(format!(
            "raw copy: events: {} rows, {} bytes in {:.2}s as {role}",
            copy.rows, copy.bytes, copy.seconds
        ));
        Ok(EventsCopy {
            copy,
            role,
            bypass_rls,
            months: months.count,
        })
    })
    .await;
    let _ = std::fs::remove_file(&path);
    result
}
