//! What every step statement is bound to (see `steps.rs`), and how: one home for the
//! parameters, so the job and the benchmark that times its statements bind them alike.

use uuid::Uuid;

use super::pattern::address_pattern;
use super::steps::ErasureStep;
use crate::privacy::person::Person;
use crate::tenancy::OrgId;

/// Rows a batch changes at most (`$6`).
pub const BATCH: i64 = 1_000;

/// The parameters of one person's erasure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binds {
    pub org: OrgId,
    pub contact: Option<Uuid>,
    pub leads: Vec<Uuid>,
    /// `lower(address)`.
    pub email: String,
    /// The address as a pattern ([`address_pattern`]).
    pub pattern: String,
    /// The address's keyed hash.
    pub hash: String,
}

impl Binds {
    /// The parameters for `person` (found by `email`, lowercase) of `org`.
    pub fn new(org: OrgId, person: Person, email: &str, hash: &str) -> Binds {
        Binds {
            org,
            contact: person.contact,
            leads: person.leads,
            pattern: address_pattern(email),
            email: email.to_owned(),
            hash: hash.to_owned(),
        }
    }

    /// What `$7` takes for `step`: each lead for a per-lead step (null once when there are
    /// none, so the step still covers the contact), null once otherwise.
    pub fn leads_of(&self, step: &ErasureStep) -> Vec<Option<Uuid>> {
        if step.per_lead() && !self.leads.is_empty() {
            self.leads.iter().copied().map(Some).collect()
        } else {
            vec![None]
        }
    }

    /// `statement` with the parameters every step statement takes (`$7`: `lead`).
    pub fn bound<'q, O>(
        &'q self,
        statement: &'q str,
        lead: Option<Uuid>,
    ) -> sqlx::query::QueryScalar<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>
    where
        (O,): for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        sqlx::query_scalar(sqlx::AssertSqlSafe(statement))
            .bind(self.org)
            .bind(self.contact)
            .bind(&self.email)
            .bind(&self.pattern)
            .bind(&self.hash)
            .bind(BATCH)
            .bind(lead)
    }
}
