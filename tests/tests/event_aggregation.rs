//! The `event_aggregation` rollup over a real send: rollups equal GROUP BY over the raw events,
//! days finalize by the rules, re-runs change nothing final, and the metrics API (JSON, CSV,
//! segments) shows exactly the raw counts.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Duration as Span, NaiveDate, Timelike, Utc};
use reachly_tests::campaigns::CampaignWorld;
use reachly_tests::db::scalar;
use reachly_tests::rollups::{
    TotalCell, event_figures, expected_figure, raw_days, raw_totals, rollup_days, rollup_totals,
};
use reachly_tests::sends::{Audience, CAMPAIGN, SendWorld};
use serde_json::{Value, json};
use uuid::Uuid;

/// Day cells of the raw events, per day, as (type, subtype, count, contacts).
fn by_day(cells: Vec<reachly_tests::rollups::DayCell>) -> BTreeMap<NaiveDate, Vec<TotalCell>> {
    let mut days: BTreeMap<NaiveDate, Vec<TotalCell>> = BTreeMap::new();
    for (day, t, s, n, u) in cells {
        days.entry(day).or_default().push((t, s, n, u));
    }
    days
}

#[tokio::test(flavor = "multi_thread")]
async fn a_campaign_sent_days_ago_rolls_up_to_exactly_its_raw_counts() {
    let world = SendWorld::start(
        Audience {
            valid: 400,
            exclusions: true,
        },
        2,
    )
    .await;
    // Launched now with a timeline that began six days ago: several days of events, the
    // older ones final at once, the latest not.
    let start = (Utc::now() - Span::days(6)).with_minute(0).unwrap();
    world
        .launch(json!({
            "seed": 7,
            "start_at": start,
            "simulation": { "click_rate": 0.15, "open_rate": 0.4, "form_submit_rate": 0.5 },
        }))
        .await;
    world
        .wait_completed(CAMPAIGN, Duration::from_secs(180))
        .await;

    let job = world.aggregate(json!({})).await;
    let raw = raw_days(&world.maint, CAMPAIGN).await;
    let days = by_day(raw.clone());
    assert!(
        days.len() >= 3,
        "events span several days: {:?}",
        days.keys()
    );
    assert_eq!(
        rollup_days(&world.maint, CAMPAIGN).await,
        raw,
        "rollup = GROUP BY"
    );
    assert_eq!(
        rollup_totals(&world.maint, CAMPAIGN).await,
        raw_totals(&world.maint, CAMPAIGN).await
    );
    assert_eq!(job["result"]["days"], json!(days.len()), "{job}");

    // Final: every day that ended more than 24 h ago (the campaign no longer sends); not
    // the others.
    let finals: Vec<(NaiveDate, bool)> = sqlx::query_as(
        "select day, finalized_at is not null from event_aggregation_days
          where campaign_id = $1 order by day",
    )
    .bind(CAMPAIGN)
    .fetch_all(&world.maint)
    .await
    .unwrap();
    let today = Utc::now().date_naive();
    for (day, is_final) in &finals {
        assert_eq!(*is_final, *day + Span::days(2) <= today, "day {day}");
    }
    assert!(finals.iter().any(|(_, f)| *f) && finals.iter().any(|(_, f)| !*f));

    // A re-run recomputes nothing final and ends with the same rollup.
    let final_at = final_computed_at(&world.maint).await;
    world.aggregate(json!({})).await;
    assert_eq!(rollup_days(&world.maint, CAMPAIGN).await, raw);
    let final_again = final_computed_at(&world.maint).await;
    assert_eq!(final_again, final_at, "final rows are never recomputed");

    // The metrics API shows, day by day and in total, exactly the raw counts.
    let from = *days.keys().next().unwrap();
    let to = *days.keys().last().unwrap();
    let path = format!("/v1/campaigns/{CAMPAIGN}/metrics?from={from}&to={to}");
    let reply = world.admin_get(&path).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let api_days = reply.body["days"].as_array().unwrap();
    assert_eq!(api_days.len(), days.len());
    for (api_day, (day, cells)) in api_days.iter().zip(&days) {
        assert_eq!(api_day["day"], json!(day));
        assert_eq!(api_day["final"], json!(*day + Span::days(2) <= today));
        for name in event_figures() {
            assert_eq!(
                api_day[name],
                json!(expected_figure(cells, name)),
                "{day} {name}"
            );
        }
    }
    let totals = raw_totals(&world.maint, CAMPAIGN).await;
    let api_totals = &reply.body["totals"];
    for name in event_figures() {
        assert_eq!(
            api_totals[name],
            json!(expected_figure(&totals, name)),
            "total {name}"
        );
    }
    let leads: i64 = scalar(&world.maint, "select count(*) from leads").await;
    assert_eq!(api_totals["leads"], json!(leads));
    assert!(
        api_totals["opens_machine"].as_i64().unwrap() > 0,
        "{api_totals}"
    );
    let open_rate = &api_totals["rates"]["open_rate"];
    assert_eq!(open_rate["numerator"]["name"], "opens_unique_human");
    assert_eq!(open_rate["denominator"]["name"], "delivered");
    let expected_rate = expected_figure(&totals, "opens_unique_human") as f64
        / expected_figure(&totals, "delivered") as f64;
    assert!((open_rate["value"].as_f64().unwrap() - expected_rate).abs() < 1e-12);

    // The CSV holds the same figures: a record per day, then the total.
    let (status, content_type, _, csv) = world
        .api
        .get_text(&format!("{path}&format=csv"), &world.token)
        .await;
    assert_eq!(status, 200);
    assert_eq!(content_type.as_deref(), Some("text/csv; charset=utf-8"));
    let lines: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let header = &lines[0];
    assert_eq!(&header[..3], ["day", "final", "sent"]);
    assert_eq!(lines.len(), days.len() + 2);
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for (line, api_day) in lines[1..].iter().zip(api_days) {
        assert_eq!(line[0], api_day["day"].as_str().unwrap());
        for name in event_figures() {
            assert_eq!(line[column(name)], api_day[name].to_string(), "{name}");
        }
    }
    assert_eq!(lines.last().unwrap()[0], "total");

    // Segments: every recipient was valid at send time.
    let reply = world
        .admin_get(&format!("/v1/campaigns/{CAMPAIGN}/metrics/segments"))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let segments = reply.body["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 1, "{segments:?}");
    assert_eq!(segments[0]["segment"], "valid");
    assert_eq!(segments[0]["recipients"], 400);
    assert_eq!(segments[0]["sent"], json!(expected_figure(&totals, "sent")));

    // The dashboard's campaign table shows the same totals.
    let reply = world
        .admin_get(&format!(
            "/v1/analytics/campaigns?from={}",
            today - Span::days(1)
        ))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let row: &Value = &reply.body["campaigns"][0];
    assert_eq!(row["id"], json!(CAMPAIGN));
    assert_eq!(row["totals"]["clicks_unique"], api_totals["clicks_unique"]);
}

/// When each final row of the send's campaign was computed, in order.
async fn final_computed_at(maint: &sqlx::PgPool) -> Vec<chrono::DateTime<Utc>> {
    sqlx::query_scalar(
        "select computed_at from event_aggregations where campaign_id = $1 and is_final order by 1",
    )
    .bind(CAMPAIGN)
    .fetch_all(maint)
    .await
    .unwrap()
}

/// Contacts `n` of organization `org`, written directly; their ids.
async fn contacts(maint: &sqlx::PgPool, org: Uuid, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id: Uuid = sqlx::query_scalar(
            "insert into contacts (organization_id, email, validation_status)
             values ($1, $2, 'valid') returning id",
        )
        .bind(org)
        .bind(format!("person{i}@example.com"))
        .fetch_one(maint)
        .await
        .unwrap();
        ids.push(id);
    }
    ids
}

