//! The name of a job kind: what `job_runs.kind` stores, the API's `kind`, and the name of
//! the kind's Redis queue. An open name, checked against the [`super::Registry`] where jobs
//! are submitted and claimed: a row may name a kind this build does not know (written by a
//! newer build), and is then handed back rather than misread.

use serde::{Deserialize, Serialize};

use super::job::Job;

/// A job kind's name.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct JobKind(String);

impl JobKind {
    /// The kind of the job type `J`.
    pub fn of<J: Job>() -> Self {
        Self(J::KIND.to_owned())
    }

    /// A name as stored or sent; whether a kind of that name exists is the registry's call.
    pub fn named(name: &str) -> Self {
        Self(name.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The Redis queue that carries this kind: each kind has its own, named as the kind.
    pub fn queue(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
