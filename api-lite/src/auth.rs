//! Bearer-token authentication and permission checks.
//!
//! The token comes in the `Authorization` header, or, for the ops dashboard, in its session
//! cookie (`crate::session`).
//!
//! The token (HS256) names a user and an organization; every request then reads the user's
//! membership and its role's permissions from the database, so revoking a membership or a
//! permission takes effect on the next request.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use reachly_jobs::audit::{AuditEntry, Requester};
use reachly_jobs::{OrgId, Permission};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;
use crate::requester::requester;
use crate::state::AppState;
use reachly_jobs::TenantTx;

/// The token's claims: `sub` user id, `org` organization id, `exp` expiry and the optional
/// `nbf` (not before), unix seconds.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub org: Uuid,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

/// Signs a token for `user` in `org`, valid for `ttl`.
pub fn issue(secret: &str, user: Uuid, org: Uuid, ttl: chrono::Duration) -> String {
    let claims = Claims {
        sub: user,
        org,
        exp: (chrono::Utc::now() + ttl).timestamp(),
        nbf: None,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("HS256 signing cannot fail")
}

/// The token's claims if it is signed with `secret`, not expired, not before its `nbf`, and
/// its `exp` lies no more than `max_lifetime` ahead (a token minted to live for decades is
/// refused however it was signed).
pub fn verify(
    secret: &str,
    token: &str,
    max_lifetime: chrono::Duration,
) -> Result<Claims, ApiError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.validate_nbf = true;
    let claims = jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map(|data| data.claims)
    .map_err(|_| ApiError::Unauthorized("invalid, expired or not yet valid token"))?;
    if claims.exp > (chrono::Utc::now() + max_lifetime).timestamp() {
        return Err(ApiError::Unauthorized(
            "the token lives longer than the server accepts",
        ));
    }
    Ok(claims)
}

/// An authenticated, active member of an organization, with the permissions of their role
/// and where the request came from (what the audit trail records of its actor).
#[derive(Debug, Clone)]
pub struct Member {
    pub user: Uuid,
    pub org: OrgId,
    pub permissions: Vec<Permission>,
    pub requester: Requester,
    /// A platform operator (`users.platform_admin`): sees the shared state (every queue,
    /// worker and schedule) and alone may pause or resume a queue.
    pub platform_admin: bool,
}

impl Member {
    /// Fails with 403 unless the member's role grants `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.permissions.contains(&permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(permission))
        }
    }

    /// The member's tenant transaction, once [`Self::require`] passed: how a handler that
    /// needs `permission` starts its work.
    pub async fn begin(
        &self,
        state: &AppState,
        permission: Permission,
    ) -> Result<TenantTx, ApiError> {
        self.require(permission)?;
        Ok(state.db.tenant(self.org).await?)
    }

    /// Fails with 403 unless the member is a platform operator.
    pub fn require_platform_admin(&self) -> Result<(), ApiError> {
        if self.platform_admin {
            Ok(())
        } else {
            Err(ApiError::NotPlatformAdmin)
        }
    }

    /// The member's tenant transaction when their role grants any of `permissions` (a 403
    /// naming the first otherwise).
    pub async fn begin_any(
        &self,
        state: &AppState,
        permissions: &[Permission],
    ) -> Result<TenantTx, ApiError> {
        match permissions.iter().find(|p| self.permissions.contains(p)) {
            Some(&granted) => self.begin(state, granted).await,
            None => Err(permissions.first().map_or_else(
                || ApiError::Internal(anyhow::anyhow!("a read no permission grants")),
                |&first| ApiError::Forbidden(first),
            )),
        }
    }

    /// Writes `entry` as this member's action, in `tx`: the transaction of the change it
    /// records, so the row commits (or rolls back) with it.
    pub async fn audit(&self, tx: &mut TenantTx, entry: AuditEntry) -> Result<(), ApiError> {
        Ok(entry.write(tx, &self.requester).await?)
    }
}

impl FromRequestParts<AppState> for Member {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = crate::session::credential(parts)?;
        let claims = verify(&state.jwt_secret, token.trim(), state.token_max_lifetime)?;
        let org = OrgId(claims.org);
        let mut tx = state.db.tenant(org).await?;
        let row: Option<(String, Vec<String>, bool)> = sqlx::query_as(
            "select m.status,
                    coalesce(array_agg(p.key) filter (where p.key is not null), '{}'),
                    bool_or(u.platform_admin)
               from memberships m
               join users u on u.id = m.user_id and u.deleted_at is null
               join organizations o on o.id = m.organization_id and o.deleted_at is null
               left join role_permissions rp on rp.role_id = m.role_id
               left join permissions p on p.id = rp.permission_id
              where m.user_id = $1
              group by m.status",
        )
        .bind(claims.sub)
        .fetch_optional(&mut **tx)
        .await?;
        tx.commit().await?;
        match row {
            Some((status, permissions, platform_admin)) if status == "active" => Ok(Member {
                user: claims.sub,
                org,
                requester: requester(parts, claims.sub, state.trust_forwarded_for),
                // A key this build does not know grants nothing it could check.
                permissions: permissions
                    .iter()
                    .filter_map(|key| Permission::parse(key))
                    .collect(),
                platform_admin,
            }),
            Some(_) => Err(ApiError::Inactive("the membership is not active")),
            None => Err(ApiError::Unauthorized("not a member of this organization")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> chrono::Duration {
        chrono::Duration::days(1)
    }

    fn signed(claims: &Claims) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(b"k"),
        )
        .unwrap()
    }

    #[test]
    fn tokens_verify_with_their_secret_only() {
        let (user, org) = (Uuid::now_v7(), Uuid::now_v7());
        let token = issue("s3cret", user, org, chrono::Duration::minutes(5));
        let claims = verify("s3cret", &token, day()).unwrap();
        assert_eq!((claims.sub, claims.org), (user, org));
        assert!(verify("other", &token, day()).is_err());
    }

    #[test]
    fn expired_and_tampered_tokens_fail() {
        let (user, org) = (Uuid::now_v7(), Uuid::now_v7());
        let expired = issue("k", user, org, chrono::Duration::seconds(-5));
        assert!(verify("k", &expired, day()).is_err());
        let mut tampered = issue("k", user, org, chrono::Duration::minutes(5));
        tampered.insert(tampered.len() - 3, 'x');
        assert!(verify("k", &tampered, day()).is_err());
    }

    #[test]
    fn not_before_and_the_longest_lifetime_are_honoured() {
        let now = chrono::Utc::now().timestamp();
        let claims = |exp: i64, nbf: Option<i64>| Claims {
            sub: Uuid::now_v7(),
            org: Uuid::now_v7(),
            exp,
            nbf,
        };
        assert!(verify("k", &signed(&claims(now + 600, Some(now + 300))), day()).is_err());
        assert!(verify("k", &signed(&claims(now + 600, Some(now - 300))), day()).is_ok());
        assert!(verify("k", &signed(&claims(1 << 62, None)), day()).is_err());
        assert!(verify("k", &signed(&claims(now + 86_400 + 60, None)), day()).is_err());
    }
}
