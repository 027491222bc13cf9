//! How long a GDPR export stays downloadable (`REACHLY_GDPR_EXPORT_TTL_HOURS`).

use chrono::Duration;

/// The export's lifetime: after it, the download answers `410` and the nightly run deletes
/// the document. The worker injects it as a service; a job without one uses the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportTtl {
    pub hours: u32,
}

impl ExportTtl {
    /// Longest lifetime accepted: 30 days (an export holds a person's IP addresses as
    /// stored, so it must not outlive them by much).
    pub const MAX_HOURS: u32 = 720;

    /// A lifetime of `hours`, checked (1 to [`ExportTtl::MAX_HOURS`]).
    pub fn hours(hours: u32) -> Result<Self, String> {
        if (1..=Self::MAX_HOURS).contains(&hours) {
            Ok(Self { hours })
        } else {
            let max = Self::MAX_HOURS;
            Err(format!("must be between 1 and {max} hours (got {hours})"))
        }
    }

    pub fn lifetime(&self) -> Duration {
        Duration::hours(i64::from(self.hours))
    }
}

impl Default for ExportTtl {
    /// A week.
    fn default() -> Self {
        Self { hours: 168 }
    }
}

#[cfg(test)]
mod tests {
    use super::ExportTtl;

    #[test]
    fn lifetimes_are_one_hour_to_thirty_days() {
        assert_eq!(ExportTtl::default().lifetime().num_days(), 7);
        assert!(ExportTtl::hours(1).is_ok() && ExportTtl::hours(720).is_ok());
        assert!(
            ExportTtl::hours(0)
                .unwrap_err()
                .contains("between 1 and 720")
        );
        assert!(ExportTtl::hours(721).is_err());
    }
}
