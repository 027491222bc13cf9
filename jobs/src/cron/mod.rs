//! Cron: the nightly schedules every worker process runs, and the Postgres ledger that makes
//! N processes create each tick's work once.
//!
//! apalis-cron fires the ticks in each process (the worker wires it); a tick is then recorded
//! in `cron_ticks` (insert-once on schedule and tick time) and only the process whose insert
//! won fans it out: one job per organization, with a `dedupe_key` derived from the schedule
//! and the tick, so even a second fan-out of the same tick creates nothing. After downtime the
//! ticks that passed unfired are coalesced into one run at start-up, and counted.

mod fan_out;
mod ledger;
mod missed;
mod schedule;

pub use fan_out::{CronRunner, TickOutcome};
pub use ledger::TickRecord;
pub use missed::{Missed, missed_between};
pub use schedule::{CronSchedule, ScheduleSpec, ScheduledJob, schedules_from_env};
