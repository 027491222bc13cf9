//! Campaign launch and (simulated) sending.
//!
//! `POST /v1/campaigns/{id}/launch` records the simulation (seed, timeline origin, knobs) and
//! submits a `launch` job ([`launch`]); the job picks the recipients, writes their
//! assignments in batches and fans out one `send` job per batch ([`launch_job`]); each send
//! batch simulates its recipients and writes events, leads, form responses, assignment and
//! contact states and the campaign's counters in one transaction with its success
//! ([`send_job`]). The simulation itself is [`crate::simulate`].

pub mod counts;
pub mod launch;
pub mod launch_job;
pub mod lead_query;
pub mod lead_status;
pub mod payloads;
pub mod reads;
pub mod recipients;
pub mod record;
pub mod send_job;
pub mod send_rows;
pub mod status;
pub mod timeline;

pub use launch::{LaunchError, LaunchRequest, Launched, cancel, launch};
pub use lead_status::LeadStatus;
pub use payloads::{LaunchPayload, SendPayload};
pub use record::SimulationRecord;
pub use status::CampaignStatus;
