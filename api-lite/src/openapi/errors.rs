//! The error responses of the document: the error shape (`shapes::common::Error`) once, and
//! one response component per status that references it, which operations list with their
//! statuses (`(status = 404, response = NotFound)`), plus [`Authed`] for the two every `/v1`
//! route can answer.

use std::collections::BTreeMap;

use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, ToResponse};

/// Declares each error response: a unit type whose response component, named as the type,
/// is the error shape with the doc comment as its description.
macro_rules! error_responses {
    ($( $(#[doc = $doc:literal])+ $name:ident; )+) => {
        $(
            $(#[doc = $doc])+
            pub struct $name;

            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), error_response(concat!($($doc),+).trim()))
                }
            }
        )+
    };
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
    BadRequest;
    /// No token, or a token that is invalid, expired, not yet valid or lives too long, or
    /// whose user is not a member of its organization.
    Unauthorized;
    /// The member's role lacks the permission, or the membership is not active.
    Forbidden;
    /// Nothing of this organization has this id.
    NotFound;
    /// The path exists but not with this method (the `Allow` header lists those it has).
    MethodNotAllowed;
    /// The resource is not in a state that allows this.
    Conflict;
    /// It was there and has expired.
    Gone;
    /// The body is larger than accepted.
    PayloadTooLarge;
    /// A well-formed body (or filter) that fails a check: the message names the field.
    Unprocessable;
    /// Postgres or Redis does not answer.
    Unavailable;
}

/// The responses of every authenticated route: `401` and `403`.
pub struct Authed;

impl IntoResponses for Authed {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        [
            ("401", Unauthorized::response()),
            ("403", Forbidden::response()),
        ]
        .into_iter()
        .map(|(status, (name, _))| {
            let reference = Ref::new(format!("#/components/responses/{name}"));
            (status.to_owned(), RefOr::Ref(reference))
        })
        .collect()
    }
}

/// Every response component, for the document's `components`.
pub fn components() -> Vec<(&'static str, RefOr<Response>)> {
    vec![
        BadRequest::response(),
        Unauthorized::response(),
        Forbidden::response(),
        NotFound::response(),
        MethodNotAllowed::response(),
        Conflict::response(),
        Gone::response(),
        PayloadTooLarge::response(),
        Unprocessable::response(),
        Unavailable::response(),
    ]
}
