//! A private Redis server per test, on a free loopback port, so a test may flush or stop it.

pub use reachly_testkit::RedisServer;

/// Starts one (see [`RedisServer::start`]), its log in `target/test-logs`.
pub async fn start() -> RedisServer {
    RedisServer::start(&crate::process::logs())
        .await
        .expect("starting redis-server (run scripts/services.sh to install it)")
}
