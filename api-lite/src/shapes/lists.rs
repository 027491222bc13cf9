//! `/v1/contact-lists`: a list (`routes::lists::LISTS`' JSON), the upload's answer, a list's
//! contacts and its unparseable rows.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::common::{Person, SelfLink};
use super::jobs::JobRef;
use super::words;

/// A contact list as listings show it: its status and counts.
#[derive(Serialize, ToSchema)]
pub struct ListSummary {
    pub id: Uuid,
    pub name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    #[schema(value_type = words::ListStatus)]
    pub status: String,
    /// Why the import failed (`failed` lists).
    #[schema(required = true)]
    pub failure_reason: Option<String>,
    #[schema(required = true)]
    pub source_filename: Option<String>,
    pub total_rows: i64,
    pub valid_count: i64,
    pub risky_count: i64,
    pub invalid_count: i64,
    pub nonexistent_count: i64,
    pub duplicate_count: i64,
    pub suppressed_count: i64,
    pub unparseable_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One contact list: its summary and its latest import job's progress.
#[derive(Serialize, ToSchema)]
pub struct List {
    #[serde(flatten)]
    pub summary: ListSummary,
    #[schema(required = true)]
    pub import_job: Option<ImportJob>,
}

/// The import job of a list.
#[derive(Serialize, ToSchema)]
pub struct ImportJob {
    pub id: Uuid,
    #[schema(value_type = words::JobStatus)]
    pub status: String,
    pub progress_done: i64,
    #[schema(required = true)]
    pub progress_total: Option<i64>,
}

/// An accepted upload: the new list (`pending`) and its `import` job.
#[derive(Serialize, ToSchema)]
pub struct ListUploaded {
    pub list: UploadedList,
    pub job: JobRef,
}

/// The list an upload created.
#[derive(Serialize, ToSchema)]
pub struct UploadedList {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = words::ListStatus)]
    pub status: String,
    /// The size of the file, in bytes.
    pub bytes: i64,
    pub links: SelfLink,
}

/// The multipart body of an upload.
#[derive(ToSchema)]
pub struct ListUpload {
    /// The list's name (required, at most 200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// At most 2,000 characters.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// The CSV file (at most `REACHLY_UPLOAD_LIMIT_BYTES`, default 100 MB); its file name is
    /// kept as `source_filename`.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// A contact of a list, with its validation details.
#[derive(Serialize, ToSchema)]
pub struct Contact {
    pub id: Uuid,
    pub email: String,
    #[serde(flatten)]
    pub person: Person,
    #[schema(required = true)]
    pub company: Option<String>,
    /// The CSV's other columns, by header.
    #[schema(value_type = Object)]
    pub custom_fields: Value,
    #[schema(value_type = words::ValidationStatus)]
    pub validation_status: String,
    /// What the validation found (`risk_score`, `reasons`, `did_you_mean`, ...).
    #[schema(required = true, value_type = Option<Object>)]
    pub validation_details: Option<Value>,
    #[schema(required = true)]
    pub last_validated_at: Option<DateTime<Utc>>,
}

/// A row of the file that could not be imported.
#[derive(Serialize, ToSchema)]
pub struct ImportError {
    /// Its line number in the file.
    pub line: i32,
    /// The line as read (may be cut).
    #[schema(required = true)]
    pub raw: Option<String>,
    pub reason: String,
}
