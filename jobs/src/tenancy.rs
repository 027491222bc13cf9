//! The tenant transaction helper: every tenant query runs inside one.

use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, PgPool, Postgres, Transaction};
use uuid::Uuid;

/// An organization id: the tenant key that scopes every row-level-security policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct OrgId(pub Uuid);

impl std::fmt::Display for OrgId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// How queue bookkeeping statements are planned: generically, without sequential scans.
///
/// Queue bookkeeping touches a batch of rows by primary key (`id = any($ids)`). Planned for
/// the actual array on tables never analyzed (a fresh install, or a burst faster than
/// autovacuum), Postgres multiplies its default selectivity per element and, past a few
/// hundred ids, scans the organization's whole history instead (seen: 13 ms to claim 200 of
/// 50,000 jobs). A generic plan estimates any array at ten elements, and is made once per
/// connection instead of per batch. Sequential scans are off so that a plan made while the
/// table was nearly empty cannot become one; such a plan may still read the organization by
/// its key prefix until the worker's statistics loop (`queue::statistics`) analyzes the
/// table and Postgres plans the statement anew (`tests/tests/queue_plans.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyLookupPlans;

impl KeyLookupPlans {
    /// The statements that make plans so, with `set` (a connection) or `set local` (a
    /// transaction).
    pub fn settings(set: &str) -> String {
        format!("{set} plan_cache_mode = force_generic_plan; {set} enable_seqscan = off")
    }
}

/// Whether a commit waits for its WAL to reach disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// The commit returns once durable (the default; every effect of a job).
    Flushed,
    /// The commit returns before its WAL is flushed (`synchronous_commit = off`). Only for
    /// bookkeeping that a later flushed commit covers: Postgres writes WAL in order, so the
    /// next flushed commit makes this one durable too, and only a crash of Postgres itself
    /// within a fraction of a second can lose it.
    Deferred,
}

/// A transaction whose `app.organization_id` is set (transaction-local, so nothing leaks
/// through the pool when it ends). Deref to the sqlx transaction to run queries.
#[derive(Debug)]
pub struct TenantTx {
    org: OrgId,
    tx: Transaction<'static, Postgres>,
}

impl TenantTx {
    pub(crate) async fn begin(
        pool: &PgPool,
        org: OrgId,
        durability: Durability,
    ) -> Result<Self, sqlx::Error> {
        let relaxed = match durability {
            Durability::Flushed => "",
            Durability::Deferred => "; set local synchronous_commit = off",
        };
        let begin = format!(
            "begin; select set_config('app.organization_id', '{}', true){relaxed}",
            org.0
        );
        let tx = pool.begin_with(AssertSqlSafe(begin)).await?;
        Ok(Self { org, tx })
    }

    /// The organization this transaction is scoped to.
    pub fn org(&self) -> OrgId {
        self.org
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Deref for TenantTx {
    type Target = Transaction<'static, Postgres>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl DerefMut for TenantTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}
