//! IP anonymization through a real worker: every stored copy older than the retention window
//! is masked (IPv4 /24, IPv6 /48, IPv4-mapped first made IPv4), nothing newer and nothing of
//! another organization is touched, and a second run rewrites nothing.

use reachly_tests::campaigns::CampaignWorld;
use reachly_tests::db::{execute, scalar, scalars};
use serde_json::json;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread")]
async fn the_masking_rule_keeps_a_24_or_48_prefix_and_is_idempotent() {
    let world = CampaignWorld::start().await;
    let cases = [
        ("203.0.113.77", "203.0.113.0"),
        ("203.0.113.0", "203.0.113.0"),
        ("2001:db8:1234:5678:9abc::1", "2001:db8:1234::"),
        ("2001:db8:1234::", "2001:db8:1234::"),
        ("::ffff:198.51.100.23", "198.51.100.0"),
        ("::1", "::"),
    ];
    for (address, masked) in cases {
        for (times, sql) in [
            (1, "select host(mask_ip($1::inet))"),
            (2, "select host(mask_ip(mask_ip($1::inet)))"),
        ] {
            let got: String = sqlx::query_scalar(sql)
                .bind(address)
                .fetch_one(&world.maint)
                .await
                .unwrap();
            assert_eq!(got, masked, "{address} masked {times} time(s)");
        }
    }
}

/// Writes, in organization `org`, rows with addresses `days_ago` old in every table that
/// stores one: `events` (IPv4, IPv6 and IPv4-mapped), `form_responses` and `audit_logs`.
async fn rows_with_addresses(
    world: &CampaignWorld,
    org: Uuid,
    campaign: Uuid,
    form: Uuid,
    days_ago: i32,
) {
    let at = format!("now() - interval '{days_ago} days'");
    for ip in [
        "203.0.113.77",
        "2001:db8:1234:5678::9",
        "::ffff:198.51.100.23",
    ] {
        execute(
            &world.maint,
            &format!(
                "insert into events (organization_id, campaign_id, event_type, ip_address,
                                     user_agent, occurred_at)
                 values ('{org}', '{campaign}', 'open', '{ip}', 'Mozilla/5.0', {at})"
            ),
        )
        .await;
    }
    // A form response, an audit row, and a GDPR export waiting for its download that holds an
    // event's and a response's address.
    let rows = [
        format!(
            "with lead as (
                 insert into leads (organization_id, campaign_id, form_id, source)
                 values ('{org}', '{campaign}', '{form}', 'landing_page') returning id)
             insert into form_responses (organization_id, form_id, lead_id, response_data,
                                         ip_address, user_agent, submitted_at)
             select '{org}', '{form}', id, '{{}}', '192.0.2.200', 'Mozilla/5.0', {at} from lead"
        ),
        format!(
            "insert into audit_logs (organization_id, action, ip_address, user_agent, created_at)
             values ('{org}', 'list.exported', '198.51.100.9', 'curl/8', {at})"
        ),
        format!(
            "with request as (
                 insert into gdpr_requests (organization_id, kind, subject_email_hash, status)
                 values ('{org}', 'export', repeat('ab', 32), 'completed') returning id)
             insert into gdpr_exports (organization_id, gdpr_request_id, document, bytes, expires_at)
             select '{org}', id,
                    jsonb_build_object(
                        'events', jsonb_build_array(jsonb_build_object(
                            'ip_address', '203.0.113.77', 'occurred_at', {at})),
                        'form_responses', jsonb_build_array(jsonb_build_object(
                            'ip_address', '192.0.2.200', 'submitted_at', {at}))),
                    0, now() + interval '1 day'
               from request"
        ),
    ];
    for row in rows {
        execute(&world.maint, &row).await;
    }
}

/// A form and a draft campaign with it, of the organization of `token`; their ids.
async fn form_and_campaign(world: &CampaignWorld, token: &str) -> (Uuid, Uuid) {
    let plan = json!([{"key": "plan", "label": "Plan", "field_type": "text"}]);
    let form = world.form(token, "quote", plan).await;
    let campaign = world.draft(token, Some(&form)).await;
    (form.parse().unwrap(), campaign.parse().unwrap())
}

