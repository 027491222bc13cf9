//! Where a contact list is in its pipeline (`contact_lists.status`).

crate::text_enum! {
    /// A list's status: `pending → importing → validating → validated`, or `failed` (the
    /// values of the `contact_lists.status` CHECK constraint).
    pub enum ListStatus {
        /// Uploaded; its import job has not started.
        Pending,
        /// The import job is reading the file.
        Importing,
        /// Imported; validate batches are classifying its contacts.
        Validating,
        /// Every contact is classified.
        Validated,
        /// The file could not be imported (`failure_reason` says why).
        Failed,
    }
}
