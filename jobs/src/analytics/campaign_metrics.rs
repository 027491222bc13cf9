//! One campaign's figures per UTC day of a range, and over its whole life.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::campaigns_table::{Totals, campaign_totals};
use super::figures::{Figures, RollupRow};
use super::range::DateRange;
use crate::ids::CampaignId;
use crate::tenancy::TenantTx;

/// The campaign's days in the range: final days from the rollup, the others live from the
/// events. Binds: `$1` organization, `$2` campaign, `$3`/`$4` first and last day, `$5`/`$6`
/// the same as `occurred_at` bounds.
const DAY_ROWS: &str = "
select r.day, true, r.event_type, r.subtype, r.count, r.unique_contacts, r.late_events
  from event_aggregations r
 where r.organization_id = $1 and r.campaign_id = $2 and r.day between $3 and $4 and r.is_final
union all
select (e.occurred_at at time zone 'UTC')::date, false, e.event_type,
       event_subtype(e.event_type, e.event_data), count(*), count(distinct e.contact_id), 0
  from events e
 where e.organization_id = $1 and e.campaign_id = $2 and e.occurred_at >= $5 and e.occurred_at < $6
   and not exists (select 1 from event_aggregation_days d
                    where d.organization_id = $1 and d.campaign_id = $2
                      and d.day = (e.occurred_at at time zone 'UTC')::date
                      and d.finalized_at is not null)
 group by 1, 2, 3, 4";

/// One day's figures, and whether they come from a final rollup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayFigures {
    pub day: NaiveDate,
    pub is_final: bool,
    pub figures: Figures,
}

/// A campaign's days (those with events or leads, oldest first) and its whole-life totals.
#[derive(Clone, Debug)]
pub struct CampaignMetrics {
    pub days: Vec<DayFigures>,
    pub totals: Totals,
}

/// Reads a campaign's metrics; the caller checked the campaign exists.
pub async fn campaign_metrics(
    tx: &mut TenantTx,
    campaign: CampaignId,
    range: DateRange,
) -> Result<CampaignMetrics, sqlx::Error> {
    let org = tx.org();
    let (from, to) = range.bounds();
    type Row = (NaiveDate, bool, String, String, i64, i64, i64);
    let rows: Vec<Row> = sqlx::query_as(DAY_ROWS)
        .bind(org)
        .bind(campaign)
        .bind(range.from)
        .bind(range.to)
        .bind(from)
        .bind(to)
        .fetch_all(&mut ***tx)
        .await?;
    let leads: Vec<(NaiveDate, i64)> = sqlx::query_as(
        "select (created_at at time zone 'UTC')::date, count(*) from leads
          where organization_id = $1 and campaign_id = $2 and deleted_at is null
            and created_at >= $3 and created_at < $4
          group by 1",
    )
    .bind(org)
    .bind(campaign)
    .bind(from)
    .bind(to)
    .fetch_all(&mut ***tx)
    .await?;

    let mut days: BTreeMap<NaiveDate, (bool, Vec<RollupRow>, i64)> = BTreeMap::new();
    for (day, is_final, event_type, subtype, count, unique_contacts, late_events) in rows {
        let entry = days.entry(day).or_default();
        entry.0 = is_final;
        entry.1.push(RollupRow {
            event_type,
            subtype,
            count,
            unique_contacts,
            late_events,
        });
    }
    for (day, n) in leads {
        days.entry(day).or_default().2 = n;
    }
    let days = days
        .into_iter()
        .map(|(day, (is_final, rows, leads))| DayFigures {
            day,
            is_final,
            figures: Figures::from_rows(&rows, leads),
        })
        .collect();
    let totals = campaign_totals(tx, &[campaign.0])
        .await?
        .remove(&campaign.0)
        .unwrap_or_default();
    Ok(CampaignMetrics { days, totals })
}
