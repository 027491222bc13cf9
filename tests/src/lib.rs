//! Test support: a fresh database per test (cloned from a migrated template), a private
//! Redis server per test, and the real `reachly-api` / `reachly-worker` binaries as child
//! processes. Nothing is mocked.

pub mod audit;
pub mod browser;
pub mod campaigns;
pub mod db;
pub mod dns_server;
pub mod gdpr;
pub mod http;
pub mod jobs;
pub mod lists;
pub mod plans;
pub mod process;
pub mod prometheus;
pub mod redis_server;
pub mod rollups;
pub mod sends;
pub mod stack;
pub mod wait;
pub mod world;

pub use stack::Stack;
pub use wait::wait_until;
