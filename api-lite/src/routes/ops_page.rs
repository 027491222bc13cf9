//! The ops dashboard: the page (`GET /ops`, its script and style, all served from the binary
//! so it works offline, with a Content-Security-Policy allowing nothing else), its sign-in
//! (`POST /ops/session` turns a pasted token into the session cookie, `DELETE` signs out) and
//! `GET /v1/ops/me` (who is signed in, what they may do).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Member, verify};
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::openapi::errors::Refused;
use crate::session::{require_csrf_header, set_cookie};
use crate::shapes::ops::Me;
use crate::state::AppState;

const PAGE: &str = include_str!("../../assets/ops.html");
const SCRIPT: &str = include_str!("../../assets/ops.js");
const STYLE: &str = include_str!("../../assets/ops.css");

/// Only the page's own script and style, no framing, no referrer.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; \
    form-action 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/ops",
            get(|| async { asset(PAGE, "text/html; charset=utf-8") }),
        )
        .route(
            "/ops/app.js",
            get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/ops/app.css",
            get(|| async { asset(STYLE, "text/css; charset=utf-8") }),
        )
        .route(
            "/ops/session",
            axum::routing::post(sign_in).delete(sign_out),
        )
        .route("/v1/ops/me", get(me))
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, POLICY),
            (header::CACHE_CONTROL, "no-cache"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

/// `{"token": "..."}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    token: String,
}

/// `204` with the session cookie, living as long as the token does.
async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    require_csrf_header(&headers)?;
    let token = body.token.trim();
    let claims = verify(&state.jwt_secret, token, state.token_max_lifetime)?;
    let lifetime = claims.exp - chrono::Utc::now().timestamp();
    let cookie = set_cookie(Some(token), lifetime);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

async fn sign_out(headers: HeaderMap) -> Result<Response, ApiError> {
    require_csrf_header(&headers)?;
    let cookie = set_cookie(None, 0);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// Who is signed in
///
/// The user, the organization, the role's permissions, and whether a platform operator.
#[utoipa::path(get, path = "/v1/ops/me", tag = "ops",
    responses((status = 200, description = "The member", body = Me), Refused))]
pub async fn me(member: Member) -> Json<Value> {
    Json(json!({
        "user_id": member.user,
        "organization_id": member.org.0,
        "permissions": member.permissions,
        "platform_admin": member.platform_admin,
    }))
}
