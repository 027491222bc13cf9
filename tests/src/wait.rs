//! Waiting for an outcome. The deadline only turns a hang into a failure with a message; no
//! test asserts how fast anything is.

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` every 50 ms until it yields `Some`, panicking with `what` after `limit`.
pub async fn wait_until<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if start.elapsed() > limit {
            panic!("gave up after {limit:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
