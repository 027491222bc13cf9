//! The import's fan-out: the list's members split into `validate` batches of contiguous
//! contact ids, submitted in the import's transaction.

use uuid::Uuid;

use crate::lists::payloads::ValidatePayload;
use crate::queue::{JobContext, JobError, NewJob};
use crate::tenancy::TenantTx;

/// Contacts per `validate` batch.
pub const VALIDATE_BATCH: i64 = 1_000;
/// The first contact of every `validate` batch: `$1` organization, `$2` list, `$3` batch
/// size. Public so a test can check its plan.
pub const BATCH_STARTS: &str = "select contact_id from (
         select contact_id, row_number() over (order by contact_id) as n
           from contact_list_members where organization_id = $1 and list_id = $2) m
      where (n - 1) % $3 = 0 order by contact_id";

/// Splits the list's members into `validate` batches (contact id ranges) submitted in this
/// transaction, and moves the list on; returns the number of batches.
pub(super) async fn fan_out(
    tx: &mut TenantTx,
    ctx: &JobContext,
    list: Uuid,
    imported: i64,
) -> Result<usize, JobError> {
    let org = tx.org();
    let starts: Vec<Uuid> = sqlx::query_scalar(BATCH_STARTS)
        .bind(org)
        .bind(list)
        .bind(VALIDATE_BATCH)
        .fetch_all(&mut ***tx)
        .await?;
    let jobs: Vec<NewJob> = starts
        .iter()
        .enumerate()
        .map(|(i, from)| {
            let payload = ValidatePayload {
                list_id: list,
                batch: i as i32,
                from: *from,
                to: starts.get(i + 1).copied(),
            };
            let mut job = NewJob::from(&payload);
            job.dedupe_key = Some(format!("validate:{list}:{i}"));
            job
        })
        .collect();
    let batches = jobs.len();
    ctx.fan_out(tx, jobs, imported).await?;
    Ok(batches)
}
