//! The `ip_anonymization` job: masks every stored IP address of one organization older than
//! the retention window (IPv4 to its /24, IPv6 to its /48; `mask_ip` in migration 0026 holds
//! the rule), in batches of its own transactions, so it never holds a long transaction nor
//! rewrites a partition at once. Idempotent (a masked address is never rewritten) and
//! resumable: what a crashed run left is still in the unmasked-address indexes.

mod events;
mod retention;
mod run;
mod targets;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::cron::ScheduledJob;
use crate::permission::Permission;
use crate::queue::{Job, JobContext, JobError};

pub use events::MASK_EVENTS_BATCH;
pub use retention::IpRetention;
pub use targets::{MaskTarget, Masking, TARGETS};

/// An `ip_anonymization` job's payload.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IpAnonymization {
    /// The cron tick that submitted the job (absent for a job submitted by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick: Option<DateTime<Utc>>,
}

impl Job for IpAnonymization {
    const KIND: &'static str = "ip_anonymization";
    const PERMISSION: Option<Permission> = Some(Permission::OpsManage);
    const CONCURRENCY_CAP: Option<usize> = Some(2);

    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        run::run(ctx).await
    }
}

impl ScheduledJob for IpAnonymization {
    const SCHEDULE_ENV: &'static str = "REACHLY_CRON_IP_ANONYMIZATION";
    const DEFAULT_SCHEDULE: &'static str = "0 0 3 * * *";

    fn for_tick(tick: DateTime<Utc>) -> Self {
        Self { tick: Some(tick) }
    }
}
