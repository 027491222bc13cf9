//! Deleting a contact list: the list, its memberships, upload chunks, import errors and
//! validation logs go; its contacts stay (they are the organization's, maybe in other
//! lists). Refused while work on the list is unfinished or a campaign refers to it.

use uuid::Uuid;

use super::status::ListStatus;
use crate::campaigns::CampaignStatus;
use crate::ids::ListId;
use crate::tenancy::TenantTx;

/// What a deleted list was, for the audit trail: no names, only its state and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedList {
    pub status: ListStatus,
    pub total_rows: i64,
    pub members: i64,
}

/// Why a list was not deleted.
#[derive(Debug, thiserror::Error)]
pub enum DeleteListError {
    #[error("contact list not found")]
    NotFound,
    #[error(
        "the list is still being imported or validated (status {status}, {jobs} unfinished \
         job(s)); cancel its import job or wait until it is done"
    )]
    Busy { status: ListStatus, jobs: i64 },
    #[error("campaign {campaign} ({status}) sends to this list; cancel it first")]
    Sending {
        campaign: Uuid,
        status: CampaignStatus,
    },
    #[error(
        "{campaigns} campaign(s) refer to this list (for example {campaign}); a list a \
         campaign was made on is kept with it"
    )]
    UsedByCampaigns { campaigns: i64, campaign: Uuid },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Deletes `list` in `tx` (the organization's transaction). The list's row is locked first,
/// so an import starting, or a campaign being created on it, waits for this transaction and
/// then finds no list.
pub async fn delete_list(tx: &mut TenantTx, list: ListId) -> Result<DeletedList, DeleteListError> {
    let row: Option<(ListStatus, i64)> = sqlx::query_as(
        "select status, total_rows from contact_lists
          where organization_id = $1 and id = $2 and deleted_at is null
          for update",
    )
    .bind(tx.org())
    .bind(list)
    .fetch_optional(&mut ***tx)
    .await?;
    let (status, total_rows) = row.ok_or(DeleteListError::NotFound)?;
    let jobs: i64 = sqlx::query_scalar(
        "select count(*) from job_runs
          where organization_id = $1 and status in ('queued', 'running', 'retryable')
            and kind in ('import', 'validate') and payload ->> 'list_id' = $2::text",
    )
    .bind(tx.org())
    .bind(list)
    .fetch_one(&mut ***tx)
    .await?;
    let unfinished = matches!(
        status,
        ListStatus::Pending | ListStatus::Importing | ListStatus::Validating
    );
    if unfinished || jobs > 0 {
        return Err(DeleteListError::Busy { status, jobs });
    }
    refuse_if_used(tx, list).await?;
    let members: i64 = sqlx::query_scalar(
        "with gone as (
             delete from contact_list_members where organization_id = $1 and list_id = $2 returning 1)
         select count(*) from gone",
    )
    .bind(tx.org())
    .bind(list)
    .fetch_one(&mut ***tx)
    .await?;
    sqlx::query("delete from contact_lists where organization_id = $1 and id = $2")
        .bind(tx.org())
        .bind(list)
        .execute(&mut ***tx)
        .await?;
    Ok(DeletedList {
        status,
        total_rows,
        members,
    })
}

/// Refuses a list that any campaign refers to (the campaigns' foreign key would refuse its
/// deletion anyway), naming a scheduled or sending one first.
async fn refuse_if_used(tx: &mut TenantTx, list: ListId) -> Result<(), DeleteListError> {
    let used: Option<(i64, Uuid, CampaignStatus)> = sqlx::query_as(
        "select count(*) over (), id, status from campaigns
          where organization_id = $1 and list_id = $2
          order by status in ('scheduled', 'sending') desc, id desc
          limit 1",
    )
    .bind(tx.org())
    .bind(list)
    .fetch_optional(&mut ***tx)
    .await?;
    match used {
        None => Ok(()),
        Some((_, campaign, status)) if status.cancellable() => {
            Err(DeleteListError::Sending { campaign, status })
        }
        Some((campaigns, campaign, _)) => Err(DeleteListError::UsedByCampaigns {
            campaigns,
            campaign,
        }),
    }
}
