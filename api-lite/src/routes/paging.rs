//! The keyset paging policy of every listing: `?cursor=&limit=` parsed once ([`PageQuery`]),
//! the page size's default and bounds, and the `{"data": [...], "next_cursor": ...}`
//! envelope built once ([`PageQuery::page`]).

use axum::Json;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::error::ApiError;

/// Rows per page when the client does not say.
pub const PAGE_DEFAULT: i64 = 100;
/// The most rows one page may carry.
pub const PAGE_MAX: i64 = 1_000;

/// What a listing's cursor is: the key of the last row of the previous page, opaque to
/// clients. It exists so every listing reads and writes its cursor through the same door
/// whatever its key (a row id, an event's time and id).
pub trait Cursor: Sized {
    /// The cursor a previous page returned; anything else is a 400.
    fn decode(raw: &str) -> Result<Self, ApiError>;
    /// The text a client sends back to get the next page.
    fn encode(&self) -> String;
}

/// Rows ordered by a UUID id: the cursor is the last row's id.
impl Cursor for Uuid {
    fn decode(raw: &str) -> Result<Uuid, ApiError> {
        raw.parse()
            .map_err(|_| ApiError::BadRequest("invalid cursor".into()))
    }

    fn encode(&self) -> String {
        self.to_string()
    }
}

/// `?cursor=&limit=` of a listing, read through [`crate::json::ApiQuery`] and checked: a
/// malformed cursor or limit is a 400; the limit is clamped to `1..=PAGE_MAX`. Other
/// parameters are the route's own.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "PageParams", bound = "C: Cursor")]
pub struct PageQuery<C = Uuid> {
    pub cursor: Option<C>,
    pub limit: i64,
}

/// The query string as sent, before the cursor is decoded; the paging parameters of every
/// listing in the OpenAPI document.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The `next_cursor` of the previous page (anything else is a `400`).
    #[param(min_length = 1)]
    cursor: Option<String>,
    /// Rows per page: 100 by default; clamped to 1..=1000.
    limit: Option<i64>,
}

impl<C: Cursor> TryFrom<PageParams> for PageQuery<C> {
    type Error = ApiError;

    fn try_from(raw: PageParams) -> Result<Self, ApiError> {
        Ok(PageQuery {
            cursor: raw.cursor.as_deref().map(C::decode).transpose()?,
            limit: raw.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX),
        })
    }
}

impl<C: Cursor> PageQuery<C> {
    /// Rows to fetch: one beyond the page, whose presence tells that there is a next page.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// One page of `rows` (fetched with [`Self::fetch`], each with its cursor): the first
    /// `limit`, and `next_cursor`, the last one's cursor when a row lay beyond, else `null`.
    pub fn page(&self, mut rows: Vec<(C, Value)>) -> Json<Value> {
        let limit = usize::try_from(self.limit).unwrap_or(0);
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|(key, _)| key.encode())
        } else {
            None
        };
        let data: Vec<Value> = rows.into_iter().map(|(_, row)| row).collect();
        Json(json!({ "data": data, "next_cursor": next }))
    }
}

impl PageQuery<Uuid> {
    /// Where a newest-first page (`id < $n order by id desc`) starts: below the cursor, or on
    /// the first page below every id (the all-ones UUID, which no v7 id reaches). Bound as a
    /// value, never as `($n is null or id < $n)`, which Postgres cannot use as an index
    /// condition: a deep page then costs what the first one does.
    pub fn before(&self) -> Uuid {
        self.cursor.unwrap_or(Uuid::max())
    }

    /// Where an oldest-first page (`id > $n order by id`) starts: after the cursor, or on the
    /// first page after the nil UUID. A value for the same reason as [`Self::before`].
    pub fn after(&self) -> Uuid {
        after(self.cursor)
    }
}

/// Where an oldest-first walk starts after `cursor` (the nil UUID at the start); see
/// [`PageQuery::after`].
pub fn after(cursor: Option<Uuid>) -> Uuid {
    cursor.unwrap_or(Uuid::nil())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(cursor: Option<Uuid>, limit: i64) -> PageQuery {
        PageQuery { cursor, limit }
    }

    #[test]
    fn a_full_page_points_at_its_last_row() {
        let ids: Vec<Uuid> = (1..=3).map(Uuid::from_u128).collect();
        let rows = ids.iter().map(|id| (*id, json!(id))).collect();
        let Json(body) = query(None, 2).page(rows);
        assert_eq!(body["data"].as_array().unwrap().len(), 2);
        assert_eq!(body["next_cursor"], json!(ids[1].to_string()));
    }

    #[test]
    fn the_last_page_has_no_cursor() {
        let rows = (1..=2).map(|i| (Uuid::from_u128(i), json!(i))).collect();
        let Json(body) = query(None, 2).page(rows);
        assert_eq!(body, json!({ "data": [1, 2], "next_cursor": null }));
    }

    #[test]
    fn cursors_are_checked() {
        assert!(<Uuid as Cursor>::decode("nope").is_err());
        let id = Uuid::now_v7();
        assert_eq!(<Uuid as Cursor>::decode(&id.encode()).unwrap(), id);
    }

    #[test]
    fn first_pages_start_beyond_every_v7_id() {
        let id = Uuid::now_v7();
        assert!(id < query(None, 1).before() && id > query(None, 1).after());
        assert_eq!(query(Some(id), 1).before(), id);
        assert_eq!(query(Some(id), 1).after(), id);
    }
}
