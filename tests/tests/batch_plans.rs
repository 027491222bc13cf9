//! Every statement whose cost grows with a list or a campaign reads only the rows it needs,
//! on tables with no planner statistics (a list is launched seconds after it is imported;
//! autovacuum may be off, as on CI), under custom and generic plans, at two sizes.
//!
//! The statements are the engine's own (public constants and query builders of `jobs`), run
//! as the application role in a tenant transaction that is rolled back. What is counted is
//! rows, not time ([`reachly_tests::plans`]). The organization holds more than each statement
//! needs, so a plan that scans it shows: a second list with every contact, a second campaign
//! to every contact with its own events and leads, and another organization of the same size.
//!
//! A new bulk statement gets a `check` here: its constant, its arguments and what it needs.

use reachly_jobs::CampaignId;
use reachly_jobs::OrgId;
use reachly_jobs::campaigns::reads::{EventPosition, LeadFilter, events_page, leads_page};
use reachly_jobs::campaigns::recipients::{CHUNK_MEMBERS, assign_chunk};
use reachly_jobs::campaigns::send_job::{LOAD_RECIPIENTS, MARK_ASSIGNMENTS, STORE_SUBSCRIPTIONS};
use reachly_jobs::kinds::gdpr_erasure::{STEPS, address_pattern};
use reachly_jobs::lists::import_job::BATCH_STARTS;
use reachly_jobs::lists::import_merge::{DEDUPE, DROP_SUPPRESSED, STAGING_TABLES, UPSERT_AND_LINK};
use reachly_jobs::lists::reads::MEMBER_CONTACTS_PAGE;
use reachly_jobs::lists::validate_job::{LOAD_BATCH, STORE_CONTACTS};
use reachly_jobs::simulate::EventType;
use reachly_tests::db::{Column, TestDb, scalar};
use reachly_tests::plans::{assert_reads, plan_both, plan_both_typed, rows_read};
use uuid::Uuid;

/// The suppression key the plans run with, as an SQL literal.
const KEY: &str = "convert_to('a-test-suppression-key-of-32-bytes-or-more', 'UTF8')";

/// Send batch size the seeded campaigns use.
const SEND_BATCH: i64 = 500;
/// A page as the API reads it (`limit` + 1).
const PAGE: i64 = 101;

/// The seeded organization's ids.
struct Seeded {
    org: Uuid,
    /// Every second contact of the organization.
    list: Uuid,
    /// A list being imported (empty).
    importing: Uuid,
    /// Sending to `list`'s valid members, with events and leads.
    campaign: Uuid,
    /// Scheduled on `list`, nothing assigned yet.
    scheduled: Uuid,
}

