//! `GET /v1/contact-lists/{id}/export.csv`: a list's contacts as a streamed CSV file.
//!
//! Streamed page by page like every export ([`super::csv::download`]); every cell is quoted
//! as CSV requires and defused against spreadsheet formula injection ([`super::csv::cell`]).
//! The download is audited (`list.exported`) before streaming starts.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use reachly_jobs::audit::{AuditEntry, SubjectType};
use reachly_jobs::lists::reads::{MemberContact, member_contacts_page};
use reachly_jobs::validate::ValidationStatus;
use reachly_jobs::{ContactId, ListId, Permission, TenantTx};
use serde_json::{Value, json};
use uuid::Uuid;

use super::csv::{ExportRows, download, file_name, record};
use super::lists::{ValidationFilter, require_list};
use super::path_id::PathId;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::openapi::errors::RefusedOrNotFound;
use crate::shapes::common::IdPath;
use crate::state::AppState;

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

/// Export a list's contacts as CSV
///
/// Streamed, one record per contact with the columns of `HEADER`; every cell that a
/// spreadsheet would evaluate is prefixed with `'`. Audited as `list.exported` (`list.read`).
#[utoipa::path(get, path = "/v1/contact-lists/{id}/export.csv", tag = "contact lists",
    params(IdPath, ValidationFilter),
    responses((status = 200, description = "The CSV file (an attachment)",
            content_type = "text/csv", body = String), RefusedOrNotFound))]
async fn export(
    State(state): State<AppState>,
    member: Member,
    PathId(list): PathId<ListId>,
    ApiQuery(filter): ApiQuery<ValidationFilter>,
) -> Result<Response, ApiError> {
    let mut tx = member.begin(&state, Permission::ListRead).await?;
    let name = require_list(&mut tx, list).await?;
    // Who downloaded which personal data, committed before the first byte is streamed.
    let entry = AuditEntry::new("list.exported", SubjectType::ContactList, list)
        .details(json!({ "validation_status": filter.validation_status }));
    member.audit(&mut tx, entry).await?;
    tx.commit().await?;
    let rows = ListContacts {
        list,
        status: filter.validation_status,
    };
    Ok(download(
        &file_name(&name, "contacts"),
        &HEADER,
        state.db,
        member.org,
        rows,
    ))
}

/// The contacts of one list, with the status asked for.
struct ListContacts {
    list: ListId,
    status: Option<ValidationStatus>,
}

impl ExportRows for ListContacts {
    type Row = MemberContact;

    async fn page(
        &self,
        tx: &mut TenantTx,
        after: Uuid,
        limit: i64,
    ) -> Result<Vec<MemberContact>, sqlx::Error> {
        member_contacts_page(tx, self.list, self.status, ContactId(after), limit).await
    }

    fn id(contact: &MemberContact) -> Uuid {
        contact.id.0
    }

    fn write(&self, contact: &MemberContact, out: &mut String) {
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
            out,
        );
    }
}
