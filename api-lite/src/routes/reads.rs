//! The reads every resource shares: `GET /v1/<resources>/{id}` (one JSON row of the member's
//! organization, or a 404 naming it) and `GET /v1/<resources>?cursor=&limit=` (newest first,
//! keyset-paged on the id), each in the member's tenant transaction, described once per
//! resource by a [`Resource`].

use std::str::FromStr;

use axum::Json;
use axum::extract::State;
use axum::routing::{MethodRouter, get};
use reachly_jobs::Permission;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::paging::PageQuery;
use super::path_id::PathId;
use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::state::AppState;

/// The filters a listing reads from its query string beside its page (a status, ...). It
/// exists so a filter is a typed query (a malformed value is a 400) that adds to the
/// statement only the conditions asked for.
pub trait Filter: DeserializeOwned + Send + 'static {
    /// Pushes each condition asked for as `" and <condition>"` with its binds.
    fn push(self, sql: &mut QueryBuilder<Postgres>);
}

/// A listing without filters.
#[derive(Deserialize)]
pub struct NoFilter {}

impl Filter for NoFilter {
    fn push(self, _: &mut QueryBuilder<Postgres>) {}
}

/// How a resource is read. It exists so the listing and the single read of every resource
/// are the same code, and a resource is a table, its JSON and the permission to read it.
pub struct Resource {
    /// What the resource is called in a 404.
    what: &'static str,
    /// The permission that lets a member read it, and another that does too, if any.
    read: [Option<Permission>; 2],
    /// The table and its alias (`"campaigns c"`); the alias qualifies every column.
    table: &'static str,
    /// Conditions every read adds, each starting with `and` (`"and c.deleted_at is null"`).
    visible: &'static str,
    /// One row as JSON, as its single read returns it.
    json: &'static str,
    /// One row as JSON, as listings return it.
    summary: &'static str,
}

impl Resource {
    /// `what`, read from `table` (`"<table> <alias>"`), each row as `json` in its single read
    /// and in listings; every row visible; nobody may read it until [`Self::read_by`].
    pub const fn new(what: &'static str, table: &'static str, json: &'static str) -> Resource {
        Resource {
            what,
            read: [None, None],
            table,
            visible: "",
            json,
            summary: json,
        }
    }

    /// Members with `permission` may read it (a second call adds another that may too).
    pub const fn read_by(self, permission: Permission) -> Resource {
        let read = match self.read {
            [None, _] => [Some(permission), None],
            [first, _] => [first, Some(permission)],
        };
        Resource { read, ..self }
    }

    /// Only rows meeting `conditions` (each starting with `and`) are read.
    pub const fn visible(self, conditions: &'static str) -> Resource {
        Resource {
            visible: conditions,
            ..self
        }
    }

    /// Listings show each row as `summary` (shorter than its single read).
    pub const fn summary(self, summary: &'static str) -> Resource {
        Resource { summary, ..self }
    }

    /// The permissions that let a member read it.
    fn readers(&self) -> Vec<Permission> {
        self.read.iter().flatten().copied().collect()
    }

    /// The table's alias: the last word of `table`.
    fn alias(&self) -> &'static str {
        self.table.rsplit(' ').next().unwrap_or(self.table)
    }
}

impl Resource {
    /// `GET` of one row by the id in the path, read as an `I` (the resource's id type).
    pub fn show<I>(&'static self) -> MethodRouter<AppState>
    where
        I: FromStr + Into<Uuid> + Send + 'static,
    {
        get(
            move |State(state): State<AppState>, member: Member, PathId(id): PathId<I>| async move {
                self.fetch_one(&state, &member, id.into()).await
            },
        )
    }

    /// `GET` of a page of rows, newest first.
    pub fn index(&'static self) -> MethodRouter<AppState> {
        self.index_by::<NoFilter>()
    }

    /// `GET` of a page of rows, newest first, filtered by the query's `F`.
    pub fn index_by<F: Filter>(&'static self) -> MethodRouter<AppState> {
        get(
            move |State(state): State<AppState>,
                  member: Member,
                  ApiQuery(page): ApiQuery<PageQuery>,
                  ApiQuery(filter): ApiQuery<F>| async move {
                self.fetch_page(&state, &member, &page, filter).await
            },
        )
    }

    /// The row `id` of the member's organization.
    async fn fetch_one(
        &self,
        state: &AppState,
        member: &Member,
        id: Uuid,
    ) -> Result<Json<Value>, ApiError> {
        let mut sql = QueryBuilder::new(format!("select {} from {}", self.json, self.table));
        self.scoped(&mut sql, member)
            .push(format!(" and {}.id = ", self.alias()))
            .push_bind(id);
        let mut tx = member.begin_any(state, &self.readers()).await?;
        let row: Option<Value> = sql.build_query_scalar().fetch_optional(&mut **tx).await?;
        tx.commit().await?;
        row.map(Json).ok_or(ApiError::NotFound(self.what))
    }

    /// One page of the member's rows, newest first, with the conditions `filter` adds.
    async fn fetch_page(
        &self,
        state: &AppState,
        member: &Member,
        page: &PageQuery,
        filter: impl Filter,
    ) -> Result<Json<Value>, ApiError> {
        let alias = self.alias();
        let mut sql = QueryBuilder::new(format!(
            "select {alias}.id, {} from {}",
            self.summary, self.table
        ));
        self.scoped(&mut sql, member);
        filter.push(&mut sql);
        sql.push(format!(" and {alias}.id < "))
            .push_bind(page.before())
            .push(format!(" order by {alias}.id desc limit "))
            .push_bind(page.fetch());
        let mut tx = member.begin_any(state, &self.readers()).await?;
        let rows: Vec<(Uuid, Value)> = sql.build_query_as().fetch_all(&mut **tx).await?;
        tx.commit().await?;
        Ok(page.page(rows))
    }

    /// `where` the member's organization and the resource's visible rows.
    fn scoped<'q>(
        &self,
        sql: &'q mut QueryBuilder<Postgres>,
        member: &Member,
    ) -> &'q mut QueryBuilder<Postgres> {
        sql.push(format!(" where {}.organization_id = ", self.alias()))
            .push_bind(member.org)
            .push(format!(" {}", self.visible))
    }
}
