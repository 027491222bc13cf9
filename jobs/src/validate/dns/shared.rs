//! The cross-worker layer: verdicts shared through the global `domain_checks` table.
//!
//! It exists so a domain resolved by one worker process is not resolved again by the others
//! while its answer is fresh. `domain_checks` has no `organization_id` and no row-level
//! security (a domain's deliverability is the same for every tenant); the functions take the
//! caller's tenant transaction ([`TxConnection`]), so no query runs outside the
//! tenant transaction helper (the validation job uses short ones of its own around the DNS step).
//!
//! Only definitive verdicts are stored ([`DomainVerdict::Unavailable`] is skipped): a
//! temporary failure must not outlive the worker that saw it.
//!
//! Writers never wait on each other: every row is written under a transaction-level advisory
//! lock on its domain taken with `pg_try_advisory_xact_lock`, and a domain whose lock another
//! transaction holds (it is writing the same answer, and will commit it with its batch) is
//! skipped instead of blocking this batch until that one commits.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::{PgConnection, Postgres, Transaction};

use crate::validate::DomainVerdict;
use crate::{MaintDb, TenantTx};

/// The worker's maintenance-role pool, as the validation job's service for the one shared
/// table jobs write: `domain_checks`, the DNS verdicts every tenant reads and no tenant may
/// write (migration 0019). A worker without it leaves new verdicts unshared.
#[derive(Clone, Debug)]
pub struct VerdictWriter(pub MaintDb);

/// What the DNS layer's queries run on: the caller's tenant transaction, given as the
/// [`TenantTx`] itself, its sqlx transaction (`&mut **tx`) or the bare connection. A pool is
/// deliberately not accepted: no query runs outside the tenant transaction helper.
pub trait TxConnection: Send {
    fn connection(&mut self) -> &mut PgConnection;
}

impl TxConnection for PgConnection {
    fn connection(&mut self) -> &mut PgConnection {
        self
    }
}

impl TxConnection for Transaction<'_, Postgres> {
    fn connection(&mut self) -> &mut PgConnection {
        self
    }
}

impl TxConnection for TenantTx {
    fn connection(&mut self) -> &mut PgConnection {
        self
    }
}

/// First key of the advisory locks taken on `domain_checks` rows (the second is
/// `hashtext(domain)`): ASCII "DNS", so it does not collide with other advisory locks.
pub const ADVISORY_LOCK_SPACE: i32 = 0x0044_4E53;

/// A verdict read from `domain_checks`, with the time it has left.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedVerdict {
    pub verdict: DomainVerdict,
    /// Until `expires_at`, measured by the database clock.
    pub remaining: Duration,
}

/// Unexpired verdicts for `domains` (lowercase, as stored). Missing, expired and unreadable
/// rows are simply absent from the map.
pub async fn load_many<C: TxConnection + ?Sized>(
    conn: &mut C,
    domains: &[String],
) -> Result<HashMap<String, SharedVerdict>, sqlx::Error> {
    if domains.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, Option<serde_json::Value>, f64)> = sqlx::query_as(
        "select domain, details,
                extract(epoch from expires_at - statement_timestamp())::float8
           from domain_checks
          where domain = any($1::text[]) and expires_at > statement_timestamp()",
    )
    .bind(domains)
    .fetch_all(conn.connection())
    .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for (domain, details, remaining) in rows {
        let Some(verdict) = details.and_then(|d| serde_json::from_value(d).ok()) else {
            tracing::warn!(%domain, "unreadable domain_checks row ignored");
            continue;
        };
        if matches!(verdict, DomainVerdict::Unavailable { .. }) {
            continue;
        }
        let remaining = Duration::try_from_secs_f64(remaining).unwrap_or_default();
        out.insert(domain, SharedVerdict { verdict, remaining });
    }
    Ok(out)
}

/// Upserts definitive verdicts, each valid for `ttl` from now. Returns how many rows were
/// written (rows skipped: [`DomainVerdict::Unavailable`], domains that are not lowercase
/// ASCII as the table requires, and domains another open transaction is writing right now).
pub async fn store_many<C: TxConnection + ?Sized>(
    conn: &mut C,
    verdicts: &[(String, DomainVerdict)],
    ttl: Duration,
) -> Result<u64, sqlx::Error> {
    let mut rows: Vec<(&str, &DomainVerdict)> = verdicts
        .iter()
        .filter(|(_, v)| !matches!(v, DomainVerdict::Unavailable { .. }))
        // The table requires lowercase; a row it would refuse must not abort the caller's
        // transaction, so such a domain is simply not shared.
        .filter(|(d, _)| {
            !d.is_empty() && d.is_ascii() && !d.bytes().any(|b| b.is_ascii_uppercase())
        })
        .map(|(d, v)| (d.as_str(), v))
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    // One row per domain per statement (ON CONFLICT DO UPDATE refuses duplicates), sorted.
    rows.sort_by(|a, b| a.0.cmp(b.0));
    rows.dedup_by(|a, b| a.0 == b.0);
    let domains: Vec<&str> = rows.iter().map(|(d, _)| *d).collect();
    let statuses: Vec<&str> = rows.iter().map(|(_, v)| v.as_str()).collect();
    let details: Vec<String> = rows
        .iter()
        .map(|(_, v)| serde_json::to_string(v).expect("a verdict serializes"))
        .collect();
    let result = sqlx::query(
        "insert into domain_checks as dc (domain, status, mx_hosts, details, checked_at, expires_at)
         select t.domain, t.status,
                case when t.details::jsonb ? 'mx_hosts'
                     then array(select jsonb_array_elements_text(t.details::jsonb -> 'mx_hosts'))
                end,
                t.details::jsonb,
                statement_timestamp(),
                statement_timestamp() + make_interval(secs => $4)
           from unnest($1::text[], $2::text[], $3::text[]) as t(domain, status, details)
          where pg_try_advisory_xact_lock($5, hashtext(t.domain))
          order by t.domain
         on conflict (domain) do update
            set status = excluded.status,
                mx_hosts = excluded.mx_hosts,
                details = excluded.details,
                checked_at = excluded.checked_at,
                expires_at = excluded.expires_at",
    )
    .bind(&domains)
    .bind(&statuses)
    .bind(&details)
    .bind(ttl.as_secs_f64())
    .bind(ADVISORY_LOCK_SPACE)
    .execute(conn.connection())
    .await?;
    Ok(result.rows_affected())
}
