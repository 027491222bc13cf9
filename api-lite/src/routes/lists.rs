//! `/v1/contact-lists`: upload a list (streamed into Postgres, imported by a job), read it,
//! its contacts and its unparseable rows.

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use reachly_jobs::TenantTx;
use reachly_jobs::lists::ImportPayload;
use reachly_jobs::lists::reads::member_contacts_page;
use reachly_jobs::lists::upload::{ChunkWriter, UploadError, create_list};
use reachly_jobs::queue::NewJob;
use reachly_jobs::queue::submit::submit;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::input::{bounded, limits, optional};
use super::paging::{after, limit, page, uuid_cursor};
use super::reads::index_page;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::state::AppState;

pub fn routes(upload_limit: u64) -> Router<AppState> {
    Router::new()
        .route(
            "/v1/contact-lists",
            axum::routing::post(upload)
                .layer(DefaultBodyLimit::max(upload_limit as usize + 64 * 1024))
                .get(index),
        )
        .route("/v1/contact-lists/{id}", get(show))
        .route("/v1/contact-lists/{id}/contacts", get(contacts))
        .route("/v1/contact-lists/{id}/errors", get(errors))
}

fn list_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound("contact list"))
}

const LIST_COLUMNS: &str = "id, name, description, status, failure_reason, source_filename, \
    total_rows, \
    valid_count, risky_count, invalid_count, nonexistent_count, duplicate_count, \
    suppressed_count, unparseable_count, created_at, updated_at";

/// Multipart `file` (required), `name` (required), `description`: the file streams into
/// `list_upload_chunks` as it arrives, and the list, its bytes and its `import` job commit
/// together.
async fn upload(
    State(state): State<AppState>,
    member: Member,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    member.require("list.import")?;
    let mut tx = state.db.tenant(member.org).await?;
    let list = create_list(&mut tx, "", None, Some(member.user)).await?;
    let (mut name, mut description, mut filename, mut size) = (None, None, None, None);
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("name") => name = Some(field.text().await.map_err(multipart_error)?),
            Some("description") => description = Some(field.text().await.map_err(multipart_error)?),
            Some("file") => {
                if size.is_some() {
                    return Err(ApiError::Unprocessable(
                        "an upload carries one `file` part".into(),
                    ));
                }
                filename = field.file_name().map(str::to_owned);
                let mut writer = ChunkWriter::new(list, state.upload_limit);
                while let Some(bytes) = field.chunk().await.map_err(multipart_error)? {
                    writer.write(&mut tx, &bytes).await.map_err(upload_error)?;
                }
                size = Some(writer.finish(&mut tx).await.map_err(upload_error)?);
            }
            _ => {}
        }
    }
    let name = name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::Unprocessable("a non-empty `name` field is required".into()))?;
    bounded("name", &name, limits::NAME)?;
    let description = optional("description", description, limits::DESCRIPTION)?;
    let filename = optional("file name", filename, limits::NAME)?;
    let size = size.ok_or_else(|| ApiError::Unprocessable("a `file` field is required".into()))?;
    sqlx::query(
        "update contact_lists set name = $3, description = $4, source_filename = $5
          where organization_id = $1 and id = $2",
    )
    .bind(member.org)
    .bind(list)
    .bind(&name)
    .bind(&description)
    .bind(&filename)
    .execute(&mut **tx)
    .await?;
    let job = NewJob::from(&ImportPayload { list_id: list });
    let job = submit(&mut tx, Some(member.user), &[job])
        .await?
        .remove(0)
        .job;
    tx.commit().await?;
    let body = json!({
        "list": { "id": list, "name": name, "status": "pending", "bytes": size,
                  "links": { "self": format!("/v1/contact-lists/{list}") } },
        "job": { "id": job.id, "status": job.status, "links": { "self": format!("/v1/jobs/{}", job.id) } },
    });
    let location = HeaderValue::from_str(&format!("/v1/contact-lists/{list}")).expect("ascii");
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response())
}

