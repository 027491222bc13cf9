//! `/v1/campaigns`: create a campaign (a draft) and read campaigns with their send progress.
//! Launching and cancelling live with the send job; events and leads have their own files.

use axum::Router;
use reachly_jobs::audit::SubjectType;
use reachly_jobs::campaigns::CampaignStatus;
use reachly_jobs::{CampaignId, ListId, Permission, TenantTx};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::{Postgres, QueryBuilder};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::creates::{NewResource, create};
use super::input::{bounded, limits, optional, required};
use super::paging::PageParams;
use super::reads::{Filter, Resource};
use crate::auth::Member;
use crate::error::ApiError;
use crate::openapi::errors::{BodyRefused, Refused, RefusedOrNotFound};
use crate::shapes::campaigns::Campaign;
use crate::shapes::common::{IdPath, Page};
use crate::shapes::words;
use crate::state::AppState;

/// The campaigns' routes, with those of their launch, events, leads and metrics.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/campaigns",
            CAMPAIGNS
                .index_by::<StatusFilter>()
                .post(create::<NewCampaign>),
        )
        .route("/v1/campaigns/{id}", CAMPAIGNS.show::<CampaignId>())
        .merge(super::campaign_launch::routes())
        .merge(super::campaign_events::routes())
        .merge(super::campaign_leads::routes())
        .merge(super::campaign_metrics::routes())
}

/// A campaign as every campaign endpoint returns it (`c` is the `campaigns` row): its
/// progress and its launch job (read through `launch_job_id`, `null` before launch).
const CAMPAIGN_JSON: &str = "jsonb_build_object('id', c.id, 'name', c.name, 'subject', c.subject,
        'from', jsonb_build_object('name', c.from_name, 'email', c.from_email),
        'list_id', c.list_id, 'template_id', c.template_id, 'form_id', c.form_id,
        'status', c.status, 'failure_reason', c.failure_reason,
        'include_risky', c.include_risky,
        'scheduled_at', c.scheduled_at, 'started_at', c.started_at,
        'completed_at', c.completed_at, 'created_at', c.created_at, 'updated_at', c.updated_at,
        'recipients', c.recipient_count,
        'batches', jsonb_build_object('total', c.batches_total, 'done', c.batches_done),
        'counts', c.counts,
        'launch_job', (
            select jsonb_build_object('id', j.id, 'status', j.status,
                       'progress_done', j.progress_done, 'progress_total', j.progress_total,
                       'last_error', j.last_error)
              from job_runs j
             where j.organization_id = c.organization_id and j.id = c.launch_job_id))";

/// Campaigns as the reads show them (deleted ones are gone).
static CAMPAIGNS: Resource = Resource::new("campaign", "campaigns c", CAMPAIGN_JSON)
    .read_by(Permission::CampaignRead)
    .visible("and c.deleted_at is null");

/// A new campaign as clients send it; it starts as a `draft`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    /// At most 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// At most 998 characters.
    #[schema(min_length = 1, max_length = 998)]
    subject: String,
    /// At most 200 characters.
    #[schema(max_length = 200)]
    from_name: Option<String>,
    /// An email address.
    #[schema(format = Email, max_length = 254)]
    from_email: String,
    /// A contact list of the organization.
    #[schema(value_type = Uuid)]
    list_id: ListId,
    /// An email template of the organization.
    template_id: Uuid,
    /// A form of the organization.
    form_id: Option<Uuid>,
}

/// `?status=` of the listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StatusFilter {
    #[param(value_type = Option<words::CampaignStatus>)]
    status: Option<CampaignStatus>,
}

/// The organization's campaigns
///
/// Newest first, with their progress (`campaign.read`).
#[utoipa::path(get, path = "/v1/campaigns", tag = "campaigns", params(PageParams, StatusFilter),
    responses((status = 200, description = "A page of campaigns", body = Page<Campaign>), Refused))]
#[allow(dead_code)]
fn index_doc() {}

/// A campaign
///
/// Status, recipients, batches done and total, counts, the launch job's progress
/// (`campaign.read`).
#[utoipa::path(get, path = "/v1/campaigns/{id}", tag = "campaigns", params(IdPath),
    responses((status = 200, description = "The campaign", body = Campaign), RefusedOrNotFound))]
