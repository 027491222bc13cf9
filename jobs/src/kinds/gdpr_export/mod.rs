//! The `gdpr_export` job: gathers everything one organization holds about one person (a
//! GDPR request's subject) into a JSON document, stored in `gdpr_exports` for download until
//! it expires. Submitted only by `POST /v1/gdpr/requests`.

mod document;
mod run;
mod ttl;

use serde::{Deserialize, Serialize};

use crate::ids::GdprRequestId;
use crate::queue::{Job, JobContext, JobError};

pub use document::{DOCUMENT, delete_expired_exports};
pub use ttl::ExportTtl;

/// A `gdpr_export` job's payload: only the request's id (the address stays in the request
/// row until completion, never in the job).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GdprExport {
    pub request_id: GdprRequestId,
}

impl Job for GdprExport {
    const KIND: &'static str = "gdpr_export";
    const CONCURRENCY_CAP: Option<usize> = Some(2);

    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        run::run(self.request_id, ctx).await
    }
}
