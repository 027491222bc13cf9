//! The bench's data, written in bulk as the maintenance role: contacts, campaigns (completed,
//! so the day finalizes), and `events` spread over one UTC day with a realistic mix of types
//! and subtypes. Set-up, not measured; nothing is analyzed, and autovacuum is kept off the
//! event partitions so it cannot analyze them mid-run.

use chrono::NaiveDate;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use super::log;
use crate::db::BenchDb;

/// Events written per statement (progress, and bounded transactions).
const CHUNK: u64 = 1_000_000;

/// Campaign `i`'s id, as SQL over an integer `i`.
const CAMPAIGN_ID: &str = "('0c0c0000-0000-7000-8000-' || lpad(to_hex(1000 + i), 12, '0'))::uuid";
/// Contact `c`'s id, as SQL over an integer `c`.
const CONTACT_ID: &str = "('0c0c0000-0000-7000-9000-' || lpad(to_hex(c), 12, '0'))::uuid";

/// What the generator wrote.
#[derive(Debug, Clone)]
pub struct Generated {
    pub org: Uuid,
    pub day: NaiveDate,
    pub campaigns: Vec<Uuid>,
}

/// Writes everything into organization `org` of `db`, events on `day`.
pub async fn write(
    db: &BenchDb,
    org: Uuid,
    day: NaiveDate,
    args: &super::args::RollupArgs,
) -> anyhow::Result<Generated> {
    let partitions = autovacuum_off(db).await?;
    let mut conn = PgConnection::connect(&db.maint_url).await?;
    setup(&mut conn, org, args).await?;
    let start = day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let mut from = 0;
    while from < args.events {
        let to = (from + CHUNK).min(args.events);
        events(&mut conn, org, start, (from, to), args).await?;
        log(format!("{to} of {} events written", args.events));
        from = to;
    }
    let analyzed: i64 = sqlx::query_scalar(
        "select count(*) from pg_stat_user_tables
          where relname like 'events%' and (last_analyze is not null or last_autoanalyze is not null)",
    )
    .fetch_one(&mut conn)
    .await?;
    anyhow::ensure!(
        analyzed == 0,
        "an events partition was analyzed during set-up"
    );
    log(format!("{partitions} event partitions, none analyzed"));
    let campaigns = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "select {CAMPAIGN_ID} from generate_series(0, $1::int4 - 1) as i"
    )))
    .bind(args.campaigns as i32)
    .fetch_all(&mut conn)
    .await?;
    conn.close().await?;
    Ok(Generated {
        org,
        day,
        campaigns,
    })
}

async fn setup(
    conn: &mut PgConnection,
    org: Uuid,
    args: &super::args::RollupArgs,
) -> anyhow::Result<()> {
    let (list, template) = (Uuid::now_v7(), Uuid::now_v7());
    sqlx::query(
        "insert into contact_lists (organization_id, id, name, status) values ($1, $2, 'rollup', 'validated')",
    )
    .bind(org)
    .bind(list)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into email_templates (organization_id, id, name, subject, html_body)
         values ($1, $2, 'rollup', 'Hello', '<p>Hi</p>')",
    )
    .bind(org)
    .bind(template)
    .execute(&mut *conn)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into contacts (organization_id, id, email, validation_status)
         select $1, {CONTACT_ID}, 'person' || c || '@mail' || (c % 997) || '.test', 'valid'
           from generate_series(0, $2::int4 - 1) as c"
    )))
    .bind(org)
    .bind(args.contacts as i32)
    .execute(&mut *conn)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into campaigns (organization_id, id, name, list_id, template_id, status,
                                started_at, completed_at)
         select $1, {CAMPAIGN_ID}, 'Campaign ' || i, $2, $3, 'completed', now(), now()
           from generate_series(0, $4::int4 - 1) as i"
    )))
    .bind(org)
    .bind(list)
    .bind(template)
    .bind(args.campaigns as i32)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Events `[from, to)` of the series: event `n`'s type from a hash of `n` in the mix of a
/// real send (sent 27%, delivered 26%, open 25% of which 35% machine, click 10%, bounce 2%
/// of which 40% hard, unsubscribe 1%, complaint 0.1%, form view 4.9%, form submit 4%), its
/// campaign `n mod campaigns`, its contact a hash of `n`, its time spread over the day.
async fn events(
    conn: &mut PgConnection,
    org: Uuid,
    day_start: chrono::DateTime<chrono::Utc>,
    (from, to): (u64, u64),
    args: &super::args::RollupArgs,
) -> anyhow::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into events (organization_id, campaign_id, contact_id, event_type, event_data,
                             occurred_at)
         select $1, {CAMPAIGN_ID}, {CONTACT_ID}, t.event_type,
                case t.event_type
                    when 'open' then jsonb_build_object('machine_open', h % 100 < 35, 'device', 'iphone')
                    when 'bounce' then jsonb_build_object('bounce_type', case when h % 10 < 4 then 'hard' else 'soft' end)
                    when 'click' then jsonb_build_object('url', 'https://acme.test/plans')
                    else '{{}}'::jsonb end,
                $2 + (n % 86400000) * interval '1 millisecond'
           from generate_series($3::int8, $4::int8 - 1) as n
           cross join lateral (select (n * 2654435761) % 1000 as h,
                                      (n % $5::int8)::int as i,
                                      ((n * 7919) % $6::int8)::int as c) k
           cross join lateral (select case
                    when h < 270 then 'sent' when h < 530 then 'delivered'
                    when h < 780 then 'open' when h < 880 then 'click'
                    when h < 900 then 'bounce' when h < 910 then 'unsubscribe'
                    when h < 911 then 'complaint' when h < 960 then 'form_view'
                    else 'form_submit' end as event_type) t"
    )))
    .bind(org)
    .bind(day_start)
    .bind(from as i64)
    .bind(to as i64)
    .bind(i64::from(args.campaigns))
    .bind(i64::from(args.contacts))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Turns autovacuum (and so auto-analyze) off on every events partition, as the owner: on a
/// machine where it runs, it would otherwise analyze the freshly written day mid-run.
/// Returns how many partitions there are.
async fn autovacuum_off(db: &BenchDb) -> anyhow::Result<usize> {
    let mut owner = PgConnection::connect(&db.owner_url).await?;
    let parts: Vec<String> = sqlx::query_scalar(
        "select c.relname::text from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent = 'events'::regclass",
    )
    .fetch_all(&mut owner)
    .await?;
    let count = parts.len();
    for part in parts {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "alter table {part} set (autovacuum_enabled = false)"
        )))
        .execute(&mut owner)
        .await?;
    }
    owner.close().await?;
    Ok(count)
}
