//! The error responses of the document: the error shape (`shapes::common::Error`) once, and
//! one response component per status that references it. An operation lists them by name in
//! its `responses(...)`, one (`Conflict`) or a group ([`RefusedOrNotFound`]: 400, 401, 403,
//! 404), each under its status.

use std::collections::BTreeMap;

use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, ToResponse};

/// Declares each error response: a unit type whose response component, named as the type,
/// is the error shape with the doc comment as its description, listed in an operation's
/// `responses(...)` by its name alone (an [`IntoResponses`] of its one status).
macro_rules! error_responses {
    ($( $(#[doc = $doc:literal])+ $name:ident = $status:literal; )+) => {
        $(
            $(#[doc = $doc])+
            pub struct $name;

            impl $name {
                pub const STATUS: &'static str = stringify!($status);
            }

            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), error_response(concat!($($doc),+).trim()))
                }
            }

            impl IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<Response>> {
                    referenced([($name::STATUS, stringify!($name))])
                }
            }
        )+

        /// Every response component, for the document's `components`.
        pub fn components() -> Vec<(&'static str, RefOr<Response>)> {
            vec![$($name::response()),+]
        }
    };
}

/// Declares each group of error responses an operation lists by the group's name.
macro_rules! error_groups {
    ($( $(#[doc = $doc:literal])+ $group:ident = [$($error:ident),+]; )+) => {
        $(
            $(#[doc = $doc])+
            pub struct $group;

            impl IntoResponses for $group {
                fn responses() -> BTreeMap<String, RefOr<Response>> {
                    referenced([$(($error::STATUS, stringify!($error))),+])
                }
            }
        )+
    };
}

/// Each (status, component name) as a reference to the component.
fn referenced<const N: usize>(errors: [(&str, &str); N]) -> BTreeMap<String, RefOr<Response>> {
    errors
        .into_iter()
        .map(|(status, name)| {
            let reference = Ref::new(format!("#/components/responses/{name}"));
            (status.to_owned(), RefOr::Ref(reference))
        })
        .collect()
}

fn error_response(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Error")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build()
        .into()
}

error_responses! {
    /// Malformed: an id in the path that is not a UUID, a query parameter that does not parse
    /// (a `cursor` no page returned, a `limit` that is not a number, a status outside its
    /// values), a body that is not JSON.
    BadRequest = 400;
    /// No token, or a token that is invalid, expired, not yet valid or lives too long, or
    /// whose user is not a member of its organization.
    Unauthorized = 401;
    /// The member's role lacks the permission, or the membership is not active.
    Forbidden = 403;
    /// Nothing of this organization has this id.
    NotFound = 404;
    /// The path exists but not with this method (the `Allow` header lists those it has).
    MethodNotAllowed = 405;
    /// The resource is not in a state that allows this.
    Conflict = 409;
    /// It was there and has expired.
    Gone = 410;
    /// The body is larger than accepted.
    PayloadTooLarge = 413;
    /// A well-formed body (or filter) that fails a check: the message names the field.
    Unprocessable = 422;
    /// Postgres or Redis does not answer.
    Unavailable = 503;
}

error_groups! {
    /// What any `/v1` route may answer: malformed, no valid token, not permitted.
    Refused = [BadRequest, Unauthorized, Forbidden];
    /// What a `/v1` route on one resource may answer: [`Refused`], or no such resource.
    RefusedOrNotFound = [BadRequest, Unauthorized, Forbidden, NotFound];
    /// What a body may be refused for besides: too large, or failing a check.
    BodyRefused = [PayloadTooLarge, Unprocessable];
}
