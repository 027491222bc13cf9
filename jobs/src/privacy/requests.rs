//! GDPR requests (`gdpr_requests`): opened by the API with the job that serves them, moved
//! `pending → running → completed | failed` by that job, and, once completed, holding no
//! address: only the keyed hash of it and the receipt.

use serde_json::{Value, json};

use super::suppression::SuppressionKey;
use crate::ids::GdprRequestId;
use crate::queue::{JobContext, JobError};
use crate::tenancy::TenantTx;
use crate::validate::NormalizedEmail;

crate::text_enum! {
    /// What a request asks for (`gdpr_requests.kind`, `type` in the API).
    pub enum RequestKind {
        /// A document of everything the organization holds about the person.
        Export,
        /// Removing the person from every table.
        Erasure,
    }
}

crate::text_enum! {
    /// Where a request stands (`gdpr_requests.status`).
    pub enum RequestStatus {
        /// Accepted; its job has not started.
        Pending,
        /// Its job is working on it.
        Running,
        /// Done: the receipt is in `result`, the address is gone from the row.
        Completed,
        /// Its job died or was cancelled (the address stays, so a retry can serve it).
        Failed,
    }
}

/// The person a request is about, as its job reads them: the address in the form contacts
/// are matched by (`lower(email)`), and its keyed hash (as suppressions store it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub request: GdprRequestId,
    /// `lower(address)`: what `contacts_org_email_lower_key` and `leads_org_email_lower_idx`
    /// are keyed by.
    pub email: String,
    /// `suppression_hash(email, key)`, lowercase hex.
    pub hash: String,
}

/// Opens a request of `kind` about `email` by `user`, in `tx` (which also submits its job):
/// the address is kept until completion, beside its keyed hash.
pub async fn open_request(
    tx: &mut TenantTx,
    kind: RequestKind,
    email: &NormalizedEmail,
    key: &SuppressionKey,
    user: uuid::Uuid,
) -> Result<GdprRequestId, sqlx::Error> {
    let org = tx.org();
    sqlx::query_scalar(
        "insert into gdpr_requests (organization_id, kind, subject_email, subject_email_hash,
                                    requested_by)
         values ($1, $2, $3, suppression_hash($3, $4), $5)
         returning id",
    )
    .bind(org)
    .bind(kind)
    .bind(email.dedupe_key())
    .bind(key.bytes())
    .bind(user)
    .fetch_one(&mut ***tx)
    .await
}

/// Records that `job` serves `request` (written in the transaction that submitted it).
pub async fn attach_job(
    tx: &mut TenantTx,
    request: GdprRequestId,
    job: uuid::Uuid,
) -> Result<(), sqlx::Error> {
    let org = tx.org();
    let attached = sqlx::query(
        "update gdpr_requests set job_run_id = $3 where organization_id = $1 and id = $2",
    )
    .bind(org)
    .bind(request)
    .bind(job);
    attached.execute(&mut ***tx).await.map(drop)
}

/// Marks `request` running (a retried job revives a failed one) and reads its subject;
/// `None` when it is already completed (a redelivered job has nothing left to do) or names
/// no request of the organization.
async fn start(
    tx: &mut TenantTx,
    request: GdprRequestId,
    kind: RequestKind,
) -> Result<Option<Subject>, sqlx::Error> {
    let org = tx.org();
    let row: Option<(String, String)> = sqlx::query_as(
        "update gdpr_requests set status = 'running', completed_at = null,
                result = case when status = 'failed' then null else result end
          where organization_id = $1 and id = $2 and kind = $3 and status <> 'completed'
            and subject_email is not null
         returning subject_email, subject_email_hash",
    )
    .bind(org)
    .bind(request)
    .bind(kind)
    .fetch_optional(&mut ***tx)
    .await?;
    Ok(row.map(|(email, hash)| Subject {
        request,
        email,
        hash,
    }))
}

/// Starts serving `request` (of `kind`) in a transaction of the job's: that transaction and
/// the request's subject; or `None` once the job is recorded as succeeded because the request
/// was already completed (a redelivered job) or names none of the organization's.
pub async fn serve(
    ctx: &JobContext,
    request: GdprRequestId,
    kind: RequestKind,
) -> Result<Option<(TenantTx, Subject)>, JobError> {
    let mut tx = ctx.begin().await?;
    match start(&mut tx, request, kind).await? {
        Some(subject) => Ok(Some((tx, subject))),
        None => {
            let done = json!({ "request_id": request, "already_completed": true });
            ctx.succeed(tx, done).await?;
            Ok(None)
        }
    }
}

/// Completes `request` with `receipt`, in `tx` (the job's success): from here on the row
/// holds no address.
pub async fn complete(
    tx: &mut TenantTx,
    request: GdprRequestId,
    receipt: &Value,
) -> Result<(), sqlx::Error> {
    let org = tx.org();
    let completed = sqlx::query(
        "update gdpr_requests
            set status = 'completed', subject_email = null, result = $3, completed_at = now()
          where organization_id = $1 and id = $2",
    )
    .bind(org)
    .bind(request)
    .bind(receipt);
    completed.execute(&mut ***tx).await.map(drop)
}
