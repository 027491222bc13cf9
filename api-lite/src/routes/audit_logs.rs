//! `GET /v1/audit-logs?subject_type=&subject_id=&actor=&cursor=&limit=` (`audit.read`): the
//! organization's audit trail, newest first, keyset-paged like every listing.

use axum::Router;
use reachly_jobs::Permission;
use reachly_jobs::audit::SubjectType;
use serde::Deserialize;
use sqlx::{Postgres, QueryBuilder};
use utoipa::IntoParams;
use uuid::Uuid;

use super::paging::PageParams;
use super::reads::{Filter, Resource};
use crate::openapi::errors::Refused;
use crate::shapes::audit::AuditLog;
use crate::shapes::common::Page;
use crate::shapes::words;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/audit-logs", AUDIT_LOGS.index_by::<AuditFilter>())
}

/// An audit row as the listing shows it (`a` is the `audit_logs` row).
const AUDIT_JSON: &str = "jsonb_build_object('id', a.id, 'action', a.action,
        'actor_user_id', a.actor_user_id, 'subject_type', a.subject_type,
        'subject_id', a.subject_id, 'details', a.details, 'changes', a.changes,
        'ip_address', host(a.ip_address), 'user_agent', a.user_agent,
        'created_at', a.created_at)";

/// The audit trail as the listing reads it.
static AUDIT_LOGS: Resource =
    Resource::new("audit log", "audit_logs a", AUDIT_JSON).read_by(Permission::AuditRead);

/// `?subject_type=&subject_id=&actor=`. A `subject_type` is one the trail writes, and a
/// `subject_id` needs its `subject_type` (a 400 otherwise), so every filtered page is read
/// through one of migration 0025's indexes.
#[derive(Debug, Deserialize)]
#[serde(try_from = "RawAuditFilter")]
struct AuditFilter {
    subject: Option<(SubjectType, Option<Uuid>)>,
    actor: Option<Uuid>,
}

/// The query as sent; malformed ids are a 400 already here.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct RawAuditFilter {
    #[param(value_type = Option<words::SubjectType>)]
    subject_type: Option<SubjectType>,
    /// Needs its `subject_type`.
    subject_id: Option<Uuid>,
    /// A user id.
    actor: Option<Uuid>,
}

/// The audit trail
///
/// Every change made through the API and every export, newest first (`audit.read`).
#[utoipa::path(get, path = "/v1/audit-logs", tag = "audit", params(PageParams, RawAuditFilter),
    responses((status = 200, description = "A page of audit rows", body = Page<AuditLog>),
        Refused))]
#[allow(dead_code)]
fn index_doc() {}

impl TryFrom<RawAuditFilter> for AuditFilter {
    type Error = &'static str;

    fn try_from(raw: RawAuditFilter) -> Result<Self, &'static str> {
        let subject = match (raw.subject_type, raw.subject_id) {
            (Some(kind), id) => Some((kind, id)),
            (None, None) => None,
            (None, Some(_)) => return Err("`subject_id` needs its `subject_type`"),
        };
        Ok(AuditFilter {
            subject,
            actor: raw.actor,
        })
    }
}

impl Filter for AuditFilter {
    fn push(self, sql: &mut QueryBuilder<Postgres>) {
        if let Some((kind, id)) = self.subject {
            sql.push(" and a.subject_type = ").push_bind(kind);
            if let Some(id) = id {
                sql.push(" and a.subject_id = ").push_bind(id);
            }
        }
        if let Some(actor) = self.actor {
            sql.push(" and a.actor_user_id = ").push_bind(actor);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(query: &str) -> Result<AuditFilter, String> {
        let uri: axum::http::Uri = format!("/v1/audit-logs?{query}").parse().unwrap();
        axum::extract::Query::try_from_uri(&uri)
            .map(|q| q.0)
            .map_err(|e| e.body_text())
    }

    #[test]
    fn filters_are_checked() {
        let id = Uuid::now_v7();
        let both = filter(&format!("subject_type=campaign&subject_id={id}&actor={id}")).unwrap();
        assert_eq!(both.subject, Some((SubjectType::Campaign, Some(id))));
        assert_eq!(both.actor, Some(id));
        assert!(filter("").unwrap().subject.is_none());
        assert!(filter(&format!("subject_id={id}")).is_err());
        assert!(filter("subject_type=Campaign").is_err());
        assert!(filter("subject_type=campaigns").is_err());
        assert!(filter("subject_type=").is_err());
        assert!(filter("actor=nope").is_err());
    }
}
