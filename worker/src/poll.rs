//! How an idle apalis worker looks for new tasks: every tick of a Tokio interval.
//!
//! apalis' own interval and stream strategies poll their timer once per call, so after a
//! tick fires no wake-up is registered for the next one, and an idle worker can sit until
//! its next heartbeat (seen here: up to the heartbeat interval). This strategy drains every
//! ready tick, which leaves the timer's waker registered for the next.

use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::{PollSnapshot, PollStrategy};
use tokio::time::{Interval, MissedTickBehavior};

/// Wakes the worker every `period`.
#[derive(Debug)]
pub struct EveryTick {
    ticks: Interval,
}

impl EveryTick {
    /// Needs a Tokio runtime.
    pub fn new(period: Duration) -> Self {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        Self { ticks }
    }
}

impl PollStrategy for EveryTick {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        let mut fired = false;
        while self.ticks.poll_tick(cx).is_ready() {
            fired = true;
        }
        if fired {
            Poll::Ready(Some(()))
        } else {
            Poll::Pending
        }
    }
}
