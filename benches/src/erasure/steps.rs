//! Where the erasure's time goes: what one attempt of `reachly_jobs::kinds::gdpr_erasure` runs,
//! for one more person, as the job runs it (the application role, in a tenant transaction, the
//! same parameters) but in one transaction that is rolled back, each statement timed: the
//! person's lookup (`reachly_jobs::privacy::person::find` through the maintenance-role pool,
//! as the worker's `PersonFinder` does), every step's `.batch()` once (a per-lead step once
//! per lead), the lookup again, then the verification's `remaining()` counts. The job's own
//! time beyond their sum is its transactions: one per batch with its `data_deletions` row and
//! commit, the suppression, the request's start and completion.

use std::time::Instant;

use reachly_jobs::kinds::gdpr_erasure::{Binds, ErasureStep, STEPS};
use reachly_jobs::privacy::person::{self, Person as Found, PersonFinder};
use reachly_jobs::{AppDb, MaintDb, OrgId, TenantTx};
use uuid::Uuid;

use super::generate::Person;
use crate::db::BenchDb;

/// What `$5` is bound to: no export to find.
const DUMMY_HASH: &str = "not-a-hash";

/// One statement's time and what it returned (rows changed; for the verification, rows left;
/// for a lookup, the contact and leads found).
#[derive(Debug, Clone)]
pub struct StepTime {
    pub what: String,
    pub seconds: f64,
    pub rows: i64,
}

/// Runs and times the statements for `person`, then rolls everything back.
pub async fn time(db: &BenchDb, org: Uuid, person: &Person) -> anyhow::Result<Vec<StepTime>> {
    let app = AppDb::connect(&db.app_url, 1).await?;
    let finder = PersonFinder(MaintDb::connect(&db.maint_url, 1).await?);
    let mut tx = app.tenant(OrgId(org)).await?;
    // A first pass, rolled back to a savepoint, so the timed one runs on connections that
    // have planned these statements once and cached the catalog, as a worker's have.
    sqlx::raw_sql("savepoint cold").execute(&mut **tx).await?;
    run_all(&finder, &mut tx, person).await?;
    sqlx::raw_sql("rollback to savepoint cold")
        .execute(&mut **tx)
        .await?;
    let times = run_all(&finder, &mut tx, person).await?;
    tx.rollback().await?;
    Ok(times)
}

/// The lookup, every step's batch once per `$7` in order, the lookup again, the
/// verification, each timed.
async fn run_all(
    finder: &PersonFinder,
    tx: &mut TenantTx,
    person: &Person,
) -> anyhow::Result<Vec<StepTime>> {
    let mut times = Vec::new();
    let (found, lookup) = find(finder, tx, &person.email, "person lookup").await?;
    times.push(lookup);
    // The subject's keyed hash (`$5`, read only by the `gdpr_exports` step, which finds
    // nothing here) is a dummy.
    let binds = Binds::new(tx.org(), found, &person.email, DUMMY_HASH);
    for step in STEPS {
        let statement = step.batch();
        let leads = binds.leads_of(step);
        for (i, lead) in leads.iter().enumerate() {
            let started = Instant::now();
            let rows: i64 = binds.bound(&statement, *lead).fetch_one(&mut ***tx).await?;
            times.push(StepTime {
                what: label(step, i, leads.len()),
                seconds: started.elapsed().as_secs_f64(),
                rows,
            });
        }
    }
    // The job looks the person up again before verifying; the maintenance pool does not see
    // this transaction's deletions, so the counts are bound to what the job's lookup finds
    // after they commit: the person as this transaction sees them now (looked up here, a scan
    // under row-level security, untimed).
    let (_, lookup) = find(finder, tx, &person.email, "person lookup again").await?;
    times.push(lookup);
    let org = tx.org();
    let after = person::find(None, tx, org, &person.email).await?;
    let binds = Binds::new(org, after, &person.email, DUMMY_HASH);
    let (mut seconds, mut left, mut counts) = (0.0, 0, 0);
    for step in STEPS {
        let statement = step.remaining();
        for lead in binds.leads_of(step) {
            let started = Instant::now();
            let n: i64 = binds.bound(&statement, lead).fetch_one(&mut ***tx).await?;
            seconds += started.elapsed().as_secs_f64();
            left += n;
            counts += 1;
        }
    }
    times.push(StepTime {
        what: format!("verify ({counts} remaining counts)"),
        seconds,
        rows: left,
    });
    Ok(times)
}

/// `person::find` through the maintenance-role pool, timed; its row count is the contact and
/// the leads found.
async fn find(
    finder: &PersonFinder,
    tx: &mut TenantTx,
    email: &str,
    what: &str,
) -> anyhow::Result<(Found, StepTime)> {
    let org = tx.org();
    let started = Instant::now();
    let found = person::find(Some(finder), tx, org, email).await?;
    let seconds = started.elapsed().as_secs_f64();
    let rows = i64::from(found.contact.is_some()) + found.leads.len() as i64;
    let what = format!("{what} (maintenance role)");
    Ok((
        found,
        StepTime {
            what,
            seconds,
            rows,
        },
    ))
}

/// The step's table, its condition when the table has several steps, and which lead.
fn label(step: &ErasureStep, lead: usize, leads: usize) -> String {
    let mut what = step.table.to_owned();
    if STEPS.iter().filter(|s| s.table == step.table).count() > 1 {
        what = format!("{what} ({})", step.matches.trim());
    }
    if step.per_lead() {
        what = format!("{what}, lead {}/{leads}", lead + 1);
    }
    what
}
