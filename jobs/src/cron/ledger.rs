//! The `cron_ticks` ledger: one row per schedule and tick time, inserted once across every
//! worker process. Maintenance role only (shared engine state no tenant reads or writes).

use chrono::{DateTime, Utc};

use crate::MaintDb;

/// A tick to record: which schedule, when it was due, and what it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TickRecord {
    pub schedule: &'static str,
    pub tick_at: DateTime<Utc>,
    /// Ticks that passed unfired and that this one stands for (0 for an on-time tick).
    pub missed_ticks: i64,
    /// Whether this is a start-up run standing for missed ticks.
    pub coalesced: bool,
}

/// Records `tick`; true if this call inserted it (and so must fan it out), false if another
/// process already had.
pub async fn record(db: &MaintDb, tick: &TickRecord, worker: &str) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "insert into cron_ticks (schedule, tick_at, recorded_by, missed_ticks, coalesced)
         values ($1, $2, $3, $4, $5)
         on conflict (schedule, tick_at) do nothing",
    )
    .bind(tick.schedule)
    .bind(tick.tick_at)
    .bind(worker)
    .bind(tick.missed_ticks)
    .bind(tick.coalesced)
    .execute(db.pool())
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The latest tick recorded for `schedule`, if any.
pub async fn last_tick(db: &MaintDb, schedule: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar("select max(tick_at) from cron_ticks where schedule = $1")
        .bind(schedule)
        .fetch_one(db.pool())
        .await
}

/// Ticks of `schedule` recorded more than a minute ago whose fan-out never finished (the
/// process that won them died mid-way).
pub async fn unfinished(db: &MaintDb, schedule: &str) -> Result<Vec<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar(
        "select tick_at from cron_ticks
          where schedule = $1 and fanned_out_at is null
            and recorded_at < now() - interval '1 minute'
          order by tick_at",
    )
    .bind(schedule)
    .fetch_all(db.pool())
    .await
}

/// Marks a tick's fan-out done, with the number of jobs it created.
pub async fn fanned_out(
    db: &MaintDb,
    schedule: &str,
    tick_at: DateTime<Utc>,
    jobs_created: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update cron_ticks set fanned_out_at = now(), jobs_created = jobs_created + $3
          where schedule = $1 and tick_at = $2",
    )
    .bind(schedule)
    .bind(tick_at)
    .bind(jobs_created)
    .execute(db.pool())
    .await
    .map(drop)
}

/// Every organization that is not soft-deleted: each gets one job per tick.
pub async fn live_organizations(db: &MaintDb) -> Result<Vec<uuid::Uuid>, sqlx::Error> {
    sqlx::query_scalar("select id from organizations where deleted_at is null order by id")
        .fetch_all(db.pool())
        .await
}
