//! `/v1/gdpr/requests`: a request (`routes::gdpr::REQUEST_JSON`) and the answer to opening
//! one. A request never shows the address it is about.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::common::SelfLink;
use super::words;

/// A GDPR export or erasure request.
#[derive(Serialize, ToSchema)]
pub struct GdprRequest {
    pub id: Uuid,
    #[serde(rename = "type")]
    #[schema(value_type = words::GdprRequestType)]
    pub kind: String,
    #[schema(value_type = words::GdprRequestStatus)]
    pub status: String,
    #[schema(required = true)]
    pub requested_by: Option<Uuid>,
    #[schema(required = true)]
    pub job_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    #[schema(required = true)]
    pub completed_at: Option<DateTime<Utc>>,
    /// What was exported or erased, once `completed`.
    #[schema(required = true, value_type = Option<Object>)]
    pub receipt: Option<Value>,
    /// Why it failed, once `failed`.
    #[schema(required = true)]
    pub error: Option<String>,
    /// The export while it can be downloaded.
    #[schema(required = true)]
    pub export: Option<GdprExport>,
    pub links: SelfLink,
}

/// A finished export waiting for its download.
#[derive(Serialize, ToSchema)]
pub struct GdprExport {
    pub bytes: i64,
    pub expires_at: DateTime<Utc>,
    /// Where to download it.
    pub download: String,
}

/// An opened request and the job that serves it.
#[derive(Serialize, ToSchema)]
pub struct GdprRequested {
    pub request: GdprRequest,
    pub job: GdprJob,
}

/// The job serving a request.
#[derive(Serialize, ToSchema)]
pub struct GdprJob {
    pub id: Uuid,
    #[schema(value_type = words::JobKind)]
    pub kind: String,
    #[schema(value_type = words::JobStatus)]
    pub status: String,
    pub links: SelfLink,
}
