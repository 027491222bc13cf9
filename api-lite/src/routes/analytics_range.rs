//! The `?from=&to=` of every analytics route: UTC dates (`YYYY-MM-DD`, a malformed one is
//! `400`), both inclusive, at most 366 days apart (`422` otherwise), the last 30 days by
//! default.

use chrono::{NaiveDate, Utc};
use reachly_jobs::analytics::DateRange;
use serde::Deserialize;

use crate::error::ApiError;

/// The range parameters as the query holds them.
#[derive(Debug, Deserialize)]
pub struct RangeQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl RangeQuery {
    /// The checked range, today (UTC) filling what the query leaves out.
    pub fn resolve(&self) -> Result<DateRange, ApiError> {
        DateRange::resolve(self.from, self.to, Utc::now().date_naive())
            .map_err(|e| ApiError::Unprocessable(e.to_string()))
    }
}
