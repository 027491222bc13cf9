//! A light Postgres profile: what the bench database's active backends are doing, sampled
//! from pg_stat_activity at each poll (CPU when no wait event is set).

use std::collections::BTreeMap;

/// Samples accumulated over a run: `"<wait_event_type>:<wait_event>"` (or `"CPU"`) -> count.
#[derive(Debug, Default, Clone)]
pub struct PgWaits {
    pub polls: u64,
    pub counts: BTreeMap<String, u64>,
}

impl PgWaits {
    /// Adds one sample of every non-idle backend except the sampling one.
    pub async fn sample(&mut self, maint: &sqlx::PgPool) -> Result<(), sqlx::Error> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "select coalesce(wait_event_type || ':' || wait_event, 'CPU'), count(*)
               from pg_stat_activity
              where datname = current_database() and state <> 'idle' and pid <> pg_backend_pid()
              group by 1",
        )
        .fetch_all(maint)
        .await?;
        self.polls += 1;
        for (what, n) in rows {
            *self.counts.entry(what).or_default() += n as u64;
        }
        Ok(())
    }

    /// Average number of backends in each state per sample, largest first.
    pub fn averages(&self) -> Vec<(String, f64)> {
        let polls = self.polls.max(1) as f64;
        let mut out: Vec<(String, f64)> = self
            .counts
            .iter()
            .map(|(k, v)| (k.clone(), (*v as f64 / polls * 100.0).round() / 100.0))
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }
}
