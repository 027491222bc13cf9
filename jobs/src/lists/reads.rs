//! Reading a list's contacts page by page, for `GET /v1/contact-lists/{id}/contacts` and the
//! streamed `export.csv`.
//!
//! A page walks the members' primary key from a keyset cursor and looks each contact up by its
//! primary key inside `LATERAL … LIMIT 1`, which Postgres never turns into a join it could
//! reorder: a list is read moments after its import, before anything analyzed the tables. The
//! filters stay outside the subquery, where Postgres cannot push them in (with a status filter
//! inside, it may pick the status index and filter the organization's contacts instead).

use crate::ids::{ContactId, ListId};
use crate::tenancy::TenantTx;
use crate::validate::ValidationStatus;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// One page of a list's contacts: `$1` organization, `$2` list, `$3` validation status or
/// null for all, `$4` the cursor (the previous page's last contact, or the nil UUID), `$5` the
/// page size. Public so a test can check its plan.
pub const MEMBER_CONTACTS_PAGE: &str = "select c.id, c.email, c.first_name, c.last_name, c.phone,
            c.company, c.custom_fields, c.validation_status, c.validation_details,
            c.last_validated_at
       from contact_list_members m
       cross join lateral (
            select c.* from contacts c
             where c.organization_id = m.organization_id and c.id = m.contact_id
             limit 1) c
      where m.organization_id = $1 and m.list_id = $2 and m.contact_id > $4
        and c.deleted_at is null and ($3::text is null or c.validation_status = $3)
      order by m.contact_id limit $5";

/// A contact as a list's pages show it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct MemberContact {
    pub id: ContactId,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub custom_fields: Value,
    pub validation_status: ValidationStatus,
    pub validation_details: Option<Value>,
    pub last_validated_at: Option<DateTime<Utc>>,
}

/// Up to `limit` contacts of `list` after contact `after`, in contact id order.
pub async fn member_contacts_page(
    tx: &mut TenantTx,
    list: ListId,
    status: Option<ValidationStatus>,
    after: ContactId,
    limit: i64,
) -> Result<Vec<MemberContact>, sqlx::Error> {
    sqlx::query_as(MEMBER_CONTACTS_PAGE)
        .bind(tx.org())
        .bind(list)
        .bind(status)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut ***tx)
        .await
}