/// 404 unless `list` is one of the organization's lists (not deleted): an unknown list has no
/// contacts page, rather than an empty one.
async fn require_list(tx: &mut TenantTx, list: Uuid) -> Result<(), ApiError> {
    let found: bool = sqlx::query_scalar(
        "select exists(select 1 from contact_lists
                        where organization_id = $1 and id = $2 and deleted_at is null)",
    )
    .bind(tx.org())
    .bind(list)
    .fetch_one(&mut ***tx)
    .await?;
    if found {
        Ok(())
    } else {
        Err(ApiError::NotFound("contact list"))
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
    }
}

fn upload_error(e: UploadError) -> ApiError {
    match e {
        UploadError::TooLarge(_) => ApiError::PayloadTooLarge,
        UploadError::Database(e) => e.into(),
    }
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    cursor: Option<String>,
    limit: Option<i64>,
    validation_status: Option<String>,
}

async fn index(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    index_page(
        &state,
        &member,
        "list.read",
        format!(
            "select id, to_jsonb(l) from (select {LIST_COLUMNS} from contact_lists
              where organization_id = $1 and deleted_at is null and id < $2
                and $4::text is null
              order by id desc limit $3) l"
        ),
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
    member.require("list.read")?;
    let id = list_id(&id)?;
    let mut tx = state.db.tenant(member.org).await?;
    let list: Option<Value> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "select to_jsonb(l) || jsonb_build_object('import_job', (
                    select jsonb_build_object('id', j.id, 'status', j.status,
                        'progress_done', j.progress_done, 'progress_total', j.progress_total)
                      from job_runs j
                     where j.organization_id = $1 and j.kind = 'import'
                       and j.payload->>'list_id' = $2::text
                     order by j.id desc limit 1))
           from (select {LIST_COLUMNS} from contact_lists
                  where organization_id = $1 and id = $2 and deleted_at is null) l"
    )))
    .bind(member.org)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    tx.commit().await?;
    list.map(Json).ok_or(ApiError::NotFound("contact list"))
}

async fn contacts(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    member.require("list.read")?;
    let id = list_id(&id)?;
    if let Some(s) = query.validation_status.as_deref()
        && !["pending", "valid", "risky", "invalid", "nonexistent"].contains(&s)
    {
        return Err(ApiError::BadRequest(format!(
            "unknown validation_status {s:?}"
        )));
    }
    let mut tx = state.db.tenant(member.org).await?;
    require_list(&mut tx, id).await?;
    let contacts = member_contacts_page(
        &mut tx,
        id,
        query.validation_status.as_deref(),
        after(uuid_cursor(query.cursor.as_deref())?),
        limit(query.limit) + 1,
    )
    .await?;
    let rows: Vec<(Uuid, Value)> = contacts
        .into_iter()
        .map(|c| (c.id, serde_json::to_value(c).unwrap_or_default()))
        .collect();
    tx.commit().await?;
    Ok(page(rows, limit(query.limit), Uuid::to_string))
}

async fn errors(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    member.require("list.read")?;
    let id = list_id(&id)?;
    let mut tx = state.db.tenant(member.org).await?;
    require_list(&mut tx, id).await?;
    let rows: Vec<(Uuid, Value)> = sqlx::query_as(
        "select id, jsonb_build_object('line', line_number, 'raw', raw_line, 'reason', reason)
           from list_import_errors
          where organization_id = $1 and list_id = $2 and id > $3
          order by id limit $4",
    )
    .bind(member.org)
    .bind(id)
    .bind(after(uuid_cursor(query.cursor.as_deref())?))
    .bind(limit(query.limit) + 1)
    .fetch_all(&mut **tx)
    .await?;
    tx.commit().await?;
    Ok(page(rows, limit(query.limit), Uuid::to_string))
}
