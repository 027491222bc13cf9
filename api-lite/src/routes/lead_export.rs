//! `GET /v1/campaigns/{id}/leads/export.csv`: a campaign's leads (same filters as the
//! listing) as a streamed CSV file, one column per form field after the lead's own columns,
//! every cell defused against formula injection like the list export.

use axum::extract::{Path, State};
use axum::response::Response;
use reachly_jobs::OrgId;
use serde_json::Value;
use uuid::Uuid;

use super::campaign_leads::{CampaignForm, fetch_leads};
use super::csv::{Pages, download, file_name, record};
use super::input::path_id;
use super::lead_filters::{LeadFilter, LeadQuery};
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::state::AppState;

/// Leads fetched per page (and per tenant transaction).
const PAGE: i64 = 1_000;

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

pub async fn export(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    member.require("lead.export")?;
    let id = path_id(&id, "campaign")?;
    let query = LeadQuery::parse(pairs)?;
    let mut tx = state.db.tenant(member.org).await?;
    let campaign = CampaignForm::load(&mut tx, id).await?;
    tx.commit().await?;
    let filter = query.filter(&campaign.fields)?;
    let keys: Vec<String> = campaign.fields.into_iter().map(|(key, _)| key).collect();
    let field_columns = field_columns(&keys);
    let header: Vec<&str> = LEAD_COLUMNS
        .iter()
        .copied()
        .chain(field_columns.iter().map(String::as_str))
        .collect();
    let name = file_name(&format!("{} leads", campaign.name), "leads");
    let pager = Pager {
        state,
        org: member.org,
        campaign: id,
        filter,
        keys: keys.clone(),
        after: None,
        done: false,
    };
    Ok(download(&name, &header, pager))
}

/// Where the export is: the next page starts after lead `after`.
struct Pager {
    state: AppState,
    org: OrgId,
    campaign: Uuid,
    filter: LeadFilter,
    /// The form's field keys, in column order.
    keys: Vec<String>,
    after: Option<Uuid>,
    done: bool,
}

impl Pages for Pager {
    async fn next_page(&mut self) -> Result<Option<String>, sqlx::Error> {
        if self.done {
            return Ok(None);
        }
        let mut tx = self.state.db.tenant(self.org).await?;
        let rows = fetch_leads(&mut tx, self.campaign, &self.filter, self.after, PAGE).await?;
        tx.commit().await?;
        if (rows.len() as i64) < PAGE {
            self.done = true;
        }
        let Some((last, _)) = rows.last() else {
            return Ok(None);
        };
        self.after = Some(*last);
        let mut out = String::with_capacity(rows.len() * 160);
        for (_, lead) in &rows {
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
            record(cells.iter().map(String::as_str), &mut out);
        }
        Ok(Some(out))
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
