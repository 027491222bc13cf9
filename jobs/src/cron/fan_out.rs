//! What a worker process does with its schedules: record each tick in the ledger and, if its
//! insert won, submit one job per organization; at start-up, coalesce the ticks missed while
//! no worker ran and finish fan-outs a dead process left half done.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::ledger::{self, TickRecord};
use super::missed::missed_between;
use super::schedule::CronSchedule;
use crate::queue::submit::{SubmitError, submit};
use crate::tenancy::OrgId;
use crate::{AppDb, MaintDb};

/// What became of one tick in this process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TickOutcome {
    /// This process recorded the tick and submitted `jobs` new jobs (organizations whose job
    /// for the tick already existed are not counted).
    FannedOut { jobs: i32 },
    /// Another process had recorded it.
    AlreadyRecorded,
}

/// Runs ticks for one worker process: the ledger through the maintenance role, submissions
/// as each organization (a tick's jobs are ordinary tenant jobs).
#[derive(Clone, Debug)]
pub struct CronRunner {
    app: AppDb,
    maint: MaintDb,
    worker: Arc<str>,
}

impl CronRunner {
    pub fn new(app: AppDb, maint: MaintDb, worker: Arc<str>) -> Self {
        Self { app, maint, worker }
    }

    /// Records an on-time tick and fans it out if this process won it.
    pub async fn on_tick(
        &self,
        schedule: &CronSchedule,
        tick_at: DateTime<Utc>,
    ) -> Result<TickOutcome, SubmitError> {
        let record = TickRecord {
            schedule: schedule.name,
            tick_at,
            missed_ticks: 0,
            coalesced: false,
        };
        self.record_and_fan_out(schedule, &record).await
    }

    /// Start-up catch-up: finishes fan-outs left half done, then, if ticks passed since the
    /// last recorded one, runs the latest once standing for all of them. A schedule never
    /// recorded has missed nothing.
    pub async fn catch_up(
        &self,
        schedule: &CronSchedule,
        now: DateTime<Utc>,
    ) -> Result<Option<TickOutcome>, SubmitError> {
        for tick_at in ledger::unfinished(&self.maint, schedule.name).await? {
            let jobs = self.fan_out(schedule, tick_at).await?;
            tracing::warn!(schedule = schedule.name, %tick_at, jobs, "finished a tick's interrupted fan-out");
        }
        let Some(last) = ledger::last_tick(&self.maint, schedule.name).await? else {
            return Ok(None);
        };
        let Some(missed) = missed_between(&schedule.schedule, last, now) else {
            return Ok(None);
        };
        let record = TickRecord {
            schedule: schedule.name,
            tick_at: missed.latest,
            missed_ticks: missed.count,
            coalesced: true,
        };
        let outcome = self.record_and_fan_out(schedule, &record).await?;
        tracing::info!(
            schedule = schedule.name,
            tick = %missed.latest,
            missed = missed.count,
            ?outcome,
            "coalesced the ticks missed while no worker ran"
        );
        Ok(Some(outcome))
    }

    async fn record_and_fan_out(
        &self,
        schedule: &CronSchedule,
        record: &TickRecord,
    ) -> Result<TickOutcome, SubmitError> {
        if !ledger::record(&self.maint, record, &self.worker).await? {
            return Ok(TickOutcome::AlreadyRecorded);
        }
        let jobs = self.fan_out(schedule, record.tick_at).await?;
        Ok(TickOutcome::FannedOut { jobs })
    }

    /// Submits the tick's job in every live organization (each in its own tenant
    /// transaction; the dedupe key makes a repeat create nothing), then marks the tick done.
    async fn fan_out(
        &self,
        schedule: &CronSchedule,
        tick_at: DateTime<Utc>,
    ) -> Result<i32, SubmitError> {
        let job = schedule.job_for(tick_at);
        let mut created = 0;
        for org in ledger::live_organizations(&self.maint).await? {
            let mut tx = self.app.tenant(OrgId(org)).await?;
            let submitted = submit(&mut tx, None, std::slice::from_ref(&job)).await?;
            tx.commit().await?;
            created += i32::from(submitted.iter().any(|s| s.created));
        }
        ledger::fanned_out(&self.maint, schedule.name, tick_at, created).await?;
        Ok(created)
    }
}
