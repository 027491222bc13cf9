//! Submission: inserting job runs, in the caller's tenant transaction (transactional enqueue).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use super::job::Job;
use super::kind::JobKind;
use super::record::{JOB_RUN_COLUMNS, JobRun};
use crate::tenancy::TenantTx;

/// A job to submit: a kind and a payload that parses as that kind's, built from a typed
/// payload (`NewJob::from(&payload)`) or by the [`super::Registry`] from a client's JSON.
#[derive(Clone, Debug)]
pub struct NewJob {
    kind: JobKind,
    payload: Value,
    /// Higher runs sooner, from -100 to 100; 0 by default.
    pub priority: i16,
    /// Submitting a key again (per organization and kind) returns the existing job.
    pub dedupe_key: Option<String>,
    /// Attempts before the job goes `dead`; the kind's default unless set.
    pub max_attempts: i32,
    /// Not before this time (a delayed job); now when absent.
    pub run_at: Option<DateTime<Utc>>,
    pub parent_id: Option<Uuid>,
}

impl<J: Job> From<&J> for NewJob {
    fn from(job: &J) -> Self {
        // A payload type serializes to a JSON object (derived `Serialize` on a struct).
        let payload = serde_json::to_value(job).expect("a job payload serializes to JSON");
        Self::checked(JobKind::of::<J>(), payload, J::MAX_ATTEMPTS)
    }
}

impl NewJob {
    /// A job whose payload was checked against its kind by the caller.
    pub(super) fn checked(kind: JobKind, payload: Value, max_attempts: i32) -> Self {
        Self {
            kind,
            payload,
            priority: 0,
            dedupe_key: None,
            max_attempts,
            run_at: None,
            parent_id: None,
        }
    }

    pub fn kind(&self) -> &JobKind {
        &self.kind
    }
}

/// Why a submission was refused before touching the database.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("priority must be between -100 and 100")]
    Priority,
    #[error("max_attempts must be between 1 and 100")]
    MaxAttempts,
    #[error("dedupe_key must be 1 to 200 characters")]
    DedupeKey,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// One submitted job and whether this call created it (false: an existing job with the
/// same dedupe key).
#[derive(Clone, Debug)]
pub struct Submitted {
    pub job: JobRun,
    pub created: bool,
}

impl NewJob {
    fn check(&self) -> Result<(), SubmitError> {
        if !(-100..=100).contains(&self.priority) {
            return Err(SubmitError::Priority);
        }
        if !(1..=100).contains(&self.max_attempts) {
            return Err(SubmitError::MaxAttempts);
        }
        if self
            .dedupe_key
            .as_ref()
            .is_some_and(|k| k.is_empty() || k.chars().count() > 200)
        {
            return Err(SubmitError::DedupeKey);
        }
        Ok(())
    }
}

/// Inserts `jobs` in one statement inside `tx`, returning them in input order.
pub async fn submit(
    tx: &mut TenantTx,
    submitted_by: Option<Uuid>,
    jobs: &[NewJob],
) -> Result<Vec<Submitted>, SubmitError> {
    for job in jobs {
        job.check()?;
    }
    let org = tx.org().0;
    let ids: Vec<Uuid> = jobs.iter().map(|_| Uuid::now_v7()).collect();
    let kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).collect();
    let queues: Vec<&str> = jobs.iter().map(|j| j.kind.queue()).collect();
    let payloads: Vec<Value> = jobs.iter().map(|j| j.payload.clone()).collect();
    let priorities: Vec<i16> = jobs.iter().map(|j| j.priority).collect();
    let keys: Vec<Option<String>> = jobs.iter().map(|j| j.dedupe_key.clone()).collect();
    let max_attempts: Vec<i32> = jobs.iter().map(|j| j.max_attempts).collect();
    let run_at: Vec<Option<DateTime<Utc>>> = jobs.iter().map(|j| j.run_at).collect();
    let parents: Vec<Option<Uuid>> = jobs.iter().map(|j| j.parent_id).collect();

    let sql = format!(
        "insert into job_runs (organization_id, id, kind, queue, payload, priority, dedupe_key,
                               max_attempts, run_at, parent_id, submitted_by)
         select $1, id, kind, queue, payload, priority, dedupe_key, max_attempts,
                coalesce(run_at, now()), parent_id, $11
           from unnest($2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::int2[], $7::text[],
                       $8::int4[], $9::timestamptz[], $10::uuid[])
                as t(id, kind, queue, payload, priority, dedupe_key, max_attempts, run_at, parent_id)
         on conflict (organization_id, kind, dedupe_key) where dedupe_key is not null do nothing
         returning {JOB_RUN_COLUMNS}"
    );
    let inserted: Vec<JobRun> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(org)
        .bind(&ids)
        .bind(&kinds)
        .bind(&queues)
        .bind(&payloads)
        .bind(&priorities)
        .bind(&keys)
        .bind(&max_attempts)
        .bind(&run_at)
        .bind(&parents)
        .bind(submitted_by)
        .fetch_all(&mut ***tx)
        .await?;

    let mut inserted: HashMap<Uuid, JobRun> = inserted.into_iter().map(|j| (j.id, j)).collect();
    let mut out = Vec::with_capacity(jobs.len());
    for (i, id) in ids.iter().enumerate() {
        if let Some(job) = inserted.remove(id) {
            out.push(Submitted { job, created: true });
            continue;
        }
        // Not inserted: its dedupe key exists (in the table or earlier in this batch).
        let existing: JobRun = sqlx::query_as(AssertSqlSafe(format!(
            "select {JOB_RUN_COLUMNS} from job_runs where kind = $1 and dedupe_key = $2"
        )))
        .bind(kinds[i])
        .bind(&keys[i])
        .fetch_one(&mut ***tx)
        .await?;
        out.push(Submitted {
            job: existing,
            created: false,
        });
    }
    Ok(out)
}
