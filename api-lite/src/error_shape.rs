//! The last word on error bodies: whatever answered with an error that is not already the
//! API's JSON shape (an extractor's rejection, such as a path that is not UTF-8 or a
//! non-multipart upload, or any other plain-text error of the HTTP stack past routing) is
//! rewritten as `{"error": {"code", "message"}}` with its status kept.
//!
//! What hyper answers before a request reaches the router (a header section too large, a
//! malformed request line) never passes here; those stay hyper's.

use axum::Json;
use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::code_for;

/// Most bytes of a plain-text error body kept as the message.
const MESSAGE_BYTES: usize = 1024;

/// Middleware: rewrites non-JSON error responses into the API's error shape.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = to_bytes(body, MESSAGE_BYTES * 4)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        text.chars().take(MESSAGE_BYTES).collect()
    };
    let body = json!({ "error": { "code": code_for(status), "message": message } });
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut shaped = (status, Json(body)).into_response();
    for (name, value) in parts.headers.iter() {
        shaped.headers_mut().entry(name).or_insert(value.clone());
    }
    shaped
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}
