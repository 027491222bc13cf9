//! Campaign totals over each campaign's whole life (final rollups, or live while not final),
//! for one campaign's metrics and for the dashboard's table of campaigns.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::figures::{Figures, RollupRow};
use super::range::DateRange;
use crate::campaigns::CampaignStatus;
use crate::tenancy::TenantTx;

/// Final totals where the rollup has them, live counts of the events for the rest.
/// Binds: `$1` organization, `$2` campaign ids.
const TOTAL_ROWS: &str = "
select t.campaign_id, t.event_type, t.subtype, t.count, t.unique_contacts, t.late_events, true
  from campaign_event_totals t
 where t.organization_id = $1 and t.campaign_id = any($2) and t.is_final
union all
select e.campaign_id, e.event_type, event_subtype(e.event_type, e.event_data), count(*),
       count(distinct e.contact_id), 0, false
  from events e
 where e.organization_id = $1 and e.campaign_id = any($2)
   and not exists (select 1 from campaign_event_totals t
                    where t.organization_id = $1 and t.campaign_id = e.campaign_id and t.is_final)
 group by 1, 2, 3";

/// A campaign's totals and whether they are final (read from the rollup).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub figures: Figures,
    pub is_final: bool,
}

/// The totals of each of `campaigns` (a campaign without events has zero figures).
pub async fn campaign_totals(
    tx: &mut TenantTx,
    campaigns: &[Uuid],
) -> Result<HashMap<Uuid, Totals>, sqlx::Error> {
    let org = tx.org();
    let rows: Vec<(Uuid, String, String, i64, i64, i64, bool)> = sqlx::query_as(TOTAL_ROWS)
        .bind(org)
        .bind(campaigns)
        .fetch_all(&mut ***tx)
        .await?;
    let leads: HashMap<Uuid, i64> = sqlx::query_as(
        "select campaign_id, count(*) from leads
          where organization_id = $1 and campaign_id = any($2) and deleted_at is null
          group by 1",
    )
    .bind(org)
    .bind(campaigns)
    .fetch_all(&mut ***tx)
    .await?
    .into_iter()
    .collect();
    let mut cells: HashMap<Uuid, (Vec<RollupRow>, bool)> = HashMap::new();
    for (campaign, event_type, subtype, count, unique_contacts, late_events, is_final) in rows {
        let entry = cells.entry(campaign).or_default();
        entry.0.push(RollupRow {
            event_type,
            subtype,
            count,
            unique_contacts,
            late_events,
        });
        entry.1 = is_final;
    }
    Ok(campaigns
        .iter()
        .map(|id| {
            let (rows, is_final) = cells.remove(id).unwrap_or_default();
            let leads = leads.get(id).copied().unwrap_or(0);
            let figures = Figures::from_rows(&rows, leads);
            (*id, Totals { figures, is_final })
        })
        .collect())
}

/// One row of the dashboard's campaign table.
#[derive(Clone, Debug)]
pub struct CampaignRow {
    pub id: Uuid,
    pub name: String,
    pub status: CampaignStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub totals: Totals,
}

/// The organization's campaigns that started (or, never launched, were created) within
/// `range`, optionally of one status, newest first, with their totals.
pub async fn campaigns_table(
    tx: &mut TenantTx,
    range: DateRange,
    status: Option<CampaignStatus>,
) -> Result<Vec<CampaignRow>, sqlx::Error> {
    let (from, to) = range.bounds();
    type Row = (
        Uuid,
        String,
        CampaignStatus,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
    );
    let campaigns: Vec<Row> = sqlx::query_as(
        "select id, name, status, started_at, created_at from campaigns
          where organization_id = $1 and deleted_at is null
            and coalesce(started_at, created_at) >= $2 and coalesce(started_at, created_at) < $3
            and ($4::text is null or status = $4)
          order by coalesce(started_at, created_at) desc, id desc",
    )
    .bind(tx.org())
    .bind(from)
    .bind(to)
    .bind(status)
    .fetch_all(&mut ***tx)
    .await?;
    let ids: Vec<Uuid> = campaigns.iter().map(|c| c.0).collect();
    let mut totals = campaign_totals(tx, &ids).await?;
    Ok(campaigns
        .into_iter()
        .map(|(id, name, status, started_at, created_at)| CampaignRow {
            totals: totals.remove(&id).unwrap_or_default(),
            id,
            name,
            status,
            started_at,
            created_at,
        })
        .collect())
}
