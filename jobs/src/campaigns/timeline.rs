//! The times a launch may ask for, bounded: every time a user can set decides which monthly
//! `events` partitions exist, so none may be arbitrary (a `start_at` in year 9999 created a
//! partition per month up to it; one in year -5000 killed the launch job).

use chrono::{DateTime, Duration, Utc};

/// How far before the launch request a simulated timeline may start (backfills, demos and
/// the 90-day anonymization are tested with campaigns that began months ago).
pub const START_AT_PAST: Duration = Duration::days(730);
/// How far after the launch request a simulated timeline may start (as far as a launch may
/// be scheduled: `start_at` defaults to `scheduled_at`).
pub const START_AT_FUTURE: Duration = Duration::days(366);
/// How far in the past a `scheduled_at` may be (a clock a little behind the server's).
pub const SCHEDULED_AT_PAST: Duration = Duration::minutes(5);
/// How far ahead a launch may be scheduled.
pub const SCHEDULED_AT_FUTURE: Duration = Duration::days(366);
/// The longest a simulated timeline may run (its last possible event after `start_at`):
/// within the 36 months of partitions a launch may create.
pub const LONGEST_TIMELINE: Duration = Duration::days(1_000);

/// Checks the times of a launch request made at `now`; the error names the field.
pub fn check_request(
    now: DateTime<Utc>,
    scheduled_at: Option<DateTime<Utc>>,
    start_at: DateTime<Utc>,
    horizon: DateTime<Utc>,
) -> Result<(), String> {
    if let Some(at) = scheduled_at
        && (at < now - SCHEDULED_AT_PAST || at > now + SCHEDULED_AT_FUTURE)
    {
        return Err(format!(
            "scheduled_at must lie between {} minutes before and {} days after now",
            SCHEDULED_AT_PAST.num_minutes(),
            SCHEDULED_AT_FUTURE.num_days()
        ));
    }
    if start_at < now - START_AT_PAST || start_at > now + START_AT_FUTURE {
        return Err(format!(
            "start_at must lie between {} days before and {} days after now",
            START_AT_PAST.num_days(),
            START_AT_FUTURE.num_days()
        ));
    }
    check_length(start_at, horizon)
}

/// Checks, when the launch job runs at `now`, that the recorded timeline still fits the
/// partitions a launch may create (the request was checked when it was made; this is the
/// second belt, for a record written by anything else).
pub fn check_at_launch(
    now: DateTime<Utc>,
    start_at: DateTime<Utc>,
    horizon: DateTime<Utc>,
) -> Result<(), String> {
    let earliest = now - START_AT_PAST - SCHEDULED_AT_FUTURE;
    let latest = now + START_AT_FUTURE;
    if start_at < earliest || start_at > latest {
        return Err(format!(
            "start_at {start_at} is outside the window a launch at {now} may write events in"
        ));
    }
    check_length(start_at, horizon)
}

fn check_length(start_at: DateTime<Utc>, horizon: DateTime<Utc>) -> Result<(), String> {
    if horizon - start_at > LONGEST_TIMELINE {
        return Err(format!(
            "simulation: its delays make the timeline run past {} days after start_at",
            LONGEST_TIMELINE.num_days()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-30T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn times_within_the_bounds_pass() {
        let n = now();
        let start = n - Duration::days(700);
        assert!(check_request(n, None, start, start + Duration::days(40)).is_ok());
        let at = n + Duration::days(366);
        assert!(check_request(n, Some(at), at, at + Duration::days(40)).is_ok());
        assert!(check_request(n, Some(n - Duration::minutes(4)), n, n).is_ok());
    }

    #[test]
    fn each_bound_names_its_field() {
        let n = now();
        let err = |scheduled: Option<DateTime<Utc>>, start: DateTime<Utc>| {
            check_request(n, scheduled, start, start).unwrap_err()
        };
        assert!(err(Some(n - Duration::minutes(6)), n).starts_with("scheduled_at"));
        assert!(err(Some(n + Duration::days(367)), n).starts_with("scheduled_at"));
        assert!(err(None, n - Duration::days(731)).starts_with("start_at"));
        assert!(err(None, n + Duration::days(367)).starts_with("start_at"));
        let long = check_request(n, None, n, n + Duration::days(1_001)).unwrap_err();
        assert!(long.starts_with("simulation"), "{long}");
    }

    #[test]
    fn the_job_accepts_what_the_request_accepted_a_year_later() {
        let request = now();
        let start = request - START_AT_PAST;
        let run = request + SCHEDULED_AT_FUTURE;
        assert!(check_at_launch(run, start, start + Duration::days(40)).is_ok());
        assert!(check_at_launch(run, start - Duration::days(2), start).is_err());
    }
}
