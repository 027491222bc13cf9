//! The document covers the router: every `/v1` path and method the router serves is
//! documented, and everything documented is served.
//!
//! axum does not list a router's routes, but its `Debug` output carries each route's path
//! and the methods of its `Allow` header: [`served`] reads them from there (and fails loudly
//! if a new axum prints them differently).

use std::collections::BTreeSet;

use super::DOCUMENT;

/// (method, path) of every route of the router, `HEAD` left out (axum answers it for `GET`).
fn served() -> BTreeSet<(String, String)> {
    let text = format!("{:?}", crate::routes::routes(1024));
    let (routes, node) = text
        .split_once("node: Node { paths: {")
        .expect("axum's Router debug output shows its paths");
    // The map ends at the quote that closes its last path (a path may hold `{` and `}`).
    let node = node.split_once("\"}").map_or(node, |(paths, _)| paths);
    let mut served = BTreeSet::new();
    for entry in node.split("RouteId(").skip(1) {
        let (id, rest) = entry.split_once("): \"").expect("RouteId(n): \"path\"");
        let path = rest.split('"').next().expect("a quoted path");
        if path.contains("__private__axum") {
            continue;
        }
        let endpoint = routes
            .split(&format!("RouteId({id}): "))
            .nth(1)
            .unwrap_or_else(|| panic!("no endpoint for {path} in {routes}"));
        let allow = endpoint
            .split_once("allow_header: Bytes(b\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(methods, _)| methods)
            .unwrap_or_else(|| panic!("the methods of {path} are not listed: {endpoint:.300}"));
        for method in allow.split(',').filter(|m| *m != "HEAD") {
            served.insert((method.to_owned(), path.to_owned()));
        }
    }
    assert!(served.len() > 10, "too few routes read from {text:.500}");
    served
}

/// (method, path) of every operation of the document.
fn documented() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(&*DOCUMENT).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch", "options", "trace"] {
            if item.get(method).is_some() {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    documented
}

fn lines(routes: &BTreeSet<(String, String)>) -> String {
    let lines: Vec<String> = routes.iter().map(|(m, p)| format!("  {m} {p}")).collect();
    lines.join("\n")
}

#[test]
fn every_route_is_documented_and_every_documented_route_is_served() {
    let (served, documented) = (served(), documented());
    let undocumented: BTreeSet<_> = served
        .difference(&documented)
        .filter(|(_, path)| path.starts_with("/v1/") || path == "/v1")
        .cloned()
        .collect();
    assert!(
        undocumented.is_empty(),
        "served but missing from the OpenAPI document:\n{}\nannotate each handler with \
         #[utoipa::path(...)] and add it to ApiDoc's paths(...) in api-lite/src/openapi/mod.rs",
        lines(&undocumented)
    );
    let unserved: BTreeSet<_> = documented.difference(&served).cloned().collect();
    assert!(
        unserved.is_empty(),
        "in the OpenAPI document but not served by the router:\n{}",
        lines(&unserved)
    );
}

#[test]
fn the_document_is_openapi_3_1_with_unique_operation_ids_and_the_bearer_scheme() {
    let doc = serde_json::to_value(&*DOCUMENT).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(doc["security"][0]["bearer"], serde_json::json!([]));
    let mut ids = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            let id = operation["operationId"].as_str().unwrap().to_owned();
            assert!(ids.insert(id.clone()), "operationId {id} twice");
        }
    }
    // Every error response is the one error shape.
    for (name, response) in doc["components"]["responses"].as_object().unwrap() {
        let schema = &response["content"]["application/json"]["schema"]["$ref"];
        assert_eq!(schema, "#/components/schemas/Error", "{name}");
    }
}

/// The error codes the document lists are the ones the API writes.
#[test]
fn the_error_codes_are_the_apis() {
    let doc = serde_json::to_value(&*DOCUMENT).unwrap();
    let codes = &doc["components"]["schemas"]["ErrorCode"]["enum"];
    for code in [
        "bad_request",
        "not_found",
        "unprocessable",
        "gone",
        "payload_too_large",
    ] {
        assert!(codes.as_array().unwrap().contains(&code.into()), "{code}");
    }
}
