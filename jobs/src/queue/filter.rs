//! Which jobs an operator means: the filter of the jobs listing, of its bulk actions and of
//! the dashboard, one type so "every job matching the current filter" is exactly what the
//! listing showed.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::record::JobStatus;

/// Conditions on `job_runs` (alias `j`), each optional; all given must hold.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct JobFilter {
    pub kind: Option<String>,
    pub status: Option<JobStatus>,
    /// Submitted at or after.
    pub from: Option<DateTime<Utc>>,
    /// Submitted before.
    pub to: Option<DateTime<Utc>>,
    pub id: Option<Uuid>,
    pub dedupe_key: Option<String>,
}

impl JobFilter {
    /// Pushes `" and <condition>"` for each condition given. Times bound the id too (ids are
    /// UUID v7, ordered by creation), so a time window is a range of the listing index.
    pub fn push(&self, sql: &mut QueryBuilder<Postgres>) {
        if let Some(kind) = &self.kind {
            sql.push(" and j.kind = ").push_bind(kind.clone());
        }
        if let Some(status) = self.status {
            sql.push(" and j.status = ").push_bind(status);
        }
        if let Some(from) = self.from {
            sql.push(" and j.created_at >= ").push_bind(from);
            sql.push(" and j.id >= ").push_bind(v7_floor(from));
        }
        if let Some(to) = self.to {
            sql.push(" and j.created_at < ").push_bind(to);
        }
        if let Some(id) = self.id {
            sql.push(" and j.id = ").push_bind(id);
        }
        if let Some(key) = &self.dedupe_key {
            sql.push(" and j.dedupe_key = ").push_bind(key.clone());
        }
    }
}

/// The smallest UUID v7 of a time: every id created at or after it is not smaller. A job
/// whose row was written a little before its `created_at` (the same transaction) still
/// passes: the UUID's clock is the client's, at most milliseconds off, and `created_at` is
/// checked too; the floor is taken a minute earlier to be safe.
fn v7_floor(at: DateTime<Utc>) -> Uuid {
    let millis = (at.timestamp_millis() - 60_000).max(0) as u64;
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6] = 0x70;
    bytes[8] = 0x80;
    Uuid::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_orders_before_every_id_made_since() {
        let now = Utc::now();
        let id = Uuid::now_v7();
        assert!(v7_floor(now) < id);
        assert!(v7_floor(now + chrono::Duration::minutes(2)) > id);
        assert_eq!(v7_floor(now).get_version_num(), 7);
    }

    #[test]
    fn only_the_conditions_given_are_pushed() {
        let mut sql = QueryBuilder::new("select 1 from job_runs j where true");
        JobFilter::default().push(&mut sql);
        assert_eq!(sql.sql().as_str(), "select 1 from job_runs j where true");
        let filter = JobFilter {
            kind: Some("noop".into()),
            status: Some(JobStatus::Dead),
            ..JobFilter::default()
        };
        let mut sql = QueryBuilder::new("w");
        filter.push(&mut sql);
        assert_eq!(sql.sql().as_str(), "w and j.kind = $1 and j.status = $2");
    }
}
