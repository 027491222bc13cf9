//! What every benchmark starts the same way: the processes' environment, the release API
//! (waited on until ready) and an admin token.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::db::BenchDb;
use crate::process::Proc;
use crate::redis_server::RedisServer;

/// The environment of the API and workers of one bench run.
pub fn base_env(db: &BenchDb, redis: &RedisServer, api_port: u16) -> Vec<(String, String)> {
    [
        ("DATABASE_URL", db.owner_url.clone()),
        ("APP_DATABASE_URL", db.app_url.clone()),
        ("MAINT_DATABASE_URL", db.maint_url.clone()),
        ("REDIS_URL", redis.url()),
        (
            "REACHLY_JWT_SECRET",
            format!("bench-{}", uuid::Uuid::new_v4()),
        ),
        ("REACHLY_API_ADDR", format!("127.0.0.1:{api_port}")),
        ("RUST_LOG", "warn".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Starts `reachly-api serve` on `port` and waits (30 s at most) until `/readyz` answers;
/// returns the process and its base URL.
pub async fn start_api(
    api_bin: &Path,
    env: &[(String, String)],
    port: u16,
    label: &str,
) -> anyhow::Result<(Proc, String)> {
    let mut api = Proc::spawn(api_bin, &["serve"], env, label)?;
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    loop {
        let ready = client.get(format!("{base}/readyz")).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return Ok((api, base));
        }
        api.check_alive()?;
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(30),
            "API not ready in 30s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `reachly-api token` for an admin of organization `bench`.
pub fn admin_token(api_bin: &Path, env: &[(String, String)]) -> anyhow::Result<String> {
    let out = std::process::Command::new(api_bin)
        .args(["token", "--organization", "bench"])
        .args(["--email", "bench@reachly.test", "--role", "admin"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .context("running reachly-api token")?;
    anyhow::ensure!(
        out.status.success(),
        "reachly-api token failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}
