//! A private `redis-server` on a free loopback port, so nothing else on the machine shares it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

/// The child process; killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    pub port: u16,
    child: Child,
}

impl RedisServer {
    /// Starts it without persistence and waits until it answers PING.
    pub async fn start() -> anyhow::Result<RedisServer> {
        let port = crate::process::free_port()?;
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .context("starting redis-server (scripts/services.sh installs it)")?;
        let server = RedisServer { port, child };
        let start = Instant::now();
        loop {
            if server.ping().await.is_ok() {
                return Ok(server);
            }
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(20),
                "redis-server on port {port} did not answer PING within 20s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn ping(&self) -> redis::RedisResult<String> {
        let mut conn = redis::Client::open(self.url())?
            .get_multiplexed_async_connection()
            .await?;
        redis::cmd("PING").query_async(&mut conn).await
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
