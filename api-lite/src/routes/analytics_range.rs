//! The `?from=&to=` of every analytics route, as an extractor: UTC dates (`YYYY-MM-DD`, a
//! malformed one is `400`), both inclusive, at most 366 days apart (`422` otherwise), the last
//! 30 days by default.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{NaiveDate, Utc};
use reachly_jobs::analytics::DateRange;
use serde::Deserialize;

use crate::error::ApiError;
use crate::json::ApiQuery;

/// The range parameters as the query holds them.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First UTC day (inclusive; default 29 days before `to`).
    from: Option<NaiveDate>,
    /// Last UTC day (inclusive; default today); at most 366 days after `from`.
    to: Option<NaiveDate>,
}

/// The checked range of a request, today (UTC) filling what its query leaves out.
pub struct Range(pub DateRange);

impl<S: Send + Sync> FromRequestParts<S> for Range {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let ApiQuery(query) = ApiQuery::<RangeQuery>::from_request_parts(parts, state).await?;
        DateRange::resolve(query.from, query.to, Utc::now().date_naive())
            .map(Range)
            .map_err(|e| ApiError::Unprocessable(e.to_string()))
    }
}
