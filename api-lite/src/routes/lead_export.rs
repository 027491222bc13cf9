//! `GET /v1/campaigns/{id}/leads/export.csv`: a campaign's leads (same filters as the
//! listing) as a streamed CSV file, one column per form field after the lead's own columns,
//! every cell defused against formula injection like the list export, and audited
//! (`leads.exported`) before streaming starts.

use axum::extract::State;
use axum::response::Response;
use reachly_jobs::audit::{AuditEntry, SubjectType};
use reachly_jobs::{CampaignId, Permission, TenantTx};
use serde_json::{Value, json};
use uuid::Uuid;

use super::campaign_leads::LeadParams;
use super::campaign_leads::{CampaignForm, fetch_leads};
use super::csv::{ExportRows, download, file_name, record};
use super::path_id::PathId;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::openapi::errors::{RefusedOrNotFound, Unprocessable};
use crate::shapes::common::IdPath;
use crate::state::AppState;
use reachly_jobs::campaigns::lead_query::LeadQuery;
use reachly_jobs::campaigns::reads::LeadFilter;

/// The lead's own columns, before one column per form field.
const LEAD_COLUMNS: [&str; 7] = [
    "id",
    "status",
    "email",
    "first_name",
    "last_name",
    "phone",
    "created_at",
];

/// The header of each form field's column: its key, or `field.<key>` when the key is also one
/// of the lead's own columns (a form asking for `email` would otherwise repeat that column).
fn field_columns(keys: &[String]) -> Vec<String> {
    keys.iter()
        .map(|key| {
            if LEAD_COLUMNS.contains(&key.as_str()) {
                format!("field.{key}")
            } else {
                key.clone()
            }
        })
        .collect()
}

/// Export a campaign's leads as CSV
///
/// Streamed, the lead's own columns then one per form field (named `field.KEY` when the key
/// is also a lead column), every cell defused against formula injection; the same filters as
/// the listing. Audited as `leads.exported` (`lead.export`).
#[utoipa::path(get, path = "/v1/campaigns/{id}/leads/export.csv", tag = "campaigns",
    params(IdPath, LeadParams),
    responses((status = 200, description = "The CSV file (an attachment)",
            content_type = "text/csv", body = String), RefusedOrNotFound, Unprocessable))]
pub async fn export(
    State(state): State<AppState>,
    member: Member,
    PathId(campaign): PathId<CampaignId>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let mut tx = member.begin(&state, Permission::LeadExport).await?;
    let query = LeadQuery::parse(pairs)?;
    let form = CampaignForm::load(&mut tx, campaign).await?;
    let filter = query.filter(&form.fields)?;
    // The form fields filtered on, not their values: those may be personal data.
    let fields: Vec<&str> = query.fields.iter().map(|(key, _)| key.as_str()).collect();
    // Who downloaded which personal data, committed before the first byte is streamed.
    let entry = AuditEntry::new("leads.exported", SubjectType::Campaign, campaign)
        .details(json!({ "status": query.status, "fields": fields }));
    member.audit(&mut tx, entry).await?;
    tx.commit().await?;
    let keys: Vec<String> = form.fields.into_iter().map(|(key, _)| key).collect();
    let field_columns = field_columns(&keys);
    let header: Vec<&str> = LEAD_COLUMNS
        .iter()
        .copied()
        .chain(field_columns.iter().map(String::as_str))
        .collect();
    let name = file_name(&format!("{} leads", form.name), "leads");
    let rows = CampaignLeads {
        campaign,
        filter,
        keys: keys.clone(),
    };
    Ok(download(&name, &header, state.db, member.org, rows))
}

/// The leads of one campaign that match the filter.
struct CampaignLeads {
    campaign: CampaignId,
    filter: LeadFilter,
    /// The form's field keys, in column order.
    keys: Vec<String>,
}

impl ExportRows for CampaignLeads {
    type Row = (Uuid, Value);

    async fn page(
        &self,
        tx: &mut TenantTx,
        after: Uuid,
        limit: i64,
    ) -> Result<Vec<(Uuid, Value)>, sqlx::Error> {
        fetch_leads(tx, self.campaign, &self.filter, Some(after), limit).await
    }

    fn id((id, _): &(Uuid, Value)) -> Uuid {
        *id
    }

    fn write(&self, (_, lead): &(Uuid, Value), out: &mut String) {
        let response = lead.get("response");
        let cells: Vec<String> = LEAD_COLUMNS
            .iter()
            .map(|column| text(lead.get(*column)))
            .chain(
                self.keys
                    .iter()
                    .map(|key| text(response.and_then(|r| r.get(key)))),
            )
            .collect();
        record(cells.iter().map(String::as_str), out);
    }
}

/// A JSON value as a cell: text as is, numbers and booleans as JSON writes them, nothing for
/// a missing value or `null`, anything else as JSON text.
fn text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{field_columns, text};

    #[test]
    fn values_become_cells() {
        assert_eq!(text(None), "");
        assert_eq!(text(Some(&json!(null))), "");
        assert_eq!(text(Some(&json!("gold"))), "gold");
        assert_eq!(text(Some(&json!(true))), "true");
        assert_eq!(text(Some(&json!(42))), "42");
        assert_eq!(text(Some(&json!(["a", "b"]))), "[\"a\",\"b\"]");
    }

    #[test]
    fn a_field_named_like_a_lead_column_is_prefixed() {
        let keys = vec!["email".to_owned(), "plan".to_owned(), "phone".to_owned()];
        assert_eq!(field_columns(&keys), ["field.email", "plan", "field.phone"]);
    }
}
