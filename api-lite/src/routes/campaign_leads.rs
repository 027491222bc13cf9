//! `GET /v1/campaigns/{id}/leads`: the leads a campaign produced, each with its form
//! response, filtered by status and by form fields (`reachly_jobs::campaigns::lead_query`); the CSV export
//! of the same rows is in [`super::lead_export`].

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
pub use reachly_jobs::campaigns::reads::fetch_leads;
use reachly_jobs::{CampaignId, Permission, TenantTx};
use serde_json::Value;
use utoipa::IntoParams;

use super::campaigns::require_campaign;
use super::form_fields::FieldType;
use super::lead_export;
use super::paging::{PageParams, PageQuery};
use super::path_id::PathId;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::openapi::errors::{RefusedOrNotFound, Unprocessable};
use crate::shapes::campaigns::Lead;
use crate::shapes::common::{IdPath, Page};
use crate::shapes::words;
use crate::state::AppState;
use reachly_jobs::campaigns::lead_query::LeadQuery;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/campaigns/{id}/leads", get(index))
        .route(
            "/v1/campaigns/{id}/leads/export.csv",
            get(lead_export::export),
        )
}

/// `?status=` of a campaign's leads; the `field.KEY=VALUE` filters are described with the
/// routes (their names are the form's keys).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct LeadParams {
    #[param(value_type = Option<words::LeadStatus>)]
    status: Option<String>,
}

/// A campaign's leads
///
/// Each with its latest form response, in id order (`lead.read`). Besides `status`, any
/// number of `field.KEY=VALUE` parameters filter on the form's answers (`KEY` a field of the
/// campaign's form; a checkbox takes `true`/`false`, a number field a number): an unknown key,
/// a key given twice or a value of the wrong type is a `422`.
#[utoipa::path(get, path = "/v1/campaigns/{id}/leads", tag = "campaigns",
    params(IdPath, PageParams, LeadParams),
    responses((status = 200, description = "A page of leads", body = Page<Lead>), RefusedOrNotFound,
        Unprocessable))]
async fn index(
    State(state): State<AppState>,
    member: Member,
    PathId(campaign): PathId<CampaignId>,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = member.begin(&state, Permission::LeadRead).await?;
    let query = LeadQuery::parse(pairs)?;
    let form = CampaignForm::load(&mut tx, campaign).await?;
    let filter = query.filter(&form.fields)?;
    let rows = fetch_leads(&mut tx, campaign, &filter, page.cursor, page.fetch()).await?;
    tx.commit().await?;
    Ok(page.page(rows))
}

/// A campaign as its lead reads need it: its name and the key and type of each field of its
/// form, in position order (none when the campaign has no form).
pub struct CampaignForm {
    pub name: String,
    pub fields: Vec<(String, FieldType)>,
}

impl CampaignForm {
    /// Campaign `id` of the transaction's organization; 404 if there is none.
    pub async fn load(tx: &mut TenantTx, id: CampaignId) -> Result<CampaignForm, ApiError> {
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
