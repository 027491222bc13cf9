//! Where a lead is in the broker's follow-up (`leads.status`).

crate::text_enum! {
    /// A lead's status (the values of the `leads.status` CHECK constraint); a form
    /// submission creates it `new`.
    pub enum LeadStatus {
        New = "new",
        Contacted = "contacted",
        Qualified = "qualified",
        Converted = "converted",
        Lost = "lost",
    }
}
