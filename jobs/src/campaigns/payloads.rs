//! The payloads of the campaign jobs.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `launch`: which campaign to start sending (its settings are in `email_send_simulations`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchPayload {
    pub campaign_id: Uuid,
}

/// `send`: one batch of a campaign's recipients: `batch_no` names it, and its assignments are
/// the campaign's between `first_contact` and `last_contact` (inclusive), read by the
/// assignments' primary key. A batch is a run of contiguous contact ids, so the range is
/// exact; an index on the batch number would cost every launch an index entry per recipient.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendPayload {
    pub campaign_id: Uuid,
    pub batch_no: i32,
    pub first_contact: Uuid,
    pub last_contact: Uuid,
}
