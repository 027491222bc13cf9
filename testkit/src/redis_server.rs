//! A private `redis-server` on a free loopback port, so a test or bench may flush, stop or
//! measure it without touching anyone else's.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::process::{Proc, free_port};

/// The child process, without persistence; killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    pub port: u16,
    process: Proc,
}

impl RedisServer {
    /// Starts it (its log in `<log_dir>/redis-<port>.log`) and waits until it answers PING.
    pub async fn start(log_dir: &Path) -> anyhow::Result<RedisServer> {
        let port = free_port()?;
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"]);
        let process = Proc::start(command, log_dir, &format!("redis-{port}"))
            .map_err(|e| e.context("starting redis-server (scripts/services.sh installs it)"))?;
        let mut server = RedisServer { port, process };
        crate::poll_until(
            "redis-server to answer PING",
            Duration::from_secs(20),
            || async { Ok(server.ping().await.ok()) },
        )
        .await?;
        server.process.check_alive()?;
        Ok(server)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    pub async fn connection(&self) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
        redis::Client::open(self.url())?
            .get_multiplexed_async_connection()
            .await
    }

    async fn ping(&self) -> redis::RedisResult<String> {
        redis::cmd("PING")
            .query_async(&mut self.connection().await?)
            .await
    }

    /// Bytes of memory Redis reports in use.
    pub async fn used_memory(&self) -> anyhow::Result<u64> {
        let info: String = redis::cmd("INFO")
            .arg("memory")
            .query_async(&mut self.connection().await?)
            .await?;
        info.lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| anyhow::anyhow!("no used_memory in INFO"))
    }

    /// Number of keys in database 0.
    pub async fn dbsize(&self) -> anyhow::Result<u64> {
        Ok(redis::cmd("DBSIZE")
            .query_async(&mut self.connection().await?)
            .await?)
    }
}