/// Writes one event now (its `created_at`), of `contact`, that happened at `at`.
async fn event(
    maint: &sqlx::PgPool,
    (org, campaign): (Uuid, Uuid),
    contact: Uuid,
    (event_type, data): (&str, Value),
    at: chrono::DateTime<Utc>,
) {
    sqlx::query(
        "insert into events (organization_id, campaign_id, contact_id, event_type, event_data,
                             occurred_at)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(org)
    .bind(campaign)
    .bind(contact)
    .bind(event_type)
    .bind(data)
    .bind(at)
    .execute(maint)
    .await
    .unwrap();
}

fn bounce(kind: &str) -> (&'static str, Value) {
    ("bounce", json!({ "bounce_type": kind }))
}

fn click() -> (&'static str, Value) {
    ("click", json!({ "url": "https://acme.test" }))
}

fn open(machine: bool) -> (&'static str, Value) {
    (
        "open",
        json!({ "machine_open": machine, "device": "iphone", "client": "apple_mail" }),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_runs_agree_final_days_stay_final_and_late_events_are_counted_apart() {
    let world = CampaignWorld::start().await;
    let org = world.org("acme").await;
    let campaign: Uuid = world.draft(&world.token, None).await.parse().unwrap();
    sqlx::query("update campaigns set status = 'completed', started_at = now() where id = $1")
        .bind(campaign)
        .execute(&world.maint)
        .await
        .unwrap();
    let people = contacts(&world.maint, org, 5).await;
    let key = (org, campaign);
    let old_day = (Utc::now() - Span::days(3)).date_naive();
    let at = |hour: u32| old_day.and_hms_opt(hour, 0, 0).unwrap().and_utc();
    for person in &people {
        event(&world.maint, key, *person, ("sent", json!({})), at(9)).await;
        event(
            &world.maint,
            key,
            *person,
            ("delivered", json!({"smtp_code": 250})),
            at(9),
        )
        .await;
    }
    let opens_and_bounces = [
        (0, open(false), 10),
        (0, open(false), 12),
        (1, open(false), 10),
        (2, open(true), 9),
        (3, bounce("soft"), 9),
        (4, bounce("hard"), 9),
    ];
    for (person, kind, hour) in opens_and_bounces {
        event(&world.maint, key, people[person], kind, at(hour)).await;
    }
    let now = Utc::now() - Span::minutes(1);
    event(&world.maint, key, people[0], open(false), now).await;
    let recent_day = now.date_naive();

    // Six runs of the same days at once, on three workers: no double counting, no lost
    // update, no attempt failed.
    let _workers: Vec<_> = (0..3)
        .map(|i| world.stack.worker(&format!("agg{i}"), &[], &[]))
        .collect();
    let days = json!({ "days": [old_day, recent_day] });
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(
            world
                .submit(&json!({ "kind": "event_aggregation", "payload": days }))
                .await,
        );
    }
    for id in &ids {
        let job = world.wait_status(id, "succeeded").await;
        assert_eq!(job["attempts"], 1, "{job}");
    }
    let at_finalization = raw_days(&world.maint, campaign).await;
    assert_eq!(rollup_days(&world.maint, campaign).await, at_finalization);
    let finals: Vec<(NaiveDate, bool)> = sqlx::query_as(
        "select day, finalized_at is not null from event_aggregation_days order by day",
    )
    .fetch_all(&world.maint)
    .await
    .unwrap();
    assert_eq!(finals, [(old_day, true), (recent_day, false)]);

    // Late events for the final day: an open of a key it had, a click of a key it had not.
    for (person, kind) in [(3, open(false)), (0, click())] {
        event(&world.maint, key, people[person], kind, at(11)).await;
    }
    world.aggregate(json!({ "days": [old_day] })).await;
    assert_eq!(
        rollup_days(&world.maint, campaign).await,
        at_finalization,
        "a final day's counts do not change"
    );
    let late: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "select event_type, subtype, count, late_events from event_aggregations
          where day = $1 and late_events > 0 order by 1",
    )
    .bind(old_day)
    .fetch_all(&world.maint)
    .await
    .unwrap();
    assert_eq!(
        late,
        [
            ("click".into(), "".into(), 0, 1),
            ("open".into(), "human".into(), 3, 1)
        ]
    );
    // Counting again does not count them twice.
    world.aggregate(json!({ "days": [old_day] })).await;
    let late_total: i64 = scalar(
        &world.maint,
        "select sum(late_events)::bigint from event_aggregations",
    )
    .await;
    assert_eq!(late_total, 2);

    // The API: the final day as it was at finalization with its late events apart; the
    // recent day live, including an event written after the last run.
    event(&world.maint, key, people[1], open(false), now).await;
    let path = format!("/v1/campaigns/{campaign}/metrics?from={old_day}&to={recent_day}");
    let reply = world.admin_get(&path).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let days = reply.body["days"].as_array().unwrap();
    let old = &days[0];
    assert_eq!(
        (old["day"].clone(), old["final"].clone()),
        (json!(old_day), json!(true))
    );
    assert_eq!(
        old["opens_unique_human"], 2,
        "c0 and c1, as at finalization"
    );
    assert_eq!(old["opens_total"], 4);
    assert_eq!(old["opens_machine"], 1);
    assert_eq!(old["clicks_total"], 0);
    assert_eq!(
        (old["bounces_hard"].clone(), old["bounces_soft"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(old["late_events"], 2);
    let recent = days.last().unwrap();
    assert_eq!(
        (recent["final"].clone(), recent["opens_total"].clone()),
        (json!(false), json!(2))
    );
    assert_eq!(recent["opens_unique_human"], 2);
}
