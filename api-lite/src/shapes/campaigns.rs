//! `/v1/campaigns`: a campaign (`routes::campaigns::CAMPAIGN_JSON`), its launch and cancel
//! answers, its events and its leads.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::common::{Person, SelfLink};
use super::words;

/// A campaign with its send progress and its launch job (`null` before launch).
#[derive(Serialize, ToSchema)]
pub struct Campaign {
    pub id: Uuid,
    pub name: String,
    #[schema(required = true)]
    pub subject: Option<String>,
    pub from: Sender,
    pub list_id: Uuid,
    pub template_id: Uuid,
    #[schema(required = true)]
    pub form_id: Option<Uuid>,
    #[schema(value_type = words::CampaignStatus)]
    pub status: String,
    #[schema(required = true)]
    pub failure_reason: Option<String>,
    pub include_risky: bool,
    #[schema(required = true)]
    pub scheduled_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub started_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Recipients assigned at launch.
    pub recipients: i64,
    pub batches: Batches,
    /// Send counters by name (`sent`, `delivered`, `opened`, ...); only non-zero ones.
    #[schema(value_type = HashMap<String, i64>)]
    pub counts: Value,
    #[schema(required = true)]
    pub launch_job: Option<LaunchJob>,
}

/// Who a campaign is sent as.
#[derive(Serialize, ToSchema)]
pub struct Sender {
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
}

/// A campaign's send batches.
#[derive(Serialize, ToSchema)]
pub struct Batches {
    pub total: i32,
    pub done: i32,
}

/// A campaign's launch job.
#[derive(Serialize, ToSchema)]
pub struct LaunchJob {
    pub id: Uuid,
    #[schema(value_type = words::JobStatus)]
    pub status: String,
    pub progress_done: i64,
    #[schema(required = true)]
    pub progress_total: Option<i64>,
    #[schema(required = true)]
    pub last_error: Option<String>,
}

/// An accepted launch: the campaign's new status, the simulation it will run (recorded so a
/// send can be replayed) and the launch job.
#[derive(Serialize, ToSchema)]
pub struct Launched {
    pub campaign: CampaignRef,
    pub simulation: Simulation,
    /// The simulator's seed.
    #[schema(minimum = 0)]
    pub seed: u64,
    pub job: LaunchedJob,
}

/// A campaign's id and status.
#[derive(Serialize, ToSchema)]
pub struct CampaignRef {
    pub id: Uuid,
    #[schema(value_type = words::CampaignStatus)]
    pub status: String,
    pub links: SelfLink,
}

/// The launch job, and when it runs.
#[derive(Serialize, ToSchema)]
pub struct LaunchedJob {
    pub id: Uuid,
    #[schema(value_type = words::JobStatus)]
    pub status: String,
    pub run_at: DateTime<Utc>,
    pub links: SelfLink,
}

/// The recorded simulation of a launch.
#[derive(Serialize, ToSchema)]
pub struct Simulation {
    /// Origin of the simulated timeline.
    pub start_at: DateTime<Utc>,
    pub include_risky: bool,
    /// Recipients per send batch.
    pub batch_size: u32,
    /// The simulator's knobs as used: its defaults with the launch's overrides applied.
    #[schema(value_type = HashMap<String, f64>)]
    pub simulator: Value,
}

/// What a launch may ask for; every field is optional (an empty body is `{}`).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Launch {
    /// Start later: the launch job is delayed until then.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Send to `risky` addresses too (by default only `valid` ones).
    #[serde(default)]
    pub include_risky: bool,
    /// Recipients per send batch (default 500).
    #[schema(minimum = 1, maximum = 5000)]
    pub batch_size: Option<u32>,
    /// The simulator's seed (random when absent; recorded either way).
    pub seed: Option<u64>,
    /// Origin of the simulated timeline (default: `scheduled_at`, else now).
    pub start_at: Option<DateTime<Utc>>,
    /// Overrides of the simulator's defaults (rates, delays, window).
    pub simulation: Option<SimulationOverrides>,
}

/// Overrides of the simulator's knobs, each optional; an unknown knob is refused. Rates are
/// fractions in `[0, 1]`, durations seconds; the combination is checked as a whole (a `422`
/// names the knob).
#[derive(Serialize)]
pub struct SimulationOverrides;

impl utoipa::PartialSchema for SimulationOverrides {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
        let knobs = reachly_jobs::simulate::config::SimulationConfig::KNOBS;
        knobs
            .iter()
            .fold(
                ObjectBuilder::new(),
                |object, (name, ty, lowest, highest)| {
                    let ty = if *ty == "u32" {
                        Type::Integer
                    } else {
                        Type::Number
                    };
                    let knob = ObjectBuilder::new()
                        .schema_type(ty)
                        .minimum(Some(*lowest))
                        .maximum(Some(*highest));
                    object.property(*name, knob)
                },
            )
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

impl ToSchema for SimulationOverrides {}

/// A cancelled campaign.
#[derive(Serialize, ToSchema)]
pub struct Cancelled {
    pub campaign: CancelledCampaign,
}

/// A cancelled campaign's id and status (`cancelled`).
#[derive(Serialize, ToSchema)]
pub struct CancelledCampaign {
    pub id: Uuid,
    #[schema(value_type = words::CampaignStatus)]
    pub status: String,
}

/// A campaign event.
#[derive(Serialize, ToSchema)]
pub struct Event {
    pub id: Uuid,
    #[serde(rename = "type")]
    #[schema(value_type = words::EventType)]
    pub event_type: String,
    /// `null` once the contact was erased.
    #[schema(required = true)]
    pub contact_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// What the event carries (a bounce's kind, a click's link, ...).
    #[schema(required = true, value_type = Option<Object>)]
    pub data: Option<Value>,
    /// The recipient's address, masked past the retention window.
    #[schema(required = true)]
    pub ip: Option<String>,
    #[schema(required = true)]
    pub user_agent: Option<String>,
}

/// A lead with its latest form response.
#[derive(Serialize, ToSchema)]
pub struct Lead {
    pub id: Uuid,
    #[schema(value_type = words::LeadStatus)]
    pub status: String,
    #[schema(required = true)]
    pub source: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
    #[serde(flatten)]
    pub person: Person,
    #[schema(required = true)]
    pub contact_id: Option<Uuid>,
    pub form_id: Uuid,
    pub created_at: DateTime<Utc>,
    /// The form's answers by field key.
    #[schema(required = true, value_type = Option<Object>)]
    pub response: Option<Value>,
}

/// A lead that moved along its pipeline.
#[derive(Serialize, ToSchema)]
pub struct LeadMoved {
    pub id: Uuid,
    #[schema(value_type = words::LeadStatus)]
    pub status: String,
    #[schema(value_type = words::LeadStatus)]
    pub previous_status: String,
    pub updated_at: DateTime<Utc>,
}
