//! The `import` job: reads an uploaded list into contacts and fans out `validate` batches.
//!
//! The whole import is one transaction with the job's success mark: the parsed rows are
//! COPY'd into temporary tables, then set-based statements dedupe, drop suppressed
//! addresses, upsert contacts, link them to the list, record unparseable rows and submit the
//! validation batches. A crash or redelivery therefore leaves nothing half-imported, and the
//! counts satisfy `total_rows = imported + duplicates + suppressed + unparseable` exactly.

mod channel_reader;
mod copy_rows;
mod fan_out;
mod pipeline;

use serde_json::json;
use uuid::Uuid;

use self::fan_out::fan_out;
use self::pipeline::parse_into_staging;
use super::import_merge::{STAGING_TABLES, merge};
use super::payloads::ImportPayload;
use super::status::ListStatus;
use crate::permission::Permission;
use crate::privacy::SuppressionKey;
use crate::queue::error_text::stored_error;
use crate::queue::{Job, JobContext, JobError};
use crate::tenancy::TenantTx;

pub use self::fan_out::{BATCH_STARTS, VALIDATE_BATCH};

impl Job for ImportPayload {
    const KIND: &'static str = "import";
    const PERMISSION: Option<Permission> = Some(Permission::ListImport);
    const CONCURRENCY_CAP: Option<usize> = Some(2);

    /// Runs one attempt of an `import` job.
    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        let payload = self;
        let list = payload.list_id;
        let mut tx = ctx.begin().await?;
        let status: Option<ListStatus> = sqlx::query_scalar(
            "select status from contact_lists where organization_id = $1 and id = $2",
        )
        .bind(tx.org())
        .bind(list)
        .fetch_optional(&mut **tx)
        .await?;
        match status {
            None => {
                return Err(JobError::permanent(format!(
                    "contact list {list} not found"
                )));
            }
            Some(ListStatus::Pending | ListStatus::Importing) => {}
            Some(other) => {
                return Err(JobError::permanent(format!(
                    "contact list {list} is already {other}"
                )));
            }
        }
        stage(&mut tx, ctx, list).await?;
        let (summary, upload) = match parse_into_staging(&mut tx, ctx, list).await {
            Ok(read) => read,
            Err(ImportFailure::File(message)) => {
                drop(tx);
                mark_failed(ctx, list, &message).await?;
                return Err(JobError::permanent(message));
            }
            Err(ImportFailure::Job(e)) => return Err(e),
        };
        let key = ctx.service::<SuppressionKey>().cloned().unwrap_or_default();
        let counts = merge(&mut tx, list, &key).await?;
        let batches = fan_out(&mut tx, ctx, list, counts.imported).await?;
        sqlx::query(
            "update contact_lists
                set status = case when $3 = 0 then 'validated' else 'validating' end,
                    total_rows = $4, duplicate_count = $5, suppressed_count = $6,
                    unparseable_count = $7
              where organization_id = $1 and id = $2",
        )
        .bind(ctx.org())
        .bind(list)
        .bind(counts.imported)
        .bind(counts.total_rows)
        .bind(counts.duplicates)
        .bind(counts.suppressed)
        .bind(counts.unparseable)
        .execute(&mut **tx)
        .await?;
        delete_upload(&mut tx, list).await?;
        ctx.succeed(
            tx,
            json!({
                "list_id": list,
                "total_rows": counts.total_rows,
                "imported": counts.imported,
                "duplicates": counts.duplicates,
                "suppressed": counts.suppressed,
                "unparseable": counts.unparseable,
                "validate_batches": batches,
                "file": summary,
                "upload": upload.into_json(),
            }),
        )
        .await
    }
}

/// The file cannot be imported (empty, binary, no email column), or the job failed otherwise.
enum ImportFailure {
    File(String),
    Job(JobError),
}

impl<E: Into<JobError>> From<E> for ImportFailure {
    fn from(e: E) -> Self {
        ImportFailure::Job(e.into())
    }
}

async fn stage(tx: &mut TenantTx, ctx: &JobContext, list: Uuid) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(STAGING_TABLES).execute(&mut ***tx).await?;
    sqlx::query(
        "update contact_lists set status = 'importing' where organization_id = $1 and id = $2",
    )
    .bind(ctx.org())
    .bind(list)
    .execute(&mut ***tx)
    .await?;
    Ok(())
}

/// Marks the list `failed` with the reason a broker is shown (the file's problem).
/// Deletes the uploaded file's chunks: every address of the upload is in them, and no raw
/// file outlives its import (the job's result keeps its size and SHA-256).
async fn delete_upload(tx: &mut TenantTx, list: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("delete from list_upload_chunks where organization_id = $1 and list_id = $2")
        .bind(tx.org())
        .bind(list)
        .execute(&mut ***tx)
        .await
        .map(drop)
}

async fn mark_failed(ctx: &JobContext, list: Uuid, reason: &str) -> Result<(), sqlx::Error> {
    let mut tx = ctx.begin().await?;
    delete_upload(&mut tx, list).await?;
    sqlx::query(
        "update contact_lists set status = 'failed', failure_reason = $3
          where organization_id = $1 and id = $2",
    )
    .bind(ctx.org())
    .bind(list)
    .bind(stored_error(reason))
    .execute(&mut **tx)
    .await?;
    tx.commit().await
}
