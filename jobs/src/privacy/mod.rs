//! What the engine stores about people, declared: the registry of every tenant-table column
//! that can hold personal data and how GDPR erasure and IP anonymization treat it; and the
//! key of the suppression list; GDPR requests.

pub mod person;
pub mod personal_data;
pub mod requests;
pub mod suppression;

pub use personal_data::{Anonymization, Erasure, PersonalColumn, personal_data};
pub use suppression::{SuppressionKey, key_bare_entries};
