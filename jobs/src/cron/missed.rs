//! Which ticks passed while no worker ran: the catch-up policy's arithmetic, apart from I/O.

use chrono::{DateTime, Utc};

/// The ticks of a schedule that fell after the last recorded one and up to now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Missed {
    /// The latest of them: the one a coalesced run stands for.
    pub latest: DateTime<Utc>,
    /// How many there were (at most [`MISSED_COUNT_CAP`]).
    pub count: i64,
}

/// Counting stops here: a one-second schedule down for weeks would otherwise iterate millions
/// of ticks at start-up. The count then reads "at least this many".
pub const MISSED_COUNT_CAP: i64 = 100_000;

/// The ticks of `schedule` in `(last, now]`, or `None` if none passed. Coalescing runs the
/// latest once, never each of them.
pub fn missed_between(
    schedule: &cron::Schedule,
    last: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<Missed> {
    let mut found: Option<Missed> = None;
    for tick in schedule.after(&last).take_while(|t| *t <= now) {
        let count = found.map_or(1, |m| m.count + 1);
        found = Some(Missed {
            latest: tick,
            count,
        });
        if count >= MISSED_COUNT_CAP {
            // The latest is still needed: jump to it directly.
            let latest = last_tick_at_or_before(schedule, now).unwrap_or(tick);
            return Some(Missed { latest, count });
        }
    }
    found
}

/// The last tick at or before `now`, walking back one period at a time.
fn last_tick_at_or_before(schedule: &cron::Schedule, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut back = chrono::Duration::seconds(1);
    while back < chrono::Duration::days(400) {
        let from = now - back;
        if let Some(last) = schedule.after(&from).take_while(|t| *t <= now).last() {
            return Some(last);
        }
        back = back * 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use chrono::TimeZone;

    use super::*;

    fn at(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, s).unwrap()
    }

    #[test]
    fn nightly_ticks_missed_over_three_nights_coalesce_into_the_latest() {
        let nightly = cron::Schedule::from_str("0 30 2 * * *").unwrap();
        let missed = missed_between(&nightly, at(26, 2, 30, 0), at(29, 9, 0, 0)).unwrap();
        assert_eq!(
            missed,
            Missed {
                latest: at(29, 2, 30, 0),
                count: 3
            }
        );
        assert_eq!(
            missed_between(&nightly, at(29, 2, 30, 0), at(29, 9, 0, 0)),
            None
        );
        // A tick exactly now has passed.
        let now = missed_between(&nightly, at(28, 2, 30, 0), at(29, 2, 30, 0)).unwrap();
        assert_eq!(now.count, 1);
    }

    #[test]
    fn a_long_outage_of_a_fast_schedule_is_capped_but_still_finds_the_latest() {
        let every_second = cron::Schedule::from_str("* * * * * *").unwrap();
        let missed = missed_between(&every_second, at(1, 0, 0, 0), at(10, 0, 0, 0)).unwrap();
        assert_eq!(missed.count, MISSED_COUNT_CAP);
        assert_eq!(missed.latest, at(10, 0, 0, 0));
    }
}
