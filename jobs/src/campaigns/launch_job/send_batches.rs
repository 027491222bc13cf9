//! The launch's fan-out: one `send` job per batch, carrying the batch's range of contacts.

use uuid::Uuid;

use crate::campaigns::payloads::SendPayload;
use crate::campaigns::recipients::Assigned;
use crate::queue::{JobContext, JobError, NewJob};
use crate::tenancy::TenantTx;

/// Submits the campaign's send batches in the launch's transaction; the launch's progress
/// then counts the recipients they send to.
pub(super) async fn fan_out(
    ctx: &JobContext,
    tx: &mut TenantTx,
    campaign: Uuid,
    assigned: &Assigned,
) -> Result<(), JobError> {
    let jobs: Vec<NewJob> = (0_i32..)
        .zip(&assigned.batches)
        .map(|(batch_no, range)| {
            let mut job = NewJob::from(&SendPayload {
                campaign_id: campaign,
                batch_no,
                first_contact: range.first,
                last_contact: range.last,
            });
            job.dedupe_key = Some(format!("send:{campaign}:{batch_no}"));
            job
        })
        .collect();
    ctx.fan_out(tx, jobs, assigned.recipients).await
}
