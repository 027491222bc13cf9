//! The campaign's audience, written in bulk as the maintenance role (BYPASSRLS), the way
//! `tests/src/sends.rs` writes a small one: `recipients` valid, subscribed contacts with
//! fixed ids in one validated list, a template, a form with a few fields (one a select) and a
//! draft campaign. Contacts and memberships come from `generate_series` in one statement
//! each, so a million of them take seconds and no client-side arrays. The same call writes
//! the same rows into the baseline's database, so the events' foreign keys find them there.

use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::db::BenchDb;

/// The campaign the bench launches (ids are fixed so both databases agree).
pub const CAMPAIGN: Uuid = Uuid::from_u128(0x0c0c_0000_0000_7000_8000_0000_0000_0001);
const LIST: Uuid = Uuid::from_u128(0x0c0c_0000_0000_7000_8000_0000_0000_0002);
const FORM: Uuid = Uuid::from_u128(0x0c0c_0000_0000_7000_8000_0000_0000_0003);
const TEMPLATE: Uuid = Uuid::from_u128(0x0c0c_0000_0000_7000_8000_0000_0000_0004);

/// Contact `n`'s id as SQL over a `generate_series` column `n` (version 7 layout, ordered by
/// `n`, so batches are contiguous runs of the series).
const CONTACT_ID: &str = "('0c0c0000-0000-7000-9000-' || lpad(to_hex(n), 12, '0'))::uuid";

/// Landing-page form fields: (key, type, select options).
const FIELDS: [(&str, &str, Option<&str>); 5] = [
    ("first_name", "text", None),
    ("email", "email", None),
    ("phone", "phone", None),
    (
        "plan",
        "select",
        Some(r#"["starter", "team", "enterprise"]"#),
    ),
    ("consent", "checkbox", None),
];

/// Writes the audience of [`CAMPAIGN`] into organization `org` of `db` in bulk (set-up, not
/// the path being measured). Nothing is analyzed afterwards: a user's list is launched before
/// anything analyzes it, and the launch must not depend on statistics.
pub async fn write(db: &BenchDb, org: Uuid, recipients: u32) -> anyhow::Result<()> {
    let mut maint = PgConnection::connect(&db.maint_url).await?;
    rows(&mut maint, org, recipients).await?;
    maint.close().await?;
    Ok(())
}

async fn rows(conn: &mut PgConnection, org: Uuid, recipients: u32) -> anyhow::Result<()> {
    sqlx::query(
        "insert into contact_lists (organization_id, id, name, status, total_rows, valid_count)
         values ($1, $2, 'send-bench audience', 'validated', $3, $3)",
    )
    .bind(org)
    .bind(LIST)
    .bind(i64::from(recipients))
    .execute(&mut *conn)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into contacts (organization_id, id, email, first_name, last_name, phone, company,
                               validation_status, subscription_status, last_validated_at)
         select $1, {CONTACT_ID}, 'person' || n || '@mail' || (n % 997) || '.test',
                (array['Ann','Bob','Carla','Dmitri','Emma','Farid','Grace','Hiro','Ines','Jonas'])[1 + n % 10],
                (array['Smith','Garcia','Muller','Rossi','Tanaka','Silva','Novak','Okafor'])[1 + (n / 10) % 8],
                case when n % 5 < 3 then '+1555' || lpad((n % 10000000)::text, 7, '0') end,
                case when n % 4 = 0 then 'Company ' || (n % 5000) end,
                'valid', 'subscribed', now()
           from generate_series(0, $2::int4 - 1) as n"
    )))
    .bind(org)
    .bind(recipients as i32)
    .execute(&mut *conn)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into contact_list_members (organization_id, list_id, contact_id)
         select $1, $2, {CONTACT_ID} from generate_series(0, $3::int4 - 1) as n"
    )))
    .bind(org)
    .bind(LIST)
    .bind(recipients as i32)
    .execute(&mut *conn)
    .await?;
    // The template and the form the campaign names (its fields follow).
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "insert into email_templates (organization_id, id, name, subject, html_body)
         values ('{org}', '{TEMPLATE}', 'spring', 'Plans for spring',
                 '<p>Hello {{{{first_name}}}}</p>');
         insert into forms (organization_id, id, name, slug)
         values ('{org}', '{FORM}', 'quote', 'quote');"
    )))
    .execute(&mut *conn)
    .await?;
    for (position, (key, field_type, options)) in FIELDS.into_iter().enumerate() {
        sqlx::query(
            "insert into form_fields (organization_id, form_id, key, label, field_type, options,
                                      required, position)
             values ($1, $2, $3, $3, $4, $5::jsonb, $3 = 'email', $6)",
        )
        .bind(org)
        .bind(FORM)
        .bind(key)
        .bind(field_type)
        .bind(options)
        .bind(position as i32)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "insert into campaigns (organization_id, id, name, subject, from_email, list_id,
                                template_id, form_id)
         values ($1, $2, 'spring', 'Plans for spring', 'news@bench.test', $3, $4, $5)",
    )
    .bind(org)
    .bind(CAMPAIGN)
    .bind(LIST)
    .bind(TEMPLATE)
    .bind(FORM)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
