//! Reachly's own processes against one database and one Redis: their shared environment,
//! `reachly-api serve` waited on until ready, `reachly-worker`s, and bearer tokens minted by
//! `reachly-api token`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use crate::database::Database;
use crate::process::{Proc, binary, free_port};

/// An environment: the variables a child gets on top of this process' own.
pub type Env = Vec<(String, String)>;

/// The environment every API and worker process of one run shares.
pub fn service_env(db: &Database, redis_url: &str, jwt_secret: &str, rust_log: &str) -> Env {
    [
        ("DATABASE_URL", db.owner_url.as_str()),
        ("APP_DATABASE_URL", db.app_url.as_str()),
        ("MAINT_DATABASE_URL", db.maint_url.as_str()),
        ("REDIS_URL", redis_url),
        ("REACHLY_JWT_SECRET", jwt_secret),
        // The fixtures and generated lists live under .test (special-use, invalid unless
        // allowed).
        ("REACHLY_ALLOW_TEST_DOMAINS", "1"),
        ("RUST_LOG", rust_log),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// `env` with each of `overrides` set, replacing any earlier value of the same variable.
pub fn with_overrides(mut env: Env, overrides: &[(&str, &str)]) -> Env {
    for (key, value) in overrides {
        env.retain(|(k, _)| k != key);
        env.push((key.to_string(), value.to_string()));
    }
    env
}

/// Where the binaries are and where their logs go.
#[derive(Clone, Debug)]
pub struct Binaries {
    pub dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Binaries {
    /// `<dir>/<name>`, which must exist.
    pub fn path(&self, name: &str) -> anyhow::Result<PathBuf> {
        binary(&self.dir, name)
    }

    /// Starts `reachly-api serve` on a free port with `env` and waits (30 s at most) until
    /// `/readyz` answers; the process and its base URL.
    pub async fn start_api(&self, env: &Env, label: &str) -> anyhow::Result<(Proc, String)> {
        let port = free_port()?;
        let env = with_overrides(
            env.clone(),
            &[("REACHLY_API_ADDR", &format!("127.0.0.1:{port}"))],
        );
        let mut api = Proc::spawn(
            &self.path("reachly-api")?,
            &["serve"],
            &env,
            &self.log_dir,
            label,
        )?;
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        crate::poll_until("the API to be ready", Duration::from_secs(30), || {
            let alive = api.check_alive();
            let ready = client.get(format!("{base}/readyz")).send();
            async move {
                alive?;
                Ok(ready
                    .await
                    .is_ok_and(|r| r.status().is_success())
                    .then_some(()))
            }
        })
        .await?;
        Ok((api, base))
    }

    /// Starts one `reachly-worker` with `args` and `env`, logging as `label`.
    pub fn start_worker(&self, args: &[&str], env: &Env, label: &str) -> anyhow::Result<Proc> {
        Proc::spawn(
            &self.path("reachly-worker")?,
            args,
            env,
            &self.log_dir,
            label,
        )
    }

    /// Runs `reachly-api token <args>` with `env`; the bearer token it prints.
    pub fn mint_token(&self, args: &[&str], env: &Env) -> anyhow::Result<String> {
        let mut command = vec!["token"];
        command.extend_from_slice(args);
        self.api_command(&command, env)
    }

    /// Runs `reachly-api <args>` (an admin command) and returns what it printed, trimmed.
    pub fn api_command(&self, args: &[&str], env: &Env) -> anyhow::Result<String> {
        let out = std::process::Command::new(self.path("reachly-api")?)
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .output()
            .with_context(|| format!("running reachly-api {}", args[0]))?;
        anyhow::ensure!(
            out.status.success(),
            "reachly-api {} failed: {}",
            args[0],
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8(out.stdout)?.trim().to_owned())
    }
}

/// The arguments of `reachly-api token` for `email` as `role` in `organization`.
pub fn token_args<'a>(organization: &'a str, email: &'a str, role: &'a str) -> [&'a str; 6] {
    [
        "--organization",
        organization,
        "--email",
        email,
        "--role",
        role,
    ]
}

/// A log directory in the workspace's `target/`, e.g. `target/test-logs`.
pub fn log_dir(name: &str) -> PathBuf {
    crate::workspace_root().join("target").join(name)
}

/// The directory of the binaries of `profile` (`debug` or `release`).
pub fn profile_dir(profile: &str) -> PathBuf {
    crate::target_dir().join(profile)
}
