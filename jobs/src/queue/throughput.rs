//! Jobs finished per minute, per organization and kind: tallied in memory by the process that
//! ran them and added to `job_throughput` every few seconds by the maintenance role, so the
//! jobs' own transactions pay nothing for the throughput graph. A process that dies loses at
//! most its last few seconds of tally (the jobs themselves are recorded in `job_runs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use uuid::Uuid;

use crate::db::MaintDb;
use crate::metrics::Outcome;
use crate::tenancy::OrgId;

/// One minute's counts of one organization's kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    succeeded: i32,
    /// Failed attempts that will be retried.
    failed: i32,
    dead: i32,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.succeeded += other.succeeded;
        self.failed += other.failed;
        self.dead += other.dead;
    }
}

type Key = (Uuid, String, DateTime<Utc>);

/// The process's tally since its last flush. Cloning shares it.
#[derive(Clone, Debug, Default)]
pub struct Throughput {
    tally: Arc<Mutex<HashMap<Key, Counts>>>,
}

impl Throughput {
    /// Counts one attempt of `kind` in `org` that ended as `outcome` now. An attempt that
    /// was cancelled or lost its job is not counted (the graph shows what jobs did).
    pub fn record(&self, org: OrgId, kind: &str, outcome: Outcome) {
        let one = match outcome {
            Outcome::Succeeded => Counts {
                succeeded: 1,
                ..Counts::default()
            },
            Outcome::Retryable => Counts {
                failed: 1,
                ..Counts::default()
            },
            Outcome::Dead => Counts {
                dead: 1,
                ..Counts::default()
            },
            Outcome::Cancelled | Outcome::Lost => return,
        };
        let minute = Utc::now()
            .duration_trunc(TimeDelta::minutes(1))
            .expect("a minute divides the clock");
        let mut tally = self
            .tally
            .lock()
            .expect("the tally's lock is never poisoned");
        tally
            .entry((org.0, kind.to_owned(), minute))
            .or_default()
            .add(one);
    }

    /// Adds the tally to `job_throughput` and starts a new one; on failure the tally is kept
    /// for the next flush.
    pub async fn flush(&self, db: &MaintDb) -> Result<usize, sqlx::Error> {
        let drained: Vec<(Key, Counts)> = {
            let mut tally = self
                .tally
                .lock()
                .expect("the tally's lock is never poisoned");
            tally.drain().collect()
        };
        if drained.is_empty() {
            return Ok(0);
        }
        let mut columns: (Vec<Uuid>, Vec<&str>, Vec<DateTime<Utc>>) = Default::default();
        let mut counts: (Vec<i32>, Vec<i32>, Vec<i32>) = Default::default();
        for ((org, kind, minute), c) in &drained {
            columns.0.push(*org);
            columns.1.push(kind.as_str());
            columns.2.push(*minute);
            counts.0.push(c.succeeded);
            counts.1.push(c.failed);
            counts.2.push(c.dead);
        }
        let added = sqlx::query(
            "insert into job_throughput as t
                    (organization_id, kind, minute, succeeded, failed, dead)
             select * from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int4[],
                                  $5::int4[], $6::int4[])
             on conflict (organization_id, kind, minute) do update
                set succeeded = t.succeeded + excluded.succeeded,
                    failed = t.failed + excluded.failed,
                    dead = t.dead + excluded.dead",
        )
        .bind(&columns.0)
        .bind(&columns.1)
        .bind(&columns.2)
        .bind(&counts.0)
        .bind(&counts.1)
        .bind(&counts.2)
        .execute(db.pool())
        .await;
        if let Err(e) = added {
            self.restore(drained);
            return Err(e);
        }
        Ok(drained.len())
    }

    fn restore(&self, drained: Vec<(Key, Counts)>) {
        let mut tally = self
            .tally
            .lock()
            .expect("the tally's lock is never poisoned");
        for (key, counts) in drained {
            tally.entry(key).or_default().add(counts);
        }
    }
}

/// Deletes minutes older than a day (any process may; the index on `minute` finds them).
pub async fn purge_old(db: &MaintDb) -> Result<u64, sqlx::Error> {
    let purged = sqlx::query("delete from job_throughput where minute < now() - interval '1 day'")
        .execute(db.pool())
        .await?;
    Ok(purged.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_are_tallied_per_organization_kind_and_minute() {
        let throughput = Throughput::default();
        let (a, b) = (OrgId(Uuid::now_v7()), OrgId(Uuid::now_v7()));
        throughput.record(a, "noop", Outcome::Succeeded);
        throughput.record(a, "noop", Outcome::Succeeded);
        throughput.record(a, "noop", Outcome::Dead);
        throughput.record(b, "noop", Outcome::Retryable);
        throughput.record(b, "noop", Outcome::Lost);
        let tally = throughput.tally.lock().unwrap();
        let mut counts: Vec<Counts> = tally.values().copied().collect();
        counts.sort_by_key(|c| c.succeeded);
        assert_eq!(
            counts,
            [
                Counts {
                    succeeded: 0,
                    failed: 1,
                    dead: 0
                },
                Counts {
                    succeeded: 2,
                    failed: 0,
                    dead: 1
                }
            ]
        );
    }
}
