//! The Rust types that stand for a column's fixed set of words hold exactly the words the
//! migrations allow: each status enum equals its column's CHECK constraint, and
//! `Permission::ALL` equals the seeded `permissions.key` set. A migration that adds or drops
//! a value fails here until the type follows.

use std::collections::BTreeSet;

use reachly_jobs::Permission;
use reachly_jobs::campaigns::{CampaignStatus, LeadStatus};
use reachly_jobs::lists::ListStatus;
use reachly_jobs::validate::ValidationStatus;
use reachly_tests::db::TestDb;
use sqlx::{Connection, PgConnection};

/// The words the CHECK constraint on `table.column` allows, read from `pg_constraint`
/// (`CHECK ((column = ANY (ARRAY['a'::text, ...])))`).
async fn check_values(conn: &mut PgConnection, table: &str, column: &str) -> BTreeSet<String> {
    let definitions: Vec<String> = sqlx::query_scalar(
        "select pg_get_constraintdef(c.oid)
           from pg_constraint c
           join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
          where c.contype = 'c' and c.conrelid = $1::regclass and a.attname = $2",
    )
    .bind(table)
    .bind(column)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(definitions.len(), 1, "{table}.{column}: {definitions:?}");
    definitions[0]
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The words of a type's values (their `Display` is their stored word).
fn words<T: ToString>(values: &[T]) -> BTreeSet<String> {
    values.iter().map(T::to_string).collect()
}

#[tokio::test]
async fn status_enums_hold_exactly_their_check_constraints_values() {
    let db = TestDb::fresh().await;
    let mut conn = PgConnection::connect(&db.owner_url).await.unwrap();
    let cases = [
        ("contact_lists", "status", words(ListStatus::ALL)),
        ("campaigns", "status", words(CampaignStatus::ALL)),
        (
            "contacts",
            "validation_status",
            words(ValidationStatus::ALL),
        ),
        ("leads", "status", words(LeadStatus::ALL)),
    ];
    for (table, column, values) in cases {
        assert_eq!(
            check_values(&mut conn, table, column).await,
            values,
            "{table}.{column}"
        );
    }
}

#[tokio::test]
async fn statuses_bind_and_decode_as_text() {
    let db = TestDb::fresh().await;
    let mut conn = PgConnection::connect(&db.owner_url).await.unwrap();
    for &status in CampaignStatus::ALL {
        let (text, back): (String, CampaignStatus) = sqlx::query_as("select $1::text, $1")
            .bind(status)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!((text.as_str(), back), (status.as_str(), status));
    }
}

#[tokio::test]
async fn permission_all_is_the_seeded_key_set() {
    let db = TestDb::fresh().await;
    let mut conn = PgConnection::connect(&db.owner_url).await.unwrap();
    let seeded: BTreeSet<String> = sqlx::query_scalar("select key from permissions")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(seeded, words(Permission::ALL));
}
