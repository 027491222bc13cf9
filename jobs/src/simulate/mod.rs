//! The send simulator: what one recipient of a campaign does with the email (pure logic).
//!
//! Sending is simulated, but the events it produces become real rows that analytics,
//! dashboards and lead pipelines read, so they must look like a real campaign's and be
//! reproducible. The send job calls [`simulate_recipient`] once per recipient and writes the
//! [`RecipientOutcome`] (events, assignment status, contact change, lead) to Postgres.
//!
//! A recipient's outcome depends only on the campaign's seed, its id, the contact id and the
//! [`SimulationConfig`]: the same inputs give the same events (ids included) whatever the
//! call order, batch size or process. In order, for one recipient:
//!
//! 1. [`seed`]: a key mixed from (seed, campaign id, contact id) seeds a ChaCha8 generator
//!    and the [`ids`] hash.
//! 2. `fate`: what happens (bounce, opens, click, unsubscribe, form submit), from a fixed
//!    number of draws, so changing one rate does not reshuffle the other decisions.
//! 3. [`devices`] and [`addresses`]: the recipient's mail client and IP addresses.
//! 4. `recipient`: when each event happens, through the `timeline`; a submitted form
//!    gets its answers from [`form_values`].
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use reachly_jobs::simulate::{CampaignSim, Recipient, SimulationConfig, simulate_recipient};
//! use uuid::Uuid;
//!
//! let campaign = CampaignSim {
//!     seed: 42,
//!     campaign_id: Uuid::from_u128(1),
//!     launched_at: Utc.with_ymd_and_hms(2025, 3, 4, 9, 0, 0).unwrap(),
//!     form: None,
//! };
//! let recipient = Recipient {
//!     contact_id: Uuid::from_u128(7),
//!     email: "ada@example.com".into(),
//!     first_name: Some("Ada".into()),
//!     last_name: None,
//!     phone: None,
//!     risky: false,
//! };
//! let config = SimulationConfig::default();
//! let outcome = simulate_recipient(&config, &campaign, &recipient);
//! assert_eq!(outcome.events[0].event_type.as_str(), "sent");
//! assert_eq!(outcome, simulate_recipient(&config, &campaign, &recipient));
//! ```

pub mod addresses;
mod bounces;
pub mod campaign;
pub mod config;
pub mod devices;
mod dist;
mod fate;
pub mod form_values;
pub mod ids;
mod links;
pub mod outcome;
mod recipient;
pub mod seed;
mod timeline;

#[cfg(test)]
mod tests;

pub use addresses::is_public;
pub use campaign::{CampaignSim, FieldSpec, FieldType, FormSpec, Recipient};
pub use config::{ConfigError, SimulationConfig, SimulationOverrides};
pub use outcome::{
    BounceType, ContactChange, Delivery, EventData, EventType, RecipientOutcome, SimEvent, SimLead,
    UnsubscribeMethod,
};
pub use recipient::simulate_recipient;
