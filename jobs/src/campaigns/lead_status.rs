//! Where a lead is in the broker's follow-up (`leads.status`).

crate::text_enum! {
    /// A lead's status (the values of the `leads.status` CHECK constraint); a form
    /// submission creates it `new`.
    pub enum LeadStatus {
        New,
        Contacted,
        Qualified,
        Converted,
        Lost,
    }
}

impl LeadStatus {
    /// Whether a lead may move from this status to `next`: `new → contacted | qualified |
    /// lost`, `contacted → qualified | lost`, `qualified → converted | lost`; `converted` and
    /// `lost` are final.
    pub fn can_become(self, next: LeadStatus) -> bool {
        use LeadStatus::*;
        matches!(
            (self, next),
            (New, Contacted | Qualified | Lost)
                | (Contacted, Qualified | Lost)
                | (Qualified, Converted | Lost)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::LeadStatus::{self, *};

    #[test]
    fn the_pipeline_moves_forward_and_ends_at_converted_or_lost() {
        let allowed: Vec<(LeadStatus, LeadStatus)> = LeadStatus::ALL
            .iter()
            .flat_map(|&from| LeadStatus::ALL.iter().map(move |&to| (from, to)))
            .filter(|(from, to)| from.can_become(*to))
            .collect();
        assert_eq!(
            allowed,
            [
                (New, Contacted),
                (New, Qualified),
                (New, Lost),
                (Contacted, Qualified),
                (Contacted, Lost),
                (Qualified, Converted),
                (Qualified, Lost),
            ]
        );
    }
}