/// Two organizations of `contacts` contacts each, written in bulk as the maintenance role (no
/// ANALYZE). In the first: a list of every second contact, a list of all of them, a campaign on
/// each with assignments in batches of [`SEND_BATCH`], two events per recipient and a lead
/// (with its form response) for every tenth; 1 in 40 addresses suppressed.
async fn seed(db: &TestDb, contacts: i64) -> Seeded {
    let s = Seeded {
        org: Uuid::now_v7(),
        list: Uuid::now_v7(),
        importing: Uuid::now_v7(),
        campaign: Uuid::now_v7(),
        scheduled: Uuid::now_v7(),
    };
    let (org, list, importing, campaign, scheduled) =
        (s.org, s.list, s.importing, s.campaign, s.scheduled);
    let (other, all, other_list) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let (template, form, everyone) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let maint = db.maint().await;
    let started = std::time::Instant::now();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "begin;
         insert into organizations (id, slug, name)
              values ('{org}', 'plans', 'Plans'), ('{other}', 'other', 'Other');
         insert into contacts (organization_id, email, validation_status)
              select o, 'person' || g || '@example.test',
                     case g % 10 when 0 then 'risky' when 1 then 'invalid' else 'valid' end
                from generate_series(1, {contacts}) g,
                     (values ('{org}'::uuid), ('{other}'::uuid)) as orgs(o);
         insert into contact_lists (organization_id, id, name, status)
              values ('{org}', '{list}', 'half', 'validated'),
                     ('{org}', '{all}', 'all', 'validated'),
                     ('{org}', '{importing}', 'new', 'importing'),
                     ('{other}', '{other_list}', 'theirs', 'validated');
         create temp table numbered on commit drop as
              select organization_id, id, validation_status,
                     row_number() over (partition by organization_id order by id) as n
                from contacts;
         insert into contact_list_members (organization_id, list_id, contact_id)
              select organization_id, '{list}', id from numbered
               where organization_id = '{org}' and n % 2 = 0;
         insert into contact_list_members (organization_id, list_id, contact_id)
              select organization_id, case organization_id when '{org}' then '{all}'::uuid
                                                           else '{other_list}'::uuid end, id
                from numbered;
         insert into suppressions (organization_id, email_hash, keyed, reason)
              select organization_id, suppression_hash(email, {KEY}), true, 'manual'
                from (select organization_id, email, row_number() over (order by id) as n
                        from contacts where organization_id = '{org}') c
               where n % 40 = 3;
         insert into email_templates (organization_id, id, name) values ('{org}', '{template}', 't');
         insert into forms (organization_id, id, name, slug) values ('{org}', '{form}', 'f', 'f');
         insert into campaigns (organization_id, id, name, list_id, template_id, form_id, status)
              values ('{org}', '{campaign}', 'half', '{list}', '{template}', '{form}', 'sending'),
                     ('{org}', '{everyone}', 'all', '{all}', '{template}', '{form}', 'completed'),
                     ('{org}', '{scheduled}', 'later', '{list}', '{template}', '{form}',
                      'scheduled');
         insert into campaign_contact_assignments (organization_id, campaign_id, contact_id,
                                                   batch_no)
              select organization_id, cam, id,
                     (row_number() over (partition by cam order by id) - 1) / {SEND_BATCH}
                from numbered,
                     lateral (select '{campaign}'::uuid where n % 2 = 0
                              union all select '{everyone}'::uuid) as c(cam)
               where organization_id = '{org}' and validation_status = 'valid';
         select ensure_event_partitions(current_date, 1);
         insert into events (organization_id, campaign_id, contact_id, event_type, occurred_at)
              select a.organization_id, a.campaign_id, a.contact_id, t,
                     date_trunc('month', now())
                       + make_interval(secs => (row_number() over (order by a.contact_id)) % 86400)
                from campaign_contact_assignments a, unnest(array['sent', 'delivered']) t;
         insert into leads (organization_id, contact_id, campaign_id, form_id, email)
              select a.organization_id, a.contact_id, a.campaign_id, '{form}', 'lead@example.test'
                from campaign_contact_assignments a
               where get_byte(uuid_send(a.contact_id), 15) % 10 = 0;
         insert into form_responses (organization_id, form_id, lead_id, contact_id, campaign_id,
                                     response_data)
              select organization_id, form_id, id, contact_id, campaign_id, '{{\"zip\": \"10001\"}}'
                from leads;
         commit;"
    )))
    .execute(&maint)
    .await
    .unwrap();
    eprintln!("seeded {contacts} contacts in {:?}", started.elapsed());
    maint.close().await;
    s
}

/// One scalar read with uuid parameters (`args` bound to `$1`, `$2`, ...), as the
/// application role inside the tenant transaction.
async fn scalar_for<T: Column>(conn: &mut sqlx::PgConnection, sql: &str, args: &[Uuid]) -> T {
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()));
    for arg in args {
        query = query.bind(*arg);
    }
    query.fetch_one(conn).await.unwrap()
}

/// Contact rows this transaction fetched so far, by sequential scans and by index scans
/// (index-only scans fetch none): what triggers read counts too.
async fn contact_rows_fetched(conn: &mut sqlx::PgConnection) -> i64 {
    scalar(
        conn,
        "select coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)
           from pg_stat_xact_user_tables where relname = 'contacts'",
    )
    .await
}

fn uuid_array(ids: &[Uuid]) -> String {
    let list: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    format!("'{{{}}}'::uuid[]", list.join(","))
}

