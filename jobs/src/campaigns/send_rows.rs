//! A send batch's writes, column by column: each column is bound as one array to an
//! `UNNEST` insert or update, so a batch of any size costs a fixed number of statements.
//! (`COPY FROM` is refused on tables under row-level security, which every tenant table is.)

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::counts::SendCounts;
use crate::simulate::RecipientOutcome;

/// Rows for `events`.
#[derive(Debug, Default)]
pub struct EventColumns {
    pub ids: Vec<Uuid>,
    pub contacts: Vec<Uuid>,
    pub types: Vec<&'static str>,
    /// `event_data` as JSON text.
    pub data: Vec<String>,
    pub ips: Vec<Option<String>>,
    pub user_agents: Vec<Option<&'static str>>,
    pub occurred_at: Vec<DateTime<Utc>>,
}

/// Rows for `leads` and their `form_responses` (one each per submitted form).
#[derive(Debug, Default)]
pub struct LeadColumns {
    pub ids: Vec<Uuid>,
    pub contacts: Vec<Uuid>,
    pub emails: Vec<String>,
    pub first_names: Vec<String>,
    pub last_names: Vec<String>,
    pub phones: Vec<String>,
    pub response_ids: Vec<Uuid>,
    /// `response_data` as JSON text.
    pub responses: Vec<String>,
    pub ips: Vec<String>,
    pub user_agents: Vec<&'static str>,
    pub submitted_at: Vec<DateTime<Utc>>,
}

/// Everything one `send` batch writes with its success.
#[derive(Debug, Default)]
pub struct SendRows {
    pub events: EventColumns,
    /// Recipients whose assignment becomes `bounced`, and `skipped`; every other recipient
    /// of the batch becomes `delivered` (one statement over the batch's index, whatever the
    /// table's statistics say).
    pub bounced: Vec<Uuid>,
    pub skipped: Vec<Uuid>,
    /// `contacts.subscription_status` changes (hard bounce, unsubscribe, complaint).
    pub changed_contacts: Vec<Uuid>,
    pub changed_statuses: Vec<&'static str>,
    pub leads: LeadColumns,
    pub counts: SendCounts,
}

impl SendRows {
    /// Adds one simulated recipient.
    pub fn push(&mut self, contact: Uuid, outcome: RecipientOutcome) {
        self.counts.add_outcome(&outcome);
        if outcome.delivery.assignment_status() == "bounced" {
            self.bounced.push(contact);
        }
        if let Some(change) = outcome.contact_change {
            self.changed_contacts.push(contact);
            self.changed_statuses.push(change.subscription_status());
        }
        let e = &mut self.events;
        for event in outcome.events {
            e.ids.push(event.id);
            e.contacts.push(contact);
            e.types.push(event.event_type.as_str());
            e.data
                .push(serde_json::to_string(&event.data).expect("event data serializes"));
            e.ips.push(event.ip.map(|ip| ip.to_string()));
            e.user_agents.push(event.user_agent);
            e.occurred_at.push(event.occurred_at);
        }
        if let Some(lead) = outcome.lead {
            let l = &mut self.leads;
            l.ids.push(lead.lead_id);
            l.contacts.push(contact);
            l.emails.push(lead.email);
            l.first_names.push(lead.first_name);
            l.last_names.push(lead.last_name);
            l.phones.push(lead.phone);
            l.response_ids.push(lead.response_id);
            l.responses.push(
                serde_json::to_string(&lead.response_data).expect("response data serializes"),
            );
            l.ips.push(lead.ip.to_string());
            l.user_agents.push(lead.user_agent);
            l.submitted_at.push(lead.submitted_at);
        }
    }

    /// Adds a recipient who is no longer sendable (unsubscribed, bounced or deleted since
    /// the launch, or the campaign was cancelled): no events, assignment `skipped`.
    pub fn skip(&mut self, contact: Uuid) {
        self.counts.add("skipped", 1);
        self.skipped.push(contact);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{CampaignSim, Recipient, SimulationConfig, simulate_recipient};
    use chrono::TimeZone;

    #[test]
    fn columns_stay_aligned_and_counts_match_the_events() {
        let config = SimulationConfig::default();
        let campaign = CampaignSim {
            seed: 7,
            campaign_id: Uuid::from_u128(1),
            launched_at: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
            form: None,
        };
        let mut rows = SendRows::default();
        for n in 0..2_000u128 {
            let recipient = Recipient {
                contact_id: Uuid::from_u128(1_000 + n),
                email: format!("r{n}@example.com"),
                first_name: None,
                last_name: None,
                phone: None,
                risky: false,
            };
            rows.push(
                recipient.contact_id,
                simulate_recipient(&config, &campaign, &recipient),
            );
        }
        rows.skip(Uuid::from_u128(99));
        let e = &rows.events;
        let n = e.ids.len();
        assert!(n > 2 * 2_000 - 100, "sent + delivered at least: {n}");
        for len in [
            e.contacts.len(),
            e.types.len(),
            e.data.len(),
            e.ips.len(),
            e.user_agents.len(),
            e.occurred_at.len(),
        ] {
            assert_eq!(len, n);
        }
        assert_eq!(rows.skipped, vec![Uuid::from_u128(99)]);
        assert_eq!(
            rows.bounced.len() as i64,
            rows.counts.get("hard_bounced") + rows.counts.get("soft_bounced")
        );
        assert_eq!(rows.counts.get("recipients"), 2_000);
        assert_eq!(rows.counts.get("skipped"), 1);
        assert_eq!(
            rows.counts.get("sent"),
            e.types.iter().filter(|t| **t == "sent").count() as i64
        );
        assert_eq!(
            rows.counts.get("delivered")
                + rows.counts.get("hard_bounced")
                + rows.counts.get("soft_bounced"),
            2_000
        );
        assert!(rows.counts.get("opened") <= rows.counts.get("opens"));
        assert_eq!(rows.leads.ids.len(), 0, "no form, no leads");
    }
}
