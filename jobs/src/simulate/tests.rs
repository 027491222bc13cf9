//! Whole-recipient properties of the simulator: determinism, the rates and delays over
//! 100,000 recipients (with default and overridden configs), causality and well-formed
//! events for every outcome, and a timing.
//!
//! Rate tolerances are 5 standard errors of a binomial proportion, √(p(1−p)/n), plus one
//! count: a correct simulator fails one of these checks far less than once in a million.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::devices::APPLE_PROXY_UA;
use super::ids::id_millis;
use super::*;

const N: u64 = 100_000;
const HOUR_MS: i64 = 3_600_000;

fn launched_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 4, 9, 30, 0).unwrap()
}

fn form() -> FormSpec {
    use FieldType::*;
    // Every field required; the select offers three plans.
    let fields = [
        ("first_name", Text),
        ("last_name", Text),
        ("company", Text),
        ("email", Email),
        ("phone", Phone),
        ("birth_date", Date),
        ("zip", Zip),
        ("plan", Select),
        ("consent", Checkbox),
        ("seats", Number),
    ];
    FormSpec {
        form_id: Uuid::from_u128(0x0195_5a00_0000_7000_8000_0000_0000_f001),
        fields: fields
            .map(|(key, field_type)| FieldSpec {
                key: key.into(),
                field_type,
                options: (field_type == Select).then(|| json!(["basic", "pro", "team"])),
                required: true,
            })
            .into(),
    }
}

fn campaign(seed: u64, form: Option<FormSpec>) -> CampaignSim {
    CampaignSim {
        seed,
        campaign_id: Uuid::from_u128(0x0195_5a00_0000_7000_8000_0000_0000_c001),
        launched_at: launched_at(),
        form,
    }
}

/// The `i`-th recipient: v7-like sequential contact ids (neighbours differ in few bits),
/// names on a third of them, a phone on a fifth.
fn recipient(i: u64, risky: bool) -> Recipient {
    Recipient {
        contact_id: Uuid::from_u64_pair(0x0195_5a00_0000_7000, 0x8000_0000_0000_0000 | i),
        email: format!("person{i}@example.com"),
        first_name: i.is_multiple_of(3).then(|| "Grace".to_owned()),
        last_name: i.is_multiple_of(3).then(|| "Hopper".to_owned()),
        phone: i.is_multiple_of(5).then(|| "+1 212 555 0100".to_owned()),
        risky,
    }
}

/// A config far from the defaults, every rate changed.
fn overridden() -> SimulationConfig {
    let overrides: SimulationOverrides = serde_json::from_value(json!({
        "hard_bounce_rate": 0.03,
        "soft_bounce_rate": 0.05,
        "open_rate": 0.45,
        "click_rate": 0.12,
        "unsubscribe_rate": 0.02,
        "complaint_rate": 0.005,
        "machine_open_rate": 0.6,
        "form_submit_rate": 0.55,
        "reopen_rate": 0.5,
        "repeat_click_rate": 0.4,
        "ipv6_share": 0.5,
        "ip_change_rate": 0.3,
        "open_delay_median_secs": 7200.0,
        "open_delay_sigma": 1.5,
        "max_delay_secs": 604800.0,
    }))
    .unwrap();
    SimulationConfig::default()
        .with_overrides(&overrides)
        .unwrap()
}

fn of_type(o: &RecipientOutcome, t: EventType) -> impl Iterator<Item = &SimEvent> {
    o.events.iter().filter(move |e| e.event_type == t)
}

fn ms(e: &SimEvent) -> i64 {
    e.occurred_at.timestamp_millis()
}

