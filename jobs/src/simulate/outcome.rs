//! What the simulator returns for one recipient: events to insert, the assignment's status,
//! a change to the contact and a lead.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// Everything one recipient's simulation produced; the send job writes it as is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecipientOutcome {
    /// Sorted by `(occurred_at, id)`.
    pub events: Vec<SimEvent>,
    pub delivery: Delivery,
    pub contact_change: Option<ContactChange>,
    /// Present when the recipient submitted the campaign's form.
    pub lead: Option<SimLead>,
}

/// Whether the email reached the mailbox; decides `campaign_contact_assignments.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Delivered,
    HardBounce,
    SoftBounce,
}

impl Delivery {
    /// The `campaign_contact_assignments.status` it maps to.
    pub fn assignment_status(self) -> &'static str {
        match self {
            Delivery::Delivered => "delivered",
            Delivery::HardBounce | Delivery::SoftBounce => "bounced",
        }
    }
}

/// What the send changes on the contact, so later campaigns skip it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactChange {
    /// After a hard bounce.
    Bounced,
    /// After an unsubscribe or a spam complaint.
    Unsubscribed,
}

impl ContactChange {
    /// The `contacts.subscription_status` it sets.
    pub fn subscription_status(self) -> &'static str {
        match self {
            ContactChange::Bounced => "bounced",
            ContactChange::Unsubscribed => "unsubscribed",
        }
    }
}

/// One row of `events`. Sent, delivered, bounce and complaint events have no IP nor user
/// agent (they come from mail servers); the others carry the recipient's (or their mail
/// provider's image proxy's).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimEvent {
    /// UUID v8: the first 48 bits are `occurred_at` in Unix milliseconds (time-ordered like
    /// v7), the rest a hash of (seed, campaign, contact, event slot).
    pub id: Uuid,
    pub event_type: EventType,
    /// Whole milliseconds.
    pub occurred_at: DateTime<Utc>,
    /// The `event_data` column.
    pub data: EventData,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<&'static str>,
}

/// The kinds of event (`events.event_type`, a check constraint).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Sent,
    Delivered,
    Bounce,
    Open,
    Click,
    Unsubscribe,
    Complaint,
    FormView,
    FormSubmit,
}

impl EventType {
    pub const ALL: [EventType; 9] = [
        EventType::Sent,
        EventType::Delivered,
        EventType::Bounce,
        EventType::Open,
        EventType::Click,
        EventType::Unsubscribe,
        EventType::Complaint,
        EventType::FormView,
        EventType::FormSubmit,
    ];

    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Sent => "sent",
            EventType::Delivered => "delivered",
            EventType::Bounce => "bounce",
            EventType::Open => "open",
            EventType::Click => "click",
            EventType::Unsubscribe => "unsubscribe",
            EventType::Complaint => "complaint",
            EventType::FormView => "form_view",
            EventType::FormSubmit => "form_submit",
        }
    }
}

/// The `event_data` of each kind of event, serialized as a plain JSON object (the kind is
/// its own column).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EventData {
    /// `{}`.
    Sent {},
    /// `{"smtp_code": 250}`.
    Delivered { smtp_code: u16 },
    /// `{"bounce_type": "hard", "smtp_code": 550, "enhanced_code": "5.1.1", "diagnostic": ...}`.
    Bounce {
        bounce_type: BounceType,
        smtp_code: u16,
        enhanced_code: &'static str,
        diagnostic: &'static str,
    },
    /// `{"machine_open": false, "device": "iphone", "client": "apple_mail"}`; a machine open
    /// (Apple Mail Privacy Protection prefetch) has `machine_open: true`.
    Open {
        machine_open: bool,
        device: &'static str,
        client: &'static str,
    },
    /// `{"url": "https://…", "link": "cta"}`.
    Click { url: String, link: &'static str },
    /// `{"method": "link"}` or `{"method": "list_unsubscribe"}` (one-click header).
    Unsubscribe { method: UnsubscribeMethod },
    /// `{"feedback_type": "abuse"}` (an ARF feedback-loop report).
    Complaint { feedback_type: &'static str },
    /// `{"form_id": …}`.
    FormView { form_id: Uuid },
    /// `{"form_id": …, "lead_id": …, "response_id": …}`.
    FormSubmit {
        form_id: Uuid,
        lead_id: Uuid,
        response_id: Uuid,
    },
}

/// Permanent or temporary failure (`bounce_type` in a bounce's data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BounceType {
    Hard,
    Soft,
}

/// How a recipient unsubscribed: the footer link (a visit, with IP and user agent) or the
/// mailbox provider's one-click `List-Unsubscribe` (a server-to-server POST, without).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnsubscribeMethod {
    Link,
    ListUnsubscribe,
}

/// A submitted form: one `leads` row and one `form_responses` row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimLead {
    pub lead_id: Uuid,
    pub response_id: Uuid,
    pub email: String,
    /// The recipient's when known, else a drawn one (the same the form's name fields hold).
    pub first_name: String,
    pub last_name: String,
    /// The recipient's when known, else a drawn US number (the same the form's phone field
    /// holds).
    pub phone: String,
    /// The `form_submit` event's time.
    pub submitted_at: DateTime<Utc>,
    /// One entry per form field key.
    pub response_data: serde_json::Map<String, serde_json::Value>,
    pub ip: IpAddr,
    pub user_agent: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn event_data_serializes_as_plain_objects() {
        assert_eq!(serde_json::to_value(EventData::Sent {}).unwrap(), json!({}));
        let bounce = EventData::Bounce {
            bounce_type: BounceType::Hard,
            smtp_code: 550,
            enhanced_code: "5.1.1",
            diagnostic: "no such user",
        };
        assert_eq!(
            serde_json::to_value(bounce).unwrap(),
            json!({"bounce_type": "hard", "smtp_code": 550, "enhanced_code": "5.1.1",
                   "diagnostic": "no such user"})
        );
        let unsub = EventData::Unsubscribe {
            method: UnsubscribeMethod::ListUnsubscribe,
        };
        assert_eq!(
            serde_json::to_value(unsub).unwrap(),
            json!({"method": "list_unsubscribe"})
        );
    }

    #[test]
    fn event_types_serialize_as_their_database_spelling() {
        for t in EventType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
        }
    }
}
