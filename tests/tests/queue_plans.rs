//! The queue's bookkeeping statements (claim, grouped success) read only the rows they touch,
//! as the worker runs them: on a connection set up for key lookups (`KeyLookupPlans`), as
//! the application role. A generic plan first made while `job_runs` was empty (a worker's
//! first claim is its warm-up job) reads the whole organization once the table has grown
//! (asserted below); the worker's statistics loop (`queue::statistics`) then analyzes the
//! table, and the same connection's next claim is planned anew and reads by key. Counted from
//! `EXPLAIN (ANALYZE, FORMAT JSON)`, not timed.

use reachly_jobs::MaintDb;
use reachly_jobs::queue::lifecycle::{CLAIM, SUCCEED};
use reachly_jobs::queue::statistics;
use reachly_jobs::tenancy::KeyLookupPlans;
use reachly_tests::db::TestDb;
use reachly_tests::plans::{explain_rolled_back, rows_read};
use sqlx::Connection;
use uuid::Uuid;

/// Jobs per organization; two organizations.
const JOBS: i64 = 30_000;
/// Jobs one statement touches (a task of the feeder's size).
const BATCH: usize = 100;

/// A connection of the application role set up as the worker's bookkeeping connections are.
async fn bookkeeping_connection(url: &str) -> sqlx::PgConnection {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(KeyLookupPlans::settings("set")))
        .execute(&mut conn)
        .await
        .unwrap();
    conn
}

/// Prepares the claim and the success on `conn`.
async fn prepare(conn: &mut sqlx::PgConnection) {
    let claim_types = "(uuid[], text[], text, uuid)";
    let succeed_types = "(uuid[], int4[], jsonb[], text[], jsonb[], uuid, text)";
    for (name, types, sql) in [
        ("claim", claim_types, CLAIM),
        ("succeed", succeed_types, SUCCEED),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "prepare {name} {types} as {sql}"
        )))
        .execute(&mut *conn)
        .await
        .unwrap();
    }
}

fn array<T: std::fmt::Display>(items: &[T], cast: &str) -> String {
    let inner: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    format!("'{{{}}}'::{cast}", inner.join(","))
}

#[tokio::test(flavor = "multi_thread")]
async fn claims_and_successes_read_only_their_rows_with_plans_made_on_an_empty_table() {
    let db = TestDb::fresh().await;
    let maint = db.maint().await;
    sqlx::raw_sql("insert into organizations (slug, name) values ('one', 'One'), ('two', 'Two')")
        .execute(&maint)
        .await
        .unwrap();
    let org: Uuid = sqlx::query_scalar("select id from organizations where slug = 'one'")
        .fetch_one(&maint)
        .await
        .unwrap();
    // One connection of the application role, set up as the worker's bookkeeping connections
    // are, with short tenant transactions as the worker's.
    let mut first = bookkeeping_connection(&db.app_url).await;
    let conn = &mut first;
    let begin = format!("begin; select set_config('app.organization_id', '{org}', true)");
    let begin = || sqlx::raw_sql(sqlx::AssertSqlSafe(begin.clone()));
    begin().execute(&mut *conn).await.unwrap();
    prepare(conn).await;
    // The generic plans are made now, on the empty table, as at a worker's first job.
    let none = format!("'{{}}'::uuid[], '{{}}'::text[], 'w', '{org}'");
    explain_rolled_back(conn, "claim", &none).await;
    let none = format!("'{{}}', '{{}}', '{{}}', '{{}}', '{{}}', '{org}', 'w'");
    explain_rolled_back(conn, "succeed", &none).await;

    // Then the table grows: both organizations' jobs waiting in Redis, some running, many
    // finished (the maintenance role, in its own committed transaction).
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "insert into job_runs (organization_id, kind, queue, status, enqueued_at, transport_id)
              select o.id, 'noop', 'noop', 'queued', now(), 'task-' || (g / {BATCH})
                from organizations o, generate_series(1, {JOBS}) g;
         insert into job_runs (organization_id, kind, queue, status, locked_by, attempts)
              select o.id, 'noop', 'noop', 'running', 'w', 1
                from organizations o, generate_series(1, {BATCH}) g;
         insert into job_runs (organization_id, kind, queue, status, finished_at)
              select o.id, 'noop', 'noop', 'succeeded', now()
                from organizations o, generate_series(1, {JOBS}) g;"
    )))
    .execute(&maint)
    .await
    .unwrap();

    let waiting: Vec<(Uuid, String)> = sqlx::query_as(
        "select id, transport_id from job_runs where status = 'queued' order by id limit $1",
    )
    .bind(BATCH as i64)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let (ids, tids): (Vec<Uuid>, Vec<String>) = waiting.into_iter().unzip();
    let args = format!(
        "{}, {}, 'w', '{org}'",
        array(&ids, "uuid[]"),
        array(&tids, "text[]")
    );
    // The plan made on the empty table reads the organization's every job...
    let plan = explain_rolled_back(conn, "claim", &args).await;
    assert!(rows_read(&plan, &["job_runs"]) > JOBS as f64, "{plan:#}");
    // ... until the worker's statistics loop sees that the table outgrew its statistics.
    sqlx::raw_sql("commit").execute(&mut *conn).await.unwrap();
    let stats = MaintDb::connect(&db.maint_url, 1).await.unwrap();
    assert!(statistics::refresh_if_stale(&stats).await.unwrap());
    assert!(!statistics::refresh_if_stale(&stats).await.unwrap());
    begin().execute(&mut *conn).await.unwrap();
    let plan = explain_rolled_back(conn, "claim", &args).await;
    assert_eq!(
        plan["Actual Rows"].as_f64(),
        Some(BATCH as f64),
        "claimed: {plan:#}"
    );
    let read = rows_read(&plan, &["job_runs"]);
    assert!(
        read >= BATCH as f64 && read <= 3.0 * BATCH as f64,
        "the claim of {BATCH} jobs read {read} rows of job_runs: {plan:#}"
    );

    let running: Vec<Uuid> =
        sqlx::query_scalar("select id from job_runs where status = 'running' order by id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    let n = running.len();
    let args = format!(
        "{}, array_fill(1, array[{n}]), array_fill('{{}}'::jsonb, array[{n}]), \
         array_fill('job.noop.completed'::text, array[{n}]), array_fill('{{}}'::jsonb, array[{n}]), \
         '{org}', 'w'",
        array(&running, "uuid[]")
    );
    let plan = explain_rolled_back(conn, "succeed", &args).await;
    assert_eq!(
        plan["Actual Rows"].as_f64(),
        Some(n as f64),
        "recorded: {plan:#}"
    );
    let read = rows_read(&plan, &["job_runs"]);
    assert!(
        read >= n as f64 && read <= 3.0 * n as f64,
        "the success of {n} jobs read {read} rows of job_runs: {plan:#}"
    );
    sqlx::raw_sql("rollback").execute(&mut *conn).await.unwrap();
}