#[allow(dead_code)]
fn show_doc() {}

/// Create a campaign
///
/// A draft on a list, template and form of this organization (`campaign.send`).
#[utoipa::path(post, path = "/v1/campaigns", tag = "campaigns", request_body = NewCampaign,
    responses(
        (status = 201, description = "Created", body = Campaign,
            headers(("Location" = String, description = "Where the campaign is"))),
        Refused, BodyRefused))]
#[allow(dead_code)]
fn create_doc() {}

impl Filter for StatusFilter {
    fn push(self, sql: &mut QueryBuilder<Postgres>) {
        if let Some(status) = self.status {
            sql.push(" and c.status = ").push_bind(status);
        }
    }
}

/// A campaign's list, template and form must be the organization's; it starts as a draft.
impl NewResource for NewCampaign {
    const WRITE: Permission = Permission::CampaignSend;
    const PATH: &'static str = "/v1/campaigns";
    const SUBJECT: SubjectType = SubjectType::Campaign;
    const CREATED: &'static str = "campaign.created";

    /// The list, template and form the campaign was made of.
    fn audit_details(campaign: &Value) -> Value {
        json!({
            "list_id": campaign["list_id"],
            "template_id": campaign["template_id"],
            "form_id": campaign["form_id"],
        })
    }

    async fn insert(self, tx: &mut TenantTx, member: &Member) -> Result<(Uuid, Value), ApiError> {
        let name = required("name", &self.name, limits::NAME)?;
        let subject = required("subject", &self.subject, limits::SUBJECT)?;
        let from_name = optional("from_name", self.from_name, limits::NAME)?;
        bounded("from_email", &self.from_email, limits::EMAIL)?;
        let from_email = reachly_jobs::validate::parse(&self.from_email)
            .map_err(|e| ApiError::Unprocessable(format!("from_email: {e}")))?
            .to_string();
        // Another organization's id is invisible here (RLS), so it reads as missing.
        let (list, template, form): (bool, bool, bool) = sqlx::query_as(
            "select exists(select 1 from contact_lists
                        where organization_id = $1 and id = $2 and deleted_at is null),
                exists(select 1 from email_templates where organization_id = $1 and id = $3),
                $4::uuid is null
                    or exists(select 1 from forms where organization_id = $1 and id = $4)",
        )
        .bind(member.org)
        .bind(self.list_id)
        .bind(self.template_id)
        .bind(self.form_id)
        .fetch_one(&mut ***tx)
        .await?;
        let missing = [
            (list, "list_id", "contact list"),
            (template, "template_id", "email template"),
            (form, "form_id", "form"),
        ];
        if let Some((_, field, what)) = missing.iter().find(|(found, _, _)| !found) {
            return Err(ApiError::Unprocessable(format!(
                "{field}: no {what} with this id in this organization"
            )));
        }
        let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "with c as (
             insert into campaigns (organization_id, name, subject, from_name, from_email,
                                    list_id, template_id, form_id, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             returning *)
         select c.id, {CAMPAIGN_JSON} from c"
        )))
        .bind(member.org)
        .bind(&name)
        .bind(&subject)
        .bind(from_name)
        .bind(&from_email)
        .bind(self.list_id)
        .bind(self.template_id)
        .bind(self.form_id)
        .bind(member.user)
        .fetch_one(&mut ***tx)
        .await?;
        Ok(row)
    }
}

/// The name of campaign `id` in the transaction's organization, or a 404 if it does not
/// exist (or is deleted): the first step of every read below a campaign.
pub async fn require_campaign(
    tx: &mut reachly_jobs::TenantTx,
    id: CampaignId,
) -> Result<String, ApiError> {
    let name: Option<String> = sqlx::query_scalar(
        "select name from campaigns where organization_id = $1 and id = $2 and deleted_at is null",
    )
    .bind(tx.org())
    .bind(id)
    .fetch_optional(&mut ***tx)
    .await?;
    name.ok_or(ApiError::NotFound("campaign"))
}
