//! Where Postgres' time goes during the send: at every poll, the bench database's backends
//! that are busy (`active`, or `idle in transaction` while a job computes between two
//! statements) are counted by role, wait event (`CPU` when not waiting) and the head of the
//! statement they run (or last ran). Only a superuser
//! (or `pg_read_all_stats`) sees other roles' states, so this connects as
//! `$REACHLY_PG_SUPERUSER` (default `postgres`, the role scripts/services.sh bootstraps with)
//! and, when that is refused, says so and samples nothing.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::PgPool;

use crate::db::BenchDb;

/// The sampler: a one-connection pool as the superuser, when one is reachable.
#[derive(Debug)]
pub struct WaitSampler {
    pool: Option<PgPool>,
    samples: u64,
    counts: BTreeMap<String, u64>,
}

/// What the samples add up to: for each `role state | statement`, the average number of
/// backends in it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WaitProfile {
    pub samples: u64,
    pub avg_backends: BTreeMap<String, f64>,
}

impl WaitSampler {
    /// Connects to `db` as the superuser; a sampler that samples nothing if it cannot.
    pub async fn connect(db: &BenchDb) -> WaitSampler {
        let pool = match superuser_url(&db.owner_url) {
            Ok(url) => reachly_jobs::db::connect(&url, 1).await.map_err(Into::into),
            Err(e) => Err(e),
        };
        let pool = match pool {
            Ok(pool) => Some(pool),
            Err(e) => {
                eprintln!("[bench] no wait-event profile (no superuser connection: {e})");
                None
            }
        };
        WaitSampler {
            pool,
            samples: 0,
            counts: BTreeMap::new(),
        }
    }

    /// A sampler that samples nothing (for runs outside the measurement, like a warm-up).
    pub fn disabled() -> WaitSampler {
        WaitSampler {
            pool: None,
            samples: 0,
            counts: BTreeMap::new(),
        }
    }

    /// Counts the busy backends once (errors are ignored: a profile, not a measurement).
    pub async fn sample(&mut self) {
        let Some(pool) = &self.pool else { return };
        let rows: Result<Vec<(String, i64)>, _> = sqlx::query_as(
            "select replace(usename::text, 'reachly_', '') || ' '
                    || case when state = 'active'
                            then coalesce(wait_event_type || ':' || wait_event, 'CPU')
                            else 'idle-in-tx' end
                    || ' | ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 50),
                    count(*)
               from pg_stat_activity
              where datname = current_database() and pid <> pg_backend_pid()
                and state in ('active', 'idle in transaction')
              group by 1",
        )
        .fetch_all(pool)
        .await;
        if let Ok(rows) = rows {
            self.samples += 1;
            for (state, n) in rows {
                *self.counts.entry(state).or_default() += n as u64;
            }
        }
    }

    pub fn profile(&self) -> WaitProfile {
        let samples = self.samples.max(1) as f64;
        WaitProfile {
            samples: self.samples,
            avg_backends: self
                .counts
                .iter()
                .map(|(k, v)| (k.clone(), (*v as f64 / samples * 100.0).round() / 100.0))
                .collect(),
        }
    }

    pub async fn close(self) {
        if let Some(pool) = self.pool {
            pool.close().await;
        }
    }
}

impl WaitProfile {
    /// The `n` busiest entries, busiest first.
    pub fn top(&self, n: usize) -> Vec<(String, f64)> {
        let mut all: Vec<(String, f64)> = self
            .avg_backends
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1));
        all.truncate(n);
        all
    }

    /// Prints the `n` busiest entries under a heading.
    pub fn print(&self, n: usize) {
        println!(
            "busy postgres backends (average over {} samples; role, wait, statement):",
            self.samples
        );
        for (what, avg) in self.top(n) {
            println!("  {avg:>6.2}  {what}");
        }
    }

    /// The summary's JSON form.
    pub fn summary(&self, n: usize) -> serde_json::Value {
        serde_json::json!({ "samples": self.samples, "top": self.top(n) })
    }
}

/// `owner_url` with the superuser's name (and `$PGPASSWORD`, if set) instead of the owner's.
fn superuser_url(owner_url: &str) -> anyhow::Result<String> {
    let mut url = reqwest::Url::parse(owner_url)?;
    let user = std::env::var("REACHLY_PG_SUPERUSER").unwrap_or_else(|_| "postgres".into());
    let password = std::env::var("PGPASSWORD").ok();
    url.set_username(&user)
        .and_then(|()| url.set_password(password.as_deref()))
        .map_err(|()| anyhow::anyhow!("cannot set the user of {owner_url}"))?;
    Ok(url.into())
}