/// Every invariant of one outcome: order, ids, addresses, causality, lead.
fn check_outcome(o: &RecipientOutcome, c: &CampaignSim, config: &SimulationConfig) {
    let ev = &o.events;
    assert!(
        ev.windows(2)
            .all(|w| (w[0].occurred_at, w[0].id) < (w[1].occurred_at, w[1].id)),
        "events not sorted or ids repeated: {ev:#?}"
    );
    for e in ev {
        assert_eq!(e.id.get_version_num(), 8);
        assert_eq!(id_millis(e.id), ms(e), "id time of {e:?}");
        assert_eq!(e.occurred_at.timestamp_subsec_nanos() % 1_000_000, 0);
        assert_eq!(e.ip.is_some(), e.user_agent.is_some(), "{e:?}");
        if let Some(ip) = e.ip {
            assert!(is_public(ip), "{ip} in {e:?}");
        }
        let from_servers = matches!(
            e.event_type,
            EventType::Sent | EventType::Delivered | EventType::Bounce | EventType::Complaint
        );
        if from_servers {
            assert!(e.ip.is_none(), "{e:?}");
        } else if e.event_type != EventType::Unsubscribe {
            assert!(e.ip.is_some(), "{e:?}");
        }
    }
    let sent = ev[0].clone();
    assert_eq!(sent.event_type, EventType::Sent);
    assert_eq!(of_type(o, EventType::Sent).count(), 1);
    let start = c.launched_at.timestamp_millis();
    assert!(ms(&sent) >= start && ms(&sent) < start + (config.send_window_secs * 1e3) as i64);
    let delivery_max = (config.delivery_delay_max_secs * 1e3).round() as i64;

    if o.delivery != Delivery::Delivered {
        assert_eq!(ev.len(), 2, "a bounce has sent and bounce only: {ev:#?}");
        let bounce = &ev[1];
        let EventData::Bounce { bounce_type, .. } = bounce.data else {
            panic!("{bounce:?}")
        };
        let hard = o.delivery == Delivery::HardBounce;
        assert_eq!(bounce_type == BounceType::Hard, hard);
        assert!(ms(bounce) > ms(&sent) && ms(bounce) - ms(&sent) <= delivery_max);
        assert_eq!(o.contact_change, hard.then_some(ContactChange::Bounced));
        assert!(o.lead.is_none());
        return;
    }

    assert_eq!(of_type(o, EventType::Bounce).count(), 0);
    let delivered: Vec<_> = of_type(o, EventType::Delivered).collect();
    assert_eq!(delivered.len(), 1);
    let delivered = ms(delivered[0]);
    assert!(delivered > ms(&sent) && delivered - ms(&sent) <= delivery_max);
    assert!(ev[1..].iter().all(|e| ms(e) >= delivered));

    let is_machine = |e: &SimEvent| {
        matches!(
            e.data,
            EventData::Open {
                machine_open: true,
                ..
            }
        )
    };
    let machine: Vec<_> = of_type(o, EventType::Open)
        .filter(|e| is_machine(e))
        .collect();
    assert!(machine.len() <= 1);
    for m in &machine {
        assert!(ms(m) > delivered);
        assert_eq!(m.user_agent, Some(APPLE_PROXY_UA));
        assert!(
            matches!(m.ip, Some(IpAddr::V4(v4)) if v4.octets()[0] == 17),
            "{m:?}"
        );
    }
    let human_opens: Vec<i64> = of_type(o, EventType::Open)
        .filter(|e| !is_machine(e))
        .map(ms)
        .collect();
    let clicks: Vec<i64> = of_type(o, EventType::Click).map(ms).collect();
    let views: Vec<&SimEvent> = of_type(o, EventType::FormView).collect();
    let submits: Vec<&SimEvent> = of_type(o, EventType::FormSubmit).collect();
    let exits: Vec<&SimEvent> = ev
        .iter()
        .filter(|e| matches!(e.event_type, EventType::Unsubscribe | EventType::Complaint))
        .collect();
    let first_open = human_opens.first().copied();
    if let Some(first) = first_open {
        assert!(first > delivered);
        assert!(human_opens.len() <= 1 + config.max_reopens as usize);
    } else {
        assert!(clicks.is_empty() && exits.is_empty());
    }
    if let Some(&first_click) = clicks.first() {
        assert!(first_click > first_open.unwrap());
        assert!(clicks.len() <= 1 + config.max_repeat_clicks as usize);
    }
    match &c.form {
        None => assert!(views.is_empty() && submits.is_empty()),
        Some(form) => {
            assert_eq!(views.len(), usize::from(!clicks.is_empty()));
            if let Some(view) = views.first() {
                assert!(ms(view) > clicks[0]);
                assert_eq!(
                    view.data,
                    EventData::FormView {
                        form_id: form.form_id
                    }
                );
            }
            assert!(submits.len() <= views.len());
            if let Some(submit) = submits.first() {
                assert!(ms(submit) > ms(views[0]));
                check_lead(o, submit, form);
            }
        }
    }
    assert_eq!(o.lead.is_some(), !submits.is_empty());
    assert!(exits.len() <= 1);
    if let Some(exit) = exits.first() {
        let human_events = human_opens
            .iter()
            .chain(&clicks)
            .copied()
            .chain(views.iter().chain(&submits).map(|e| ms(e)));
        assert!(human_events.into_iter().all(|t| t < ms(exit)), "{ev:#?}");
    }
    assert_eq!(
        o.contact_change,
        (!exits.is_empty()).then_some(ContactChange::Unsubscribed)
    );
}

