//! The job kinds a build knows, built once (`crate::kinds::registry`) and shared by the API
//! (submission: payload checks, permissions, defaults) and the worker (dispatch, queues,
//! concurrency).

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use serde_json::Value;

use super::context::JobContext;
use super::error::JobError;
use super::job::{Job, parse_payload};
use super::kind::JobKind;
use super::submit::NewJob;
use crate::permission::Permission;

/// Most jobs in one Redis task of an uncapped kind. A task's jobs are claimed in one
/// statement and run side by side; 25 keeps a process of the default concurrency (200)
/// working on eight tasks at once, so one slow job holds back few others.
pub const DELIVERY_JOBS: usize = 100;

/// Runs one attempt of a kind from its stored payload.
type RunFn = for<'a> fn(&'a JobContext) -> BoxFuture<'a, Result<(), JobError>>;

/// What the engine knows of one kind, taken from its [`Job`] implementation.
#[derive(Clone, Copy, Debug)]
pub struct KindSpec {
    pub name: &'static str,
    pub max_attempts: i32,
    pub permission: Option<Permission>,
    pub concurrency_cap: Option<usize>,
    check: fn(&Value) -> Result<(), String>,
    run: RunFn,
}

impl KindSpec {
    fn of<J: Job>() -> Self {
        Self {
            name: J::KIND,
            max_attempts: J::MAX_ATTEMPTS,
            permission: J::PERMISSION,
            concurrency_cap: J::CONCURRENCY_CAP,
            check: |payload| parse_payload::<J>(payload).map(drop),
            run: run_as::<J>,
        }
    }

    /// Checks a payload as submitted: the message names the offending field.
    pub fn check(&self, payload: &Value) -> Result<(), String> {
        (self.check)(payload)
    }
}

fn run_as<J: Job>(ctx: &JobContext) -> BoxFuture<'_, Result<(), JobError>> {
    Box::pin(async move {
        let job: J = parse_payload(ctx.payload()).map_err(JobError::permanent)?;
        job.run(ctx).await
    })
}

/// Why a kind cannot be submitted as asked.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum KindError {
    #[error("unknown job kind {0:?}")]
    Unknown(String),
    #[error("{0} jobs are submitted by the engine only")]
    EngineOnly(&'static str),
    #[error("invalid payload for {kind}: {reason}")]
    Payload { kind: &'static str, reason: String },
}

/// Every kind a build knows, by name.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    kinds: BTreeMap<&'static str, KindSpec>,
}

impl Registry {
    /// Adds the kind `J`.
    ///
    /// # Panics
    /// When a kind of the same name is registered already, or the name is not lowercase
    /// letters and underscores (what `job_runs.kind` accepts): a build error, caught by any
    /// test that builds the registry.
    pub fn register<J: Job>(mut self) -> Self {
        let name = J::KIND;
        assert!(
            name.starts_with(|c: char| c.is_ascii_lowercase())
                && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "job kind {name:?} must be lowercase letters and underscores"
        );
        let previous = self.kinds.insert(name, KindSpec::of::<J>());
        assert!(previous.is_none(), "job kind {name:?} registered twice");
        self
    }

    pub fn get(&self, kind: &str) -> Option<&KindSpec> {
        self.kinds.get(kind)
    }

    /// Every queue, in a stable order (each kind has its own, named as the kind).
    pub fn queues(&self) -> Vec<&'static str> {
        self.kinds.keys().copied().collect()
    }

    /// The concurrency of `queue`'s apalis worker when `requested` is asked for: the
    /// request, capped by the kind's [`Job::CONCURRENCY_CAP`], at least 1.
    pub fn queue_concurrency(&self, queue: &str, requested: usize) -> usize {
        self.get(queue)
            .and_then(|spec| spec.concurrency_cap)
            .map_or(requested, |cap| cap.min(requested))
            .max(1)
    }

    /// Most jobs the feeder puts in one Redis task of `queue`: [`DELIVERY_JOBS`] for a kind
    /// without a concurrency cap (small jobs, whose cost per task would otherwise dominate),
    /// one for a capped kind (each such job is work enough, and one process must not hold
    /// several while another idles).
    pub fn jobs_per_delivery(&self, queue: &str) -> usize {
        match self.get(queue).and_then(|spec| spec.concurrency_cap) {
            Some(_) => 1,
            None => DELIVERY_JOBS,
        }
    }

    /// Runs one attempt of `ctx`'s job; `None` when this build does not know its kind.
    pub fn dispatch<'a>(&self, ctx: &'a JobContext) -> Option<BoxFuture<'a, Result<(), JobError>>> {
        self.get(ctx.kind().as_str()).map(|spec| (spec.run)(ctx))
    }

    /// A job of kind `kind` from a client's JSON payload: the kind must exist and be
    /// submittable, the payload must parse and pass the kind's checks. Returns the job and
    /// the permission its submitter needs.
    pub fn job_from_json(
        &self,
        kind: &str,
        payload: Value,
    ) -> Result<(NewJob, Permission), KindError> {
        let spec = self
            .get(kind)
            .ok_or_else(|| KindError::Unknown(kind.to_owned()))?;
        let permission = spec.permission.ok_or(KindError::EngineOnly(spec.name))?;
        spec.check(&payload).map_err(|reason| KindError::Payload {
            kind: spec.name,
            reason,
        })?;
        let job = NewJob::checked(JobKind::named(spec.name), payload, spec.max_attempts);
        Ok((job, permission))
    }
}
