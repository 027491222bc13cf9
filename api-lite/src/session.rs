//! Where a request's token comes from: the `Authorization: Bearer` header (API clients), or
//! the ops dashboard's session cookie, set by `POST /ops/session` from a pasted token:
//! `HttpOnly` (the page's scripts never hold the token) and `SameSite=Strict` (no other site
//! sends it). A request authenticated by the cookie that changes anything must also carry
//! `X-Reachly-Request: ops`, a header a cross-site form cannot send and a cross-site script
//! cannot add without a CORS preflight the API never grants.

use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};

use crate::error::ApiError;

/// The session cookie's name.
pub const COOKIE: &str = "reachly_session";
/// The header (and its value) a cookie-authenticated change must carry.
pub const CSRF_HEADER: &str = "x-reachly-request";
pub const CSRF_VALUE: &str = "ops";

/// The request's token: its bearer token, else its session cookie (checked against CSRF).
pub fn credential(parts: &Parts) -> Result<&str, ApiError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| ApiError::Unauthorized("malformed authorization header"))?;
        return value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token)
            .ok_or(ApiError::Unauthorized("expected a bearer token"));
    }
    let token = cookie(&parts.headers).ok_or(ApiError::Unauthorized("missing bearer token"))?;
    if !is_safe(&parts.method) {
        require_csrf_header(&parts.headers)?;
    }
    Ok(token)
}

/// Fails unless the request carries the dashboard's custom header.
pub fn require_csrf_header(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        Some(CSRF_VALUE) => Ok(()),
        _ => Err(ApiError::MissingCsrfHeader),
    }
}

/// Methods that change nothing.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The session cookie's value, if the request has one.
fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// The `Set-Cookie` value holding `token` for `max_age_secs`, or clearing it (`None`).
pub fn set_cookie(token: Option<&str>, max_age_secs: i64) -> String {
    let (value, age) = match token {
        Some(token) => (token, max_age_secs.max(0)),
        None => ("", 0),
    };
    format!("{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={age}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(method: Method, headers: &[(&str, &str)]) -> Parts {
        let mut request = Request::builder().method(method).uri("/v1/jobs");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_bearer_header_wins_and_the_cookie_needs_the_custom_header_to_change_anything() {
        let bearer = parts(Method::POST, &[("authorization", "Bearer abc")]);
        assert_eq!(credential(&bearer).unwrap(), "abc");
        let cookie = ("cookie", "theme=dark; reachly_session=tok");
        assert_eq!(credential(&parts(Method::GET, &[cookie])).unwrap(), "tok");
        assert!(matches!(
            credential(&parts(Method::POST, &[cookie])),
            Err(ApiError::MissingCsrfHeader)
        ));
        let with_header = parts(Method::POST, &[cookie, (CSRF_HEADER, CSRF_VALUE)]);
        assert_eq!(credential(&with_header).unwrap(), "tok");
        assert!(credential(&parts(Method::GET, &[("cookie", "reachly_session=")])).is_err());
        assert!(set_cookie(Some("t"), 60).contains("HttpOnly; SameSite=Strict"));
        assert!(set_cookie(None, 60).ends_with("Max-Age=0"));
    }
}
