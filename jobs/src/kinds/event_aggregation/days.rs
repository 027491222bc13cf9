//! The days a run may name, and a UTC day as the time range its events fall in.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::analytics::DateRange;

/// How far back a named day may lie: rollups serve dashboards of the last year; older days
/// were final long ago.
pub const DAYS_BACK: i64 = 400;

/// Checks the days a submission names, against today's UTC date; the message names the field.
pub fn check(days: &[NaiveDate], today: NaiveDate) -> Result<(), String> {
    if days.is_empty() {
        return Err("days: name at least one day, or leave `days` out for every open day".into());
    }
    let earliest = today - Duration::days(DAYS_BACK);
    for (i, day) in days.iter().enumerate() {
        if *day < earliest || *day > today {
            return Err(format!(
                "days[{i}]: {day} is not within the last {DAYS_BACK} days ({earliest} to {today}, UTC)"
            ));
        }
    }
    Ok(())
}

/// A UTC calendar day as the half-open range `[start, end)` of `occurred_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayRange {
    pub day: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl DayRange {
    pub fn of(day: NaiveDate) -> Self {
        let (start, end) = DateRange { from: day, to: day }.bounds();
        Self { day, start, end }
    }
}

/// The days to roll up, each once, oldest first.
pub fn distinct_sorted(mut days: Vec<NaiveDate>) -> Vec<NaiveDate> {
    days.sort_unstable();
    days.dedup();
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_days_must_lie_within_the_last_400_days() {
        let today: NaiveDate = "2026-11-30".parse().unwrap();
        let cases: [(&[&str], Result<(), &str>); 4] = [
            (&["2026-11-30", "2025-10-26"], Ok(())),
            (
                &["2026-11-29", "2025-10-25"],
                Err("days[1]: 2025-10-25 is not within"),
            ),
            (&["2026-12-01"], Err("days[0]: 2026-12-01 is not within")),
            (&[], Err("days: ")),
        ];
        for (days, expected) in cases {
            let days: Vec<NaiveDate> = days.iter().map(|d| d.parse().unwrap()).collect();
            match (check(&days, today), expected) {
                (Ok(()), Ok(())) => {}
                (Err(message), Err(start)) => assert!(message.starts_with(start), "{message}"),
                (got, _) => panic!("{days:?}: {got:?}"),
            }
        }
    }

    #[test]
    fn a_day_is_midnight_to_midnight_utc() {
        let day: NaiveDate = "2026-11-27".parse().unwrap();
        let range = DayRange::of(day);
        assert_eq!(range.start.to_rfc3339(), "2026-11-27T00:00:00+00:00");
        assert_eq!(range.end.to_rfc3339(), "2026-11-28T00:00:00+00:00");
        let next = day.succ_opt().unwrap();
        assert_eq!(distinct_sorted(vec![next, day, next]), [day, next]);
    }
}
