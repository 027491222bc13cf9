//! `/v1/email-templates`: create, list and read the email templates campaigns send.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::input::{self, created, limits, optional, required};
use super::reads::{index_page, show_one};
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/email-templates", get(index).post(create))
        .route("/v1/email-templates/{id}", get(show))
}

/// Columns of a template as `show` and `create` return it (`index` leaves out the bodies).
const TEMPLATE_COLUMNS: &str = "id, name, subject, html_body, text_body, created_at, updated_at";

/// A new template as clients send it; bodies are stored exactly as sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTemplate {
    name: String,
    subject: Option<String>,
    html_body: Option<String>,
    text_body: Option<String>,
}

/// `?cursor=&limit=`, newest first.
#[derive(Debug, Deserialize)]
struct IndexQuery {
    cursor: Option<String>,
    limit: Option<i64>,
}

async fn create(
    State(state): State<AppState>,
    member: Member,
    ApiJson(body): ApiJson<NewTemplate>,
) -> Result<Response, ApiError> {
    member.require("campaign.send")?;
    let name = required("name", &body.name, limits::NAME)?;
    let subject = optional("subject", body.subject, limits::SUBJECT)?;
    let html_body = input::body("html_body", body.html_body)?;
    let text_body = input::body("text_body", body.text_body)?;
    let mut tx = state.db.tenant(member.org).await?;
    let (id, template): (Uuid, Value) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
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
    .fetch_one(&mut **tx)
    .await?;
    tx.commit().await?;
    Ok(created(format!("/v1/email-templates/{id}"), template))
}

async fn index(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(query): ApiQuery<IndexQuery>,
) -> Result<Json<Value>, ApiError> {
    index_page(
        &state,
        &member,
        "campaign.read",
        "select id, jsonb_build_object('id', id, 'name', name, 'subject', subject,
                    'created_at', created_at, 'updated_at', updated_at)
           from email_templates
          where organization_id = $1 and id < $2 and $4::text is null
          order by id desc limit $3"
            .to_owned(),
        query.cursor.as_deref(),
        query.limit,
        None,
    )
    .await
}

async fn show(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    show_one(
        &state,
        &member,
        "campaign.read",
        "email template",
        &id,
        format!(
            "select to_jsonb(t) from (select {TEMPLATE_COLUMNS} from email_templates
                                   where organization_id = $1 and id = $2) t"
        ),
    )
    .await
}