fn check_lead(o: &RecipientOutcome, submit: &SimEvent, form: &FormSpec) {
    let lead = o.lead.as_ref().unwrap();
    assert_eq!(
        submit.data,
        EventData::FormSubmit {
            form_id: form.form_id,
            lead_id: lead.lead_id,
            response_id: lead.response_id,
        }
    );
    assert_eq!(lead.submitted_at, submit.occurred_at);
    assert_eq!(id_millis(lead.lead_id), ms(submit));
    assert_eq!(lead.lead_id.get_version_num(), 8);
    assert_ne!(lead.lead_id, lead.response_id);
    assert_eq!(Some(lead.ip), submit.ip);
    assert_eq!(Some(lead.user_agent), submit.user_agent);
    let keys: Vec<&str> = lead.response_data.keys().map(String::as_str).collect();
    let mut expected: Vec<&str> = form.fields.iter().map(|f| f.key.as_str()).collect();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    let data = &lead.response_data;
    if form.fields.iter().any(|f| f.key == "email") {
        assert_eq!(data["email"], lead.email.as_str());
        assert_eq!(data["first_name"], lead.first_name.as_str());
        assert_eq!(data["last_name"], lead.last_name.as_str());
        assert_eq!(data["phone"], lead.phone.as_str());
    }
}

/// What 100,000 simulated recipients did.
#[derive(Debug, Default)]
struct Tally {
    sent: u64,
    hard: u64,
    soft: u64,
    delivered: u64,
    machine: u64,
    openers: u64,
    reopeners: u64,
    clickers: u64,
    first_clicks_v6: u64,
    form_views: u64,
    form_submits: u64,
    unsubscribes: u64,
    complaints: u64,
    first_open_delays_ms: Vec<i64>,
}

/// Simulates `n` recipients, checking every outcome and that ids are unique across them.
fn tally(config: &SimulationConfig, c: &CampaignSim, n: u64, risky: bool) -> Tally {
    let mut t = Tally::default();
    let mut ids = HashSet::new();
    for i in 0..n {
        let o = simulate_recipient(config, c, &recipient(i, risky));
        check_outcome(&o, c, config);
        for e in &o.events {
            assert!(ids.insert(e.id), "id {} repeated", e.id);
        }
        if let Some(lead) = &o.lead {
            assert!(ids.insert(lead.lead_id) && ids.insert(lead.response_id));
        }
        let count = |ty| of_type(&o, ty).count() as u64;
        t.sent += count(EventType::Sent);
        t.hard += u64::from(o.delivery == Delivery::HardBounce);
        t.soft += u64::from(o.delivery == Delivery::SoftBounce);
        t.delivered += count(EventType::Delivered);
        let opens: Vec<&SimEvent> = of_type(&o, EventType::Open).collect();
        let human: Vec<&&SimEvent> = opens
            .iter()
            .filter(|e| {
                matches!(
                    e.data,
                    EventData::Open {
                        machine_open: false,
                        ..
                    }
                )
            })
            .collect();
        t.machine += (opens.len() - human.len()) as u64;
        if let Some(first) = human.first() {
            t.openers += 1;
            t.reopeners += u64::from(human.len() > 1);
            let delivered = of_type(&o, EventType::Delivered).next().unwrap();
            t.first_open_delays_ms.push(ms(first) - ms(delivered));
        }
        if let Some(click) = of_type(&o, EventType::Click).next() {
            t.clickers += 1;
            t.first_clicks_v6 += u64::from(click.ip.unwrap().is_ipv6());
        }
        t.form_views += count(EventType::FormView);
        t.form_submits += count(EventType::FormSubmit);
        t.unsubscribes += count(EventType::Unsubscribe);
        t.complaints += count(EventType::Complaint);
    }
    t
}

