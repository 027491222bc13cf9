//! `GET /v1/contact-lists/{id}/export.csv`: a list's contacts as a streamed CSV file.
//!
//! The body is produced page by page (keyset on contact id, one short tenant transaction per
//! page), so memory stays bounded by one page whatever the size of the list. Every cell is
//! quoted as CSV requires and defused against spreadsheet formula injection
//! ([`super::csv::cell`]).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use reachly_jobs::OrgId;
use reachly_jobs::lists::reads::member_contacts_page;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::csv::{Pages, download, file_name, record};
use super::paging::after;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::state::AppState;

/// Contacts fetched per page (and per tenant transaction).
const PAGE: i64 = 1_000;

const STATUSES: [&str; 5] = ["pending", "valid", "risky", "invalid", "nonexistent"];

const HEADER: [&str; 10] = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "company",
    "validation_status",
    "risk_score",
    "reasons",
    "did_you_mean",
    "custom_fields",
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/contact-lists/{id}/export.csv", get(export))
}

#[derive(Debug, Deserialize)]
struct ExportQuery {
    validation_status: Option<String>,
}

async fn export(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    member.require("list.read")?;
    let id: Uuid = id.parse().map_err(|_| ApiError::NotFound("contact list"))?;
    let status = query.validation_status;
    if let Some(s) = status.as_deref()
        && !STATUSES.contains(&s)
    {
        return Err(ApiError::BadRequest(format!(
            "unknown validation_status {s:?} (expected one of {})",
            STATUSES.join(", ")
        )));
    }
    let mut tx = state.db.tenant(member.org).await?;
    let name: Option<String> = sqlx::query_scalar(
        "select name from contact_lists
          where organization_id = $1 and id = $2 and deleted_at is null",
    )
    .bind(member.org)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    tx.commit().await?;
    let name = name.ok_or(ApiError::NotFound("contact list"))?;

    let pager = Pager {
        state,
        org: member.org,
        list: id,
        status,
        after: None,
        done: false,
    };
    Ok(download(&file_name(&name, "contacts"), &HEADER, pager))
}

/// Where the export is: the next page starts after contact `after`.
struct Pager {
    state: AppState,
    org: OrgId,
    list: Uuid,
    status: Option<String>,
    after: Option<Uuid>,
    done: bool,
}

impl Pages for Pager {
    /// One page of contacts, `None` at the end.
    async fn next_page(&mut self) -> Result<Option<String>, sqlx::Error> {
        if self.done {
            return Ok(None);
        }
        let mut tx = self.state.db.tenant(self.org).await?;
        let rows = member_contacts_page(
            &mut tx,
            self.list,
            self.status.as_deref(),
            after(self.after),
            PAGE,
        )
        .await?;
        tx.commit().await?;
        if (rows.len() as i64) < PAGE {
            self.done = true;
        }
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.after = Some(last.id);
        let mut out = String::with_capacity(rows.len() * 160);
        for contact in &rows {
            let details = contact.validation_details.as_ref();
            let risk = details
                .and_then(|d| d.get("risk_score"))
                .filter(|v| !v.is_null())
                .map(Value::to_string)
                .unwrap_or_default();
            let reasons = details
                .and_then(|d| d.get("reasons"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(";")
                })
                .unwrap_or_default();
            let did_you_mean = details
                .and_then(|d| d.get("did_you_mean"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let custom = match &contact.custom_fields {
                Value::Object(m) if m.is_empty() => String::new(),
                Value::Null => String::new(),
                v => v.to_string(),
            };
            record(
                [
                    contact.email.as_str(),
                    contact.first_name.as_deref().unwrap_or_default(),
                    contact.last_name.as_deref().unwrap_or_default(),
                    contact.phone.as_deref().unwrap_or_default(),
                    contact.company.as_deref().unwrap_or_default(),
                    contact.validation_status.as_str(),
                    &risk,
                    &reasons,
                    did_you_mean,
                    &custom,
                ],
                &mut out,
            );
        }
        Ok(Some(out))
    }
}
