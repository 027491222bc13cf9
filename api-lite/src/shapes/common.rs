//! What every part of the API shares: the page envelope of listings, the error shape, the
//! `{id}` of a path, and the free-form JSON values some rows carry.

use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// One page of a listing: `data`, and `next_cursor` to pass as `?cursor=` for the next page
/// (`null` on the last one).
#[derive(Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub data: Vec<T>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Every error: `{"error": {"code", "message"}}`.
#[derive(Serialize, ToSchema)]
pub struct Error {
    pub error: ErrorDetail,
}

/// What went wrong: a stable `code` (one per status) and a message for people.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    #[schema(value_type = ErrorCode)]
    pub code: String,
    pub message: String,
}

/// The error codes, one per status.
pub struct ErrorCode;

impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use axum::http::StatusCode;
        let statuses = [
            400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 431, 500, 503,
        ];
        let codes: Vec<&str> = statuses
            .into_iter()
            .filter_map(|s| StatusCode::from_u16(s).ok())
            .map(crate::error::code_for)
            .collect();
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "One per status (`not_found` for 404, `unprocessable` for 422, ...).",
            ))
            .enum_values(Some(codes))
            .into()
    }
}

impl ToSchema for ErrorCode {}

/// The `{id}` of a path: a UUID (anything else is a `400`).
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdPath {
    /// The resource's id.
    pub id: Uuid,
}

/// The name and phone a contact or a lead carries (`null` where unknown or erased).
#[derive(Serialize, ToSchema)]
pub struct Person {
    #[schema(required = true)]
    pub first_name: Option<String>,
    #[schema(required = true)]
    pub last_name: Option<String>,
    #[schema(required = true)]
    pub phone: Option<String>,
}

/// The `links.self` of a resource.
#[derive(Serialize, ToSchema)]
pub struct SelfLink {
    #[serde(rename = "self")]
    pub this: String,
}
