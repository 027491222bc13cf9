//! What makes a type a job: its payload is the type, and the trait says how the engine runs
//! it. A kind is one type in one folder plus one line in the engine's registry
//! (`crate::kinds::registry`); the queue plumbing knows kinds only through [`Job`].

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::context::JobContext;
use super::error::JobError;
use crate::permission::Permission;

/// A job's payload, with its kind's settings and logic. Payloads travel as JSON
/// (`job_runs.payload`) and are parsed once per attempt into this type.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The kind's name (`job_runs.kind`, the API's `kind`, its Redis queue): lowercase
    /// letters and underscores.
    const KIND: &'static str;
    /// Attempts before the job goes `dead`, unless the submission says otherwise.
    const MAX_ATTEMPTS: i32 = 5;
    /// The permission a member needs to submit this kind through the API; `None` for kinds
    /// only the engine submits (fan-out children, launches the API starts itself).
    const PERMISSION: Option<Permission> = None;
    /// Most attempts of this kind one worker process runs at once, whatever `--concurrency`
    /// asks: a batch job is CPU- and database-bound, and more of them at once than the
    /// machine has cores only queue for connections (and, holding fetched tasks, starve
    /// other processes of work). `None`: no cap (small jobs).
    const CONCURRENCY_CAP: Option<usize> = None;

    /// Checks what the payload's type cannot say (bounds, combinations), at submission and
    /// again before each run. The message names the field.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }

    /// Runs one attempt. Success is recorded by the job itself, in the transaction holding
    /// its effects ([`JobContext::succeed`]); an error fails the attempt.
    fn run(self, ctx: &JobContext) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// Parses a payload as `J`'s, with the path of the offending field in the message (e.g.
/// `list_id: invalid type: integer, expected a UUID`), and checks it.
pub fn parse_payload<J: Job>(payload: &serde_json::Value) -> Result<J, String> {
    let job: J = serde_path_to_error::deserialize(payload).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            e.into_inner().to_string()
        } else {
            format!("{path}: {}", e.into_inner())
        }
    })?;
    job.check()?;
    Ok(job)
}
