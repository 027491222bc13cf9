//! The campaign's side of a launch: it must still be `scheduled` (locked for the launch's
//! transaction), and it moves to `sending` (or straight to `completed` with no recipients).

use uuid::Uuid;

use crate::campaigns::recipients::Assigned;
use crate::campaigns::status::CampaignStatus;
use crate::ids::ListId;
use crate::queue::JobError;
use crate::tenancy::TenantTx;

/// What the launch found when it locked its campaign.
pub(super) enum Launchable {
    Scheduled {
        list: ListId,
    },
    /// Cancelled before the launch ran: nothing to do.
    Cancelled,
}

/// Locks the campaign for the launch's transaction; any state but `scheduled` or
/// `cancelled` is a permanent error.
pub(super) async fn lock_scheduled(
    tx: &mut TenantTx,
    campaign: Uuid,
) -> Result<Launchable, JobError> {
    let row: Option<(CampaignStatus, ListId)> = sqlx::query_as(
        "select status, list_id from campaigns
          where organization_id = $1 and id = $2 for update",
    )
    .bind(tx.org())
    .bind(campaign)
    .fetch_optional(&mut ***tx)
    .await?;
    let Some((status, list)) = row else {
        return Err(JobError::permanent(format!(
            "campaign {campaign} not found"
        )));
    };
    match status {
        CampaignStatus::Scheduled => Ok(Launchable::Scheduled { list }),
        CampaignStatus::Cancelled => Ok(Launchable::Cancelled),
        other => Err(JobError::permanent(format!(
            "campaign {campaign} is {other}, not scheduled"
        ))),
    }
}

/// Moves the campaign to `sending` with its recipient and batch counts (`completed` at once
/// when it has no recipient).
pub(super) async fn start_sending(
    tx: &mut TenantTx,
    campaign: Uuid,
    assigned: &Assigned,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update campaigns
            set status = case when $3 = 0 then 'completed' else 'sending' end,
                started_at = now(), completed_at = case when $3 = 0 then now() end,
                recipient_count = $3, batches_total = $4, batches_done = 0,
                counts = jsonb_build_object('recipients', 0)
          where organization_id = $1 and id = $2",
    )
    .bind(tx.org())
    .bind(campaign)
    .bind(assigned.recipients)
    .bind(assigned.batches.len() as i32)
    .execute(&mut ***tx)
    .await?;
    Ok(())
}
