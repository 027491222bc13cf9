//! The job kinds the engine knows, with their queue, permission and retry limits.

use serde::{Deserialize, Serialize};

/// A kind of job. Each maps to one Redis queue; its payload type lives with its logic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Does nothing (optionally sleeps or fails): health checks, tests, the queue benchmark.
    Noop,
}

impl JobKind {
    pub const ALL: [JobKind; 1] = [JobKind::Noop];

    /// The name stored in `job_runs.kind` and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Noop => "noop",
        }
    }

    /// The Redis queue that carries this kind.
    pub fn queue(self) -> &'static str {
        match self {
            JobKind::Noop => "noop",
        }
    }

    /// The permission a member needs to submit this kind.
    pub fn submit_permission(self) -> &'static str {
        match self {
            JobKind::Noop => "ops.manage",
        }
    }

    /// Attempts before the job goes `dead` unless the submission says otherwise.
    pub fn default_max_attempts(self) -> i32 {
        match self {
            JobKind::Noop => 3,
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
}
