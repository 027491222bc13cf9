//! Every job kind this build runs: the one place a new kind is registered. A new kind is a
//! folder here (`kinds/<name>/`: the payload type implementing [`Job`](crate::queue::Job)
//! and its logic), its `mod` line and its `.register` line below, and, if clients may submit
//! it, its permission's seed in a migration. The first kinds predate this folder and live
//! with their domain (`noop/`, `lists/`, `campaigns/`).

pub mod event_aggregation;
pub mod gdpr_erasure;
pub mod gdpr_export;
pub mod ip_anonymization;

use crate::campaigns::{LaunchPayload, SendPayload};
use crate::cron::ScheduleSpec;
use crate::lists::{ImportPayload, ValidatePayload};
use crate::noop::NoopPayload;
use crate::queue::Registry;
use event_aggregation::EventAggregation;
use gdpr_erasure::GdprErasure;
use gdpr_export::GdprExport;
use ip_anonymization::IpAnonymization;

/// The registry the worker and the API build once at start.
pub fn registry() -> Registry {
    Registry::default()
        .register::<NoopPayload>()
        .register::<ImportPayload>()
        .register::<ValidatePayload>()
        .register::<LaunchPayload>()
        .register::<SendPayload>()
        .register::<EventAggregation>()
        .register::<IpAnonymization>()
        .register::<GdprExport>()
        .register::<GdprErasure>()
}

/// The kinds cron submits, each with its schedule's variable (read by the worker at start).
pub fn schedules() -> Vec<ScheduleSpec> {
    vec![
        ScheduleSpec::of::<EventAggregation>(),
        ScheduleSpec::of::<IpAnonymization>(),
    ]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::registry;
    use crate::permission::Permission;
    use crate::queue::KindError;

    #[test]
    fn kinds_have_their_own_queues_and_caps() {
        let registry = registry();
        assert_eq!(
            registry.queues(),
            [
                "event_aggregation",
                "gdpr_erasure",
                "gdpr_export",
                "import",
                "ip_anonymization",
                "launch",
                "noop",
                "send",
                "validate"
            ]
        );
        assert_eq!(registry.queue_concurrency("noop", 200), 200);
        assert_eq!(registry.queue_concurrency("validate", 200), 4);
        assert_eq!(registry.queue_concurrency("validate", 2), 2);
    }

    #[test]
    fn clients_submit_only_kinds_with_a_permission_and_a_valid_payload() {
        let registry = registry();
        let (job, permission) = registry
            .job_from_json("noop", json!({"sleep_ms": 5}))
            .unwrap();
        assert_eq!(
            (job.kind().as_str(), permission),
            ("noop", Permission::OpsManage)
        );
        assert_eq!(job.max_attempts, 3);
        assert_eq!(
            registry.job_from_json("validate", json!({})).unwrap_err(),
            KindError::EngineOnly("validate")
        );
        assert_eq!(
            registry.job_from_json("nope", json!({})).unwrap_err(),
            KindError::Unknown("nope".into())
        );
        let KindError::Payload { reason, .. } = registry
            .job_from_json("import", json!({"list_id": 7}))
            .unwrap_err()
        else {
            panic!("a bad payload is a payload error");
        };
        assert!(reason.starts_with("list_id: "), "{reason}");
    }
}
