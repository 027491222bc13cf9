//! The built-in `noop` job: sleeps if asked, fails the first `fail_times` attempts, and
//! records its effect once (an audit row committed with its `succeeded` mark).

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::permission::Permission;
use crate::queue::lifecycle::Audit;
use crate::queue::{Job, JobContext, JobError};

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
    /// Whether the attempt numbered `attempt` (1-based) should fail.
    pub fn fails_on(&self, attempt: i32) -> bool {
        i64::from(attempt) <= i64::from(self.fail_times.unwrap_or(0))
    }
}

impl Job for NoopPayload {
    const KIND: &'static str = "noop";
    const MAX_ATTEMPTS: i32 = 3;
    const PERMISSION: Option<Permission> = Some(Permission::OpsManage);

    fn check(&self) -> Result<(), String> {
        if self.sleep_ms.is_some_and(|ms| ms > MAX_SLEEP_MS) {
            return Err(format!("sleep_ms: must be at most {MAX_SLEEP_MS}"));
        }
        Ok(())
    }

    /// Runs one attempt of a `noop` job.
    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        let payload = self;
        if let Some(ms) = payload.sleep_ms {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        if payload.fails_on(ctx.attempt()) {
            return Err(JobError::retryable(format!(
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::job::parse_payload;
    use serde_json::Value;

    fn parse(payload: Value) -> Result<NoopPayload, String> {
        parse_payload(&payload)
    }

    #[test]
    fn payloads_parse_and_reject_unknown_fields() {
        assert!(parse(json!({})).is_ok());
        assert!(parse(json!({"sleep_ms": 5, "fail_times": 2})).is_ok());
        assert!(
            parse(json!({"sleep": 5}))
                .unwrap_err()
                .contains("unknown field `sleep`")
        );
        assert!(
            parse(json!({"sleep_ms": -1}))
                .unwrap_err()
                .starts_with("sleep_ms: ")
        );
        assert!(
            parse(json!({"sleep_ms": 600_001}))
                .unwrap_err()
                .starts_with("sleep_ms: ")
        );
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
