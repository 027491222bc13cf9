//! `/v1/email-templates`: create, list and read the email templates campaigns send.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::input::{created, optional, path_id, required};
use super::paging::{limit, page, uuid_cursor};
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
    let name = required("name", &body.name)?;
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
    .bind(optional(body.subject))
    .bind(body.html_body)
    .bind(body.text_body)
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
    member.require("campaign.read")?;
    let limit = limit(query.limit);
    let mut tx = state.db.tenant(member.org).await?;
    let rows: Vec<(Uuid, Value)> = sqlx::query_as(
        "select id, jsonb_build_object('id', id, 'name', name, 'subject', subject,
                    'created_at', created_at, 'updated_at', updated_at)
           from email_templates
          where organization_id = $1 and ($2::uuid is null or id < $2)
          order by id desc limit $3",
    )
    .bind(member.org)
    .bind(uuid_cursor(query.cursor.as_deref())?)
    .bind(limit + 1)
    .fetch_all(&mut **tx)
    .await?;
    tx.commit().await?;
    Ok(page(rows, limit, Uuid::to_string))
}

async fn show(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    member.require("campaign.read")?;
    let id = path_id(&id, "email template")?;
    let mut tx = state.db.tenant(member.org).await?;
    let template: Option<Value> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "select to_jsonb(t) from (select {TEMPLATE_COLUMNS} from email_templates
                                   where organization_id = $1 and id = $2) t"
    )))
    .bind(member.org)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    tx.commit().await?;
    template
        .map(Json)
        .ok_or(ApiError::NotFound("email template"))
}
