//! The payloads of the campaign jobs.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// `launch`: which campaign to start sending (its settings are in `email_send_simulations`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchPayload {
    pub campaign_id: Uuid,
}

/// `send`: one batch of a campaign's recipients (`campaign_contact_assignments.batch_no`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendPayload {
    pub campaign_id: Uuid,
    pub batch_no: i32,
}

impl LaunchPayload {
    pub fn parse(payload: &Value) -> Result<Self, String> {
        serde_json::from_value(payload.clone()).map_err(|e| e.to_string())
    }
}

impl SendPayload {
    pub fn parse(payload: &Value) -> Result<Self, String> {
        serde_json::from_value(payload.clone()).map_err(|e| e.to_string())
    }
}
