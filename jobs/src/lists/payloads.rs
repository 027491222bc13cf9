//! The payloads of the list jobs.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `import`: which uploaded list to read.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportPayload {
    pub list_id: Uuid,
}

/// `validate`: one batch of a list's members, the contact ids in `[from, to)` (`to` absent:
/// to the end).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatePayload {
    pub list_id: Uuid,
    pub batch: i32,
    pub from: Uuid,
    #[serde(default)]
    pub to: Option<Uuid>,
}

impl ValidatePayload {
    /// The exclusive upper bound of the batch's contact ids: `to`, or for the last batch the
    /// all-ones UUID, which no contact id (a UUID v7) can be. A bound that is always a value
    /// lets Postgres use it as an index condition; `($to is null or id < $to)` is not one in a
    /// generic plan, which then scanned the list's members from `from` to the end.
    pub fn end(&self) -> Uuid {
        self.to.unwrap_or(Uuid::max())
    }
}
