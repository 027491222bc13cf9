//! The one home of writing audit rows about what people do: an [`AuditEntry`] (what was done
//! to which subject, and what changed) written by whom and from where ([`Requester`]), inside
//! the tenant transaction that makes the change, so a change that rolls back leaves no row.
//!
//! Jobs that audit their own success write through the queue's lifecycle instead (one
//! statement per group of successes); this module is for changes a person asks for.

use std::net::IpAddr;

use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::tenancy::TenantTx;

crate::text_enum! {
    /// What an audit row is about (`audit_logs.subject_type`): one spelling per kind of row,
    /// so a listing filtered by subject finds every row about it, and a filter naming
    /// anything else is refused rather than matching nothing.
    pub enum SubjectType {
        /// Created, launched, cancelled; its leads exported.
        Campaign = "campaign",
        /// Uploaded, exported, deleted.
        ContactList = "contact_list",
        /// Created.
        EmailTemplate = "email_template",
        /// Created.
        Form = "form",
        /// Opened; its export downloaded.
        GdprRequest = "gdpr_request",
        /// Submitted, cancelled, retried (and, written with a job's success, what it did).
        JobRun = "job_run",
        /// Moved along its status pipeline.
        Lead = "lead",
        /// Paused or resumed (the queue's name is in `details`; it has no id).
        Queue = "queue",
    }
}

/// The longest user agent `audit_logs` keeps (its check constraint, migration 0025).
pub const USER_AGENT_MAX_CHARS: usize = 1024;

/// Who asked for a change and from where. It exists so every audit row names its actor the
/// same way, whatever route wrote it: the user, the requester's IP address (IPv4-mapped IPv6
/// addresses already folded to IPv4) and user agent, as the API read them from the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requester {
    pub user: Option<Uuid>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl Requester {
    /// The user agent as stored: at most [`USER_AGENT_MAX_CHARS`] characters, NUL-free
    /// (Postgres text cannot hold one), `None` when nothing is left.
    fn stored_user_agent(&self) -> Option<String> {
        let agent: String = self
            .user_agent
            .as_deref()?
            .chars()
            .filter(|c| *c != '\0')
            .take(USER_AGENT_MAX_CHARS)
            .collect();
        (!agent.is_empty()).then_some(agent)
    }
}

/// One audit row: what was done (`list.uploaded`, `campaign.launched`, ...), to which subject,
/// with `details` (ids and counts, never personal data such as addresses or names) and
/// `changes` (`{field: {"old", "new"}}`) where a row changed. It exists so an audited route
/// states its action once, typed, and the columns are written in one place.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub action: &'static str,
    pub subject_type: SubjectType,
    /// `None` for an action about several rows (a batch), whose ids are in `details`.
    pub subject_id: Option<Uuid>,
    pub details: Value,
    pub changes: Option<Value>,
}

impl AuditEntry {
    /// `action` on the `subject_type` row `subject_id`, with empty details and no changes.
    pub fn new(
        action: &'static str,
        subject_type: SubjectType,
        subject_id: impl Into<Uuid>,
    ) -> Self {
        AuditEntry {
            action,
            subject_type,
            subject_id: Some(subject_id.into()),
            details: json!({}),
            changes: None,
        }
    }

    /// `action` about several `subject_type` rows at once (named in `details`).
    pub fn about_many(action: &'static str, subject_type: SubjectType) -> Self {
        AuditEntry {
            subject_id: None,
            ..AuditEntry::new(action, subject_type, Uuid::nil())
        }
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// Records that `field` went from `old` to `new` (added to any change already recorded).
    pub fn changed(mut self, field: &str, old: impl Serialize, new: impl Serialize) -> Self {
        let change = json!({ "old": old, "new": new });
        match &mut self.changes {
            Some(Value::Object(fields)) => {
                fields.insert(field.to_owned(), change);
            }
            _ => self.changes = Some(json!({ field: change })),
        }
        self
    }

    /// Writes the row in `tx` (the transaction of the change it records), by `requester`.
    pub async fn write(&self, tx: &mut TenantTx, requester: &Requester) -> Result<(), sqlx::Error> {
        sqlx::query(
            "insert into audit_logs (organization_id, actor_user_id, action, subject_type,
                                     subject_id, details, changes, ip_address, user_agent)
             values ($1, $2, $3, $4, $5, $6, $7, $8::inet, $9)",
        )
        .bind(tx.org())
        .bind(requester.user)
        .bind(self.action)
        .bind(self.subject_type)
        .bind(self.subject_id)
        .bind(&self.details)
        .bind(&self.changes)
        .bind(requester.ip.map(|ip| ip.to_string()))
        .bind(requester.stored_user_agent())
        .execute(&mut ***tx)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_accumulate_per_field() {
        let entry = AuditEntry::new("lead.status_changed", SubjectType::Lead, Uuid::nil())
            .changed("status", "new", "contacted")
            .changed("owner", Value::Null, "ann");
        assert_eq!(
            entry.changes,
            Some(json!({
                "status": { "old": "new", "new": "contacted" },
                "owner": { "old": null, "new": "ann" },
            }))
        );
        assert_eq!(
            AuditEntry::about_many("jobs.submitted", SubjectType::JobRun).subject_id,
            None
        );
    }

    #[test]
    fn user_agents_are_cut_to_what_the_column_holds() {
        let long = Requester {
            user_agent: Some(format!("a\0{}", "é".repeat(2_000))),
            ..Requester::default()
        };
        let stored = long.stored_user_agent().unwrap();
        assert_eq!(stored.chars().count(), USER_AGENT_MAX_CHARS);
        assert!(stored.starts_with("aé"));
        let empty = Requester {
            user_agent: Some("\0".into()),
            ..Requester::default()
        };
        assert_eq!(empty.stored_user_agent(), None);
    }
}
