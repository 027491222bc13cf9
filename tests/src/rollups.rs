//! The event rollups as tests check them: running the `event_aggregation` job through the
//! API, and the same aggregates computed straight from the raw events to compare with.

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::world::ApiWorld;

/// One rollup cell: (day, event type, subtype, count, distinct contacts).
pub type DayCell = (chrono::NaiveDate, String, String, i64, i64);
/// One campaign-wide cell: (event type, subtype, count, distinct contacts).
pub type TotalCell = (String, String, i64, i64);

impl ApiWorld {
    /// Submits an `event_aggregation` job with `payload` as the admin and waits until it
    /// succeeded; the job.
    pub async fn aggregate(&self, payload: Value) -> Value {
        self.run_job("event_aggregation", payload).await
    }
}

/// The campaign's day cells as the rollup holds them (late-only rows left out).
pub async fn rollup_days(maint: &PgPool, campaign: Uuid) -> Vec<DayCell> {
    sqlx::query_as(
        "select day, event_type, subtype, count, unique_contacts from event_aggregations
          where campaign_id = $1 and count > 0 order by 1, 2, 3",
    )
    .bind(campaign)
    .fetch_all(maint)
    .await
    .unwrap()
}

/// The campaign's day cells computed from its raw events now.
pub async fn raw_days(maint: &PgPool, campaign: Uuid) -> Vec<DayCell> {
    sqlx::query_as(
        "select (occurred_at at time zone 'UTC')::date, event_type,
                event_subtype(event_type, event_data), count(*), count(distinct contact_id)
           from events where campaign_id = $1 group by 1, 2, 3 order by 1, 2, 3",
    )
    .bind(campaign)
    .fetch_all(maint)
    .await
    .unwrap()
}

/// The campaign's totals as the rollup holds them.
pub async fn rollup_totals(maint: &PgPool, campaign: Uuid) -> Vec<TotalCell> {
    sqlx::query_as(
        "select event_type, subtype, count, unique_contacts from campaign_event_totals
          where campaign_id = $1 and count > 0 order by 1, 2",
    )
    .bind(campaign)
    .fetch_all(maint)
    .await
    .unwrap()
}

/// The campaign's totals computed from its raw events now.
pub async fn raw_totals(maint: &PgPool, campaign: Uuid) -> Vec<TotalCell> {
    sqlx::query_as(
        "select event_type, event_subtype(event_type, event_data), count(*),
                count(distinct contact_id)
           from events where campaign_id = $1 group by 1, 2 order by 1, 2",
    )
    .bind(campaign)
    .fetch_all(maint)
    .await
    .unwrap()
}

/// The figure the metrics API must show under `name` for `cells` (one day's, or the totals').
pub fn expected_figure(cells: &[TotalCell], name: &str) -> i64 {
    let sum = |event_type: &str, subtype: Option<&str>, unique: bool| -> i64 {
        cells
            .iter()
            .filter(|(t, s, _, _)| t == event_type && subtype.is_none_or(|want| s == want))
            .map(|(_, _, count, contacts)| if unique { *contacts } else { *count })
            .sum()
    };
    match name {
        "sent" => sum("sent", None, false),
        "delivered" => sum("delivered", None, false),
        "bounces_hard" => sum("bounce", Some("hard"), false),
        "bounces_soft" => sum("bounce", Some("soft"), false),
        "opens_unique_human" => sum("open", Some("human"), true),
        "opens_total" => sum("open", None, false),
        "opens_machine" => sum("open", Some("machine"), false),
        "clicks_unique" => sum("click", None, true),
        "clicks_total" => sum("click", None, false),
        "unsubscribes" => sum("unsubscribe", None, false),
        "complaints" => sum("complaint", None, false),
        "form_views" => sum("form_view", None, false),
        "form_submits" => sum("form_submit", None, false),
        other => panic!("no expected value for {other}"),
    }
}

/// The figures compared with the raw events: all but `leads` (from the leads table) and
/// `late_events` (counted apart).
pub fn event_figures() -> impl Iterator<Item = &'static str> {
    reachly_jobs::analytics::figures::FIGURE_NAMES
        .into_iter()
        .filter(|name| !matches!(*name, "leads" | "late_events"))
}
