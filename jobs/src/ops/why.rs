//! "Why isn't this job running?": the facts the engine has about a waiting job, and the one
//! reason they add up to, in the order the engine would act on them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::db::MaintDb;
use crate::queue::JobStatus;
use crate::tenancy::TenantTx;

/// Most jobs ahead counted: past this the answer says "at least".
pub const AHEAD_CAP: i64 = 10_000;

/// What the engine knows about a job and its queue, read at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub status: JobStatus,
    pub queue: String,
    pub attempts: i32,
    pub run_at: DateTime<Utc>,
    /// When the feeder handed it to Redis (none while it waits in Postgres).
    pub enqueued_at: Option<DateTime<Utc>>,
    /// When its queue was paused, if it is.
    pub paused_at: Option<DateTime<Utc>>,
    /// Live worker processes serving its queue.
    pub live_workers: i64,
    /// Jobs of its queue in Redis now (all organizations), and the most the feeder keeps there.
    pub in_transport: i64,
    pub window: i64,
    /// Its organization's runnable jobs of the queue the feeder takes before it (capped at
    /// [`AHEAD_CAP`]).
    pub ahead_in_organization: i64,
    pub now: DateTime<Utc>,
}

/// Every [`Reason`]'s `code`, in the order [`explain`] tries them.
pub const REASON_CODES: [&str; 9] = [
    "not_waiting",
    "no_worker",
    "in_redis",
    "queue_paused",
    "scheduled",
    "backing_off",
    "window_full",
    "behind_organization",
    "next",
];

/// The reason, as the API returns it (`code`, and the facts it rests on).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// It is not waiting: running or finished.
    NotWaiting { status: JobStatus },
    /// Its queue is paused by a platform operator.
    QueuePaused { since: DateTime<Utc> },
    /// Delayed by its submitter until `run_at`.
    Scheduled { run_at: DateTime<Utc> },
    /// Backing off after a failed attempt until `run_at`.
    BackingOff {
        attempts: i32,
        run_at: DateTime<Utc>,
    },
    /// No live worker process serves its queue.
    NoWorker { queue: String },
    /// In Redis since `since`, not yet fetched: the queue's workers are busy.
    InRedis { since: DateTime<Utc> },
    /// The queue's backlog window is full (other jobs are in Redis ahead of it).
    WindowFull { in_transport: i64, window: i64 },
    /// Waiting for its organization's turn behind `ahead` of its jobs.
    BehindOrganization { ahead: i64 },
    /// Runnable now: the feeder takes it on its next pass.
    Next,
}

impl Reason {
    /// The reason, in a sentence for the job's organization.
    pub fn message(&self) -> String {
        match self {
            Reason::NotWaiting { status } => format!("the job is {status}, not waiting"),
            Reason::QueuePaused { since } => {
                format!("its queue was paused by a platform operator at {since}")
            }
            Reason::Scheduled { run_at } => format!("it is scheduled to run at {run_at}"),
            Reason::BackingOff { attempts, run_at } => {
                format!("attempt {attempts} failed; it retries after its backoff, at {run_at}")
            }
            Reason::NoWorker { queue } => {
                format!("no live worker process serves the {queue} queue")
            }
            Reason::InRedis { since } => format!(
                "handed to Redis at {since} and not fetched yet: the queue's workers are busy"
            ),
            Reason::WindowFull {
                in_transport,
                window,
            } => format!(
                "the queue's backlog window is full ({in_transport} of {window} jobs in Redis)"
            ),
            Reason::BehindOrganization { ahead } if *ahead >= AHEAD_CAP => {
                format!("behind at least {ahead} of your organization's jobs in its queue")
            }
            Reason::BehindOrganization { ahead } => {
                format!("behind {ahead} of your organization's jobs in its queue")
            }
            Reason::Next => "runnable now: the feeder hands it to Redis on its next pass".into(),
        }
    }
}

/// The reason `facts` add up to: the first thing that holds the job back, in the order the
/// engine meets them.
pub fn explain(facts: &Facts) -> Reason {
    if !matches!(facts.status, JobStatus::Queued | JobStatus::Retryable) {
        return Reason::NotWaiting {
            status: facts.status,
        };
    }
    if facts.live_workers == 0 {
        return Reason::NoWorker {
            queue: facts.queue.clone(),
        };
    }
    if let Some(since) = facts.enqueued_at {
        return Reason::InRedis { since };
    }
    if let Some(since) = facts.paused_at {
        return Reason::QueuePaused { since };
    }
    if facts.run_at > facts.now {
        return match facts.status {
            JobStatus::Retryable => Reason::BackingOff {
                attempts: facts.attempts,
                run_at: facts.run_at,
            },
            _ => Reason::Scheduled {
                run_at: facts.run_at,
            },
        };
    }
    if facts.in_transport >= facts.window {
        return Reason::WindowFull {
            in_transport: facts.in_transport,
            window: facts.window,
        };
    }
    if facts.ahead_in_organization > 0 {
        return Reason::BehindOrganization {
            ahead: facts.ahead_in_organization,
        };
    }
    Reason::Next
}

/// The job's own facts, as [`facts`] reads them.
#[derive(sqlx::FromRow)]
struct WaitingJob {
    status: JobStatus,
    queue: String,
    attempts: i32,
    priority: i16,
    run_at: DateTime<Utc>,
    enqueued_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
}

