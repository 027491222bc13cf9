//! A fresh database per test, cloned from a template migrated once per migration set.

use reachly_jobs::db::{RoleUrls, with_database};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// Connection URLs of one test database, one per role.
#[derive(Clone, Debug)]
pub struct TestDb {
    pub name: String,
    pub owner_url: String,
    pub app_url: String,
    pub maint_url: String,
}

/// The template's name changes whenever a migration file changes.
fn template_name() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("migrations dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    let mut hash: u64 = 0xcbf29ce484222325;
    for path in entries {
        for byte in std::fs::read(&path).expect("migration file") {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x100000001b3);
        }
    }
    format!("reachly_tpl_{hash:016x}")
}

impl TestDb {
    /// Creates a new, migrated, empty database.
    pub async fn fresh() -> TestDb {
        let config = reachly_jobs::Config::from_env().expect("configuration");
        let urls = RoleUrls::from_config(&config);
        let owner = urls.owner.clone();
        let template = template_name();
        let mut admin = PgConnection::connect(&with_database(&owner, "postgres"))
            .await
            .expect("connecting as reachly_owner to database postgres (run scripts/services.sh)");
        // One process migrates the template; the others wait on the lock.
        sqlx::query("select pg_advisory_lock(72431)")
            .execute(&mut admin)
            .await
            .unwrap();
        let exists: Option<(i32,)> = sqlx::query_as("select 1 from pg_database where datname = $1")
            .bind(&template)
            .fetch_optional(&mut admin)
            .await
            .unwrap();
        if exists.is_none() {
            let building = format!("{template}_building");
            for sql in [
                format!("drop database if exists {building}"),
                format!("create database {building}"),
            ] {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut admin)
                    .await
                    .unwrap();
            }
            reachly_jobs::db::migrate(&with_database(&owner, &building))
                .await
                .expect("migrating the template");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "alter database {building} rename to {template}"
            )))
            .execute(&mut admin)
            .await
            .unwrap();
        }
        sqlx::query("select pg_advisory_unlock(72431)")
            .execute(&mut admin)
            .await
            .unwrap();
        let name = format!("reachly_t_{}", Uuid::new_v4().simple());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "create database {name} template {template}"
        )))
        .execute(&mut admin)
        .await
        .expect("cloning the template");
        let urls = urls.for_database(&name);
        TestDb {
            owner_url: urls.owner,
            app_url: urls.app,
            maint_url: urls.maint,
            name,
        }
    }

    /// A connection as the maintenance role, for a test to inspect every tenant's rows.
    pub async fn maint(&self) -> sqlx::PgPool {
        reachly_jobs::db::connect(&self.maint_url, 4).await.unwrap()
    }

    /// A pool as the application role (row-level security applies).
    pub async fn app(&self) -> reachly_jobs::AppDb {
        reachly_jobs::AppDb::connect(&self.app_url, 4)
            .await
            .unwrap()
    }
}
