//! The recording calls, made where things happen (the runner, the claim, the feeder, the
//! reaper, the DNS check, the send job). Each is a no-op until a process installs the
//! recorder ([`super::Exporter::install`]): unit tests, benchmarks and a worker without a
//! metrics address pay only for the call.

use std::time::Duration;

use super::names::{
    DNS_LOOKUPS, EVENTS_WRITTEN, FEEDER_PUSHED, JOB_DURATION, JOB_WAIT, JOBS_FINISHED, JOBS_REAPED,
    KIND, OUTCOME, RESULT,
};

/// How one attempt ended, as `reachly_jobs_finished_total` and
/// `reachly_job_duration_seconds` label it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Its effects and its `succeeded` mark committed.
    Succeeded,
    /// It failed with attempts left: the job waits for its next attempt.
    Retryable,
    /// It failed for the last time, or permanently: the job is `dead`.
    Dead,
    /// The job was cancelled while it ran: its effects were discarded.
    Cancelled,
    /// The job was taken from it otherwise (reaped after a missed heartbeat, handed back at
    /// shutdown), or its outcome could not be recorded (the reaper will give the job back).
    Lost,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Succeeded,
        Outcome::Retryable,
        Outcome::Dead,
        Outcome::Cancelled,
        Outcome::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Retryable => "retryable",
            Outcome::Dead => "dead",
            Outcome::Cancelled => "cancelled",
            Outcome::Lost => "lost",
        }
    }

    /// An attempt that no longer owned its job: `cancelled` when the job's status (read
    /// after the fact) says so, else `lost`.
    pub fn of_lost_job(status_now: Option<&str>) -> Outcome {
        if status_now == Some("cancelled") {
            Outcome::Cancelled
        } else {
            Outcome::Lost
        }
    }
}

/// What the reaper made of a running job whose worker was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaped {
    Requeued,
    Dead,
}

impl Reaped {
    pub fn as_str(self) -> &'static str {
        match self {
            Reaped::Requeued => "requeued",
            Reaped::Dead => "dead",
        }
    }

    /// From the status the reaper gave the job.
    pub fn of_status(status: &str) -> Reaped {
        if status == "dead" {
            Reaped::Dead
        } else {
            Reaped::Requeued
        }
    }
}

/// Which layer of the DNS check answered for one domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsResult {
    /// This process's memory (including a lookup in flight that the domain joined).
    CacheHit,
    /// The shared `domain_checks` table.
    SharedHit,
    /// A DNS lookup this check ran, with a definitive answer.
    Query,
    /// A DNS lookup this check ran that got no answer (timeout, SERVFAIL).
    Failure,
}

impl DnsResult {
    pub const ALL: [DnsResult; 4] = [
        DnsResult::CacheHit,
        DnsResult::SharedHit,
        DnsResult::Query,
        DnsResult::Failure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DnsResult::CacheHit => "cache_hit",
            DnsResult::SharedHit => "shared_hit",
            DnsResult::Query => "query",
            DnsResult::Failure => "failure",
        }
    }
}

/// An attempt of a `kind` job started, `waited` after its `run_at`.
pub fn job_started(kind: &str, waited: Duration) {
    ::metrics::histogram!(JOB_WAIT.name, KIND => kind.to_owned()).record(waited.as_secs_f64());
}

/// An attempt of a `kind` job ended with `outcome` after running `ran`.
pub fn job_finished(kind: &str, outcome: Outcome, ran: Duration) {
    let labels = [
        (KIND, kind.to_owned()),
        (OUTCOME, outcome.as_str().to_owned()),
    ];
    ::metrics::counter!(JOBS_FINISHED.name, &labels).increment(1);
    ::metrics::histogram!(JOB_DURATION.name, &labels).record(ran.as_secs_f64());
}

/// The reaper found a running `kind` job whose worker was lost, and did `what`.
pub fn job_reaped(kind: &str, what: Reaped) {
    ::metrics::counter!(JOBS_REAPED.name, KIND => kind.to_owned(), OUTCOME => what.as_str())
        .increment(1);
}

/// The feeder pushed `count` `kind` jobs into Redis.
pub fn feeder_pushed(kind: &str, count: usize) {
    ::metrics::counter!(FEEDER_PUSHED.name, KIND => kind.to_owned()).increment(count as u64);
}

/// `count` domains were answered by `result`.
pub fn dns_lookups(result: DnsResult, count: usize) {
    if count > 0 {
        ::metrics::counter!(DNS_LOOKUPS.name, RESULT => result.as_str()).increment(count as u64);
    }
}

/// A send committed `count` events.
pub fn events_written(count: usize) {
    ::metrics::counter!(EVENTS_WRITTEN.name).increment(count as u64);
}

/// Registers the counters of a worker serving `kinds` at zero, so every series exists from
/// the first scrape (a rate over a series that appears at its first increment misses it).
pub fn register_worker_counters(kinds: &[&str]) {
    for kind in kinds {
        for outcome in Outcome::ALL {
            let labels = [
                (KIND, (*kind).to_owned()),
                (OUTCOME, outcome.as_str().to_owned()),
            ];
            ::metrics::counter!(JOBS_FINISHED.name, &labels).increment(0);
        }
        for what in [Reaped::Requeued, Reaped::Dead] {
            ::metrics::counter!(JOBS_REAPED.name, KIND => (*kind).to_owned(), OUTCOME => what.as_str())
                .increment(0);
        }
        ::metrics::counter!(FEEDER_PUSHED.name, KIND => (*kind).to_owned()).increment(0);
    }
    for result in DnsResult::ALL {
        ::metrics::counter!(DNS_LOOKUPS.name, RESULT => result.as_str()).increment(0);
    }
    ::metrics::counter!(EVENTS_WRITTEN.name).increment(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_job_is_cancelled_only_when_its_status_says_so() {
        assert_eq!(Outcome::of_lost_job(Some("cancelled")), Outcome::Cancelled);
        assert_eq!(Outcome::of_lost_job(Some("queued")), Outcome::Lost);
        assert_eq!(Outcome::of_lost_job(Some("dead")), Outcome::Lost);
        assert_eq!(Outcome::of_lost_job(None), Outcome::Lost);
        assert_eq!(Reaped::of_status("dead"), Reaped::Dead);
        assert_eq!(Reaped::of_status("queued"), Reaped::Requeued);
    }
}