/// The default config's run (with a form), shared by the tests that read it.
fn default_tally() -> &'static Tally {
    static TALLY: OnceLock<Tally> = OnceLock::new();
    TALLY.get_or_init(|| {
        tally(
            &SimulationConfig::default(),
            &campaign(11, Some(form())),
            N,
            false,
        )
    })
}

fn overridden_tally() -> &'static Tally {
    static TALLY: OnceLock<Tally> = OnceLock::new();
    TALLY.get_or_init(|| tally(&overridden(), &campaign(12, Some(form())), N, false))
}

/// `k` of `n` is within 5 standard errors (plus one count) of `p`.
fn assert_rate(name: &str, k: u64, n: u64, p: f64) {
    let (kf, nf) = (k as f64, n as f64);
    let tolerance = 5.0 * (p * (1.0 - p) / nf).sqrt() + 1.0 / nf;
    let observed = kf / nf;
    assert!(
        (observed - p).abs() <= tolerance,
        "{name}: {k}/{n} = {observed:.5}, expected {p} ± {tolerance:.5}"
    );
}

fn assert_rates(t: &Tally, config: &SimulationConfig) {
    assert_eq!(t.sent, N);
    assert_eq!(t.sent, t.hard + t.soft + t.delivered);
    assert_rate(
        "hard bounce / sent",
        t.hard,
        t.sent,
        config.hard_bounce_rate,
    );
    assert_rate(
        "soft bounce / sent",
        t.soft,
        t.sent,
        config.soft_bounce_rate,
    );
    assert_rate(
        "human open / delivered",
        t.openers,
        t.delivered,
        config.open_rate,
    );
    assert_rate(
        "click / delivered",
        t.clickers,
        t.delivered,
        config.click_rate,
    );
    let (unsubscribe, complaint) = (config.unsubscribe_rate, config.complaint_rate);
    assert_rate(
        "unsubscribe / delivered",
        t.unsubscribes,
        t.delivered,
        unsubscribe,
    );
    assert_rate(
        "complaint / delivered",
        t.complaints,
        t.delivered,
        complaint,
    );
    let machine = config.machine_open_rate;
    assert_rate("machine open / delivered", t.machine, t.delivered, machine);
    assert_eq!(t.form_views, t.clickers, "every clicker views the form");
    let submit = config.form_submit_rate;
    assert_rate(
        "form submit / form view",
        t.form_submits,
        t.form_views,
        submit,
    );
    assert_rate(
        "reopeners / openers",
        t.reopeners,
        t.openers,
        config.reopen_rate,
    );
    let ipv6 = config.ipv6_share;
    assert_rate("IPv6 first clicks", t.first_clicks_v6, t.clickers, ipv6);
}

/// Φ, from erfc (Numerical Recipes' Chebyshev fit, error < 1.2·10⁻⁷).
fn normal_cdf(z: f64) -> f64 {
    let x = -z / std::f64::consts::SQRT_2;
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.5 * a);
    let poly = -a * a - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    0.5 * if x >= 0.0 { erfc } else { 2.0 - erfc }
}

/// The model's P(first open within `secs` of delivery): the capped log-normal's CDF.
fn first_open_cdf(config: &SimulationConfig, secs: f64) -> f64 {
    let z = |s: f64| (s / config.open_delay_median_secs).ln() / config.open_delay_sigma;
    normal_cdf(z(secs)) / normal_cdf(z(config.max_delay_secs))
}

/// The empirical share of first opens within each horizon matches the model's CDF.
fn assert_first_open_delays(t: &Tally, config: &SimulationConfig) -> Vec<f64> {
    let n = t.first_open_delays_ms.len() as u64;
    let max_ms = (config.max_delay_secs * 1e3).round() as i64;
    assert!(t.first_open_delays_ms.iter().all(|&d| d > 0 && d <= max_ms));
    [1, 6, 24, 168]
        .into_iter()
        .map(|hours| {
            let within = t
                .first_open_delays_ms
                .iter()
                .filter(|&&d| d <= hours * HOUR_MS)
                .count() as u64;
            let p = first_open_cdf(config, (hours * 3_600) as f64);
            assert_rate(&format!("first opens within {hours} h"), within, n, p);
            p
        })
        .collect()
}

