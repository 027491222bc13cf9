//! Finding a GDPR request's person: their contact and their leads, by address.
//!
//! Contacts and leads are indexed by `(organization_id, lower(email))`, but under row-level
//! security Postgres refuses to use those indexes for a tenant's query: `lower()` is not
//! leakproof, so a condition on it may only run after the policy's check, never inside an
//! index scan, and the lookup reads every contact and every lead of the organization. So the
//! GDPR jobs make this one lookup through the worker's maintenance-role pool, with the
//! organization named explicitly, and do everything else by id in their tenant transactions.

use uuid::Uuid;

use crate::db::MaintDb;
use crate::tenancy::{OrgId, TenantTx};

/// The worker's maintenance-role pool, as the GDPR jobs' service for [`find`]. A worker
/// without it looks people up in the tenant transaction (correct, but a scan).
#[derive(Clone, Debug)]
pub struct PersonFinder(pub MaintDb);

/// The rows everything else about a person hangs off.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    /// Their contact (at most one per organization: contacts are unique by `lower(email)`).
    pub contact: Option<Uuid>,
    /// Their leads: of their contact, or with their address and no contact.
    pub leads: Vec<Uuid>,
}

/// `$1` organization, `$2` `lower(address)`: the contact's id and the leads' ids.
const FIND: &str = "
with contact as (
    select id from contacts where organization_id = $1 and lower(email) = $2)
select (select id from contact),
       array(select id from leads where organization_id = $1 and lower(email) = $2
             union
             select id from leads where organization_id = $1 and contact_id = (select id from contact))";

/// The person of `org` with address `email` (lowercase).
pub async fn find(
    finder: Option<&PersonFinder>,
    tx: &mut TenantTx,
    org: OrgId,
    email: &str,
) -> Result<Person, sqlx::Error> {
    let query = sqlx::query_as(FIND).bind(org).bind(email);
    let (contact, leads): (Option<Uuid>, Vec<Uuid>) = match finder {
        Some(PersonFinder(maint)) => query.fetch_one(maint.pool()).await?,
        None => query.fetch_one(&mut ***tx).await?,
    };
    Ok(Person { contact, leads })
}
