//! The OpenAPI 3.1 document, generated from the routes' `#[utoipa::path]` annotations and the
//! types of their bodies (`crate::shapes` for what they answer), served as `GET
//! /openapi.json`, with a plain HTML rendering at `GET /docs` (no script, no CDN).
//!
//! **Documenting a route**: annotate its handler with `#[utoipa::path(...)]` (a route served
//! by a generic [`crate::routes::reads::Resource`] read or create gets an annotated doc-only
//! `fn`, like `routes::forms::show_doc`), then add the handler's path to [`ApiDoc`]'s
//! `paths(...)` below: one line. `tests::every_route_is_documented` fails, naming the route,
//! when the router serves a path or method the document lacks, or the other way round.

pub mod errors;
mod html;

use std::sync::LazyLock;

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::PathItem;
use utoipa::openapi::schema::{Object, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use crate::routes;
use crate::shapes::common::Error;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Reachly jobs API",
        description = "The background job engine of Reachly: submit jobs and follow them, \
            import and validate contact lists, run simulated campaigns and read their events, \
            leads and analytics, audit, GDPR export and erasure.\n\n\
            Every `/v1` route needs a bearer token (HS256 JWT: `sub` user, `org` organization, \
            `exp`) and the permission its description names. Errors are \
            `{\"error\": {\"code\", \"message\"}}` with 400, 401, 403, 404, 405, 409, 410, \
            413 or 422. Listings page with `?cursor=&limit=` (`next_cursor` is `null` on the \
            last page)."
    ),
    paths(
        routes::health::healthz,
        routes::health::readyz,
        routes::metrics::scrape,
        openapi_json,
        docs,
        routes::jobs::create,
        routes::jobs::list,
        routes::jobs::create_batch,
        routes::jobs::show,
        routes::jobs::cancel_doc,
        routes::jobs::retry_doc,
        routes::jobs::run_now_doc,
        routes::job_actions::why_waiting,
        routes::job_actions::bulk,
        routes::ops::queue_overview,
        routes::ops::throughput,
        routes::ops::pause_doc,
        routes::ops::resume_doc,
        routes::ops_platform::workers,
        routes::ops_platform::schedules,
        routes::ops_page::me,
        routes::lists::upload,
        routes::lists::index_doc,
        routes::lists::show_doc,
        routes::list_delete::delete,
        routes::lists::contacts,
        routes::lists::errors,
        routes::export::export,
        routes::templates::create_doc,
        routes::templates::index_doc,
        routes::templates::show_doc,
        routes::forms::create_doc,
        routes::forms::index_doc,
        routes::forms::show_doc,
        routes::campaigns::create_doc,
        routes::campaigns::index_doc,
        routes::campaigns::show_doc,
        routes::campaign_launch::launch_campaign,
        routes::campaign_launch::cancel_campaign,
        routes::campaign_events::index,
        routes::campaign_leads::index,
        routes::lead_export::export,
        routes::campaign_metrics::metrics,
        routes::campaign_metrics::segments,
        routes::analytics::campaigns,
        routes::analytics::leads,
        routes::leads::update,
        routes::audit_logs::index_doc,
        routes::gdpr::create,
        routes::gdpr::index_doc,
        routes::gdpr::show_doc,
        routes::gdpr_download::download,
    ),
    modifiers(&Components),
    security(("bearer" = [])),
    tags(
        (name = "jobs", description = "Submit jobs and follow them"),
        (name = "contact lists", description = "Upload, validate, read and export contact lists"),
        (name = "email templates", description = "What campaigns send"),
        (name = "forms", description = "Landing-page forms whose submissions become leads"),
        (name = "campaigns", description = "Simulated sends, their events and leads"),
        (name = "leads", description = "The follow-up of leads"),
        (name = "analytics", description = "Figures and rates"),
        (name = "audit", description = "The audit trail"),
        (name = "gdpr", description = "Export and erasure of one person"),
        (name = "ops", description = "What the ops dashboard reads and the queue pauses"),
        (name = "health", description = "Liveness, readiness, metrics and this document"),
    )
)]
pub struct ApiDoc;

/// What the annotations do not declare: the bearer scheme, the error shape and the error
/// responses every operation refers to, and what follows from each operation's method and
/// path (see [`operations`]).
struct Components;

impl Modify for Components {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            operations(path, item);
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "HS256, signed with the server's `REACHLY_JWT_SECRET`; \
                         `reachly-api token` mints one.",
                    ))
                    .build(),
            ),
        );
        let mut schemas = vec![(Error::name().into_owned(), Error::schema())];
        <Error as ToSchema>::schemas(&mut schemas);
        components.schemas.extend(schemas);
        for (name, response) in errors::components() {
            components.responses.insert(name.to_owned(), response);
        }
    }
}

/// Each operation of `item` (at `path`) gets its `operationId` from its method and path
/// (`post_jobs_by_id_cancel`: unique, as method and path are, and nothing to keep in step),
/// and a body declared as `Option<T>` becomes what it means: a `T` that may be left out
/// (not a `null`, which the API refuses).
fn operations(path: &str, item: &mut PathItem) {
    let name: Vec<String> = path
        .trim_start_matches("/v1")
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| match segment.strip_prefix('{') {
            Some(param) => format!("by_{}", param.trim_end_matches('}')),
            None => segment.replace(['-', '.'], "_"),
        })
        .collect();
    let methods = [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("patch", &mut item.patch),
    ];
    for (method, operation) in methods {
        let Some(operation) = operation else { continue };
        operation.operation_id = Some(format!("{method}_{}", name.join("_")));
        for content in operation
            .request_body
            .iter_mut()
            .flat_map(|b| b.content.values_mut())
        {
            if let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema {
                let null = RefOr::T(Schema::Object(Object::with_type(Type::Null)));
                if let [first, body] = one_of.items.as_slice()
                    && serde_json::to_value(first).ok() == serde_json::to_value(&null).ok()
                {
                    content.schema = Some(body.clone());
                }
            }
        }
    }
}

/// The document as served (built once).
pub static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

/// `/openapi.json` and `/docs`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(docs))
}

/// This document
///
/// The OpenAPI 3.1 document of the API.
#[utoipa::path(get, path = "/openapi.json", tag = "health", security(()),
    responses((status = 200, description = "The document", body = Object)))]
async fn openapi_json() -> impl IntoResponse {
    static JSON: LazyLock<String> =
        LazyLock::new(|| DOCUMENT.to_json().expect("the document serializes"));
    ([(header::CONTENT_TYPE, "application/json")], JSON.as_str())
}

/// This document, for people
///
/// The document rendered as one HTML page (no script, nothing fetched from elsewhere).
#[utoipa::path(get, path = "/docs", tag = "health", security(()),
    responses((status = 200, description = "The page", content_type = "text/html", body = String)))]
async fn docs() -> Html<&'static str> {
    static PAGE: LazyLock<String> = LazyLock::new(|| html::render(&DOCUMENT));
    Html(PAGE.as_str())
}

#[cfg(test)]
mod tests;
