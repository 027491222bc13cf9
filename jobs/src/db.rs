//! Connection pools, one per database role, and the migrator.
//!
//! The role is in the type: tenant work can only reach Postgres through [`AppDb::tenant`],
//! and cross-tenant plumbing only through [`MaintDb`], which the API's request path never holds.

use std::time::Duration;

use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::tenancy::{Durability, KeyLookupPlans, OrgId, TenantTx};

/// Pool of the application role (`reachly_app`): row-level security applies to every query.
#[derive(Clone, Debug)]
pub struct AppDb {
    pool: PgPool,
    /// Connections set up for queue bookkeeping (see [`KeyLookupPlans`]), opened on first
    /// use: the API never opens one.
    bookkeeping: PgPool,
}

/// Most connections the queue's bookkeeping uses at once (its batchers run four statements
/// each at a time).
const BOOKKEEPING_CONNECTIONS: u32 = 8;

/// Pool of the maintenance role (`reachly_maint`, BYPASSRLS): the feeder, the reaper,
/// retention and admin commands; never handed to request handlers or job logic.
#[derive(Clone, Debug)]
pub struct MaintDb {
    pool: PgPool,
}

/// Opens a pool of `max` connections to `url`.
pub async fn connect(url: &str, max: u32) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = url.parse()?;
    PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
}

impl AppDb {
    /// Connects as the application role.
    pub async fn connect(url: &str, max: u32) -> Result<Self, sqlx::Error> {
        let options: PgConnectOptions = url.parse()?;
        let bookkeeping = PgPoolOptions::new()
            .max_connections(BOOKKEEPING_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::raw_sql(AssertSqlSafe(KeyLookupPlans::settings("set")))
                        .execute(conn)
                        .await
                        .map(drop)
                })
            })
            .connect_lazy_with(options);
        Ok(Self {
            pool: connect(url, max).await?,
            bookkeeping,
        })
    }

    /// Begins a transaction scoped to `org`: the only way to run a tenant query.
    pub async fn tenant(&self, org: OrgId) -> Result<TenantTx, sqlx::Error> {
        TenantTx::begin(&self.pool, org, Durability::Flushed).await
    }

    /// A tenant transaction for queue bookkeeping by primary key, on a connection planning
    /// so (see [`KeyLookupPlans`]), with the given durability (counting an attempt need not
    /// wait for the disk, see [`Durability::Deferred`]; recording a success does).
    /// The settings are the connection's, not the transaction's: three statements fewer per
    /// batch, which on the queue benchmark was a fifth of a claim's cost.
    pub async fn bookkeeping(
        &self,
        org: OrgId,
        durability: Durability,
    ) -> Result<TenantTx, sqlx::Error> {
        TenantTx::begin(&self.bookkeeping, org, durability).await
    }

    /// Checks the database answers (readiness), touching no tenant data.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("select 1").execute(&self.pool).await.map(drop)
    }
}

impl MaintDb {
    /// Connects as the maintenance role.
    pub async fn connect(url: &str, max: u32) -> Result<Self, sqlx::Error> {
        Ok(Self {
            pool: connect(url, max).await?,
        })
    }

    /// The cross-tenant pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// The migrations in `migrations/`, as this build embedded them.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Applies the migrations in `migrations/` as the owner role.
pub async fn migrate(owner_url: &str) -> Result<(), sqlx::migrate::MigrateError> {
    let pool = connect(owner_url, 2).await?;
    MIGRATOR.run(&pool).await?;
    pool.close().await;
    Ok(())
}

/// A fingerprint of the migrations [`migrate`] applies (their versions and checksums, as this
/// build embedded them): what a prepared schema, such as the tests' template database, is
/// named after, so it always matches the code that uses it.
pub fn migrations_fingerprint() -> u64 {
    let mut hash: u64 = 0xcbf29ce484222325;
    for migration in MIGRATOR.iter() {
        let bytes = migration.version.to_le_bytes();
        for byte in bytes.iter().chain(migration.checksum.iter()) {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x100000001b3);
        }
    }
    hash
}

/// Creates the monthly `events` partitions from last month to a year ahead (idempotent),
/// so rows never arrive before their partition.
pub async fn ensure_event_partitions(db: &MaintDb) -> Result<i32, sqlx::Error> {
    let (created,): (i32,) =
        sqlx::query_as("select ensure_event_partitions((now() - interval '1 month')::date, 13)")
            .fetch_one(db.pool())
            .await?;
    Ok(created)
}

/// The connection URLs of the three roles for one database. Tests and benchmarks create
/// throwaway databases beside the configured one and reach them by swapping the name.
#[derive(Clone, Debug)]
pub struct RoleUrls {
    pub owner: String,
    pub app: String,
    pub maint: String,
}

impl RoleUrls {
    pub fn from_config(config: &crate::Config) -> Self {
        Self {
            owner: config.database_url.clone(),
            app: config.app_database_url.clone(),
            maint: config.maint_database_url.clone(),
        }
    }

    /// The same roles on database `name` of the same server.
    pub fn for_database(&self, name: &str) -> Self {
        Self {
            owner: with_database(&self.owner, name),
            app: with_database(&self.app, name),
            maint: with_database(&self.maint, name),
        }
    }
}

/// Replaces the database name at the end of a Postgres URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (head, _) = url.rsplit_once('/').expect("a database URL ends in /<db>");
    format!("{head}/{name}")
}
