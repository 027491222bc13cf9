//! Campaign and lead analytics: the figures dashboards show, read from the rollups for final
//! days and computed live from the events for the rest.

pub mod campaign_metrics;
pub mod campaigns_table;
pub mod figures;
pub mod leads;
pub mod range;
pub mod segments;

pub use figures::{Figures, RollupRow, rates};
pub use range::{DateRange, RangeError};