/// Reads the facts about job `id` of the transaction's organization (`None`: no such job):
/// the job and its place in the organization's line in `tx`; the queue's pause, Redis load
/// and live workers, which are shared state, through `maint`.
pub async fn facts(
    tx: &mut TenantTx,
    maint: &MaintDb,
    id: Uuid,
    window: i64,
    stale: std::time::Duration,
) -> Result<Option<Facts>, sqlx::Error> {
    let org = tx.org();
    let job: Option<WaitingJob> = sqlx::query_as(
        "select status, queue, attempts, priority, run_at, enqueued_at, now() as now
           from job_runs where organization_id = $1 and id = $2",
    )
    .bind(org)
    .bind(id)
    .fetch_optional(&mut ***tx)
    .await?;
    let Some(WaitingJob {
        status,
        queue,
        attempts,
        priority,
        run_at,
        enqueued_at,
        now,
    }) = job
    else {
        return Ok(None);
    };
    // The feeder's order within an organization: priority, then run_at, then id.
    let ahead: i64 = sqlx::query_scalar(
        "select count(*) from (
             select 1 from job_runs
              where queue = $2 and organization_id = $1
                and status in ('queued', 'retryable') and enqueued_at is null and run_at <= now()
                and (priority > $3 or (priority = $3 and (run_at, id) < ($4, $5)))
              limit $6) ahead",
    )
    .bind(org)
    .bind(&queue)
    .bind(priority)
    .bind(run_at)
    .bind(id)
    .bind(AHEAD_CAP)
    .fetch_one(&mut ***tx)
    .await?;
    let (paused_at, in_transport, live_workers): (Option<DateTime<Utc>>, i64, i64) =
        sqlx::query_as(
            "select (select paused_at from queue_pauses where queue = $1),
                    (select count(*) from job_runs
                      where queue = $1 and status in ('queued', 'retryable')
                        and enqueued_at is not null),
                    (select count(*) from worker_processes
                      where $1 = any(queues) and stopped_at is null
                        and heartbeat_at > now() - make_interval(secs => $2))",
        )
        .bind(&queue)
        .bind(stale.as_secs_f64())
        .fetch_one(maint.pool())
        .await?;
    Ok(Some(Facts {
        status,
        queue,
        attempts,
        run_at,
        enqueued_at,
        paused_at,
        live_workers,
        in_transport,
        window,
        ahead_in_organization: ahead,
        now,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting() -> Facts {
        let now = Utc::now();
        Facts {
            status: JobStatus::Queued,
            queue: "noop".into(),
            attempts: 0,
            run_at: now,
            enqueued_at: None,
            paused_at: None,
            live_workers: 1,
            in_transport: 0,
            window: 2_000,
            ahead_in_organization: 0,
            now,
        }
    }

    #[test]
    fn the_first_thing_holding_a_job_back_is_its_reason() {
        let later = Utc::now() + chrono::Duration::minutes(5);
        type Change = Box<dyn Fn(&mut Facts)>;
        let cases: Vec<(&str, Change, &str)> = vec![
            (
                "running",
                Box::new(|f| f.status = JobStatus::Running),
                "not_waiting",
            ),
            ("no worker", Box::new(|f| f.live_workers = 0), "no_worker"),
            (
                "in redis",
                Box::new(|f| f.enqueued_at = Some(f.now)),
                "in_redis",
            ),
            (
                "paused",
                Box::new(move |f| f.paused_at = Some(f.now)),
                "queue_paused",
            ),
            ("delayed", Box::new(move |f| f.run_at = later), "scheduled"),
            (
                "backing off",
                Box::new(move |f| {
                    f.status = JobStatus::Retryable;
                    f.run_at = later;
                }),
                "backing_off",
            ),
            (
                "window full",
                Box::new(|f| f.in_transport = 2_000),
                "window_full",
            ),
            (
                "behind",
                Box::new(|f| f.ahead_in_organization = 12),
                "behind_organization",
            ),
            ("next", Box::new(|_| {}), "next"),
        ];
        let codes: Vec<&str> = cases.iter().map(|(_, _, code)| *code).collect();
        assert_eq!(codes, REASON_CODES, "every code, in the order tried");
        for (name, change, code) in cases {
            let mut facts = waiting();
            change(&mut facts);
            let reason = serde_json::to_value(explain(&facts)).unwrap();
            assert_eq!(reason["code"], code, "{name}: {reason}");
        }
        let mut paused_and_delayed = waiting();
        paused_and_delayed.paused_at = Some(paused_and_delayed.now);
        paused_and_delayed.run_at = later;
        assert_eq!(
            serde_json::to_value(explain(&paused_and_delayed)).unwrap()["code"],
            "queue_paused",
            "a pause holds a delayed job back too"
        );
    }

    #[test]
    fn messages_speak_to_the_organization() {
        let behind = Reason::BehindOrganization { ahead: 1_200 };
        assert_eq!(
            behind.message(),
            "behind 1200 of your organization's jobs in its queue"
        );
        let capped = Reason::BehindOrganization { ahead: AHEAD_CAP };
        assert!(capped.message().starts_with("behind at least"));
    }
}
