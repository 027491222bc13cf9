//! Following a launched campaign to `completed`, however its status is read (the send bench
//! reads the row as the maintenance role, the end-to-end bench asks the API as a user would).

use std::time::{Duration, Instant};

use uuid::Uuid;

use super::log;
use super::pipeline::SendRun;

/// What has been seen of one launched campaign so far.
#[derive(Debug)]
pub struct Progress {
    campaign: Uuid,
    start: Instant,
    accepted_s: f64,
    timeout: Duration,
    sending_s: Option<f64>,
    last_log: Instant,
}

impl Progress {
    /// A campaign whose launch request was sent at `start` and answered `accepted_s` later.
    pub fn new(campaign: Uuid, start: Instant, accepted_s: f64, timeout: Duration) -> Self {
        log(format!("launched (202 in {accepted_s:.2}s)"));
        Self {
            campaign,
            start,
            accepted_s,
            timeout,
            sending_s: None,
            last_log: Instant::now(),
        }
    }

    /// Takes one reading of the campaign (`status`, batches `done` of `total`): the run once
    /// it is `completed`; an error once it is `failed` or `cancelled`, or past the timeout.
    pub fn observe(
        &mut self,
        status: &str,
        done: i64,
        total: i64,
    ) -> anyhow::Result<Option<SendRun>> {
        let campaign = self.campaign;
        let at_s = self.start.elapsed().as_secs_f64();
        if self.sending_s.is_none() && status != "scheduled" {
            log(format!("{status} at {at_s:.2}s: {total} batches"));
            self.sending_s = Some(at_s);
        }
        match status {
            "completed" => {
                log(format!("completed at {at_s:.2}s"));
                return Ok(Some(SendRun {
                    accepted_s: self.accepted_s,
                    sending_s: self.sending_s.unwrap_or(at_s),
                    completed_s: at_s,
                    batches_total: total as i32,
                }));
            }
            "failed" | "cancelled" => anyhow::bail!("campaign {campaign} is {status}"),
            _ => {}
        }
        if self.last_log.elapsed() > Duration::from_secs(10) {
            self.last_log = Instant::now();
            log(format!("{status} at {at_s:.0}s: {done}/{total} batches"));
        }
        anyhow::ensure!(
            self.start.elapsed() < self.timeout,
            "campaign {campaign} not completed within {}s ({status}, {done}/{total} batches)",
            self.timeout.as_secs()
        );
        Ok(None)
    }
}
