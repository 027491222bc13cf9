//! The peer: bare `INSERT … SELECT … GROUP BY` statements computing what the job writes (the
//! day's counts and distinct contacts per campaign, type and subtype; and each campaign's
//! totals with contacts counted once) over the same rows, into scratch tables with the same
//! keys, as the maintenance role (no row-level security, no upsert, no finality).

use std::time::Instant;

use sqlx::{Connection, PgConnection};

use super::generate::Generated;
use crate::db::BenchDb;

/// The subtype rule written out, as a bare statement would (the job's `event_subtype`).
const SUBTYPE: &str = "case event_type
    when 'bounce' then case when event_data->>'bounce_type' = 'soft' then 'soft' else 'hard' end
    when 'open' then case when event_data->'machine_open' = 'true'::jsonb then 'machine' else 'human' end
    else '' end";

/// Creates the scratch tables (as the owner; the maintenance role writes them).
pub async fn create_scratch(db: &BenchDb) -> anyhow::Result<()> {
    let mut owner = PgConnection::connect(&db.owner_url).await?;
    sqlx::raw_sql(
        "create table scratch_days (
             organization_id uuid, campaign_id uuid, event_type text, subtype text, day date,
             count bigint not null, unique_contacts bigint not null,
             primary key (organization_id, campaign_id, event_type, subtype, day));
         create table scratch_totals (
             organization_id uuid, campaign_id uuid, event_type text, subtype text,
             count bigint not null, unique_contacts bigint not null,
             primary key (organization_id, campaign_id, event_type, subtype));
         grant select, insert, update, delete, truncate on scratch_days, scratch_totals to reachly_maint;",
    )
    .execute(&mut owner)
    .await?;
    owner.close().await?;
    Ok(())
}

/// Seconds of each bare statement in one round.
#[derive(Debug, Clone, Copy)]
pub struct BareRound {
    pub day_s: f64,
    pub totals_s: f64,
}

/// Empties the scratch tables, then times the two bare statements.
pub async fn run(conn: &mut PgConnection, data: &Generated) -> anyhow::Result<BareRound> {
    sqlx::raw_sql("truncate scratch_days, scratch_totals")
        .execute(&mut *conn)
        .await?;
    let start = data.day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let started = Instant::now();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into scratch_days
         select organization_id, campaign_id, event_type, {SUBTYPE},
                (occurred_at at time zone 'UTC')::date, count(*), count(distinct contact_id)
           from events
          where organization_id = $1 and occurred_at >= $2 and occurred_at < $3
          group by 1, 2, 3, 4, 5"
    )))
    .bind(data.org)
    .bind(start)
    .bind(start + chrono::Duration::days(1))
    .execute(&mut *conn)
    .await?;
    let day_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into scratch_totals
         select organization_id, campaign_id, event_type, {SUBTYPE}, count(*),
                count(distinct contact_id)
           from events
          where organization_id = $1 and campaign_id = any($2)
          group by 1, 2, 3, 4"
    )))
    .bind(data.org)
    .bind(&data.campaigns)
    .execute(&mut *conn)
    .await?;
    Ok(BareRound {
        day_s,
        totals_s: started.elapsed().as_secs_f64(),
    })
}

/// Rows on which the job's rollup and the bare statements disagree (0 when they agree).
pub async fn differences(conn: &mut PgConnection) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "select (select count(*) from (
                    (select organization_id, campaign_id, event_type, subtype, day, count, unique_contacts
                       from event_aggregations
                     except select * from scratch_days)
                    union all
                    (select * from scratch_days
                     except select organization_id, campaign_id, event_type, subtype, day, count,
                                   unique_contacts from event_aggregations)) d)
              + (select count(*) from (
                    (select organization_id, campaign_id, event_type, subtype, count, unique_contacts
                       from campaign_event_totals
                     except select * from scratch_totals)
                    union all
                    (select * from scratch_totals
                     except select organization_id, campaign_id, event_type, subtype, count,
                                   unique_contacts from campaign_event_totals)) t)",
    )
    .fetch_one(conn)
    .await?)
}