#[test]
fn same_inputs_give_identical_outcomes() {
    let (config, c) = (SimulationConfig::default(), campaign(1, Some(form())));
    for i in 0..2_000 {
        let r = recipient(i, i % 7 == 0);
        assert_eq!(
            simulate_recipient(&config, &c, &r),
            simulate_recipient(&config, &c, &r)
        );
    }
}

#[test]
fn different_contacts_seeds_or_campaigns_get_different_ids() {
    let config = SimulationConfig::default();
    let c = campaign(1, None);
    let first_id =
        |c: &CampaignSim, i| simulate_recipient(&config, c, &recipient(i, false)).events[0].id;
    let a = first_id(&c, 1);
    assert_ne!(a, first_id(&c, 2));
    assert_ne!(a, first_id(&campaign(2, None), 1));
    let other = CampaignSim {
        campaign_id: Uuid::from_u128(9),
        ..c.clone()
    };
    assert_ne!(a, first_id(&other, 1));
}

#[test]
fn outcomes_do_not_depend_on_call_order_or_batching() {
    let (config, c) = (overridden(), campaign(3, Some(form())));
    let recipients: Vec<Recipient> = (0..3_000).map(|i| recipient(i, i % 4 == 0)).collect();
    let forward: Vec<RecipientOutcome> = recipients
        .iter()
        .map(|r| simulate_recipient(&config, &c, r))
        .collect();
    let mut backward: HashMap<Uuid, RecipientOutcome> = HashMap::new();
    for batch in recipients.rchunks(7) {
        for r in batch.iter().rev() {
            backward.insert(r.contact_id, simulate_recipient(&config, &c, r));
        }
    }
    // Another "process": a thread that starts from nothing.
    let threaded = std::thread::spawn({
        let (config, c, r) = (config.clone(), c.clone(), recipients[1_234].clone());
        move || simulate_recipient(&config, &c, &r)
    })
    .join()
    .unwrap();
    for (r, o) in recipients.iter().zip(&forward) {
        assert_eq!(&backward[&r.contact_id], o);
    }
    assert_eq!(threaded, forward[1_234]);
}

/// A replay must give the same events as the first run, in every build: one recipient
/// (with a click, the form and a lead) pinned. A change here changes every replay.
#[test]
fn a_known_recipient_is_pinned() {
    let o = simulate_recipient(
        &overridden(),
        &campaign(1, Some(form())),
        &recipient(PINNED_RECIPIENT, false),
    );
    let summary: Vec<String> = o
        .events
        .iter()
        .map(|e| {
            let ip = e.ip.map(|ip| ip.to_string()).unwrap_or_default();
            let data = serde_json::to_string(&e.data).unwrap();
            format!(
                "{} {} {} {ip} {data}",
                e.event_type.as_str(),
                e.occurred_at.to_rfc3339(),
                e.id
            )
        })
        .collect();
    let lead = serde_json::to_string(&o.lead).unwrap();
    assert_eq!(summary, PINNED_EVENTS);
    assert_eq!(lead, PINNED_LEAD);
}

