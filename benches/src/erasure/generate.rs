//! The bench's data, written in bulk as the maintenance role (see [`crate::events`]): one
//! list of every contact, one completed campaign assigned to every contact, one validation
//! log per contact, a form with the leads and responses of 1% of the contacts and two of
//! each measured person (one by contact, one by address only), and the events, spread evenly
//! over the contacts and over the last `--months` full months (one partition each), those a
//! recipient causes with an IP address and a user agent. Set-up, not measured; nothing is
//! analyzed, and autovacuum is kept off every table written.

use chrono::{Datelike, Months, NaiveDate, Utc};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use super::args::ErasureArgs;
use super::log;
use crate::db::BenchDb;
use crate::events::{self, CONTACT_ID, EventSeries, contact_email};

/// The tables written here besides `events` (autovacuum off; checked never analyzed).
pub const TABLES: &[&str] = &[
    "contacts",
    "contact_list_members",
    "campaign_contact_assignments",
    "validation_logs",
    "leads",
    "form_responses",
];

/// A contact the bench removes: erased through the API (A) or by bare deletes (B).
#[derive(Debug, Clone)]
pub struct Person {
    /// Its number in the series (see [`crate::events::CONTACT_ID`]).
    pub n: u32,
    pub contact: Uuid,
    pub email: String,
}

/// What the generator wrote.
#[derive(Debug, Clone)]
pub struct Generated {
    pub org: Uuid,
    /// A1, B1, A2, B2, …, then one more whose events batch is explained.
    pub persons: Vec<Person>,
    /// The first month of the events.
    pub first_month: NaiveDate,
}

/// Writes everything into organization `org` of `db`.
pub async fn write(db: &BenchDb, org: Uuid, args: &ErasureArgs) -> anyhow::Result<Generated> {
    let mut conn = PgConnection::connect(&db.maint_url).await?;
    let today = Utc::now().date_naive();
    let this_month = today.with_day(1).expect("day 1");
    let first_month = this_month - Months::new(args.months);
    sqlx::query("select ensure_event_partitions($1, $2)")
        .bind(first_month)
        .bind(args.months as i32)
        .execute(&mut conn)
        .await?;
    let partitions = events::autovacuum_off(db, TABLES).await?;
    let base = events::write_base(&mut conn, org, "erasure", args.contacts, 1).await?;
    let campaign = events::campaign_ids(&mut conn, 1).await?[0];
    let persons = persons(args);
    for (what, statement) in [
        (
            "list members",
            "insert into contact_list_members (organization_id, list_id, contact_id)
             select $1, $2, {CONTACT_ID} from generate_series(0, $4::int4 - 1) as c",
        ),
        (
            "assignments",
            "insert into campaign_contact_assignments
                    (organization_id, campaign_id, contact_id, status, batch_no)
             select $1, $3, {CONTACT_ID}, 'delivered', c / 1000
               from generate_series(0, $4::int4 - 1) as c",
        ),
        (
            "validation logs",
            "insert into validation_logs (organization_id, contact_id, list_id, rule_results, status)
             select $1, {CONTACT_ID}, $2,
                    '{\"syntax\": \"pass\", \"mx\": \"pass\", \"disposable\": \"pass\"}', 'valid'
               from generate_series(0, $4::int4 - 1) as c",
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement.replace("{CONTACT_ID}", CONTACT_ID)))
            .bind(org)
            .bind(base.list)
            .bind(campaign)
            .bind(args.contacts as i32)
            .execute(&mut conn)
            .await?;
        log(format!("{} {what} written", args.contacts));
    }
    let leads = leads(&mut conn, org, campaign, args.contacts, &persons).await?;
    log(format!("{leads} leads with their form responses written"));

    let start = first_month
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let span_us = (this_month - first_month)
        .num_microseconds()
        .expect("months fit");
    let series = EventSeries {
        org,
        events: args.events,
        contacts: args.contacts,
        campaigns: 1,
        start,
        step_us: (span_us / args.events.max(1) as i64).max(1),
        wrap: i64::MAX,
        client: true,
    };
    events::write_events(&mut conn, &series, |written| {
        log(format!("{written} of {} events written", args.events))
    })
    .await?;
    let analyzed = events::analyzed(&mut conn, TABLES).await?;
    anyhow::ensure!(
        analyzed.is_empty(),
        "tables were analyzed during set-up: {analyzed:?}"
    );
    log(format!(
        "{partitions} event partitions ({} months from {first_month} hold events), nothing analyzed",
        args.months
    ));
    conn.close().await?;
    Ok(Generated {
        org,
        persons,
        first_month,
    })
}

/// The `2 × rounds + 1` persons, spread over the contacts, none with a background lead.
fn persons(args: &ErasureArgs) -> Vec<Person> {
    let count = 2 * args.rounds + 1;
    (0..count)
        .map(|k| {
            let mut n = (u64::from(k) * u64::from(args.contacts) / u64::from(count)) as u32 + 1;
            if n % 100 == 50 {
                n += 1;
            }
            Person {
                n,
                contact: format!("0c0c0000-0000-7000-9000-{n:012x}")
                    .parse()
                    .expect("a uuid"),
                email: contact_email(n),
            }
        })
        .collect()
}

/// A form; a lead of every 100th contact (`c mod 100 = 50`) with its response; and two
/// leads of each person with a response each: one of their contact, one (a submission
/// before they were a contact) by their address only, spelt in capitals. Returns how many
/// leads it wrote.
async fn leads(
    conn: &mut PgConnection,
    org: Uuid,
    campaign: Uuid,
    contacts: u32,
    persons: &[Person],
) -> anyhow::Result<u64> {
    let form = Uuid::now_v7();
    sqlx::query(
        "insert into forms (organization_id, id, name, slug) values ($1, $2, 'Demo request', 'demo')",
    )
    .bind(org)
    .bind(form)
    .execute(&mut *conn)
    .await?;
    let numbers: Vec<i32> = persons.iter().map(|p| p.n as i32).collect();
    let written = sqlx::query(sqlx::AssertSqlSafe(format!(
        "with wanted as (
             select c, {CONTACT_ID} as contact, 'person' || c || '@mail' || (c % 997) || '.test' as email
               from generate_series(50, $4::int4 - 1, 100) as c
             union all
             select c, {CONTACT_ID}, 'person' || c || '@mail' || (c % 997) || '.test'
               from unnest($5::int4[]) as c
             union all
             select c, null, upper('person' || c || '@mail' || (c % 997) || '.test')
               from unnest($5::int4[]) as c),
         l as (
             insert into leads (organization_id, contact_id, campaign_id, form_id, source, email,
                                first_name, last_name, phone)
             select $1, contact, $2, $3, 'form', email, 'Pat', 'Doe ' || c, '+1555' || lpad(c::text, 7, '0')
               from wanted
             returning id, contact_id, email, last_name)
         insert into form_responses (organization_id, form_id, lead_id, contact_id, campaign_id,
                                     response_data, ip_address, user_agent)
         select $1, $3, l.id, l.contact_id, $2,
                jsonb_build_object('email', l.email, 'first_name', 'Pat', 'last_name', l.last_name,
                                   'company', 'Acme', 'consent', true),
                ('192.0.2.' || (1 + abs(hashtext(l.email)) % 254))::inet, 'Mozilla/5.0 (X11; Linux x86_64)'
           from l"
    )))
    .bind(org)
    .bind(campaign)
    .bind(form)
    .bind(contacts as i32)
    .bind(&numbers)
    .execute(&mut *conn)
    .await?;
    Ok(written.rows_affected())
}
