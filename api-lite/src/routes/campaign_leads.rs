//! `GET /v1/campaigns/{id}/leads`: the leads a campaign produced, each with its form
//! response, filtered by status and by form fields ([`super::lead_filters`]); the CSV export
//! of the same rows is in [`super::lead_export`].

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use reachly_jobs::TenantTx;
use serde_json::Value;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::campaigns::require_campaign;
use super::form_fields::FieldType;
use super::input::path_id;
use super::lead_export;
use super::lead_filters::{LeadFilter, LeadQuery};
use super::paging::page;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/campaigns/{id}/leads", get(index))
        .route(
            "/v1/campaigns/{id}/leads/export.csv",
            get(lead_export::export),
        )
}

async fn index(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    member.require("lead.read")?;
    let id = path_id(&id, "campaign")?;
    let query = LeadQuery::parse(pairs)?;
    let mut tx = state.db.tenant(member.org).await?;
    let campaign = CampaignForm::load(&mut tx, id).await?;
    let filter = query.filter(&campaign.fields)?;
    let rows = fetch_leads(&mut tx, id, &filter, query.cursor, query.limit + 1).await?;
    tx.commit().await?;
    Ok(page(rows, query.limit, Uuid::to_string))
}

/// A campaign as its lead reads need it: its name and the key and type of each field of its
/// form, in position order (none when the campaign has no form).
pub struct CampaignForm {
    pub name: String,
    pub fields: Vec<(String, FieldType)>,
}

impl CampaignForm {
    /// Campaign `id` of the transaction's organization; 404 if there is none.
    pub async fn load(tx: &mut TenantTx, id: Uuid) -> Result<CampaignForm, ApiError> {
        let name = require_campaign(tx, id).await?;
        let rows: Vec<(String, String)> = sqlx::query_as(
            "select ff.key, ff.field_type
               from campaigns c
               join form_fields ff
                 on ff.organization_id = c.organization_id and ff.form_id = c.form_id
              where c.organization_id = $1 and c.id = $2
              order by ff.position, ff.key",
        )
        .bind(tx.org())
        .bind(id)
        .fetch_all(&mut ***tx)
        .await?;
        let fields = rows
            .into_iter()
            .map(|(key, t)| {
                let t = FieldType::parse(&t).ok_or_else(|| {
                    ApiError::Internal(anyhow::anyhow!("form field {key:?} has type {t:?}"))
                })?;
                Ok((key, t))
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(CampaignForm { name, fields })
    }
}

/// Up to `limit` leads of `campaign` matching `filter`, after lead `after`, in id order, as
/// (id, the lead as JSON with its latest form `response`).
pub async fn fetch_leads(
    tx: &mut TenantTx,
    campaign: Uuid,
    filter: &LeadFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<(Uuid, Value)>, sqlx::Error> {
    // Only the conditions asked for are in the statement; the field filter is an `in`
    // subquery (a semi-join the planner can feed from the GIN index on response_data).
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
    sql.push_bind(tx.org())
        .push(" and l.campaign_id = ")
        .push_bind(campaign)
        .push(" and l.deleted_at is null");
    if let Some(status) = &filter.status {
        sql.push(" and l.status = ").push_bind(status.clone());
    }
    if let Some(response) = &filter.response {
        sql.push(" and l.id in (select f.lead_id from form_responses f where f.organization_id = ")
            .push_bind(tx.org())
            .push(" and f.response_data @> ")
            .push_bind(response.clone())
            .push(")");
    }
    if let Some(after) = after {
        sql.push(" and l.id > ").push_bind(after);
    }
    sql.push(" order by l.id limit ").push_bind(limit);
    sql.build_query_as().fetch_all(&mut ***tx).await
}
