//! A fresh database per test, cloned from a template migrated once per migration set.

use reachly_testkit::Database;

/// Connection URLs of one test database, one per role (see [`Database`]), with the pools a
/// test inspects it through.
#[derive(Clone, Debug)]
pub struct TestDb(Database);

impl std::ops::Deref for TestDb {
    type Target = Database;
    fn deref(&self) -> &Database {
        &self.0
    }
}

impl TestDb {
    /// Creates a new, migrated, empty database.
    pub async fn fresh() -> TestDb {
        TestDb(
            Database::clone_template()
                .await
                .expect("a fresh test database (run scripts/services.sh)"),
        )
    }

    /// A connection as the maintenance role, for a test to inspect every tenant's rows.
    pub async fn maint(&self) -> sqlx::PgPool {
        self.maint_pool(4).await.unwrap()
    }

    /// A pool as the application role (row-level security applies).
    pub async fn app(&self) -> reachly_jobs::AppDb {
        reachly_jobs::AppDb::connect(&self.app_url, 4)
            .await
            .unwrap()
    }
}

/// The one value `sql` (without parameters) selects, read through `executor`.
pub async fn scalar<'e, T, E>(executor: E, sql: &str) -> T
where
    E: sqlx::PgExecutor<'e>,
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(executor)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}
