//! Where a contact list is in its pipeline (`contact_lists.status`).

crate::text_enum! {
    /// A list's status: `pending → importing → validating → validated`, or `failed` (the
    /// values of the `contact_lists.status` CHECK constraint).
    pub enum ListStatus {
        /// Uploaded; its import job has not started.
        Pending = "pending",
        /// The import job is reading the file.
        Importing = "importing",
        /// Imported; validate batches are classifying its contacts.
        Validating = "validating",
        /// Every contact is classified.
        Validated = "validated",
        /// The file could not be imported (`failure_reason` says why).
        Failed = "failed",
    }
}
