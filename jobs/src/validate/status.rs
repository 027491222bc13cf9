//! The validation status stored on a contact (`contacts.validation_status`).

use super::classify::Status;

crate::text_enum! {
    /// A contact's validation status: `pending` until a validate batch classifies it, then
    /// what the classification said (the values of the `contacts.validation_status` CHECK
    /// constraint).
    pub enum ValidationStatus {
        /// Not classified yet.
        Pending,
        /// Deliverable as far as we can tell without sending.
        Valid,
        /// Probably deliverable but with a warning.
        Risky,
        /// Cannot receive mail.
        Invalid,
        /// The domain does not exist.
        Nonexistent,
    }
}

impl From<Status> for ValidationStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Valid => ValidationStatus::Valid,
            Status::Risky => ValidationStatus::Risky,
            Status::Invalid => ValidationStatus::Invalid,
            Status::Nonexistent => ValidationStatus::Nonexistent,
        }
    }
}
