//! Reachly jobs: domain types, job payloads, the logic of every job and its Postgres access.
//!
//! The binaries (`reachly-worker`, `reachly-api`) only wire these pieces together.

pub mod analytics;
pub mod audit;
pub mod campaigns;
pub mod config;
pub mod cron;
pub mod db;
pub mod fuzz_entry;
pub mod ids;
pub mod import;
pub mod kinds;
pub mod lists;
pub mod metrics;
pub mod noop;
pub mod ops;
pub mod permission;
pub mod privacy;
pub mod queue;
pub mod simulate;
pub mod tenancy;
pub mod text_enum;
pub mod validate;

pub use config::Config;
pub use db::{AppDb, MaintDb};
pub use ids::{CampaignId, ContactId, GdprRequestId, LeadId, ListId};
pub use permission::Permission;
pub use tenancy::{Durability, OrgId, TenantTx};
