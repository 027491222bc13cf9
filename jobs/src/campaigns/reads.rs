//! The pages of a campaign's events and leads (`GET /v1/campaigns/{id}/events`, `/leads` and
//! the streamed `leads.csv`), built here so a test can plan the exact statements the API runs
//! (`tests/tests/batch_plans.rs`). Only the conditions asked for are in a statement, so the
//! planner sees plain equalities and ranges that lead an index.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::lead_status::LeadStatus;
use crate::ids::CampaignId;
use crate::simulate::EventType;
use crate::tenancy::TenantTx;

/// Where a page of events starts: after this event in `(occurred_at, id)` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventPosition {
    pub occurred_at: DateTime<Utc>,
    pub id: Uuid,
}

/// One page of a campaign's events, oldest first, as `(occurred_at, id, event as JSON)`.
/// `(organization_id, campaign_id[, event_type], occurred_at)` leads
/// `events_org_campaign_type_time_idx` / `events_org_campaign_time_idx`, and a cursor prunes
/// the monthly partitions before it.
pub fn events_page(
    org: Uuid,
    campaign: CampaignId,
    event_type: Option<EventType>,
    after: Option<EventPosition>,
    limit: i64,
) -> QueryBuilder<Postgres> {
    let mut sql: QueryBuilder<Postgres> = QueryBuilder::new(
        "select e.occurred_at, e.id,
                jsonb_build_object('id', e.id, 'type', e.event_type, 'contact_id', e.contact_id,
                    'occurred_at', e.occurred_at, 'created_at', e.created_at,
                    'data', e.event_data, 'ip', host(e.ip_address), 'user_agent', e.user_agent)
           from events e
          where e.organization_id = ",
    );
    sql.push_bind(org)
        .push(" and e.campaign_id = ")
        .push_bind(campaign);
    if let Some(t) = event_type {
        sql.push(" and e.event_type = ").push_bind(t.as_str());
    }
    if let Some(after) = after {
        sql.push(" and e.occurred_at >= ")
            .push_bind(after.occurred_at)
            .push(" and (e.occurred_at, e.id) > (")
            .push_bind(after.occurred_at)
            .push(", ")
            .push_bind(after.id)
            .push(")");
    }
    sql.push(" order by e.occurred_at, e.id limit ")
        .push_bind(limit);
    sql
}

/// Which leads a page shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LeadFilter {
    pub status: Option<LeadStatus>,
    /// The object a lead's form response must contain; `None` without field filters.
    pub response: Option<Value>,
}

/// One page of a campaign's leads in id order, as `(id, the lead as JSON with its latest
/// form `response`)`. The field filter is an `in` subquery (a semi-join the planner can feed
/// from the GIN index on response_data); pages walk `leads_org_campaign_id_idx`.
pub fn leads_page(
    org: Uuid,
    campaign: CampaignId,
    filter: &LeadFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryBuilder<Postgres> {
    let mut sql: QueryBuilder<Postgres> = QueryBuilder::new(
        "select l.id, jsonb_build_object('id', l.id, 'status', l.status, 'source', l.source,
                    'email', l.email, 'first_name', l.first_name, 'last_name', l.last_name,
                    'phone', l.phone, 'contact_id', l.contact_id, 'form_id', l.form_id,
                    'created_at', l.created_at, 'response', r.response_data)
           from leads l
           left join lateral (
                select r.response_data from form_responses r
                 where r.organization_id = l.organization_id and r.lead_id = l.id
                 order by r.submitted_at desc, r.id desc limit 1) r on true
          where l.organization_id = ",
    );
    sql.push_bind(org)
        .push(" and l.campaign_id = ")
        .push_bind(campaign)
        .push(" and l.deleted_at is null");
    if let Some(status) = &filter.status {
        sql.push(" and l.status = ").push_bind(*status);
    }
    if let Some(response) = &filter.response {
        sql.push(" and l.id in (select f.lead_id from form_responses f where f.organization_id = ")
            .push_bind(org)
            .push(" and f.response_data @> ")
            .push_bind(response.clone())
            .push(")");
    }
    sql.push(" and l.id > ")
        .push_bind(after.unwrap_or(Uuid::nil()));
    sql.push(" order by l.id limit ").push_bind(limit);
    sql
}

/// Up to `limit` leads of `campaign` matching `filter`, after lead `after` ([`leads_page`]).
pub async fn fetch_leads(
    tx: &mut TenantTx,
    campaign: CampaignId,
    filter: &LeadFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<(Uuid, Value)>, sqlx::Error> {
    leads_page(tx.org().0, campaign, filter, after, limit)
        .build_query_as()
        .fetch_all(&mut ***tx)
        .await
}
