//! Masking `events`, the largest table, with no index on its insert path: each campaign's
//! events are walked per event type through the dashboard index `(organization_id,
//! campaign_id, event_type, occurred_at)`, in keyset batches, from the organization's
//! watermark. Events before `events_masked_until` were masked by an earlier run; a campaign
//! written to since `campaigns_seen_until` (a launch whose timeline starts in the past writes
//! old events) is walked from its beginning.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::queue::{JobContext, JobError};
use crate::simulate::EventType;

/// Rows read per batch (each batch its own transaction).
const BATCH: i64 = 5_000;

/// Campaigns touched by a transaction still open when the last run read the campaigns may
/// carry an older `updated_at`: the next run looks back this much further.
const SEEN_MARGIN: Duration = Duration::hours(1);

/// One keyset batch of one campaign's events of one type: `$1` organization, `$2` campaign,
/// `$3` event type, `$4` the walk's lower bound of `occurred_at`, `$5` the cutoff, `$6`/`$7`
/// the last (occurred_at, id) read, `$8` the batch size. Masks the unmasked addresses among
/// them; returns the rows read, the rows masked and the last (occurred_at, id) read.
pub const MASK_EVENTS_BATCH: &str = "
with batch as (
    select organization_id, id, occurred_at, ip_address from events
     where organization_id = $1 and campaign_id = $2 and event_type = $3
       and occurred_at >= greatest($4::timestamptz, $6::timestamptz) and occurred_at < $5
       and (occurred_at, id) > ($6::timestamptz, $7::uuid)
     order by occurred_at, id
     limit $8),
masked as (
    update events e set ip_address = mask_ip(e.ip_address)
      from batch b
     where e.organization_id = b.organization_id and e.id = b.id
       and e.occurred_at = b.occurred_at
       and b.ip_address is not null and b.ip_address <> mask_ip(b.ip_address)
    returning 1),
last as (select occurred_at, id from batch order by occurred_at desc, id desc limit 1)
select (select count(*) from batch), (select count(*) from masked),
       (select occurred_at from last), (select id from last)";

/// Where the organization's last run left off.
#[derive(Clone, Copy, Debug)]
pub(super) struct Watermark {
    pub masked_until: Option<DateTime<Utc>>,
    pub seen_until: Option<DateTime<Utc>>,
}

/// Reads the watermark and the database's clock (the next run's `campaigns_seen_until`).
pub(super) async fn watermark(ctx: &JobContext) -> Result<(Watermark, DateTime<Utc>), JobError> {
    let mut tx = ctx.begin().await?;
    let (masked_until, seen_until, now): (
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
    ) = sqlx::query_as(
        "select w.events_masked_until, w.campaigns_seen_until, now()
               from (select 1) one
               left join ip_anonymization_watermarks w on w.organization_id = $1",
    )
    .bind(ctx.org())
    .fetch_one(&mut **tx)
    .await?;
    tx.commit().await?;
    Ok((
        Watermark {
            masked_until,
            seen_until,
        },
        now,
    ))
}

/// Masks every event address of the organization older than `cutoff` that `mark` does not
/// already cover; returns how many it masked.
pub(super) async fn mask(
    ctx: &JobContext,
    cutoff: DateTime<Utc>,
    mark: Watermark,
) -> Result<i64, JobError> {
    let mut tx = ctx.begin().await?;
    // Each campaign with the `occurred_at` its walk starts from.
    let walks: Vec<(Uuid, DateTime<Utc>)> = sqlx::query_as(
        "select id, case when $2::timestamptz is null or $3::timestamptz is null
                          or updated_at >= $3 then '1970-01-01 00:00:00+00'::timestamptz
                     else $2 end
           from campaigns where organization_id = $1 order by id",
    )
    .bind(ctx.org())
    .bind(mark.masked_until)
    .bind(mark.seen_until.map(|t| t - SEEN_MARGIN))
    .fetch_all(&mut **tx)
    .await?;
    tx.commit().await?;
    let mut masked = 0;
    for (campaign, from) in walks {
        for event_type in EventType::ALL {
            masked += walk(ctx, campaign, event_type, from, cutoff).await?;
        }
    }
    Ok(masked)
}

/// Walks one campaign's events of one type in `[from, cutoff)`, batch by batch.
async fn walk(
    ctx: &JobContext,
    campaign: Uuid,
    event_type: EventType,
    from: DateTime<Utc>,
    cutoff: DateTime<Utc>,
) -> Result<i64, JobError> {
    let mut after: (DateTime<Utc>, Uuid) = (from, Uuid::nil());
    let mut masked = 0;
    loop {
        let mut tx = ctx.begin().await?;
        let (read, changed, last_at, last_id): (i64, i64, Option<DateTime<Utc>>, Option<Uuid>) =
            sqlx::query_as(MASK_EVENTS_BATCH)
                .bind(ctx.org())
                .bind(campaign)
                .bind(event_type.as_str())
                .bind(from)
                .bind(cutoff)
                .bind(after.0)
                .bind(after.1)
                .bind(BATCH)
                .fetch_one(&mut **tx)
                .await?;
        tx.commit().await?;
        masked += changed;
        match (last_at, last_id) {
            (Some(at), Some(id)) if read == BATCH => after = (at, id),
            _ => return Ok(masked),
        }
    }
}
