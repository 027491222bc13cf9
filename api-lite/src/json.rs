//! Request extractors whose rejections are API errors (400 malformed, 413 too large, 422
//! well-formed but wrong) instead of axum's plain-text ones.

use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;

/// A JSON object body. Malformed JSON (an empty body included, unless `MAY_BE_EMPTY`) is
/// 400; JSON that is not an object, or an object of the wrong shape, is 422.
pub struct ApiJson<T, const MAY_BE_EMPTY: bool = false>(pub T);

/// The `MAY_BE_EMPTY` of a request whose fields are all optional: an empty body reads as
/// `{}`.
pub const MAY_BE_EMPTY: bool = true;

impl<S, T, const EMPTY_OK: bool> FromRequest<S> for ApiJson<T, EMPTY_OK>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = body_bytes(req, state).await?;
        if EMPTY_OK && bytes.iter().all(u8::is_ascii_whitespace) {
            return parse_object(b"{}").map(ApiJson);
        }
        parse_object(&bytes).map(ApiJson)
    }
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state)
        .await
        .map_err(|e: BytesRejection| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadRequest(e.body_text())
            }
        })
}

fn parse_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::Unprocessable(
            "the body must be a JSON object".into(),
        ));
    }
    if let Some(path) = nul_at(&value, String::new()) {
        return Err(ApiError::Unprocessable(format!(
            "`{path}` must not contain a NUL character"
        )));
    }
    serde_json::from_value(value).map_err(|e| ApiError::Unprocessable(e.to_string()))
}

/// Where a NUL character first appears in `value` (a string or an object key), as a path
/// like `fields[2].label`. Postgres text and jsonb cannot hold NUL, so a body with one is
/// refused here, naming the field, instead of failing at the database.
fn nul_at(value: &Value, path: String) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_at(item, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let here = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if key.contains('\0') {
                Some(here)
            } else {
                nul_at(item, here)
            }
        }),
        _ => None,
    }
}

/// Query parameters; a malformed query string is a JSON 400.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e: QueryRejection| ApiError::BadRequest(e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_nul_anywhere_is_named_by_its_path() {
        let body = json!({"name": "ok", "fields": [{"label": "a"}, {"label": "b\u{0}c"}]});
        assert_eq!(
            nul_at(&body, String::new()).as_deref(),
            Some("fields[1].label")
        );
        assert_eq!(nul_at(&json!({"a": ["x", 1, null]}), String::new()), None);
        let err = parse_object::<Value>(br#"{"payload": {"note": "\u0000"}}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`payload.note` must not contain a NUL character"
        );
    }
}
