//! `/v1/email-templates`: create, list and read the email templates campaigns send.

use axum::Router;
use reachly_jobs::audit::SubjectType;
use reachly_jobs::{Permission, TenantTx};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::creates::{NewResource, create};
use super::input::{self, limits, optional, required};
use super::paging::PageParams;
use super::reads::Resource;
use crate::auth::Member;
use crate::error::ApiError;
use crate::openapi::errors::{BodyRefused, Refused, RefusedOrNotFound};
use crate::shapes::common::{IdPath, Page};
use crate::shapes::content::{Template, TemplateSummary};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/email-templates",
            TEMPLATES.index().post(create::<NewTemplate>),
        )
        .route("/v1/email-templates/{id}", TEMPLATES.show::<Uuid>())
}

/// Columns of a template as `show` and `create` return it (`index` leaves out the bodies).
const TEMPLATE_COLUMNS: &str = "id, name, subject, html_body, text_body, created_at, updated_at";

/// Email templates as the reads show them.
static TEMPLATES: Resource = Resource::new(
    "email template",
    "email_templates t",
    "jsonb_build_object('id', t.id, 'name', t.name, 'subject', t.subject,
        'html_body', t.html_body, 'text_body', t.text_body,
        'created_at', t.created_at, 'updated_at', t.updated_at)",
)
.read_by(Permission::CampaignRead)
.summary(
    "jsonb_build_object('id', t.id, 'name', t.name, 'subject', t.subject,
        'created_at', t.created_at, 'updated_at', t.updated_at)",
);

/// A new template as clients send it; bodies are stored exactly as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTemplate {
    /// At most 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// At most 998 characters.
    #[schema(max_length = 998)]
    subject: Option<String>,
    /// At most 1 MiB.
    html_body: Option<String>,
    /// At most 1 MiB.
    text_body: Option<String>,
}

/// The organization's email templates
///
/// Newest first, without their bodies (`campaign.read`).
#[utoipa::path(get, path = "/v1/email-templates", tag = "email templates", params(PageParams),
    responses((status = 200, description = "A page of templates", body = Page<TemplateSummary>),
        Refused))]
#[allow(dead_code)]
fn index_doc() {}

/// An email template
///
/// With its bodies (`campaign.read`).
#[utoipa::path(get, path = "/v1/email-templates/{id}", tag = "email templates", params(IdPath),
    responses((status = 200, description = "The template", body = Template), RefusedOrNotFound))]
#[allow(dead_code)]
fn show_doc() {}

/// Create an email template
///
/// (`campaign.send`)
#[utoipa::path(post, path = "/v1/email-templates", tag = "email templates",
    request_body = NewTemplate,
    responses(
        (status = 201, description = "Created", body = Template,
            headers(("Location" = String, description = "Where the template is"))),
        Refused, BodyRefused))]
#[allow(dead_code)]
fn create_doc() {}

impl NewResource for NewTemplate {
    const WRITE: Permission = Permission::CampaignSend;
    const PATH: &'static str = "/v1/email-templates";

    async fn insert(self, tx: &mut TenantTx, member: &Member) -> Result<(Uuid, Value), ApiError> {
        let name = required("name", &self.name, limits::NAME)?;
        let subject = optional("subject", self.subject, limits::SUBJECT)?;
        let html_body = input::body("html_body", self.html_body)?;
        let text_body = input::body("text_body", self.text_body)?;
        let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "with t as (
             insert into email_templates (organization_id, name, subject, html_body, text_body)
             values ($1, $2, $3, $4, $5)
             returning {TEMPLATE_COLUMNS})
         select id, to_jsonb(t) from t"
        )))
        .bind(member.org)
        .bind(&name)
        .bind(subject)
        .bind(html_body)
        .bind(text_body)
        .fetch_one(&mut ***tx)
        .await?;
        Ok(row)
    }

    // What the audit trail calls the template and its creation.
    const SUBJECT: SubjectType = SubjectType::EmailTemplate;
    const CREATED: &'static str = "email_template.created";
}
