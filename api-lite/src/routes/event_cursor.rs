//! The opaque cursor of a campaign's events: the `(occurred_at, id)` of the last event of a
//! page, since events are read in that order and `occurred_at` alone is not unique.

use chrono::{DateTime, Datelike};
use reachly_jobs::campaigns::reads::EventPosition;
use uuid::Uuid;

use super::paging::Cursor;
use crate::error::ApiError;

/// Where the next page of events starts: after this event.
impl Cursor for EventPosition {
    /// 48 hex digits: the microsecond timestamp (Postgres' precision, so nothing is lost),
    /// then the id.
    fn encode(&self) -> String {
        let micros = self.occurred_at.timestamp_micros() as u64;
        format!("{micros:016x}{}", self.id.simple())
    }

    /// The cursor a previous page returned; anything else is a 400.
    fn decode(raw: &str) -> Result<EventPosition, ApiError> {
        let invalid = || ApiError::BadRequest("invalid cursor".into());
        if raw.len() != 48 || !raw.is_ascii() {
            return Err(invalid());
        }
        let (micros, id) = raw.split_at(16);
        let micros = u64::from_str_radix(micros, 16).map_err(|_| invalid())? as i64;
        let occurred_at = DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?;
        // Only a time an event can have: Postgres cannot even compare one before 4713 BC.
        if occurred_at.timestamp() < 0 || occurred_at.year() > 9999 {
            return Err(invalid());
        }
        Ok(EventPosition {
            occurred_at,
            id: Uuid::try_parse(id).map_err(|_| invalid())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_to_the_microsecond() {
        let cursor = EventPosition {
            occurred_at: DateTime::from_timestamp_micros(1_767_225_600_123_456).unwrap(),
            id: Uuid::now_v7(),
        };
        let encoded = cursor.encode();
        assert_eq!(encoded.len(), 48);
        assert_eq!(EventPosition::decode(&encoded).unwrap(), cursor);
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["", "x", &"g".repeat(48), &"0".repeat(47), &"é".repeat(24)] {
            assert!(EventPosition::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_time_no_event_can_have_is_refused() {
        // Microseconds as two's complement: before 1970, and before 4713 BC (a 500 once).
        let id = Uuid::nil().simple().to_string();
        for micros in [-1_i64, -210_000_000_000_000_000, i64::MAX] {
            let raw = format!("{:016x}{id}", micros as u64);
            assert!(EventPosition::decode(&raw).is_err(), "{raw}");
        }
    }
}