/// Every stored address of `org` that [`rows_with_addresses`] wrote (not those of the audit
/// rows the test's own API calls write), as text, in a fixed order.
async fn addresses(world: &CampaignWorld, org: Uuid) -> Vec<String> {
    scalars(
        &world.maint,
        &format!(
            "select host(ip_address) from (
                 select ip_address, occurred_at as at from events where organization_id = '{org}'
                 union all
                 select ip_address, submitted_at from form_responses where organization_id = '{org}'
                 union all
                 select ip_address, created_at from audit_logs
                  where organization_id = '{org}' and action = 'list.exported') a
              order by at, 1"
        ),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_stored_copy_past_the_window_is_masked_once_and_nothing_else() {
    let world = CampaignWorld::start().await;
    let (form, campaign) = form_and_campaign(&world, &world.token).await;
    let (rival_form, rival_campaign) = form_and_campaign(&world, &world.rival).await;
    let (org, rival) = (world.org("acme").await, world.org("globex").await);
    // Months back, as a launch with a past `start_at` creates them.
    execute(
        &world.maint,
        "select ensure_event_partitions((now() - interval '5 months')::date, 6)",
    )
    .await;
    rows_with_addresses(&world, org, campaign, form, 120).await;
    rows_with_addresses(&world, org, campaign, form, 10).await;
    rows_with_addresses(&world, rival, rival_campaign, rival_form, 120).await;
    // More old events than one batch holds.
    execute(
        &world.maint,
        &format!(
            "insert into events (organization_id, campaign_id, event_type, ip_address, occurred_at)
             select '{org}', '{campaign}', 'click', ('10.0.' || (n % 200) || '.' || (1 + n % 250))::inet,
                    now() - interval '100 days' - n * interval '1 second'
               from generate_series(1, 12000) n"
        ),
    )
    .await;
    let rival_before = addresses(&world, rival).await;

    let _worker = world.stack.worker("ip", &[], &[]);
    let job = world.run_job("ip_anonymization", json!({})).await;
    assert_eq!(job["result"]["retention_days"], 90);
    assert_eq!(
        job["result"]["masked"],
        json!({"events.ip_address": 12003, "form_responses.ip_address": 1,
               "audit_logs.ip_address": 1, "gdpr_exports.document": 1})
    );
    let exported: Vec<String> = scalars(
        &world.maint,
        &format!(
            "select concat_ws(' ', document #>> '{{events,0,ip_address}}',
                              document #>> '{{form_responses,0,ip_address}}')
               from gdpr_exports where organization_id = '{org}'
              order by document #>> '{{events,0,occurred_at}}'"
        ),
    )
    .await;
    assert_eq!(
        exported,
        ["203.0.113.0 192.0.2.0", "203.0.113.77 192.0.2.200"],
        "an export's old addresses are masked, its recent ones kept"
    );
    let after = addresses(&world, org).await;
    let mut recent: Vec<&str> = after[after.len() - 5..]
        .iter()
        .map(String::as_str)
        .collect();
    recent.sort_unstable();
    assert_eq!(
        recent,
        [
            "192.0.2.200",
            "198.51.100.9",
            "2001:db8:1234:5678::9",
            "203.0.113.77",
            "::ffff:198.51.100.23"
        ],
        "rows 10 days old keep their addresses"
    );
    let old_unmasked: i64 = scalar(
        &world.maint,
        &format!(
            "select (select count(*) from events where organization_id = '{org}'
                      and occurred_at < now() - interval '90 days' and ip_address <> mask_ip(ip_address))
                  + (select count(*) from form_responses where organization_id = '{org}'
                      and submitted_at < now() - interval '90 days' and ip_address <> mask_ip(ip_address))
                  + (select count(*) from audit_logs where organization_id = '{org}'
                      and created_at < now() - interval '90 days' and ip_address <> mask_ip(ip_address))"
        ),
    )
    .await;
    assert_eq!(old_unmasked, 0);
    let old_events: Vec<String> = scalars(
        &world.maint,
        &format!(
            "select distinct host(ip_address) from events
              where organization_id = '{org}' and occurred_at < now() - interval '119 days' order by 1"
        ),
    )
    .await;
    assert_eq!(
        old_events,
        ["198.51.100.0", "2001:db8:1234::", "203.0.113.0"]
    );
    let agents: i64 = scalar(
        &world.maint,
        "select count(*) from events where user_agent = 'Mozilla/5.0'",
    )
    .await;
    assert_eq!(agents, 9, "user agents are kept");
    assert_eq!(
        addresses(&world, rival).await,
        rival_before,
        "another organization's rows"
    );

    // A second run finds nothing and rewrites no row (their row versions stay the same).
    let versions = "select string_agg(xmin::text, ',' order by id) from events";
    let before: String = scalar(&world.maint, versions).await;
    let job = world.run_job("ip_anonymization", json!({})).await;
    assert_eq!(
        job["result"]["masked"],
        json!({"events.ip_address": 0, "form_responses.ip_address": 0,
               "audit_logs.ip_address": 0, "gdpr_exports.document": 0})
    );
    let after: String = scalar(&world.maint, versions).await;
    assert_eq!(after, before);

    // A launch whose timeline starts in the past writes old events after the watermark
    // passed them; its batches touch the campaign, so the next run walks it from the start.
    rows_with_addresses(&world, org, campaign, form, 150).await;
    execute(
        &world.maint,
        &format!("update campaigns set status = 'sending' where id = '{campaign}'"),
    )
    .await;
    let job = world.run_job("ip_anonymization", json!({})).await;
    assert_eq!(
        job["result"]["masked"],
        json!({"events.ip_address": 3, "form_responses.ip_address": 1,
               "audit_logs.ip_address": 1, "gdpr_exports.document": 1})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_reads_only_its_campaigns_events_past_the_watermark() {
    let db = reachly_tests::db::TestDb::fresh().await;
    let maint = db.maint().await;
    execute(
        &maint,
        "select ensure_event_partitions((now() - interval '5 months')::date, 6)",
    )
    .await;
    let org: Uuid = scalar(
        &maint,
        "insert into organizations (slug, name) values ('acme', 'Acme') returning id",
    )
    .await;
    let (campaign, other) = (
        campaign_of(&maint, org).await,
        campaign_of(&maint, org).await,
    );
    // In the campaign: 20,000 masked by an earlier run (before its watermark), 500 to mask,
    // 20,000 recent; in another campaign, 20,000 to mask that this walk must not read.
    for (of, count, age, ip) in [
        (campaign, 20_000, "130 days", "203.0.113.0"),
        (campaign, 500, "120 days", "203.0.113.9"),
        (campaign, 20_000, "1 day", "203.0.113.9"),
        (other, 20_000, "120 days", "203.0.113.9"),
    ] {
        execute(
            &maint,
            &format!(
                "insert into events (organization_id, campaign_id, event_type, ip_address, occurred_at)
                 select '{org}', '{of}', 'open', '{ip}', now() - interval '{age}' - n * interval '1 ms'
                   from generate_series(1, {count}) n"
            ),
        )
        .await;
    }
    let app = db.app().await;
    let mut tx = app.tenant(reachly_jobs::OrgId(org)).await.unwrap();
    let conn: &mut sqlx::PgConnection = &mut tx;
    let from = "now() - interval '125 days'";
    let plans = reachly_tests::plans::plan_both(
        conn,
        "mask_events",
        reachly_jobs::kinds::ip_anonymization::MASK_EVENTS_BATCH,
        &format!(
            "'{org}', '{campaign}', 'open', {from}, now() - interval '90 days', {from}, '{}', 5000",
            Uuid::nil()
        ),
    )
    .await;
    reachly_tests::plans::assert_reads(&plans, &["events"], 1000.0, "500 to mask among 60,500");
}

/// A draft campaign of `org` (with its list and template), written directly; its id.
async fn campaign_of(maint: &sqlx::PgPool, org: Uuid) -> Uuid {
    scalar(
        maint,
        &format!(
            "with l as (insert into contact_lists (organization_id, name) values ('{org}', 'l') returning id),
                  t as (insert into email_templates (organization_id, name, subject, html_body)
                        values ('{org}', 't', 's', 'b') returning id)
             insert into campaigns (organization_id, name, list_id, template_id)
             select '{org}', 'c', l.id, t.id from l, t returning id"
        ),
    )
    .await
}
