//! Figures and rates (`reachly_jobs::analytics::figures`): a campaign's metrics and segments,
//! and the organization's dashboards. The figures' and rates' names come from the engine's
//! own lists ([`FIGURE_NAMES`], [`RATES`]).

use chrono::{DateTime, NaiveDate, Utc};
use reachly_jobs::analytics::figures::{FIGURE_NAMES, RATES};
use serde::Serialize;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;

use super::words;

/// A required `int64` property of each name.
fn counts<'a>(names: impl IntoIterator<Item = &'a str>) -> ObjectBuilder {
    names
        .into_iter()
        .fold(ObjectBuilder::new(), |object, name| {
            object
                .property(
                    name,
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
                )
                .required(name)
        })
}

/// What a campaign did over a span: every figure by name, and `rates`.
#[derive(Serialize)]
pub struct Figures;

impl PartialSchema for Figures {
    fn schema() -> RefOr<Schema> {
        counts(FIGURE_NAMES)
            .description(Some(
                "Figures of a span: unique figures count contacts once over the span; \
                 `late_events` arrived after the span was final and are in no other figure.",
            ))
            .property("rates", Ref::from_schema_name(Rates::name()))
            .required("rates")
            .into()
    }
}

impl ToSchema for Figures {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Rates::name().into(), Rates::schema()));
        <Rates as ToSchema>::schemas(schemas);
    }
}

/// Each rate of the figures, by name.
#[derive(Serialize)]
pub struct Rates;

impl PartialSchema for Rates {
    fn schema() -> RefOr<Schema> {
        RATES
            .iter()
            .fold(ObjectBuilder::new(), |object, (name, _, _)| {
                object
                    .property(*name, Ref::from_schema_name(Rate::name()))
                    .required(*name)
            })
            .into()
    }
}

impl ToSchema for Rates {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Rate::name().into(), Rate::schema()));
        <Rate as ToSchema>::schemas(schemas);
    }
}

/// A rate with its numerator and denominator named; `value` is `null` when the denominator
/// is 0.
#[derive(Serialize, ToSchema)]
pub struct Rate {
    #[schema(required = true)]
    pub value: Option<f64>,
    pub numerator: RateTerm,
    pub denominator: RateTerm,
}

/// One side of a rate: a figure's name and value.
#[derive(Serialize, ToSchema)]
pub struct RateTerm {
    pub name: String,
    pub value: i64,
}

/// Figures that are final (from the nightly rollups) or not yet (counted live).
#[derive(Serialize, ToSchema)]
pub struct FinalFigures {
    #[serde(rename = "final")]
    pub is_final: bool,
    #[serde(flatten)]
    pub figures: Figures,
}

/// One UTC day of a campaign.
#[derive(Serialize, ToSchema)]
pub struct DayFigures {
    pub day: NaiveDate,
    #[serde(rename = "final")]
    pub is_final: bool,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A campaign's figures per UTC day (days with events or leads) and over its whole life.
#[derive(Serialize, ToSchema)]
pub struct CampaignMetrics {
    pub campaign_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: Vec<DayFigures>,
    /// Over the campaign's whole life, each contact counted once (not a sum of days).
    pub totals: FinalFigures,
}

/// A campaign's figures by its recipients' validation status at send time.
#[derive(Serialize, ToSchema)]
pub struct CampaignSegments {
    pub campaign_id: Uuid,
    pub segments: Vec<SegmentFigures>,
}

/// The figures of one segment.
#[derive(Serialize, ToSchema)]
pub struct SegmentFigures {
    pub segment: String,
    pub recipients: i64,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Every campaign started (or, never launched, created) in the range, newest first.
#[derive(Serialize, ToSchema)]
pub struct CampaignsTable {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub campaigns: Vec<CampaignTotals>,
}

/// A campaign and its totals.
#[derive(Serialize, ToSchema)]
pub struct CampaignTotals {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = words::CampaignStatus)]
    pub status: String,
    #[schema(required = true)]
    pub started_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub totals: FinalFigures,
}

/// Leads created in the range by source (`unknown` when a lead has none), and all together.
#[derive(Serialize, ToSchema)]
pub struct LeadsBySource {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub sources: Vec<SourceLeads>,
    pub totals: LeadCounts,
}

/// One source's leads.
#[derive(Serialize, ToSchema)]
pub struct SourceLeads {
    pub source: String,
    #[serde(flatten)]
    pub counts: LeadCounts,
}

/// Leads in all, by status, and the share converted.
#[derive(Serialize, ToSchema)]
pub struct LeadCounts {
    pub leads: i64,
    pub by_status: LeadsByStatus,
    pub conversion_rate: Rate,
}

/// Leads by status, every status named.
#[derive(Serialize)]
pub struct LeadsByStatus;

impl PartialSchema for LeadsByStatus {
    fn schema() -> RefOr<Schema> {
        let statuses = reachly_jobs::campaigns::LeadStatus::ALL
            .iter()
            .map(|s| s.as_str());
        counts(statuses).into()
    }
}

impl ToSchema for LeadsByStatus {}
