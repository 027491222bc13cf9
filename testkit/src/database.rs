//! Fresh databases on the server of `DATABASE_URL`: a clone of a template migrated once per
//! migration set (fast, for tests), or a database created and migrated from scratch (for a
//! benchmark, which must not inherit a template's layout); dropped when asked.

use std::time::Duration;

use anyhow::Context;
use reachly_jobs::db::{RoleUrls, with_database};
use sqlx::{Connection, PgConnection};

/// The advisory lock under which one process builds the template while the others wait.
const TEMPLATE_LOCK: i64 = 72431;

/// Connection URLs of one database, one per role.
#[derive(Clone, Debug)]
pub struct Database {
    pub name: String,
    pub owner_url: String,
    pub app_url: String,
    pub maint_url: String,
}

/// The role URLs of the configuration (defaults: `.env.example`) and an owner connection
/// to database `postgres`, to create and drop databases with.
async fn admin() -> anyhow::Result<(RoleUrls, PgConnection)> {
    let urls = RoleUrls::from_config(&reachly_jobs::Config::from_env()?);
    let admin = PgConnection::connect(&with_database(&urls.owner, "postgres"))
        .await
        .context("connecting as reachly_owner to database postgres (run scripts/services.sh)")?;
    Ok((urls, admin))
}

async fn execute(admin: &mut PgConnection, sql: String) -> anyhow::Result<()> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
        .execute(admin)
        .await
        .with_context(|| sql)?;
    Ok(())
}

/// The template's name: the fingerprint of the migrations this build applies. Named after the
/// files on disk instead, a binary built before a new migration once built the new name's
/// template without it, and later runs reused it.
fn template_name() -> anyhow::Result<String> {
    Ok(format!(
        "reachly_tpl_{:016x}",
        reachly_jobs::db::migrations_fingerprint()
    ))
}

impl Database {
    fn named(urls: &RoleUrls, name: String) -> Database {
        let urls = urls.for_database(&name);
        Database {
            owner_url: urls.owner,
            app_url: urls.app,
            maint_url: urls.maint,
            name,
        }
    }

    /// A new, migrated, empty database `reachly_t_<random>`, cloned from the template
    /// (built first if this migration set has none yet).
    pub async fn clone_template() -> anyhow::Result<Database> {
        let (urls, mut admin) = admin().await?;
        let template = template_name()?;
        sqlx::query("select pg_advisory_lock($1)")
            .bind(TEMPLATE_LOCK)
            .execute(&mut admin)
            .await?;
        let exists: Option<i32> =
            sqlx::query_scalar("select 1 from pg_database where datname = $1")
                .bind(&template)
                .fetch_optional(&mut admin)
                .await?;
        if exists.is_none() {
            let building = format!("{template}_building");
            execute(&mut admin, format!("drop database if exists {building}")).await?;
            execute(&mut admin, format!("create database {building}")).await?;
            reachly_jobs::db::migrate(&with_database(&urls.owner, &building))
                .await
                .context("migrating the template")?;
            execute(
                &mut admin,
                format!("alter database {building} rename to {template}"),
            )
            .await?;
        }
        sqlx::query("select pg_advisory_unlock($1)")
            .bind(TEMPLATE_LOCK)
            .execute(&mut admin)
            .await?;
        let db = Database::named(
            &urls,
            format!("reachly_t_{}", uuid::Uuid::new_v4().simple()),
        );
        execute(
            &mut admin,
            format!("create database {} template {template}", db.name),
        )
        .await?;
        admin.close().await?;
        Ok(db)
    }

    /// A new database `<prefix>_<random>` created empty and migrated from scratch.
    pub async fn create_migrated(prefix: &str) -> anyhow::Result<Database> {
        let (urls, mut admin) = admin().await?;
        let db = Database::named(&urls, format!("{prefix}_{}", uuid::Uuid::new_v4().simple()));
        execute(&mut admin, format!("create database {}", db.name)).await?;
        admin.close().await?;
        reachly_jobs::db::migrate(&db.owner_url)
            .await
            .with_context(|| format!("migrating {}", db.name))?;
        Ok(db)
    }

    /// Drops the database; retries (10 s at most) while stopped processes' sessions wind down.
    pub async fn drop_database(&self) -> anyhow::Result<()> {
        let (_, mut admin) = admin().await?;
        let sql = format!("drop database if exists {}", self.name);
        let mut attempts = 0;
        loop {
            match execute(&mut admin, sql.clone()).await {
                Ok(()) => return Ok(()),
                Err(_) if attempts < 50 => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A pool as the maintenance role, which sees every tenant's rows.
    pub async fn maint_pool(&self, connections: u32) -> anyhow::Result<sqlx::PgPool> {
        Ok(reachly_jobs::db::connect(&self.maint_url, connections).await?)
    }
}
