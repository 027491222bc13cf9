//! The `validate` job: classifies one batch of a list's contacts and, in the same
//! transaction, stores each contact's status and details, one `validation_logs` row per
//! contact, the list's counters and the parent import job's progress. The batch that brings
//! the counters to the list's size marks the list `validated`.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use uuid::Uuid;

use super::payloads::ValidatePayload;
use crate::queue::{Job, JobContext, JobError};
use crate::validate::classify::{DomainVerdict, Status, classify};
use crate::validate::dns::{DomainChecker, VerdictWriter};
use crate::validate::flags::flags;
use crate::validate::rules::rule_results;
use crate::validate::syntax;

/// Reads a batch's contacts: `$1` organization, `$2` list, `$3` first contact id, `$4` the
/// exclusive end ([`ValidatePayload::end`]). Public so a test can check its plan.
pub const LOAD_BATCH: &str = "select c.id, c.email
       from contact_list_members m
       join contacts c on c.organization_id = m.organization_id and c.id = m.contact_id
      where m.organization_id = $1 and m.list_id = $2 and m.contact_id >= $3
        and m.contact_id < $4
      order by c.id";

/// Stores a batch's outcomes on its contacts: `$1` organization, `$2` ids, `$3` statuses,
/// `$4` details, `$5`/`$6` the batch's id range. The range bounds the scan of the primary key:
/// without it (`c.id = any($2)` alone) Postgres, with no statistics on a freshly imported
/// table, read every contact of the organization for each batch, so validating a list took
/// time quadratic in its size. Public so a test can check its plan.
pub const STORE_CONTACTS: &str = "update contacts c
        set validation_status = t.status, validation_details = t.details,
            last_validated_at = now()
       from unnest($2::uuid[], $3::text[], $4::jsonb[]) as t(id, status, details)
      where c.organization_id = $1 and c.id >= $5 and c.id < $6 and c.id = t.id";

/// One contact's outcome, ready to store.
struct Outcome {
    contact: Uuid,
    status: Status,
    details: Value,
    rules: Value,
}

impl Job for ValidatePayload {
    const KIND: &'static str = "validate";
    const CONCURRENCY_CAP: Option<usize> = Some(4);

    /// Runs one attempt of a `validate` batch.
    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        let batch = self;
        let contacts = load(ctx, &batch).await?;
        let parsed: Vec<_> = contacts
            .iter()
            .map(|(_, email)| syntax::parse(email))
            .collect();
        let domains: Vec<String> = parsed
            .iter()
            .filter_map(|p| p.as_ref().ok().map(|e| e.domain().to_owned()))
            .collect();
        let verdicts = check_domains(ctx, &domains).await?;
        let outcomes: Vec<Outcome> = contacts
            .iter()
            .zip(&parsed)
            .map(|((contact, _), syntax)| {
                let domain = syntax.as_ref().ok().and_then(|e| verdicts.get(e.domain()));
                let flags = syntax.as_ref().ok().map(flags);
                let class = classify(syntax, domain, flags.as_ref());
                Outcome {
                    contact: *contact,
                    status: class.status,
                    rules: rule_results(syntax, domain, flags.as_ref(), &class),
                    details: class.details,
                }
            })
            .collect();
        store(ctx, &batch, &outcomes).await
    }
}

async fn load(ctx: &JobContext, batch: &ValidatePayload) -> Result<Vec<(Uuid, String)>, JobError> {
    let mut tx = ctx.begin().await?;
    let rows = sqlx::query_as(LOAD_BATCH)
        .bind(ctx.org())
        .bind(batch.list_id)
        .bind(batch.from)
        .bind(batch.end())
        .fetch_all(&mut **tx)
        .await?;
    tx.commit().await?;
    Ok(rows)
}

/// Domain verdicts through the worker's shared checker (memory, `domain_checks`, DNS). No
/// connection is held while DNS answers: under load a batch waiting on the network would
/// otherwise starve the pool every other job (and the claims) needs.
async fn check_domains(
    ctx: &JobContext,
    domains: &[String],
) -> Result<HashMap<String, DomainVerdict>, JobError> {
    let Some(checker) = ctx.service::<DomainChecker>() else {
        return Err(JobError::retryable(
            "this worker has no DNS checker configured",
        ));
    };
    let mut query = checker.start(domains);
    if query.needs_shared() {
        let mut tx = ctx.begin().await?;
        checker.load_shared(&mut **tx, &mut query).await?;
        tx.commit().await?;
    }
    checker.resolve(&mut query).await;
    // New verdicts go to the shared cache as the maintenance role: tenants only read it.
    if query.has_new()
        && let Some(VerdictWriter(maint)) = ctx.service::<VerdictWriter>()
    {
        let mut tx = maint.pool().begin().await?;
        checker.store_new(&mut *tx, &mut query).await?;
        tx.commit().await?;
    }
    Ok(query.finish())
}

async fn store(
    ctx: &JobContext,
    batch: &ValidatePayload,
    outcomes: &[Outcome],
) -> Result<(), JobError> {
    let org = ctx.org();
    let ids: Vec<Uuid> = outcomes.iter().map(|o| o.contact).collect();
    let statuses: Vec<&str> = outcomes.iter().map(|o| o.status.as_str()).collect();
    let details: Vec<Value> = outcomes.iter().map(|o| o.details.clone()).collect();
    let rules: Vec<Value> = outcomes.iter().map(|o| o.rules.clone()).collect();
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for status in &statuses {
        *counts.entry(status).or_default() += 1;
    }
    let count = |s: Status| counts.get(s.as_str()).copied().unwrap_or(0);

    let mut tx = ctx.begin().await?;
    sqlx::query(STORE_CONTACTS)
        .bind(org)
        .bind(&ids)
        .bind(&statuses)
        .bind(&details)
        .bind(batch.from)
        .bind(batch.end())
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "insert into validation_logs (organization_id, contact_id, list_id, job_run_id,
                                      rule_results, status)
         select $1, t.id, $2, $3, t.rules, t.status
           from unnest($4::uuid[], $5::jsonb[], $6::text[]) as t(id, rules, status)",
    )
    .bind(org)
    .bind(batch.list_id)
    .bind(ctx.job_id())
    .bind(&ids)
    .bind(&rules)
    .bind(&statuses)
    .execute(&mut **tx)
    .await?;
    // Counters and the last batch's finalization in one statement: concurrent batches
    // serialize on the list row, and each sees the others' committed counts. The list's
    // members are its imported rows (`total_rows - duplicates - suppressed - unparseable`,
    // set by the import), so the lock is held for a single-row update, not a count.
    sqlx::query(
        "update contact_lists l
            set valid_count = valid_count + $3, risky_count = risky_count + $4,
                invalid_count = invalid_count + $5, nonexistent_count = nonexistent_count + $6,
                status = case
                    when valid_count + $3 + risky_count + $4 + invalid_count + $5
                         + nonexistent_count + $6
                         >= total_rows - duplicate_count - suppressed_count - unparseable_count
                    then 'validated' else status end
          where organization_id = $1 and id = $2",
    )
    .bind(org)
    .bind(batch.list_id)
    .bind(count(Status::Valid))
    .bind(count(Status::Risky))
    .bind(count(Status::Invalid))
    .bind(count(Status::Nonexistent))
    .execute(&mut **tx)
    .await?;
    ctx.add_parent_progress(&mut tx, outcomes.len() as i64)
        .await?;
    let result = json!({ "batch": batch.batch, "contacts": outcomes.len(), "counts": counts });
    ctx.succeed(tx, result).await
}