const PINNED_RECIPIENT: u64 = 80;
const PINNED_EVENTS: [&str; 10] = [
    r#"sent 2025-03-04T09:45:24.858+00:00 0195608b-ba7a-870b-aee8-d62026d04d86  {}"#,
    r#"delivered 2025-03-04T09:45:25.965+00:00 0195608b-becd-8cf3-8462-557302eb35f2  {"smtp_code":250}"#,
    r#"open 2025-03-04T12:40:34.534+00:00 0195612c-17e6-88d5-a068-3dd45265414f 66.102.2.115 {"machine_open":false,"device":"iphone","client":"gmail"}"#,
    r#"click 2025-03-04T12:47:03.309+00:00 01956132-068d-858f-b570-a3ba133651fd 65.20.38.175 {"url":"https://www.example.com/forms/01955a00-0000-7000-8000-00000000f001?utm_source=reachly&utm_medium=email&utm_campaign=01955a00-0000-7000-8000-00000000c001&utm_content=form_cta","link":"form_cta"}"#,
    r#"form_view 2025-03-04T12:47:08.864+00:00 01956132-1c40-8051-987e-d7220a1117c6 65.20.38.175 {"form_id":"01955a00-0000-7000-8000-00000000f001"}"#,
    r#"form_submit 2025-03-04T12:48:55.774+00:00 01956133-bdde-8fc5-a1eb-17ca7ef4bcb7 65.20.38.175 {"form_id":"01955a00-0000-7000-8000-00000000f001","lead_id":"01956133-bdde-8fc3-871d-ea3f48d30f4b","response_id":"01956133-bdde-8c00-a08e-b272f3dcd983"}"#,
    r#"open 2025-03-04T16:55:52.337+00:00 01956215-d311-8567-94ef-0c90f1f0608b 66.249.84.153 {"machine_open":false,"device":"iphone","client":"gmail"}"#,
    r#"open 2025-03-04T20:40:35.484+00:00 019562e3-8f9c-83e5-9b4d-2a3c60da6e75 66.102.10.212 {"machine_open":false,"device":"iphone","client":"gmail"}"#,
    r#"open 2025-03-05T03:50:37.312+00:00 0195646d-4400-82d5-936a-fd380548a73a 66.249.84.216 {"machine_open":false,"device":"iphone","client":"gmail"}"#,
    r#"open 2025-03-07T12:01:22.078+00:00 0195707b-469e-807c-a2ce-b52f8a41181f 66.102.5.46 {"machine_open":false,"device":"iphone","client":"gmail"}"#,
];
const PINNED_LEAD: &str = r#"{"lead_id":"01956133-bdde-8fc3-871d-ea3f48d30f4b","response_id":"01956133-bdde-8c00-a08e-b272f3dcd983","email":"person80@example.com","first_name":"Joshua","last_name":"Scott","phone":"+1 212 555 0100","submitted_at":"2025-03-04T12:48:55.774Z","response_data":{"birth_date":"2002-07-24","company":"Orchard Learning","consent":true,"email":"person80@example.com","first_name":"Joshua","last_name":"Scott","phone":"+1 212 555 0100","plan":"basic","seats":9,"zip":"84671"},"ip":"65.20.38.175","user_agent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"}"#;

#[test]
fn default_rates_hold_over_100k_recipients() {
    assert_rates(default_tally(), &SimulationConfig::default());
}

#[test]
fn overridden_rates_hold_over_100k_recipients() {
    assert_rates(overridden_tally(), &overridden());
}

#[test]
fn risky_recipients_bounce_more() {
    let config = SimulationConfig::default();
    let t = tally(&config, &campaign(13, None), N, true);
    let hard = config.hard_bounce_rate * config.risky_hard_bounce_multiplier;
    let soft = config.soft_bounce_rate * config.risky_soft_bounce_multiplier;
    assert_rate("risky hard bounce / sent", t.hard, t.sent, hard);
    assert_rate("risky soft bounce / sent", t.soft, t.sent, soft);
    assert_eq!(t.form_views + t.form_submits, 0, "no form, no form events");
}

#[test]
fn first_open_delays_follow_the_fitted_log_normal() {
    let config = SimulationConfig::default();
    let model = assert_first_open_delays(default_tally(), &config);
    // The fit against the published curve: ≈25 % within 1 h, 50–60 % within 6 h, ≈80 %
    // within 24 h, ≈95 % within 7 days.
    assert!((model[0] - 0.25).abs() < 0.02, "{model:?}");
    assert!((0.50..=0.60).contains(&model[1]), "{model:?}");
    assert!((model[2] - 0.80).abs() < 0.02, "{model:?}");
    assert!((model[3] - 0.95).abs() < 0.025, "{model:?}");
    assert_first_open_delays(overridden_tally(), &overridden());
}

#[test]
fn without_a_form_there_are_no_form_events_nor_leads() {
    let (config, c) = (overridden(), campaign(4, None));
    for i in 0..5_000 {
        let o = simulate_recipient(&config, &c, &recipient(i, false));
        check_outcome(&o, &c, &config);
        assert!(o.lead.is_none());
    }
}

#[test]
fn leads_use_known_names_and_phone_else_drawn_ones() {
    let (config, c) = (overridden(), campaign(5, Some(form())));
    let leads: Vec<(Recipient, SimLead)> = (0..20_000)
        .filter_map(|i| {
            let r = recipient(i, false);
            let lead = simulate_recipient(&config, &c, &r).lead?;
            Some((r, lead))
        })
        .collect();
    assert!(leads.len() > 200, "{}", leads.len());
    for (r, lead) in &leads {
        assert_eq!(lead.email, r.email);
        match &r.first_name {
            Some(name) => assert_eq!(&lead.first_name, name),
            None => assert!(!lead.first_name.is_empty()),
        }
        match &r.phone {
            Some(phone) => assert_eq!(&lead.phone, phone),
            None => assert!(lead.phone.contains(" 555-01"), "{}", lead.phone),
        }
    }
}

