//! Where a campaign is in its life (`campaigns.status`).

crate::text_enum! {
    /// A campaign's status: `draft → scheduled → sending → completed`, or `cancelled` /
    /// `failed` (the values of the `campaigns.status` CHECK constraint).
    pub enum CampaignStatus {
        /// Created, not launched.
        Draft,
        /// Launched; its launch job has not assigned the recipients yet.
        Scheduled,
        /// Its send batches are running.
        Sending,
        /// Every send batch is done.
        Completed,
        /// Stopped by a user between batches.
        Cancelled,
        /// The launch could not complete.
        Failed,
    }
}

impl CampaignStatus {
    /// Whether a cancel may stop a campaign in this status.
    pub fn cancellable(self) -> bool {
        matches!(self, CampaignStatus::Scheduled | CampaignStatus::Sending)
    }
}
