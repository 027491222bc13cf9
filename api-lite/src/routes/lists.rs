//! `/v1/contact-lists`: upload a list (streamed into Postgres, imported by a job), read it,
//! its contacts and its unparseable rows, delete it (`super::list_delete`).

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use reachly_jobs::audit::{AuditEntry, SubjectType};
use reachly_jobs::lists::reads::member_contacts_page;
use reachly_jobs::lists::upload::{ChunkWriter, UploadError, create_list};
use reachly_jobs::lists::{ImportPayload, ListStatus};
use reachly_jobs::queue::NewJob;
use reachly_jobs::queue::submit::submit;
use reachly_jobs::validate::ValidationStatus;
use reachly_jobs::{ContactId, ListId, Permission, TenantTx};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;
use uuid::Uuid;

use super::creates::located;
use super::input::{bounded, limits, optional};
use super::paging::{PageParams, PageQuery};
use super::path_id::PathId;
use super::reads::Resource;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::openapi::errors::{BodyRefused, Refused, RefusedOrNotFound};
use crate::shapes::common::{IdPath, Page};
use crate::shapes::lists::{Contact, ImportError, List, ListSummary, ListUpload, ListUploaded};
use crate::shapes::words;
use crate::state::AppState;

pub fn routes(upload_limit: u64) -> Router<AppState> {
    Router::new()
        .route(
            "/v1/contact-lists",
            axum::routing::post(upload)
                .layer(DefaultBodyLimit::max(upload_limit as usize + 64 * 1024))
                .merge(LISTS.index()),
        )
        .route(
            "/v1/contact-lists/{id}",
            LISTS.show::<ListId>().delete(super::list_delete::delete),
        )
        .route("/v1/contact-lists/{id}/contacts", get(contacts))
        .route("/v1/contact-lists/{id}/errors", get(errors))
}

/// A list as its listing shows it (`l` is the `contact_lists` row); a macro so the single
/// read can extend the same literal.
macro_rules! list_json {
    () => {
        "jsonb_build_object('id', l.id, 'name', l.name,
        'description', l.description, 'status', l.status, 'failure_reason', l.failure_reason,
        'source_filename', l.source_filename, 'total_rows', l.total_rows,
        'valid_count', l.valid_count, 'risky_count', l.risky_count,
        'invalid_count', l.invalid_count, 'nonexistent_count', l.nonexistent_count,
        'duplicate_count', l.duplicate_count, 'suppressed_count', l.suppressed_count,
        'unparseable_count', l.unparseable_count,
        'created_at', l.created_at, 'updated_at', l.updated_at)"
    };
}

/// Contact lists as the reads show them: one list with its latest import job.
static LISTS: Resource = Resource::new(
    "contact list",
    "contact_lists l",
    concat!(
        list_json!(),
        " || jsonb_build_object('import_job', (
            select jsonb_build_object('id', j.id, 'status', j.status,
                       'progress_done', j.progress_done, 'progress_total', j.progress_total)
              from job_runs j
             where j.organization_id = l.organization_id and j.kind = 'import'
               and j.payload->>'list_id' = l.id::text
             order by j.id desc limit 1))"
    ),
)
.read_by(Permission::ListRead)
.visible("and l.deleted_at is null")
.summary(list_json!());

/// The organization's contact lists
///
/// Newest first (`list.read`).
#[utoipa::path(get, path = "/v1/contact-lists", tag = "contact lists", params(PageParams),
    responses((status = 200, description = "A page of lists", body = Page<ListSummary>), Refused))]
#[allow(dead_code)]
fn index_doc() {}

/// A contact list
///
/// Its status, counts and the import job's progress (`list.read`).
#[utoipa::path(get, path = "/v1/contact-lists/{id}", tag = "contact lists", params(IdPath),
    responses((status = 200, description = "The list", body = List), RefusedOrNotFound))]
#[allow(dead_code)]
fn show_doc() {}

/// Upload a contact list
///
/// Multipart `file` (required), `name` (required), `description` (`list.import`): the file
/// streams into `list_upload_chunks` as it arrives, and the list, its bytes and its `import`
/// job commit together.
#[utoipa::path(post, path = "/v1/contact-lists", tag = "contact lists",
    request_body(content = ListUpload, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Accepted: the list is imported by its job", body = ListUploaded,
            headers(("Location" = String, description = "Where the list is"))),
        Refused, BodyRefused))]