#[test]
fn event_data_serializes_for_the_events_table() {
    let (config, c) = (overridden(), campaign(6, Some(form())));
    let kinds: HashSet<&str> = (0..5_000)
        .flat_map(|i| simulate_recipient(&config, &c, &recipient(i, i % 3 == 0)).events)
        .map(|e| {
            let data = serde_json::to_value(&e.data).unwrap();
            assert!(data.is_object(), "{data}");
            e.event_type.as_str()
        })
        .collect();
    assert_eq!(
        kinds.len(),
        EventType::ALL.len(),
        "every kind occurs: {kinds:?}"
    );
}

/// Prints the cost of one recipient (run in release for the real figure:
/// `cargo test --release -p reachly-jobs --lib simulate::tests::per_recipient_cost -- --nocapture`).
#[test]
fn per_recipient_cost() {
    let (config, c) = (SimulationConfig::default(), campaign(7, Some(form())));
    let recipients: Vec<Recipient> = (0..100_000).map(|i| recipient(i, false)).collect();
    let start = Instant::now();
    let mut events = 0;
    for r in &recipients {
        events += std::hint::black_box(simulate_recipient(&config, &c, r))
            .events
            .len();
    }
    let elapsed = start.elapsed();
    println!(
        "simulate_recipient: {:.0} ns per recipient ({:.2} events each), {} recipients in {:?}",
        elapsed.as_nanos() as f64 / recipients.len() as f64,
        events as f64 / recipients.len() as f64,
        recipients.len(),
        elapsed
    );
}

/// Configs with every rate drawn, consistent with each other.
fn any_config() -> impl Strategy<Value = SimulationConfig> {
    (
        (0.0f64..=0.5, 0.0f64..=0.5, 0.0f64..=1.0, 0.0f64..=1.0),
        (0.0f64..=1.0, 0.0f64..=1.0, 0.0f64..=1.0, 0.0f64..=1.0),
        (0u32..=6, 0u32..=6, 0.0f64..=1.0, 0.0f64..=1.0),
    )
        .prop_map(
            |(
                (hard, soft, open, click),
                (exit, machine, submit, reopen),
                (max_reopens, repeats, repeat, ipv6),
            )| {
                let overrides = SimulationOverrides {
                    hard_bounce_rate: Some(hard),
                    soft_bounce_rate: Some(soft),
                    risky_hard_bounce_multiplier: Some(1.0),
                    risky_soft_bounce_multiplier: Some(1.0),
                    open_rate: Some(open),
                    click_rate: Some(open * click),
                    unsubscribe_rate: Some(open * exit * 0.5),
                    complaint_rate: Some(open * exit * 0.25),
                    machine_open_rate: Some(machine),
                    form_submit_rate: Some(submit),
                    reopen_rate: Some(reopen),
                    max_reopens: Some(max_reopens),
                    max_repeat_clicks: Some(repeats),
                    repeat_click_rate: Some(repeat),
                    ipv6_share: Some(ipv6),
                    ..SimulationOverrides::default()
                };
                SimulationConfig::default()
                    .with_overrides(&overrides)
                    .unwrap()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_seed_and_rates_give_causal_well_formed_outcomes(
        config in any_config(),
        seed in any::<u64>(),
        campaign_bits in any::<u128>(),
        launch_secs in 946_684_800i64..4_102_444_800,
        launch_nanos in 0u32..1_000_000_000,
        with_form in any::<bool>(),
        first in any::<u64>(),
    ) {
        let c = CampaignSim {
            seed,
            campaign_id: Uuid::from_u128(campaign_bits),
            launched_at: DateTime::from_timestamp(launch_secs, launch_nanos).unwrap(),
            form: with_form.then(form),
        };
        let mut ids = HashSet::new();
        for i in 0..50 {
            let r = recipient(first.wrapping_add(i), i % 2 == 0);
            let o = simulate_recipient(&config, &c, &r);
            check_outcome(&o, &c, &config);
            prop_assert!(o.events.iter().all(|e| ids.insert(e.id)));
            prop_assert_eq!(&o, &simulate_recipient(&config, &c, &r));
        }
    }
}
