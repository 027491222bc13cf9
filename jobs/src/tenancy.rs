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
        // One round trip: BEGIN and the settings travel as one simple query. The id is a
        // `Uuid` rendered by its Display impl (hex digits and dashes), so it is safe as a literal.
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
