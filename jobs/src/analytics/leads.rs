//! Leads by source and status over a range of creation dates, with each source's conversion
//! rate (the seed's LeadSourceMetrics).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::range::DateRange;
use crate::campaigns::LeadStatus;
use crate::tenancy::TenantTx;

/// One source's leads, by status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceLeads {
    pub by_status: BTreeMap<&'static str, i64>,
}

impl SourceLeads {
    pub fn total(&self) -> i64 {
        self.by_status.values().sum()
    }

    /// `{leads, by_status: {new, contacted, …}, conversion_rate: {value, numerator,
    /// denominator}}`: converted leads over all the source's leads.
    pub fn to_json(&self) -> Map<String, Value> {
        let by_status: Map<String, Value> = LeadStatus::ALL
            .iter()
            .map(|s| {
                let n = self.by_status.get(s.as_str()).copied().unwrap_or(0);
                (s.as_str().to_string(), json!(n))
            })
            .collect();
        let (converted, total) = (
            self.by_status.get("converted").copied().unwrap_or(0),
            self.total(),
        );
        let mut out = Map::new();
        out.insert("leads".into(), json!(total));
        out.insert("by_status".into(), Value::Object(by_status));
        out.insert(
            "conversion_rate".into(),
            json!({
                "value": (total > 0).then(|| converted as f64 / total as f64),
                "numerator": {"name": "converted", "value": converted},
                "denominator": {"name": "leads", "value": total},
            }),
        );
        out
    }
}

/// Leads created in `range` per source (`unknown` when a lead has none), and all together.
pub async fn leads_by_source(
    tx: &mut TenantTx,
    range: DateRange,
) -> Result<(BTreeMap<String, SourceLeads>, SourceLeads), sqlx::Error> {
    let (from, to) = range.bounds();
    let rows: Vec<(String, LeadStatus, i64)> = sqlx::query_as(
        "select coalesce(source, 'unknown'), status, count(*) from leads
          where organization_id = $1 and deleted_at is null
            and created_at >= $2 and created_at < $3
          group by 1, 2",
    )
    .bind(tx.org())
    .bind(from)
    .bind(to)
    .fetch_all(&mut ***tx)
    .await?;
    let mut sources: BTreeMap<String, SourceLeads> = BTreeMap::new();
    let mut all = SourceLeads::default();
    for (source, status, n) in rows {
        *sources
            .entry(source)
            .or_default()
            .by_status
            .entry(status.as_str())
            .or_default() += n;
        *all.by_status.entry(status.as_str()).or_default() += n;
    }
    Ok((sources, all))
}
