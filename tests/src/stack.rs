//! One test's world: a fresh database, a private Redis, and helpers to start the API and
//! workers against them.

use reachly_testkit::services::{Env, service_env, token_args, with_overrides};

use crate::db::TestDb;
use crate::http::Api;
use crate::process::{Proc, binaries};
use crate::redis_server::{self, RedisServer};

/// The services of one test and the environment its processes share.
#[derive(Debug)]
pub struct Stack {
    pub db: TestDb,
    pub redis: RedisServer,
    pub jwt_secret: String,
}

impl Stack {
    pub async fn start() -> Stack {
        Stack {
            db: TestDb::fresh().await,
            redis: redis_server::start().await,
            jwt_secret: format!("test-secret-{}", uuid::Uuid::new_v4()),
        }
    }

    /// The environment of every process of this stack.
    pub fn env(&self) -> Env {
        service_env(&self.db, &self.redis.url(), &self.jwt_secret, "info")
    }

    /// Starts `reachly-api serve` on a free port and waits until it is ready.
    pub async fn api(&self) -> (Proc, Api) {
        self.api_with(&[]).await
    }

    /// [`Stack::api`] with `overrides` of the stack's environment.
    pub async fn api_with(&self, overrides: &[(&str, &str)]) -> (Proc, Api) {
        let env = with_overrides(self.env(), overrides);
        let (proc, base) = binaries()
            .start_api(&env, &format!("{}-api", self.db.name))
            .await
            .expect("starting reachly-api serve");
        (proc, Api::new(base))
    }

    /// Starts a `reachly-worker` with `args` and `overrides` of the stack's environment.
    pub fn worker(&self, label: &str, args: &[&str], overrides: &[(&str, &str)]) -> Proc {
        binaries()
            .start_worker(
                args,
                &with_overrides(self.env(), overrides),
                &format!("{}-worker-{label}", self.db.name),
            )
            .expect("starting reachly-worker")
    }

    /// Runs `reachly-api token` and returns the bearer token.
    pub fn token(&self, organization: &str, email: &str, role: &str) -> String {
        self.token_with(&token_args(organization, email, role), &[])
    }

    /// Runs `reachly-api grant-platform-admin EMAIL`.
    pub fn grant_platform_admin(&self, email: &str) {
        binaries()
            .api_command(&["grant-platform-admin", email], &self.env())
            .expect("running reachly-api grant-platform-admin");
    }

    /// Runs `reachly-api token <args>` with `overrides` of the stack's environment.
    pub fn token_with(&self, args: &[&str], overrides: &[(&str, &str)]) -> String {
        binaries()
            .mint_token(args, &with_overrides(self.env(), overrides))
            .expect("running reachly-api token")
    }
}
