//! `/v1/email-templates` and `/v1/forms`: what campaigns are made of (`routes::templates`'
//! and `routes::forms`' JSON).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::words;

/// An email template as listings show it (without its bodies).
#[derive(Serialize, ToSchema)]
pub struct TemplateSummary {
    pub id: Uuid,
    pub name: String,
    #[schema(required = true)]
    pub subject: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An email template, with its bodies as sent.
#[derive(Serialize, ToSchema)]
pub struct Template {
    #[serde(flatten)]
    pub summary: TemplateSummary,
    #[schema(required = true)]
    pub html_body: Option<String>,
    #[schema(required = true)]
    pub text_body: Option<String>,
}

/// A landing-page form with its fields in position order.
#[derive(Serialize, ToSchema)]
pub struct Form {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub fields: Vec<FormField>,
}

/// A field of a form.
#[derive(Serialize, ToSchema)]
pub struct FormField {
    pub id: Uuid,
    pub key: String,
    pub label: String,
    #[schema(value_type = words::FieldType)]
    pub field_type: String,
    pub required: bool,
    /// The choices of a `select` field; `null` for any other type.
    #[schema(required = true)]
    pub options: Option<Vec<String>>,
    pub position: i32,
}
