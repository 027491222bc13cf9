//! Contact lists: the upload's storage, the `import` job that turns an uploaded file into
//! contacts, and the `validate` batch jobs that classify them.

pub mod copy_text;
pub mod delete;
pub mod import_job;
pub mod import_merge;
pub mod payloads;
pub mod reads;
pub mod status;
pub mod upload;
pub mod validate_job;

pub use payloads::{ImportPayload, ValidatePayload};
pub use status::ListStatus;
