//! One attempt of an `event_aggregation` job: pick the days, roll each up in its own
//! transaction, then the totals of every campaign those days touched.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;
use uuid::Uuid;

use super::EventAggregation;
use super::days::{DayRange, distinct_sorted};
use super::rollup::{DAY_ROLLUP, LATE_EVENTS};
use super::totals::{CAMPAIGN_LATE_EVENTS, CAMPAIGN_TOTALS};
use crate::queue::{JobContext, JobError};
use crate::tenancy::TenantTx;

/// Events committed by a transaction still open when the last run read may carry a
/// `created_at` before that run's watermark: the next run looks back this much further.
/// Event-writing transactions (send batches) last seconds.
const WATERMARK_MARGIN: Duration = Duration::hours(1);

/// First key of the rollup's advisory locks: ASCII "AGG", apart from the other lock spaces.
const LOCK_SPACE: i32 = 0x0041_4747;

pub(super) async fn run(job: EventAggregation, ctx: &JobContext) -> Result<(), JobError> {
    let (days, watermark) = match job.days {
        Some(days) => (distinct_sorted(days), None),
        None => {
            let (days, seen_until) = open_days(ctx).await?;
            (days, Some(seen_until))
        }
    };

    let mut campaigns = BTreeSet::new();
    let mut finalized_days = 0_i64;
    for day in &days {
        let (touched, finalized) = roll_up_day(ctx, DayRange::of(*day)).await?;
        campaigns.extend(touched);
        finalized_days += finalized;
    }
    let campaigns: Vec<Uuid> = campaigns.into_iter().collect();
    let finalized_campaigns = roll_up_campaigns(ctx, &campaigns).await?;

    let mut tx = ctx.begin().await?;
    if let Some(seen_until) = watermark {
        sqlx::query(
            "insert into event_aggregation_watermarks as w (organization_id, events_seen_until)
             values ($1, $2)
             on conflict (organization_id) do update
                set events_seen_until = greatest(w.events_seen_until, excluded.events_seen_until)",
        )
        .bind(ctx.org())
        .bind(seen_until)
        .execute(&mut **tx)
        .await?;
    }
    let result = json!({
        "days": days.len(),
        "campaign_days_finalized": finalized_days,
        "campaigns": campaigns.len(),
        "campaigns_finalized": finalized_campaigns,
    });
    ctx.succeed(tx, result).await
}

/// The days a run without named days rolls up: those that received events since the last
/// run's watermark (less the margin; every day on the first run), and those not final yet.
/// Returns them with the new watermark, the time of this read.
async fn open_days(ctx: &JobContext) -> Result<(Vec<NaiveDate>, DateTime<Utc>), JobError> {
    let mut tx = ctx.begin().await?;
    let (seen_until, now): (Option<DateTime<Utc>>, DateTime<Utc>) = sqlx::query_as(
        "select (select events_seen_until from event_aggregation_watermarks
                  where organization_id = $1), now()",
    )
    .bind(ctx.org())
    .fetch_one(&mut **tx)
    .await?;
    // The first run reads every event (none predates 1970). One comparison, not `$2 is null
    // or …`, which would keep the planner from the BRIN index on every later run.
    let since = seen_until.map_or(DateTime::<Utc>::UNIX_EPOCH, |t| t - WATERMARK_MARGIN);
    let days: Vec<NaiveDate> = sqlx::query_scalar(
        "select distinct (e.occurred_at at time zone 'UTC')::date from events e
          where e.organization_id = $1 and e.created_at >= $2
         union
         select day from event_aggregation_days
          where organization_id = $1 and finalized_at is null",
    )
    .bind(ctx.org())
    .bind(since)
    .fetch_all(&mut **tx)
    .await?;
    tx.commit().await?;
    Ok((distinct_sorted(days), now))
}

/// Rolls up one day in its own transaction, serialized with any other run of the same
/// organization and day. Returns the campaigns it touched and how many of their days it
/// finalized.
async fn roll_up_day(ctx: &JobContext, day: DayRange) -> Result<(Vec<Uuid>, i64), JobError> {
    let mut tx = ctx.begin().await?;
    lock(&mut tx, &format!("{}:{}", ctx.org().0, day.day)).await?;
    // Late events first: days this statement finalizes have none and are not read twice.
    let late = day_statement(&mut tx, LATE_EVENTS, day).await?;
    let computed = day_statement(&mut tx, DAY_ROLLUP, day).await?;
    tx.commit().await?;
    let finalized = computed.iter().filter(|(_, final_now)| *final_now).count() as i64;
    let touched = computed
        .into_iter()
        .chain(late)
        .map(|(campaign, _)| campaign)
        .collect();
    Ok((touched, finalized))
}

/// Runs one of the day statements ([`DAY_ROLLUP`], [`LATE_EVENTS`]): both take the
/// organization, the day and its bounds, and return (campaign, whether its day became final).
async fn day_statement(
    tx: &mut TenantTx,
    sql: &'static str,
    day: DayRange,
) -> Result<Vec<(Uuid, bool)>, sqlx::Error> {
    sqlx::query_as(sql)
        .bind(tx.org())
        .bind(day.day)
        .bind(day.start)
        .bind(day.end)
        .fetch_all(&mut ***tx)
        .await
}

/// Rolls up the totals of `campaigns` (sorted) in one transaction, holding each campaign's
/// lock; returns how many became final.
async fn roll_up_campaigns(ctx: &JobContext, campaigns: &[Uuid]) -> Result<i64, JobError> {
    if campaigns.is_empty() {
        return Ok(0);
    }
    let mut tx = ctx.begin().await?;
    // In sorted order, so two runs locking overlapping sets cannot deadlock.
    for campaign in campaigns {
        lock(&mut tx, &format!("{}:{campaign}", ctx.org().0)).await?;
    }
    // Late events first: totals this run finalizes have none and are not read twice.
    sqlx::query(CAMPAIGN_LATE_EVENTS)
        .bind(ctx.org())
        .bind(campaigns)
        .execute(&mut **tx)
        .await?;
    let computed: Vec<(Uuid, bool)> = sqlx::query_as(CAMPAIGN_TOTALS)
        .bind(ctx.org())
        .bind(campaigns)
        .fetch_all(&mut **tx)
        .await?;
    tx.commit().await?;
    Ok(computed.iter().filter(|(_, final_now)| *final_now).count() as i64)
}

/// Takes the transaction-scoped advisory lock of `key` in the rollup's lock space.
async fn lock(tx: &mut TenantTx, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("select pg_advisory_xact_lock($1, hashtext($2))")
        .bind(LOCK_SPACE)
        .bind(key)
        .execute(&mut ***tx)
        .await
        .map(drop)
}