async fn upload(
    State(state): State<AppState>,
    member: Member,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    let mut tx = member.begin(&state, Permission::ListImport).await?;
    let list = ListId(create_list(&mut tx, "", None, Some(member.user)).await?);
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
                let mut writer = ChunkWriter::new(list.0, state.upload_limit);
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
    let job = NewJob::from(&ImportPayload { list_id: list.0 });
    let job = submit(&mut tx, Some(member.user), &[job])
        .await?
        .remove(0)
        .job;
    let entry = AuditEntry::new("list.uploaded", SubjectType::ContactList, list.0)
        .details(json!({ "bytes": size, "job_id": job.id }));
    member.audit(&mut tx, entry).await?;
    tx.commit().await?;
    let body = json!({
        "list": { "id": list, "name": name, "status": ListStatus::Pending, "bytes": size,
                  "links": { "self": format!("/v1/contact-lists/{list}") } },
        "job": { "id": job.id, "status": job.status, "links": { "self": format!("/v1/jobs/{}", job.id) } },
    });
    let path = format!("/v1/contact-lists/{list}");
    Ok(located(StatusCode::ACCEPTED, &path, body))
}

/// The name of `list`, or a 404 unless it is one of the organization's lists (not deleted):
/// an unknown list has no contacts page, rather than an empty one.
pub async fn require_list(tx: &mut TenantTx, list: ListId) -> Result<String, ApiError> {
    let name: Option<String> = sqlx::query_scalar(
        "select name from contact_lists
          where organization_id = $1 and id = $2 and deleted_at is null",
    )
    .bind(tx.org())
    .bind(list)
    .fetch_optional(&mut ***tx)
    .await?;
    name.ok_or(ApiError::NotFound("contact list"))
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

/// `?validation_status=` of a list's contacts and of their CSV export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValidationFilter {
    #[param(value_type = Option<words::ValidationStatus>)]
    pub validation_status: Option<ValidationStatus>,
}

/// A list's contacts
///
/// With their validation details, in contact id order (`list.read`).
#[utoipa::path(get, path = "/v1/contact-lists/{id}/contacts", tag = "contact lists",
    params(IdPath, PageParams, ValidationFilter),
    responses((status = 200, description = "A page of contacts", body = Page<Contact>),
        RefusedOrNotFound))]
async fn contacts(
    State(state): State<AppState>,
    member: Member,
    PathId(list): PathId<ListId>,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(filter): ApiQuery<ValidationFilter>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = member.begin(&state, Permission::ListRead).await?;
    require_list(&mut tx, list).await?;
    let contacts = member_contacts_page(
        &mut tx,
        list,
        filter.validation_status,
        ContactId(page.after()),
        page.fetch(),
    )
    .await?;
    tx.commit().await?;
    let rows = contacts
        .into_iter()
        .map(|c| (c.id.0, serde_json::to_value(c).unwrap_or_default()))
        .collect();
    Ok(page.page(rows))
}

/// A list's unparseable rows
///
/// With their line numbers and reasons, in line order (`list.read`).
#[utoipa::path(get, path = "/v1/contact-lists/{id}/errors", tag = "contact lists",
    params(IdPath, PageParams),
    responses((status = 200, description = "A page of rows", body = Page<ImportError>),
        RefusedOrNotFound))]
async fn errors(
    State(state): State<AppState>,
    member: Member,
    PathId(list): PathId<ListId>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = member.begin(&state, Permission::ListRead).await?;
    require_list(&mut tx, list).await?;
    let rows: Vec<(Uuid, Value)> = sqlx::query_as(
        "select id, jsonb_build_object('line', line_number, 'raw', raw_line, 'reason', reason)
           from list_import_errors
          where organization_id = $1 and list_id = $2 and id > $3
          order by id limit $4",
    )
    .bind(member.org)
    .bind(list)
    .bind(page.after())
    .bind(page.fetch())
    .fetch_all(&mut **tx)
    .await?;
    tx.commit().await?;
    Ok(page.page(rows))
}
