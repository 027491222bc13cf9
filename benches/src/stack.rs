//! What every benchmark starts the same way: where the release binaries are, a private Redis
//! and a fresh database around the run, the processes' environment, and the release API
//! (waited on until ready), the workers and an admin token.

use std::path::{Path, PathBuf};

use anyhow::Context;

use reachly_testkit::RedisServer;
use reachly_testkit::process::Proc;
use reachly_testkit::services::{Binaries, Env, log_dir, profile_dir, service_env};

use crate::db::BenchDb;

/// The directory of the release binaries: `explicit` (a `--bin-dir` flag), else
/// `$CARGO_TARGET_DIR/release`, else the workspace's `target/release`.
pub fn release_dir(explicit: Option<&Path>) -> PathBuf {
    explicit
        .map(Path::to_path_buf)
        .unwrap_or_else(|| profile_dir("release"))
}

/// The release binaries in `dir`, logging to `target/bench-logs/<label>.log`.
pub fn binaries(dir: &Path) -> Binaries {
    Binaries {
        dir: dir.to_path_buf(),
        log_dir: log_dir("bench-logs"),
    }
}

/// What every bench's `main` does around its measurement: starts a private Redis and creates
/// a fresh database, runs `measure` against them, then drops the database (unless `keep_db`).
pub async fn around<T>(
    name: &str,
    bin_dir: &Path,
    keep_db: bool,
    measure: impl AsyncFnOnce(&BenchDb, &RedisServer) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let redis = RedisServer::start(&log_dir("bench-logs")).await?;
    let db = crate::db::create().await?;
    eprintln!(
        "[{name}] database {}, redis {}, binaries in {}",
        db.name,
        redis.url(),
        bin_dir.display()
    );
    let result = measure(&db, &redis).await;
    crate::db::finish(&db, keep_db).await;
    result
}

/// The environment of the API and workers of one bench run.
pub fn base_env(db: &BenchDb, redis: &RedisServer) -> Env {
    let secret = format!("bench-{}", uuid::Uuid::new_v4());
    service_env(db, &redis.url(), &secret, "warn")
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

/// How many workers serve which queues, each with what concurrency.
#[derive(Debug, Clone, Copy)]
pub struct Workers<'a> {
    pub count: usize,
    pub queues: &'a str,
    pub concurrency: u16,
}

impl Services {
    /// Starts the API from `bin_dir` (waits for /readyz), gets a token (creating the
    /// organization) and starts the `workers`, all with `env` and logging as `label-…`.
    pub async fn start(
        bin_dir: &Path,
        env: &Env,
        label: &str,
        workers: Workers<'_>,
    ) -> anyhow::Result<Services> {
        let bins = binaries(bin_dir);
        let (api, base) = bins.start_api(env, &format!("{label}-api")).await?;
        let token = bins.mint_token(
            &[
                "--organization",
                "bench",
                "--email",
                "bench@reachly.test",
                "--role",
                "admin",
            ],
            env,
        )?;
        let concurrency = workers.concurrency.to_string();
        let args = ["--queues", workers.queues, "--concurrency", &concurrency];
        let workers = (0..workers.count)
            .map(|i| bins.start_worker(&args, env, &format!("{label}-worker{i}")))
            .collect::<anyhow::Result<_>>()?;
        Ok(Services {
            api,
            workers,
            base,
            token,
            client: reqwest::Client::new(),
        })
    }

    /// `POST path` with `body` as the admin; the reply's JSON when its status is `expected`.
    pub async fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
        expected: u16,
    ) -> anyhow::Result<serde_json::Value> {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        let status = resp.status().as_u16();
        let reply = resp.json().await.unwrap_or_default();
        anyhow::ensure!(status == expected, "POST {path}: {status} {reply}");
        Ok(reply)
    }

    /// `POST path` with `body` as the admin, which must create (`201`) a resource; its id.
    pub async fn create(&self, path: &str, body: &serde_json::Value) -> anyhow::Result<uuid::Uuid> {
        let reply = self.post(path, body, 201).await?;
        reply["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("no id in {reply}"))
    }

    /// `GET path` as the admin; the reply's JSON, when a success.
    pub async fn get(&self, path: &str) -> anyhow::Result<serde_json::Value> {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        anyhow::ensure!(resp.status().is_success(), "GET {path}: {}", resp.status());
        Ok(resp.json().await?)
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

    /// Stops the workers, then the API.
    pub fn stop(mut self) {
        self.workers.iter_mut().for_each(Proc::kill9);
        self.api.kill9();
    }
}
