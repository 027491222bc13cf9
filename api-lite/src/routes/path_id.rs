//! The one way a route reads the id in its `/{id}`.

use std::str::FromStr;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::error::ApiError;

/// The id in a route's path, parsed into the type the route works on (`ListId`,
/// `CampaignId`, a job's `Uuid`). It exists so every route parses ids the same way: an id
/// that is not a UUID is a 400 in the API's error shape (a well-formed id that names no row
/// of the organization is the route's 404).
pub struct PathId<T>(pub T);

impl<S, T> FromRequestParts<S> for PathId<T>
where
    S: Send + Sync,
    T: FromStr + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        raw.parse()
            .map(PathId)
            .map_err(|_| ApiError::BadRequest("the id in the path is not a UUID".into()))
    }
}
