//! `/v1/audit-logs`: an audit row (`routes::audit_logs::AUDIT_JSON`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::words;

/// One change or export made through the API: who, from where, what, about what.
#[derive(Serialize, ToSchema)]
pub struct AuditLog {
    pub id: Uuid,
    /// `campaign.launched`, `list.exported`, ...
    pub action: String,
    #[schema(required = true)]
    pub actor_user_id: Option<Uuid>,
    #[schema(required = true, value_type = Option<words::SubjectType>)]
    pub subject_type: Option<String>,
    #[schema(required = true)]
    pub subject_id: Option<Uuid>,
    /// Ids, counts and filter names; never personal data.
    #[schema(value_type = Object)]
    pub details: Value,
    /// `{"status": {"old", "new"}}` where a row changed state.
    #[schema(required = true, value_type = Option<Object>)]
    pub changes: Option<Value>,
    #[schema(required = true)]
    pub ip_address: Option<String>,
    #[schema(required = true)]
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}
