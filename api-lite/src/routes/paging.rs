//! Keyset pagination shared by the listings: the page size, uuid cursors, and the
//! `{"data": [...], "next_cursor": ...}` envelope.

use axum::Json;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::ApiError;

/// Rows per page when the client does not say.
pub const PAGE_DEFAULT: i64 = 100;
/// The most rows one page may carry.
pub const PAGE_MAX: i64 = 1_000;

/// The page size asked for, clamped to `1..=PAGE_MAX`.
pub fn limit(raw: Option<i64>) -> i64 {
    raw.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX)
}

/// A cursor that is the id of the last row of the previous page (rows ordered by id).
pub fn uuid_cursor(raw: Option<&str>) -> Result<Option<Uuid>, ApiError> {
    raw.map(|c| {
        c.parse()
            .map_err(|_| ApiError::BadRequest("invalid cursor".into()))
    })
    .transpose()
}

/// Where a newest-first page (`id < $n order by id desc`) starts: below the cursor, or on
/// the first page below every id (the all-ones UUID, which no v7 id reaches). Bound as a
/// value, never as `($n is null or id < $n)`, which Postgres cannot use as an index condition:
/// a deep page then costs what the first one does instead of re-reading every row before it.
pub fn before(cursor: Option<Uuid>) -> Uuid {
    cursor.unwrap_or(Uuid::max())
}

/// Where an oldest-first page (`id > $n order by id`) starts: after the cursor, or on the
/// first page after the nil UUID. A value for the same reason as [`before`].
pub fn after(cursor: Option<Uuid>) -> Uuid {
    cursor.unwrap_or(Uuid::nil())
}

/// One page: `rows` were fetched with `limit + 1` so that a row beyond the page tells that
/// there is a next one; `next_cursor` is `cursor` of the page's last row then, else `null`.
pub fn page<K>(
    mut rows: Vec<(K, Value)>,
    limit: i64,
    cursor: impl Fn(&K) -> String,
) -> Json<Value> {
    let limit = usize::try_from(limit).unwrap_or(0);
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|(key, _)| cursor(key))
    } else {
        None
    };
    let data: Vec<Value> = rows.into_iter().map(|(_, row)| row).collect();
    Json(json!({ "data": data, "next_cursor": next }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_page_points_at_its_last_row() {
        let rows = (1..=3).map(|i| (i, json!(i))).collect();
        let Json(body) = page(rows, 2, |k| k.to_string());
        assert_eq!(body, json!({ "data": [1, 2], "next_cursor": "2" }));
    }

    #[test]
    fn the_last_page_has_no_cursor() {
        let rows = (1..=2).map(|i| (i, json!(i))).collect();
        let Json(body) = page(rows, 2, |k| k.to_string());
        assert_eq!(body, json!({ "data": [1, 2], "next_cursor": null }));
    }

    #[test]
    fn limits_are_clamped_and_cursors_checked() {
        assert_eq!(limit(None), PAGE_DEFAULT);
        assert_eq!(limit(Some(0)), 1);
        assert_eq!(limit(Some(1_000_000)), PAGE_MAX);
        assert!(uuid_cursor(Some("nope")).is_err());
        assert_eq!(uuid_cursor(None).unwrap(), None);
    }

    #[test]
    fn first_pages_start_beyond_every_v7_id() {
        let id = Uuid::now_v7();
        assert!(id < before(None) && id > after(None));
        assert_eq!(before(Some(id)), id);
        assert_eq!(after(Some(id)), id);
    }
}
