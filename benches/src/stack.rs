//! What every benchmark starts the same way: where the release binaries are, the processes'
//! environment, the release API (waited on until ready), the workers and an admin token.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::db::BenchDb;
use crate::process::Proc;
use crate::redis_server::RedisServer;

/// The directory of the release binaries: `explicit` (a `--bin-dir` flag), else
/// `$CARGO_TARGET_DIR/release`, else the workspace's `target/release`.
pub fn release_dir(explicit: Option<&Path>) -> PathBuf {
    explicit.map(Path::to_path_buf).unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| crate::cli::workspace_root().join("target"))
            .join("release")
    })
}

/// A bench's scratch directory (created): `explicit` (a `--work-dir` flag), else
/// `<tmp>/<name>-<pid>`.
pub fn work_dir(explicit: Option<&Path>, name: &str) -> anyhow::Result<PathBuf> {
    let dir = explicit
        .map(Path::to_path_buf)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("{name}-{}", std::process::id())));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

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
        // The generated lists and the DNS zones live under .test (special-use, invalid
        // unless allowed).
        ("REACHLY_ALLOW_TEST_DOMAINS", "1".to_owned()),
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

/// `count` processes of `reachly-worker --queues <queues> --concurrency <concurrency>`,
/// logging to `<label>-worker<i>.log`.
pub fn spawn_workers(
    worker_bin: &Path,
    count: usize,
    queues: &str,
    concurrency: u16,
    env: &[(String, String)],
    label: &str,
) -> anyhow::Result<Vec<Proc>> {
    let concurrency = concurrency.to_string();
    (0..count)
        .map(|i| {
            Proc::spawn(
                worker_bin,
                &["--queues", queues, "--concurrency", &concurrency],
                env,
                &format!("{label}-worker{i}"),
            )
        })
        .collect()
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

/// The running API and workers of one benchmark, with an admin token of organization
/// `bench`, the API's address and an HTTP client: what every pipeline starts first.
#[derive(Debug)]
pub struct Services {
    pub api: Proc,
    pub workers: Vec<Proc>,
    pub base: String,
    pub token: String,
    pub client: reqwest::Client,
}

impl Services {
    /// Starts the API from `bin_dir` on `port` (waits for /readyz), gets a token (creating
    /// the organization) and starts `workers` workers serving `queues`.
    pub async fn start(
        bin_dir: &Path,
        env: &[(String, String)],
        port: u16,
        label: &str,
        workers: usize,
        queues: &str,
        concurrency: u16,
    ) -> anyhow::Result<Services> {
        let api_bin = crate::process::binary(bin_dir, "reachly-api")?;
        let worker_bin = crate::process::binary(bin_dir, "reachly-worker")?;
        let (api, base) = start_api(&api_bin, env, port, &format!("{label}-api")).await?;
        let token = admin_token(&api_bin, env)?;
        let workers = spawn_workers(&worker_bin, workers, queues, concurrency, env, label)?;
        Ok(Services {
            api,
            workers,
            base,
            token,
            client: reqwest::Client::new(),
        })
    }

    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        self.api.check_alive()?;
        self.workers.iter_mut().try_for_each(Proc::check_alive)
    }

    /// `(name, pid)` of the API and each worker, for CPU accounting.
    pub fn pids(&self) -> Vec<(String, u32)> {
        let mut pids = vec![("api".to_owned(), self.api.pid())];
        for (i, w) in self.workers.iter().enumerate() {
            pids.push((format!("worker{i}"), w.pid()));
        }
        pids
    }
}
