//! A campaign's figures split by each recipient's validation status when the launch assigned
//! it (valid or risky; `unknown` for assignments made before the status was recorded).
//! Computed live from the events: the rollups have no segment dimension.

use std::collections::BTreeMap;

use super::figures::{Figures, RollupRow};
use crate::ids::CampaignId;
use crate::tenancy::TenantTx;

/// Binds: `$1` organization, `$2` campaign.
const SEGMENT_ROWS: &str = "
select coalesce(a.validation_status, 'unknown'), e.event_type,
       event_subtype(e.event_type, e.event_data), count(*), count(distinct e.contact_id)
  from events e
  join campaign_contact_assignments a
    on a.organization_id = e.organization_id and a.campaign_id = e.campaign_id
   and a.contact_id = e.contact_id
 where e.organization_id = $1 and e.campaign_id = $2
 group by 1, 2, 3";

/// Recipients and leads per segment. Binds as [`SEGMENT_ROWS`].
const SEGMENT_COUNTS: &str = "
select coalesce(a.validation_status, 'unknown'), count(*),
       count(l.id)
  from campaign_contact_assignments a
  left join lateral (select l.id from leads l
                      where l.organization_id = a.organization_id and l.campaign_id = a.campaign_id
                        and l.contact_id = a.contact_id and l.deleted_at is null
                      limit 1) l on true
 where a.organization_id = $1 and a.campaign_id = $2
 group by 1";

/// One segment's recipients and figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub segment: String,
    pub recipients: i64,
    pub figures: Figures,
}

/// The campaign's segments, by name; the caller checked the campaign exists.
pub async fn campaign_segments(
    tx: &mut TenantTx,
    campaign: CampaignId,
) -> Result<Vec<Segment>, sqlx::Error> {
    let org = tx.org();
    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(SEGMENT_ROWS)
        .bind(org)
        .bind(campaign)
        .fetch_all(&mut ***tx)
        .await?;
    let counts: Vec<(String, i64, i64)> = sqlx::query_as(SEGMENT_COUNTS)
        .bind(org)
        .bind(campaign)
        .fetch_all(&mut ***tx)
        .await?;
    let mut cells: BTreeMap<String, Vec<RollupRow>> = BTreeMap::new();
    for (segment, event_type, subtype, count, unique_contacts) in rows {
        cells.entry(segment).or_default().push(RollupRow {
            event_type,
            subtype,
            count,
            unique_contacts,
            late_events: 0,
        });
    }
    Ok(counts
        .into_iter()
        .map(|(segment, recipients, leads)| {
            let rows = cells.remove(&segment).unwrap_or_default();
            Segment {
                figures: Figures::from_rows(&rows, leads),
                segment,
                recipients,
            }
        })
        .collect())
}
