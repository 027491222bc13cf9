//! The date range of an analytics query: UTC calendar dates, both ends inclusive.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// The longest span a query may cover, in days between `from` and `to`.
pub const MAX_SPAN_DAYS: i64 = 366;
/// The span when the query names neither end: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;

/// `from..=to`, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Why a well-formed range is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("from ({from}) is after to ({to})")]
    Reversed { from: NaiveDate, to: NaiveDate },
    #[error("from and to may be at most {MAX_SPAN_DAYS} days apart (got {0})")]
    TooLong(i64),
}

impl DateRange {
    /// The range the query asks for, with `today` (UTC) filling what it leaves out: `to`
    /// defaults to today, `from` to 29 days before `to`.
    pub fn resolve(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Self, RangeError> {
        let to = to.unwrap_or(today);
        let from = from.unwrap_or(to - Duration::days(DEFAULT_DAYS - 1));
        if from > to {
            return Err(RangeError::Reversed { from, to });
        }
        let span = (to - from).num_days();
        if span > MAX_SPAN_DAYS {
            return Err(RangeError::TooLong(span));
        }
        Ok(Self { from, to })
    }

    /// The range as `occurred_at` bounds: `[from 00:00, to + 1 day 00:00)` UTC.
    pub fn bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        (start(self.from), start(self.to) + Duration::days(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn defaults_to_the_last_30_days() {
        let r = DateRange::resolve(None, None, d("2026-11-30")).unwrap();
        assert_eq!((r.from, r.to), (d("2026-11-01"), d("2026-11-30")));
        let (lo, hi) = r.bounds();
        assert_eq!(lo.to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(hi.to_rfc3339(), "2026-12-01T00:00:00+00:00");
    }

    #[test]
    fn refuses_reversed_and_overlong_ranges() {
        let today = d("2026-11-30");
        assert!(DateRange::resolve(Some(d("2025-11-29")), Some(d("2026-11-30")), today).is_ok());
        assert_eq!(
            DateRange::resolve(Some(d("2025-11-28")), Some(d("2026-11-30")), today),
            Err(RangeError::TooLong(367))
        );
        assert!(matches!(
            DateRange::resolve(Some(d("2026-11-30")), Some(d("2026-11-29")), today),
            Err(RangeError::Reversed { .. })
        ));
    }
}
