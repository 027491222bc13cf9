//! A fresh database per test, cloned from a template migrated once per migration set.

use reachly_testkit::Database;
use sqlx::postgres::PgArguments;
use sqlx::query::QueryScalar;
use sqlx::{PgExecutor, Postgres};

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

/// A value a query reads as one column: what [`scalar`] and its kin return.
pub trait Column: Send + Unpin + for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres> {}

impl<T> Column for T where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>
{
}

/// `sql` (a test's own, so trusted) as a query that reads one column.
fn column<'q, T: Column>(sql: &str) -> QueryScalar<'q, Postgres, T, PgArguments> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
}

/// What `sql` gave; a failed statement fails the test, naming it.
fn read<T>(sql: &str, result: Result<T, sqlx::Error>) -> T {
    result.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The one value `sql` (without parameters) selects, read through `executor`.
pub async fn scalar<'e, T: Column>(executor: impl PgExecutor<'e>, sql: &str) -> T {
    read(sql, column(sql).fetch_one(executor).await)
}

/// The one value `sql` selects with `arg` bound to `$1`, read through `executor`.
pub async fn scalar_with<'e, 'q, T: Column, A>(
    executor: impl PgExecutor<'e>,
    sql: &str,
    arg: A,
) -> T
where
    A: 'q + Send + sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres>,
{
    read(sql, column(sql).bind(arg).fetch_one(executor).await)
}

/// Every value `sql` (without parameters) selects, read through `executor`.
pub async fn scalars<'e, T: Column>(executor: impl PgExecutor<'e>, sql: &str) -> Vec<T> {
    read(sql, column(sql).fetch_all(executor).await)
}

/// Runs `sql` (without parameters) through `executor`; returns how many rows it affected.
pub async fn execute<'e>(executor: impl PgExecutor<'e>, sql: &str) -> u64 {
    let query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    read(sql, query.execute(executor).await).rows_affected()
}
