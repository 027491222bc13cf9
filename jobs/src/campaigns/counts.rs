//! A send batch's contribution to its campaign's counters (`campaigns.counts`), computed
//! from the simulated outcomes. Machine opens (Apple Mail Privacy Protection) are counted
//! apart from human opens, so open rates stay human.

use std::collections::BTreeMap;

use crate::simulate::{Delivery, EventData, EventType, RecipientOutcome};

/// Counter names, in the order the API shows them.
pub const COUNTERS: [&str; 15] = [
    "recipients",
    "sent",
    "delivered",
    "hard_bounced",
    "soft_bounced",
    "opened",
    "opens",
    "machine_opened",
    "clicked",
    "clicks",
    "unsubscribed",
    "complained",
    "form_views",
    "form_submits",
    "skipped",
];

/// Counts keyed by [`COUNTERS`] (only non-zero ones are kept).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendCounts(BTreeMap<&'static str, i64>);

impl SendCounts {
    pub fn add(&mut self, counter: &'static str, n: i64) {
        debug_assert!(COUNTERS.contains(&counter), "unknown counter {counter}");
        if n != 0 {
            *self.0.entry(counter).or_default() += n;
        }
    }

    pub fn get(&self, counter: &str) -> i64 {
        self.0.get(counter).copied().unwrap_or(0)
    }

    /// Adds one recipient's outcome: unique counters once per recipient, totals per event.
    pub fn add_outcome(&mut self, outcome: &RecipientOutcome) {
        self.add("recipients", 1);
        match outcome.delivery {
            Delivery::Delivered => self.add("delivered", 1),
            Delivery::HardBounce => self.add("hard_bounced", 1),
            Delivery::SoftBounce => self.add("soft_bounced", 1),
        }
        let (mut opens, mut machine, mut clicks) = (0, 0, 0);
        for event in &outcome.events {
            match (event.event_type, &event.data) {
                (EventType::Sent, _) => self.add("sent", 1),
                (EventType::Open, EventData::Open { machine_open, .. }) => {
                    if *machine_open {
                        machine += 1
                    } else {
                        opens += 1
                    }
                }
                (EventType::Click, _) => clicks += 1,
                (EventType::Unsubscribe, _) => self.add("unsubscribed", 1),
                (EventType::Complaint, _) => self.add("complained", 1),
                (EventType::FormView, _) => self.add("form_views", 1),
                (EventType::FormSubmit, _) => self.add("form_submits", 1),
                _ => {}
            }
        }
        self.add("opens", opens);
        self.add("opened", i64::from(opens > 0));
        self.add("machine_opened", i64::from(machine > 0));
        self.add("clicks", clicks);
        self.add("clicked", i64::from(clicks > 0));
    }

    /// `{"sent": 500, ...}` for the SQL that adds it to `campaigns.counts`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.0
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).into()))
                .collect(),
        )
    }
}
