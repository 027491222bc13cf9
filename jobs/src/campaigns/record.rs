//! The simulation a launch recorded (`email_send_simulations`): everything a send batch
//! needs to reproduce its recipients' events exactly, kept so any run can be audited and
//! replayed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::simulate::SimulationConfig;
use crate::tenancy::TenantTx;

/// One campaign's recorded simulation. `seed` has its own column; the rest is the `config`
/// JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimulationRecord {
    #[serde(skip)]
    pub seed: u64,
    /// Origin of the simulated timeline: `sent` events are spread from here.
    pub start_at: DateTime<Utc>,
    /// Whether `risky` addresses were included with `valid` ones.
    pub include_risky: bool,
    /// Recipients per `send` batch.
    pub batch_size: u32,
    /// The simulator's knobs as used (defaults with the launch's overrides applied).
    pub simulator: SimulationConfig,
}

impl SimulationRecord {
    /// Stores the record for `campaign` (one per campaign: a second insert fails).
    pub async fn insert(&self, tx: &mut TenantTx, campaign: Uuid) -> Result<(), sqlx::Error> {
        sqlx::query(
            "insert into email_send_simulations (organization_id, campaign_id, seed, config)
             values ($1, $2, $3, $4)",
        )
        .bind(tx.org())
        .bind(campaign)
        .bind(self.seed as i64)
        .bind(serde_json::to_value(self).expect("a simulation record serializes"))
        .execute(&mut ***tx)
        .await?;
        Ok(())
    }

    /// The record of `campaign`, if it was launched; an unreadable one is an error.
    pub async fn load(tx: &mut TenantTx, campaign: Uuid) -> Result<Option<Self>, sqlx::Error> {
        let row: Option<(i64, serde_json::Value)> = sqlx::query_as(
            "select seed, config from email_send_simulations
              where organization_id = $1 and campaign_id = $2",
        )
        .bind(tx.org())
        .bind(campaign)
        .fetch_optional(&mut ***tx)
        .await?;
        row.map(|(seed, config)| {
            let mut record: SimulationRecord =
                serde_json::from_value(config).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            record.seed = seed as u64;
            Ok(record)
        })
        .transpose()
    }

    /// The last day an event of this simulation can fall on: the send window plus the
    /// longest causal chain of capped delays (delivery, first open, every reopen, click,
    /// repeat clicks, form view and submit, unsubscribe). Event partitions are created up
    /// to it before the first batch runs.
    pub fn horizon(&self) -> DateTime<Utc> {
        let c = &self.simulator;
        let chain = 1 + c.max_reopens as u64 + 1 + c.max_repeat_clicks as u64 + 3;
        let secs = c.send_window_secs + c.delivery_delay_max_secs + c.max_delay_secs * chain as f64;
        self.start_at + chrono::Duration::seconds(secs.ceil().min(3.0e9) as i64)
    }
}
