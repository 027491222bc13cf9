//! What most API tests start with, and every richer test world builds on: a stack, its API,
//! an admin token of organization `acme` and a maintenance-role pool.

use crate::Stack;
use crate::http::Api;
use crate::process::Proc;

/// A stack serving its API, with an admin token of `acme` and a pool that sees every
/// organization's rows. Workers are started by each test, when it needs them; the API
/// process stops when this drops.
#[derive(Debug)]
pub struct ApiWorld {
    pub stack: Stack,
    pub api: Api,
    /// Admin of organization `acme`.
    pub token: String,
    /// The maintenance role (BYPASSRLS), to read and write rows of any organization.
    pub maint: sqlx::PgPool,
    _api: Proc,
}

impl ApiWorld {
    pub async fn start() -> ApiWorld {
        let stack = Stack::start().await;
        let (api_proc, api) = stack.api().await;
        let token = stack.token("acme", "ops@acme.test", "admin");
        let maint = stack.db.maint().await;
        ApiWorld {
            stack,
            api,
            token,
            maint,
            _api: api_proc,
        }
    }
}

impl ApiWorld {
    /// `GET path` as the admin of `acme`.
    pub async fn admin_get(&self, path: &str) -> crate::http::Reply {
        self.api.get(path, Some(&self.token)).await
    }
}

/// Gives a richer world (lists, sends, campaigns) the fields of the [`ApiWorld`] it holds
/// in `$field`.
#[macro_export]
macro_rules! extends_api_world {
    ($world:ty, $field:ident) => {
        impl std::ops::Deref for $world {
            type Target = $crate::world::ApiWorld;
            fn deref(&self) -> &$crate::world::ApiWorld {
                &self.$field
            }
        }
    };
}
