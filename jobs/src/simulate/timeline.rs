//! One recipient's events as they are made: times in whole milliseconds, ids derived from
//! the event's kind, its rank among the recipient's events of that kind, and its time.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::ids::{IdMaker, IdSlot};
use super::outcome::{EventData, EventType, SimEvent};

/// Converts a delay in seconds to whole milliseconds, at least one, so every event is
/// strictly after the one it follows.
pub(crate) fn delay_ms(secs: f64) -> i64 {
    ((secs * 1_000.0).round() as i64).max(1)
}

/// Unix milliseconds as a timestamp (saturating at chrono's range, far beyond any send).
pub(crate) fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The events of one recipient so far.
pub(crate) struct Timeline {
    ids: IdMaker,
    events: Vec<SimEvent>,
    /// How many events of each kind were added (the rank in the id slot).
    counts: [u8; EventType::ALL.len()],
}

impl Timeline {
    pub fn new(ids: IdMaker) -> Timeline {
        Timeline {
            ids,
            // Sent, delivered and a machine open cover most recipients.
            events: Vec::with_capacity(4),
            counts: [0; EventType::ALL.len()],
        }
    }

    /// Adds an event at `ms` and returns `ms`.
    pub fn push(
        &mut self,
        event_type: EventType,
        ms: i64,
        data: EventData,
        ip: Option<IpAddr>,
        user_agent: Option<&'static str>,
    ) -> i64 {
        let rank = &mut self.counts[event_type as usize];
        let id = self.ids.id(IdSlot::Event(event_type, *rank), ms);
        *rank = rank.wrapping_add(1);
        self.events.push(SimEvent {
            id,
            event_type,
            occurred_at: at(ms),
            data,
            ip,
            user_agent,
        });
        ms
    }

    /// An id that is not an event's (a lead's, a form response's).
    pub fn other_id(&self, slot: IdSlot, ms: i64) -> Uuid {
        self.ids.id(slot, ms)
    }

    /// The events sorted by `(occurred_at, id)`.
    pub fn finish(mut self) -> Vec<SimEvent> {
        self.events.sort_unstable_by_key(|e| (e.occurred_at, e.id));
        self.events
    }
}
