//! The `gdpr_erasure` job: removes one person (a GDPR request's subject) from every table of
//! their organization, proves it and records what it did without personal data. Submitted
//! only by `POST /v1/gdpr/requests`.
//!
//! It suppresses the address first (so no import from here on brings it back), then visits
//! [`STEPS`] in order, each in batches of their own transactions counted into
//! `data_deletions` in the same transaction, so it is resumable (a redelivered job finds only
//! what is left) and idempotent, and it ends by counting what every step would still match:
//! anything left (a write that raced it) fails the attempt, which is retried.

mod binds;
mod pattern;
mod run;
mod steps;

use serde::{Deserialize, Serialize};

use crate::ids::GdprRequestId;
use crate::queue::{Job, JobContext, JobError};

pub use binds::{BATCH, Binds};
pub use pattern::address_pattern;
pub use steps::{Effect, ErasureStep, STEPS};

/// A `gdpr_erasure` job's payload: only the request's id (the address stays in the request
/// row until completion, never in the job).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GdprErasure {
    pub request_id: GdprRequestId,
}

impl Job for GdprErasure {
    const KIND: &'static str = "gdpr_erasure";
    /// An erasure waits (by failing its attempt) for imports still running in its
    /// organization: enough attempts for the backoff to outlast a long import.
    const MAX_ATTEMPTS: i32 = 12;
    const CONCURRENCY_CAP: Option<usize> = Some(2);

    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        run::run(self.request_id, ctx).await
    }
}
