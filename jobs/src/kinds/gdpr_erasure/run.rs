//! One attempt: suppress, wait for running imports, visit every step, verify, complete.

use serde_json::{Map, Value, json};

use super::binds::{BATCH, Binds};
use super::steps::{Effect, ErasureStep, STEPS};
use crate::ids::GdprRequestId;
use crate::privacy::person;
use crate::privacy::requests::{self, RequestKind, Subject};
use crate::privacy::{SuppressionKey, key_bare_entries};
use crate::queue::{JobContext, JobError};
use crate::tenancy::TenantTx;

/// Anonymous counts erasure leaves as they are (the receipt says so).
const KEPT: [&str; 3] = [
    "event_aggregations",
    "campaign_event_totals",
    "campaigns.counts",
];

pub(super) async fn run(request: GdprRequestId, ctx: &JobContext) -> Result<(), JobError> {
    let Some((tx, subject)) = requests::serve(ctx, request, RequestKind::Erasure).await? else {
        return Ok(());
    };
    tx.commit().await?;
    let key = ctx.service::<SuppressionKey>().cloned().unwrap_or_default();
    let newly_suppressed = suppress(ctx, &subject, &key).await?;
    wait_for_imports(ctx).await?;
    let binds = binds_for(ctx, &subject).await?;
    for step in STEPS {
        clear(ctx, request, step, &binds).await?;
    }
    // Looked up again: a lead written with the address meanwhile must be found too.
    verify(ctx, &binds_for(ctx, &subject).await?).await?;
    let mut tx = ctx.begin().await?;
    let receipt = receipt(&mut tx, request, &binds.hash, newly_suppressed).await?;
    requests::complete(&mut tx, request, &receipt).await?;
    ctx.succeed(tx, receipt).await
}

/// Puts the address on the suppression list (reason `gdpr_erasure`) before anything is
/// deleted, so an import from here on counts it `suppressed`; whether it was not there yet.
async fn suppress(
    ctx: &JobContext,
    subject: &Subject,
    key: &SuppressionKey,
) -> Result<bool, JobError> {
    let mut tx = ctx.begin().await?;
    key_bare_entries(&mut tx, key).await?;
    let inserted: bool = sqlx::query_scalar(
        "insert into suppressions (organization_id, email_hash, reason, keyed)
         values ($1, $2, 'gdpr_erasure', true)
         on conflict (organization_id, email_hash) do update set reason = 'gdpr_erasure'
         returning xmax = 0",
    )
    .bind(ctx.org())
    .bind(&subject.hash)
    .fetch_one(&mut **tx)
    .await?;
    tx.commit().await?;
    Ok(inserted)
}

/// Fails the attempt (to be retried after backoff) while an import of the organization still
/// holds its upload: the file may name the person, and its merge may still add them.
async fn wait_for_imports(ctx: &JobContext) -> Result<(), JobError> {
    let mut tx = ctx.begin().await?;
    let running: i64 = sqlx::query_scalar(
        "select count(*) from contact_lists c
          where c.organization_id = $1 and c.status in ('pending', 'importing')
            and exists (select 1 from list_upload_chunks u
                         where u.organization_id = $1 and u.list_id = c.id)",
    )
    .bind(ctx.org())
    .fetch_one(&mut **tx)
    .await?;
    tx.commit().await?;
    if running > 0 {
        return Err(JobError::retryable(format!(
            "waiting for {running} import(s) of the organization to commit"
        )));
    }
    Ok(())
}

/// The statements' parameters for the person as they are now (see `privacy::person`).
async fn binds_for(ctx: &JobContext, subject: &Subject) -> Result<Binds, JobError> {
    let mut tx = ctx.begin().await?;
    let person = person::find(ctx.service(), &mut tx, ctx.org(), &subject.email).await?;
    tx.commit().await?;
    Ok(Binds::new(ctx.org(), person, &subject.email, &subject.hash))
}

/// Runs `step` batch by batch until a batch changes fewer rows than it may, counting each
/// batch into `data_deletions` in the batch's transaction; a per-lead step, for each lead.
async fn clear(
    ctx: &JobContext,
    request: GdprRequestId,
    step: &ErasureStep,
    binds: &Binds,
) -> Result<(), JobError> {
    let statement = step.batch();
    for lead in binds.leads_of(step) {
        loop {
            let mut tx = ctx.begin().await?;
            let changed: i64 = binds.bound(&statement, lead).fetch_one(&mut **tx).await?;
            let (deleted, scrubbed) = match step.effect {
                Effect::Delete => (changed, 0),
                Effect::Scrub(_) | Effect::Function { .. } => (0, changed),
            };
            record(&mut tx, request, step.table, deleted, scrubbed).await?;
            tx.commit().await?;
            if changed < BATCH {
                break;
            }
        }
    }
    Ok(())
}

/// Adds a batch's counts to the request's row for `table`.
async fn record(
    tx: &mut TenantTx,
    request: GdprRequestId,
    table: &str,
    deleted: i64,
    scrubbed: i64,
) -> Result<(), sqlx::Error> {
    let org = tx.org();
    let recorded = sqlx::query(
        "insert into data_deletions as d
                (organization_id, gdpr_request_id, table_name, rows_deleted, rows_scrubbed)
         values ($1, $2, $3, $4, $5)
         on conflict (organization_id, gdpr_request_id, table_name) do update
            set rows_deleted = d.rows_deleted + excluded.rows_deleted,
                rows_scrubbed = d.rows_scrubbed + excluded.rows_scrubbed",
    )
    .bind(org)
    .bind(request)
    .bind(table)
    .bind(deleted)
    .bind(scrubbed);
    recorded.execute(&mut ***tx).await.map(drop)
}

/// Counts what every step would still find: all zero, or the attempt fails (a write raced
/// the erasure) and its retry clears what is left.
async fn verify(ctx: &JobContext, binds: &Binds) -> Result<(), JobError> {
    let mut tx = ctx.begin().await?;
    let mut left = Vec::new();
    for step in STEPS {
        for lead in binds.leads_of(step) {
            let remaining: i64 = binds
                .bound(&step.remaining(), lead)
                .fetch_one(&mut **tx)
                .await?;
            if remaining > 0 {
                left.push(format!("{remaining} in {}", step.table));
            }
        }
    }
    tx.commit().await?;
    if left.is_empty() {
        Ok(())
    } else {
        Err(JobError::retryable(format!(
            "rows written during the erasure remain: {}",
            left.join(", ")
        )))
    }
}

/// The receipt: per table, rows deleted and rows scrubbed (from `data_deletions`), whether
/// the address was newly suppressed, and what was verified. No personal data.
async fn receipt(
    tx: &mut TenantTx,
    request: GdprRequestId,
    hash: &str,
    newly_suppressed: bool,
) -> Result<Value, sqlx::Error> {
    let org = tx.org();
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "select table_name, rows_deleted, rows_scrubbed from data_deletions
          where organization_id = $1 and gdpr_request_id = $2 order by table_name",
    )
    .bind(org)
    .bind(request)
    .fetch_all(&mut ***tx)
    .await?;
    let tables: Map<String, Value> = rows
        .into_iter()
        .map(|(table, deleted, scrubbed)| {
            (table, json!({ "deleted": deleted, "scrubbed": scrubbed }))
        })
        .collect();
    Ok(json!({
        "request_id": request,
        "type": RequestKind::Erasure,
        "subject_hash": hash,
        "tables": tables,
        "suppressed": true,
        "newly_suppressed": newly_suppressed,
        "verified_remaining": 0,
        "kept_anonymous_counts": KEPT,
    }))
}