async fn every_bulk_statement_reads_only_what_it_needs(contacts: i64) {
    let db = TestDb::fresh().await;
    let s = seed(&db, contacts).await;
    let (org, list, campaign) = (s.org, s.list, s.campaign);
    let app = db.app().await;
    let mut tx = app.tenant(OrgId(org)).await.unwrap();
    let conn: &mut sqlx::PgConnection = &mut tx;
    let at = format!("{contacts} contacts in the organization");

    let members: i64 = scalar_for(
        conn,
        "select count(*) from contact_list_members where list_id = $1",
        &[list],
    )
    .await;

    // launch: one chunk of recipients, assigned, with and without the suppression lookup.
    // What the statement's triggers read (the statement-level reference checks of 0017) is
    // not in its plan: the transaction's table statistics count it. With the
    // (organization_id, validation_status) index in place, their contact check read every
    // valid contact of the organization for each new assignment.
    let chunk = members.min(CHUNK_MEMBERS) as f64;
    let before = contact_rows_fetched(conn).await;
    for (name, check_suppressions) in [("assign_chunk", true), ("assign_unsuppressed", false)] {
        let plans = plan_both(
            conn,
            name,
            &assign_chunk(check_suppressions),
            &format!(
                "'{org}', '{}', '{list}', {SEND_BATCH}, false, '{}', 0, {CHUNK_MEMBERS}{}",
                s.scheduled,
                Uuid::nil(),
                if check_suppressions {
                    format!(", {KEY}")
                } else {
                    String::new()
                }
            ),
        )
        .await;
        assert_reads(
            &plans,
            &["contacts", "contact_list_members"],
            2.0 * chunk,
            &at,
        );
        // At most one suppression probe per member, each reading at most its match.
        for plan in &plans {
            let read = rows_read(&plan.root, &["suppressions"]);
            assert!(read <= chunk, "{} read {read} suppressions", plan.name);
        }
    }

    let fetched = (contact_rows_fetched(conn).await - before) as f64;
    // Four runs (two statements, two plans each), each needing at most one fetch per member.
    assert!(
        fetched <= 3.0 * 4.0 * chunk,
        "the launch's chunks fetched {fetched} contact rows for 4 runs of {chunk} members ({at})"
    );

    // send: a batch from the middle of the campaign.
    let batch_no: i32 = scalar_for(
        conn,
        "select (max(batch_no) / 2)::int4 from campaign_contact_assignments where campaign_id = $1",
        &[campaign],
    )
    .await;
    let batch: Vec<Uuid> = sqlx::query_scalar(
        "select contact_id from campaign_contact_assignments
          where campaign_id = $1 and batch_no = $2 order by contact_id",
    )
    .bind(campaign)
    .bind(batch_no)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let size = batch.len() as f64;
    let (first, last) = (batch[0], batch[batch.len() - 1]);
    let plans = plan_both(
        conn,
        "load_recipients",
        LOAD_RECIPIENTS,
        &format!("'{org}', '{campaign}', '{first}', '{last}'"),
    )
    .await;
    assert_reads(
        &plans,
        &["contacts", "campaign_contact_assignments"],
        2.0 * size,
        &at,
    );
    let plans = plan_both(
        conn,
        "mark_assignments",
        MARK_ASSIGNMENTS,
        &format!(
            "'{org}', '{campaign}', '{first}', '{last}', {}, '{{}}'::uuid[]",
            uuid_array(&batch[..10])
        ),
    )
    .await;
    assert_reads(&plans, &["campaign_contact_assignments"], size, &at);
    let changed: Vec<Uuid> = batch.iter().step_by(10).copied().collect();
    let (lo, hi) = (changed[0], changed[changed.len() - 1]);
    let in_range: i64 = scalar_for(
        conn,
        "select count(*) from contacts where id between $1 and $2",
        &[lo, hi],
    )
    .await;
    let plans = plan_both(
        conn,
        "store_subscriptions",
        STORE_SUBSCRIPTIONS,
        &format!(
            "'{org}', {}, array_fill('unsubscribed'::text, array[{}]), '{lo}', '{hi}'",
            uuid_array(&changed),
            changed.len()
        ),
    )
    .await;
    assert_reads(&plans, &["contacts"], in_range as f64, &at);

    // import: the validate fan-out of a list, then a merge of a file into a new list.
    let plans = plan_both(
        conn,
        "batch_starts",
        BATCH_STARTS,
        &format!("'{org}', '{list}', 1000"),
    )
    .await;
    assert_reads(&plans, &["contact_list_members"], members as f64, &at);
    // Half the file is already in the organization (every fourth contact), half is new.
    let file_rows = contacts / 2;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "{STAGING_TABLES}
         insert into import_rows (line, email, custom_fields)
              select g, case when g % 2 = 0 then 'person' || (g * 2) || '@example.test'
                             else 'new' || g || '@example.test' end, '{{}}'
                from generate_series(1, {file_rows}) g;
         {DEDUPE};"
    )))
    .execute(&mut *conn)
    .await
    .unwrap();
    let suppressions: i64 = scalar_for(
        conn,
        "select count(*) from suppressions where organization_id = $1",
        &[org],
    )
    .await;
    let plans = plan_both(
        conn,
        "drop_suppressed",
        DROP_SUPPRESSED,
        &format!("'{org}', {KEY}"),
    )
    .await;
    assert_reads(
        &plans,
        &["import_unique", "suppressions"],
        (file_rows + suppressions) as f64,
        &at,
    );
    let plans = plan_both(
        conn,
        "upsert_and_link",
        UPSERT_AND_LINK,
        &format!("'{org}', '{}'", s.importing),
    )
    .await;
    assert_reads(
        &plans,
        &["import_unique", "contacts", "contact_list_members"],
        file_rows as f64,
        &at,
    );

    // validate: a batch of 1,000 members from the middle of the list, [from, end).
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "select contact_id from contact_list_members where list_id = $1
          order by contact_id offset $2 limit 1001",
    )
    .bind(list)
    .bind(members / 2)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let (batch, end) = (&ids[..1000], ids[1000]);
    let plans = plan_both(
        conn,
        "load_batch",
        LOAD_BATCH,
        &format!("'{org}', '{list}', '{}', '{end}'", batch[0]),
    )
    .await;
    assert_reads(&plans, &["contacts", "contact_list_members"], 2000.0, &at);
    let in_range: i64 = scalar_for(
        conn,
        "select count(*) from contacts where id >= $1 and id < $2",
        &[batch[0], end],
    )
    .await;
    let plans = plan_both(
        conn,
        "store_contacts",
        STORE_CONTACTS,
        &format!(
            "'{org}', {}, array_fill('valid'::text, array[1000]),
             array_fill('{{\"status\": \"valid\"}}'::jsonb, array[1000]), '{}', '{end}'",
            uuid_array(batch),
            batch[0]
        ),
    )
    .await;
    assert_reads(&plans, &["contacts"], in_range as f64, &at);

    // The list's contacts page (and its CSV export, which pages with the same statement),
    // from the middle of the list: all, and only the valid ones (8 in 10).
    for (status, needed) in [("null", PAGE as f64), ("'valid'", PAGE as f64 * 10.0 / 8.0)] {
        let plans = plan_both(
            conn,
            "member_contacts_page",
            MEMBER_CONTACTS_PAGE,
            &format!("'{org}', '{list}', {status}, '{}', {PAGE}", batch[0]),
        )
        .await;
        assert_reads(
            &plans,
            &["contacts", "contact_list_members"],
            2.0 * needed,
            &at,
        );
    }

    // The campaign's events: the first page, and a page of one type after a cursor.
    let (occurred_at, id): (chrono::DateTime<chrono::Utc>, Uuid) = sqlx::query_as(
        "select occurred_at, id from events where campaign_id = $1
          order by occurred_at, id offset 5000 limit 1",
    )
    .bind(campaign)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let first = events_page(org, CampaignId(campaign), None, None, PAGE);
    let typed = events_page(
        org,
        CampaignId(campaign),
        Some(EventType::Delivered),
        Some(EventPosition { occurred_at, id }),
        PAGE,
    );
    for (name, query, args) in [
        (
            "events_first",
            first,
            format!("'{org}', '{campaign}', {PAGE}"),
        ),
        (
            "events_after",
            typed,
            format!(
                "'{org}', '{campaign}', 'delivered', '{occurred_at:?}', '{occurred_at:?}', '{id}', {PAGE}"
            ),
        ),
    ] {
        let plans = plan_both(conn, name, query.sql().as_str(), &args).await;
        assert_reads(&plans, &["events"], PAGE as f64, &at);
    }

    // The campaign's leads (and their CSV export): a page after a cursor, with its responses.
    let after: Uuid = scalar_for(
        conn,
        "select id from leads where campaign_id = $1 order by id offset 100 limit 1",
        &[campaign],
    )
    .await;
    let query = leads_page(
        org,
        CampaignId(campaign),
        &LeadFilter::default(),
        Some(after),
        PAGE,
    );
    let plans = plan_both(
        conn,
        "leads_page",
        query.sql().as_str(),
        &format!("'{org}', '{campaign}', '{after}', {PAGE}"),
    )
    .await;
    assert_reads(&plans, &["leads", "form_responses"], 2.0 * PAGE as f64, &at);

    erasure_reads_only_the_person(conn, org, &at).await;
    drop(tx);
}

