//! The peer: bare `DELETE` statements removing exactly one person's rows from the tables the
//! erasure deletes from, each through the index the erasure's own statement uses (events by
//! `(organization_id, contact_id)`, form responses by their leads, leads by contact or
//! address, validation logs, assignments and list memberships by contact, then the contact),
//! in one transaction, as the maintenance role: no row-level security, no batches, no
//! suppression, no scrubbing, no verification, no receipt.

use std::collections::BTreeMap;
use std::time::Instant;

use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use super::generate::Person;

/// Per table, the statement removing the person's rows: `$1` organization, `$2` contact,
/// `$3` `lower(address)`. The order is the erasure's (rows that refer to the contact first).
pub const DELETES: &[(&str, &str)] = &[
    (
        "events",
        "delete from events where organization_id = $1 and contact_id = $2",
    ),
    (
        "form_responses",
        "delete from form_responses
          where organization_id = $1
            and lead_id = any(array(select id from leads
                                     where organization_id = $1
                                       and (contact_id = $2 or lower(email) = $3)))",
    ),
    (
        "leads",
        "delete from leads where organization_id = $1 and (contact_id = $2 or lower(email) = $3)",
    ),
    (
        "validation_logs",
        "delete from validation_logs where organization_id = $1 and contact_id = $2",
    ),
    (
        "campaign_contact_assignments",
        "delete from campaign_contact_assignments where organization_id = $1 and contact_id = $2",
    ),
    (
        "contact_list_members",
        "delete from contact_list_members where organization_id = $1 and contact_id = $2",
    ),
    (
        "contacts",
        "delete from contacts where organization_id = $1 and id = $2",
    ),
];

/// Rows per table (as [`DELETES`] names them).
pub type Rows = BTreeMap<&'static str, u64>;

/// One person's bare deletion: its seconds (first statement to commit) and rows per table.
#[derive(Debug, Clone)]
pub struct BareDelete {
    pub seconds: f64,
    pub rows: Rows,
}

/// Runs [`DELETES`] for `person` in one transaction on `conn`, timed.
pub async fn run(
    conn: &mut PgConnection,
    org: Uuid,
    person: &Person,
) -> anyhow::Result<BareDelete> {
    let mut rows = Rows::new();
    let started = Instant::now();
    let mut tx = conn.begin().await?;
    for (table, statement) in DELETES {
        let done = sqlx::query(*statement)
            .bind(org)
            .bind(person.contact)
            .bind(&person.email)
            .execute(&mut *tx)
            .await?;
        rows.insert(table, done.rows_affected());
    }
    tx.commit().await?;
    Ok(BareDelete {
        seconds: started.elapsed().as_secs_f64(),
        rows,
    })
}

/// How many rows [`DELETES`] would remove for `person` now (the same conditions, counted).
pub async fn count(conn: &mut PgConnection, org: Uuid, person: &Person) -> anyhow::Result<Rows> {
    let mut rows = Rows::new();
    for (table, statement) in DELETES {
        let counting = statement.replacen("delete from", "select count(*) from", 1);
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(counting))
            .bind(org)
            .bind(person.contact)
            .bind(&person.email)
            .fetch_one(&mut *conn)
            .await?;
        rows.insert(table, n as u64);
    }
    Ok(rows)
}
