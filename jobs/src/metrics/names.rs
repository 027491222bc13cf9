//! Every metric the processes expose: its name, type, help text and, for histograms, its
//! buckets. Declared once here; the recording calls ([`super::record`]), the exporter's
//! descriptions and buckets ([`super::exporter`]) and the families rendered per scrape
//! ([`super::process`], [`super::queue_gauges`]) all read these constants.
//!
//! No metric has an organization label: tenants are unbounded, and every label value here
//! comes from a closed set (the registry's kinds, the outcomes and statuses below).

/// A metric's Prometheus type; a histogram carries its bucket bounds (explicit buckets, never
/// a summary: buckets aggregate across processes, quantiles do not).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram(&'static [f64]),
}

impl MetricType {
    /// The type as `# TYPE` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram(_) => "histogram",
        }
    }
}

/// One metric family.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Family {
    pub name: &'static str,
    pub kind: MetricType,
    pub help: &'static str,
}

const fn counter(name: &'static str, help: &'static str) -> Family {
    Family {
        name,
        kind: MetricType::Counter,
        help,
    }
}

const fn gauge(name: &'static str, help: &'static str) -> Family {
    Family {
        name,
        kind: MetricType::Gauge,
        help,
    }
}

const fn histogram(name: &'static str, buckets: &'static [f64], help: &'static str) -> Family {
    Family {
        name,
        kind: MetricType::Histogram(buckets),
        help,
    }
}

/// Label: the job kind (which is also its queue's name).
pub const KIND: &str = "kind";
/// Label: how an attempt ended ([`super::Outcome`]) or what the reaper did.
pub const OUTCOME: &str = "outcome";
/// Label: where a waiting job is (`queued`, `retryable`, `in_transport`, `running`).
pub const STATUS: &str = "status";
/// Label: which layer of the DNS check answered ([`super::DnsResult`]).
pub const RESULT: &str = "result";

/// Bounds of [`JOB_DURATION`]: a `noop` takes milliseconds, an import of a million rows
/// minutes.
pub const DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
    1800.0,
];

/// Bounds of [`JOB_WAIT`]: a fed job starts within milliseconds; a backlog waits minutes.
pub const WAIT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
];

// Recorded by the worker process where things happen.

/// Attempts that ended in this worker process, by `kind` and `outcome`.
pub const JOBS_FINISHED: Family = counter(
    "reachly_jobs_finished_total",
    "Job attempts that ended in this process, by kind and outcome \
     (succeeded, retryable, dead, cancelled, lost).",
);

/// Seconds from an attempt's claim to its recorded outcome, by `kind` and `outcome`.
pub const JOB_DURATION: Family = histogram(
    "reachly_job_duration_seconds",
    DURATION_BUCKETS,
    "Seconds from a job attempt's claim to its recorded outcome, by kind and outcome.",
);

/// Seconds from when a job could run (`run_at`: its submission, its delay or its retry's
/// backoff) to its claim, by `kind`.
pub const JOB_WAIT: Family = histogram(
    "reachly_job_wait_seconds",
    WAIT_BUCKETS,
    "Seconds from when a job could run (submission, run_at or retry backoff) to the \
     start of its attempt, by kind.",
);

/// Running jobs whose worker stopped stamping their heartbeat, found by this process's
/// reaper, by `kind` and `outcome` (`requeued`, or `dead` when that attempt was the last).
pub const JOBS_REAPED: Family = counter(
    "reachly_jobs_reaped_total",
    "Running jobs whose worker was lost (no heartbeat), by kind and what this \
     process's reaper made of them (requeued, dead).",
);

/// Jobs the feeder of this process pushed into their Redis queue, by `kind`.
pub const FEEDER_PUSHED: Family = counter(
    "reachly_feeder_pushed_total",
    "Jobs this process's feeder pushed into their Redis queue, by kind.",
);

/// Distinct domains the validation job's DNS check asked about, by the layer that answered.
pub const DNS_LOOKUPS: Family = counter(
    "reachly_dns_lookups_total",
    "Domains the DNS check resolved, by what answered: cache_hit (this process's \
     memory), shared_hit (the domain_checks table), query (a DNS lookup with a \
     definitive answer), failure (a lookup that got no answer).",
);

/// Events the simulated sends of this process committed.
pub const EVENTS_WRITTEN: Family = counter(
    "reachly_events_written_total",
    "Events committed by the simulated sends this process ran.",
);

/// The families recorded through the `metrics` facade (described and bucketed by the
/// exporter).
pub const RECORDED: [Family; 7] = [
    JOBS_FINISHED,
    JOB_DURATION,
    JOB_WAIT,
    JOBS_REAPED,
    FEEDER_PUSHED,
    DNS_LOOKUPS,
    EVENTS_WRITTEN,
];

// Computed by the API per scrape, from `job_runs`.

/// Unfinished jobs by `kind` and `status`: `queued` and `retryable` (waiting in Postgres,
/// including delayed ones), `in_transport` (handed to Redis, not started), `running`.
pub const QUEUE_DEPTH: Family = gauge(
    "reachly_queue_depth",
    "Unfinished jobs by kind and status: queued and retryable (in Postgres, delayed \
     ones included), in_transport (in Redis, not started), running. Counted up to \
     100000 per kind and group; at the cap the figure is a lower bound.",
);

/// Seconds the longest-waiting runnable job of a `kind` has waited since its `run_at`
/// (0 when none waits).
pub const QUEUE_OLDEST_AGE: Family = gauge(
    "reachly_queue_oldest_age_seconds",
    "Seconds since run_at of the longest-waiting runnable job of a kind that has not \
     started (0 when none waits).",
);

/// 1 when the queue gauges of this scrape were read, 0 when reading them failed (they are
/// then absent).
pub const QUEUE_STATS_UP: Family = gauge(
    "reachly_queue_stats_up",
    "1 when this scrape read the queue gauges from Postgres, 0 when that failed.",
);

// Process figures, read from /proc per scrape (the standard Prometheus names).

/// The process families, in the order [`super::process::write`] gives their values: CPU
/// seconds, resident and virtual memory, open and most file descriptors, threads, start time.
pub const PROCESS: [Family; 7] = [
    counter(
        "process_cpu_seconds_total",
        "Total user and system CPU time in seconds.",
    ),
    gauge(
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
    ),
    gauge(
        "process_virtual_memory_bytes",
        "Virtual memory size in bytes.",
    ),
    gauge("process_open_fds", "Number of open file descriptors."),
    gauge(
        "process_max_fds",
        "Most open file descriptors allowed (0: unlimited).",
    ),
    gauge("process_threads", "Number of OS threads in the process."),
    gauge(
        "process_start_time_seconds",
        "Start time of the process, Unix seconds.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_ascend_and_names_follow_the_conventions() {
        for buckets in [DURATION_BUCKETS, WAIT_BUCKETS] {
            assert!(buckets.windows(2).all(|w| w[0] < w[1]));
        }
        for family in RECORDED {
            assert!(family.name.starts_with("reachly_"), "{}", family.name);
            let counter = family.kind == MetricType::Counter;
            assert_eq!(counter, family.name.ends_with("_total"), "{}", family.name);
            if let MetricType::Histogram(_) = family.kind {
                assert!(family.name.ends_with("_seconds"), "{}", family.name);
            }
        }
    }
}