/// Tables an erasure must reach through an index on the person (contact, lead or address):
/// they grow with the organization's lists and sends.
const PER_PERSON: [&str; 7] = [
    "events",
    "contacts",
    "leads",
    "form_responses",
    "validation_logs",
    "campaign_contact_assignments",
    "contact_list_members",
];

/// Every batch of a GDPR erasure, and its final check, reads a handful of rows of the
/// per-person tables for a person with a few events, never a scan of them. (`job_runs`,
/// `contact_lists` and `list_import_errors` are searched for the address in text, a read of
/// the organization's rows of those small tables.)
async fn erasure_reads_only_the_person(conn: &mut sqlx::PgConnection, org: Uuid, at: &str) {
    let (contact, email, leads): (Uuid, String, Vec<Uuid>) = sqlx::query_as(
        "select c.id, lower(c.email), array(select l.id from leads l where l.contact_id = c.id)
           from contacts c
          where c.organization_id = $1
            and exists (select 1 from leads l where l.contact_id = c.id)
          order by c.id limit 1",
    )
    .bind(org)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let pattern = address_pattern(&email).replace('\'', "''");
    let types = "(uuid, uuid, text, text, text, int8, uuid)";
    for (n, step) in STEPS.iter().enumerate() {
        let leads: Vec<Option<Uuid>> = if step.per_lead() {
            leads.iter().copied().map(Some).collect()
        } else {
            vec![None]
        };
        for lead in leads {
            let lead = lead.map_or("null".to_owned(), |id| format!("'{id}'"));
            let args = format!(
                "'{org}', '{contact}', '{email}', '{pattern}', \
                 suppression_hash('{email}', {KEY}), 1000, {lead}"
            );
            let name = format!("erase_{}_{n}", step.table);
            for (name, sql) in [
                (format!("{name}_remaining"), step.remaining()),
                (name.clone(), step.batch()),
            ] {
                for plan in plan_both_typed(conn, &name, types, &sql, &args).await {
                    let read = rows_read(&plan.root, &PER_PERSON);
                    assert!(
                        read <= 40.0,
                        "{} read {read} rows of the per-person tables ({at}): {:#}",
                        plan.name,
                        plan.root
                    );
                }
            }
            // Then done for real (the tenant transaction is rolled back at the end), so the
            // next step finds what the erasure leaves it: a lead goes once its responses have.
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "prepare {name} {types} as {}; execute {name}({args}); deallocate {name}",
                step.batch()
            )))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("running {name}: {e}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_statements_read_only_what_they_need_at_20k_contacts() {
    every_bulk_statement_reads_only_what_it_needs(20_000).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_statements_read_only_what_they_need_at_60k_contacts() {
    every_bulk_statement_reads_only_what_it_needs(60_000).await;
}
