//! A bench database created from scratch (`reachly_bench_<random>`), migrated, dropped after.

use anyhow::Context;
use reachly_jobs::db::{RoleUrls, with_database};
use sqlx::{Connection, PgConnection};

/// Connection URLs of the bench database, one per role.
#[derive(Clone, Debug)]
pub struct BenchDb {
    pub name: String,
    pub owner_url: String,
    pub app_url: String,
    pub maint_url: String,
}

impl BenchDb {
    /// Creates and migrates a new database on the server of DATABASE_URL (defaults: .env.example).
    pub async fn create() -> anyhow::Result<BenchDb> {
        let urls = RoleUrls::from_config(&reachly_jobs::Config::from_env()?);
        let owner = urls.owner.clone();
        let name = format!("reachly_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&with_database(&owner, "postgres"))
            .await
            .context(
                "connecting as reachly_owner to database postgres (run scripts/services.sh)",
            )?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("create database {name}")))
            .execute(&mut admin)
            .await
            .with_context(|| format!("creating database {name}"))?;
        admin.close().await?;
        let urls = urls.for_database(&name);
        let db = BenchDb {
            owner_url: urls.owner,
            app_url: urls.app,
            maint_url: urls.maint,
            name,
        };
        reachly_jobs::db::migrate(&db.owner_url)
            .await
            .with_context(|| format!("migrating {}", db.name))?;
        Ok(db)
    }

    /// At the end of a run: keeps the database when asked (and says so), else drops it,
    /// logging rather than failing if it cannot.
    pub async fn finish(&self, keep: bool) {
        if keep {
            crate::log(format!("kept database {}", self.name));
        } else if let Err(e) = self.drop_db().await {
            crate::log(format!("could not drop database {}: {e}", self.name));
        }
    }

    /// Drops the database; retries while the stopped processes' sessions wind down.
    pub async fn drop_db(&self) -> anyhow::Result<()> {
        let mut admin = PgConnection::connect(&with_database(&self.owner_url, "postgres")).await?;
        let sql = format!("drop database if exists {}", self.name);
        let mut attempts = 0;
        loop {
            match sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&mut admin)
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) if attempts < 50 => {
                    attempts += 1;
                    if attempts == 1 {
                        crate::log(format!("waiting to drop {}: {e}", self.name));
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}
