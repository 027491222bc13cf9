//! One recipient's simulation: the [`fate`](super::fate) decided, then each event placed in
//! time after the one that causes it.
//!
//! The causal chains, each event strictly after its predecessor (delays are at least 1 ms):
//! - `sent` (uniform over the send window) → `bounce`, and nothing else; or
//! - `sent` → `delivered` → the machine open (MPP), independent of the person;
//! - `delivered` → first human open → reopens (each after the previous open);
//! - first human open → click → `form_view` → `form_submit` → repeat clicks;
//! - the recipient's last human event → unsubscribe or complaint (nothing follows it).

use std::net::IpAddr;

use super::addresses::{OpenSource, random_public};
use super::bounces::bounce_data;
use super::campaign::{CampaignSim, FormSpec, Recipient};
use super::config::SimulationConfig;
use super::devices::{APPLE_PROXY_UA, Device, draw_device};
use super::dist::{LogNormal, skewed_short};
use super::fate::{Exit, Fate};
use super::form_values::{Person, first_name, last_name, response_data, us_phone};
use super::ids::{IdMaker, IdSlot};
use super::links::click_target;
use super::outcome::{
    BounceType, ContactChange, Delivery, EventData, EventType, RecipientOutcome, SimLead,
    UnsubscribeMethod,
};
use super::seed::{RecipientKey, SimRng};
use super::timeline::{Timeline, at, delay_ms};

/// Share of unsubscribes made with the mailbox provider's one-click button
/// (`List-Unsubscribe`, prominent in Gmail and Yahoo since 2024) rather than the footer link.
const ONE_CLICK_UNSUBSCRIBE_SHARE: f64 = 0.3;

/// Simulates what `recipient` does with `campaign`'s email. Pure and deterministic: the
/// same arguments give the same outcome, ids included, in any process and call order.
pub fn simulate_recipient(
    config: &SimulationConfig,
    campaign: &CampaignSim,
    recipient: &Recipient,
) -> RecipientOutcome {
    let key = RecipientKey::derive(campaign.seed, campaign.campaign_id, recipient.contact_id);
    let mut rng = key.rng();
    let fate = Fate::draw(&mut rng, config, recipient.risky);
    let mut run = Run {
        config,
        campaign,
        rng,
        timeline: Timeline::new(IdMaker::new(key.id_key())),
    };

    let sent = run.send();
    let bounce = match fate.delivery {
        Delivery::Delivered => None,
        Delivery::HardBounce => Some(BounceType::Hard),
        Delivery::SoftBounce => Some(BounceType::Soft),
    };
    if let Some(bounce_type) = bounce {
        let data = bounce_data(&mut run.rng, bounce_type);
        let ms = sent + run.delivery_delay();
        run.timeline.push(EventType::Bounce, ms, data, None, None);
        return RecipientOutcome {
            events: run.timeline.finish(),
            delivery: fate.delivery,
            contact_change: (bounce_type == BounceType::Hard).then_some(ContactChange::Bounced),
            lead: None,
        };
    }

    let delivered = sent + run.delivery_delay();
    let data = EventData::Delivered { smtp_code: 250 };
    run.timeline
        .push(EventType::Delivered, delivered, data, None, None);
    let mut lead = None;
    // Most delivered recipients do nothing visible: no client nor address to draw.
    if fate.machine_open || fate.human_open {
        let visitor = Visitor::draw(&mut run.rng, config, fate.machine_open);
        if fate.machine_open {
            run.machine_open(&visitor, delivered);
        }
        if fate.human_open {
            lead = run.human(&visitor, &fate, recipient, delivered);
        }
    }
    RecipientOutcome {
        events: run.timeline.finish(),
        delivery: Delivery::Delivered,
        contact_change: fate.exit.map(|_| ContactChange::Unsubscribed),
        lead,
    }
}

