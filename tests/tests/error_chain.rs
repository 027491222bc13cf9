//! A job's stored error keeps its cause: a statement refused by Postgres shows, below the job's
//! own words, the driver's message with its SQLSTATE and constraint.

use reachly_jobs::OrgId;
use reachly_jobs::queue::JobError;
use reachly_tests::db::TestDb;

#[tokio::test(flavor = "multi_thread")]
async fn a_database_error_keeps_its_sqlstate_and_constraint() {
    let db = TestDb::fresh().await;
    let app = db.app().await;
    let mut tx = app.tenant(OrgId(uuid::Uuid::now_v7())).await.unwrap();
    // A membership of no list: the foreign key refuses it.
    let refused = sqlx::query(
        "insert into contact_list_members (organization_id, list_id, contact_id)
         values ($1, $2, $3)",
    )
    .bind(tx.org())
    .bind(uuid::Uuid::now_v7())
    .bind(uuid::Uuid::now_v7())
    .execute(&mut **tx)
    .await
    .unwrap_err();
    let chain = JobError::retryable_because("linking the list", refused).chain();
    assert!(chain.starts_with("linking the list: "), "{chain}");
    assert!(chain.contains("SQLSTATE 23"), "{chain}");
    assert!(chain.contains("constraint "), "{chain}");
}
