//! The job kinds the engine knows, with their queue, permission, payload check and retry limit.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A kind of job. Each maps to one Redis queue; its payload type lives with its logic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Does nothing (optionally sleeps or fails): health checks, tests, the queue benchmark.
    Noop,
    /// Reads an uploaded contact list into contacts, then fans out `validate` batches.
    Import,
    /// Validates one batch of a list's contacts (submitted by `import`, never by clients).
    Validate,
    /// Picks a campaign's recipients and fans out `send` batches (submitted by the launch
    /// endpoint, which checks the campaign, never through `/v1/jobs`).
    Launch,
    /// Simulates one batch of a campaign's sends and writes what happened (submitted by
    /// `launch`).
    Send,
}

impl JobKind {
    pub const ALL: [JobKind; 5] = [
        JobKind::Noop,
        JobKind::Import,
        JobKind::Validate,
        JobKind::Launch,
        JobKind::Send,
    ];

    /// The name stored in `job_runs.kind` and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Noop => "noop",
            JobKind::Import => "import",
            JobKind::Validate => "validate",
            JobKind::Launch => "launch",
            JobKind::Send => "send",
        }
    }

    /// The Redis queue that carries this kind.
    pub fn queue(self) -> &'static str {
        self.as_str()
    }

    /// The permission a member needs to submit this kind; `None` for kinds only the engine
    /// submits (fan-out children).
    pub fn submit_permission(self) -> Option<&'static str> {
        match self {
            JobKind::Noop => Some("ops.manage"),
            JobKind::Import => Some("list.import"),
            JobKind::Validate | JobKind::Launch | JobKind::Send => None,
        }
    }

    /// Attempts before the job goes `dead` unless the submission says otherwise.
    pub fn default_max_attempts(self) -> i32 {
        match self {
            JobKind::Noop => 3,
            JobKind::Import | JobKind::Validate | JobKind::Launch | JobKind::Send => 5,
        }
    }

    /// Most attempts of this kind one worker process runs at once, whatever `--concurrency`
    /// asks: a batch job is CPU- and database-bound, and more of them at once than the
    /// machine has cores only queue for connections (and, holding fetched tasks, starve
    /// other processes of work). `None`: no cap (small jobs).
    pub fn concurrency_cap(self) -> Option<usize> {
        match self {
            JobKind::Noop => None,
            JobKind::Import | JobKind::Launch => Some(2),
            JobKind::Validate | JobKind::Send => Some(4),
        }
    }

    /// The concurrency of `queue`'s apalis worker when `requested` is asked for.
    pub fn queue_concurrency(queue: &str, requested: usize) -> usize {
        Self::ALL
            .into_iter()
            .filter(|k| k.queue() == queue)
            .filter_map(JobKind::concurrency_cap)
            .fold(requested, usize::min)
            .max(1)
    }

    /// Checks a payload at submission, so a bad one is refused (422) instead of dying later.
    pub fn check_payload(self, payload: &Value) -> Result<(), String> {
        match self {
            JobKind::Noop => crate::noop::NoopPayload::parse(payload).map(drop),
            JobKind::Import => crate::lists::ImportPayload::parse(payload).map(drop),
            JobKind::Validate => crate::lists::ValidatePayload::parse(payload).map(drop),
            JobKind::Launch => crate::campaigns::LaunchPayload::parse(payload).map(drop),
            JobKind::Send => crate::campaigns::SendPayload::parse(payload).map(drop),
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// Every distinct queue name, in a stable order.
    pub fn queues() -> Vec<&'static str> {
        let mut queues: Vec<_> = Self::ALL.iter().map(|k| k.queue()).collect();
        queues.dedup();
        queues
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(JobKind::parse("nope"), None);
    }

    #[test]
    fn batch_kinds_are_capped_per_process() {
        assert_eq!(JobKind::queue_concurrency("noop", 200), 200);
        assert_eq!(JobKind::queue_concurrency("validate", 200), 4);
        assert_eq!(JobKind::queue_concurrency("validate", 2), 2);
    }

    #[test]
    fn fan_out_children_cannot_be_submitted_by_clients() {
        assert_eq!(JobKind::Validate.submit_permission(), None);
        assert_eq!(JobKind::Import.submit_permission(), Some("list.import"));
    }
}
