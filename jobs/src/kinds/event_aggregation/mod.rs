//! The `event_aggregation` job: rolls one organization's events up per campaign, event type,
//! subtype and UTC day (`event_aggregations`), and per campaign over its whole life
//! (`campaign_event_totals`), the figures campaign dashboards read.
//!
//! Cron submits one per organization per tick (no days: every day not yet final that has
//! events, plus days that received events since the last run); a member with `ops.manage`
//! may name days. Each day is its own transaction under an advisory lock of (organization,
//! day), so a re-run upserts the same rows and two runs of one day at once serialize: no
//! double counting, no lost update. A campaign's day becomes final once it ended more than
//! 24 h before the run and the campaign is no longer sending; a final day is never
//! recomputed, and events that arrive for it later are counted apart (`late_events`).

mod days;
mod rollup;
mod run;
mod totals;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::cron::ScheduledJob;
use crate::permission::Permission;
use crate::queue::{Job, JobContext, JobError};

pub use days::{DAYS_BACK, DayRange};
pub use rollup::{DAY_ROLLUP, LATE_EVENTS};
pub use totals::{CAMPAIGN_LATE_EVENTS, CAMPAIGN_TOTALS};

/// An `event_aggregation` job's payload.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EventAggregation {
    /// The UTC days to roll up (within the last [`DAYS_BACK`] days); absent: every day not
    /// yet final that has events, and the days that received events since the last run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Vec<NaiveDate>>,
    /// The cron tick that submitted the job (absent for a job submitted by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick: Option<DateTime<Utc>>,
}

impl Job for EventAggregation {
    const KIND: &'static str = "event_aggregation";
    const PERMISSION: Option<Permission> = Some(Permission::OpsManage);
    // Each attempt reads a day's events at a time; two at once keep both cores busy.
    const CONCURRENCY_CAP: Option<usize> = Some(2);

    fn check(&self) -> Result<(), String> {
        match &self.days {
            Some(days) => days::check(days, Utc::now().date_naive()),
            None => Ok(()),
        }
    }

    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        run::run(self, ctx).await
    }
}

impl ScheduledJob for EventAggregation {
    const SCHEDULE_ENV: &'static str = "REACHLY_CRON_EVENT_AGGREGATION";
    const DEFAULT_SCHEDULE: &'static str = "0 30 2 * * *";

    fn for_tick(tick: DateTime<Utc>) -> Self {
        Self {
            days: None,
            tick: Some(tick),
        }
    }
}
