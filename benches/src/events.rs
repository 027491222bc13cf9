//! Bench data with millions of events, written in bulk as the maintenance role (shared by
//! `rollup_bench` and `erasure_bench`): one organization's list, template, contacts and
//! completed campaigns, and `events` written by `INSERT … SELECT` over `generate_series`, a
//! million rows per statement. Set-up, not measured; nothing is analyzed, and autovacuum is
//! kept off what is written so it cannot analyze it mid-run.

use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::db::BenchDb;

/// Events written per statement (progress, and bounded transactions).
const CHUNK: u64 = 1_000_000;

/// Campaign `i`'s id, as SQL over an integer `i`.
pub const CAMPAIGN_ID: &str =
    "('0c0c0000-0000-7000-8000-' || lpad(to_hex(1000 + i), 12, '0'))::uuid";
/// Contact `c`'s id, as SQL over an integer `c`.
pub const CONTACT_ID: &str = "('0c0c0000-0000-7000-9000-' || lpad(to_hex(c), 12, '0'))::uuid";
/// Contact `c`'s address, as SQL over an integer `c` (unique; see [`contact_email`]).
const CONTACT_EMAIL: &str = "'person' || c || '@mail' || (c % 997) || '.test'";

/// Contact `c`'s address, as [`write_base`] wrote it.
pub fn contact_email(c: u32) -> String {
    format!("person{c}@mail{}.test", c % 997)
}

/// What [`write_base`] wrote besides the contacts and campaigns.
#[derive(Debug, Clone, Copy)]
pub struct Base {
    pub list: Uuid,
    pub template: Uuid,
}

/// Writes into organization `org` a validated list and a template named `name`, `contacts`
/// valid contacts (`c` in `0..contacts`: [`CONTACT_ID`], [`contact_email`]) and `campaigns`
/// completed campaigns of that list ([`CAMPAIGN_ID`]).
pub async fn write_base(
    conn: &mut PgConnection,
    org: Uuid,
    name: &str,
    contacts: u32,
    campaigns: u32,
) -> anyhow::Result<Base> {
    let (list, template) = (Uuid::now_v7(), Uuid::now_v7());
    sqlx::query(
        "insert into contact_lists (organization_id, id, name, status) values ($1, $2, $3, 'validated')",
    )
    .bind(org)
    .bind(list)
    .bind(name)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into email_templates (organization_id, id, name, subject, html_body)
         values ($1, $2, $3, 'Hello', '<p>Hi</p>')",
    )
    .bind(org)
    .bind(template)
    .bind(name)
    .execute(&mut *conn)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into contacts (organization_id, id, email, validation_status)
         select $1, {CONTACT_ID}, {CONTACT_EMAIL}, 'valid'
           from generate_series(0, $2::int4 - 1) as c"
    )))
    .bind(org)
    .bind(contacts as i32)
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
    .bind(campaigns as i32)
    .execute(&mut *conn)
    .await?;
    Ok(Base { list, template })
}

/// The ids of the `campaigns` campaigns [`write_base`] wrote.
pub async fn campaign_ids(conn: &mut PgConnection, campaigns: u32) -> anyhow::Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "select {CAMPAIGN_ID} from generate_series(0, $1::int4 - 1) as i"
    )))
    .bind(campaigns as i32)
    .fetch_all(conn)
    .await?)
}

/// Which events to write: event `n` (`0..events`) belongs to campaign `n mod campaigns` and
/// to contact `n × 7919 mod contacts` (7919 is prime: unless it divides `contacts`, every
/// contact gets `events / contacts` events, or one more), and happened at
/// `start + (n mod wrap) × step_us` microseconds.
#[derive(Debug, Clone, Copy)]
pub struct EventSeries {
    pub org: Uuid,
    pub events: u64,
    pub contacts: u32,
    pub campaigns: u32,
    pub start: DateTime<Utc>,
    pub step_us: i64,
    pub wrap: i64,
    /// Whether events a recipient causes (all but sent, delivered and bounce) carry an IP
    /// address and a user agent, as real opens, clicks and form events do.
    pub client: bool,
}

