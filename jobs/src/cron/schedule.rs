//! Which schedules run, from the environment: cron syntax with a seconds field, in UTC, one
//! variable per scheduled kind, `off` to disable one.

use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::queue::{Job, NewJob};

/// A job kind that cron submits: its schedule's variable and default, and the job a tick
/// makes for one organization.
pub trait ScheduledJob: Job {
    /// The environment variable holding the schedule (`REACHLY_CRON_<KIND>`).
    const SCHEDULE_ENV: &'static str;
    /// The schedule when the variable is unset.
    const DEFAULT_SCHEDULE: &'static str;
    /// The payload of the job one tick submits for each organization.
    fn for_tick(tick: DateTime<Utc>) -> Self;
}

/// A scheduled kind as the registry lists it, before its schedule is read.
#[derive(Clone, Copy, Debug)]
pub struct ScheduleSpec {
    pub kind: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    make_job: fn(DateTime<Utc>) -> NewJob,
}

impl ScheduleSpec {
    pub fn of<J: ScheduledJob>() -> Self {
        Self {
            kind: J::KIND,
            env: J::SCHEDULE_ENV,
            default: J::DEFAULT_SCHEDULE,
            make_job: |tick| NewJob::from(&J::for_tick(tick)),
        }
    }
}

/// One enabled schedule: its name (the kind it submits), its cron expression, and how a tick
/// becomes a job.
#[derive(Clone, Debug)]
pub struct CronSchedule {
    pub name: &'static str,
    pub expression: String,
    pub schedule: cron::Schedule,
    make_job: fn(DateTime<Utc>) -> NewJob,
}

impl CronSchedule {
    /// The job this schedule's `tick` submits for one organization, with the tick's dedupe key.
    pub fn job_for(&self, tick: DateTime<Utc>) -> NewJob {
        let mut job = (self.make_job)(tick);
        job.dedupe_key = Some(dedupe_key(self.name, tick));
        job
    }
}

/// The dedupe key of a tick's jobs: the schedule and the tick's time.
pub fn dedupe_key(schedule: &str, tick: DateTime<Utc>) -> String {
    format!("cron:{schedule}:{}", tick.format("%Y-%m-%dT%H:%M:%SZ"))
}

/// Reads each spec's schedule from `env` (e.g. `std::env::var`); unset means the default,
/// `off` disables it. The error names the variable and what is wrong with it.
pub fn schedules_from_env(
    specs: &[ScheduleSpec],
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<CronSchedule>, String> {
    let mut enabled = Vec::new();
    for spec in specs {
        let value = env(spec.env).unwrap_or_else(|| spec.default.to_string());
        let value = value.trim();
        if value.eq_ignore_ascii_case("off") {
            continue;
        }
        let schedule = parse(value).map_err(|e| format!("{}: {e}", spec.env))?;
        enabled.push(CronSchedule {
            name: spec.kind,
            expression: value.to_string(),
            schedule,
            make_job: spec.make_job,
        });
    }
    Ok(enabled)
}

/// Parses a six- or seven-field cron expression (seconds first); five fields are refused
/// rather than read one field off.
fn parse(expression: &str) -> Result<cron::Schedule, String> {
    let fields = expression.split_whitespace().count();
    if !(6..=7).contains(&fields) {
        return Err(format!(
            "`{expression}` has {fields} fields; write sec min hour day-of-month month day-of-week [year], e.g. `0 30 2 * * *`, or `off`"
        ));
    }
    cron::Schedule::from_str(expression)
        .map_err(|e| format!("`{expression}` is not a cron expression: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Nightly {
        tick: DateTime<Utc>,
    }
    impl Job for Nightly {
        const KIND: &'static str = "nightly";
        async fn run(self, _: &crate::queue::JobContext) -> Result<(), crate::queue::JobError> {
            Ok(())
        }
    }
    impl ScheduledJob for Nightly {
        const SCHEDULE_ENV: &'static str = "REACHLY_CRON_NIGHTLY";
        const DEFAULT_SCHEDULE: &'static str = "0 30 2 * * *";
        fn for_tick(tick: DateTime<Utc>) -> Self {
            Self { tick }
        }
    }

    fn read(value: Option<&str>) -> Result<Vec<CronSchedule>, String> {
        let value = value.map(str::to_string);
        schedules_from_env(&[ScheduleSpec::of::<Nightly>()], |_| value.clone())
    }

    #[test]
    fn unset_is_the_default_and_off_disables() {
        let schedules = read(None).unwrap();
        assert_eq!(schedules[0].expression, "0 30 2 * * *");
        let after = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let next = schedules[0].schedule.after(&after).next().unwrap();
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 12, 1, 2, 30, 0).unwrap());
        assert!(read(Some("off")).unwrap().is_empty());
        assert!(read(Some(" OFF ")).unwrap().is_empty());
    }

    #[test]
    fn bad_expressions_name_the_variable() {
        let five = read(Some("30 2 * * *")).unwrap_err();
        assert!(five.starts_with("REACHLY_CRON_NIGHTLY: "), "{five}");
        assert!(five.contains("5 fields"), "{five}");
        let junk = read(Some("0 99 * * * *")).unwrap_err();
        assert!(junk.contains("not a cron expression"), "{junk}");
    }

    #[test]
    fn a_tick_makes_a_job_keyed_by_schedule_and_time() {
        let schedules = read(Some("* * * * * *")).unwrap();
        let tick = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).unwrap();
        let job = schedules[0].job_for(tick);
        assert_eq!(job.kind().as_str(), "nightly");
        assert_eq!(
            job.dedupe_key.as_deref(),
            Some("cron:nightly:2026-11-30T02:30:00Z")
        );
    }
}
