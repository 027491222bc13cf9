//! What the audit trail holds, read as the maintenance role: each test step takes the rows
//! written since the last look, so "this request wrote exactly one row" is one assertion.

use std::collections::HashSet;

use serde_json::Value;
use uuid::Uuid;

use crate::http::{Reply, USER_AGENT};

/// An audit row's subject: its type and, unless the action was about several rows, its id.
pub type Subject<'a> = (&'a str, Option<&'a str>);

/// One `audit_logs` row, as the tests compare it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditRow {
    pub id: Uuid,
    pub actor_user_id: Option<Uuid>,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<Uuid>,
    pub details: Value,
    pub changes: Option<Value>,
    /// `host(ip_address)`: the address without its mask.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl AuditRow {
    /// Asserts that the row records `field` going from `old` to `new`, and nothing else.
    #[track_caller]
    pub fn assert_changed(&self, field: &str, old: &str, new: &str) {
        let expected = serde_json::json!({ field: { "old": old, "new": new } });
        assert_eq!(self.changes, Some(expected), "{self:#?}");
    }
}

/// One organization's audit trail, and the rows a test has already looked at.
#[derive(Debug)]
pub struct AuditTrail {
    maint: sqlx::PgPool,
    org: Uuid,
    seen: HashSet<Uuid>,
}

impl AuditTrail {
    /// The trail of organization `org`, every row written so far counted as seen.
    pub async fn of(maint: &sqlx::PgPool, org: Uuid) -> AuditTrail {
        let mut trail = AuditTrail {
            maint: maint.clone(),
            org,
            seen: HashSet::new(),
        };
        trail.fresh().await;
        trail
    }

    /// The rows written since the last call, oldest first.
    pub async fn fresh(&mut self) -> Vec<AuditRow> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "select id, actor_user_id, action, subject_type, subject_id, details, changes,
                    host(ip_address) as ip, user_agent
               from audit_logs where organization_id = $1 order by created_at, id",
        )
        .bind(self.org)
        .fetch_all(&self.maint)
        .await
        .unwrap();
        rows.into_iter()
            .filter(|row| self.seen.insert(row.id))
            .collect()
    }

    /// The one row written since the last look, which must be `action` on `subject` by
    /// `actor` from the tests' client (`127.0.0.1`, [`USER_AGENT`]).
    pub async fn expect(&mut self, actor: Uuid, action: &str, subject: Subject<'_>) -> AuditRow {
        let rows = self.fresh().await;
        assert_eq!(rows.len(), 1, "{action}: expected one audit row: {rows:#?}");
        let row = rows.into_iter().next().unwrap();
        let (subject_type, subject_id) = subject;
        assert_eq!(row.action, action, "{row:#?}");
        assert_eq!(row.subject_type.as_deref(), Some(subject_type), "{row:#?}");
        assert_eq!(
            row.subject_id,
            subject_id.map(|id| id.parse().unwrap()),
            "{row:#?}"
        );
        assert_eq!(row.actor_user_id, Some(actor), "{row:#?}");
        assert_eq!(row.ip.as_deref(), Some("127.0.0.1"), "{row:#?}");
        assert_eq!(row.user_agent.as_deref(), Some(USER_AGENT), "{row:#?}");
        row
    }

    /// Asserts that `reply` is the error `status` with `code` and that the refused request
    /// wrote nothing.
    pub async fn refused(&mut self, reply: &Reply, status: u16, code: &str) {
        reply.assert_error(status, code);
        let rows = self.fresh().await;
        assert!(rows.is_empty(), "a {status} wrote audit rows: {rows:#?}");
    }

    /// Asserts that nothing was written since the last look.
    pub async fn assert_none(&mut self, what: &str) {
        let rows = self.fresh().await;
        assert!(rows.is_empty(), "{what} wrote audit rows: {rows:#?}");
    }
}

/// The id of the user whose address is `email`.
pub async fn user_id(maint: &sqlx::PgPool, email: &str) -> Uuid {
    sqlx::query_scalar("select id from users where email = $1")
        .bind(email)
        .fetch_one(maint)
        .await
        .unwrap()
}