/// A recipient's value when it has one that is not blank.
fn known(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The recipient as a visitor: their mail client and two addresses (home, and a second one
/// a minority of later visits come from).
struct Visitor {
    device: &'static Device,
    home: IpAddr,
    away: IpAddr,
}

impl Visitor {
    fn draw(rng: &mut SimRng, config: &SimulationConfig, machine_open: bool) -> Visitor {
        Visitor {
            device: draw_device(rng, machine_open),
            home: random_public(rng, config.ipv6_share),
            away: random_public(rng, config.ipv6_share),
        }
    }

    /// The address of a visit (an open fetched directly, a click, an unsubscribe page).
    fn ip(&self, rng: &mut SimRng, config: &SimulationConfig) -> IpAddr {
        if rng.chance(config.ip_change_rate) {
            self.away
        } else {
            self.home
        }
    }
}

/// A simulation in progress.
struct Run<'a> {
    config: &'a SimulationConfig,
    campaign: &'a CampaignSim,
    rng: SimRng,
    timeline: Timeline,
}

impl Run<'_> {
    /// `sent`, uniformly in the send window; returns its time.
    fn send(&mut self) -> i64 {
        let launched = self.campaign.launched_at;
        // The launch rounded up to a whole millisecond, so nothing precedes it.
        let start = launched.timestamp_millis()
            + i64::from(!launched.timestamp_subsec_nanos().is_multiple_of(1_000_000));
        let offset = (self.rng.unit() * self.config.send_window_secs * 1_000.0) as i64;
        self.timeline.push(
            EventType::Sent,
            start + offset,
            EventData::Sent {},
            None,
            None,
        )
    }

    /// From `sent` to the receiving server's reply.
    fn delivery_delay(&mut self) -> i64 {
        let c = self.config;
        delay_ms(skewed_short(
            &mut self.rng,
            c.delivery_delay_min_secs,
            c.delivery_delay_max_secs,
        ))
    }

    /// A capped log-normal delay in milliseconds.
    fn delay(&mut self, median_secs: f64, sigma: f64) -> i64 {
        let d = LogNormal::new(median_secs, sigma);
        delay_ms(d.sample(&mut self.rng, self.config.max_delay_secs))
    }

    fn machine_open(&mut self, visitor: &Visitor, delivered: i64) {
        let c = self.config;
        let ms =
            delivered + self.delay(c.machine_open_delay_median_secs, c.machine_open_delay_sigma);
        let ip = OpenSource::AppleProxy.proxy_address(&mut self.rng);
        let data = EventData::Open {
            machine_open: true,
            device: visitor.device.device,
            client: visitor.device.client,
        };
        self.timeline
            .push(EventType::Open, ms, data, ip, Some(APPLE_PROXY_UA));
    }

    /// A human open at `ms`: the image fetch comes from the client's proxy, if it has one,
    /// else from the recipient.
    fn human_open(&mut self, visitor: &Visitor, ms: i64) {
        let device = visitor.device;
        let ip = match device.open_source.proxy_address(&mut self.rng) {
            Some(proxy) => proxy,
            None => visitor.ip(&mut self.rng, self.config),
        };
        let data = EventData::Open {
            machine_open: false,
            device: device.device,
            client: device.client,
        };
        self.timeline
            .push(EventType::Open, ms, data, Some(ip), Some(device.open_ua));
    }

    /// Everything the person does; returns the lead if they submitted the form.
    fn human(
        &mut self,
        visitor: &Visitor,
        fate: &Fate,
        recipient: &Recipient,
        delivered: i64,
    ) -> Option<SimLead> {
        let c = self.config;
        let first_open = delivered + self.delay(c.open_delay_median_secs, c.open_delay_sigma);
        self.human_open(visitor, first_open);
        let mut last = first_open;
        let mut lead = None;
        if fate.click {
            (last, lead) = self.clicks(visitor, fate, recipient, first_open);
        }
        let mut open = first_open;
        for _ in 0..c.max_reopens {
            if !self.rng.chance(c.reopen_rate) {
                break;
            }
            open += self.delay(c.reopen_delay_median_secs, c.reopen_delay_sigma);
            self.human_open(visitor, open);
        }
        last = last.max(open);
        if let Some(exit) = fate.exit {
            let ms = last + self.delay(c.exit_delay_median_secs, c.exit_delay_sigma);
            self.exit(visitor, exit, ms);
        }
        lead
    }

    /// The first click after `first_open`, the form it leads to (if any), then repeat
    /// clicks. Returns the time of the last of these events and the lead.
    fn clicks(
        &mut self,
        visitor: &Visitor,
        fate: &Fate,
        recipient: &Recipient,
        first_open: i64,
    ) -> (i64, Option<SimLead>) {
        let c = self.config;
        let ua = visitor.device.click_ua;
        let form = self.campaign.form.as_ref();
        let ip = visitor.ip(&mut self.rng, c);
        let mut last = first_open + self.delay(c.click_delay_median_secs, c.click_delay_sigma);
        self.click(last, form.map(|f| f.form_id), ip, ua);
        let mut lead = None;
        if let Some(form) = form {
            last += self.delay(c.form_view_delay_median_secs, c.form_view_delay_sigma);
            let data = EventData::FormView {
                form_id: form.form_id,
            };
            self.timeline
                .push(EventType::FormView, last, data, Some(ip), Some(ua));
            if fate.form_submit {
                last += self.delay(c.form_submit_delay_median_secs, c.form_submit_delay_sigma);
                lead = Some(self.submit(form, recipient, last, ip, ua));
            }
        }
        for _ in 0..c.max_repeat_clicks {
            if !self.rng.chance(c.repeat_click_rate) {
                break;
            }
            last += self.delay(c.click_delay_median_secs, c.click_delay_sigma);
            let ip = visitor.ip(&mut self.rng, c);
            self.click(last, None, ip, ua);
        }
        (last, lead)
    }

    fn click(&mut self, ms: i64, form_id: Option<uuid::Uuid>, ip: IpAddr, ua: &'static str) {
        let (link, url) = click_target(&mut self.rng, self.campaign.campaign_id, form_id);
        let data = EventData::Click { url, link };
        self.timeline
            .push(EventType::Click, ms, data, Some(ip), Some(ua));
    }

    /// `form_submit` at `ms` and the lead it creates.
    fn submit(
        &mut self,
        form: &FormSpec,
        recipient: &Recipient,
        ms: i64,
        ip: IpAddr,
        user_agent: &'static str,
    ) -> SimLead {
        let lead_id = self.timeline.other_id(IdSlot::Lead, ms);
        let response_id = self.timeline.other_id(IdSlot::FormResponse, ms);
        let data = EventData::FormSubmit {
            form_id: form.form_id,
            lead_id,
            response_id,
        };
        self.timeline
            .push(EventType::FormSubmit, ms, data, Some(ip), Some(user_agent));
        let rng = &mut self.rng;
        let person = Person {
            email: &recipient.email,
            first_name: known(&recipient.first_name)
                .unwrap_or_else(|| first_name(rng))
                .to_owned(),
            last_name: known(&recipient.last_name)
                .unwrap_or_else(|| last_name(rng))
                .to_owned(),
            phone: known(&recipient.phone).map_or_else(|| us_phone(rng), str::to_owned),
        };
        let response_data = response_data(rng, &form.fields, &person, self.campaign.launched_at);
        SimLead {
            lead_id,
            response_id,
            email: recipient.email.clone(),
            first_name: person.first_name,
            last_name: person.last_name,
            phone: person.phone,
            submitted_at: at(ms),
            response_data,
            ip,
            user_agent,
        }
    }

    /// The unsubscribe or complaint at `ms`.
    fn exit(&mut self, visitor: &Visitor, exit: Exit, ms: i64) {
        match exit {
            Exit::Complaint => {
                let data = EventData::Complaint {
                    feedback_type: "abuse",
                };
                self.timeline
                    .push(EventType::Complaint, ms, data, None, None);
            }
            Exit::Unsubscribe => {
                let (method, ip, ua) = if self.rng.chance(ONE_CLICK_UNSUBSCRIBE_SHARE) {
                    (UnsubscribeMethod::ListUnsubscribe, None, None)
                } else {
                    let ip = visitor.ip(&mut self.rng, self.config);
                    (
                        UnsubscribeMethod::Link,
                        Some(ip),
                        Some(visitor.device.click_ua),
                    )
                };
                let data = EventData::Unsubscribe { method };
                self.timeline.push(EventType::Unsubscribe, ms, data, ip, ua);
            }
        }
    }
}
