//! Request input shared by the create and read endpoints: ids in paths, required and
//! optional text, and the `201 Created` reply.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use uuid::Uuid;

use crate::error::ApiError;

/// The id in a path; anything that is not a uuid names no row, so it is a 404 like a
/// missing (or another organization's) id.
pub fn path_id(raw: &str, what: &'static str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(what))
}

/// A required text field, trimmed; empty is a 422 naming `field`.
pub fn required(field: &str, value: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        Err(ApiError::Unprocessable(format!(
            "`{field}` must not be empty"
        )))
    } else {
        Ok(value.to_owned())
    }
}

/// An optional text field, trimmed; empty counts as absent.
pub fn optional(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `201 Created` with the new resource and its `Location`.
pub fn created(location: String, body: Value) -> Response {
    let location = HeaderValue::from_str(&location).expect("paths are ascii");
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response()
}
