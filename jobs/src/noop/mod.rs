//! The built-in `noop` job: sleeps if asked, fails the first `fail_times` attempts, and
//! records its effect once (an audit row committed with its `succeeded` mark).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::queue::lifecycle::{Audit, JobContext, JobError};

/// What a `noop` job may be asked to do.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NoopPayload {
    /// Sleep this long before finishing (at most 10 minutes).
    #[serde(default)]
    pub sleep_ms: Option<u64>,
    /// Fail this many attempts before succeeding.
    #[serde(default)]
    pub fail_times: Option<u32>,
}

const MAX_SLEEP_MS: u64 = 600_000;

impl NoopPayload {
    pub fn parse(payload: &Value) -> Result<Self, String> {
        let parsed: Self = serde_json::from_value(payload.clone()).map_err(|e| e.to_string())?;
        if parsed.sleep_ms.is_some_and(|ms| ms > MAX_SLEEP_MS) {
            return Err(format!("sleep_ms must be at most {MAX_SLEEP_MS}"));
        }
        Ok(parsed)
    }

    /// Whether the attempt numbered `attempt` (1-based) should fail.
    pub fn fails_on(&self, attempt: i32) -> bool {
        i64::from(attempt) <= i64::from(self.fail_times.unwrap_or(0))
    }
}

/// Runs one attempt of a `noop` job.
pub async fn run(ctx: &JobContext) -> Result<(), JobError> {
    let payload = NoopPayload::parse(ctx.payload()).map_err(JobError::Permanent)?;
    if let Some(ms) = payload.sleep_ms {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    if payload.fails_on(ctx.attempt()) {
        return Err(JobError::Retryable(format!(
            "noop asked to fail attempt {} of its first {}",
            ctx.attempt(),
            payload.fail_times.unwrap_or(0)
        )));
    }
    // The effect (an audit row) and the success commit together, in a group commit with
    // other simple successes.
    let audit = Audit {
        action: "job.noop.completed",
        details: json!({ "attempt": ctx.attempt() }),
    };
    ctx.succeed_simple(
        json!({ "attempt": ctx.attempt(), "slept_ms": payload.sleep_ms.unwrap_or(0) }),
        Some(audit),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_parse_and_reject_unknown_fields() {
        assert!(NoopPayload::parse(&json!({})).is_ok());
        assert!(NoopPayload::parse(&json!({"sleep_ms": 5, "fail_times": 2})).is_ok());
        assert!(NoopPayload::parse(&json!({"sleep": 5})).is_err());
        assert!(NoopPayload::parse(&json!({"sleep_ms": -1})).is_err());
        assert!(NoopPayload::parse(&json!({"sleep_ms": 600_001})).is_err());
    }

    #[test]
    fn fails_the_first_attempts_only() {
        let p = NoopPayload {
            sleep_ms: None,
            fail_times: Some(2),
        };
        assert!(p.fails_on(1) && p.fails_on(2) && !p.fails_on(3));
        assert!(!NoopPayload::default().fails_on(1));
    }
}
