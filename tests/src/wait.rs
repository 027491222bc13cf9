//! Waiting for an outcome. The deadline only turns a hang into a failure with a message; no
//! test asserts how fast anything is.

use std::future::Future;
use std::time::Duration;

/// Polls `check` every 50 ms until it yields `Some`, panicking with `what` after `limit`.
pub async fn wait_until<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let checked = || {
        let next = check();
        async { Ok(next.await) }
    };
    reachly_testkit::poll_until(what, limit, checked)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}