/// Writes the `series`, [`CHUNK`] events per statement, calling `progress` with how many
/// are written after each.
pub async fn write_events(
    conn: &mut PgConnection,
    series: &EventSeries,
    progress: impl Fn(u64),
) -> anyhow::Result<()> {
    let mut from = 0;
    while from < series.events {
        let to = (from + CHUNK).min(series.events);
        write_chunk(conn, series, (from, to)).await?;
        progress(to);
        from = to;
    }
    Ok(())
}

/// Events `[from, to)` of the series: event `n`'s type from a hash of `n` in the mix of a
/// real send (sent 27%, delivered 26%, open 25% of which 35% machine, click 10%, bounce 2%
/// of which 40% hard, unsubscribe 1%, complaint 0.1%, form view 4.9%, form submit 4%).
async fn write_chunk(
    conn: &mut PgConnection,
    series: &EventSeries,
    (from, to): (u64, u64),
) -> anyhow::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into events (organization_id, campaign_id, contact_id, event_type, event_data,
                             ip_address, user_agent, occurred_at)
         select $1, {CAMPAIGN_ID}, {CONTACT_ID}, t.event_type,
                case t.event_type
                    when 'open' then jsonb_build_object('machine_open', h % 100 < 35, 'device', 'iphone')
                    when 'bounce' then jsonb_build_object('bounce_type', case when h % 10 < 4 then 'hard' else 'soft' end)
                    when 'click' then jsonb_build_object('url', 'https://acme.test/plans')
                    else '{{}}'::jsonb end,
                case when r then ('198.51.' || (c % 256) || '.' || (1 + n % 254))::inet end,
                case when r then (array[
                    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
                    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
                    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
                    'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)'
                    ])[1 + c % 4] end,
                $2 + ((n % $7::int8) * $8::int8) * interval '1 microsecond'
           from generate_series($3::int8, $4::int8 - 1) as n
           cross join lateral (select (n * 2654435761) % 1000 as h,
                                      (n % $5::int8)::int as i,
                                      ((n * 7919) % $6::int8)::int as c) k
           cross join lateral (select case
                    when h < 270 then 'sent' when h < 530 then 'delivered'
                    when h < 780 then 'open' when h < 880 then 'click'
                    when h < 900 then 'bounce' when h < 910 then 'unsubscribe'
                    when h < 911 then 'complaint' when h < 960 then 'form_view'
                    else 'form_submit' end as event_type) t
           cross join lateral (select $9::bool and t.event_type not in ('sent', 'delivered', 'bounce') as r) rc"
    )))
    .bind(series.org)
    .bind(series.start)
    .bind(from as i64)
    .bind(to as i64)
    .bind(i64::from(series.campaigns))
    .bind(i64::from(series.contacts))
    .bind(series.wrap)
    .bind(series.step_us)
    .bind(series.client)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Turns autovacuum (and so auto-analyze) off on every events partition and on `tables`, as
/// the owner: on a machine where it runs, it would otherwise analyze freshly written rows
/// mid-run. Returns how many events partitions there are (create them first).
pub async fn autovacuum_off(db: &BenchDb, tables: &[&str]) -> anyhow::Result<usize> {
    let mut owner = PgConnection::connect(&db.owner_url).await?;
    let parts: Vec<String> = sqlx::query_scalar(
        "select c.relname::text from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent = 'events'::regclass",
    )
    .fetch_all(&mut owner)
    .await?;
    let count = parts.len();
    for table in parts
        .iter()
        .map(String::as_str)
        .chain(tables.iter().copied())
    {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "alter table {table} set (autovacuum_enabled = false)"
        )))
        .execute(&mut owner)
        .await?;
    }
    owner.close().await?;
    Ok(count)
}

/// The events partitions and `tables` that were analyzed (by anyone, autovacuum included):
/// none, or a bench's figures are not those of a user's flow.
pub async fn analyzed(conn: &mut PgConnection, tables: &[&str]) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "select relname::text from pg_stat_user_tables
          where (relname like 'events%' or relname = any($1))
            and (last_analyze is not null or last_autoanalyze is not null)
          order by 1",
    )
    .bind(tables)
    .fetch_all(conn)
    .await?)
}
