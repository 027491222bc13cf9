//! The registry of personal-data columns (`jobs/data/personal_data.tsv`) matches the schema
//! the migrations build: a migration that adds a column able to hold personal data to a
//! tenant table (one with `organization_id`, and `organizations` itself) without declaring
//! how erasure and anonymization treat it fails here.

use std::collections::BTreeSet;

use reachly_jobs::kinds::ip_anonymization::TARGETS;
use reachly_jobs::privacy::{Anonymization, personal_data};
use reachly_tests::db::TestDb;

#[tokio::test(flavor = "multi_thread")]
async fn every_column_that_can_hold_personal_data_is_declared() {
    let db = TestDb::fresh().await;
    let maint = db.maint().await;
    let schema: Vec<(String, String)> = sqlx::query_as(
        "select c.table_name::text, c.column_name::text
           from information_schema.columns c
           join pg_class k on k.relname = c.table_name
           join pg_namespace n on n.oid = k.relnamespace and n.nspname = c.table_schema
          where c.table_schema = 'public' and k.relkind in ('r', 'p') and not k.relispartition
            and c.data_type in ('text', 'character varying', 'character', 'citext', 'json',
                                'jsonb', 'inet', 'cidr', 'bytea', 'ARRAY', 'USER-DEFINED')
            and (c.table_name = 'organizations'
                 or exists (select 1 from information_schema.columns o
                             where o.table_schema = 'public' and o.table_name = c.table_name
                               and o.column_name = 'organization_id'))
          order by 1, 2",
    )
    .fetch_all(&maint)
    .await
    .unwrap();
    let schema: BTreeSet<(String, String)> = schema.into_iter().collect();
    let declared: BTreeSet<(String, String)> = personal_data()
        .iter()
        .map(|c| (c.table.to_owned(), c.column.to_owned()))
        .collect();
    let undeclared: Vec<_> = schema.difference(&declared).collect();
    assert!(
        undeclared.is_empty(),
        "columns that can hold personal data with no line in jobs/data/personal_data.tsv: {undeclared:?}"
    );
    let stale: Vec<_> = declared.difference(&schema).collect();
    assert!(
        stale.is_empty(),
        "declared columns the schema does not have: {stale:?}"
    );
}

#[test]
fn every_ip_column_is_masked_by_the_anonymization_job() {
    let masked: BTreeSet<String> = personal_data()
        .iter()
        .filter(|c| c.anonymization == Anonymization::MaskIp)
        .map(|c| format!("{}.{}", c.table, c.column))
        .collect();
    let targets: BTreeSet<String> = TARGETS.iter().map(|t| t.column.to_owned()).collect();
    assert_eq!(masked, targets);
}
