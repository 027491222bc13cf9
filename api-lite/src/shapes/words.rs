//! The words of the API's string enums (statuses, types, kinds) as schemas, each taken from
//! the engine's own list of values (`ALL`, the registry), so the document cannot name a value
//! the API does not use or miss one it does.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// Declares each word set: a unit type whose schema is a string enum of `$values`, named as
/// the type, described by its doc comment.
macro_rules! words {
    ($( $(#[doc = $doc:literal])+ $name:ident => $values:expr; )+) => {
        $(
            $(#[doc = $doc])+
            pub struct $name;

            impl utoipa::PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    let values: Vec<String> = $values.map(|v| v.to_string()).collect();
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .description(Some(concat!($($doc),+).trim()))
                        .enum_values(Some(values))
                        .into()
                }
            }

            impl utoipa::ToSchema for $name {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($name))
                }
            }
        )+
    };
}

words! {
    /// Where a job is in its life: `retryable` waits for its next attempt at `run_at`;
    /// `succeeded`, `dead` and `cancelled` are final.
    JobStatus => reachly_jobs::queue::JobStatus::ALL.iter();
    /// A job kind this build runs.
    JobKind => reachly_jobs::kinds::registry().queues().into_iter();
    /// A job kind clients may submit (the others are submitted by the engine).
    SubmittableKind => {
        let registry = reachly_jobs::kinds::registry();
        registry
            .queues()
            .into_iter()
            .filter(move |kind| registry.get(kind).is_some_and(|spec| spec.permission.is_some()))
    };
    /// A contact list's status: `pending → importing → validating → validated`, or `failed`.
    ListStatus => reachly_jobs::lists::ListStatus::ALL.iter();
    /// A contact's validation status: `pending` until classified.
    ValidationStatus => reachly_jobs::validate::ValidationStatus::ALL.iter();
    /// A campaign's status: `draft → scheduled → sending → completed`, or `cancelled` /
    /// `failed`.
    CampaignStatus => reachly_jobs::campaigns::CampaignStatus::ALL.iter();
    /// A lead's status along its pipeline.
    LeadStatus => reachly_jobs::campaigns::LeadStatus::ALL.iter();
    /// Why a job is not running (`GET /v1/jobs/{id}/why`), in the order the engine meets them.
    WaitReasonCode => reachly_jobs::ops::why::REASON_CODES.iter();
    /// Whose jobs a reading covers: the member's organization, or every organization
    /// (platform operators).
    OpsScope => ["organization", "platform"].iter();
    /// What a bulk action does to every job matching its filter.
    BulkAction => ["retry", "cancel"].iter();
    /// A permission a role grants.
    PermissionKey => reachly_jobs::Permission::ALL.iter();
    /// A campaign event's type.
    EventType => reachly_jobs::simulate::EventType::ALL.iter().map(|t| t.as_str());
    /// A form field's type.
    FieldType => reachly_jobs::simulate::FieldType::ALL.iter().map(|t| t.as_str());
    /// What an audit row is about.
    SubjectType => reachly_jobs::audit::SubjectType::ALL.iter();
    /// What a GDPR request asks for.
    GdprRequestType => reachly_jobs::privacy::requests::RequestKind::ALL.iter();
    /// Where a GDPR request stands.
    GdprRequestStatus => reachly_jobs::privacy::requests::RequestStatus::ALL.iter();
}
