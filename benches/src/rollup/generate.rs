//! The bench's data (see [`crate::events`]): contacts, campaigns (completed, so the day
//! finalizes), and `events` spread over one UTC day with a realistic mix of types and
//! subtypes. Set-up, not measured; nothing is analyzed, and autovacuum is kept off the event
//! partitions so it cannot analyze them mid-run.

use chrono::NaiveDate;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use super::log;
use crate::db::BenchDb;
use crate::events::{self, EventSeries};

/// What the generator wrote.
#[derive(Debug, Clone)]
pub struct Generated {
    pub org: Uuid,
    pub day: NaiveDate,
    pub campaigns: Vec<Uuid>,
}

/// Writes everything into organization `org` of `db`, events on `day`: event `n` at `n`
/// milliseconds past midnight (modulo a day).
pub async fn write(
    db: &BenchDb,
    org: Uuid,
    day: NaiveDate,
    args: &super::args::RollupArgs,
) -> anyhow::Result<Generated> {
    let partitions = events::autovacuum_off(db, &[]).await?;
    let mut conn = PgConnection::connect(&db.maint_url).await?;
    events::write_base(&mut conn, org, "rollup", args.contacts, args.campaigns).await?;
    let series = EventSeries {
        org,
        events: args.events,
        contacts: args.contacts,
        campaigns: args.campaigns,
        start: day.and_hms_opt(0, 0, 0).expect("midnight").and_utc(),
        step_us: 1_000,
        wrap: 86_400_000,
        client: false,
    };
    events::write_events(&mut conn, &series, |written| {
        log(format!("{written} of {} events written", args.events))
    })
    .await?;
    let analyzed = events::analyzed(&mut conn, &[]).await?;
    anyhow::ensure!(
        analyzed.is_empty(),
        "an events partition was analyzed during set-up: {analyzed:?}"
    );
    log(format!("{partitions} event partitions, none analyzed"));
    let campaigns = events::campaign_ids(&mut conn, args.campaigns).await?;
    conn.close().await?;
    Ok(Generated {
        org,
        day,
        campaigns,
    })
}
