//! A validate batch reads and writes its own contacts, not the organization's, on tables
//! with no planner statistics (a list just imported; autovacuum may be off, as on CI).
//!
//! The statements are the job's own (`LOAD_BATCH`, `STORE_CONTACTS`), run with
//! `EXPLAIN (ANALYZE, FORMAT JSON)` as the application role in a tenant transaction that is
//! rolled back. What is counted is rows, not time: every row a scan of `contacts` or
//! `contact_list_members` produced or filtered away. Before the batch's id range was bound as
//! an index condition, each 1,000-contact batch read every contact of the organization.

use reachly_jobs::OrgId;
use reachly_jobs::lists::validate_job::{LOAD_BATCH, STORE_CONTACTS};
use reachly_tests::db::TestDb;
use serde_json::Value;
use uuid::Uuid;

const CONTACTS: i64 = 30_000;
const BATCH: usize = 1_000;

/// Rows produced or filtered away by the plan's scans of the two tables (and their indexes).
fn rows_read(node: &Value) -> f64 {
    let touches = |key: &str| {
        node[key].as_str().is_some_and(|name| {
            name.starts_with("contacts") || name.starts_with("contact_list_members")
        })
    };
    let own = if touches("Relation Name") || touches("Index Name") {
        let n = |key: &str| node[key].as_f64().unwrap_or(0.0);
        (n("Actual Rows") + n("Rows Removed by Filter") + n("Rows Removed by Index Recheck"))
            * n("Actual Loops").max(1.0)
    } else {
        0.0
    };
    let children: f64 = node["Plans"]
        .as_array()
        .map(|plans| plans.iter().map(rows_read).sum())
        .unwrap_or(0.0);
    own + children
}

/// An organization with one list of `CONTACTS` members, written in bulk (no ANALYZE).
async fn seed(db: &TestDb) -> (Uuid, Uuid) {
    let maint = db.maint().await;
    let org = Uuid::now_v7();
    let list = Uuid::now_v7();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "insert into organizations (id, slug, name) values ('{org}', 'plans', 'Plans');
         insert into contact_lists (organization_id, id, name, status)
              values ('{org}', '{list}', 'big', 'validating');
         insert into contacts (organization_id, email)
              select '{org}', 'person' || g || '@example.test' from generate_series(1, {CONTACTS}) g;
         insert into contact_list_members (organization_id, list_id, contact_id)
              select '{org}', '{list}', id from contacts where organization_id = '{org}';"
    )))
    .execute(&maint)
    .await
    .unwrap();
    maint.close().await;
    (org, list)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_validate_batch_reads_only_its_own_contacts() {
    let db = TestDb::fresh().await;
    let (org, list) = seed(&db).await;
    let app = db.app().await;
    let mut tx = app.tenant(OrgId(org)).await.unwrap();

    // A batch from the middle of the list: [from, end), as the import's fan-out cuts them.
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "select contact_id from contact_list_members where list_id = $1
          order by contact_id offset 15000 limit 1001",
    )
    .bind(list)
    .fetch_all(&mut **tx)
    .await
    .unwrap();
    let (batch, end) = (&ids[..BATCH], ids[BATCH]);

    // Prepared, as the job's statements are, and planned both ways Postgres plans them: with
    // the values (a connection's first runs) and generically (later, when not costlier).
    let uuids = |ids: &[Uuid]| {
        let list: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        format!("'{{{}}}'::uuid[]", list.join(","))
    };
    let runs = [
        (
            "load",
            LOAD_BATCH,
            format!("'{org}', '{list}', '{}', '{end}'", batch[0]),
        ),
        (
            "store",
            STORE_CONTACTS,
            format!(
                "'{org}', {}, array_fill('valid'::text, array[{BATCH}]),
                 array_fill('{{\"status\": \"valid\"}}'::jsonb, array[{BATCH}]),
                 '{}', '{end}'",
                uuids(batch),
                batch[0]
            ),
        ),
    ];
    let mut plans = Vec::new();
    for (name, sql, args) in &runs {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("prepare {name} as {sql}")))
            .execute(&mut **tx)
            .await
            .unwrap();
        for mode in ["force_custom_plan", "force_generic_plan"] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "set local plan_cache_mode = {mode}"
            )))
            .execute(&mut **tx)
            .await
            .unwrap();
            let plan: Value = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "explain (analyze, format json) execute {name}({args})"
            )))
            .fetch_one(&mut **tx)
            .await
            .unwrap();
            plans.push((format!("{name} ({mode})"), plan));
        }
    }
    drop(tx);

    for (name, plan) in &plans {
        let read = rows_read(&plan[0]["Plan"]);
        assert!(
            read >= BATCH as f64 && read <= 3.0 * BATCH as f64,
            "{name} read {read} rows for a batch of {BATCH} among {CONTACTS}: {plan:#}"
        );
    }
}
